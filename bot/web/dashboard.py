"""The dashboard: charts of how the helpdesk did over a period, and the queue's tickets as CSV.

The figures are `bot.reports`' (SLA compliance per team stint, first response in business
hours), so the dashboard and HUDD's report always agree. The charts are SVG drawn on the
server: bars with their labels and values as text, readable without scripts, with the same
figures in a table. Team members see their own team's share only, as in the queue.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import reports
from bot.core.sla import sla_state
from bot.web import desk
from bot.web.console import PREFIX, SECURITY_HEADERS, Console, Visit
from bot.web.desk import QueueFilter
from db.models import Ticket
from flows.messages import Address

DEFAULT_DAYS = 30
LONGEST_DAYS = 366
EARLIEST = date(2020, 1, 1)
EXPORT_LIMIT = 10_000
OPEN_ROWS = 12  # bars in an "open now" chart; the rest are summed in one

# Chart geometry, in the SVG's own units (the SVG scales to its card's width).
WIDTH = 360
PAD = 8
VALUE_WIDTH = 76
BAR_HEIGHT = 14
LABEL_CHARS = 50
FONT = 12


# -- the period -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def end(self) -> date:
        return self.last + timedelta(days=1)


# A day as India writes it, day first (1/12/2026, 01-12-2026, 01.12.2026), or as ISO 8601
# (2026-12-01: older bookmarks and links).
DAY_FIRST = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def typed_day(text: str) -> date:
    """The day in `text`; ValueError if it is not one."""
    found = DAY_FIRST.fullmatch(text)
    if found:
        day, month, year = (int(part) for part in found.groups())
        return date(year, month, day)
    if ISO_DAY.fullmatch(text):
        return date.fromisoformat(text)
    raise ValueError(f"not a day: {text!r}")


def day_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def choose_period(params: Mapping[str, str], today: date) -> tuple[Period, str]:
    """The period asked for by `from` and `to` (both days included), or the last 30 days up
    to today with the key of the message saying what was wrong."""
    default = Period(today - timedelta(days=DEFAULT_DAYS - 1), today)
    first_text, last_text = params.get("from", "").strip(), params.get("to", "").strip()
    if not first_text and not last_text:
        return default, ""
    try:
        last = typed_day(last_text) if last_text else today
        first = typed_day(first_text) if first_text else last - timedelta(days=DEFAULT_DAYS - 1)
    except (ValueError, OverflowError):  # OverflowError: 30 days before 0001-01-29
        return default, "dash_bad_date"
    if first < EARLIEST or last < EARLIEST:
        return default, "dash_bad_date"
    if last > today:
        return default, "dash_future"
    if first > last:
        return default, "dash_bad_order"
    if (last - first).days >= LONGEST_DAYS:
        return default, "dash_too_long"
    return Period(first, last), ""


# -- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    css: str = "chart-value"


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]
    link: str = ""  # where the first cell leads (the queue, filtered)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    height: float
    bars: tuple[Bar, ...]
    texts: tuple[Text, ...]
    head: tuple[str, ...]
    table: tuple[TableRow, ...]
    legend: tuple[tuple[str, str], ...] = ()  # (CSS class, name)
    note: str = ""
    width: int = WIDTH


@dataclass(frozen=True)
class Line:
    """One label of a bar chart with one value per series (None: nothing to measure)."""

    label: str
    values: tuple[float | None, ...]
    texts: tuple[str, ...]
    css: tuple[str, ...]
    cells: tuple[str, ...]
    link: str = ""


def _fit(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def bar_chart(
    key: str,
    title: str,
    lines: Sequence[Line],
    scale: float,
    head: tuple[str, ...],
    legend: tuple[tuple[str, str], ...] = (),
    note: str = "",
) -> Chart:
    """Horizontal bars: the label over them (room for long ULB names, also in Odia), a bar
    per series, each bar's value as text after it."""
    series = max((len(line.values) for line in lines), default=1)
    step = BAR_HEIGHT + 3
    row_height = FONT + 4 + series * step + 8
    area = WIDTH - 2 * PAD - VALUE_WIDTH
    bars: list[Bar] = []
    texts: list[Text] = []
    for index, line in enumerate(lines):
        top = PAD + index * row_height
        texts.append(Text(PAD, top + FONT, _fit(line.label), "start", "chart-label"))
        for number, (value, text, css) in enumerate(
            zip(line.values, line.texts, line.css, strict=True)
        ):
            y = top + FONT + 4 + number * step
            width = max(2.0, area * value / scale) if value and scale else 0.0
            bars.append(Bar(PAD, y, round(width, 1), BAR_HEIGHT, css, f"{line.label}: {text}"))
            texts.append(Text(round(PAD + width + 5, 1), y + BAR_HEIGHT - 3, text))
    return Chart(
        key=key,
        title=title,
        height=2 * PAD + len(lines) * row_height,
        bars=tuple(bars),
        texts=tuple(texts),
        head=head,
        table=tuple(TableRow((line.label, *line.cells), line.link) for line in lines),
        legend=legend,
        note=note,
    )


