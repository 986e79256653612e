"""What every benchmark shares: figures (one JSON line each), targets, timing and machine facts.

A figure is a measurement next to a baseline measured in the same run, and their ratio:
absolute times drift on a shared machine, ratios much less. Where the issue sets a target,
the figure carries it and an honest PASS or FAIL.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    """`value` (or the ratio, with on="ratio") must be at least / below `threshold`."""

    kind: Literal["min", "max"]
    threshold: float
    text: str
    on: Literal["value", "ratio"] = "value"

    def met(self, value: float, ratio: float | None) -> bool:
        measured = ratio if self.on == "ratio" else value
        if measured is None or math.isnan(measured):
            return False
        return measured >= self.threshold if self.kind == "min" else measured < self.threshold


@dataclass(frozen=True)
class Figure:
    bench: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None
    target: str = ""
    verdict: str = ""  # "PASS", "FAIL" or "" when the issue sets no target
    note: str = ""


@dataclass
class Report:
    """Collects the figures as they are printed, for the summary at the end."""

    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        bench: str,
        name: str,
        value: float,
        unit: str,
        *,
        baseline: float | None = None,
        baseline_name: str = "",
        ratio: float | None = None,
        target: Target | None = None,
        note: str = "",
    ) -> Figure:
        if ratio is None and baseline:
            ratio = value / baseline
        verdict = ""
        if target is not None:
            verdict = "PASS" if target.met(value, ratio) else "FAIL"
        figure = Figure(
            bench,
            name,
            _round(value),
            unit,
            None if baseline is None else _round(baseline),
            baseline_name,
            None if ratio is None else _round(ratio),
            target.text if target else "",
            verdict,
            note,
        )
        self.figures.append(figure)
        print(json.dumps(asdict(figure), ensure_ascii=False), flush=True)
        return figure

    def value(self, bench: str, name: str) -> float | None:
        """A figure measured earlier in this run, if it was."""
        for figure in self.figures:
            if (figure.bench, figure.name) == (bench, name):
                return figure.value
        return None

    def note(self, text: str) -> None:
        self.notes.append(text)
        progress(text)

    def summary(self) -> str:
        lines = ["", "=" * 100, "MUKTA Helpdesk benchmarks: summary", machine_line(), "=" * 100]
        current = ""
        for figure in self.figures:
            if figure.bench != current:
                current = figure.bench
                lines.append(f"\n[{current}]")
            value = f"{_fmt(figure.value)} {figure.unit}"
            base = ""
            if figure.baseline is not None:
                base = f"  vs {figure.baseline_name} {_fmt(figure.baseline)}"
            ratio = f"  ratio {figure.ratio:.3g}" if figure.ratio is not None else ""
            target = f"  target {figure.target}: {figure.verdict}" if figure.target else ""
            lines.append(f"  {figure.name:<34} {value:>18}{base}{ratio}{target}")
            if figure.note:
                lines.append(f"  {'':<34} ({figure.note})")
        passed = sum(f.verdict == "PASS" for f in self.figures)
        failed = [f for f in self.figures if f.verdict == "FAIL"]
        lines.append(f"\nTargets: {passed} PASS, {len(failed)} FAIL")
        for figure in failed:
            value = f"{_fmt(figure.value)} {figure.unit}"
            lines.append(f"  FAIL {figure.bench}: {figure.name} = {value} (target {figure.target})")
        if self.notes:
            lines.append("\nNotes:")
            lines += [f"  - {text}" for text in self.notes]
        return "\n".join(lines)


def _round(value: float) -> float:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return value
    digits = max(0, 4 - math.floor(math.log10(abs(value))))
    return round(value, digits)


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def progress(text: str) -> None:
    """Progress and remarks for the person watching (stderr, so stdout stays JSON lines)."""
    print(f"# {text}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0-1) percentile, nearest rank."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def rss_kib(field_name: str = "VmRSS") -> int:
    """This process's resident set (or VmHWM, its peak) from /proc/self/status, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    return 0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line() -> str:
    return (
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def busiest_second(times: Sequence[float]) -> int:
    """The most of `times` (seconds) within any one-second window."""
    ordered, most, first = sorted(times), 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most
