"""Reports for HUDD: SLA response compliance, response and resolution times, volumes, reopen
rate and satisfaction, over the tickets created in a range of office-local days.

The figures are computed from the audit trail (`ticket_events`), not from the ticket's
current SLA fields: those hold only the latest team's clock, while HUDD asks how every team
did with every ticket that reached it. docs/reports.md explains each figure.

Loading is the only part that touches the database; everything else is a pure function of the
loaded history, the configuration and `now`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core.config import HelpdeskConfig
from bot.core.ticketrules import RESPONSES
from db.models import Ticket, TicketEvent
from db.uow import UnitOfWork
from flows.directory import PRIORITIES

if TYPE_CHECKING:
    from bot.build import Helpdesk

MET, BREACHED, OPEN = "met", "breached", "open"
# Statuses that end a team's wait for a response even without one (the reporter was answered
# by the resolution, or the ticket was closed).
DONE_STATUSES = ("resolved", "closed")
DIMENSIONS = ("team", "priority", "ulb", "module", "category")
DIMENSION_TITLES = {
    "overall": "All tickets",
    "team": "By team",
    "priority": "By priority",
    "ulb": "By ULB",
    "module": "By module",
    "category": "By category",
}
CHART_TITLE = "MUKTA helpdesk — weekly summary"
WEEKS = 8


# -- the loaded history -----------------------------------------------------------------------


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


# -- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stint:
    """A ticket's time with one team: from reaching it to that team's first response."""

    team: str
    start: datetime
    due: datetime
    # The first take/comment/ask, or the moment the team passed it on or resolved it.
    answered_at: datetime | None
    answered_by: str  # the action that answered: take, comment, ask, escalate, resolve, …
    outcome: str  # met | breached | open
    response_hours: float | None  # business hours from start to answered_at


@dataclass(frozen=True)
class Compliance:
    met: int = 0
    breached: int = 0
    open: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        """Met as a share of the decided stints; None when nothing was decided yet."""
        return 100 * self.met / self.decided if self.decided else None

    @classmethod
    def of(cls, stints: Iterable[Stint]) -> Compliance:
        outcomes = Counter(stint.outcome for stint in stints)
        return cls(outcomes[MET], outcomes[BREACHED], outcomes[OPEN])


@dataclass(frozen=True)
class Spread:
    """Business hours: how many values, their median and 90th percentile."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Spread:
        known = sorted(value for value in values if value is not None)
        return cls(len(known), percentile(known, 0.5), percentile(known, 0.9))


def percentile(values: Sequence[float], share: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's and Excel's PERCENTILE.INC)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class TicketFigures:
    ticket: Ticket
    events: tuple[TicketEvent, ...]
    stints: tuple[Stint, ...]
    first_response_hours: float | None  # created → the first team's answer
    resolution_hours: float | None  # created → resolved_at
    reopened: bool

    @property
    def sla_outcome(self) -> str:
        """Breached if any team breached; open while one still has time; else met."""
        outcomes = {stint.outcome for stint in self.stints}
        for outcome in (BREACHED, OPEN, MET):
            if outcome in outcomes:
                return outcome
        return ""


@dataclass(frozen=True)
class Group:
    """One line of the summary: the tickets (or, for teams, the stints) of one group."""

    dimension: str
    key: str
    label: str
    compliance: Compliance
    first_response: Spread
    resolution: Spread
    volume: int


@dataclass(frozen=True)
class Satisfaction:
    ratings: int = 0
    mean: float | None = None
    satisfied_share: float | None = None  # ratings of 4 or 5, as a share of all ratings


@dataclass(frozen=True)
class Report:
    first_day: date
    end_day: date  # exclusive
    now: datetime
    timezone: str
    tickets: tuple[TicketFigures, ...]
    overall: Group
    groups: dict[str, tuple[Group, ...]]  # dimension -> groups in configuration order
    per_day: tuple[tuple[date, int], ...]
    reopened: int
    satisfaction: Satisfaction

    @property
    def last_day(self) -> date:
        return self.end_day - timedelta(days=1)

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / len(self.tickets) if self.tickets else None


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


