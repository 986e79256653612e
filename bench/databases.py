"""Throw-away databases for the benchmarks: a SQLite file in a temp dir, a fresh PostgreSQL one."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL",
    os.environ.get(
        "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/test"
    ),
)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def raw_dsn(url: str, database: str | None = None) -> str:
    """asyncpg's DSN for a SQLAlchemy URL (optionally naming another database)."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    if database is not None:
        dsn = dsn.rsplit("/", 1)[0] + f"/{database}"
    return dsn


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(raw_dsn(POSTGRES_URL), timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def postgres_reachable() -> str:
    """ "" when the server answers, else why not."""
    try:
        await _admin("SELECT 1")
    except (OSError, asyncpg.PostgresError) as error:
        return f"{type(error).__name__}: {error}"
    return ""


@contextlib.asynccontextmanager
async def fresh_postgres(label: str) -> AsyncIterator[str]:
    """A new, empty database on the server of POSTGRES_URL, dropped afterwards."""
    name = f"mukta_bench_{label}_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
