"""The outbox: messages queued in the transaction that caused them, claimed and sent after
it committed, in each chat's order; and the payload they are kept as."""

from __future__ import annotations

import collections
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from db.dialect import concurrent_writers
from db.direct import DirectStatement
from db.models import OutboxMessage
from db.repositories.notices import NoticeClaims
from db.repositories.shared import chunks, flush_pending
from flows.delivery import BULK, INTERACTIVE
from flows.messages import Inbound, Outbound

# An outbox row's statuses but "sent": waiting to be sent, or given up.
UNSENT_STATUSES = ("pending", "failed", "undeliverable", "expired")
# Outbound kinds that show a ticket's card; a newer card edits the last one where it can.
CARD_KINDS = ("team_card", "card")
OUTBOX_CLAIM_LOCK = 0x4D4B4F42  # "MKOB": the advisory lock key for claiming outbox rows

# Built once: building a statement costs more than running it on SQLite.
_OUTBOX = cast(Table, OutboxMessage.__table__)
_ADD_OUTBOX = DirectStatement(insert(_OUTBOX))
_SETTLE_SENT = DirectStatement(
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status="sent",
        last_error="",
        sent_at=bindparam("sent_at"),
        provider_message_id=bindparam("provider_message_id"),
    )
)


class OutboxRepository(NoticeClaims):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, message: Outbound, now: datetime, answering: Inbound | None = None) -> None:
        """Queue `message`; `answering`: the message it answers, if any (see `lane_of`)."""
        self.session.add(OutboxMessage(**_outbox_row(message, now, answering)))

    async def claim(
        self,
        now: datetime,
        lease_until: datetime,
        limit: int,
        channels: Sequence[str],
        addresses: Sequence[str] | None = None,
        lanes: Sequence[int] = (INTERACTIVE, BULK),
    ) -> list[OutboxMessage]:
        """Take due rows of `lanes` for delivery until `lease_until`, the interactive lane
        first, each lane in the order written. A chat's row is not taken while an earlier row
        of that chat in its lane is leased or waits for its retry, so each chat keeps its order
        within a lane (an answer need not wait for a notice, nor a notice for an answer)."""
        earlier = aliased(OutboxMessage)
        waiting_behind = exists().where(
            and_(
                earlier.address == OutboxMessage.address,
                earlier.status == "pending",
                earlier.id < OutboxMessage.id,
                earlier.next_attempt_at > now,
                earlier.lane == OutboxMessage.lane,
            )
        )
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.lane.in_(list(lanes)),
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.channel.in_(list(channels)),
                ~waiting_behind,
            )
            .order_by(OutboxMessage.lane, OutboxMessage.id)
            .limit(limit)
        )
        if addresses is not None:
            query = query.where(OutboxMessage.address.in_(list(addresses)))
        if concurrent_writers(self.session):
            # Several relays claim one at a time, so each sees the leases the last one took
            # and no relay can send a chat's later message while an earlier one is claimed.
            await self.session.execute(select(func.pg_advisory_xact_lock(OUTBOX_CLAIM_LOCK)))
        rows = list((await self.session.execute(query)).scalars().all())
        if rows:
            await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in rows]))
                .values(next_attempt_at=lease_until, attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            for row in rows:
                # What the UPDATE wrote, without another statement to write it again.
                set_committed_value(row, "attempts", row.attempts + 1)
        return rows

    async def expire_unserved(
        self, channels: Sequence[str], queued_before: datetime
    ) -> dict[str, int]:
        """Pending messages of other channels than `channels`, queued before `queued_before`:
        marked expired. How many, by channel."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.channel.not_in(list(channels)),
                OutboxMessage.created_at < queued_before,
            )
            .values(status="expired", last_error="no channel of the service sends to this chat")
            .returning(OutboxMessage.channel)
            .execution_options(synchronize_session=False)
        )
        return dict(collections.Counter(result.scalars().all()))

    async def latest_cards(self, rows: Sequence[OutboxMessage]) -> dict[tuple[str, str], str]:
        """The channel's ID of the card last sent to each (chat, ticket) of these rows."""
        wanted = {
            (row.address, row.ticket_number)
            for row in rows
            if row.kind == "team_card" and row.ticket_number
        }
        if not wanted:
            return {}
        result = await self.session.execute(
            select(
                OutboxMessage.address,
                OutboxMessage.ticket_number,
                OutboxMessage.provider_message_id,
            )
            .where(
                OutboxMessage.address.in_({address for address, _ in wanted}),
                OutboxMessage.ticket_number.in_({number for _, number in wanted}),
                OutboxMessage.kind.in_(CARD_KINDS),
                OutboxMessage.status == "sent",
                OutboxMessage.provider_message_id != "",
            )
            .order_by(OutboxMessage.id)
        )
        latest = {(address, number): sent_id for address, number, sent_id in result.all()}
        return {key: value for key, value in latest.items() if key in wanted}

    async def by_provider_id(self, provider_message_id: str) -> OutboxMessage | None:
        result = await self.session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.provider_message_id == provider_message_id)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def backlog(
        self, now: datetime
    ) -> list[tuple[str, str, int, datetime | None, datetime | None]]:
        """Per channel and status, the rows not sent: how many, the earliest due time of those
        due now, and when the oldest was written. Sent rows (nearly all, for ever more) are
        not read: the index on status takes the query straight to the others."""
        due_now = case(
            (OutboxMessage.next_attempt_at <= now, OutboxMessage.next_attempt_at), else_=None
        )
        result = await self.session.execute(
            select(
                OutboxMessage.channel,
                OutboxMessage.status,
                func.count(),
                func.min(due_now),
                func.min(OutboxMessage.created_at),
            )
            .where(OutboxMessage.status.in_(UNSENT_STATUSES))
            .group_by(OutboxMessage.channel, OutboxMessage.status)
            .order_by(OutboxMessage.channel, OutboxMessage.status)
        )
        return [
            (channel, status, int(rows), due, oldest)
            for channel, status, rows, due, oldest in result.all()
        ]

    async def add_many(
        self, messages: Sequence[Outbound], now: datetime, answering: Inbound | None = None
    ) -> None:
        """`add` for many messages, in one statement per chunk, in this order (after any
        added before)."""
        await flush_pending(self.session)
        for chunk in chunks(messages):
            await _ADD_OUTBOX.rows(
                self.session, [_outbox_row(message, now, answering) for message in chunk]
            )

    async def settle_sent(self, sent: Sequence[tuple[int, str]], now: datetime) -> None:
        """Rows delivered at `now`: (row ID, the channel's ID of the message), in one
        statement (the relay's usual outcome, recorded while inbound messages wait for the
        write lock)."""
        if sent:
            await _SETTLE_SENT.rows(
                self.session,
                [
                    {"row_id": row_id, "provider_message_id": provider_id, "sent_at": now}
                    for row_id, provider_id in sent
                ],
            )

    async def settle(self, row_id: int, values: dict[str, object]) -> None:
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
        )


