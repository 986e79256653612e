"""The report's figures, replayed from the audit trail: each team's stints with a ticket, the
groups by team, priority, ULB, module and category, and one team's share. Pure functions of
the loaded history, the configuration and `now`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta

from bot.core.config import HelpdeskConfig
from bot.core.ticketrules import RESPONSES
from bot.reports.figures import (
    BREACHED,
    DIMENSION_TITLES,
    DIMENSIONS,
    MET,
    OPEN,
    Compliance,
    Group,
    Report,
    Satisfaction,
    Spread,
    Stint,
    TicketFigures,
)
from bot.reports.history import TicketHistory, day_start, local_day
from db.models import Ticket, TicketEvent
from flows.directory import PRIORITIES

# Statuses that end a team's wait for a response even without one (the reporter was answered
# by the resolution, or the ticket was closed).
DONE_STATUSES = ("resolved", "closed")


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _detail(event: TicketEvent) -> dict[str, object]:
    try:
        value = json.loads(event.detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def stints_of(
    ticket: Ticket, events: Sequence[TicketEvent], config: HelpdeskConfig, now: datetime
) -> list[Stint]:
    """Each team's stint with the ticket and whether it answered within the response target.

    A stint starts at the create event (the intake team), at each escalate (its "to" team) and
    at each reopen (the team that has it). Its due time is the priority's response target
    from the start. The team answers with its first take, comment, ask, link or duplicate
    (`RESPONSES`: the actions the ticket service counts as a response). Passing the ticket
    on or resolving or closing it ends the stint too: in time that is met, late it is
    breached. A stint still waiting is breached once `now` is past due, and open (not
    counted) before that.
    """
    calendar = config.calendar
    days = config.response_days[ticket.priority]

    def judged(team: str, start: datetime, answer: tuple[datetime, str] | None) -> Stint:
        due = calendar.add_business_days(start, days)
        if answer is None:
            return Stint(team, start, due, None, "", BREACHED if now > due else OPEN, None)
        at, action = answer
        taken = hours(calendar.business_time_between(start, at))
        return Stint(team, start, due, at, action, MET if at <= due else BREACHED, taken)

    stints: list[Stint] = []
    # A trail without its create event still starts with the intake team at creation.
    team, start = config.directory.intake_team, ticket.created_at
    answer: tuple[datetime, str] | None = None
    for event in events:
        detail = _detail(event)
        if event.action == "create":
            team, start = str(detail.get("team") or team), event.at
        elif event.action in ("escalate", "reopen"):
            if event.action == "escalate" and answer is None:
                answer = (event.at, event.action)  # passing it on answers this team's wait
            stints.append(judged(team, start, answer))
            if event.action == "escalate":
                team = str(detail.get("to") or ticket.team)
            start, answer = event.at, None
        elif answer is None and _answers(event, ticket):
            answer = (event.at, event.action)
    stints.append(judged(team, start, answer))
    return stints


def _answers(event: TicketEvent, ticket: Ticket) -> bool:
    """A staff response, or the ticket resolved or closed (which also tells the reporter).
    Once a stint is answered, later notes (even on a resolved ticket) change nothing."""
    if event.action in RESPONSES:
        return event.actor != ticket.reporter_address
    return event.to_status in DONE_STATUSES and event.from_status != event.to_status


def ticket_figures(history: TicketHistory, config: HelpdeskConfig, now: datetime) -> TicketFigures:
    ticket, events = history.ticket, history.events
    calendar = config.calendar
    stints = stints_of(ticket, events, config, now)
    first = stints[0] if stints else None
    first_response = (
        hours(calendar.business_time_between(ticket.created_at, first.answered_at))
        if first is not None and first.answered_at is not None
        else None
    )
    resolution = (
        hours(calendar.business_time_between(ticket.created_at, ticket.resolved_at))
        if ticket.resolved_at is not None
        else None
    )
    # reopen_count is kept by the ticket service; the trail also shows reopens from before it.
    reopened = ticket.reopen_count > 0 or any(event.action == "reopen" for event in events)
    return TicketFigures(ticket, events, tuple(stints), first_response, resolution, reopened)


def label(config: HelpdeskConfig, dimension: str, key: str) -> str:
    """The English label from the directory; the key itself for one no longer configured."""
    directory = config.directory
    lookups: dict[str, Callable[[str], str]] = {
        "team": lambda k: directory.team(k).name("en"),
        "ulb": lambda k: directory.ulb(k).label("en"),
        "module": lambda k: directory.module(k).label("en"),
        "category": lambda k: directory.category(k).label("en"),
    }
    lookup = lookups.get(dimension)
    return key if lookup is None else lookup(key)


def _configured_order(config: HelpdeskConfig, dimension: str) -> list[str]:
    directory = config.directory
    keys: dict[str, Iterable[str]] = {
        "team": (team.key for team in directory.teams),
        "priority": PRIORITIES,
        "ulb": (option.key for option in directory.ulbs),
        "module": (option.key for option in directory.modules),
        "category": (option.key for option in directory.categories),
    }
    return list(keys[dimension])


def _group(
    config: HelpdeskConfig,
    dimension: str,
    key: str,
    tickets: Sequence[TicketFigures],
    stints: Sequence[Stint],
    volume: int | None = None,
) -> Group:
    overall = dimension == "overall"
    return Group(
        dimension=dimension,
        key=key,
        label=DIMENSION_TITLES["overall"] if overall else label(config, dimension, key),
        compliance=Compliance.of(stints),
        first_response=Spread.of(stint.response_hours for stint in stints),
        resolution=Spread.of(figures.resolution_hours for figures in tickets),
        volume=len(tickets) if volume is None else volume,
    )


def _groups(
    config: HelpdeskConfig, dimension: str, tickets: Sequence[TicketFigures]
) -> tuple[Group, ...]:
    order = _configured_order(config, dimension)

    def in_order(keys: Iterable[str]) -> list[str]:
        return sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))

    if dimension == "team":
        # A team's figures are its own stints; its resolutions are the tickets it resolved;
        # its volume is the tickets that reached it.
        found = []
        for team in in_order({s.team for figures in tickets for s in figures.stints}):
            stints = [s for figures in tickets for s in figures.stints if s.team == team]
            reached = [f for f in tickets if any(s.team == team for s in f.stints)]
            resolved = [f for f in reached if f.ticket.resolved_at and f.ticket.team == team]
            found.append(_group(config, dimension, team, resolved, stints, len(reached)))
        return tuple(found)
    groups = []
    for key in in_order({str(getattr(figures.ticket, dimension)) for figures in tickets}):
        members = [f for f in tickets if getattr(f.ticket, dimension) == key]
        stints = [stint for figures in members for stint in figures.stints]
        groups.append(_group(config, dimension, key, members, stints))
    return tuple(groups)


def compute_report(
    histories: Iterable[TicketHistory],
    config: HelpdeskConfig,
    first_day: date,
    end_day: date,
    now: datetime,
) -> Report:
    """The figures for tickets created in [first_day, end_day) (office-local days), as of `now`.

    `histories` may hold more tickets than the range; those outside it are left out.
    """
    start, end = day_start(config, first_day), day_start(config, end_day)
    tickets = tuple(
        ticket_figures(history, config, now)
        for history in histories
        if start <= history.ticket.created_at < end
    )
    all_stints = [stint for figures in tickets for stint in figures.stints]
    created = Counter(local_day(config, figures.ticket.created_at) for figures in tickets)
    per_day = tuple(
        (first_day + timedelta(days=offset), created[first_day + timedelta(days=offset)])
        for offset in range((end_day - first_day).days)
    )
    ratings = [f.ticket.rating for f in tickets if f.ticket.rating is not None]
    satisfaction = Satisfaction(
        ratings=len(ratings),
        mean=sum(ratings) / len(ratings) if ratings else None,
        satisfied_share=sum(1 for r in ratings if r >= 4) / len(ratings) if ratings else None,
    )
    return Report(
        first_day=first_day,
        end_day=end_day,
        now=now,
        timezone=config.timezone,
        tickets=tickets,
        overall=_group(config, "overall", "all", tickets, all_stints),
        groups={dimension: _groups(config, dimension, tickets) for dimension in DIMENSIONS},
        per_day=per_day,
        reopened=sum(1 for figures in tickets if figures.reopened),
        satisfaction=satisfaction,
    )


def for_team(
    histories: Iterable[TicketHistory],
    config: HelpdeskConfig,
    first_day: date,
    end_day: date,
    now: datetime,
    team: str,
) -> Report:
    """`compute_report` as one team's members see it: only the tickets that reached the team,
    each judged on the team's own stints, so every group's compliance and first response are
    the team's (the team's own row is the same as in the full report). Volumes, resolution,
    reopens and satisfaction count the tickets that reached the team."""
    reached = [
        history
        for history in histories
        if any(s.team == team for s in stints_of(history.ticket, history.events, config, now))
    ]
    report = compute_report(reached, config, first_day, end_day, now)
    tickets = tuple(
        TicketFigures(
            figures.ticket,
            figures.events,
            tuple(stint for stint in figures.stints if stint.team == team),
            figures.first_response_hours,
            figures.resolution_hours,
            figures.reopened,
        )
        for figures in report.tickets
    )
    stints = [stint for figures in tickets for stint in figures.stints]
    return Report(
        first_day=report.first_day,
        end_day=report.end_day,
        now=report.now,
        timezone=report.timezone,
        tickets=tickets,
        overall=_group(config, "overall", "all", tickets, stints),
        groups={dimension: _groups(config, dimension, tickets) for dimension in DIMENSIONS},
        per_day=report.per_day,
        reopened=report.reopened,
        satisfaction=report.satisfaction,
    )
