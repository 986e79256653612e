"""Conversations: each chat's saved state, read and locked for the message being handled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import concurrent_writers, insert_of, per_dialect
from db.direct import DirectStatement
from db.models import Conversation
from db.repositories.shared import flush_pending
from flows.state import ConversationState

# The statements every inbound message runs, built once (per dialect where they differ):
# building a statement costs more than running it on SQLite.
_CONVERSATIONS = cast(Table, Conversation.__table__)


def _lock_state(insert: Callable[..., Any]) -> Any:
    statement = insert(_CONVERSATIONS)
    return statement.on_conflict_do_update(
        index_elements=["address"], set_={"updated_at": statement.excluded.updated_at}
    ).returning(_CONVERSATIONS.c.state)


_LOCK_STATE = DirectStatement(per_dialect(_lock_state))
_SAVE_STATE = DirectStatement(
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.address == bindparam("saved_address"))
    .values(
        state=bindparam("state"),
        language=bindparam("language"),
        updated_at=bindparam("updated_at"),
    )
)


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, address: str, now: datetime) -> Conversation:
        """The conversation row, created if new and locked for this transaction."""
        insert = insert_of(self.session)
        await self.session.execute(
            insert(Conversation)
            .values(address=address, state="", language="", updated_at=now)
            .on_conflict_do_nothing(index_elements=["address"])
        )
        query = select(Conversation).where(Conversation.address == address)
        if concurrent_writers(self.session):
            # Several processes: one message at a time per conversation.
            query = query.with_for_update()
        result = await self.session.execute(query.execution_options(populate_existing=True))
        return result.scalar_one()

    async def lock_state(self, address: str, now: datetime) -> str:
        """The conversation's saved state, in one statement: the row is created if new
        and locked for this transaction (an upsert takes the row lock on PostgreSQL, as
        FOR UPDATE would; SQLite's write lock is held already). Its `updated_at` is set to
        `now`, which the caller's `save_state` writes too."""
        values = {"address": address, "state": "", "language": "", "updated_at": now}
        rows = await _LOCK_STATE.rows(self.session, values)
        return str(rows[0][0])

    async def save_state(self, address: str, state: ConversationState, now: datetime) -> None:
        """Save the state of the conversation `lock_state` locked (and its language)."""
        await flush_pending(self.session)  # a change made through the ORM goes first
        values = {
            "saved_address": address,
            "state": state.to_json(),
            "language": state.profile.language,
            "updated_at": now,
        }
        await _SAVE_STATE.rows(self.session, values)

    async def update_state(
        self,
        address: str,
        now: datetime,
        change: Callable[[ConversationState], ConversationState | None],
    ) -> None:
        """Change someone's conversation from outside it (None: leave it as it is)."""
        conversation = await self.lock(address, now)
        changed = change(ConversationState.from_json(conversation.state))
        if changed is not None:
            conversation.state = changed.to_json()
            conversation.updated_at = now

    async def language_of(self, address: str) -> str:
        result = await self.session.execute(
            select(Conversation.language).where(Conversation.address == address)
        )
        return result.scalar_one_or_none() or ""
