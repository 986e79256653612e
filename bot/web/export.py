"""The queue's tickets as CSV, for the queue's filter (own team only for team members)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import reports
from bot.core.sla import sla_state
from bot.web import desk
from bot.web.console import SECURITY_HEADERS, Visit, page
from bot.web.desk import QueueFilter
from db.models import Ticket
from flows.messages import Address

EXPORT_LIMIT = 10_000
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


@page()
async def export(request: Request, visit: Visit) -> Response:
    """The queue's tickets for its filter (own team only for members), as CSV."""
    console = visit.console
    chosen = QueueFilter.asked(
        request.query_params, console.directory, visit.signed_in.account.key, visit.staff
    )
    now = console.now()
    async with console.helpdesk.unit_of_work().read_only() as uow:
        tickets = await desk.queue(uow.session, chosen, now, limit=EXPORT_LIMIT)
        body = tickets_csv(tickets, visit, now)
    day = reports.local_day(console.helpdesk.config, now).isoformat()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="mukta-tickets-{day}.csv"',
        },
    )


ROUTES: list[BaseRoute] = [
    Route("/export.csv", export, methods=["GET"]),
]
