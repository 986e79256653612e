"""Each database's two paths give the same outcome: the fast one (on SQLite `db/onestep.py`;
on SQLite and PostgreSQL `db/direct.py`'s statements sent straight to the driver) and
SQLAlchemy's plain one, which `DATABASE_FAST_PATH=false` takes should an upgrade of
SQLAlchemy, aiosqlite or asyncpg break the fast one. The repositories' key operations run on a
fresh database each way: the same answers, the same errors, the same SQL, the same rows left
in every table."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import asyncpg
import pytest
from sqlalchemy import Table, bindparam, event, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.config import load_config
from bot.core.tickets import TicketService
from bot.helpdesk import Helpdesk
from bot.settings import ROOT
from db.direct import DirectStatement
from db.engine import create_engine, session_factory
from db.models import Counter, Ticket
from db.onestep import OneStepConnection
from db.uow import UnitOfWork
from flows.messages import Address, Attachment, Inbound, Outbound
from flows.state import ConversationState, Profile
from tests.conftest import POSTGRES_URL, _admin
from tests.helpers import submit_command

pytestmark = pytest.mark.sqlite_paths  # (the first two tests run both paths themselves)

NOW = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)
RAMESH, SITA = Address("memory", "ramesh"), Address("memory", "sita")


async def _takes_fast_path(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        return isinstance(raw.dbapi_connection, OneStepConnection)


_COUNTERS = cast(Table, Counter.__table__)
_READ_COUNTER = DirectStatement(
    update(_COUNTERS)
    .where(_COUNTERS.c.name == bindparam("counter"))
    .values(value=_COUNTERS.c.value)
    .returning(_COUNTERS.c.value)
)


async def _direct_rows(engine: AsyncEngine) -> str:
    """Where a direct statement's rows come from: plain tuples from SQLite's one-step driver
    ("builtins"), records from asyncpg itself ("asyncpg"), or SQLAlchemy's rows through the
    session ("sqlalchemy")."""
    async with UnitOfWork(session_factory(engine)) as uow:  # rolled back
        rows = await _READ_COUNTER.rows(uow.session, {"counter": "ticket"})
    return type(rows[0]).__module__.split(".")[0]


async def _inbound(units: UnitOfWork) -> list[Any]:
    """A message kept once, however often it is delivered; a refused one fails as SQLAlchemy
    says (in a savepoint: on PostgreSQL an error ends what a transaction can do)."""
    message = Inbound(RAMESH, "m-1", "ହେଲୋ 'quoted'", NOW, attachments=(Attachment("photo", "f"),))
    async with units as uow:
        outcome: list[Any] = [await uow.inbound.record(message), await uow.inbound.record(message)]
        await uow.commit()
    async with units as uow:
        outcome.append(await uow.inbound.record(message))
        try:
            async with uow.session.begin_nested():
                await uow.inbound.record(replace(message, provider_id=cast(str, None)))
        except IntegrityError as error:
            outcome.append((type(error).__name__, str(error.orig)))
        outcome.append(await uow.inbound.last_from(str(RAMESH)))
    return outcome


async def _conversation(units: UnitOfWork) -> list[Any]:
    """A conversation read and locked, saved, read again, changed from outside."""
    address, later = str(RAMESH), NOW + timedelta(minutes=1)
    async with units as uow:
        outcome: list[Any] = [await uow.conversations.lock_state(address, NOW)]
        state = ConversationState(profile=Profile(language="or"), step="describe")
        await uow.conversations.save_state(address, state, NOW)
        await uow.commit()
    async with units as uow:
        outcome.append(await uow.conversations.lock_state(address, later))
        outcome.append(await uow.conversations.language_of(address))
        await uow.conversations.update_state(address, later, lambda s: replace(s, step="menu"))
        await uow.commit()
    return outcome


async def _outbox(units: UnitOfWork) -> list[Any]:
    """Messages queued, claimed in each chat's order, settled as sent and as failed."""
    answering = Inbound(RAMESH, "m-9", "hi", NOW)
    lease = NOW + timedelta(minutes=2)
    async with units as uow:
        uow.outbox.add(Outbound(SITA, "a notice", kind="notice"), NOW)
        replies = [Outbound(RAMESH, f"reply {n}") for n in range(3)]
        await uow.outbox.add_many([*replies, Outbound(SITA, "card", kind="team_card")], NOW)
        await uow.outbox.add_many([Outbound(RAMESH, "answer")], NOW, answering=answering)
        await uow.commit()
    async with units as uow:
        rows = await uow.outbox.claim(NOW, lease, limit=10, channels=["memory"])
        await uow.outbox.settle_sent([(rows[0].id, "sent-1"), (rows[1].id, "sent-2")], NOW)
        await uow.outbox.settle(rows[2].id, {"status": "failed", "last_error": "refused"})
        await uow.commit()
    async with units as uow:
        again = await uow.outbox.claim(lease, lease, limit=10, channels=["memory"])
        backlog = await uow.outbox.backlog(lease)
        won = await uow.outbox.claim_notices(["b", "a", "a"], NOW)
        await uow.commit()
    claimed = [(row.id, row.address, row.lane, row.attempts, row.payload) for row in rows]
    return [claimed, [row.id for row in again], backlog, sorted(won)]


