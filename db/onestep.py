"""SQLite statements in one step each: the fast path's driver (`DATABASE_FAST_PATH`).

aiosqlite runs the sqlite3 connection on a thread of its own; every call is a trip there and
back (a queue put, a thread wake-up, a wake-up of the event loop). SQLAlchemy's adapter makes
four trips a statement (open a cursor, execute, fetch, close). These classes make one: the
cursor is opened, executed, read and closed on the driver's thread in a single call, and a
transaction's BEGIN goes along with its first statement. The results, and SQLite's own
behaviour (locks, busy timeout, errors), are unchanged.

Once a write transaction holds SQLite's write lock (its BEGIN IMMEDIATE has run), its
statements make no trip at all: they run on the event loop's own thread. Nothing they do
can wait for another connection then (in WAL mode readers never block the one writer, and
the lock is already held), so they take only their own few tens of microseconds, while a
trip costs the event loop more than that in hand-offs and the two threads' turns at the
GIL, and leaves it idle meanwhile: at a few hundred messages a second that halved what one
process could answer. What can wait stays on the driver's thread: BEGIN IMMEDIATE (for the
lock, up to the busy timeout), COMMIT (it may checkpoint the WAL into the database file,
with an fsync), ROLLBACK, and every statement of a read transaction (a report or a sweep
may read for a long while, holding up no writer). The connection is opened with
`check_same_thread=False` for this; the two threads never use it at once, because a
statement runs on the loop's thread only when nothing of this connection is queued on, or
running in, the driver's.

A read's statements marked `BRIEF_READ` (a ticket by its number: a few pages by an index, a
few tens of microseconds) run on the event loop's thread too, with the read's deferred BEGIN:
a read waits for no writer in WAL mode, and the trip cost a status lookup more than its SQL.
A read that made no trip ends there as well (its ROLLBACK only lets go of its snapshot).
On the plain path the mark changes nothing: such a statement goes the ordinary way.

SAVEPOINT and RELEASE SAVEPOINT (a group commit run again after a failure puts each message
in a savepoint) go along with the next statement too, or are dropped when the next thing is
the COMMIT or ROLLBACK (a savepoint with nothing after it changes nothing); they skip
SQLAlchemy's statement execution altogether (`defer_savepoints`). Neither fails inside an
open transaction; if one ever did, the statement it went with would report the error.
ROLLBACK TO SAVEPOINT is a statement like any other (what was put off runs first).

All this leans on private attributes of SQLAlchemy's aiosqlite adapter and of aiosqlite
(`_connection`, `_execute_mutex`, `_conn`, `_execute`, `_tx`): should an upgrade of either
break it, `DATABASE_FAST_PATH=false` leaves it out (`db.engine.create_engine`), and
SQLite is driven the plain way, with the same SQL and results.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import Coroutine, Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import exc, util
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

from db.writelock import begin_writing

log = logging.getLogger(__name__)

# Execution option of a statement that reads a few rows by an index (a ticket by its number):
# in a read-only unit of work on the fast path it runs on the event loop's thread (see above).
BRIEF_READ = "mukta_brief_read"


def one_step_driver() -> AsyncAdapt_aiosqlite_dbapi:
    """The DB-API module an SQLite engine is given (`module=`) to take the fast path."""
    return _OneStepDriver(aiosqlite, sqlite3)


def defer_savepoints(engine: AsyncEngine) -> None:
    """Put SAVEPOINT and RELEASE SAVEPOINT off until the next statement (see above), on this
    engine's dialect only."""
    dialect = engine.sync_engine.dialect
    dialect.do_savepoint = _deferred(dialect.do_savepoint, "SAVEPOINT")  # type: ignore[method-assign]
    dialect.do_release_savepoint = _deferred(  # type: ignore[method-assign]
        dialect.do_release_savepoint, "RELEASE SAVEPOINT"
    )


