"""The report as aligned text for a terminal (`mukta-helpdesk report` prints it)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.reports.figures import DIMENSION_TITLES, DIMENSIONS, Group, Report, Satisfaction

LABEL_WIDTH = 36
BAR_WIDTH = 40  # characters for the busiest day


def hours_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def percent_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def day_text(day: date) -> str:
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
        f"MUKTA helpdesk report: tickets created {day_text(report.first_day)} to "
        f"{day_text(report.last_day)} ({report.timezone}), as of {now:%a} "
        f"{day_text(now.date())}, {now:%H:%M}",
        "",
        f"Tickets created: {overall.volume}    Reopened: {report.reopened} "
        f"({percent_text(_share(report.reopen_rate))})",
        f"SLA response: met {compliance.met} of {compliance.decided} "
        f"({percent_text(compliance.percent)}); breached {compliance.breached}; "
        f"{compliance.open} still within time",
        f"First response (business hours): median {hours_text(overall.first_response.median)}, "
        f"90th percentile {hours_text(overall.first_response.p90)}",
        f"Resolution (business hours): median {hours_text(overall.resolution.median)}, "
        f"90th percentile {hours_text(overall.resolution.p90)} "
        f"({overall.resolution.count} resolved)",
        f"Satisfaction: {_csat_text(satisfaction)}",
        "",
    ]
    lines += _table(report)
    lines += ["", "Tickets created per day"]
    busiest = max((count for _, count in report.per_day), default=0)
    for day, count in report.per_day:
        bar = "#" * math.ceil(BAR_WIDTH * count / busiest) if count else ""
        lines.append(f"  {day:%a} {day_text(day):<12} {count:>4}  {bar}".rstrip())
    return "\n".join(lines) + "\n"


def _share(value: float | None) -> float | None:
    return None if value is None else 100 * value


def _csat_text(satisfaction: Satisfaction) -> str:
    if satisfaction.mean is None:
        return "no ratings yet"
    plural = "" if satisfaction.ratings == 1 else "s"
    return (
        f"{satisfaction.mean:.1f} / 5 from {satisfaction.ratings} rating{plural}, "
        f"{percent_text(_share(satisfaction.satisfied_share))} rated 4 or 5"
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
                        percent_text(group.compliance.percent),
                        hours_text(group.first_response.median),
                        hours_text(group.first_response.p90),
                        hours_text(group.resolution.median),
                        hours_text(group.resolution.p90),
                    ]
                )
            )
    return lines
