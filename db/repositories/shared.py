"""What the repositories share: many keys in chunks, and the ORM's changes written first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

# Rows per statement where a query or an insert names many keys or IDs at once.
CHUNK = 500


def chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


async def flush_pending(session: AsyncSession) -> None:
    """Write what was added or changed through the ORM, before a Core statement that must
    come after it (a Core statement does not flush the session)."""
    # What the session's own flush looks at first (`session.new` and `.dirty` build sets of
    # their objects, twice a message's cost of this): a changed object that is also deleted
    # flushes too, which is harmless.
    sync = session.sync_session
    if sync._new or sync._deleted or sync.identity_map._modified:
        await session.flush()
