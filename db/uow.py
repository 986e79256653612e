"""Unit of work: one session and one transaction per piece of work, from a factory."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import (
    ConversationRepository,
    InboundRepository,
    OutboxRepository,
    TicketRepository,
)


class UnitOfWork:
    """`async with uow_factory() as uow: ...; await uow.commit()` — leaving without commit
    rolls everything back, so a crash half-way leaves nothing half-written."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.tickets = TicketRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.inbound = InboundRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self.committed:
            await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
        self.committed = True
