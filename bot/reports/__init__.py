"""Reports for HUDD: SLA response compliance, response and resolution times, volumes, reopen
rate and satisfaction, over the tickets created in a range of office-local days.

The figures are computed from the audit trail (`ticket_events`), not from the ticket's
current SLA fields: those hold only the latest team's clock, while HUDD asks how every team
did with every ticket that reached it. docs/reports.md explains each figure.

    history.py    loading tickets and their trails (the only part that touches the database)
    figures.py    what a report is made of: stints, compliance, groups, the report
    compute.py    the figures replayed from the trail; one team's share
    terminal.py   the report as text for a terminal
    csv_files.py  the report as CSV files
    weekly.py     the last weeks' figures and the weekly caption
    chart.py      the weekly chart (matplotlib, imported only when a chart is drawn)
    command.py    `mukta-helpdesk report`

Everything but loading is a pure function of the loaded history, the configuration and `now`.
"""

from bot.reports.chart import CHART_TITLE, weekly_chart
from bot.reports.command import ReportFiles, run_report
from bot.reports.compute import compute_report, for_team, label, stints_of, ticket_figures
from bot.reports.csv_files import (
    EVENT_COLUMNS,
    SUMMARY_COLUMNS,
    ticket_columns,
    write_events_csv,
    write_summary_csv,
    write_tickets_csv,
)
from bot.reports.figures import (
    BREACHED,
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
    percentile,
)
from bot.reports.history import TicketHistory, day_start, load_history, local_day
from bot.reports.terminal import render_text
from bot.reports.weekly import (
    WEEKS,
    Week,
    last_full_day,
    load_weeks,
    week_days,
    weekly_caption,
    weekly_figures,
)

__all__ = [
    "BREACHED",
    "CHART_TITLE",
    "DIMENSIONS",
    "EVENT_COLUMNS",
    "MET",
    "OPEN",
    "SUMMARY_COLUMNS",
    "WEEKS",
    "Compliance",
    "Group",
    "Report",
    "ReportFiles",
    "Satisfaction",
    "Spread",
    "Stint",
    "TicketFigures",
    "TicketHistory",
    "Week",
    "compute_report",
    "day_start",
    "for_team",
    "label",
    "last_full_day",
    "load_history",
    "load_weeks",
    "local_day",
    "percentile",
    "render_text",
    "run_report",
    "stints_of",
    "ticket_columns",
    "ticket_figures",
    "week_days",
    "weekly_caption",
    "weekly_chart",
    "weekly_figures",
    "write_events_csv",
    "write_summary_csv",
    "write_tickets_csv",
]
