"""Business time: office hours on working days, skipping public and state holidays."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

NEXT_YEAR_FROM_MONTH = 10  # when the next year's state holidays are due in the configuration


class BusinessCalendar:
    """Adds business days the way the SLA counts them: only office hours on working days.

    "One business day" is one full office day of working time, so a ticket that reaches a
    team at 3 pm on Friday is due at 3 pm on the next working day.
    """

    def __init__(
        self,
        timezone: str,
        workdays: Iterable[int],
        opens: time,
        closes: time,
        country: str = "IN",
        subdivision: str | None = "OD",
        extra_holidays: Iterable[date] = (),
    ) -> None:
        if closes <= opens:
            raise ValueError("office hours must close after they open")
        self.zone = ZoneInfo(timezone)
        self.workdays = frozenset(workdays)
        if not self.workdays:
            raise ValueError("at least one working day is needed")
        self.opens, self.closes = opens, closes
        self.public_holidays = holidays.country_holidays(country, subdiv=subdivision)
        self.extra_holidays = frozenset(extra_holidays)
        self.day_length = datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
        self._business_days: dict[date, bool] = {}

    def years_lacking_extra_holidays(self, today: date) -> list[int]:
        """This year, and from October on the next (the state notifies its holidays late in
        the year), if no extra holiday is listed for it: the SLA clock would count the state
        holidays the `holidays` package lacks as working days."""
        years = [today.year] + ([today.year + 1] if today.month >= NEXT_YEAR_FROM_MONTH else [])
        listed = {day.year for day in self.extra_holidays}
        return [year for year in years if year not in listed]

    def is_business_day(self, day: date) -> bool:
        # Asked several times for each ticket filed (its due times), mostly of the same few
        # days; asking the holiday calendar costs ten times asking a dict.
        known = self._business_days.get(day)
        if known is None:
            known = self._business_days[day] = (
                day.weekday() in self.workdays
                and day not in self.extra_holidays
                and day not in self.public_holidays
            )
        return known

    def _open_at(self, day: date) -> datetime:
        return datetime.combine(day, self.opens, self.zone)

    def _close_at(self, day: date) -> datetime:
        return datetime.combine(day, self.closes, self.zone)

    def next_business_moment(self, moment: datetime) -> datetime:
        """The moment itself if the office is open then, else the next opening."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_business_day(day) and local < self._close_at(day):
            return max(local, self._open_at(day))
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return self._open_at(day)

    def add_business_days(self, start: datetime, days: float) -> datetime:
        remaining = self.day_length * days
        cursor = self.next_business_moment(start)
        while True:
            available = self._close_at(cursor.date()) - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
            cursor = self.next_business_moment(self._close_at(cursor.date()))

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time between two moments (for reports and SLA shares)."""
        total = timedelta()
        cursor = self.next_business_moment(start)
        end = end.astimezone(self.zone)
        while cursor < end:
            close = self._close_at(cursor.date())
            total += min(close, end) - cursor
            cursor = self.next_business_moment(close)
        return total
