"""The SLA clock of a ticket: when its team must respond (and resolve), reminders, pauses.

The clock starts when the ticket reaches a team and restarts for each new team ("once it
reaches eGov"); it stops at that team's first response and pauses while the ticket waits on
the reporter. All arithmetic is in business time (`BusinessCalendar`).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.calendar import BusinessCalendar
from bot.core.config import HelpdeskConfig
from db.models import Ticket

ON_TRACK, DUE_SOON, BREACHED, PAUSED, MET, MISSED = (
    "on_track",
    "due_soon",
    "breached",
    "paused",
    "met",
    "missed",
)


class SlaClock:
    def __init__(self, config: HelpdeskConfig) -> None:
        self.calendar: BusinessCalendar = config.calendar
        self.response_days = config.response_days
        self.resolution_days = config.resolution_days
        self.due_soon_share = config.reminders.due_soon_share

    def start(self, ticket: Ticket, since: datetime) -> None:
        """The ticket has reached `ticket.team` at `since`: a fresh clock for that team."""
        ticket.team_since = since
        ticket.first_response_at = None
        ticket.paused_at = None
        self._set_due_times(ticket, waited_days=0.0)

    def retarget(self, ticket: Ticket, priority: str) -> None:
        """Give the ticket `priority`: its due times counted again from when the team got it,
        and moved on, as before, by the time it has already waited on the reporter."""
        waited_days = self._waited_days(ticket)
        ticket.priority = priority
        self._set_due_times(ticket, waited_days)

    def _set_due_times(self, ticket: Ticket, waited_days: float) -> None:
        since, days = ticket.team_since, self.response_days[ticket.priority]
        add = self.calendar.add_business_days
        ticket.response_due_at = add(since, days + waited_days)
        ticket.reminder_at = add(since, days * self.due_soon_share + waited_days)
        resolution = self.resolution_days.get(ticket.priority)
        ticket.resolution_due_at = add(since, resolution + waited_days) if resolution else None

    def _waited_days(self, ticket: Ticket) -> float:
        """Business days the response due time was moved on by the reporter's answers."""
        due = ticket.response_due_at
        if due is None:
            return 0.0
        on_time = self.calendar.add_business_days(
            ticket.team_since, self.response_days[ticket.priority]
        )
        if due <= on_time:
            return 0.0
        return self.calendar.business_time_between(on_time, due) / self.calendar.day_length

    def responded(self, ticket: Ticket, at: datetime) -> None:
        if ticket.first_response_at is None:
            ticket.first_response_at = at

    def pause(self, ticket: Ticket, at: datetime) -> None:
        if ticket.paused_at is None:
            ticket.paused_at = at

    def resume(self, ticket: Ticket, at: datetime) -> None:
        """Move the due times on by the business time the ticket waited on the reporter."""
        if ticket.paused_at is None:
            return
        waited = self.calendar.business_time_between(ticket.paused_at, at)
        ticket.paused_at = None
        if not waited:
            return
        days = waited / self.calendar.day_length
        for field in ("response_due_at", "reminder_at", "resolution_due_at"):
            due = getattr(ticket, field)
            if due is not None:
                setattr(ticket, field, self.calendar.add_business_days(due, days))


def sla_state(ticket: Ticket, now: datetime) -> str:
    """What staff see next to the response due time."""
    due = ticket.response_due_at
    if due is None or ticket.status in ("resolved", "closed"):
        return ""
    if ticket.paused_at is not None:  # (asking the reporter is a response too: this first)
        return PAUSED
    if ticket.first_response_at is not None:
        return MET if ticket.first_response_at <= due else MISSED
    if now >= due:
        return BREACHED
    if ticket.reminder_at is not None and now >= ticket.reminder_at:
        return DUE_SOON
    return ON_TRACK
