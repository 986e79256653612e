"""Bar and column charts drawn on the server as SVG: bars with their labels and values as
text, readable without scripts, with the same figures in a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.web.period import day_text

# Chart geometry, in the SVG's own units (the SVG scales to its card's width).
WIDTH = 360
PAD = 8
VALUE_WIDTH = 76
BAR_HEIGHT = 14
LABEL_CHARS = 50
FONT = 12


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
