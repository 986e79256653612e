"""The scheduler's sweep reads first and writes only what is still due, on both databases.

Clock and calendar as in test_sla_and_confirmation: a P2 ticket filed on Friday 27 November
2026 at 11:00 in Odisha gets its "due soon" reminder on Monday 30 November at 14:45 and is
due on Tuesday 1 December at 11:00.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

import db.engine
import db.repositories.shared
from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.sla import BREACHED, sla_state
from bot.helpdesk import Helpdesk
from db.models import OutboxMessage, ScheduledNotice, Ticket
from db.repositories import OPEN_STATUSES
from db.uow import UnitOfWork
from tests.conftest import FixedClock
from tests.service.test_sla_and_confirmation import REMIND, advance_to, deliver, ist, sla_notices
from tests.support import Person, file_ticket

# On SQLite's fast path and its plain one (tests/conftest.py).
pytestmark = pytest.mark.sqlite_paths


@pytest.fixture(autouse=True)
def _charts_in_tmp(helpdesk: Helpdesk, tmp_path: Path) -> None:
    helpdesk.scheduler.reports_dir = tmp_path / "reports"


async def _tickets(helpdesk: Helpdesk, channel: MemoryChannel, count: int) -> list[str]:
    numbers = []
    for index in range(count):
        person = Person(helpdesk, channel, f"memory:reporter-{index}")
        numbers.append(await file_ticket(person, f"Wage bill {index} shows error 500"))
    return numbers


async def _count(helpdesk: Helpdesk, model: type[OutboxMessage] | type[ScheduledNotice]) -> int:
    async with helpdesk.unit_of_work().read_only() as uow:
        return int((await uow.session.execute(select(func.count(model.id)))).scalar_one())


async def test_a_first_response_while_the_sweep_reads_cancels_the_reminder(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    number, other = await _tickets(helpdesk, channel, 2)
    advance_to(clock, REMIND)
    scheduler = helpdesk.scheduler
    plan = scheduler._plan

    async def answered_meanwhile(uow: UnitOfWork, now: datetime) -> Any:
        planned = await plan(uow, now)
        async with helpdesk.unit_of_work() as writer:  # someone else, between read and write
            await writer.session.execute(
                update(Ticket).where(Ticket.number == number).values(first_response_at=now)
            )
            await writer.commit()
        return planned

    scheduler._plan = answered_meanwhile  # type: ignore[method-assign]
    await scheduler.sweep()
    await deliver(helpdesk)
    reminded = [text for _, text in sla_notices(channel)]
    assert len(reminded) == 1 and other in reminded[0] and number not in reminded[0]
    # Its key was not taken either: had the response not come, it would still be sent.
    async with helpdesk.unit_of_work().read_only() as uow:
        keys = (await uow.session.execute(select(ScheduledNotice.key))).scalars().all()
    assert [key for key in keys if number in key] == []


async def test_many_notices_from_two_processes_go_out_once_each(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    numbers = await _tickets(helpdesk, channel, 6)
    advance_to(clock, ist(2026, 12, 2, 11))  # breached yesterday; this morning's repeat due
    other = build(
        helpdesk.settings,
        senders={"memory": channel, "console": channel},
        clock=clock,
        config=helpdesk.config,
    )
    other.scheduler.reports_dir = helpdesk.scheduler.reports_dir
    try:
        counts = await asyncio.gather(helpdesk.scheduler.sweep(), other.scheduler.sweep())
        assert await helpdesk.scheduler.sweep() == 0
    finally:
        await other.close()
    await deliver(helpdesk)
    sent = sla_notices(channel)
    assert len(sent) == len(set(sent)) == sum(counts) - len(_digests(channel))
    for number in numbers:
        mine = [text for _, text in sent if f"{number} " in text]
        # (No "due soon" reminder: the breach it would have warned of is already told.)
        assert not any(text.startswith("Reminder: ") for text in mine), number
        assert any(text.startswith("SLA breached: ") for text in mine), number
        assert any(text.startswith("Still waiting: ") for text in mine), number


def _digests(channel: MemoryChannel) -> list[str]:
    return [m.text for m in channel.sent if m.text.startswith("Daily summary for ")]


async def test_the_routine_sweep_does_not_take_the_sqlite_write_lock(
    helpdesk: Helpdesk,
    channel: MemoryChannel,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = helpdesk.settings.database_url
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    await _tickets(helpdesk, channel, 3)
    advance_to(clock, ist(2026, 12, 2, 11))
    assert await helpdesk.scheduler.sweep() > 0  # the catch-up
    queued = await _count(helpdesk, OutboxMessage)

    monkeypatch.setattr(db.engine, "SQLITE_BUSY_TIMEOUT_MS", 100)
    quick = build(helpdesk.settings, clock=clock, config=helpdesk.config)
    quick.scheduler.reports_dir = helpdesk.scheduler.reports_dir
    other = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock meanwhile
    try:
        clock.advance(minutes=1)
        started = time.perf_counter()
        assert await quick.scheduler.sweep() == 0
        assert time.perf_counter() - started < 1
    finally:
        other.execute("ROLLBACK")
        other.close()
        await quick.close()
    assert await _count(helpdesk, OutboxMessage) == queued


async def test_the_digest_figures_counted_by_the_database_match_the_sla_clock(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    numbers = await _tickets(helpdesk, channel, 8)
    now = ist(2026, 12, 1, 12)  # Tuesday noon: the tickets filed on Friday are due at 11:00
    changes: list[dict[str, Any]] = [
        {},  # breached
        {"paused_at": ist(2026, 11, 30, 12)},  # waiting on the reporter: not breached
        {"first_response_at": ist(2026, 11, 27, 12)},  # answered in time
        {"response_due_at": ist(2026, 12, 1, 16)},  # due later today
        {"response_due_at": ist(2026, 12, 1, 0)},  # due at midnight starting today: breached
        {"response_due_at": ist(2026, 11, 30, 23, 59), "team": "egov_tech"},  # breached
        {"response_due_at": None, "team": "egov_tech"},  # no clock
        {"status": "resolved"},  # not open
    ]
    async with helpdesk.unit_of_work() as uow:
        for number, values in zip(numbers, changes, strict=True):
            if values:
                await uow.session.execute(
                    update(Ticket).where(Ticket.number == number).values(**values)
                )
        await uow.commit()
    local = now.astimezone(helpdesk.config.calendar.zone)
    start = ist(local.year, local.month, local.day, 0)
    async with helpdesk.unit_of_work().read_only() as uow:
        figures = await uow.tickets.open_figures(now, start, start + timedelta(days=1))
        listed = await uow.tickets.first_due(now, 3)
        result = await uow.session.execute(
            select(Ticket).where(Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id)
        )
        tickets = list(result.scalars().all())
    expected: dict[str, tuple[int, int, int]] = {}
    for team in {ticket.team for ticket in tickets}:
        mine = [ticket for ticket in tickets if ticket.team == team]
        today = [
            t
            for t in mine
            if t.response_due_at is not None
            and t.first_response_at is None
            and t.response_due_at.astimezone(local.tzinfo).date() == local.date()
        ]
        breached = [t for t in mine if sla_state(t, now) == BREACHED]
        expected[team] = (len(mine), len(today), len(breached))
        first = sorted(mine, key=lambda t: (t.response_due_at or now, t.id))[:3]
        assert listed[team] == [t.id for t in first], team
    assert figures == expected
    assert sum(late for _, _, late in figures.values()) == 3


async def test_a_catch_up_words_its_tickets_a_chunk_at_a_time_all_of_them_in_order(
    helpdesk: Helpdesk,
    channel: MemoryChannel,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tickets a sweep words are loaded a chunk at a time (here 2), not all at once; every
    one of them is told of, in ticket order, and the daily summary still lists them."""
    numbers = await _tickets(helpdesk, channel, 5)
    monkeypatch.setattr(db.repositories.shared, "CHUNK", 2)
    async with helpdesk.unit_of_work().read_only() as uow:
        ids = (await uow.session.execute(select(Ticket.id).order_by(Ticket.id))).scalars().all()
        chunks = [
            [ticket.id for ticket in tickets]
            async for tickets in uow.tickets.by_ids_in_chunks(list(ids))
        ]
    assert chunks == [list(ids[:2]), list(ids[2:4]), list(ids[4:])]
    advance_to(clock, ist(2026, 12, 2, 11))  # breached yesterday; this morning's repeat due
    assert await helpdesk.scheduler.sweep() > 0
    await deliver(helpdesk)
    told: dict[str, list[str]] = {}  # chat: the tickets its breach notices were about
    for chat, text in sla_notices(channel):
        if text.startswith("SLA breached: "):
            told.setdefault(chat, []).extend(n for n in numbers if f"{n} " in text)
    assert told and all(about == numbers for about in told.values()), told
    for number in numbers:
        assert any(number in text for text in _digests(channel)), number
