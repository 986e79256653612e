"""`python -m bench.opcodes`: where the helpdesk's Python work goes, on a small real load."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bench.opcodes import count, report


@pytest.fixture
def logging_put_back() -> Iterator[None]:
    """The probe sets up logging as production does (its own root handler, the libraries that
    log URLs at warnings): the tests after this one must find it as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in root.manager.loggerDict}
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in root.manager.loggerDict:
        logging.getLogger(name).setLevel(levels.get(name, logging.NOTSET))


@pytest.mark.usefixtures("logging_put_back")
def test_the_count_follows_a_message_from_the_webhook_to_the_saved_conversation() -> None:
    counted, messages = count(reporters=2)
    own, inclusive, total = counted.by_function()
    assert messages == 16

    def inclusive_of(function: str) -> int:
        return sum(number for name, number in inclusive.items() if function in name)

    # The webhook's work (PTB's parse in it) and the conversation's, each a part of the whole.
    webhook = inclusive_of("webhook_endpoint.<locals>.telegram_webhook")
    parse = inclusive_of("(Update.de_json)")
    conversation = inclusive_of("Dispatcher._conversation")
    assert 0 < parse < webhook < total
    assert 0 < conversation < total
    assert sum(own.values()) == total  # every bytecode counted once as some function's own
    assert any(name.startswith("flows/state.py:") for name in own)  # the project's paths
    printed = report(counted, messages, top=5)
    assert printed.splitlines()[0] == f"bytecodes a message: {total / messages:,.0f} (16 messages)"
