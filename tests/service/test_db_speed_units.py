"""Read-only units of work, and SQLite statements made in one step on the driver's thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import TypeDecorator, event, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import db.engine
import db.onestep
from bot.core.config import load_config
from bot.core.tickets import TicketService
from bot.settings import ROOT
from db.engine import create_engine, session_factory
from db.models import InboundMessage, OutboxMessage, Ticket, UTCDateTime
from db.repositories import decode_outbound
from db.uow import ReadOnlyError, UnitOfWork
from flows.messages import Address, Attachment, Inbound, Outbound
from tests.helpers import submit_command

# On SQLite's fast path and its plain one (tests/conftest.py).
pytestmark = pytest.mark.sqlite_paths

NOW = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)


async def _ticket(units: UnitOfWork) -> str:
    service = TicketService(load_config(ROOT / "config" / "helpdesk.toml"))
    command = replace(
        submit_command(),
        attachments=(
            Attachment("photo", "file-1", "image/jpeg", "a.jpg"),
            Attachment("photo", "file-2", "image/jpeg", "b.jpg"),
        ),
    )
    async with units as uow:
        ticket = await service.create(uow, Address("memory", "ramesh"), command, NOW)
        await uow.commit()
        return ticket.number


async def test_a_read_only_unit_reads_what_was_committed_and_keeps_it_loaded(
    database_url: str,
    sqlite_fast_path: bool,
) -> None:
    engine = create_engine(database_url, fast_path=sqlite_fast_path)
    try:
        number = await _ticket(UnitOfWork(session_factory(engine)))
        async with UnitOfWork(session_factory(engine)).read_only() as uow:
            ticket = await uow.tickets.by_number(number)
            missing = await uow.tickets.by_number("MK-999999")
        assert missing is None
        assert ticket is not None and ticket.number == number
        # Loaded with its attachments, in order, and still readable after the unit ended.
        assert [item.ref for item in ticket.attachments] == ["file-1", "file-2"]
        assert ticket.reporter_address == "memory:ramesh"
    finally:
        await engine.dispose()


async def test_a_read_only_unit_cannot_write(database_url: str, sqlite_fast_path: bool) -> None:
    engine = create_engine(database_url, fast_path=sqlite_fast_path)
    try:
        number = await _ticket(UnitOfWork(session_factory(engine)))
        async with UnitOfWork(session_factory(engine)).read_only() as uow:
            ticket = await uow.tickets.by_number(number)
            assert ticket is not None
            ticket.status = "closed"
            with pytest.raises(ReadOnlyError):
                await uow.session.flush()
        with pytest.raises(ReadOnlyError):
            async with UnitOfWork(session_factory(engine)).read_only() as uow:
                await uow.commit()
        if not database_url.startswith("sqlite"):
            # PostgreSQL itself refuses writes in the read-only transaction.
            with pytest.raises(DBAPIError):
                async with UnitOfWork(session_factory(engine)).read_only() as uow:
                    await uow.session.execute(
                        update(Ticket).where(Ticket.number == number).values(status="closed")
                    )
        else:
            # SQLite: whatever a read-only unit did is never committed.
            async with UnitOfWork(session_factory(engine)).read_only() as uow:
                await uow.session.execute(
                    update(Ticket).where(Ticket.number == number).values(status="closed")
                )
        async with UnitOfWork(session_factory(engine)) as uow:
            status = await uow.session.scalar(select(Ticket.status).where(Ticket.number == number))
        assert status == "new"
    finally:
        await engine.dispose()


async def test_on_sqlite_reads_do_not_wait_for_a_writer(
    sqlite_url: str, sqlite_fast_path: bool
) -> None:
    engine = create_engine(sqlite_url, fast_path=sqlite_fast_path)
    try:
        number = await _ticket(UnitOfWork(session_factory(engine)))
        path = sqlite_url.split("///", 1)[1]
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        other.execute("UPDATE tickets SET status = 'in_progress' WHERE number = ?", (number,))
        try:
            started = time.perf_counter()
            async with UnitOfWork(session_factory(engine)).read_only() as uow:
                ticket = await uow.tickets.by_number(number)
            assert time.perf_counter() - started < 1.0
            # The last committed state, not the writer's uncommitted one.
            assert ticket is not None and ticket.status == "new"
        finally:
            other.execute("ROLLBACK")
            other.close()
    finally:
        await engine.dispose()


async def test_on_sqlite_a_writer_still_waits_for_the_write_lock_then_fails_cleanly(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_fast_path: bool,
) -> None:
    monkeypatch.setattr(db.engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = create_engine(sqlite_url, fast_path=sqlite_fast_path)
    try:
        path = sqlite_url.split("///", 1)[1]
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(OperationalError, match="database is locked"):
                await _ticket(UnitOfWork(session_factory(engine)))
        finally:
            other.execute("ROLLBACK")
            other.close()
        # Nothing of it was written, and the same engine works again at once.
        number = await _ticket(UnitOfWork(session_factory(engine)))
        async with UnitOfWork(session_factory(engine)).read_only() as uow:
            count = await uow.tickets.count()
            assert await uow.tickets.by_number(number) is not None
        assert count == 1
    finally:
        await engine.dispose()


async def test_on_sqlite_a_writer_gets_the_write_lock_another_process_lets_go_of(
    sqlite_url: str, sqlite_fast_path: bool
) -> None:
    """Another process (here a connection of its own) holds the write lock for a while: the
    ticket is written once it commits, and the waiting connection keeps its busy timeout for
    the statements after."""
    engine = create_engine(sqlite_url, fast_path=sqlite_fast_path)
    try:
        path = sqlite_url.split("///", 1)[1]
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO counters (name, value) VALUES ('elsewhere', 1)")
        letting_go = threading.Timer(0.3, other.execute, ["COMMIT"])
        letting_go.start()
        try:
            number = await _ticket(UnitOfWork(session_factory(engine)))
        finally:
            letting_go.join()
            other.close()
        async with UnitOfWork(session_factory(engine)) as uow:
            timeout = (await uow.session.execute(text("PRAGMA busy_timeout"))).scalar_one()
            elsewhere = await uow.session.execute(
                text("SELECT value FROM counters WHERE name = 'elsewhere'")
            )
            assert await uow.tickets.by_number(number) is not None
        assert elsewhere.scalar_one() == 1
        assert timeout == db.engine.SQLITE_BUSY_TIMEOUT_MS
    finally:
        await engine.dispose()


async def test_on_sqlite_a_transaction_is_whole_or_nothing(
    sqlite_url: str, sqlite_fast_path: bool
) -> None:
    engine = create_engine(sqlite_url, fast_path=sqlite_fast_path)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            await uow.session.execute(text("CREATE TABLE scratch (n INTEGER)"))
            await uow.commit()
        with pytest.raises(RuntimeError):
            async with UnitOfWork(session_factory(engine)) as uow:
                await uow.session.execute(text("INSERT INTO scratch VALUES (1)"))
                raise RuntimeError("crash half-way")
        async with UnitOfWork(session_factory(engine)) as uow:
            await uow.session.execute(text("INSERT INTO scratch VALUES (2), (3)"))
            await uow.commit()
        async with UnitOfWork(session_factory(engine)).read_only() as uow:
            rows = (await uow.session.execute(text("SELECT n FROM scratch ORDER BY n"))).all()
        assert [row.n for row in rows] == [2, 3]
        # A unit that ran nothing, committed or not, leaves the connection clean.
        async with UnitOfWork(session_factory(engine)) as uow:
            await uow.commit()
        async with UnitOfWork(session_factory(engine)):
            pass
        sessions = session_factory(engine)
        results = await asyncio.gather(*(_count(sessions) for _ in range(20)))
        assert results == [2] * 20
    finally:
        await engine.dispose()


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with UnitOfWork(sessions).read_only() as uow:
        return int((await uow.session.execute(text("SELECT count(*) FROM scratch"))).scalar_one())


async def test_on_sqlite_writers_of_one_process_take_turns(
    sqlite_url: str, sqlite_fast_path: bool
) -> None:
    engine = create_engine(sqlite_url, fast_path=sqlite_fast_path)
    sessions = session_factory(engine)

    @event.listens_for(engine.sync_engine, "connect")
    def impatient(dbapi_connection: Any, _record: Any) -> None:
        # SQLite's own wait off: a writer meeting another one's lock would fail at once.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    try:
        async with UnitOfWork(sessions) as uow:
            await uow.session.execute(text("CREATE TABLE turns (n INTEGER)"))
            await uow.commit()

        async def write(n: int) -> None:
            async with UnitOfWork(sessions) as uow:
                await uow.session.execute(text("INSERT INTO turns VALUES (:n)"), {"n": n})
                await asyncio.sleep(0.002)  # the transaction spans awaits, as real ones do
                if n % 5 == 4:
                    raise RuntimeError("a failed unit gives its turn up too")
                await uow.commit()

        results = await asyncio.gather(*(write(n) for n in range(30)), return_exceptions=True)
        # Each waited for its turn in the process, none for SQLite's lock (no busy polling).
        assert [type(result) for result in results if result is not None] == [RuntimeError] * 6
        async with UnitOfWork(sessions).read_only() as uow:
            rows = (await uow.session.execute(text("SELECT rowid, n FROM turns"))).all()
        assert sorted(n for _, n in rows) == [n for n in range(30) if n % 5 != 4]
        # A connection that writes twice keeps its turn; it is passed on when it is returned.
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO turns VALUES (100)"))
            await connection.commit()
            await connection.execute(text("INSERT INTO turns VALUES (101)"))
            await connection.commit()
        await write(102)
    finally:
        await engine.dispose()


async def test_on_sqlite_a_writer_waiting_too_long_for_its_turn_fails_like_a_busy_database(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_fast_path: bool,
) -> None:
    monkeypatch.setattr(db.engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = create_engine(sqlite_url, fast_path=sqlite_fast_path)
    sessions = session_factory(engine)
    try:
        async with UnitOfWork(sessions) as holder:
            await holder.session.execute(text("CREATE TABLE IF NOT EXISTS held (n INTEGER)"))
            with pytest.raises(OperationalError, match="database is locked"):
                async with UnitOfWork(sessions) as waiter:
                    await waiter.session.execute(text("INSERT INTO held VALUES (1)"))
            await holder.commit()
        async with UnitOfWork(sessions) as uow:  # the turn passed on
            await uow.session.execute(text("INSERT INTO held VALUES (2)"))
            await uow.commit()
        async with UnitOfWork(sessions).read_only() as uow:
            assert (await uow.session.execute(text("SELECT n FROM held"))).scalars().all() == [2]
    finally:
        await engine.dispose()


async def test_on_sqlite_a_connection_goes_from_reading_to_writing_and_back(
    sqlite_url: str,
    sqlite_fast_path: bool,
) -> None:
    # One connection for everything: each read ends (its ROLLBACK is queued, not waited for)
    # before the next transaction on the same connection begins.
    engine = create_engine(sqlite_url, fast_path=sqlite_fast_path, pool_size=1, max_overflow=0)
    sessions = session_factory(engine)
    try:
        async with UnitOfWork(sessions) as uow:
            await uow.session.execute(text("CREATE TABLE steps (n INTEGER)"))
            await uow.commit()
        for n in range(40):
            async with UnitOfWork(sessions).read_only() as uow:
                seen = (await uow.session.execute(text("SELECT count(*) FROM steps"))).scalar()
            assert seen == n
            async with UnitOfWork(sessions) as uow:
                await uow.session.execute(text("INSERT INTO steps VALUES (:n)"), {"n": n})
                await uow.commit()
        path = sqlite_url.split("///", 1)[1]
        other = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # no transaction of ours is left open
            other.execute("ROLLBACK")
            # Nor does a finished read keep a snapshot that would stop the WAL from being reset.
            assert other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        finally:
            other.close()
    finally:
        await engine.dispose()


async def test_the_inbound_statements_share_the_transaction_and_its_savepoints(
    database_url: str,
    sqlite_fast_path: bool,
) -> None:
    """The statements every message runs go straight to SQLite's driver (`db.direct`): they
    are still part of the unit of work and of a group commit's savepoints, on both databases."""
    engine = create_engine(database_url, fast_path=sqlite_fast_path)
    sessions = session_factory(engine)
    message = Inbound(Address("memory", "ramesh"), "m-1", "ହେଲୋ 'quoted'", NOW)
    try:
        async with UnitOfWork(sessions) as uow:
            assert await uow.inbound.record(message)
            async with uow.session.begin_nested():
                assert await uow.conversations.lock_state("memory:ramesh", NOW) == ""
            with pytest.raises(RuntimeError):
                async with uow.session.begin_nested():
                    await uow.outbox.add_many([Outbound(message.address, "lost")], NOW)
                    raise RuntimeError("this message's work fails")
            await uow.outbox.add_many([Outbound(message.address, "kept")], NOW)
            await uow.commit()
        async with UnitOfWork(sessions) as uow:
            assert not await uow.inbound.record(message)  # the same provider ID: a duplicate
            with pytest.raises(IntegrityError):  # as SQLAlchemy raises a refused write
                await uow.inbound.record(replace(message, provider_id=cast(str, None)))
        async with UnitOfWork(sessions).read_only() as uow:
            rows = (await uow.session.execute(select(OutboxMessage))).scalars().all()
            stored = (await uow.session.execute(select(InboundMessage))).scalars().one()
        assert [decode_outbound(row.payload).text for row in rows] == ["kept"]
        assert (rows[0].status, rows[0].delivery_status, rows[0].next_attempt_at) == (
            "pending",
            "",
            NOW,
        )
        assert (stored.text, stored.received_at) == ("ହେଲୋ 'quoted'", NOW)
    finally:
        await engine.dispose()


