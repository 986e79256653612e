"""Alembic environment: runs migrations over the async engine of the configured URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from db.engine import create_engine
from db.models import Base

target_metadata = Base.metadata


# Several processes may start at once on a fresh PostgreSQL database: one migrates at a time.
MIGRATION_LOCK = 0x4D4B4D47  # "MKMG"


def run_sync(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    # The plain path: a migration gains nothing from the fast one, and so it runs whatever
    # DATABASE_FAST_PATH says (even when an upgrade broke the fast path).
    url = context.config.get_main_option("sqlalchemy.url") or ""
    engine = create_engine(url, fast_path=False)
    async with engine.connect() as connection:
        await connection.run_sync(run_sync)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
asyncio.run(run_online())
