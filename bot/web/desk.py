"""What the console reads and does that chat does not: a filterable queue sorted by SLA
urgency, a ticket with its whole story, and tickets logged for callers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.whatsapp.wire import e164
from bot.core.sla import sla_state
from db.models import InboundMessage, OutboxMessage, Ticket, TicketEvent
from db.repositories import OPEN_STATUSES, decode_outbound
from flows.directory import PRIORITIES, Directory, Staff
from flows.messages import Address

STATUSES = ("new", "in_progress", "waiting", "escalated", "reopened", "resolved", "closed")
SLA_STATES = ("breached", "due_soon", "on_track", "paused", "missed", "met")
CHANNELS = ("whatsapp", "telegram", "phone", "email", "console")
# Most urgent first: the order of the queue.
URGENCY = {state: rank for rank, state in enumerate(SLA_STATES)}
QUEUE_LIMIT = 500


@dataclass(frozen=True)
class QueueFilter:
    team: str = ""
    status: str = "open"  # "open" | "all" | one of STATUSES
    priority: str = ""
    ulb: str = ""
    module: str = ""
    category: str = ""
    sla: str = ""
    channel: str = ""
    text: str = ""
    # "" (anyone), "none" (nobody has taken it yet), or an account key (set from "mine").
    assignee: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, str], directory: Directory) -> QueueFilter:
        """Only known values are taken; anything else means "any" (a stale bookmark still works)."""
        allowed: dict[str, Sequence[str]] = {
            "team": [team.key for team in directory.teams],
            "status": ("open", "all", *STATUSES),
            "priority": PRIORITIES,
            "ulb": [item.key for item in directory.ulbs],
            "module": [item.key for item in directory.modules],
            "category": [item.key for item in directory.categories],
            "sla": SLA_STATES,
            "channel": CHANNELS,
        }
        values = {
            name: params.get(name, "") for name in allowed if params.get(name, "") in allowed[name]
        }
        values.setdefault("status", "open")
        return cls(**values, text=params.get("text", "").strip()[:100])

    @classmethod
    def asked(
        cls, params: Mapping[str, str], directory: Directory, viewer: str, staff: Staff
    ) -> QueueFilter:
        """What a queue page's query (or its export's) asks for, as the account `viewer`, who
        is `staff`, may have it: "taken by me" is theirs, and a team member's queue holds
        their own team's tickets only."""
        wanted = params.get("assignee", "")
        chosen = replace(
            cls.from_query(params, directory),
            assignee=viewer if wanted == "mine" else "none" if wanted == "none" else "",
        )
        return chosen if staff.sees_every_team else chosen.only_team(staff.team)

    def only_team(self, team: str) -> QueueFilter:
        return replace(self, team=team)

    def query_string(self, **changes: str) -> str:
        values = {field.name: getattr(self, field.name) for field in fields(self)} | changes
        if values["assignee"] not in ("", "none"):
            values["assignee"] = "mine"  # a bookmark means "mine" for whoever opens it
        return urlencode({name: value for name, value in values.items() if value})

    def statement(self) -> Select[Ticket]:
        query = select(Ticket)
        if self.status == "open":
            query = query.where(Ticket.status.in_(OPEN_STATUSES))
        elif self.status != "all":
            query = query.where(Ticket.status == self.status)
        for name in ("team", "priority", "ulb", "module", "category"):
            if getattr(self, name):
                query = query.where(getattr(Ticket, name) == getattr(self, name))
        if self.channel:
            query = query.where(Ticket.reporter_address.startswith(f"{self.channel}:"))
        if self.assignee:
            query = query.where(
                Ticket.assignee == ("" if self.assignee == "none" else self.assignee)
            )
        if self.text:
            needle = f"%{_escape_like(self.text.casefold())}%"
            query = query.where(
                or_(
                    *(
                        func.lower(column).like(needle, escape="\\")
                        for column in (
                            Ticket.number,
                            Ticket.description,
                            Ticket.reporter_name,
                            Ticket.reporter_address,
                            Ticket.jira_key,
                        )
                    )
                )
            )
        return query


