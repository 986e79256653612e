"""Queries and writes, one repository per aggregate; all inside the caller's transaction."""

from __future__ import annotations

import collections
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, and_, bindparam, case, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from db.direct import DirectStatement, scalar_default
from db.models import (
    ACTOR_LONGEST,
    Conversation,
    Counter,
    InboundMessage,
    OutboxMessage,
    ScheduledNotice,
    Ticket,
    TicketAttachment,
    TicketEvent,
    UTCDateTime,
    WhatsAppMenu,
)
from flows.delivery import BULK, INTERACTIVE
from flows.messages import Inbound, Outbound
from flows.state import ConversationState, plain

OPEN_STATUSES = ("new", "in_progress", "escalated", "reopened", "waiting")
# An outbox row's statuses but "sent": waiting to be sent, or given up.
UNSENT_STATUSES = ("pending", "failed", "undeliverable", "expired")
# Outbound kinds that show a ticket's card; a newer card edits the last one where it can.
CARD_KINDS = ("team_card", "card")
OUTBOX_CLAIM_LOCK = 0x4D4B4F42  # "MKOB": the advisory lock key for claiming outbox rows


def _on_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    return postgresql.insert if _on_postgresql(session) else sqlite.insert


async def _flush_pending(session: AsyncSession) -> None:
    """Write what was added or changed through the ORM, before a Core statement that must
    come after it (a Core statement does not flush the session)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()


# The statements every inbound message runs, built once (per dialect where they differ):
# building a statement costs more than running it on SQLite.
_INBOUND = cast(Table, InboundMessage.__table__)
_CONVERSATIONS = cast(Table, Conversation.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_RECORD = DirectStatement(
    {
        name: dialect.insert(_INBOUND)
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(_INBOUND.c.id)
        for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
    }
)


def _lock_state(insert: Any) -> Any:
    return insert.on_conflict_do_update(
        index_elements=["address"], set_={"updated_at": insert.excluded.updated_at}
    ).returning(_CONVERSATIONS.c.state)


_LOCK_STATE = DirectStatement(
    {
        name: _lock_state(dialect.insert(_CONVERSATIONS))
        for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
    }
)
_SAVE_STATE = DirectStatement(
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.address == bindparam("saved_address"))
    .values(
        state=bindparam("state"),
        language=bindparam("language"),
        updated_at=bindparam("updated_at"),
    )
)
_ADD_OUTBOX = DirectStatement(insert(_OUTBOX))
# A new ticket's number, and a line of a ticket's audit trail (each ticket created and each
# change made by staff or reporter writes one).
_COUNTERS = cast(Table, Counter.__table__)
_NEXT_NUMBER = DirectStatement(
    update(_COUNTERS)
    .where(_COUNTERS.c.name == bindparam("counter"))
    .values(value=_COUNTERS.c.value + 1)
    .returning(_COUNTERS.c.value)
)
_ADD_EVENT = DirectStatement(insert(cast(Table, TicketEvent.__table__)))
# A new ticket and its attachments, written at once (see `TicketRepository.insert`).
_TICKETS = cast(Table, Ticket.__table__)
_ATTACHMENTS = cast(Table, TicketAttachment.__table__)
_ADD_TICKET = DirectStatement(insert(_TICKETS).returning(_TICKETS.c.id))
_ADD_ATTACHMENT = DirectStatement(insert(_ATTACHMENTS).returning(_ATTACHMENTS.c.id))


def _row_values(item: Any, table: Table) -> dict[str, Any]:
    """The row of a new object, its ID aside: what it was given, and each column's default
    for what it was not (set on the object too, so that all of it reads as loaded)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.key not in item.__dict__:
            default = scalar_default(column) if column.default is not None else None
            setattr(item, column.key, default)
        values[column.key] = getattr(item, column.key)
    return values


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

# Rows per statement where a query or an insert names many keys or IDs at once.
CHUNK = 500


class SlaRow(Protocol):
    """What the SLA clock of a ticket needs, read without loading the ticket."""

    id: int
    number: str
    status: str
    team: str
    team_since: datetime
    response_due_at: datetime | None
    reminder_at: datetime | None
    first_response_at: datetime | None
    paused_at: datetime | None


_SLA_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.status,
    Ticket.team,
    Ticket.team_since,
    Ticket.response_due_at,
    Ticket.reminder_at,
    Ticket.first_response_at,
    Ticket.paused_at,
)


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


