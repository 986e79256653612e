"""The dashboard: charts of how the helpdesk did over a period, and of the tickets open now.

The figures are `bot.reports`' (SLA compliance per team stint, first response in business
hours), so the dashboard and HUDD's report always agree. The charts are SVG drawn on the
server (`bot.web.charts`). Team members see their own team's share only, as in the queue.
The queue's tickets as CSV are `bot.web.export`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import reports
from bot.web.charts import Chart, Line, bar_chart, day_chart
from bot.web.console import PREFIX, Visit, page
from bot.web.desk import QueueFilter
from bot.web.period import choose_period, day_text
from db.models import Ticket

OPEN_ROWS = 12  # bars in an "open now" chart; the rest are summed in one


# -- the dashboard's figures ------------------------------------------------------------------


def percent_text(compliance: reports.Compliance) -> str:
    if compliance.percent is None:
        return "–"
    return f"{compliance.percent:.0f}% ({compliance.met}/{compliance.decided})"


def compliance_css(percent: float | None) -> str:
    if percent is None or percent >= 90:
        return "c-good"
    return "c-warn" if percent >= 75 else "c-bad"


def compliance_chart(
    visit: Visit,
    key: str,
    title: str,
    groups: Sequence[reports.Group],
    head: str,
    name: Callable[[str], str],
) -> Chart:
    lines = [
        Line(
            label=name(group.key),
            values=(group.compliance.percent,),
            texts=(percent_text(group.compliance),),
            css=(compliance_css(group.compliance.percent),),
            cells=(
                str(group.compliance.met),
                str(group.compliance.breached),
                str(group.compliance.open),
                percent_text(group.compliance),
            ),
        )
        for group in groups
    ]
    columns = ("dash_met", "dash_breached", "dash_within_time", "dash_compliance")
    return bar_chart(
        key,
        title,
        lines,
        100,
        (head, *(visit.t(column) for column in columns)),
        note=visit.t("dash_sla_note"),
    )


def response_chart(
    visit: Visit,
    key: str,
    title: str,
    groups: Sequence[reports.Group],
    head: str,
    name: Callable[[str], str],
) -> Chart:
    def hours(value: float | None) -> str:
        return "–" if value is None else visit.t("dash_hours", value=f"{value:.1f}")

    lines = [
        Line(
            label=name(group.key),
            values=(group.first_response.median, group.first_response.p90),
            texts=(hours(group.first_response.median), hours(group.first_response.p90)),
            css=("c-main", "c-light"),
            cells=(
                str(group.first_response.count),
                hours(group.first_response.median),
                hours(group.first_response.p90),
            ),
        )
        for group in groups
    ]
    longest = max((group.first_response.p90 or 0 for group in groups), default=0)
    median, p90 = visit.t("dash_median"), visit.t("dash_p90")
    return bar_chart(
        key,
        title,
        lines,
        longest,
        (head, visit.t("dash_answered"), median, p90),
        legend=(("c-main", median), ("c-light", p90)),
    )


def count_chart(
    visit: Visit, key: str, title: str, counts: Sequence[tuple[str, int]], head: str, kind: str
) -> Chart:
    """Open tickets per ULB or module, the most first; the smallest summed in one bar."""
    ordered = sorted(counts, key=lambda item: -item[1])
    shown, rest = ordered[:OPEN_ROWS], ordered[OPEN_ROWS:]
    lines = [
        Line(
            label=visit.console.label(kind, item, visit.language),
            values=(count,),
            texts=(str(count),),
            css=("c-main",),
            cells=(str(count),),
            link=f"{PREFIX}/?{QueueFilter().query_string(**{kind: item})}",
        )
        for item, count in shown
    ]
    if rest:
        total = sum(count for _, count in rest)
        label = visit.t("dash_others", count=len(rest))
        lines.append(Line(label, (total,), (str(total),), ("c-light",), (str(total),)))
    busiest = max((line.values[0] or 0 for line in lines), default=0)
    return bar_chart(key, title, lines, busiest, (head, visit.t("dash_tickets")))


async def open_counts(session: AsyncSession, kind: str, team: str) -> list[tuple[str, int]]:
    """Open tickets now per ULB or module, of one team's queue or (team "") of all."""
    column = getattr(Ticket, kind)
    query = (
        QueueFilter(team=team)
        .statement()
        .with_only_columns(column, func.count(Ticket.id))
        .group_by(column)
    )
    return [(str(key), int(count)) for key, count in (await session.execute(query)).all()]


# -- the page ---------------------------------------------------------------------------------


def own_team(visit: Visit) -> str:
    """The team whose figures the account sees, or "" for every team's."""
    staff = visit.staff
    return "" if staff.sees_every_team else staff.team


def period_charts(visit: Visit, report: reports.Report) -> list[Chart]:
    """The charts of the period: tickets per day, SLA compliance and first response."""
    t, language = visit.t, visit.language

    def team_name(key: str) -> str:
        return visit.console.label("team", key, language)

    def same(key: str) -> str:
        return key

    teams, priorities = report.groups["team"], report.groups["priority"]
    return [
        day_chart("per-day", t("dash_per_day"), report.per_day, (t("dash_day"), t("dash_tickets"))),
        compliance_chart(visit, "sla-team", t("dash_sla_team"), teams, t("f_team"), team_name),
        compliance_chart(
            visit, "sla-priority", t("dash_sla_priority"), priorities, t("f_priority"), same
        ),
        response_chart(
            visit, "response-team", t("dash_response_team"), teams, t("f_team"), team_name
        ),
        response_chart(
            visit,
            "response-priority",
            t("dash_response_priority"),
            priorities,
            t("f_priority"),
            same,
        ),
    ]


@page()
async def dashboard(request: Request, visit: Visit) -> Response:
    console = visit.console
    helpdesk = console.helpdesk
    config, now = helpdesk.config, console.now()
    period, error = choose_period(request.query_params, reports.local_day(config, now))
    team = own_team(visit)
    async with helpdesk.unit_of_work().read_only() as uow:
        histories = await reports.load_history(uow, config, period.first, period.end)
        by_ulb = await open_counts(uow.session, "ulb", team)
        by_module = await open_counts(uow.session, "module", team)
    if team:
        report = reports.for_team(histories, config, period.first, period.end, now, team)
    else:
        report = reports.compute_report(histories, config, period.first, period.end, now)
    t, language = visit.t, visit.language
    open_charts = [
        count_chart(visit, "open-ulb", t("dash_open_ulb"), by_ulb, t("f_ulb"), "ulb"),
        count_chart(
            visit, "open-module", t("dash_open_module"), by_module, t("f_module"), "module"
        ),
    ]
    asked = request.query_params
    return console.html(
        "dashboard.html",
        language,
        visit,
        status_code=400 if error else 200,
        error=error,
        period=period,
        asked_from=asked.get("from", "")[:20] if error else day_text(period.first),
        asked_to=asked.get("to", "")[:20] if error else day_text(period.last),
        day_text=day_text,
        team=console.label("team", team, language) if team else "",
        report=report,
        open_now=sum(count for _, count in by_ulb),
        period_charts=period_charts(visit, report),
        open_charts=open_charts,
        percent_text=percent_text,
    )


ROUTES: list[BaseRoute] = [
    Route("/dashboard", dashboard, methods=["GET"]),
]