async def test_the_inbound_statements_are_heard_by_whoever_listens_to_the_engine(
    sqlite_url: str,
    sqlite_fast_path: bool,
) -> None:
    """Sent straight to the driver, they still reach the engine's statement listeners (where
    SQL is timed or logged), before and after they run; without listeners they run alike."""
    engine = create_engine(sqlite_url, fast_path=sqlite_fast_path)
    sessions = session_factory(engine)
    heard: list[tuple[str, str]] = []
    message = Inbound(Address("memory", "ramesh"), "m-1", "hello", NOW)
    try:
        async with UnitOfWork(sessions) as uow:  # nobody listening yet
            assert await uow.inbound.record(message)
            await uow.commit()
        for moment in ("before", "after"):

            def hear(*args: Any, moment: str = moment) -> None:
                heard.append((moment, args[2].split()[0]))

            event.listen(engine.sync_engine, f"{moment}_cursor_execute", hear)
        async with UnitOfWork(sessions) as uow:
            assert await uow.inbound.record(replace(message, provider_id="m-2"))
            await uow.outbox.add_many([Outbound(message.address, "hi")], NOW)
            await uow.commit()
        assert heard == [
            ("before", "INSERT"),
            ("after", "INSERT"),
            ("before", "INSERT"),
            ("after", "INSERT"),
        ]
        async with UnitOfWork(sessions).read_only() as uow:
            stored = (await uow.session.execute(select(InboundMessage))).scalars().all()
        assert sorted(row.provider_id for row in stored) == ["m-1", "m-2"]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("sqlite_fast_path", [True], ids=["sqlite"])  # the fast path's own
