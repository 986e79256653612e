"""Where a unit of work's time goes: the wall time of each SQL statement, by kind."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import READ_ONLY, TURN_WAITED


class StatementClock:
    """Wall time of each SQL statement as the event loop's side sees it (queueing for the
    driver's thread, SQLite's write lock, the network), by kind: where a message's time goes.
    Costs a few microseconds a statement.

    On SQLite a transaction's BEGIN is sent along with its first statement (one trip to the
    driver's thread), so waiting for SQLite's own lock (held by another process) counts in
    that statement; the time a writer waits for its turn among the writers of this process,
    before that, is counted as BEGIN IMMEDIATE."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.seconds: Counter[str] = Counter()
        self.count: Counter[str] = Counter()
        self.engine = engine.sync_engine

    def _listeners(self) -> list[tuple[str, Any]]:
        listeners: list[tuple[str, Any]] = [
            ("before_cursor_execute", self._before),
            ("after_cursor_execute", self._after),
        ]
        if self.engine.dialect.name == "sqlite":
            listeners.append(("begin", self._begun))  # after the engine's own listener
        return listeners

    def start(self) -> None:
        """Count from now, from zero. Listening costs a few microseconds a statement, so the
        clock listens only between `start` and `stop` (not in the runs it does not time)."""
        self.seconds.clear()
        self.count.clear()
        for name, listener in self._listeners():
            event.listen(self.engine, name, listener)

    def stop(self) -> None:
        for name, listener in self._listeners():
            event.remove(self.engine, name, listener)

    def _before(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        stack = conn.info.get("bench_started")
        if stack:  # (a statement begun before `start` is not counted)
            started = stack.pop()
            kind = _kind(statement)
            self.seconds[kind] += time.perf_counter() - started
            self.count[kind] += 1

    def _begun(self, conn: Any) -> None:
        waited: Any = 0.0
        if conn.get_execution_options().get(READ_ONLY):
            kind = "BEGIN (read)"
        else:
            kind = "BEGIN IMMEDIATE (wait for the write lock)"
            waited = conn.info.pop(TURN_WAITED, 0.0)
        self.seconds[kind] += waited
        self.count[kind] += 1

    def breakdown(self, messages: int) -> str:
        """Mean milliseconds and statements per message, by kind."""
        parts = [
            f"{kind} {seconds / messages * 1000:.2f} ms ({self.count[kind] / messages:.1f}x)"
            for kind, seconds in self.seconds.most_common()
        ]
        total = sum(self.seconds.values()) / messages * 1000
        statements = sum(self.count.values()) / messages
        return f"{total:.2f} ms in {statements:.1f} statements: " + ", ".join(parts)


def _kind(statement: str) -> str:
    words = statement.split(None, 3)
    verb = words[0].upper() if words else "?"
    if verb == "BEGIN":
        return "BEGIN IMMEDIATE (wait for the write lock)"
    if verb == "SELECT":
        return "SELECT"
    return verb