async def _ticket(units: UnitOfWork) -> list[Any]:
    """A ticket filed with its number, attachments and audit trail, found as its reporter's; a
    line of a trail for a ticket that is not there is refused."""
    service = TicketService(load_config(ROOT / "config" / "helpdesk.toml"))
    photos = (Attachment("photo", "file-1", "image/jpeg", "a.jpg"), Attachment("photo", "f-2"))
    async with units as uow:
        ticket = await service.create(
            uow, RAMESH, replace(submit_command(), attachments=photos), NOW
        )
        await uow.commit()
    async with units as uow:
        loaded = await uow.tickets.by_number(ticket.number)
        assert loaded is not None
        events = await uow.tickets.events(loaded)
        outcome: list[Any] = [
            ticket.number,
            [(item.id, item.ref, item.filename) for item in loaded.attachments],
            [(item.action, item.from_status, item.to_status, item.actor) for item in events],
        ]
        missing = Ticket(id=999_999, status="new")
        try:
            async with uow.session.begin_nested():
                await uow.tickets.record_event(missing, NOW, "someone", "memory", "note", "new", {})
        except IntegrityError as error:
            outcome.append((type(error).__name__, str(error.orig)))
    async with units as uow:
        # A reporter's tickets, looked for first by a statement of the fast path's own.
        mine = [await uow.tickets.for_reporter(str(RAMESH), still_open=o) for o in (False, True)]
        outcome += [[item.number for item in tickets] for tickets in mine]
        outcome.append(list(await uow.tickets.for_reporter(str(SITA), still_open=True)))
    return outcome


async def _savepoints(units: UnitOfWork) -> list[Any]:
    """A group commit's savepoints: what one message did is rolled back, the others' kept."""
    async with units as uow:
        async with uow.session.begin_nested():
            kept = await uow.inbound.record(Inbound(SITA, "s-1", "kept", NOW))
        with pytest.raises(RuntimeError):
            async with uow.session.begin_nested():
                await uow.inbound.record(Inbound(SITA, "s-2", "lost", NOW))
                await uow.conversations.lock_state(str(SITA), NOW)
                await uow.outbox.add_many([Outbound(SITA, "lost")], NOW)
                await uow.tickets.next_number()
                raise RuntimeError("this message's work fails")
        number = await uow.tickets.next_number()
        await uow.commit()
    return [kept, number]


