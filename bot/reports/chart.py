"""The weekly chart: tickets per week over SLA response compliance per week, as a PNG."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

from bot.reports.weekly import Week

CHART_TITLE = "MUKTA helpdesk — weekly summary"


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
