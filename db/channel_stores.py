"""What a channel reads from or keeps in the database, given to it as a small callable or
store (the channels import nothing of `db`): when a chat last wrote, and the WhatsApp menus
made through Twilio's Content API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from db.uow import UnitOfWork
from flows.messages import Address


def last_heard(
    units: Callable[[], UnitOfWork],
) -> Callable[[Address], Awaitable[datetime | None]]:
    """When a chat last wrote to the helpdesk, looked up in a read-only unit of work."""

    async def lookup(address: Address) -> datetime | None:
        async with units().read_only() as uow:
            return await uow.inbound.last_from(str(address))

    return lookup


class StoredMenus:
    """Menus made through the Content API, by the digest of what they show."""

    def __init__(self, units: Callable[[], UnitOfWork]) -> None:
        self.units = units

    async def content_sid(self, digest: str) -> str | None:
        async with self.units().read_only() as uow:
            return await uow.menus.content_sid(digest)

    async def keep(self, digest: str, language: str, content_sid: str, now: datetime) -> str:
        async with self.units() as uow:
            kept = await uow.menus.keep(digest, language, content_sid, now)
            await uow.commit()
        return kept
