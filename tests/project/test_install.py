"""The helpdesk as a new operator gets it: a fresh clone after its first `make run`, in which
every command the README shows works exactly as written, with nothing activated; and
`pip install .` into a fresh virtual environment, whose `mukta-helpdesk` reads its settings and
configuration from its working directory and finds its migrations, templates and static files
in the installed package, with no source tree beside it.

Downloading and installing every dependency from the package index takes minutes, so the
fresh environments borrow the packages of the one running the tests (one `.pth` line naming
its site-packages, after their own: the same pins, requirements.lock). What pip really builds
and installs is the helpdesk itself, from pyproject.toml, as `make` and an operator do (its
build backend, setuptools, comes from the package index or pip's cache, as for them).
"""

from __future__ import annotations

import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.settings import ROOT, environment_without_settings
from tests.faultkit import free_port

INSTALL_TIMEOUT = 300.0
# Builds and installs take minutes on a busy machine, more than the suite's usual limit.
pytestmark = [pytest.mark.install, pytest.mark.timeout(2 * INSTALL_TIMEOUT)]
START_TIMEOUT = 30.0
# Not the clone: what is not in a fresh clone (or is made by running it) is not copied.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".env",
    "data",
    "build",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    "node_modules",
)
# The commands the README may show that are safe to run here, with what they read on stdin.
SAFE = {
    ("check-config",): "",
    ("migrate",): "",
    ("account", "create"): "a-long-password-1\n",
    ("account", "list"): "",
    ("report",): "",
}
SCRIPT = ".venv/bin/mukta-helpdesk"


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any helpdesk setting or virtual environment."""
    env = environment_without_settings("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    env.update(PYTHONUTF8="1", **settings)
    return env


def run(
    command: list[str | Path], cwd: Path, env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def fresh_venv(path: Path) -> Path:
    """A new virtual environment at `path` that sees this one's packages after its own."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", path], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Every package folder this process imports from (those its own .pth files add, too).
    lent = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    Path(purelib, "lent-by-the-tests.pth").write_text("\n".join(dict.fromkeys(lent)) + "\n")
    return python


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the source tree after its first `make run` (the chat, ended at once)."""
    where = tmp_path_factory.mktemp("clone") / "mukta-helpdesk"
    shutil.copytree(ROOT, where, ignore=NOT_IN_A_CLONE)
    fresh_venv(where / ".venv")  # `make` keeps an existing .venv
    env = clean_environment(DATABASE_URL=f"sqlite+aiosqlite:///{where.parent}/first-run.db")
    run(["make", "run"], where, env)
    yield where


def readme_commands() -> list[str]:
    """The shell commands README.md shows: its `sh` blocks' lines and its inline commands."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        lines += [line.strip() for line in block.splitlines() if line.strip()]
    inline = re.findall(r"`((?:\.venv/bin/|python3? |make )[^`]*)`", text)
    return lines + inline


def test_the_readme_shows_no_command_that_needs_an_activated_environment() -> None:
    commands = readme_commands()

    assert [c for c in commands if c.startswith(SCRIPT)], "no mukta-helpdesk command found"
    assert [c for c in commands if re.match(r"python3? ", c)] == []


def test_make_installs_the_helpdesk_into_its_venv_once(clone: Path) -> None:
    script = clone / SCRIPT
    assert script.is_file()
    env = clean_environment()

    usage = run([script, "--help"], clone, env).stdout
    module_usage = run([clone / ".venv" / "bin" / "python", "-m", "bot", "--help"], clone, env)
    dry_run = run(["make", "-n", "run"], clone, env).stdout

    assert usage.startswith("usage: mukta-helpdesk ")
    assert module_usage.stdout.startswith("usage: python -m bot ")
    assert "pip install" not in dry_run  # the stamp: installed once, until the pins change
    assert f"{SCRIPT} chat" in dry_run


def test_every_safe_readme_command_works_as_written_in_a_fresh_clone(
    clone: Path, tmp_path: Path
) -> None:
    env = clean_environment(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/readme.db")
    done: list[tuple[str, ...]] = []
    outputs: dict[tuple[str, ...], str] = {}
    for command in readme_commands():
        if not command.startswith(SCRIPT + " "):
            continue
        words = shlex.split(command, comments=True)[1:]
        kind = next((k for k in SAFE if tuple(words[: len(k)]) == k), None)
        if kind is None:
            continue
        # As a reader pastes it into a shell, at the clone's root.
        result = run(["sh", "-c", command], clone, env, stdin=SAFE[kind])
        done.append(kind)
        outputs[kind] = result.stdout

    assert set(done) == set(SAFE), "the README no longer shows some of these commands"
    assert "config/helpdesk.toml: OK" in outputs[("check-config",)]
    assert outputs[("account", "list")].startswith("admin\tHUDD admin\tadmin\t")
    assert "SLA response" in outputs[("report",)]
    assert (clone / "summary.csv").read_text(encoding="utf-8-sig").strip()


def run_time_files(root: Path) -> set[str]:
    """The files the packages read at run time (not as modules), relative to `root`."""
    folders = ("bot/web/templates", "bot/web/static", "db/migrations")
    return {
        str(path.relative_to(root))
        for folder in folders
        for path in (root / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def get_when_up(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while True:
            assert process.poll() is None, "serve exited"
            try:
                return client.get(url)
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"{url} did not answer"
                time.sleep(0.1)


def test_pip_install_gives_a_mukta_helpdesk_that_needs_no_source_tree(
    clone: Path, tmp_path: Path
) -> None:
    python = fresh_venv(tmp_path / "venv")
    env = clean_environment()
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "."], clone, env)
    script = tmp_path / "venv" / "bin" / "mukta-helpdesk"
    # An operator's directory: the configuration and nothing else; data/ is made in it.
    home = tmp_path / "helpdesk"
    (home / "config").mkdir(parents=True)
    shutil.copy(clone / "config" / "helpdesk.toml", home / "config")

    elsewhere = subprocess.run(
        [script, "check-config"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    checked = run([script, "check-config"], home, env).stdout
    run([script, "migrate"], home, env)
    location = run([python, "-c", "import bot; print(bot.__file__)"], home, env).stdout
    port = free_port()
    serve_env = clean_environment(HTTP_PORT=str(port))
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [script, "serve"], cwd=home, env=serve_env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        login = get_when_up(f"http://127.0.0.1:{port}/console/login", process)
        style = httpx.get(f"http://127.0.0.1:{port}/console/static/console.css", trust_env=False)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        log.close()

    assert elsewhere.returncode == 2
    assert f"Relative paths are taken from {tmp_path}" in elsewhere.stderr
    assert checked.startswith(f"{home / 'config' / 'helpdesk.toml'}: OK")
    assert (home / "data" / "helpdesk.db").is_file()  # migrated where it was started
    installed = Path(location.strip()).parent.parent
    assert installed.is_relative_to(tmp_path / "venv")
    assert run_time_files(installed) == run_time_files(ROOT)
    assert login.status_code == 200 and "<form" in login.text  # the templates
    assert style.status_code == 200 and style.text.strip()  # the static files
    assert process.returncode == 0
