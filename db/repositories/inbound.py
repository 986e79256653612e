"""Inbound messages: each kept once, whatever a channel delivers twice."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import per_dialect
from db.direct import DirectStatement
from db.models import InboundMessage, UTCDateTime
from flows.messages import Inbound

# Every inbound message runs it: built once (per dialect: ON CONFLICT is each one's own).
_INBOUND = cast(Table, InboundMessage.__table__)
_RECORD = DirectStatement(
    per_dialect(
        lambda insert: (
            insert(_INBOUND)
            .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
            .returning(_INBOUND.c.id)
        )
    )
)


class InboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, message: Inbound, status: str = "processed", error: str = "") -> bool:
        """Keep the message; False when the channel already delivered this provider ID."""
        values = {
            "channel": message.address.channel,
            "provider_id": message.provider_id,
            "address": str(message.address),
            "text": message.text,
            "attachments": json.dumps(
                [asdict(item) for item in message.attachments], ensure_ascii=False
            )
            if message.attachments
            else "[]",
            "received_at": message.received_at,
            "status": status,
            "error": error,
        }
        return bool(await _RECORD.rows(self.session, values))

    async def last_from(self, address: str) -> datetime | None:
        """When this chat last wrote to the helpdesk."""
        result = await self.session.execute(
            select(func.max(InboundMessage.received_at)).where(InboundMessage.address == address)
        )
        value = result.scalar_one_or_none()
        return UTCDateTime().process_result_value(value, self.session.get_bind().dialect)
