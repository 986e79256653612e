"""WhatsApp menus made through Twilio's Content API, kept so each is made once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_of
from db.models import WhatsAppMenu


class MenuRepository:
    """WhatsApp menus made through the Content API, by the digest of what they show."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def content_sid(self, digest: str) -> str | None:
        result = await self.session.execute(
            select(WhatsAppMenu.content_sid).where(WhatsAppMenu.digest == digest)
        )
        return result.scalar_one_or_none()

    async def keep(self, digest: str, language: str, content_sid: str, now: datetime) -> str:
        """Keep the menu made as `content_sid`; the one kept, which is another process's if
        it made the same menu at the same time (the first kept is the one every process
        sends from then on)."""
        make = insert_of(self.session)
        statement = make(WhatsAppMenu).values(
            digest=digest, language=language, content_sid=content_sid, created_at=now
        )
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=["digest"]))
        return await self.content_sid(digest) or content_sid
