"""Taking SQLite's write lock while another process holds it (`BEGIN IMMEDIATE`).

`serve` and its relay process write to one SQLite file, and SQLite lets one transaction at a
time write. A writer that finds the lock taken waits in SQLite's busy handler, which sleeps
between tries: 1, 2, 5, 10, 15, 20, 25 ms, then 50 and 100 ms. A busy `serve` holds the
lock for a group of messages at a time with short gaps between groups, so a relay sleeping
50-100 ms between tries found it taken again most times: at 1,500 messages a second its
driver's thread spent more than a third of its time waiting there while the relay's event
loop sat idle half the time, and the replies fell behind although neither process used its
core (bench/README.md, 2026-12-07). So the lock is tried every millisecond instead, without
the busy handler, for as long as the busy timeout set on the connection allows; a try costs
a few microseconds. (The plain path, `DATABASE_FAST_PATH=false`, keeps SQLite's own
handler.)
"""

from __future__ import annotations

import sqlite3
import time

# How long a writer sleeps between tries for the write lock another process holds.
POLL_SECONDS = 0.001


def begin_writing(connection: sqlite3.Connection, begin: str) -> None:
    """Run `begin` (BEGIN IMMEDIATE) on `connection`, trying again every POLL_SECONDS while
    another connection holds the write lock, until the connection's busy timeout: then
    "database is locked", as SQLite would say it."""
    (timeout_ms,) = connection.execute("PRAGMA busy_timeout").fetchone()
    deadline = time.monotonic() + timeout_ms / 1000
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                connection.execute(begin)
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() >= deadline:
                    raise
            time.sleep(POLL_SECONDS)
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
