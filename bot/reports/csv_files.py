"""The report as CSV files for HUDD's spreadsheets: the summary by group, every ticket with its
SLA outcome, and every audit event."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.reports.figures import DIMENSIONS, Compliance, Report
from db.models import Ticket

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
