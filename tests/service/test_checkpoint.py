"""SQLite's WAL checkpoints happen off the commit path: a commit that takes the log past
SQLite's usual 1,000 pages does not copy it back itself; `serve`'s checkpointer does."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.checkpoint import WAL_AUTOCHECKPOINT_PAGES, WalCheckpointer, database_file
from db.engine import create_engine, session_factory


def in_database(path: Path) -> int:
    """Bytes of the database file itself: what checkpoints copied back from the log."""
    return path.stat().st_size


async def write_pages(engine: AsyncEngine, rows: int) -> int:
    """`rows` pages or so in one transaction; the connections' autocheckpoint setting."""
    sessions = session_factory(engine)
    async with engine.connect() as connection:
        autocheckpoint = (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar()
    async with sessions() as session:
        await session.execute(text("CREATE TABLE IF NOT EXISTS filler (body TEXT)"))
        await session.commit()
    async with sessions() as session:
        for _ in range(rows):
            await session.execute(
                text("INSERT INTO filler (body) VALUES (:body)"), {"body": "x" * 3000}
            )
        await session.commit()
    return int(autocheckpoint or 0)


async def test_a_big_commit_leaves_the_checkpoint_to_the_checkpointer(tmp_path: Path) -> None:
    path = tmp_path / "helpdesk.db"
    url = f"sqlite+aiosqlite:///{path}"
    assert database_file(url) == path
    # The helpdesk's connections stay open, as a serving process keeps its pool (the last
    # connection to close copies the log back as it closes).
    engine = create_engine(url)
    try:
        # ~1,500 pages in one transaction: SQLite's default would checkpoint in its commit.
        assert await write_pages(engine, 1500) == WAL_AUTOCHECKPOINT_PAGES
        written = 1500 * 3000
        assert in_database(path) < written / 10  # still in the log only

        checkpointer = WalCheckpointer(path, interval=0.05)
        stop = asyncio.Event()
        running = asyncio.create_task(checkpointer.run(stop))
        for _ in range(100):
            if in_database(path) > written:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await running
        assert in_database(path) > written
    finally:
        await engine.dispose()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM filler").fetchone() == (1500,)


def test_only_an_sqlite_file_has_a_log_to_checkpoint() -> None:
    assert database_file("postgresql+asyncpg://postgres@127.0.0.1/test") is None
    assert database_file("sqlite+aiosqlite:///:memory:") is None
    assert database_file("sqlite+aiosqlite://") is None
