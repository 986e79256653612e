"""Engines for SQLite (embedded default) and PostgreSQL, with the settings each needs."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import Coroutine, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, exc, util
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState
from sqlalchemy.util import await_

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Execution option of a connection that only reads (see `db.uow.ReadOnlyUnitOfWork`): on SQLite
# its transaction is a plain deferred one, which never takes the write lock.
READ_ONLY = "mukta_read_only"
# In a SQLite connection's `info`: seconds its last write transaction waited for its turn
# (see `_WriterQueue`), for whoever measures where time goes.
TURN_WAITED = "mukta_turn_waited"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **options: Any) -> AsyncEngine:
    if not is_sqlite(url):
        engine = create_async_engine(url, **options)
        _replace_closed(engine)
        return engine
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # A connection goes back to the pool already outside any transaction (its unit of work
    # committed or rolled back); `on_reset` below rolls back only one that is not.
    options.setdefault("pool_reset_on_return", None)
    if make_url(url).get_driver_name() == "aiosqlite":
        options.setdefault("module", _OneStepDriver(aiosqlite, sqlite3))
    engine = create_async_engine(url, **options)
    _tune_sqlite(engine)
    _defer_savepoints(engine)
    return engine


def _replace_closed(engine: AsyncEngine) -> None:
    """A pooled PostgreSQL connection the server closed (a restart, an administrator) is
    replaced as it is checked out, so the transaction it was for does not fail. asyncpg knows
    at once when the server closes a connection: no round trip to the server per checkout, as
    a ping (`pool_pre_ping`) would make."""

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and driver.is_closed():
            raise exc.DisconnectionError("the server closed the connection")


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control so every transaction can start with BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    queue = _WriterQueue()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # Reads only: one consistent snapshot (WAL), no write lock, no waiting on writers.
            _begin(connection, "BEGIN")
            return
        # Writers of this process take turns first, then SQLite's write lock, which other
        # processes may hold (they wait on the busy timeout). Writers queue instead of failing
        # at their first write (a deferred transaction that reads first cannot be upgraded
        # safely).
        queue.enter(connection.connection.info)
        _begin(connection, "BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine.pool, "reset")
    def on_reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
        try:
            if not state.asyncio_safe or state.transaction_was_reset:
                return
            if isinstance(dbapi_connection, OneStepConnection):
                dbapi_connection.begin_pending = None
                dbapi_connection.deferred = []
                if dbapi_connection.ending_read():
                    return
            if dbapi_connection.driver_connection.in_transaction:
                dbapi_connection.rollback()
        finally:
            queue.leave(record)

    # Whichever way a connection leaves its user, its turn ends.
    for name in ("checkin", "invalidate", "soft_invalidate", "detach", "close"):
        event.listen(engine.sync_engine.pool, name, _leaving(queue))


def _leaving(queue: _WriterQueue) -> Any:
    def leave(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        queue.leave(record)

    return leave


class _WriterQueue:
    """The writers of one process take SQLite's write lock one after another, in the order
    they asked (an asyncio lock, per event loop). Without it they would all poll in SQLite's
    busy handler, which sleeps up to 100 ms between tries: the tail latency of a busy chat.
    A connection keeps its turn from its first write transaction until it goes back to the
    pool. Waiting longer than the busy timeout fails as SQLite would ("database is locked")."""

    KEY = "mukta_writer_turn"

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def enter(self, info: dict[Any, Any]) -> None:
        """Wait for this connection's turn (`info`: the pooled connection's own)."""
        if self.KEY in info:
            return  # this connection has its turn already
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        started = time.perf_counter()
        try:
            await_(_acquire(lock, SQLITE_BUSY_TIMEOUT_MS / 1000))
        except TimeoutError as error:
            locked = sqlite3.OperationalError("database is locked")
            raise exc.OperationalError("BEGIN IMMEDIATE", None, locked) from error
        info[self.KEY] = lock
        info[TURN_WAITED] = time.perf_counter() - started

    def leave(self, record: Any) -> None:
        """The pooled connection `record` is done: its turn, if it had one, passes on."""
        if record is None:
            return
        lock = record.info.pop(self.KEY, None)
        if lock is not None and lock.locked():
            lock.release()


async def _acquire(lock: asyncio.Lock, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        await lock.acquire()


def _begin(connection: Any, statement: str) -> None:
    adapted = connection.connection.dbapi_connection
    if isinstance(adapted, OneStepConnection):
        # Sent with the transaction's first statement, in the same step.
        adapted.begin_pending = statement
        adapted.reading = statement == "BEGIN"
        return
    driver = connection.connection.driver_connection
    try:
        await_(driver.execute_fetchall(statement))
    except sqlite3.Error as error:
        # As from any other statement: sqlalchemy.exc.OperationalError "database is locked", …
        raise exc.DBAPIError.instance(statement, None, error, sqlite3.Error) from error


# -- SQLite statements in one step each ------------------------------------------------------
#
# aiosqlite runs the sqlite3 connection on a thread of its own; every call is a trip there and
# back (a queue put, a thread wake-up, a wake-up of the event loop). SQLAlchemy's adapter makes
# four trips a statement (open a cursor, execute, fetch, close). These classes make one: the
# cursor is opened, executed, read and closed on the driver's thread in a single call, and a
# transaction's BEGIN goes along with its first statement. The results, and SQLite's own
# behaviour (locks, busy timeout, errors), are unchanged.
#
# Once a write transaction holds SQLite's write lock (its BEGIN IMMEDIATE has run), its
# statements make no trip at all: they run on the event loop's own thread. Nothing they do
# can wait for another connection then (in WAL mode readers never block the one writer, and
# the lock is already held), so they take only their own few tens of microseconds, while a
# trip costs the event loop more than that in hand-offs and the two threads' turns at the
# GIL, and leaves it idle meanwhile: at a few hundred messages a second that halved what one
# process could answer. What can wait stays on the driver's thread: BEGIN IMMEDIATE (for the
# lock, up to the busy timeout), COMMIT (it may checkpoint the WAL into the database file,
# with an fsync), ROLLBACK, and every statement of a read transaction (a report or a sweep
# may read for a long while, holding up no writer). The connection is opened with
# `check_same_thread=False` for this; the two threads never use it at once, because a
# statement runs on the loop's thread only when nothing of this connection is queued on, or
# running in, the driver's.
#
# SAVEPOINT and RELEASE SAVEPOINT (a group commit run again after a failure puts each message
# in a savepoint) go along with the next statement too, or are dropped when the next thing is
# the COMMIT or ROLLBACK
# (a savepoint with nothing after it changes nothing); they skip SQLAlchemy's statement
# execution altogether (`_defer_savepoints`). Neither fails inside an open transaction; if
# one ever did, the statement it went with would report the error. ROLLBACK TO SAVEPOINT is
# a statement like any other (what was put off runs first).


def _defer_savepoints(engine: AsyncEngine) -> None:
    dialect = engine.sync_engine.dialect
    # This engine's dialect only.
    dialect.do_savepoint = _deferred(dialect.do_savepoint, "SAVEPOINT")  # type: ignore[method-assign]
    dialect.do_release_savepoint = _deferred(  # type: ignore[method-assign]
        dialect.do_release_savepoint, "RELEASE SAVEPOINT"
    )


def _deferred(run_now: Any, verb: str) -> Any:
    """The dialect's savepoint method `run_now`, put off on a one-step connection."""

    def put_off(connection: Any, name: str) -> None:
        adapted = connection.connection.dbapi_connection
        if not isinstance(adapted, OneStepConnection):
            return run_now(connection, name)  # type: ignore[no-any-return]
        adapted.deferred.append(f"{verb} {name}")
        return None

    return put_off