async def _run(url: str, fast_path: bool) -> tuple[list[Any], list[Any]]:
    """Every operation above on a fresh engine: what each gave, and the SQL sent."""
    engine = create_engine(url, fast_path=fast_path)
    sent: list[Any] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def heard(_c: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        # Savepoints go along with the next statement on SQLite's fast path, unheard.
        if "SAVEPOINT" in statement:
            return
        sent.append((statement, parameters))

    try:
        assert await _takes_fast_path(engine) == (fast_path and url.startswith("sqlite"))
        direct = ("builtins" if url.startswith("sqlite") else "asyncpg") if fast_path else None
        assert await _direct_rows(engine) == (direct or "sqlalchemy")
        units = UnitOfWork(session_factory(engine))
        steps = (_inbound, _conversation, _outbox, _ticket, _savepoints)
        return [await step(units) for step in steps], sent
    finally:
        await engine.dispose()


def _tables(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, by column name."""
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            name: [dict(row) for row in connection.execute(f'SELECT * FROM "{name}"')]
            for name in names
        }
    finally:
        connection.close()


async def test_on_sqlite_both_paths_give_the_same_answers_errors_sql_and_rows(
    sqlite_template: Path, tmp_path: Path
) -> None:
    seen = {}
    for fast_path in (True, False):
        path = tmp_path / f"fast-{fast_path}.db"
        shutil.copy(sqlite_template, path)
        outcome, sent = await _run(f"sqlite+aiosqlite:///{path}", fast_path)
        seen[fast_path] = (outcome, sent, _tables(path))
    (fast, fast_sql, fast_rows), (plain, plain_sql, plain_rows) = seen[True], seen[False]
    inbound, conversation, outbox, ticket, savepoints = fast
    # What happened, and that it is what the repositories promise.
    assert inbound[:3] == [True, False, False]
    assert inbound[3][0] == "IntegrityError" and "NOT NULL" in inbound[3][1]
    assert conversation[0] == "" and '"step": "describe"' in conversation[1]
    assert conversation[2] == "or"
    assert [row_id for row_id, *_ in outbox[0]] == [6, 1, 2, 3, 4, 5]  # the answer first
    assert outbox[1] == [3, 4, 5] and outbox[3] == ["a", "b"]
    assert len(ticket[1]) == 2 and ticket[3][0] == "IntegrityError"
    assert ticket[4:] == [[ticket[0]], [ticket[0]], []]
    assert savepoints[0] is True
    assert plain == fast
    assert plain_sql == fast_sql
    assert plain_rows == fast_rows
    # What the failed savepoint wrote is gone; what came before and after it is kept.
    assert [row["provider_id"] for row in fast_rows["inbound_messages"]] == ["m-1", "s-1"]
    assert all("lost" not in row["payload"] for row in fast_rows["outbox"])
    assert [row["address"] for row in fast_rows["conversations"]] == ["memory:ramesh"]
    assert [row["value"] for row in fast_rows["counters"]] == [1002]


async def test_the_helpdesk_takes_the_path_its_settings_name(
    helpdesk: Helpdesk, database_url: str, sqlite_fast_path: bool
) -> None:
    """`DATABASE_FAST_PATH` reaches the engine (the fixtures set it as a deployment does)."""
    sqlite = database_url.startswith("sqlite")
    assert helpdesk.settings.database_fast_path == sqlite_fast_path
    assert await _takes_fast_path(helpdesk.engine) == (sqlite and sqlite_fast_path)
    direct = ("builtins" if sqlite else "asyncpg") if sqlite_fast_path else "sqlalchemy"
    assert await _direct_rows(helpdesk.engine) == direct


async def _postgres_tables(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, by column name, in the order of its first column."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        names = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        return {
            name: [
                dict(row) for row in await connection.fetch(f'SELECT * FROM "{name}" ORDER BY 1')
            ]
            for (name,) in names
        }
    finally:
        await connection.close()


async def test_on_postgresql_both_paths_give_the_same_answers_errors_sql_and_rows(
    postgres_template: str,
) -> None:
    seen = {}
    for fast_path in (True, False):
        name = f"helpdesk_test_{uuid.uuid4().hex[:12]}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
        try:
            url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
            outcome, sent = await _run(url, fast_path)
            seen[fast_path] = (outcome, sent, await _postgres_tables(url))
        finally:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    (fast, fast_sql, fast_rows), (plain, plain_sql, plain_rows) = seen[True], seen[False]
    inbound, _conversation, outbox, ticket, savepoints = fast
    assert inbound[:3] == [True, False, False]
    assert inbound[3][0] == "IntegrityError" and "null value" in inbound[3][1]
    assert [row_id for row_id, *_ in outbox[0]] == [6, 1, 2, 3, 4, 5]  # the answer first
    assert len(ticket[1]) == 2 and ticket[3][0] == "IntegrityError"
    assert savepoints[0] is True
    assert plain == fast
    assert plain_sql == fast_sql
    assert plain_rows == fast_rows
    assert [row["provider_id"] for row in fast_rows["inbound_messages"]] == ["m-1", "s-1"]