def _escape_like(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


def urgency(ticket: Ticket, now: datetime) -> tuple[int, datetime, int, int]:
    state = sla_state(ticket, now)
    due = ticket.response_due_at or datetime.max.replace(tzinfo=now.tzinfo)
    return (URGENCY.get(state, len(URGENCY)), due, PRIORITIES.index(ticket.priority), ticket.id)


async def queue(
    session: AsyncSession, wanted: QueueFilter, now: datetime, limit: int = QUEUE_LIMIT
) -> list[Ticket]:
    """Tickets matching the filter, most urgent first (breached, then due soon, …)."""
    query = wanted.statement().order_by(Ticket.id.desc()).limit(limit)
    tickets = list((await session.execute(query)).scalars().all())
    if wanted.sla:
        tickets = [ticket for ticket in tickets if sla_state(ticket, now) == wanted.sla]
    return sorted(tickets, key=lambda ticket: urgency(ticket, now))


async def queue_version(session: AsyncSession) -> str:
    """Changes whenever any ticket does: the page asks for new rows only then."""
    count, latest = (
        await session.execute(select(func.count(Ticket.id), func.max(Ticket.updated_at)))
    ).one()
    return f"{count}-{latest.isoformat() if latest else ''}"


@dataclass(frozen=True)
class Exchange:
    """One message between the reporter and the helpdesk, as it was sent."""

    at: datetime
    incoming: bool
    text: str
    attachments: tuple[dict[str, str], ...] = ()
    status: str = ""


@dataclass(frozen=True)
class TicketStory:
    ticket: Ticket
    events: Sequence[TicketEvent]
    conversation: Sequence[Exchange]
    parent: Ticket | None
    children: Sequence[Ticket]


async def story(
    session: AsyncSession, number: str, conversation_from: timedelta, whole: bool = True
) -> TicketStory | None:
    """The ticket with its audit trail, linked tickets, and the reporter's conversation from
    a while before it was filed (the intake that led to it) until now. Not `whole` (for a
    team member, who may see only their team's tickets): none of what was said about the
    reporter's other tickets, and nothing from the filing of their next ticket on."""
    ticket = (
        await session.execute(select(Ticket).where(Ticket.number == number))
    ).scalar_one_or_none()
    if ticket is None:
        return None
    events = (
        (
            await session.execute(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(TicketEvent.at, TicketEvent.id)
            )
        )
        .scalars()
        .all()
    )
    since = ticket.created_at - conversation_from
    address = ticket.reporter_address
    received_query = select(InboundMessage).where(
        InboundMessage.address == address, InboundMessage.received_at >= since
    )
    sent_query = select(OutboxMessage).where(
        OutboxMessage.address == address, OutboxMessage.created_at >= since
    )
    if not whole:
        about_it = OutboxMessage.ticket_number == number
        next_filed = (
            await session.execute(
                select(func.min(Ticket.created_at)).where(
                    Ticket.reporter_address == address, Ticket.id > ticket.id
                )
            )
        ).scalar_one_or_none()
        if next_filed is None:
            sent_query = sent_query.where(or_(about_it, OutboxMessage.ticket_number == ""))
        else:
            received_query = received_query.where(InboundMessage.received_at < next_filed)
            sent_query = sent_query.where(
                or_(
                    about_it,
                    (OutboxMessage.ticket_number == "") & (OutboxMessage.created_at < next_filed),
                )
            )
    received = (
        await session.execute(received_query.order_by(InboundMessage.id).limit(300))
    ).scalars()
    sent = (await session.execute(sent_query.order_by(OutboxMessage.id).limit(300))).scalars()
    conversation = [
        Exchange(row.received_at, True, row.text, _attachments(row.attachments), row.status)
        for row in received
    ] + [
        Exchange(row.created_at, False, decode_outbound(row.payload).text, (), row.status)
        for row in sent
    ]
    conversation.sort(key=lambda exchange: (exchange.at, not exchange.incoming))
    parent = None
    if ticket.parent_number:
        parent = (
            await session.execute(select(Ticket).where(Ticket.number == ticket.parent_number))
        ).scalar_one_or_none()
    children = (
        (
            await session.execute(
                select(Ticket).where(Ticket.parent_number == ticket.number).order_by(Ticket.id)
            )
        )
        .scalars()
        .all()
    )
    return TicketStory(ticket, events, conversation, parent, children)


def _attachments(stored: str) -> tuple[dict[str, str], ...]:
    try:
        items = json.loads(stored or "[]")
    except ValueError:
        return ()
    return tuple({key: str(value) for key, value in item.items()} for item in items)


# -- callers: tickets logged by an operator ---------------------------------------------------

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")
# (No two parts can match the same characters: checking takes time in step with the text.)
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
EMAIL_LONGEST = 254  # characters, as mail servers take them
TELEGRAM_USER = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$")


class CallerError(ValueError):
    """The form cannot become a ticket; the message names the field (a key of the strings)."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(key)
        self.field = field
        self.key = key


def e164_india(number: str) -> str:
    """+91 numbers as WhatsApp gives them; a 10-digit number is taken as Indian."""
    digits = re.sub(r"[^0-9]", "", number)
    return e164(f"91{digits}" if len(digits) == 10 else digits)


def caller_address(source: str, contact: str, updates_by: str, chat_contact: str) -> Address:
    """Where the caller hears of their ticket: a chat if they want updates there, else their
    phone or email (reached by the operator, not the bot)."""
    contact, chat_contact = contact.strip(), chat_contact.strip()
    if updates_by == "whatsapp":
        number = chat_contact or contact
        if not PHONE.match(number):
            raise CallerError("chat_contact", "caller_bad_whatsapp")
        return Address("whatsapp", e164_india(number))
    if updates_by == "telegram":
        # A bot cannot write first to a Telegram user: the tickets wait under the @username
        # and follow the caller's chat when they first write to the bot.
        user = TELEGRAM_USER.match(chat_contact)
        if user is None:
            raise CallerError("chat_contact", "caller_bad_telegram")
        return Address("telegram", f"@{user.group(1).casefold()}")
    # Reached as the contact given says, whichever way the call came in (a caller on the
    # phone may want the answer by email).
    if len(contact) <= EMAIL_LONGEST and EMAIL.match(contact):
        return Address("email", contact.lower())
    if PHONE.match(contact):
        return Address("phone", e164_india(contact))
    raise CallerError("contact", "caller_bad_email" if source == "email" else "caller_bad_phone")


# -- what the desk must know about without being told in a chat --------------------------------

UNDELIVERED = ("undeliverable", "failed", "expired")


@dataclass(frozen=True)
class Undelivered:
    ticket_number: str
    channel: str
    kind: str
    error: str
    at: datetime


async def undelivered(session: AsyncSession, since: datetime, limit: int = 20) -> list[Undelivered]:
    """Messages to reporters that could not be delivered lately (newest first): the operator
    should reach those reporters another way."""
    rows = (
        await session.execute(
            select(OutboxMessage)
            .where(
                OutboxMessage.status.in_(UNDELIVERED),
                OutboxMessage.created_at >= since,
                OutboxMessage.ticket_number != "",
                OutboxMessage.kind.in_(("notice", "reply")),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    ).scalars()
    return [
        Undelivered(row.ticket_number, row.channel, row.kind, row.last_error[:200], row.created_at)
        for row in rows
    ]


async def changes_since(
    session: AsyncSession, number: str, seen: int, by_reporter: str
) -> list[tuple[str, str]]:
    """The ticket's changes after the event `seen` (the latest its page showed), in order:
    (action, who), who named as the ticket page names them (`by_reporter`: the reporter)."""
    query = (
        select(TicketEvent.action, TicketEvent.actor, Ticket.reporter_address)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.number == number, TicketEvent.id > seen)
        .order_by(TicketEvent.id)
    )
    rows = await session.execute(query)
    return [(action, actor_name(actor, address, by_reporter)) for action, actor, address in rows]


def actor_name(actor: str, reporter_address: str, by_reporter: str) -> str:
    """Who made a ticket's change, as the console names them: a staff member by key, the
    ticket's reporter as `by_reporter`, anyone else (the helpdesk, a caller's chat) as is."""
    if actor.startswith("staff:"):
        return actor.partition(":")[2]
    return by_reporter if actor == reporter_address else actor


async def team_of(session: AsyncSession, number: str) -> str | None:
    """The team that has the ticket; None if there is no such ticket."""
    query = select(Ticket.team).where(Ticket.number == number)
    found: str | None = (await session.execute(query)).scalar_one_or_none()
    return found


async def ticket_version(session: AsyncSession, number: str) -> str:
    """Changes whenever the ticket does or its reporter writes (its page offers a reload)."""
    found = (
        await session.execute(
            select(Ticket.id, Ticket.reporter_address).where(Ticket.number == number)
        )
    ).one_or_none()
    if found is None:
        return ""
    ticket_id, address = found
    # Every change of a ticket is an event; every message from its reporter an inbound row.
    changed = select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
    wrote = select(func.max(InboundMessage.id)).where(InboundMessage.address == address)
    latest_event = (await session.execute(changed)).scalar_one_or_none()
    latest_message = (await session.execute(wrote)).scalar_one_or_none()
    return f"{latest_event or 0}-{latest_message or 0}"