# A ticket and its attachments in one statement (one round trip, not two), built once.
_BY_NUMBER = (
    select(Ticket)
    .where(Ticket.number == bindparam("number"))
    .options(joinedload(Ticket.attachments))
)


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self, counter: str = "ticket") -> int:
        # One atomic statement: the row lock (PostgreSQL) or the write lock (SQLite) makes
        # concurrent creators wait, and a rolled-back number is simply never used.
        rows = await _NEXT_NUMBER.rows(self.session, {"counter": counter})
        return int(rows[0][0])

    async def insert(self, ticket: Ticket) -> None:
        """Write a new ticket and its attachments now, each in one statement, and keep it in
        the session as if it had been loaded: later changes to it are saved as usual. (The
        ORM's flush of a new ticket cost about a third of a ticket-submitting message.)"""
        rows = await _ADD_TICKET.rows(self.session, _row_values(ticket, _TICKETS))
        ticket.id = int(rows[0][0])
        for attachment in ticket.attachments:
            attachment.ticket_id = ticket.id
            rows = await _ADD_ATTACHMENT.rows(self.session, _row_values(attachment, _ATTACHMENTS))
            attachment.id = int(rows[0][0])
            make_transient_to_detached(attachment)
        make_transient_to_detached(ticket)
        self.session.add(ticket)

    async def by_number(self, number: str) -> Ticket | None:
        result = await self.session.execute(_BY_NUMBER, {"number": number})
        return result.unique().scalar_one_or_none()

    async def by_ids(self, ids: Sequence[int]) -> list[Ticket]:
        """These tickets (with their attachments), in ID order."""
        tickets: list[Ticket] = []
        for chunk in _chunks(ids):
            result = await self.session.execute(
                select(Ticket).where(Ticket.id.in_(chunk)).order_by(Ticket.id)
            )
            tickets += result.scalars().all()
        return tickets

    async def sla_rows(
        self,
        *,
        open_only: bool = False,
        due_by: datetime | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[SlaRow]:
        """The SLA columns of open tickets (`open_only`), of those whose clock runs and whose
        reminder or due time has come by `due_by`, or of the tickets `ids`; in ID order."""
        query = select(*_SLA_COLUMNS).order_by(Ticket.id)
        if open_only or due_by is not None:
            query = query.where(Ticket.status.in_(OPEN_STATUSES))
        if due_by is not None:
            query = query.where(
                Ticket.first_response_at.is_(None),
                Ticket.paused_at.is_(None),
                Ticket.response_due_at.is_not(None),
                or_(Ticket.reminder_at <= due_by, Ticket.response_due_at <= due_by),
            )
        if ids is None:
            return cast(list[SlaRow], list((await self.session.execute(query)).all()))
        rows: list[SlaRow] = []
        for chunk in _chunks(ids):
            result = await self.session.execute(query.where(Ticket.id.in_(chunk)))
            rows += cast(list[SlaRow], list(result.all()))
        return rows

    async def open_figures(
        self, now: datetime, day_start: datetime, day_end: datetime
    ) -> dict[str, tuple[int, int, int]]:
        """Per team: its open tickets; of those, the ones due in [day_start, day_end) still
        waiting for a first response; and the breached ones (as `bot.core.sla.sla_state` has it:
        no first response, not paused, due by `now`). Counted by the database."""
        waiting = Ticket.first_response_at.is_(None)
        due_today = and_(
            waiting, Ticket.response_due_at >= day_start, Ticket.response_due_at < day_end
        )
        breached = and_(waiting, Ticket.paused_at.is_(None), Ticket.response_due_at <= now)
        result = await self.session.execute(
            select(
                Ticket.team,
                func.count(Ticket.id),
                func.sum(case((due_today, 1), else_=0)),
                func.sum(case((breached, 1), else_=0)),
            )
            .where(Ticket.status.in_(OPEN_STATUSES))
            .group_by(Ticket.team)
        )
        return {
            team: (int(count), int(today or 0), int(late or 0))
            for team, count, today, late in result.all()
        }

    async def first_due(self, now: datetime, per_team: int) -> dict[str, list[int]]:
        """Per team, the IDs of its first `per_team` open tickets by response due time
        (`now` for those without one), then ID."""
        order = (func.coalesce(Ticket.response_due_at, now), Ticket.id)
        ranked = (
            select(
                Ticket.id,
                Ticket.team,
                func.row_number().over(partition_by=Ticket.team, order_by=order).label("rank"),
            )
            .where(Ticket.status.in_(OPEN_STATUSES))
            .subquery()
        )
        result = await self.session.execute(
            select(ranked.c.team, ranked.c.id)
            .where(ranked.c.rank <= per_team)
            .order_by(ranked.c.team, ranked.c.rank)
        )
        listed: dict[str, list[int]] = {}
        for team, ticket_id in result.all():
            listed.setdefault(team, []).append(ticket_id)
        return listed

    async def for_reporter(
        self, address: str, limit: int = 10, still_open: bool = False
    ) -> Sequence[Ticket]:
        query = select(Ticket).where(Ticket.reporter_address == address)
        if still_open:
            query = query.where(Ticket.status != "closed")
        result = await self.session.execute(query.order_by(Ticket.id.desc()).limit(limit))
        return result.scalars().all()

    async def open_for_team(self, team: str | None, limit: int = 30) -> Sequence[Ticket]:
        query = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
        if team is not None:
            query = query.where(Ticket.team == team)
        query = query.order_by(Ticket.response_due_at.asc(), Ticket.id.asc()).limit(limit)
        return (await self.session.execute(query)).scalars().all()

    async def by_jira_key(self, key: str) -> Ticket | None:
        if not key:
            return None
        result = await self.session.execute(select(Ticket).where(Ticket.jira_key == key))
        return result.scalars().first()

    async def children(self, number: str) -> Sequence[Ticket]:
        """Tickets linked to this one (its incidents and duplicates)."""
        result = await self.session.execute(
            select(Ticket).where(Ticket.parent_number == number).order_by(Ticket.id)
        )
        return result.scalars().all()

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count(Ticket.id)))).scalar_one())

    async def record_event(
        self,
        ticket: Ticket,
        at: datetime,
        actor: str,
        channel: str,
        action: str,
        from_status: str,
        detail: dict[str, str],
    ) -> None:
        await _flush_pending(self.session)  # the ticket's row (and its ID, if new) first
        values = {
            "ticket_id": ticket.id,
            "at": at,
            "actor": actor[:ACTOR_LONGEST],  # (a JIRA author's name may be long)
            "channel": channel,
            "action": action,
            "from_status": from_status,
            "to_status": ticket.status,
            "detail": json.dumps(detail, ensure_ascii=False),
        }
        await _ADD_EVENT.rows(self.session, values)

    async def events(self, ticket: Ticket) -> Sequence[TicketEvent]:
        result = await self.session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
        return result.scalars().all()


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, address: str, now: datetime) -> Conversation:
        """The conversation row, created if new and locked for this transaction."""
        insert = _insert(self.session)
        await self.session.execute(
            insert(Conversation)
            .values(address=address, state="", language="", updated_at=now)
            .on_conflict_do_nothing(index_elements=["address"])
        )
        query = select(Conversation).where(Conversation.address == address)
        if _on_postgresql(self.session):
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
        await _flush_pending(self.session)  # a change made through the ORM goes first
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
        dialect = self.session.get_bind().dialect.name
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = make(WhatsAppMenu).values(
            digest=digest, language=language, content_sid=content_sid, created_at=now
        )
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=["digest"]))
        return await self.content_sid(digest) or content_sid


