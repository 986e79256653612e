"""Loading a report's tickets and their audit trails: the only part of the reports that touches
the database, and the office-local days the ranges are counted in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core.config import HelpdeskConfig
from db.models import Ticket, TicketEvent
from db.uow import UnitOfWork


@dataclass(frozen=True)
class TicketHistory:
    """A ticket and its audit trail, oldest event first."""

    ticket: Ticket
    events: tuple[TicketEvent, ...]


def day_start(config: HelpdeskConfig, day: date) -> datetime:
    """The first moment of an office-local day."""
    return datetime.combine(day, time(0), ZoneInfo(config.timezone))


def local_day(config: HelpdeskConfig, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(config.timezone)).date()


async def load_history(
    uow: UnitOfWork, config: HelpdeskConfig, first_day: date, end_day: date
) -> list[TicketHistory]:
    """Tickets created in [first_day, end_day) (office-local days) with all their events."""
    start, end = day_start(config, first_day), day_start(config, end_day)
    in_range = (Ticket.created_at >= start) & (Ticket.created_at < end)
    tickets = (
        (await uow.session.execute(select(Ticket).where(in_range).order_by(Ticket.id)))
        .scalars()
        .all()
    )
    events = (
        (
            await uow.session.execute(
                select(TicketEvent)
                .where(TicketEvent.ticket_id.in_(select(Ticket.id).where(in_range)))
                .order_by(TicketEvent.id)  # the order they happened in, even within a second
            )
        )
        .scalars()
        .all()
    )
    by_ticket: dict[int, list[TicketEvent]] = {ticket.id: [] for ticket in tickets}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    return [TicketHistory(ticket, tuple(by_ticket[ticket.id])) for ticket in tickets]