def lane_of(message: Outbound, answering: Inbound | None) -> tuple[int, datetime | None]:
    """The outbox lane of `message`, and when its chat last wrote as far as known: an answer
    to the chat that just wrote (`answering`) is interactive, and that chat wrote then.
    Cards stay bulk whatever caused them: a chat's cards go out in order, as each edits the
    one sent before it (see `OutboxRepository.latest_cards`)."""
    if answering is None:
        return BULK, None
    # (A reply mostly carries the very address it answers, found the same without comparing.)
    if message.address is not answering.address and message.address != answering.address:
        return BULK, None
    return (BULK if message.kind in CARD_KINDS else INTERACTIVE), answering.received_at


def _outbox_row(message: Outbound, now: datetime, answering: Inbound | None) -> dict[str, Any]:
    lane, heard_at = lane_of(message, answering)
    return {
        "channel": message.address.channel,
        "address": str(message.address),
        "kind": message.kind,
        "ticket_number": message.ticket_number,
        "payload": encode_outbound(message),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "last_error": "",
        "provider_message_id": "",
        "lane": lane,
        "heard_at": heard_at,
    }


def encode_outbound(message: Outbound) -> str:
    """The outbox payload: the message's fields as JSON, its address as text, and of the
    rest only what differs from the default (`decode_outbound` fills those in). It is written
    for every reply queued, so it reads the fields as they are, without `dataclasses.asdict`."""
    data: dict[str, Any] = {"address": str(message.address), "text": message.text}
    if message.choices:
        data["choices"] = [{"key": item.key, "label": item.label} for item in message.choices]
    if message.ticket_number:
        data["ticket_number"] = message.ticket_number
    if message.kind != "reply":
        data["kind"] = message.kind
    if message.attachments:
        data["attachments"] = [item.as_dict() for item in message.attachments]
    if message.replaces:
        data["replaces"] = message.replaces
    if message.language:
        data["language"] = message.language
    if message.template_only:
        data["template_only"] = True
    if message.sent_parts:
        data["sent_parts"] = message.sent_parts
    return _ENCODE(data)


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def decode_outbound(payload: str) -> Outbound:
    from flows.messages import Address, Attachment, Choice

    data = json.loads(payload)
    return Outbound(
        address=Address.parse(data["address"]),
        text=data["text"],
        choices=tuple(Choice(**choice) for choice in data.get("choices", ())),
        ticket_number=data.get("ticket_number", ""),
        kind=data.get("kind", "reply"),
        attachments=tuple(Attachment(**item) for item in data.get("attachments", ())),
        replaces=data.get("replaces", ""),
        language=data.get("language", ""),
        template_only=data.get("template_only", False),
        sent_parts=data.get("sent_parts", 0),
    )
