"""Tools for the fault tests (tests/service/test_faults.py): reporters who type an intake over the
Telegram webhook, `python -m bot serve` as a subprocess that can be killed, a Bot API fake that
can be taken down, and checks on what the database and the chats show afterwards.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from adapters.telegram import wire
from bot.build import build
from bot.core.clock import utc_now
from bot.core.config import load_config
from bot.helpdesk import Helpdesk
from bot.settings import ROOT, Settings, environment_without_settings
from db.engine import create_engine, session_factory
from db.models import InboundMessage, OutboxMessage, Ticket
from db.repositories import decode_outbound
from tests.telegram_fake import ApiError, FakeTelegram, next_id, private_text

JSONDict = dict[str, Any]

SECRET = "fault-secret_42"
SECRET_HEADER = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
WEBHOOK = "/telegram/webhook"
TEAM_GROUPS = {
    "l1": -1001,
    "master_trainers": -1002,
    "hudd_tech": -1003,
    "egov_tech": -1004,
    "egov": -1005,
    "hudd_admin": -1006,
}
L1_GROUP = TEAM_GROUPS["l1"]
START_TIMEOUT = 30.0
REGISTERED = "registered as ticket"

# -- configuration ----------------------------------------------------------------------------


def without_timed_notices(text: str) -> str:
    """A configuration's text with no daily digest and no weekly summary."""
    for setting, off in (("daily_digest", "false"), ("weekly_summary_team", '""')):
        line = re.search(rf"^{setting} = .*$", text, re.MULTILINE)
        if line is None:
            raise AssertionError(f"the configuration no longer sets {setting}")
        text = text.replace(line.group(0), f"{setting} = {off}")
    return text