# -- the terminal -----------------------------------------------------------------------------

LABEL_WIDTH = 36
BAR_WIDTH = 40  # characters for the busiest day


def _hours_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _percent_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def _day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(report: Report) -> str:
    """The report as aligned text for a terminal (labels in English)."""
    zone = ZoneInfo(report.timezone)
    now = report.now.astimezone(zone)
    overall = report.overall
    compliance = overall.compliance
    satisfaction = report.satisfaction
    lines = [
        f"MUKTA helpdesk report: tickets created {_day_text(report.first_day)} to "
        f"{_day_text(report.last_day)} ({report.timezone}), as of {now:%a} "
        f"{_day_text(now.date())}, {now:%H:%M}",
        "",
        f"Tickets created: {overall.volume}    Reopened: {report.reopened} "
        f"({_percent_text(_share(report.reopen_rate))})",
        f"SLA response: met {compliance.met} of {compliance.decided} "
        f"({_percent_text(compliance.percent)}); breached {compliance.breached}; "
        f"{compliance.open} still within time",
        f"First response (business hours): median {_hours_text(overall.first_response.median)}, "
        f"90th percentile {_hours_text(overall.first_response.p90)}",
        f"Resolution (business hours): median {_hours_text(overall.resolution.median)}, "
        f"90th percentile {_hours_text(overall.resolution.p90)} "
        f"({overall.resolution.count} resolved)",
        f"Satisfaction: {_csat_text(satisfaction)}",
        "",
    ]
    lines += _table(report)
    lines += ["", "Tickets created per day"]
    busiest = max((count for _, count in report.per_day), default=0)
    for day, count in report.per_day:
        bar = "#" * math.ceil(BAR_WIDTH * count / busiest) if count else ""
        lines.append(f"  {day:%a} {_day_text(day):<12} {count:>4}  {bar}".rstrip())
    return "\n".join(lines) + "\n"


def _share(value: float | None) -> float | None:
    return None if value is None else 100 * value


def _csat_text(satisfaction: Satisfaction) -> str:
    if satisfaction.mean is None:
        return "no ratings yet"
    plural = "" if satisfaction.ratings == 1 else "s"
    return (
        f"{satisfaction.mean:.1f} / 5 from {satisfaction.ratings} rating{plural}, "
        f"{_percent_text(_share(satisfaction.satisfied_share))} rated 4 or 5"
    )


def _table(report: Report) -> list[str]:
    width = LABEL_WIDTH

    def row(cells: Sequence[str]) -> str:
        label_cell, *numbers = cells
        widths = (7, 4, 8, 4, 6, 7, 7, 7, 7)
        gaps = ("  ", "  ", "  ", "  ", "  ", "   ", " ", "   ", " ")
        text = f"{label_cell:<{width}}"
        for gap, size, cell in zip(gaps, widths, numbers, strict=True):
            text += f"{gap}{cell:>{size}}"
        return text.rstrip()

    top = " " * (width + 2 + 7 + 2 + 4 + 2 + 8 + 2 + 4 + 2 + 6 + 3)
    lines = [
        "SLA response compliance (hours are business hours). Met, Breached and Open count",
        "team stints: a ticket passed from L1 to another team counts once for each team.",
        "",
        f"{top}{'First response':>15}   {'Resolution':>15}",
        row(["", "Tickets", "Met", "Breached", "Open", "Met %", "median", "p90", "median", "p90"]),
    ]
    sections: list[tuple[str, tuple[Group, ...]]] = [("overall", (report.overall,))]
    sections += [(dimension, report.groups[dimension]) for dimension in DIMENSIONS]
    for dimension, groups in sections:
        if dimension != "overall":
            lines.append(DIMENSION_TITLES[dimension])
        for group in groups:
            indent = "" if dimension == "overall" else "  "
            lines.append(
                row(
                    [
                        indent + _fit(group.label, width - len(indent)),
                        str(group.volume),
                        str(group.compliance.met),
                        str(group.compliance.breached),
                        str(group.compliance.open),
                        _percent_text(group.compliance.percent),
                        _hours_text(group.first_response.median),
                        _hours_text(group.first_response.p90),
                        _hours_text(group.resolution.median),
                        _hours_text(group.resolution.p90),
                    ]
                )
            )
    return lines


