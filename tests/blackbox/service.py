"""`python -m bot serve` as an operator runs it: a subprocess started with environment
variables only (those .env.example names), waited for on /healthz, stopped with SIGTERM or
killed with SIGKILL, started again on the same database, and its log read."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

from bot.settings import ROOT, environment_without_settings
from tests.blackbox.emulators import free_port
from tests.faultkit import ServeProcess, without_timed_notices

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0

TWILIO_ACCOUNT_SID = "AC" + "0b" * 16
TWILIO_AUTH_TOKEN = "blackbox-twilio-auth-token-0123"
HELPDESK_WHATSAPP = "whatsapp:+14155238886"
TELEGRAM_TOKEN = "123456:blackbox-telegram-token"
TELEGRAM_SECRET = "blackbox-webhook-secret"
JIRA_PROJECT = "MK"
SMTP_FROM = "helpdesk@mukta.example.org"
# The shipped configuration with each team's chat on Telegram instead of the console.
TEAM_CHAT_BASE = -1001000000000


def configuration(folder: Path) -> Path:
    """config/helpdesk.toml as an operator with Telegram groups fills it in, without the
    daily digest and the weekly summary: `serve` runs by the real clock, and from their time
    of day on (09:30, and Monday 10:00, office time) it would send them at every start, in
    the way of what a test counts and times (the scheduler's tests drive them by a clock)."""
    text = (ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8")
    teams = sorted(set(re.findall(r'"console:(team-[a-z0-9-]+)"', text)))
    for index, team in enumerate(teams):
        text = text.replace(f'"console:{team}"', f'"telegram:{TEAM_CHAT_BASE - index}"')
    text = without_timed_notices(text)
    path = folder / "helpdesk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def team_chat(service: Service, team: str) -> int:
    """The Telegram group of a team (by its key) in the service's configuration."""
    text = service.config.read_text(encoding="utf-8")
    block = text.split(f'key = "{team}"', 1)[1]
    return int(re.search(r'"telegram:(-\d+)"', block).group(1))  # type: ignore[union-attr]


class Service:
    """One helpdesk installation: its database and settings persist across starts."""

    def __init__(self, folder: Path, env: Mapping[str, str]) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = folder / "helpdesk.db"
        self.log = folder / "serve.log"
        self.config = configuration(folder)
        self.env = environment_without_settings()
        self.env.update(
            DATABASE_URL=f"sqlite+aiosqlite:///{self.database}",
            HELPDESK_CONFIG=str(self.config),
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=str(self.port),
            PUBLIC_URL=self.url,
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            MEDIA_DIR=str(folder / "media"),
            REPORTS_DIR=str(folder / "reports"),
            PYTHONUTF8="1",
        )
        self.env.update(env)
        self.serving = ServeProcess(self.env, self.log)
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=self.url, trust_env=False, timeout=10.0)

    # -- running it ------------------------------------------------------------------------

    def command(self, *arguments: str, typed: str = "") -> subprocess.CompletedProcess[str]:
        """`python -m bot ARGUMENTS` with this installation's environment; `typed`: its input."""
        return subprocess.run(
            [sys.executable, "-m", "bot", *arguments],
            cwd=ROOT,
            env=self.env,
            input=typed,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def start(self, wait: bool = True) -> Service:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.serving.start()
        self.process = self.serving.process
        if wait:
            self.wait_until_healthy()
        return self

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise AssertionError(f"serve exited with {code}:\n{self.log_text()[-5000:]}")
            try:
                if self.http.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no healthy /healthz in {START_TIMEOUT} s:\n{self.log_text()}"
                )
            time.sleep(0.1)

    def stop(self) -> int:
        """SIGTERM, as systemd or Docker stops a service; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        """kill -9: no chance to finish or hand anything back."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=STOP_TIMEOUT)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        self.http.close()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def log_entries(self) -> list[dict[str, Any]]:
        entries = []
        for line in self.log_text().splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                entries.append({"message": line})
        return entries

    def rss_kib(self) -> int:
        """The process's resident memory (Linux)."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]

    def sql(self, query: str, *parameters: object) -> list[tuple[Any, ...]]:
        """Read the SQLite file as an operator's sqlite3 would."""
        with sqlite3.connect(self.database, timeout=10) as db:
            return db.execute(query, parameters).fetchall()

    # -- the providers' calls in -----------------------------------------------------------

    def whatsapp(self, sender: str, body: str = "", **extra: str) -> httpx.Response:
        """A message from `sender` as Twilio posts it, signed with the account's token."""
        sid = f"SM{time.time_ns():032x}"[:34]
        form = {
            "SmsMessageSid": sid,
            "MessageSid": sid,
            "AccountSid": TWILIO_ACCOUNT_SID,
            "From": sender,
            "To": HELPDESK_WHATSAPP,
            "Body": body,
            "NumMedia": "0",
            "ProfileName": "Ramesh",
            "WaId": sender.removeprefix("whatsapp:+"),
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
            **extra,
        }
        return self.twilio_post("/whatsapp/webhook", form)

    def twilio_post(self, path: str, form: dict[str, str]) -> httpx.Response:
        signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(self.url + path, form)
        return self.http.post(
            path,
            content=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
                "User-Agent": "TwilioProxy/1.1",
            },
        )

    def telegram_update(self, update: dict[str, Any]) -> httpx.Response:
        """An update as Telegram posts it to the webhook, with the secret header."""
        return self.http.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        )


_update_ids = iter(range(10_000, 10**9))


def telegram_message(
    chat_id: int, text: str, first_name: str = "Sunita", sender: int | None = None
) -> dict[str, Any]:
    """A text message update, in the Bot API's shape: in a private chat, or `sender`'s in a
    group (`chat_id` negative, as Telegram numbers groups)."""
    user_id = chat_id if sender is None else sender
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
    if sender is not None:
        chat = {"id": chat_id, "type": "supergroup", "title": "Helpdesk team"}
    update_id = next(_update_ids)
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        },
    }
