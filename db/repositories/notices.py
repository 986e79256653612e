"""Scheduled notices (reminders, digests): each sent once, by whichever process claims it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_of
from db.models import ScheduledNotice
from db.repositories.shared import chunks


class NoticeClaims:
    """The claims on scheduled notices, by key; part of `OutboxRepository` (a notice is
    claimed in the transaction that queues it)."""

    session: AsyncSession

    async def notices_counted(self, prefix: str) -> int:
        """How many notices whose key starts with `prefix` were ever sent."""
        result = await self.session.execute(
            select(func.count()).where(ScheduledNotice.key.startswith(prefix, autoescape=True))
        )
        return int(result.scalar_one())

    async def claim_notice(self, key: str, now: datetime) -> bool:
        """Record that the notice `key` is being sent; False if it already was (by anyone)."""
        insert = insert_of(self.session)
        result = await self.session.execute(
            insert(ScheduledNotice)
            .values(key=key, at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ScheduledNotice.id)
        )
        return result.scalar_one_or_none() is not None

    async def claim_notices(self, keys: Sequence[str], now: datetime) -> set[str]:
        """`claim_notice` for many keys at once; the keys this transaction won. Claimed in
        sorted order, so two processes claiming overlapping keys never wait on each other
        crosswise."""
        claim = (
            insert_of(self.session)(ScheduledNotice.__table__)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ScheduledNotice.key)
        )
        won: set[str] = set()
        for chunk in chunks(sorted(set(keys))):
            result = await self.session.execute(claim, [{"key": key, "at": now} for key in chunk])
            won.update(result.scalars().all())
        return won

    async def sent_notices(self, keys: Sequence[str]) -> set[str]:
        """Which of these notice keys were already claimed (read only)."""
        sent: set[str] = set()
        for chunk in chunks(sorted(set(keys))):
            result = await self.session.execute(
                select(ScheduledNotice.key).where(ScheduledNotice.key.in_(chunk))
            )
            sent.update(result.scalars().all())
        return sent

    async def any_notice(self, prefix: str) -> bool:
        """Whether a notice whose key starts with `prefix` was ever sent (read only)."""
        result = await self.session.execute(
            select(ScheduledNotice.id).where(ScheduledNotice.key.startswith(prefix)).limit(1)
        )
        return result.scalar_one_or_none() is not None

    async def notice_pending(self, key: str) -> bool:
        """Not sent yet (checked before costly work; `claim_notice` still decides)."""
        result = await self.session.execute(
            select(ScheduledNotice.id).where(ScheduledNotice.key == key)
        )
        return result.scalar_one_or_none() is None