async def test_on_sqlite_a_long_read_leaves_the_event_loop_free_and_writes_stay_on_it(
    sqlite_url: str,
) -> None:
    """A write transaction's statements, once it holds the write lock, run on the event loop's
    thread (a trip to the driver's thread cost more than they do); its BEGIN IMMEDIATE, which
    may wait for the lock, and every statement of a read (a report may read for long) do not."""
    engine = create_engine(sqlite_url)

    @event.listens_for(engine.sync_engine, "connect")
    def where_statements_run(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.run_async(
            lambda driver: driver.create_function("thread_id", 0, threading.get_ident)
        )

    loop_thread = threading.get_ident()
    long_read = text(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000)"
        " SELECT count(*), thread_id() FROM n"
    )
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            first = (await uow.session.execute(text("SELECT thread_id()"))).scalar_one()
            then = (await uow.session.execute(text("SELECT thread_id()"))).scalar_one()
            await uow.commit()
        assert first != loop_thread  # went with BEGIN IMMEDIATE to the driver's thread
        assert then == loop_thread

        ticker = asyncio.create_task(tick())
        try:
            started = time.perf_counter()
            async with UnitOfWork(session_factory(engine)).read_only() as uow:
                count, reader = (await uow.session.execute(long_read)).one()
            took = time.perf_counter() - started
        finally:
            ticker.cancel()
        assert count == 2_000_000 and reader != loop_thread
        # The loop went on meanwhile (a ticker every 5 ms; at least half of its ticks).
        assert took > 0.05 and ticks >= took / 0.005 / 2
    finally:
        await engine.dispose()


