"""Unit of work: one session and one transaction per piece of work, from a factory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from db.engine import READ_ONLY
from db.repositories import (
    ConversationRepository,
    InboundRepository,
    MenuRepository,
    OutboxRepository,
    TicketRepository,
)

log = logging.getLogger(__name__)

# SQLite: a deferred transaction (no write lock); PostgreSQL: a READ ONLY transaction.
READ_ONLY_OPTIONS = {READ_ONLY: True, "postgresql_readonly": True}


class ReadOnlyError(RuntimeError):
    """Something tried to write inside a read-only unit of work."""


class UnitOfWork:
    """`async with uow_factory() as uow: ...; await uow.commit()` — leaving without commit
    rolls everything back, so a crash half-way leaves nothing half-written.

    Work that only reads (a status lookup, a queue listing, a report) takes
    `uow_factory().read_only()` instead: on SQLite it does not take the write lock, so it
    neither waits for writers nor makes them wait."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def read_only(self) -> ReadOnlyUnitOfWork:
        """A unit of work on the same database for work that only reads."""
        return ReadOnlyUnitOfWork(self._sessions)

    def _open_session(self) -> AsyncSession:
        return self._sessions()

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._open_session()
        self.tickets = TicketRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.inbound = InboundRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.menus = MenuRepository(self.session)
        self.committed = False
        self._after_commit: list[Callable[[], None]] = []
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
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            try:
                action()
            except Exception:  # the changes are committed: the caller must not think not
                log.exception("an action after a commit failed")

    def after_commit(self, action: Callable[[], None]) -> None:
        """Do `action` once this unit of work's changes are committed, and not if they never
        are: a log line saying a ticket was created is written for a ticket that exists, and
        once, however often the work was run before it was committed."""
        self._after_commit.append(action)

    def after_commit_mark(self) -> int:
        """Where the actions to do after the commit stand now, for `forget_after_commit`."""
        return len(self._after_commit)

    def forget_after_commit(self, mark: int) -> None:
        """Drop the actions asked for since `mark`: their work was rolled back (to a
        savepoint) and will not be committed."""
        del self._after_commit[mark:]


class ReadOnlyUnitOfWork(UnitOfWork):
    """`async with uow_factory().read_only() as uow: ...` — one consistent snapshot, no
    commit. Leaving it ends the read; what it loaded stays loaded (not expired). Any attempt
    to write fails: a flush raises `ReadOnlyError` here, and PostgreSQL refuses writes in its
    READ ONLY transaction; nothing is ever committed from it on either database."""

    def read_only(self) -> ReadOnlyUnitOfWork:
        return self

    def _open_session(self) -> AsyncSession:
        return self._sessions(execution_options=READ_ONLY_OPTIONS, info={READ_ONLY: True})

    async def __aenter__(self) -> ReadOnlyUnitOfWork:
        await super().__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Closing rolls the (read) transaction back without expiring the loaded objects.
        await self.session.close()

    async def commit(self) -> None:
        raise ReadOnlyError("a read-only unit of work has nothing to commit")


@event.listens_for(Session, "before_flush")
def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY):
        raise ReadOnlyError("a read-only unit of work cannot write")
