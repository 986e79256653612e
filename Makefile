# MUKTA Helpdesk. `make run` chats with the helpdesk in this terminal; `make test` runs the
# whole suite. Both create the virtual environment from requirements.lock on first use.

# The distribution's optimised Python 3.11 where there is one (scripts/choose-python.sh).
PYTHON ?= $(shell scripts/choose-python.sh)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run serve test bench lint check clean

# Every pinned package first, then the helpdesk itself, editable (its requirements are all met
# by then): .venv/bin/mukta-helpdesk runs this checkout's code, whatever is edited later.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --editable .
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## run: chat with the helpdesk in this terminal (SQLite, console channel). ARGS="--as anita"
run: $(STAMP)
	$(BIN)/mukta-helpdesk chat $(ARGS)

## serve: the HTTP server (health check, webhooks) and the outbox relay
serve: $(STAMP)
	$(BIN)/mukta-helpdesk serve

## test: the whole suite, on SQLite and on PostgreSQL (started here if none is running), the
## web console in Chromium (Debian's package, installed here when run as root), and the running
## service against the providers' emulators (Node.js packages, installed here)
test: $(STAMP)
	scripts/ensure-postgres.sh
	scripts/ensure-chromium.sh
	scripts/ensure-emulators.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: the benchmarks (bench/README.md), ~4 minutes; BENCH_ARGS="--quick" for ~1 minute
bench: $(STAMP)
	scripts/ensure-postgres.sh
	$(BIN)/python -m bench $(BENCH_ARGS)

## lint: ruff and mypy, as CI runs them
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
