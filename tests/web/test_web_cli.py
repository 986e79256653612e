"""`python -m bot account create` as an admin types it at a real terminal (a pseudo-terminal:
getpass reads from it as from a keyboard)."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import sys
from pathlib import Path

from bot.helpdesk import Helpdesk
from bot.web.accounts import Accounts

ROOT = Path(__file__).resolve().parents[2]
GOOD = "correct horse battery"


class Terminal:
    """A command running on a pseudo-terminal: what it printed so far, and typing into it."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        pid, self.fd = pty.fork()
        if pid == 0:  # the child: the command, with the terminal as its keyboard and screen
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, *argv], env)
        self.pid = pid
        self.screen = ""

    def read_until(self, wanted: str, seconds: float = 60) -> str:
        """Everything printed up to and including `wanted` (the whole screen if it never
        comes); what follows stays for the next read."""
        while wanted not in self.screen:
            ready, _, _ = select.select([self.fd], [], [], seconds)
            if not ready:
                break
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # the command ended
                break
            if not chunk:
                break
            self.screen += chunk.decode(errors="replace").replace("\r\n", "\n")
        shown, found, rest = self.screen.partition(wanted)
        self.screen = rest
        return shown + found

    def type(self, line: str) -> None:
        os.write(self.fd, f"{line}\n".encode())

    def finish(self) -> int:
        rest = self.read_until("\0never printed\0")
        self.screen = rest
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def account_create(helpdesk: Helpdesk, config_file: Path) -> Terminal:
    env = {
        **os.environ,
        "DATABASE_URL": helpdesk.settings.database_url,
        "HELPDESK_CONFIG": str(config_file),
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }
    argv = ["-m", "bot", "account", "create", "asha"]
    argv += ["--name", "Asha Das", "--role", "admin", "--team", "hudd_admin"]
    return Terminal(argv, env)


def run_at_the_terminal(helpdesk: Helpdesk, config_file: Path) -> tuple[list[str], int]:
    """An admin creates her account, first typing a password too short; what she saw
    before each thing she typed, and the command's exit code."""
    terminal = account_create(helpdesk, config_file)
    seen = [terminal.read_until("Password: ")]
    terminal.type("short")
    seen.append(terminal.read_until("Password: "))
    terminal.type(GOOD)
    seen.append(terminal.read_until("Password again: "))
    terminal.type(GOOD)
    code = terminal.finish()
    seen.append(terminal.screen)
    return seen, code


async def test_account_create_asks_for_the_password_cleanly_and_says_at_once_it_is_short(
    helpdesk: Helpdesk, config_file: Path
) -> None:
    await helpdesk.migrate()
    seen, code = await asyncio.to_thread(run_at_the_terminal, helpdesk, config_file)
    before_prompt, after_short, after_good, end = seen
    # Nothing but the prompt: no log lines in the admin's way.
    assert before_prompt.strip() == "Password:", before_prompt
    # The short password is refused as soon as it is typed, and asked for again (not
    # after typing it a second time).
    assert "at least 10 characters" in after_short
    assert "again" not in after_short
    assert after_short.rstrip().endswith("Password:")
    assert after_good.strip() == "Password again:"
    assert code == 0, end
    assert "account 'asha' created (admin, hudd_admin)" in end
    assert "{" not in end
    accounts = Accounts(lambda: helpdesk.config.directory)
    async with helpdesk.unit_of_work() as uow:
        assert await accounts.authenticate(uow.session, "asha", GOOD) is not None
