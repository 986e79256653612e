"""The inbound benchmark's two serial baselines, (a) and (b), in a module of their own that
imports little: the instruction counts (`bench.instructions`) run them, under Valgrind, in
processes of their own, where every module imported costs seconds."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from telegram import Bot, Update


async def parse_cost(bodies: Sequence[bytes], window_s: float = 0.0) -> float:
    """(a) seconds per update: `json.loads` + PTB's `Update.de_json` + a no-op handler, over
    `bodies` once and then again until `window_s` seconds have passed."""
    bot = Bot("123456789:TEST-TOKEN-mukta")

    async def handler(_update: Update) -> None:
        return None

    started, parsed = time.perf_counter(), 0
    while not parsed or time.perf_counter() - started < window_s:
        for body in bodies:
            update = Update.de_json(json.loads(body), bot)
            await handler(update)
        parsed += len(bodies)
    return (time.perf_counter() - started) / parsed


def baseline_sqlite_commit(
    directory: Path, count: int, rounds: int = 3, window_s: float = 0.0
) -> float:
    """(b) seconds per transaction (the best of `rounds`): raw sqlite3, one small row per
    transaction, WAL and the helpdesk's pragmas (synchronous=NORMAL, BEGIN IMMEDIATE), on the
    same disk; a round makes `count` transactions, and as many more as it takes to last
    `window_s` seconds."""
    path = directory / "baseline.db"
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, address TEXT, body TEXT)")
        best = float("inf")
        for _ in range(rounds):
            started, committed = time.perf_counter(), 0
            while not committed or time.perf_counter() - started < window_s:
                for index in range(count):
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute(
                        "INSERT INTO rows (address, body) VALUES (?, ?)",
                        (f"telegram:{index}", "a small row"),
                    )
                    connection.execute("COMMIT")
                committed += count
            best = min(best, (time.perf_counter() - started) / committed)
        return best
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