# -- CSV --------------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    "dimension",
    "group",
    "label",
    "met",
    "breached",
    "open",
    "compliance_pct",
    "first_response_median_h",
    "first_response_p90_h",
    "resolution_median_h",
    "resolution_p90_h",
    "volume",
)
EVENT_COLUMNS = (
    "ticket",
    "at",
    "actor",
    "channel",
    "action",
    "from_status",
    "to_status",
    "detail",
)
# Computed per ticket, after every stored column of the ticket.
TICKET_EXTRA_COLUMNS = (
    "attachments",
    "sla_outcome",
    "stints_met",
    "stints_breached",
    "stints_open",
    "stints",
    "first_response_h",
    "resolution_h",
)


def _number(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _iso(value: datetime, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def write_summary_csv(report: Report, out: TextIO) -> None:
    """One row per group: the overall row first, then each dimension's groups."""
    writer = csv.writer(out)
    writer.writerow(SUMMARY_COLUMNS)
    groups = [report.overall]
    groups += [group for dimension in DIMENSIONS for group in report.groups[dimension]]
    for group in groups:
        writer.writerow(
            [
                group.dimension,
                group.key,
                group.label,
                group.compliance.met,
                group.compliance.breached,
                group.compliance.open,
                _number(group.compliance.percent, 1),
                _number(group.first_response.median),
                _number(group.first_response.p90),
                _number(group.resolution.median),
                _number(group.resolution.p90),
                group.volume,
            ]
        )


def ticket_columns() -> tuple[str, ...]:
    return tuple(column.key for column in Ticket.__table__.columns) + TICKET_EXTRA_COLUMNS


def write_tickets_csv(report: Report, out: TextIO) -> None:
    """One row per ticket: every stored field (times office-local ISO), then the SLA outcome."""
    writer = csv.writer(out)
    stored = [column.key for column in Ticket.__table__.columns]
    writer.writerow(ticket_columns())
    for figures in report.tickets:
        ticket = figures.ticket
        values: list[object] = []
        for key in stored:
            value = getattr(ticket, key)
            if isinstance(value, datetime):
                value = _iso(value, report.timezone)
            values.append("" if value is None else value)
        outcomes = Compliance.of(figures.stints)
        values += [
            len(ticket.attachments),
            figures.sla_outcome,
            outcomes.met,
            outcomes.breached,
            outcomes.open,
            "; ".join(
                f"{stint.team} {stint.outcome}"
                + ("" if stint.response_hours is None else f" {stint.response_hours:.2f}h")
                for stint in figures.stints
            ),
            _number(figures.first_response_hours),
            _number(figures.resolution_hours),
        ]
        writer.writerow(values)


def write_events_csv(report: Report, out: TextIO) -> None:
    """One row per audit event of the report's tickets, in the order they happened."""
    writer = csv.writer(out)
    writer.writerow(EVENT_COLUMNS)
    for figures in report.tickets:
        for event in figures.events:
            writer.writerow(
                [
                    figures.ticket.number,
                    _iso(event.at, report.timezone),
                    event.actor,
                    event.channel,
                    event.action,
                    event.from_status,
                    event.to_status,
                    event.detail,
                ]
            )


# -- the weekly summary -----------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """A Monday-to-Sunday week and the report of the tickets created in it."""

    monday: date
    report: Report

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def tickets(self) -> int:
        return self.report.overall.volume

    @property
    def compliance(self) -> Compliance:
        return self.report.overall.compliance


def week_days(last_day: date, weeks: int = WEEKS) -> tuple[date, date]:
    """[first Monday, the Monday after the last week) for `weeks` weeks ending with the week
    that holds `last_day`."""
    end = last_day - timedelta(days=last_day.weekday()) + timedelta(days=7)
    return end - timedelta(weeks=weeks), end


def last_full_day(config: HelpdeskConfig, now: datetime) -> date:
    """Yesterday's Sunday or earlier: the end of the last complete week before `now`."""
    today = local_day(config, now)
    return today - timedelta(days=today.weekday() + 1)


def weekly_figures(
    histories: Sequence[TicketHistory],
    config: HelpdeskConfig,
    now: datetime,
    last_day: date | None = None,
    weeks: int = WEEKS,
) -> list[Week]:
    """Each of the `weeks` weeks up to the one holding `last_day` (default: the last complete
    week before `now`), oldest first; each week is `compute_report` over its seven days."""
    first, _ = week_days(last_day or last_full_day(config, now), weeks)
    mondays = [first + timedelta(weeks=index) for index in range(weeks)]
    return [
        Week(monday, compute_report(histories, config, monday, monday + timedelta(days=7), now))
        for monday in mondays
    ]


async def load_weeks(
    uow: UnitOfWork,
    config: HelpdeskConfig,
    now: datetime,
    last_day: date | None = None,
    weeks: int = WEEKS,
) -> list[Week]:
    """`weekly_figures` straight from the database (for the weekly summary message)."""
    first, end = week_days(last_day or last_full_day(config, now), weeks)
    histories = await load_history(uow, config, first, end)
    return weekly_figures(histories, config, now, last_day, weeks)


def _week_label(monday: date) -> str:
    return f"{monday.day} {monday:%b}"


def weekly_chart(weeks: Sequence[Week]) -> bytes:
    """A PNG: tickets per week (bars) over SLA response compliance per week (line, with the
    100% target), sized and lettered to be read on a phone."""
    # Imported here: matplotlib is slow to import and only the chart needs it. The Agg canvas
    # is used directly, so no global backend is chosen for anything else in the process.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [_week_label(week.monday) for week in weeks]
    positions = list(range(len(weeks)))
    counts = [week.tickets for week in weeks]
    percents = [week.compliance.percent for week in weeks]

    figure = Figure(figsize=(6.4, 8), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(CHART_TITLE, fontsize=17, fontweight="bold")
    volume, sla = figure.subplots(2, 1, sharex=True)

    bars = volume.bar(positions, counts, color="#2f6db5", width=0.65)
    volume.bar_label(bars, fontsize=12, padding=2)
    volume.set_title("Tickets created per week", fontsize=14, loc="left")
    volume.set_ylabel("Tickets", fontsize=13)
    volume.set_ylim(0, max([*counts, 1]) * 1.25)
    volume.yaxis.get_major_locator().set_params(integer=True)

    sla.axhline(100, color="#2e8b57", linestyle="--", linewidth=1.5, label="Target 100%")
    values = [math.nan if value is None else value for value in percents]
    sla.plot(positions, values, color="#c0392b", marker="o", linewidth=2.5, markersize=8)
    sla.plot([], [], color="#c0392b", marker="o", linewidth=2.5, label="Responses on time")
    for x, value in zip(positions, percents, strict=True):
        if value is not None:
            sla.annotate(
                f"{value:.0f}%",
                (x, value),
                textcoords="offset points",
                xytext=(0, -18 if value > 90 else 9),
                ha="center",
                fontsize=11,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            )
    sla.set_title("SLA response compliance", fontsize=14, loc="left")
    sla.set_ylabel("Responses on time (%)", fontsize=13)
    sla.set_ylim(0, 110)
    sla.set_xlabel("Week starting (Monday)", fontsize=13)
    sla.legend(loc="lower left", fontsize=11, frameon=False)
    sla.set_xticks(positions, labels)

    for axes in (volume, sla):
        axes.tick_params(labelsize=12)
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def weekly_caption(weeks: Sequence[Week]) -> str:
    """The last week's numbers in one short paragraph, against the week before."""
    if not weeks:
        return "No weeks to summarise."
    week = weeks[-1]
    report, compliance = week.report, week.compliance
    before = weeks[-2] if len(weeks) > 1 else None
    span = f"{week.monday.day} {week.monday:%b} – {_day_text(week.sunday)}"
    plural = "" if week.tickets == 1 else "s"
    parts = [f"Week of {span}: {week.tickets} ticket{plural} created"]
    if before is not None:
        parts[-1] += f" (week before: {before.tickets})"
    if compliance.decided:
        on_time = (
            f"SLA response met {compliance.met} of {compliance.decided} "
            f"({_percent_text(compliance.percent)})"
        )
        if before is not None and before.compliance.percent is not None:
            on_time += f", week before {_percent_text(before.compliance.percent)}"
        parts.append(on_time)
    else:
        parts.append("no SLA response due yet")
    if compliance.open:
        parts.append(f"{compliance.open} still within time")
    first = report.overall.first_response
    if first.median is not None:
        parts.append(f"median first response {first.median:.1f} business hours")
    resolution = report.overall.resolution
    if resolution.count:
        parts.append(
            f"{resolution.count} resolved, median {_hours_text(resolution.median)} business hours"
        )
    parts.append(f"{report.reopened} reopened")
    satisfaction = report.satisfaction
    if satisfaction.mean is not None:
        parts.append(f"satisfaction {satisfaction.mean:.1f}/5 from {satisfaction.ratings}")
    return "; ".join(parts) + "."


# -- the command line -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    summary: Path | None = None
    tickets: Path | None = None
    events: Path | None = None
    chart: Path | None = None


def _write_csv(path: Path, write: Callable[[Report, TextIO], None], report: Report) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig: Excel, which HUDD opens these in, then shows Odia and Hindi text correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        write(report, out)


async def run_report(
    helpdesk: Helpdesk,
    first_day: date | None,
    last_day: date | None,
    files: ReportFiles,
    out: TextIO,
) -> int:
    """`python -m bot report`: print the report, write the files asked for.

    Days are office-local and both ends are included; the default is the last 30 days up to
    today. The chart covers the 8 weeks up to the one holding the last day.
    """
    config, now = helpdesk.config, helpdesk.clock()
    last_day = last_day or local_day(config, now)
    first_day = first_day or last_day - timedelta(days=29)
    if first_day > last_day:
        print(f"--from {first_day} is after --to {last_day}", file=sys.stderr)
        return 2
    end_day = last_day + timedelta(days=1)
    chart_first, chart_end = week_days(last_day)
    load_first = min(first_day, chart_first) if files.chart else first_day
    load_end = max(end_day, chart_end) if files.chart else end_day
    async with helpdesk.unit_of_work().read_only() as uow:
        histories = await load_history(uow, config, load_first, load_end)
    report = compute_report(histories, config, first_day, end_day, now)
    out.write(render_text(report))
    written: list[str] = []
    for path, write in (
        (files.summary, write_summary_csv),
        (files.tickets, write_tickets_csv),
        (files.events, write_events_csv),
    ):
        if path is not None:
            _write_csv(path, write, report)
            written.append(f"Wrote {path}")
    if files.chart is not None:
        weeks = weekly_figures(histories, config, now, last_day)
        files.chart.parent.mkdir(parents=True, exist_ok=True)
        files.chart.write_bytes(weekly_chart(weeks))
        written += [f"Wrote {files.chart}", f"Caption: {weekly_caption(weeks)}"]
    if written:
        out.write("\n" + "\n".join(written) + "\n")
    return 0


# -- one team's share -------------------------------------------------------------------------


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