@pytest.mark.parametrize("sqlite_fast_path", [True], ids=["sqlite"])  # the fast path's own
async def test_on_sqlite_a_brief_read_runs_on_the_event_loop_and_ends_there(
    sqlite_url: str,
) -> None:
    """A statement marked `BRIEF_READ` (a ticket by its number) runs in a read-only unit on
    the event loop's thread, BEGIN included, and the read ends there; a read's other
    statements still go to the driver's thread, and the connection goes on to write."""
    engine = create_engine(sqlite_url, pool_size=1, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def where_statements_run(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.run_async(
            lambda driver: driver.create_function("thread_id", 0, threading.get_ident)
        )

    loop_thread = threading.get_ident()
    brief = text("SELECT thread_id()").execution_options(**{db.onestep.BRIEF_READ: True})
    sessions = session_factory(engine)
    try:
        number = await _ticket(UnitOfWork(sessions))
        for _ in range(3):
            async with UnitOfWork(sessions).read_only() as reading:
                assert (await reading.session.execute(brief)).scalar_one() == loop_thread
                ticket = await reading.tickets.by_number(number)
                plain = (await reading.session.execute(text("SELECT thread_id()"))).scalar_one()
                after = (await reading.session.execute(brief)).scalar_one()
            assert ticket is not None
            assert [item.ref for item in ticket.attachments] == ["file-1", "file-2"]
            assert plain != loop_thread and after == loop_thread
            async with UnitOfWork(sessions) as uow:  # the same connection, the read ended
                ticket = await uow.tickets.by_number(number)
                assert ticket is not None
                ticket.status = "in_progress"
                await uow.commit()
        async with UnitOfWork(sessions).read_only() as uow:  # begun by the brief read itself
            ticket = await uow.tickets.by_number(number)
        assert ticket is not None and ticket.status == "in_progress"
        path = sqlite_url.split("///", 1)[1]
        other = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:  # no read is left open: the WAL can be reset
            assert other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        finally:
            other.close()
    finally:
        await engine.dispose()


# -- a time as SQLite keeps it --------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 7, 9, 30, tzinfo=UTC),  # no microseconds: still written
        datetime(2026, 12, 7, 15, 0, 0, 250, tzinfo=ZoneInfo("Asia/Kolkata")),  # to UTC
        datetime(2027, 1, 1, 4, 59, 59, 999999, tzinfo=timezone(timedelta(hours=5))),
        datetime(999, 3, 1, 0, 0, tzinfo=UTC),  # a four-digit year
    ],
)
def test_on_sqlite_a_time_is_written_as_sqlalchemy_writes_it(moment: datetime) -> None:
    # The text is what SQL compares and sorts by (due reminders, the outbox's next try):
    # UTCDateTime writes it its own, cheaper way, and must write the same text.
    dialect = sqlite.dialect()
    column_type = cast(UTCDateTime, UTCDateTime().dialect_impl(dialect))  # as bound
    ours = column_type.bind_processor(dialect)
    sqlalchemys = TypeDecorator.bind_processor(column_type, dialect)
    assert ours is not None and sqlalchemys is not None
    assert ours(moment) == sqlalchemys(moment)
    assert ours(None) is None
    with pytest.raises(ValueError, match="naive"):
        ours(moment.replace(tzinfo=None))