# What a statement gave: its description, its rows (if it returns any), rowcount, lastrowid.
Ran = tuple[Any, list[Any] | None, int, int | None]


def _run(
    driver: aiosqlite.Connection,
    begin: str | None,
    deferred: Sequence[str],
    operation: str,
    parameters: Any,
    many: bool,
) -> Ran:
    """On the driver's thread (or the event loop's, see above): BEGIN if due, the savepoint
    statements put off until now, the statement, and everything it returned."""
    connection = driver._conn
    if begin is not None:
        connection.execute(begin)
    for statement in deferred:
        connection.execute(statement)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneStepCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = util.EMPTY_DICT
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        return self._step(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        return self._step(operation, seq_of_parameters, many=True)

    def _step(self, operation: Any, parameters: Any, many: bool) -> None:
        adapted: OneStepConnection = self._adapt_connection  # type: ignore[assignment]
        try:
            sent = adapted.send(operation, parameters, many)
            description, rows, rowcount, lastrowid = (
                sent if isinstance(sent, tuple) else await_(sent)
            )
        except Exception as error:
            adapted._handle_exception(error)
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = deque(rows) if rows is not None else deque()

    def nextset(self) -> None:
        return None

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneStepConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("begin_pending", "deferred", "read_ending", "reading")
    _cursor_cls = _OneStepCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # The BEGIN this transaction starts with, until its first statement takes it along.
        self.begin_pending: str | None = None
        # Savepoint statements put off until the next statement (see `_defer_savepoints`).
        self.deferred: list[str] = []
        # Whether the transaction only reads (a deferred BEGIN, see READ_ONLY).
        self.reading = False
        # The queued ROLLBACK that ends the last read transaction, until it ran.
        self.read_ending: asyncio.Future[Any] | None = None

    async def step(
        self,
        begin: str | None,
        deferred: Sequence[str],
        operation: Any,
        parameters: Any,
        many: bool,
    ) -> Ran:
        """One trip to the driver's thread (see `_run`), after this connection's last."""
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._execute_mutex:
            step = partial(_run, driver, begin, deferred, operation, parameters, many)
            result: Ran = await driver._execute(  # type: ignore[no-untyped-call]
                step
            )
            return result

    async def run(self, operation: str, parameters: Any, many: bool) -> list[Any]:
        """A statement sent from the event loop itself, without SQLAlchemy's execution
        (`db.direct`), in this connection's transaction: the BEGIN and savepoints put off until
        now go first, as with any statement; an error is raised as SQLAlchemy raises it
        (`sqlalchemy.exc.OperationalError`, `IntegrityError`, …). The rows it returned."""
        try:
            sent = self.send(operation, parameters, many)
            _description, rows, _count, _last = sent if isinstance(sent, tuple) else await sent
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(operation, parameters, error, sqlite3.Error) from error
        return rows or []

    def send(self, operation: Any, parameters: Any, many: bool) -> Ran | Coroutine[Any, Any, Ran]:
        """The next statement, after the BEGIN and savepoints put off until now: what it gave,
        when it ran on the event loop's thread (it may, see `holds_write_lock`); otherwise the
        trip to the driver's thread (`step`), for the caller to await in its own way."""
        begin, self.begin_pending = self.begin_pending, None
        deferred, self.deferred = self.deferred, []
        if not self.holds_write_lock(begin):
            return self.step(begin, deferred, operation, parameters, many)
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return _run(driver, None, deferred, operation, parameters, many)

    def holds_write_lock(self, begin: str | None) -> bool:
        """Whether the next statement (after `begin`, if one is due) may run on the event
        loop's thread: this connection is in a write transaction that has its write lock, and
        nothing of it is queued on or running in the driver's thread."""
        if begin is not None or self.reading or self._execute_mutex.locked():
            return False
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        # (A queued ROLLBACK ending a read is the one call not waited for; it ends before the
        # next transaction's BEGIN, which goes to the driver's thread after it.)
        return not self.ending_read() and driver._conn.in_transaction

    def commit(self) -> None:
        self.reading = False
        self.deferred = []  # COMMIT ends every savepoint: those not yet run need not be
        if self.begin_pending is not None:
            self.begin_pending = None  # nothing was run: nothing to end
            return
        super().commit()

    def rollback(self) -> None:
        reading, self.reading = self.reading, False
        self.deferred = []  # ROLLBACK undoes everything since BEGIN, savepoints or not
        if self.begin_pending is not None:
            self.begin_pending = None
            return
        if reading:
            self._end_read()
            return
        super().rollback()

    def _end_read(self) -> None:
        """End a read transaction without waiting for it: the ROLLBACK is queued to the
        driver's thread, which runs this connection's calls one after another in order, so
        whatever this connection runs next runs after it. Nothing was written, nothing to
        lose; a read transaction holds no lock another connection waits for. (The same queue
        SQLAlchemy's adapter uses to set the isolation level.)"""
        driver = self._connection
        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(_read_ended)
        driver._tx.put_nowait((future, driver._conn.rollback))
        self.read_ending = future

    def ending_read(self) -> bool:
        """Whether a queued ROLLBACK is about to end a read transaction."""
        return self.read_ending is not None and not self.read_ending.done()


def _read_ended(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("ending a read transaction failed", exc_info=future.exception())


class _OneStepDriver(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneStepConnection:
        # A write transaction's statements run on the event loop's thread (see above).
        kw.setdefault("check_same_thread", False)
        adapted = super().connect(*arg, **kw)
        return OneStepConnection(self, adapted._connection)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