def run_brief_reads_on_the_loop(engine: AsyncEngine) -> None:
    """Statements marked `BRIEF_READ` go to the one-step cursor as such (this engine only)."""
    dialect = engine.sync_engine.dialect
    run = dialect.do_execute

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if (
            context is not None
            and isinstance(cursor, _OneStepCursor)
            and context.execution_options.get(BRIEF_READ, False)
        ):
            cursor.execute_brief(statement, parameters)
            return
        run(cursor, statement, parameters, context)

    dialect.do_execute = do_execute  # type: ignore[method-assign]


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
    if begin == "BEGIN IMMEDIATE":
        begin_writing(connection, begin)
    elif begin is not None:
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

    def execute_brief(self, operation: Any, parameters: Any) -> None:
        """A statement marked `BRIEF_READ`."""
        self._step(operation, parameters, many=False, brief=True)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        return self._step(operation, seq_of_parameters, many=True)

    def _step(self, operation: Any, parameters: Any, many: bool, brief: bool = False) -> None:
        adapted: OneStepConnection = self._adapt_connection  # type: ignore[assignment]
        try:
            sent = adapted.send(operation, parameters, many, brief)
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

    def send(
        self, operation: Any, parameters: Any, many: bool, brief: bool = False
    ) -> Ran | Coroutine[Any, Any, Ran]:
        """The next statement, after the BEGIN and savepoints put off until now: what it gave,
        when it ran on the event loop's thread (it may, see `holds_write_lock`, and a `brief`
        read's may); otherwise the trip to the driver's thread (`step`), for the caller to
        await in its own way."""
        begin, self.begin_pending = self.begin_pending, None
        deferred, self.deferred = self.deferred, []
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        if brief and self.reading and self.idle():
            return _run(driver, begin, deferred, operation, parameters, many)
        if not self.holds_write_lock(begin):
            return self.step(begin, deferred, operation, parameters, many)
        return _run(driver, None, deferred, operation, parameters, many)

    def holds_write_lock(self, begin: str | None) -> bool:
        """Whether the next statement (after `begin`, if one is due) may run on the event
        loop's thread: this connection is in a write transaction that has its write lock, and
        nothing of it is queued on or running in the driver's thread."""
        # (`idle()` spelled out: this is asked for every statement.)
        if begin is not None or self.reading or self._execute_mutex.locked():
            return False
        ending = self.read_ending
        if ending is not None and not ending.done():
            return False
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return bool(driver._conn.in_transaction)

    def idle(self) -> bool:
        """Whether nothing of this connection is queued on, or running in, the driver's
        thread. (A queued ROLLBACK ending a read is the one call not waited for; it ends
        before the next transaction's BEGIN, which goes to the driver's thread after it.)"""
        return not self._execute_mutex.locked() and not self.ending_read()

    def begin_with_next(self, statement: str) -> None:
        """Start this transaction with `statement` (BEGIN, or BEGIN IMMEDIATE), sent along
        with its first statement."""
        self.begin_pending = statement
        self.reading = statement == "BEGIN"

    def drop_put_off(self) -> None:
        """Forget the BEGIN and savepoints put off for a transaction that ended without
        another statement (the connection goes back to the pool)."""
        self.begin_pending = None
        self.deferred = []

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
        """End a read transaction without waiting for it: on the event loop's thread when
        nothing of this connection is on the driver's (letting go of a snapshot waits for
        nothing); otherwise the ROLLBACK is queued to the driver's thread, which runs this
        connection's calls one after another in order, so whatever this connection runs next
        runs after it. Nothing was written, nothing to lose; a read transaction holds no lock
        another connection waits for. (The same queue SQLAlchemy's adapter uses to set the
        isolation level.)"""
        driver = self._connection
        if self.idle():
            try:
                driver._conn.rollback()
            except sqlite3.Error:
                log.warning("ending a read transaction failed", exc_info=True)
            return
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
