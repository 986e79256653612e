"""The weekly summary: the last weeks' figures, one report per Monday-to-Sunday week, and the
caption that goes with the chart (`bot.reports.chart` draws it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.config import HelpdeskConfig
from bot.reports.compute import compute_report
from bot.reports.figures import Compliance, Report
from bot.reports.history import TicketHistory, load_history, local_day
from bot.reports.terminal import day_text, hours_text, percent_text
from db.uow import UnitOfWork

WEEKS = 8


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


def weekly_caption(weeks: Sequence[Week]) -> str:
    """The last week's numbers in one short paragraph, against the week before."""
    if not weeks:
        return "No weeks to summarise."
    week = weeks[-1]
    report, compliance = week.report, week.compliance
    before = weeks[-2] if len(weeks) > 1 else None
    span = f"{week.monday.day} {week.monday:%b} – {day_text(week.sunday)}"
    plural = "" if week.tickets == 1 else "s"
    parts = [f"Week of {span}: {week.tickets} ticket{plural} created"]
    if before is not None:
        parts[-1] += f" (week before: {before.tickets})"
    if compliance.decided:
        on_time = (
            f"SLA response met {compliance.met} of {compliance.decided} "
            f"({percent_text(compliance.percent)})"
        )
        if before is not None and before.compliance.percent is not None:
            on_time += f", week before {percent_text(before.compliance.percent)}"
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
            f"{resolution.count} resolved, median {hours_text(resolution.median)} business hours"
        )
    parts.append(f"{report.reopened} reopened")
    satisfaction = report.satisfaction
    if satisfaction.mean is not None:
        parts.append(f"satisfaction {satisfaction.mean:.1f}/5 from {satisfaction.ratings}")
    return "; ".join(parts) + "."
