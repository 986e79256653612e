"""The period a dashboard shows: the days asked for, as India writes them, checked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_DAYS = 30
LONGEST_DAYS = 366
EARLIEST = date(2020, 1, 1)


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
