"""Business time for the SLA clock: office hours on working days, skipping holidays.

The calendar here is fixed in the test (not read from the shipped file): Monday to Friday,
10:00-17:30 in Odisha (a 7.5-hour office day), public holidays of India/OD from the
`holidays` package plus a few Odisha state holidays given as extra holidays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.calendar import BusinessCalendar
from bot.core.config import load_config
from bot.settings import ROOT

IST = ZoneInfo("Asia/Kolkata")
OFFICE_DAY = timedelta(hours=7, minutes=30)
EXTRA_HOLIDAYS = (
    date(2026, 4, 1),  # Utkal Divas (Wednesday)
    date(2026, 9, 15),  # Nuakhai (Tuesday)
    date(2027, 1, 14),  # Makar Sankranti (Thursday)
)


def odisha_calendar(extra_holidays: tuple[date, ...] = EXTRA_HOLIDAYS) -> BusinessCalendar:
    return BusinessCalendar(
        timezone="Asia/Kolkata",
        workdays=range(5),
        opens=time(10, 0),
        closes=time(17, 30),
        country="IN",
        subdivision="OD",
        extra_holidays=extra_holidays,
    )


def ist(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IST)


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return odisha_calendar()


# (what the case is, start, business days, due) — every due time worked out by hand.
DUE_CASES = [
    ("mid-day, 1 day", ist(2026, 11, 25, 12), 1, ist(2026, 11, 26, 12)),
    ("mid-day, 2 days", ist(2026, 11, 25, 12), 2, ist(2026, 11, 27, 12)),
    # Before opening the whole office day is still ahead: due at that day's closing.
    ("before opening, 1 day", ist(2026, 11, 25, 8, 30), 1, ist(2026, 11, 25, 17, 30)),
    ("before opening, 2 days", ist(2026, 11, 25, 8, 30), 2, ist(2026, 11, 26, 17, 30)),
    ("exactly at opening, 1 day", ist(2026, 11, 25, 10), 1, ist(2026, 11, 25, 17, 30)),
    # After closing the clock starts at the next opening.
    ("after closing, 1 day", ist(2026, 11, 25, 19), 1, ist(2026, 11, 26, 17, 30)),
    ("after closing, 2 days", ist(2026, 11, 25, 19), 2, ist(2026, 11, 27, 17, 30)),
    ("exactly at closing, 1 day", ist(2026, 11, 25, 17, 30), 1, ist(2026, 11, 26, 17, 30)),
    # Friday 16:00: 1.5 h left on Friday, the other 6 h on Monday.
    ("Friday evening, 1 day", ist(2026, 11, 27, 16), 1, ist(2026, 11, 30, 16)),
    ("Friday evening, 2 days", ist(2026, 11, 27, 16), 2, ist(2026, 12, 1, 16)),
    ("Friday after closing, 1 day", ist(2026, 11, 27, 18), 1, ist(2026, 11, 30, 17, 30)),
    ("Saturday, 1 day", ist(2026, 11, 28, 12), 1, ist(2026, 11, 30, 17, 30)),
    # Monday 26 Jan 2026 is Republic Day: Friday's 1.5 h, then Tuesday.
    ("Friday before Republic Day, 1 day", ist(2026, 1, 23, 16), 1, ist(2026, 1, 27, 16)),
    ("Friday before Republic Day, 2 days", ist(2026, 1, 23, 16), 2, ist(2026, 1, 28, 16)),
    # Friday 25 Dec 2026 is Christmas: Thursday's 1.5 h, then Monday 28 Dec.
    ("Thursday before Christmas, 1 day", ist(2026, 12, 24, 16), 1, ist(2026, 12, 28, 16)),
    ("on Christmas Day, 1 day", ist(2026, 12, 25, 12), 1, ist(2026, 12, 28, 17, 30)),
    # Across the year end: 1 Jan 2027 (Friday) is a working day in Odisha.
    ("31 Dec, 1 day", ist(2026, 12, 31, 16), 1, ist(2027, 1, 1, 16)),
    ("31 Dec, 2 days", ist(2026, 12, 31, 16), 2, ist(2027, 1, 4, 16)),
    ("31 Dec 15:00, 2 days", ist(2026, 12, 31, 15), 2, ist(2027, 1, 4, 15)),
    # Tue 31 Mar 2026 Mahavira's Birthday, Wed 1 Apr Utkal Divas (extra), Fri 3 Apr Good Friday.
    ("Monday before Utkal Divas, 1 day", ist(2026, 3, 30, 16), 1, ist(2026, 4, 2, 16)),
    ("Monday before Utkal Divas, 2 days", ist(2026, 3, 30, 16), 2, ist(2026, 4, 6, 16)),
    # Extra holidays from the configuration: Nuakhai, Makar Sankranti.
    ("Monday before Nuakhai, 1 day", ist(2026, 9, 14, 12), 1, ist(2026, 9, 16, 12)),
    ("Wednesday before Makar Sankranti", ist(2027, 1, 13, 12), 1, ist(2027, 1, 15, 12)),
    # Half a day is 3 h 45 min of office time.
    ("Friday evening, half a day", ist(2026, 11, 27, 16), 0.5, ist(2026, 11, 30, 12, 15)),
]


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [case[1:] for case in DUE_CASES],
    ids=[case[0] for case in DUE_CASES],
)
def test_adding_business_days_gives_the_exact_due_time(
    calendar: BusinessCalendar, start: datetime, days: float, due: datetime
) -> None:
    result = calendar.add_business_days(start, days)
    assert result == due
    # Shown to people in Odisha's time, the wall clock reads the same.
    assert result.astimezone(IST).replace(tzinfo=None) == due.replace(tzinfo=None)


def test_start_given_in_utc_is_read_in_odisha_time(calendar: BusinessCalendar) -> None:
    # 05:30 UTC is 11:00 IST on Friday 27 Nov: 6.5 h Friday, 7.5 h Monday, 1 h Tuesday.
    assert calendar.add_business_days(datetime(2026, 11, 27, 5, 30, tzinfo=UTC), 2) == ist(
        2026, 12, 1, 11
    )
    # 19:00 UTC on Friday is already Saturday 00:30 in Odisha.
    assert calendar.add_business_days(datetime(2026, 11, 27, 19, 0, tzinfo=UTC), 1) == ist(
        2026, 11, 30, 17, 30
    )
    # 23:00 UTC on Thursday is Friday 04:30 in Odisha, before opening.
    assert calendar.add_business_days(datetime(2026, 11, 26, 23, 0, tzinfo=UTC), 1) == ist(
        2026, 11, 27, 17, 30
    )


def test_the_extra_holiday_is_what_moves_the_due_date() -> None:
    start = ist(2027, 1, 13, 12)
    without_extras = odisha_calendar(extra_holidays=())
    assert without_extras.add_business_days(start, 1) == ist(2027, 1, 14, 12)
    assert odisha_calendar().add_business_days(start, 1) == ist(2027, 1, 15, 12)


def test_working_days_and_holidays(calendar: BusinessCalendar) -> None:
    assert calendar.is_business_day(date(2026, 11, 27))  # Friday
    assert not calendar.is_business_day(date(2026, 11, 28))  # Saturday
    assert not calendar.is_business_day(date(2026, 11, 29))  # Sunday
    assert not calendar.is_business_day(date(2026, 12, 25))  # Christmas
    assert not calendar.is_business_day(date(2026, 1, 26))  # Republic Day
    assert not calendar.is_business_day(date(2026, 4, 1))  # Utkal Divas (extra)
    assert calendar.is_business_day(date(2027, 1, 1))
    assert not calendar.is_business_day(date(2026, 12, 25))  # Christmas
    assert calendar.is_business_day(date(2026, 11, 27))


def test_next_business_moment(calendar: BusinessCalendar) -> None:
    assert calendar.next_business_moment(ist(2026, 11, 27, 11)) == ist(2026, 11, 27, 11)
    assert calendar.next_business_moment(ist(2026, 11, 27, 9)) == ist(2026, 11, 27, 10)
    assert calendar.next_business_moment(ist(2026, 11, 27, 17, 30)) == ist(2026, 11, 30, 10)
    assert calendar.next_business_moment(ist(2026, 12, 24, 20)) == ist(2026, 12, 28, 10)


BETWEEN_CASES = [
    ("same day", ist(2026, 11, 25, 11), ist(2026, 11, 25, 15, 30), timedelta(hours=4, minutes=30)),
    (
        "over a weekend",
        ist(2026, 11, 27, 16),
        ist(2026, 11, 30, 12),
        timedelta(hours=3, minutes=30),
    ),
    ("before opening to after closing", ist(2026, 11, 25, 8), ist(2026, 11, 25, 20), OFFICE_DAY),
    ("over Christmas", ist(2026, 12, 24, 16), ist(2026, 12, 28, 16), OFFICE_DAY),
    ("over the year end", ist(2026, 12, 31, 10), ist(2027, 1, 4, 10), 2 * OFFICE_DAY),
    ("ends on a Saturday", ist(2026, 11, 27, 16), ist(2026, 11, 28, 12), timedelta(hours=1.5)),
    ("ends before opening", ist(2026, 11, 26, 16), ist(2026, 11, 27, 8), timedelta(hours=1.5)),
    ("a whole weekend", ist(2026, 11, 28, 9), ist(2026, 11, 29, 20), timedelta()),
    ("over Utkal Divas week", ist(2026, 3, 30, 10), ist(2026, 4, 6, 10), 2 * OFFICE_DAY),
    ("end before start", ist(2026, 11, 26, 12), ist(2026, 11, 25, 12), timedelta()),
]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [case[1:] for case in BETWEEN_CASES],
    ids=[case[0] for case in BETWEEN_CASES],
)
def test_business_time_between(
    calendar: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert calendar.business_time_between(start, end) == expected


@pytest.mark.parametrize("days", [1, 2, 0.5])
@pytest.mark.parametrize(
    "start",
    [
        ist(2026, 11, 25, 12),
        ist(2026, 11, 27, 16),
        ist(2026, 12, 24, 16),
        ist(2026, 12, 31, 15),
        ist(2026, 3, 30, 16),
    ],
    ids=["mid-week", "Friday evening", "before Christmas", "year end", "before Utkal Divas"],
)
def test_time_until_due_is_exactly_the_business_days(
    calendar: BusinessCalendar, start: datetime, days: float
) -> None:
    due = calendar.add_business_days(start, days)
    assert calendar.business_time_between(start, due) == OFFICE_DAY * days


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(time(17, 30), time(10, 0)), (time(10, 0), time(10, 0))],
    ids=["closes before opening", "closes when opening"],
)
def test_office_hours_must_close_after_opening(opens: time, closes: time) -> None:
    with pytest.raises(ValueError, match="office hours must close after they open"):
        BusinessCalendar("Asia/Kolkata", range(5), opens, closes)


def test_a_calendar_needs_working_days() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        BusinessCalendar("Asia/Kolkata", [], time(10, 0), time(17, 30))


def test_other_office_hours_change_the_day_length() -> None:
    short_days = BusinessCalendar(
        "Asia/Kolkata", range(6), time(9, 0), time(13, 0), extra_holidays=EXTRA_HOLIDAYS
    )
    # A 4-hour day, Saturday working: Friday 12:00 leaves 1 h Friday, 3 h on Saturday.
    assert short_days.add_business_days(ist(2026, 11, 27, 12), 1) == ist(2026, 11, 28, 12)


def test_the_shipped_2027_holidays_have_rath_yatra_and_nuakhai() -> None:
    """The `holidays` package has no Odisha-only days: the configuration lists them."""
    shipped = load_config(ROOT / "config" / "helpdesk.toml").calendar
    assert not shipped.is_business_day(date(2027, 7, 5))  # Rath Yatra, a Monday
    assert date(2027, 9, 5) in shipped.extra_holidays  # Nuakhai (a Sunday in 2027)
    assert shipped.is_business_day(date(2027, 7, 6))


def test_a_year_with_no_extra_holidays_listed_is_named() -> None:
    shipped = load_config(ROOT / "config" / "helpdesk.toml").calendar
    assert shipped.years_lacking_extra_holidays(date(2026, 12, 6)) == []
    only_2026 = odisha_calendar(tuple(d for d in shipped.extra_holidays if d.year == 2026))
    assert only_2026.years_lacking_extra_holidays(date(2026, 12, 6)) == [2027]
    assert only_2026.years_lacking_extra_holidays(date(2026, 9, 30)) == []  # not due yet
    assert only_2026.years_lacking_extra_holidays(date(2027, 2, 1)) == [2027]
