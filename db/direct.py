"""The few statements every inbound message runs, sent straight to the database's driver.

Through a session, a Core statement costs 0.1–0.2 ms of the event loop's CPU before it reaches
the driver (the session's and the connection's bookkeeping, the compiled cache, parameter and
result processing, two greenlet switches): with four of them a message, that was a third of
what a message costs the helpdesk, and the one event loop is what sets the inbound pace. A
`DirectStatement` is compiled once per dialect and set of keys; on SQLite's fast path it runs
on the session's own connection, in its transaction and after its savepoints, in one step
(`db.onestep.OneStepConnection.run`: on the event loop's thread once the transaction holds the
write lock, else one trip to the driver's); on PostgreSQL's (asyncpg) it runs as the
connection's prepared statement, prepared once per connection (the dialect's own statement
cache), in the session's transaction. Both lean on private attributes of SQLAlchemy's adapters:
with the fast path off (`DATABASE_FAST_PATH=false`), or on any other driver, it goes through
the session like any statement, with the same SQL, results and errors. Its rows are tuples
(plain ones on SQLite's fast path, asyncpg's records on PostgreSQL's): it is meant for
statements whose returned columns need no conversion (IDs, text).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

from db.onestep import OneStepConnection

Values = Mapping[str, Any]
# Engine execution option (`db.engine.create_engine`, PostgreSQL's fast path): direct
# statements go straight to asyncpg on its connections.
ASYNCPG_DIRECT = "mukta_asyncpg_direct"
# A statement to send this way: an INSERT, UPDATE or DELETE, or a query for IDs or text.
Sendable = UpdateBase | Select[Any]


class _Compiled:
    """One statement's SQL for one dialect, and how to turn named values into its parameters."""

    def __init__(
        self, statement: Sendable, keys: Sequence[str], dialect: Dialect, many: bool
    ) -> None:
        # As SQLAlchemy compiles it for one row or for many: for one row PostgreSQL's INSERT
        # returns the new row's primary key, which an executemany does without.
        compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=many)
        self.sql = compiled.string
        names = compiled.positiontup or []
        self.names = tuple(names)
        # What is not in `keys`: values written in the statement itself, and columns left out
        # that have a default in Python (the compiler adds them); put in as SQLAlchemy would.
        prefetched = {column.key: column for column in compiled.insert_prefetch}
        self.defaults = {
            name: scalar_default(prefetched[name])
            if name in prefetched
            else compiled.binds[name].effective_value
            for name in names
            if name not in keys
        }
        processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(names):
            kind = compiled.binds[name].type
            processor = kind.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                last = _LAST.setdefault((dialect.name, type(kind), repr(kind)), [object(), None])
                processors.append((index, _remembering_last(processor, last)))
        self.processors = tuple(processors)
        # The values in the statement's order, picked in one call (a new ticket has 30).
        self._pick: Callable[[Values], tuple[Any, ...]] = (
            itemgetter(*names) if len(names) > 1 else lambda values: tuple(values[n] for n in names)
        )

    def parameters(self, values: Values) -> tuple[Any, ...]:
        if self.defaults:
            values = {**self.defaults, **values}
        if not self.processors:
            return self._pick(values)
        parameters = list(self._pick(values))
        for index, processor in self.processors:
            parameters[index] = processor(parameters[index])
        return tuple(parameters)


# The last datetime each kind of column was given, and what it was turned into, by dialect and
# type (shared by every statement: one value, one result).
_LAST: dict[tuple[str, type, str], list[Any]] = {}


def _remembering_last(processor: Callable[[Any], Any], last: list[Any]) -> Callable[[Any], Any]:
    """`processor`, giving the last result (`last`: value, result) again for the very same
    datetime: a message's time is written by several of its statements (and to each of its
    replies), and turning a datetime into SQLite's text is most of what binding a parameter
    costs. Only for the same object, not an equal one, and only for datetimes (immutable)."""

    def process(value: Any) -> Any:
        if value is last[0] and value.__class__ is datetime:
            return last[1]
        result = processor(value)
        last[0], last[1] = value, result
        return result

    return process


def scalar_default(column: Any) -> Any:
    """A column's default as a value; only constant defaults are filled in outside the ORM."""
    default = column.default
    if default is None or not default.is_scalar:
        raise ValueError(f"{column.key}: a direct statement fills in constant defaults only")
    return default.arg


