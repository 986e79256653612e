"""Engines for SQLite (embedded default) and PostgreSQL, with the settings each needs.

What differs between the two databases is decided here, for the engine (SQLite: WAL, the
write lock taken at BEGIN, the writers' queue, the fast path; PostgreSQL: closed connections
replaced, the direct statements), and in `db.dialect` for the statements the repositories
write.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState
from sqlalchemy.util import await_

from db.checkpoint import WAL_AUTOCHECKPOINT_PAGES
from db.direct import ASYNCPG_DIRECT
from db.onestep import (
    OneStepConnection,
    defer_savepoints,
    one_step_driver,
    run_brief_reads_on_the_loop,
)

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Execution option of a connection that only reads (see `db.uow.ReadOnlyUnitOfWork`): on SQLite
# its transaction is a plain deferred one, which never takes the write lock.
READ_ONLY = "mukta_read_only"
# In a SQLite connection's `info`: seconds its last write transaction waited for its turn
# (see `_WriterQueue`), for whoever measures where time goes.
TURN_WAITED = "mukta_turn_waited"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, fast_path: bool = True, **options: Any) -> AsyncEngine:
    """The engine for `url`. `fast_path` (the setting `DATABASE_FAST_PATH`): on SQLite through
    aiosqlite the one-step driver (`db.onestep`), and `db.direct`'s statements go straight to
    it; on PostgreSQL through asyncpg `db.direct`'s statements go straight to asyncpg. Both
    lean on private attributes of SQLAlchemy's adapters; without the fast path the driver is
    driven as SQLAlchemy drives it, with the same SQL, results and errors, and more of the
    event loop's time a statement. SQLite's two paths lean on the same settings below (WAL,
    BEGIN IMMEDIATE, the writers' queue)."""
    if not is_sqlite(url):
        if fast_path and make_url(url).get_driver_name() == "asyncpg":
            options["execution_options"] = {
                **options.get("execution_options", {}),
                ASYNCPG_DIRECT: True,
            }
        engine = create_async_engine(url, **options)
        _replace_closed(engine)
        return engine
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # A connection goes back to the pool already outside any transaction (its unit of work
    # committed or rolled back); `on_reset` below rolls back only one that is not.
    options.setdefault("pool_reset_on_return", None)
    one_step = fast_path and make_url(url).get_driver_name() == "aiosqlite"
    if one_step:
        options.setdefault("module", one_step_driver())
    engine = create_async_engine(url, **options)
    _tune_sqlite(engine)
    if one_step:
        defer_savepoints(engine)
        run_brief_reads_on_the_loop(engine)
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
        # Checkpoints are `serve`'s checkpointer's to make, not a commit's (db.checkpoint).
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
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
                dbapi_connection.drop_put_off()
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
        adapted.begin_with_next(statement)  # in the same step as the first statement
        return
    driver = connection.connection.driver_connection
    try:
        await_(driver.execute_fetchall(statement))
    except sqlite3.Error as error:
        # As from any other statement: sqlalchemy.exc.OperationalError "database is locked", …
        raise exc.DBAPIError.instance(statement, None, error, sqlite3.Error) from error


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