def telegram_toml(directory: Path, *, timed_notices: bool = True) -> Path:
    """The shipped configuration with every team's chat a Telegram group (HELPDESK_CONFIG).
    Without `timed_notices`, no daily digest and no weekly summary: a `serve` started by the
    real clock sends them from the time of day they are due (09:30 and Monday 10:00, office
    time) on, which a test counting what waits in the outbox would count too."""
    text = (ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8")
    if not timed_notices:
        text = without_timed_notices(text)
    for key, chat_id in TEAM_GROUPS.items():
        console = f'chats = ["console:team-{key.replace("_", "-")}"]'
        if console not in text:
            raise AssertionError(f"config/helpdesk.toml no longer has {console}")
        text = text.replace(console, f'chats = ["telegram:{chat_id}"]')
    path = directory / "helpdesk-telegram.toml"
    path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(
    database_url: str, port: int, fake: FakeTelegram, config: Path, workdir: Path
) -> dict[str, str]:
    """The environment of a `serve` subprocess: webhook mode against the fake, fast relay,
    its files (weekly charts, media) under `workdir`."""
    env = environment_without_settings()
    env.update(
        DATABASE_URL=database_url,
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(port),
        HELPDESK_CONFIG=str(config),
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_MODE="webhook",
        PUBLIC_URL="https://helpdesk.example.org",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        # Telegram's limits are tested elsewhere; here they would only add waiting.
        TELEGRAM_MAX_PER_SECOND="2000",
        TELEGRAM_PRIVATE_PER_SECOND="200",
        TELEGRAM_GROUP_PER_MINUTE="60000",
        OUTBOX_POLL_SECONDS="0.2",
        REPORTS_DIR=str(workdir / "reports"),
        MEDIA_DIR=str(workdir / "media"),
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",
        PYTHONUTF8="1",
    )
    return env


def webhook_settings(
    database_url: str, token: str, api_base_url: str, secret: str = SECRET, **extra: Any
) -> Settings:
    """Settings of a helpdesk in Telegram webhook mode, its Bot API at `api_base_url`."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        telegram_bot_token=SecretStr(token),
        telegram_api_base_url=api_base_url,
        telegram_mode="webhook",
        public_url="https://helpdesk.example.org",
        telegram_webhook_secret=SecretStr(secret),
        **extra,
    )


def webhook_helpdesk(
    database_url: str,
    fake: FakeTelegram,
    config: Path,
    clock: Callable[[], datetime] = utc_now,
    **extra: Any,
) -> Helpdesk:
    """The helpdesk in-process, as `serve` builds it: Telegram webhook mode against the fake."""
    settings = webhook_settings(
        database_url,
        fake.token,
        fake.base_url,
        telegram_max_per_second=2000,
        telegram_private_per_second=200,
        telegram_group_per_minute=60000,
        outbox_poll_seconds=0.1,
        **extra,
    )
    return build(settings, clock=clock, config=load_config(config))


# -- the service as a subprocess --------------------------------------------------------------


class ServeProcess:
    """`python -m bot serve`, started and (re)started by the test; killed in `close`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = int(env["HTTP_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.starts += 1
        with self.log.open("ab") as sink:
            sink.write(f"--- start {self.starts} ---\n".encode())
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    async def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:  # noqa: ASYNC109
        """Poll /healthz without blocking the loop (the fake Telegram answers the start-up)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"serve exited with {self.process.returncode}:\n{self.log_text()}"
                    )
                try:
                    response = await client.get(f"{self.url}/healthz")
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"/healthz not 200 within {timeout} s:\n{self.log_text()}")
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, as when the machine or the OOM killer stops it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 10)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-6000:]


# -- the Bot API, taken down on demand --------------------------------------------------------


class FlakyTelegram(FakeTelegram):
    """The fake Bot API, which can answer every send with an error, or hang, until `up()`."""

    def __init__(self) -> None:
        super().__init__()
        self.outage_status = 0  # 0: up; else the HTTP status every send answers with
        self.hang_seconds = 0.0  # > 0: every send waits this long first (a timeout)

    def down(self, status: int = 502) -> None:
        self.outage_status = status

    def up(self) -> None:
        self.outage_status = 0
        self.hang_seconds = 0.0

    async def _answer(self, method: str, params: JSONDict) -> Any:
        sending = method.lower() in ("sendmessage", "editmessagetext", "sendphoto")
        # A request's fate is decided when it arrives: one that hangs never lands later.
        status, hang = (self.outage_status, self.hang_seconds) if sending else (0, 0.0)
        if hang:
            await asyncio.sleep(hang)
        if status:
            reason = {502: "Bad Gateway", 503: "Service Unavailable"}.get(status, "Server Error")
            raise ApiError(status, reason)
        return await super()._answer(method, params)


# -- reporters --------------------------------------------------------------------------------


@dataclass
class Reporter:
    """A person filing a report by typing answers in their private chat."""

    user_id: int
    name: str
    description: str

    @property
    def address(self) -> str:
        return f"telegram:{self.user_id}"

    def answers(self) -> list[str]:
        """The shortest English intake (see tests/support.file_ticket), ending with Submit
        (the name is the one Telegram shows, so it is not asked)."""
        return [
            "/start",
            "1",  # English: the report starts
            "Jatni",
            "1",  # ULB employee
            "wage",  # Wage bills and payments
            "2",  # The app or iFIX shows an error
            self.description,
            "1",  # Submit
        ]

    def updates(self) -> list[JSONDict]:
        """One Telegram update per answer, each with its own update_id, as Telegram numbers."""
        return [
            {"update_id": next_id(), **private_text(self.user_id, text, self.name)}
            for text in self.answers()
        ]


def reporters(count: int, first_user_id: int) -> list[Reporter]:
    return [
        Reporter(
            first_user_id + index,
            f"Reporter {index:02d} Sahu",
            f"Fault test {index:02d}: wage bill {4000 + index} fails with error 500 on submit",
        )
        for index in range(count)
    ]


async def post(client: httpx.AsyncClient, url: str, update: JSONDict) -> int | None:
    """POST one update to the webhook: its HTTP status, or None when nothing answered."""
    try:
        response = await client.post(f"{url}{WEBHOOK}", json=update, headers=SECRET_HEADER)
    except httpx.TransportError:
        return None
    return response.status_code


async def deliver_until_2xx(
    client: httpx.AsyncClient,
    url: str,
    update: JSONDict,
    deadline: float,
    statuses: list[int | None] | None = None,
) -> int:
    """Telegram's webhook delivery: send again, with a short pause, until a 2xx comes back."""
    pause = 0.05
    while True:
        status = await post(client, url, update)
        if statuses is not None:
            statuses.append(status)
        if status is not None and 200 <= status < 300:
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"update {update['update_id']} never got a 2xx (last {status})")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.5)


# -- what the database shows ------------------------------------------------------------------


@dataclass
class Snapshot:
    inbound: list[InboundMessage]
    tickets: list[Ticket]
    outbox: list[OutboxMessage]

    def tickets_of(self, address: str) -> list[Ticket]:
        return [ticket for ticket in self.tickets if ticket.reporter_address == address]

    def unsent(self) -> list[OutboxMessage]:
        return [row for row in self.outbox if row.status != "sent"]


async def snapshot(database_url: str) -> Snapshot:
    """Everything the fault tests look at, read in one short transaction."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            inbound = await session.execute(select(InboundMessage).order_by(InboundMessage.id))
            tickets = await session.execute(select(Ticket).order_by(Ticket.id))
            outbox = await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
            found = Snapshot(
                list(inbound.scalars().all()),
                list(tickets.scalars().all()),
                list(outbox.scalars().all()),
            )
            session.expunge_all()
            await session.rollback()
        return found
    finally:
        await engine.dispose()


async def wait_all_sent(database_url: str, timeout: float = 20.0) -> Snapshot:  # noqa: ASYNC109
    """Wait until the relay has settled every outbox row as sent; the final snapshot."""
    deadline = time.monotonic() + timeout
    while True:
        found = await snapshot(database_url)
        if found.outbox and not found.unsent():
            return found
        if time.monotonic() > deadline:
            waiting = [(r.id, r.address, r.attempts, r.last_error) for r in found.unsent()]
            raise AssertionError(f"outbox rows not sent within {timeout} s: {waiting[:10]}")
        await asyncio.sleep(0.1)


def rendered_texts(rows: Iterable[OutboxMessage]) -> list[str]:
    """The texts a chat should show for these outbox rows, in row order (as the sender splits
    and renders them)."""
    texts: list[str] = []
    for row in rows:
        texts += wire.render(decode_outbound(row.payload)).chunks
    return texts


def chats_of(rows: Iterable[OutboxMessage]) -> dict[int, list[OutboxMessage]]:
    by_chat: dict[int, list[OutboxMessage]] = {}
    for row in rows:
        if row.channel == "telegram":
            by_chat.setdefault(int(row.address.split(":", 1)[1]), []).append(row)
    return by_chat


def repeated_once(observed: Sequence[str], expected: Sequence[str]) -> list[str] | None:
    """The stretch sent twice when `observed` is `expected` except that the sender went back
    once and sent a stretch again (rows sent before a crash but not yet recorded as sent):
    `expected[:j] + expected[i:]` for some i <= j. [] when nothing was repeated; None when
    `observed` is anything else (a message lost, reordered or repeated more)."""
    observed, expected = list(observed), list(expected)
    extra = len(observed) - len(expected)
    if extra < 0:
        return None
    for j in range(extra, len(expected) + 1):
        i = j - extra
        if observed == [*expected[:j], *expected[i:]]:
            return expected[i:j]
    return None


def number_in(text: str) -> str:
    """The ticket number in "… registered as ticket MK-1001. …"."""
    match = re.search(r"registered as ticket ([A-Z]+-\d+)", text)
    assert match, text
    return match.group(1)