class DirectStatement:
    """`rows = await statement.rows(session, values)` (a list of values: executemany). The
    statement is compiled for the keys of the values it is given, and for one row or many
    (as SQLAlchemy would)."""

    def __init__(self, statement: Sendable | Mapping[str, Sendable]) -> None:
        # One statement for every database, or by dialect name ("sqlite", "postgresql") where
        # each needs its own.
        self.statements = statement
        self._compiled: dict[tuple[str, tuple[str, ...], bool], _Compiled] = {}

    def _statement(self, dialect: str) -> Sendable:
        if isinstance(self.statements, UpdateBase | Select):
            return self.statements
        return self.statements[dialect]

    async def rows(self, session: AsyncSession, values: Values | list[Values]) -> list[Any]:
        sync, adapted, dialect = await _connection(session)
        if adapted is None:
            result = await session.execute(self._statement(dialect.name), values)
            return list(result.all()) if result.returns_rows else []  # type: ignore[attr-defined]
        assert sync is not None
        # One row given as a list of one goes as one row, as SQLAlchemy sends it.
        many = isinstance(values, list) and len(values) > 1
        items = values if isinstance(values, list) else [values]
        key = (dialect.name, tuple(items[0]), many)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _Compiled(
                self._statement(dialect.name), key[1], dialect, many
            )
        parameters: Any = (
            [compiled.parameters(item) for item in items] if many else compiled.parameters(items[0])
        )
        # Whoever listens to the engine's statements (the benchmarks' clock) still hears them;
        # calling on the connection's listeners costs as much as binding the parameters, so
        # only when the engine has some (asking the engine is cheap).
        listened = sync.engine.dispatch
        if listened.before_cursor_execute:
            sync.dispatch.before_cursor_execute(sync, None, compiled.sql, parameters, None, many)
        try:
            if isinstance(adapted, OneStepConnection):
                return await adapted.run(compiled.sql, parameters, many)
            return await _run_asyncpg(adapted, dialect, compiled.sql, parameters, many)
        finally:
            if listened.after_cursor_execute:
                sync.dispatch.after_cursor_execute(sync, None, compiled.sql, parameters, None, many)


async def _run_asyncpg(
    adapted: AsyncAdapt_asyncpg_connection,
    dialect: Dialect,
    sql: str,
    parameters: Any,
    many: bool,
) -> list[Any]:
    """`sql` on the session's asyncpg connection, as SQLAlchemy's adapter runs a statement (its
    transaction begun if need be, its prepared statement cache, its errors), without the rest
    of SQLAlchemy's execution path."""
    try:
        async with adapted._execute_mutex:
            if adapted._transaction is None:
                await adapted._start_transaction()  # type: ignore[no-untyped-call]
            try:
                if many:  # (asyncpg prepares it once and returns no rows)
                    await adapted._connection.executemany(sql, parameters)
                    return []
                prepared, _attributes = await adapted._prepare(  # type: ignore[no-untyped-call]
                    sql,
                    dialect._invalidate_schema_cache_asof,  # type: ignore[attr-defined]
                )
                return list(await prepared.fetch(*parameters))
            except Exception as error:
                adapted._handle_exception(error)  # raises it as the DBAPI error it is
    except adapted.dbapi.Error as error:
        # As SQLAlchemy raises it (`IntegrityError`, `OperationalError`, …).
        raise exc.DBAPIError.instance(sql, parameters, error, adapted.dbapi.Error) from error


# In a session's `info`: its transaction and the connection it runs on, found once a
# transaction (asking the session each time costs as much as the statement).
_CONNECTION = "mukta_direct_connection"


async def _connection(session: AsyncSession) -> tuple[Connection | None, Any, Dialect]:
    """The session's connection for this transaction (begun if need be): SQLAlchemy's, the
    driver-level one under it that direct statements go to (None: they go through the
    session), and its dialect."""
    sync_session = session.sync_session
    found = sync_session.info.get(_CONNECTION)
    # The session's innermost transaction: a savepoint opened since (a group commit's next
    # message) is another, and is begun by asking the session. (What `get_transaction()` and
    # `get_nested_transaction()` would tell apart, at a third of their cost.)
    current = sync_session._transaction
    if found is not None and current is not None and found[0] is current:
        return found[1], found[2], found[3]
    connection = await session.connection()
    sync = connection.sync_connection
    adapted = _direct_driver(sync)
    sync_session.info[_CONNECTION] = (sync_session._transaction, sync, adapted, connection.dialect)
    return sync, adapted, connection.dialect


def _direct_driver(
    sync: Connection | None,
) -> OneStepConnection | AsyncAdapt_asyncpg_connection | None:
    """The driver-level connection direct statements go to: SQLite's one-step connection, or
    asyncpg's on an engine with `ASYNCPG_DIRECT`; None on any other (the plain path)."""
    adapted = sync.connection.dbapi_connection if sync is not None else None
    if isinstance(adapted, OneStepConnection):
        return adapted
    if (
        isinstance(adapted, AsyncAdapt_asyncpg_connection)
        and sync is not None
        and sync.get_execution_options().get(ASYNCPG_DIRECT, False)
    ):
        return adapted
    return None
