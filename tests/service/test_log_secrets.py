"""Logs never carry the bot token or a reporter's full phone number, whatever happens: a
conversation on each channel, refusals from Telegram and Twilio, a flood over the rate
limit, and a database error whose traceback shows the SQL parameters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import create_async_engine

from bot import logs
from bot.app import create_app
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.core.ratelimit import DEFAULT_PER_MINUTE
from bot.settings import Settings
from db.engine import session_factory
from db.uow import UnitOfWork
from tests.telegram_fake import FakeTelegram, next_id, private_text
from tests.twilio_fake import FakeTwilio, incoming_message, signed

# Shaped like the real thing: BotFather's tokens are <bot id>:<35 characters>.
TOKEN = "7123456789:AAHk3n9Xq2LrT5vW8yZ0bC4dF6gJ1mN3pQs"
TOKEN_SECRET = TOKEN.split(":", 1)[1]
NUMBER = "+919876543210"
SENDER = f"whatsapp:{NUMBER}"
PUBLIC_URL = "https://helpdesk.example.org"
TELEGRAM_USER = 5001


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


async def test_logs_never_carry_the_token_or_a_full_phone_number(
    sqlite_url: str,
    config: HelpdeskConfig,
    telegram: FakeTelegram,
    twilio: FakeTwilio,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, the libraries' request logs included
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        public_url=PUBLIC_URL,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=telegram.base_url,
        telegram_poll_timeout=1,
        telegram_private_per_second=50,
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=SecretStr(twilio.auth_token),
        twilio_whatsapp_from="whatsapp:+14155238886",
        twilio_api_base_url=twilio.base_url,
        twilio_interactive_menus=False,
        outbox_poll_seconds=0.05,
    )
    helpdesk = build(settings, config=config)
    app = create_app(helpdesk)
    transport = httpx.ASGITransport(app=app)

    async def whatsapp(body: str) -> int:
        form = incoming_message(SENDER, body, account_sid=twilio.account_sid)
        headers = signed(f"{PUBLIC_URL}/whatsapp/webhook", form, twilio.auth_token)
        answer = await client.post("/whatsapp/webhook", data=form, headers=headers)
        return answer.status_code

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client,
    ):
        # Telegram, by polling: every Bot API URL carries the token.
        telegram.push_update({"update_id": next_id(), **private_text(TELEGRAM_USER, "/start")})
        await telegram.wait_for_sent(TELEGRAM_USER)
        telegram.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
        telegram.push_update({"update_id": next_id(), **private_text(TELEGRAM_USER, "1")})
        await telegram.wait_for(lambda calls: any(c.status == 403 for c in calls))

        # WhatsApp: a conversation, a refused send, a flood over the limit.
        assert await whatsapp("hi") == 200
        await twilio.wait_for_messages(1, to=SENDER)
        twilio.fail_next(400, 63024, "Invalid message recipient")
        assert await whatsapp("1") == 200
        for _ in range(DEFAULT_PER_MINUTE):
            assert await whatsapp("help") == 200

        # A database error: its traceback shows the INSERT's parameters, the number among them.
        empty = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        working = helpdesk.dispatcher.units
        helpdesk.dispatcher.units = lambda: UnitOfWork(session_factory(empty))
        helpdesk.dispatcher.limiter = None
        assert await whatsapp("are you there?") == 503
        helpdesk.dispatcher.units = working
        await empty.dispose()
        await asyncio.sleep(0.3)  # let the relay log the refused sends

    # The fake servers run on uvicorn, whose access log shows the Bot API paths they serve;
    # the helpdesk runs here without uvicorn (and `serve` turns its access log off).
    ours = [record for record in caplog.records if not record.name.startswith("uvicorn")]
    formatted = [logs.JsonFormatter().format(record) for record in ours]
    everything = "\n".join(formatted)
    # The paths above were taken (else this test would prove nothing) ...
    assert "/getUpdates" in everything and "whatsapp" in everything
    assert "over the rate limit" in everything
    assert "no such table" in everything and "INSERT INTO inbound_messages" in everything
    assert "undeliverable" in everything.lower()
    # ... and left no secret behind.
    for secret in (TOKEN, TOKEN_SECRET, NUMBER, NUMBER[1:], NUMBER[3:]):
        leaks = [line for line in formatted if secret in line]
        assert leaks == [], f"{secret!r} logged:\n" + "\n".join(leaks[:3])
