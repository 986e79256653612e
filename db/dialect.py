"""What differs between SQLite and PostgreSQL in the statements the repositories write.

The engines differ more, and that is decided in `db.engine` (SQLite: WAL, the write lock taken
at BEGIN, the writers' queue, the fast path; PostgreSQL: closed connections replaced); a
read-only unit of work asks each database in its own way (`db.uow.READ_ONLY_OPTIONS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import UpdateBase

# Each database's INSERT, which knows ON CONFLICT (DO NOTHING, DO UPDATE), by dialect name.
INSERTS: dict[str, Callable[..., Any]] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def per_dialect(build: Callable[[Callable[..., Any]], UpdateBase]) -> dict[str, UpdateBase]:
    """One statement for each database (for `db.direct.DirectStatement`), made by `build`
    from that database's INSERT."""
    return {name: build(insert) for name, insert in INSERTS.items()}


def insert_of(session: AsyncSession) -> Callable[..., Any]:
    """The INSERT of the session's database, which knows ON CONFLICT."""
    return postgresql.insert if concurrent_writers(session) else sqlite.insert


def concurrent_writers(session: AsyncSession) -> bool:
    """Whether writing transactions run side by side, so that one must lock what it must be
    alone with (a row FOR UPDATE, an advisory lock): on PostgreSQL. On SQLite a writing
    transaction holds the database's one write lock from its BEGIN IMMEDIATE on (`db.engine`):
    it is alone already."""
    return session.get_bind().dialect.name == "postgresql"
