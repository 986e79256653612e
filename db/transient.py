"""Database errors that trying the same transaction again can cure.

PostgreSQL ends one of two transactions that wait on each other's row locks (a deadlock,
SQLSTATE 40P01) and may refuse a commit that a concurrent one made impossible (a
serialization failure, 40001): the work was right, its moment was wrong. Both come through
SQLAlchemy (`DBAPIError.orig`) or, on the fast path (`db.direct`), straight from asyncpg,
each with the server's `sqlstate`.
"""

from __future__ import annotations

DEADLOCK = "40P01"
SERIALIZATION_FAILURE = "40001"
TRANSIENT = frozenset({DEADLOCK, SERIALIZATION_FAILURE})


def is_transient(error: BaseException) -> bool:
    """Whether `error`, or an error it wraps, is one a new try of its transaction can cure."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        if getattr(found, "sqlstate", None) in TRANSIENT:
            return True
        wrapped = getattr(found, "orig", None)
        found = wrapped if isinstance(wrapped, BaseException) else found.__cause__
    return False
