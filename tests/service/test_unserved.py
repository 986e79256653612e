"""Messages for chats no channel of `serve` sends to (the shipped console team chats): a chat
session on the same database still shows them while they wait, and after
OUTBOX_UNSERVED_MINUTES `serve` marks them expired and counts them, so that nothing waits as
"pending" for ever."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.console import ConsoleSender
from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.models import OutboxMessage
from flows.messages import Address, Outbound
from tests.conftest import FixedClock
from tests.helpers import fetch

L1 = Address("console", "team-l1")
REPORTER = Address("memory", "ramesh")


async def queue(helpdesk: Helpdesk, *messages: Outbound) -> None:
    async with helpdesk.unit_of_work() as uow:
        for message in messages:
            uow.outbox.add(message, helpdesk.clock())
        await uow.commit()


async def statuses(helpdesk: Helpdesk) -> list[tuple[str, str]]:
    rows = await fetch(helpdesk, select(OutboxMessage).order_by(OutboxMessage.id))
    return [(row.payload.split('"text": "', 1)[1].split('"', 1)[0], row.status) for row in rows]


async def run_once_settled(helpdesk: Helpdesk, done: list[tuple[str, str]]) -> None:
    """Run the relay as `serve` does until the outbox reads `done`."""
    stop = asyncio.Event()
    running = asyncio.create_task(helpdesk.relay.run(stop))
    try:
        for _ in range(500):
            if await statuses(helpdesk) == done:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"the outbox reads {await statuses(helpdesk)}, not {done}")
    finally:
        stop.set()
        await running


async def test_serve_expires_what_no_channel_of_it_sends_and_a_chat_session_reads_in_time(
    database_url: str,
    config: HelpdeskConfig,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    channel = MemoryChannel()
    serve = build(settings, senders={"memory": channel}, clock=clock, config=config)
    printed: list[str] = []
    session = build(
        settings, senders={"console": ConsoleSender(printed.append, L1)}, clock=clock, config=config
    )
    try:
        caplog.set_level(logging.INFO)
        await queue(serve, Outbound(L1, "card one"), Outbound(REPORTER, "notice one"))
        # A chat session reads what waits for its chats.
        assert await session.relay.deliver_due([str(L1)]) == 1
        assert printed == ["card one\n"]
        await queue(serve, Outbound(L1, "card two"))
        clock.advance(minutes=61)
        await queue(serve, Outbound(L1, "card three"), Outbound(REPORTER, "notice two"))

        await run_once_settled(
            serve,
            [
                ("card one", "sent"),
                ("notice one", "sent"),
                ("card two", "expired"),
                ("card three", "pending"),
                ("notice two", "sent"),
            ],
        )

        [warned] = [r for r in caplog.records if r.getMessage().startswith("messages expired")]
        assert warned.__dict__["expired"] == {"console": 1}
        # The one still within its time is still shown by the next chat session.
        assert await session.relay.deliver_due([str(L1)]) == 1
        assert printed[-1] == "card three\n"
    finally:
        await serve.close()
        await session.close()


async def test_the_expiry_is_a_setting(
    database_url: str, config: HelpdeskConfig, clock: FixedClock
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        database_url=database_url, _env_file=None, outbox_unserved_minutes=5
    )
    serve = build(settings, senders={"memory": MemoryChannel()}, clock=clock, config=config)
    try:
        assert serve.relay.unserved_for == timedelta(minutes=5)
        await queue(serve, Outbound(L1, "card one"))
        clock.advance(minutes=6)
        await run_once_settled(serve, [("card one", "expired")])
    finally:
        await serve.close()
