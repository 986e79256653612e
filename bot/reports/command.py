"""`mukta-helpdesk report`: print the report for a range of days and write the files asked for.

The entry point (`bot.__main__`) builds the helpdesk and hands over what the report reads:
the configuration, the time and units of work on its database."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.core.config import HelpdeskConfig
from bot.reports.chart import weekly_chart
from bot.reports.compute import compute_report
from bot.reports.csv_files import write_events_csv, write_summary_csv, write_tickets_csv
from bot.reports.figures import Report
from bot.reports.history import load_history, local_day
from bot.reports.terminal import render_text
from bot.reports.weekly import week_days, weekly_caption, weekly_figures
from db.uow import UnitOfWork


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
    units: Callable[[], UnitOfWork],
    config: HelpdeskConfig,
    now: datetime,
    first_day: date | None,
    last_day: date | None,
    files: ReportFiles,
    out: TextIO,
) -> int:
    """`python -m bot report`: print the report, write the files asked for.

    Days are office-local and both ends are included; the default is the last 30 days up to
    today. The chart covers the 8 weeks up to the one holding the last day.
    """
    last_day = last_day or local_day(config, now)
    first_day = first_day or last_day - timedelta(days=29)
    if first_day > last_day:
        print(f"--from {first_day} is after --to {last_day}", file=sys.stderr)
        return 2
    end_day = last_day + timedelta(days=1)
    chart_first, chart_end = week_days(last_day)
    load_first = min(first_day, chart_first) if files.chart else first_day
    load_end = max(end_day, chart_end) if files.chart else end_day
    async with units().read_only() as uow:
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