def day_chart(
    key: str, title: str, days: Sequence[tuple[date, int]], head: tuple[str, ...]
) -> Chart:
    """Columns, one per day, with the count over each (when there is room) and every few
    days' date under them."""
    plot_top, plot_height = PAD + FONT + 2, 150.0
    slot = (WIDTH - 2 * PAD) / max(len(days), 1)
    busiest = max((count for _, count in days), default=0) or 1
    every = -(-len(days) // 8)  # about eight dates along the bottom
    bars: list[Bar] = []
    texts: list[Text] = []
    baseline = plot_top + plot_height
    for index, (day, count) in enumerate(days):
        name = f"{day.day}/{day.month}"
        x = PAD + index * slot + slot * 0.15
        height = plot_height * count / busiest
        centre = round(x + slot * 0.35, 1)
        bars.append(
            Bar(
                round(x, 1),
                round(baseline - height, 1),
                round(slot * 0.7, 1),
                round(height, 1),
                "c-main",
                f"{day_text(day)}: {count}",
            )
        )
        if count and len(days) <= 45:
            texts.append(Text(centre, round(baseline - height - 3, 1), str(count), "middle"))
        if index % every == 0:
            texts.append(Text(centre, baseline + FONT + 3, name, "middle", "chart-axis"))
    bars.append(Bar(PAD, baseline, WIDTH - 2 * PAD, 1, "c-axis", ""))
    return Chart(
        key=key,
        title=title,
        height=baseline + FONT + 8,
        bars=tuple(bars),
        texts=tuple(texts),
        head=head,
        table=tuple(TableRow((day_text(day), str(count))) for day, count in days),
    )


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


# -- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "ticket",
    "status",
    "priority",
    "type",
    "sla",
    "team",
    "assignee",
    "ulb",
    "module",
    "category",
    "reporter",
    "channel",
    "source",
    "created",
    "response_due",
    "first_response",
    "resolved",
    "jira",
    "description",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """A cell Excel will not run as a formula (CSV injection): a leading = + - @ is quoted."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def ticket_row(ticket: Ticket, visit: Visit, now: datetime) -> list[str]:
    zone = ZoneInfo(visit.console.helpdesk.config.timezone)
    label = visit.console.label
    language = visit.language

    def word(prefix: str, value: str) -> str:
        text = visit.t(f"{prefix}{value}")
        return value if text == f"{prefix}{value}" else text

    def moment(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(zone).isoformat(timespec="seconds")

    return [
        ticket.number,
        word("status_", ticket.status),
        ticket.priority,
        word("type_", ticket.ticket_type or "unset"),
        word("sla_", state) if (state := sla_state(ticket, now)) else "",
        label("team", ticket.team, language),
        ticket.assignee_name,
        label("ulb", ticket.ulb, language),
        label("module", ticket.module, language),
        label("category", ticket.category, language),
        ticket.reporter_name,
        word("channel_", Address.parse(ticket.reporter_address).channel),
        word("source_", ticket.source),
        moment(ticket.created_at),
        moment(ticket.response_due_at),
        moment(ticket.first_response_at),
        moment(ticket.resolved_at),
        ticket.jira_key,
        ticket.description,
    ]


def tickets_csv(tickets: Sequence[Ticket], visit: Visit, now: datetime) -> bytes:
    """UTF-8 with a byte order mark, so that Excel shows Odia text as it is."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([visit.t(f"csv_{column}") for column in CSV_COLUMNS])
    for ticket in tickets:
        writer.writerow([csv_safe(cell) for cell in ticket_row(ticket, visit, now)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- the pages --------------------------------------------------------------------------------


def dashboard_routes(console: Console) -> list[BaseRoute]:
    helpdesk = console.helpdesk

    def own_team(visit: Visit) -> str:
        """The team whose figures the account sees, or "" for every team's."""
        staff = visit.staff
        return "" if staff.sees_every_team else staff.team

    @console.page()
    async def dashboard(request: Request, visit: Visit) -> Response:
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

        def team_name(key: str) -> str:
            return console.label("team", key, language)

        def same(key: str) -> str:
            return key

        period_charts = [
            day_chart(
                "per-day", t("dash_per_day"), report.per_day, (t("dash_day"), t("dash_tickets"))
            ),
            compliance_chart(
                visit, "sla-team", t("dash_sla_team"), report.groups["team"], t("f_team"), team_name
            ),
            compliance_chart(
                visit,
                "sla-priority",
                t("dash_sla_priority"),
                report.groups["priority"],
                t("f_priority"),
                same,
            ),
            response_chart(
                visit,
                "response-team",
                t("dash_response_team"),
                report.groups["team"],
                t("f_team"),
                team_name,
            ),
            response_chart(
                visit,
                "response-priority",
                t("dash_response_priority"),
                report.groups["priority"],
                t("f_priority"),
                same,
            ),
        ]
        open_charts = [
            count_chart(visit, "open-ulb", t("dash_open_ulb"), by_ulb, t("f_ulb"), "ulb"),
            count_chart(
                visit, "open-module", t("dash_open_module"), by_module, t("f_module"), "module"
            ),
        ]
        return console.html(
            "dashboard.html",
            language,
            visit,
            status_code=400 if error else 200,
            error=error,
            period=period,
            asked_from=request.query_params.get("from", "")[:20]
            if error
            else day_text(period.first),
            asked_to=request.query_params.get("to", "")[:20] if error else day_text(period.last),
            day_text=day_text,
            team=team_name(team) if team else "",
            report=report,
            open_now=sum(count for _, count in by_ulb),
            period_charts=period_charts,
            open_charts=open_charts,
            percent_text=percent_text,
        )

    @console.page()
    async def export(request: Request, visit: Visit) -> Response:
        """The queue's tickets for its filter (own team only for members), as CSV."""
        chosen = QueueFilter.asked(
            request.query_params, console.directory, visit.signed_in.account.key, visit.staff
        )
        now = console.now()
        async with helpdesk.unit_of_work().read_only() as uow:
            tickets = await desk.queue(uow.session, chosen, now, limit=EXPORT_LIMIT)
            body = tickets_csv(tickets, visit, now)
        day = reports.local_day(helpdesk.config, now).isoformat()
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": f'attachment; filename="mukta-tickets-{day}.csv"',
            },
        )

    return [
        Route("/dashboard", dashboard, methods=["GET"]),
        Route("/export.csv", export, methods=["GET"]),
    ]
