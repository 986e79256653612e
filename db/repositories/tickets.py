"""Tickets: their numbers, rows and attachments, the SLA clock's columns, the audit trail."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, make_transient_to_detached

from db.direct import DirectStatement, scalar_default
from db.models import ACTOR_LONGEST, Counter, Ticket, TicketAttachment, TicketEvent
from db.onestep import BRIEF_READ
from db.repositories.shared import chunks, flush_pending

OPEN_STATUSES = ("new", "in_progress", "escalated", "reopened", "waiting")

# Built once (building a statement costs more than running it on SQLite): a new ticket's
# number, and a line of a ticket's audit trail (each ticket created and each change made by
# staff or reporter writes one).
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
# Whether a reporter has a ticket (one not closed): asked of most messages a reporter writes
# outside a report's questions, and of every message from a Telegram user with a username,
# and nearly always "no". Loading their tickets through the ORM costs the event loop several
# times what this costs, even when there are none.
_ANY_FOR_REPORTER = select(_TICKETS.c.id).where(_TICKETS.c.reporter_address == bindparam("address"))
_ANY = DirectStatement(_ANY_FOR_REPORTER.limit(1))
_ANY_OPEN = DirectStatement(_ANY_FOR_REPORTER.where(_TICKETS.c.status != "closed").limit(1))


def _default(column: Any) -> Any:
    """What a new row holds in `column` when not given: its constant default, else None."""
    return scalar_default(column) if column.default is not None else None


def _row_values(item: Any, table: Table) -> dict[str, Any]:
    """The row of a new object, its ID aside: what it was given, and each column's default
    for what it was not (set on the object too, so that all of it reads as loaded)."""
    values: dict[str, Any] = {}
    given = item.__dict__  # (what the attributes hold: read here without their descriptors)
    for column in table.columns:
        if column.primary_key:
            continue
        if column.key not in given:
            setattr(item, column.key, _default(column))
        values[column.key] = given[column.key]
    return values


# A new ticket's columns, the ID aside, and their values unless given (see `new_ticket`).
_TICKET_DEFAULTS = {
    column.key: _default(column) for column in _TICKETS.columns if not column.primary_key
}


def new_ticket(**values: Any) -> Ticket:
    """A ticket to `TicketRepository.insert`: `Ticket(**values)` with every column filled in,
    built at once, where the ORM's constructor sets each column through its events (that was
    a ninth of what filing a ticket cost). Its attachments are set on it as usual."""
    unknown = values.keys() - _TICKET_DEFAULTS.keys()
    if unknown:
        raise TypeError(f"a ticket has no column {', '.join(sorted(unknown))}")
    ticket: Ticket = _NEW_TICKET()
    ticket.__dict__.update(_TICKET_DEFAULTS, **values)
    return ticket


_NEW_TICKET = Ticket.__mapper__.class_manager.new_instance


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


# A ticket and its attachments in one statement (one round trip, not two), built once; a few
# pages by the unique index on the number, so a read on SQLite's fast path runs it on the event
# loop's thread.
_BY_NUMBER = (
    select(Ticket)
    .where(Ticket.number == bindparam("number"))
    .options(joinedload(Ticket.attachments))
    .execution_options(**{BRIEF_READ: True})
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
        for chunk in chunks(ids):
            result = await self.session.execute(
                select(Ticket).where(Ticket.id.in_(chunk)).order_by(Ticket.id)
            )
            tickets += result.scalars().all()
        return tickets

    async def by_ids_in_chunks(self, ids: Sequence[int]) -> AsyncIterator[list[Ticket]]:
        """`by_ids`, a chunk at a time: whoever goes through thousands of tickets need not hold
        them all at once (a loaded ticket takes ~6 KB)."""
        for chunk in chunks(ids):
            yield await self.by_ids(chunk)

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
        for chunk in chunks(ids):
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
        """The reporter's tickets (those not closed), newest first; loaded only if any."""
        await flush_pending(self.session)  # a ticket just linked to this chat counts
        if not await (_ANY_OPEN if still_open else _ANY).rows(self.session, {"address": address}):
            return ()
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
        await flush_pending(self.session)  # the ticket's row (and its ID, if new) first
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