class OutboxRepository:
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
        if _on_postgresql(self.session):
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

    async def notices_counted(self, prefix: str) -> int:
        """How many notices whose key starts with `prefix` were ever sent."""
        result = await self.session.execute(
            select(func.count()).where(ScheduledNotice.key.startswith(prefix, autoescape=True))
        )
        return int(result.scalar_one())

    async def claim_notice(self, key: str, now: datetime) -> bool:
        """Record that the notice `key` is being sent; False if it already was (by anyone)."""
        insert = _insert(self.session)
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
            _insert(self.session)(ScheduledNotice.__table__)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ScheduledNotice.key)
        )
        won: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            result = await self.session.execute(claim, [{"key": key, "at": now} for key in chunk])
            won.update(result.scalars().all())
        return won

    async def sent_notices(self, keys: Sequence[str]) -> set[str]:
        """Which of these notice keys were already claimed (read only)."""
        sent: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            result = await self.session.execute(
                select(ScheduledNotice.key).where(ScheduledNotice.key.in_(chunk))
            )
            sent.update(result.scalars().all())
        return sent

    async def add_many(
        self, messages: Sequence[Outbound], now: datetime, answering: Inbound | None = None
    ) -> None:
        """`add` for many messages, in one statement per chunk, in this order (after any
        added before)."""
        await _flush_pending(self.session)
        for chunk in _chunks(messages):
            await _ADD_OUTBOX.rows(
                self.session, [_outbox_row(message, now, answering) for message in chunk]
            )

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
    if answering is None or message.address != answering.address:
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
    """The outbox payload: the message's fields as JSON, its address as text."""
    data = plain(message)
    data["address"] = str(message.address)
    return json.dumps(data, ensure_ascii=False)


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
