"""SQLite's WAL checkpoints, off the commit path.

By default SQLite copies the write-ahead log back into the database inside whichever COMMIT
takes the log past 1,000 pages: that transaction's writer waits for it (a catch-up sweep after
downtime spent ~0.28 s of its ~1 s there, and an inbound group that crossed the line held the
write lock for it). The helpdesk's connections leave the log to grow much further before they
do that themselves (`WAL_AUTOCHECKPOINT_PAGES`, a safety net for a process that runs no
checkpointer), and `serve` runs `WalCheckpointer`: a PASSIVE checkpoint every second on a
connection of its own, in a thread, which never waits for readers or the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

# 10,000 pages of 4 KiB: ~40 MB of log before a commit checkpoints by itself.
WAL_AUTOCHECKPOINT_PAGES = 10_000
CHECKPOINT_SECONDS = 1.0


def database_file(url: str) -> Path | None:
    """The file of an SQLite URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


class WalCheckpointer:
    def __init__(self, path: Path, interval: float = CHECKPOINT_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._connection: sqlite3.Connection | None = None

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await asyncio.to_thread(self.checkpoint)
                except sqlite3.Error:
                    log.warning("WAL checkpoint failed; trying again", exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval)
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def checkpoint(self) -> tuple[int, int]:
        """One PASSIVE checkpoint: (pages in the log, pages of it copied back)."""
        if self._connection is None:
            self._connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
        _busy, logged, copied = self._connection.execute(
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).fetchone()
        return logged, copied
