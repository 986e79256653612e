"""Reports for HUDD on both databases: SLA response compliance per team stint, business-hour
response and resolution times, volumes, reopen rate, satisfaction, the CSV files, the weekly
chart and caption, and `python -m bot report` as HUDD runs it.

The history is made through the real ticket service with the fixture's clock, which starts on
Friday 27 November 2026, 11:00 in Odisha. Office days are 10:00-17:30 (7.5 h) Monday to
Friday; P2 and P3 must be answered within 2 business days (15 h), P1 within 1 (7.5 h).

    MK-1001 P2 Jatni, wage bills, app error (reporter Ramesh)
        Fri 27 Nov 11:00 filed; 11:30 Anita (L1) takes it: L1 met, 0.5 h
        Fri 12:00 escalated to eGov technical, due Tue 1 Dec 12:00
        Tue 1 Dec 10:00 Kiran takes it: eGov technical met, 5.5 + 7.5 h = 13 h over the weekend
        Tue 13:00 resolved (17 business hours after filing), 13:30 closed; rated 5
    MK-1002 P3 Dhenkanal, projects, how-to (reporter Sita)
        Fri 27 Nov 15:00 filed, due Tue 1 Dec 15:00
        Wed 2 Dec 11:00 Anita's first comment: L1 breached, 2.5 + 7.5 + 7.5 + 1 = 18.5 h
        Wed 11:30 escalated to Master Trainers, due Fri 4 Dec 11:30; nobody answers: breached
    MK-1003 P2 Jatni, login, wrong result (reporter Ramesh)
        Mon 30 Nov 10:00 filed; 10:30 Anita takes it: L1 met, 0.5 h; 12:00 resolved
        Wed 2 Dec 14:00 reopened: L1 again, due Fri 4 Dec 14:00
        Thu 3 Dec 10:00 Anita comments: met, 3.5 h; 12:00 resolved (24.5 h after filing); rated 3
    MK-1004 Jatni, iFIX, suggestion (reporter Sita)
        Fri 4 Dec 16:00 filed and made P1: due Mon 7 Dec 16:00, nobody has answered

The reports are taken on Monday 7 December 2026 at 12:00, over 23 November to 6 December.
"""

from __future__ import annotations

import asyncio
import csv
import io
import struct
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.memory import MemoryChannel
from bot import reports
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.core.tickets import Done
from bot.helpdesk import Helpdesk
from bot.reports import Report, Week
from bot.settings import ROOT, Settings, environment_without_settings
from flows.commands import StaffAction, SubmitTicket
from flows.messages import Address
from tests.conftest import FixedClock

IST = ZoneInfo("Asia/Kolkata")
RAMESH = Address("memory", "ramesh")
SITA = Address("memory", "sita")
FIRST_DAY, LAST_DAY, END_DAY = date(2026, 11, 23), date(2026, 12, 6), date(2026, 12, 7)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ist(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=IST)


REPORT_TIME = ist(12, 7, 12)


def to(clock: FixedClock, moment: datetime) -> None:
    """Move the clock forward to an office-local moment."""
    assert moment >= clock.now, "the clock only moves forward"
    clock.now = moment.astimezone(UTC)


async def file(helpdesk: Helpdesk, reporter: Address, ulb: str, module: str, category: str) -> str:
    command = SubmitTicket(
        language="en",
        reporter_role="ulb_employee",
        reporter_name="Ramesh Sahu" if reporter == RAMESH else "Sita Das",
        ulb=ulb,
        module=module,
        category=category,
        description="Problem report",
    )
    async with helpdesk.unit_of_work() as uow:
        ticket = await helpdesk.dispatcher.service.create(uow, reporter, command, helpdesk.clock())
        await uow.commit()
    return ticket.number


async def act(
    helpdesk: Helpdesk, staff_key: str, number: str, action: str, value: str = "", note: str = ""
) -> None:
    staff = helpdesk.config.directory.staff_by_key(staff_key)
    assert staff is not None
    async with helpdesk.unit_of_work() as uow:
        outcome = await helpdesk.dispatcher.service.act(
            uow, staff, "console", StaffAction(number, action, value, note), helpdesk.clock()
        )
        await uow.commit()
    assert isinstance(outcome, Done), outcome


async def rate(helpdesk: Helpdesk, number: str, rating: int) -> None:
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        ticket.rating = rating
        await uow.commit()


async def make_history(helpdesk: Helpdesk, clock: FixedClock) -> None:
    """The two weeks told in the module's docstring."""
    to(clock, ist(11, 27, 11))
    a = await file(helpdesk, RAMESH, "jatni", "wage_bills", "app_error")
    to(clock, ist(11, 27, 11, 30))
    await act(helpdesk, "anita", a, "take")
    to(clock, ist(11, 27, 12))
    await act(helpdesk, "anita", a, "escalate", "auto")
    to(clock, ist(11, 27, 15))
    b = await file(helpdesk, SITA, "dhenkanal", "projects", "how_to")
    to(clock, ist(11, 30, 10))
    c = await file(helpdesk, RAMESH, "jatni", "login", "wrong_result")
    to(clock, ist(11, 30, 10, 30))
    await act(helpdesk, "anita", c, "take")
    to(clock, ist(11, 30, 12))
    await act(helpdesk, "anita", c, "resolve", note="Password reset")
    to(clock, ist(12, 1, 10))
    await act(helpdesk, "kiran", a, "take")
    to(clock, ist(12, 1, 13))
    await act(helpdesk, "kiran", a, "resolve", note="Bill re-submitted after the iFIX fix")
    to(clock, ist(12, 1, 13, 30))
    await act(helpdesk, "kiran", a, "close")
    to(clock, ist(12, 2, 11))
    await act(helpdesk, "anita", b, "comment", note="Asking a Master Trainer")
    to(clock, ist(12, 2, 11, 30))
    await act(helpdesk, "anita", b, "escalate", "auto")
    to(clock, ist(12, 2, 14))
    await act(helpdesk, "anita", c, "reopen", note="Still shows the old figures")
    to(clock, ist(12, 3, 10))
    await act(helpdesk, "anita", c, "comment", note="Checking the cache")
    to(clock, ist(12, 3, 12))
    await act(helpdesk, "anita", c, "resolve", note="Cache cleared")
    to(clock, ist(12, 4, 16))
    d = await file(helpdesk, SITA, "jatni", "ifix", "suggestion")
    await act(helpdesk, "anita", d, "priority", "P1")
    await rate(helpdesk, a, 5)
    await rate(helpdesk, c, 3)
    to(clock, REPORT_TIME)
    assert (a, b, c, d) == ("MK-1001", "MK-1002", "MK-1003", "MK-1004")


async def histories(
    helpdesk: Helpdesk, first: date = FIRST_DAY, end: date = END_DAY
) -> list[reports.TicketHistory]:
    async with helpdesk.unit_of_work() as uow:
        loaded = await reports.load_history(uow, helpdesk.config, first, end)
        await uow.commit()
    return loaded


async def report_at(helpdesk: Helpdesk, now: datetime = REPORT_TIME) -> Report:
    return reports.compute_report(
        await histories(helpdesk), helpdesk.config, FIRST_DAY, END_DAY, now
    )


def group(report: Report, dimension: str, key: str) -> reports.Group:
    return next(g for g in report.groups[dimension] if g.key == key)


def counts(found: reports.Group) -> tuple[int, int, int]:
    return found.compliance.met, found.compliance.breached, found.compliance.open


@pytest.fixture
async def history(helpdesk: Helpdesk, clock: FixedClock) -> Helpdesk:
    await make_history(helpdesk, clock)
    return helpdesk


# -- SLA response compliance ------------------------------------------------------------------


async def test_each_team_is_judged_on_its_own_stints(history: Helpdesk) -> None:
    report = await report_at(history)
    # L1: MK-1001 and MK-1003 twice on time, MK-1002 late, MK-1004 still within its day.
    assert counts(group(report, "team", "l1")) == (3, 1, 1)
    assert group(report, "team", "l1").compliance.percent == 75
    assert counts(group(report, "team", "egov_tech")) == (1, 0, 0)
    assert counts(group(report, "team", "master_trainers")) == (0, 1, 0)
    assert group(report, "team", "master_trainers").compliance.percent == 0
    assert [g.key for g in report.groups["team"]] == ["l1", "master_trainers", "egov_tech"]
    assert [g.label for g in report.groups["team"]] == [
        "L1 Helpdesk (HUDD)",
        "Master Trainers",
        "eGov technical team",
    ]
    # A team's volume is the tickets that reached it.
    assert [g.volume for g in report.groups["team"]] == [4, 1, 1]
    assert counts(report.overall) == (4, 2, 1)
    assert report.overall.compliance.percent == pytest.approx(66.666, abs=0.001)


async def test_compliance_by_priority_ulb_module_and_category(history: Helpdesk) -> None:
    report = await report_at(history)
    assert {g.key: counts(g) for g in report.groups["priority"]} == {
        "P1": (0, 0, 1),
        "P2": (4, 0, 0),
        "P3": (0, 2, 0),
    }
    assert group(report, "priority", "P1").compliance.percent is None  # nothing decided yet
    assert {g.label: counts(g) for g in report.groups["ulb"]} == {
        "Jatni Municipality": (4, 0, 1),
        "Dhenkanal Municipality": (0, 2, 0),
    }
    assert {g.key: (counts(g), g.volume) for g in report.groups["module"]} == {
        "projects": ((0, 2, 0), 1),
        "wage_bills": ((2, 0, 0), 1),
        "login": ((2, 0, 0), 1),
        "ifix": ((0, 0, 1), 1),
    }
    assert [g.key for g in report.groups["category"]] == [
        "how_to",
        "app_error",
        "wrong_result",
        "suggestion",
    ]


async def test_nobody_answering_is_breached_only_once_the_due_time_has_passed(
    history: Helpdesk,
) -> None:
    # MK-1004 (P1, filed Friday 16:00) is due Monday 16:00: 1.5 h Friday and 6 h Monday.
    def l1_of_mk1004(report: Report) -> reports.Stint:
        figures = next(f for f in report.tickets if f.ticket.number == "MK-1004")
        return figures.stints[0]

    for now, outcome in (
        (ist(12, 7, 12), "open"),
        (ist(12, 7, 16), "open"),  # exactly at the due time there is still time
        (ist(12, 7, 16, 1), "breached"),
    ):
        stint = l1_of_mk1004(await report_at(history, now))
        assert (stint.team, stint.due, stint.outcome) == ("l1", ist(12, 7, 16), outcome)
    later = await report_at(history, ist(12, 9, 10))
    assert counts(group(later, "team", "l1")) == (3, 2, 0)
    assert group(later, "priority", "P1").compliance.percent == 0


async def test_the_stints_of_an_escalated_and_a_reopened_ticket(history: Helpdesk) -> None:
    report = await report_at(history)
    by_number = {f.ticket.number: f for f in report.tickets}
    assert [
        (s.team, s.start, s.due, s.answered_at, s.answered_by, s.outcome)
        for s in by_number["MK-1001"].stints
    ] == [
        ("l1", ist(11, 27, 11), ist(12, 1, 11), ist(11, 27, 11, 30), "take", "met"),
        ("egov_tech", ist(11, 27, 12), ist(12, 1, 12), ist(12, 1, 10), "take", "met"),
    ]
    assert [(s.team, s.start, s.due, s.outcome) for s in by_number["MK-1003"].stints] == [
        ("l1", ist(11, 30, 10), ist(12, 1, 17, 30), "met"),
        ("l1", ist(12, 2, 14), ist(12, 4, 14), "met"),
    ]
    assert [(s.team, s.due, s.answered_at, s.outcome) for s in by_number["MK-1002"].stints] == [
        ("l1", ist(12, 1, 15), ist(12, 2, 11), "breached"),
        ("master_trainers", ist(12, 4, 11, 30), None, "breached"),
    ]
    assert [f.sla_outcome for f in report.tickets] == ["met", "breached", "met", "open"]


async def test_passing_a_ticket_on_in_time_counts_as_an_answer_late_does_not(
    helpdesk: Helpdesk, clock: FixedClock
) -> None:
    """L1 routes many tickets without taking them; the hand-off is L1's answer."""
    quick = await file(helpdesk, RAMESH, "jatni", "projects", "how_to")
    to(clock, ist(11, 27, 14))
    await act(helpdesk, "anita", quick, "escalate", "auto")
    slow = await file(helpdesk, SITA, "jatni", "projects", "how_to")
    to(clock, ist(12, 2, 10))  # due Tuesday 1 December 14:00
    await act(helpdesk, "anita", slow, "escalate", "auto")
    to(clock, ist(12, 2, 11))
    report = await report_at(helpdesk, clock.now)
    l1 = [f.stints[0] for f in report.tickets]
    assert [(s.answered_by, s.outcome) for s in l1] == [
        ("escalate", "met"),
        ("escalate", "breached"),
    ]
    assert [s.response_hours for s in l1] == [pytest.approx(3), pytest.approx(15 + 3.5)]
    # The Master Trainers' own clocks started at each hand-off: the first one ran out on
    # Tuesday 14:00, the second runs until Friday 10:00.
    assert counts(group(report, "team", "master_trainers")) == (0, 1, 1)


async def test_a_question_to_the_reporter_answers_and_not_solved_starts_a_new_stint(
    helpdesk: Helpdesk, clock: FixedClock
) -> None:
    number = await file(helpdesk, RAMESH, "jatni", "wage_bills", "app_error")
    service = helpdesk.dispatcher.service
    to(clock, ist(11, 27, 12))
    await act(helpdesk, "anita", number, "ask", note="Which bill number?")
    to(clock, ist(11, 30, 10))
    async with helpdesk.unit_of_work() as uow:
        await service.reply(uow, RAMESH, number, "Bill 42", clock.now)
        await uow.commit()
    to(clock, ist(11, 30, 11))
    await act(helpdesk, "anita", number, "resolve", note="Bill 42 re-submitted")
    to(clock, ist(11, 30, 12))
    async with helpdesk.unit_of_work() as uow:
        await service.confirm(uow, RAMESH, number, False, "Still stuck", clock.now)
        await uow.commit()
    for now, last in ((ist(12, 2, 12), "open"), (ist(12, 2, 12, 1), "breached")):
        report = await report_at(helpdesk, now)
        (figures,) = report.tickets
        assert [(s.start, s.answered_by, s.outcome) for s in figures.stints] == [
            (ist(11, 27, 11), "ask", "met"),
            (ist(11, 30, 12), "", last),  # the reporter's "not solved" reopened it to L1
        ]
        assert figures.stints[0].response_hours == pytest.approx(1)
        assert (report.reopened, report.reopen_rate) == (1, 1.0)


# -- times in business hours ------------------------------------------------------------------


async def test_response_and_resolution_times_are_in_business_hours(history: Helpdesk) -> None:
    report = await report_at(history)
    by_number = {f.ticket.number: f for f in report.tickets}
    # eGov technical had MK-1001 from Friday 12:00 to Tuesday 10:00: 94 hours on the wall
    # clock, 13 in the office (5.5 h Friday, 7.5 h Monday, the weekend not at all).
    assert by_number["MK-1001"].stints[1].response_hours == pytest.approx(13)
    assert by_number["MK-1001"].resolution_hours == pytest.approx(6.5 + 7.5 + 3)
    assert by_number["MK-1003"].resolution_hours == pytest.approx(7.5 * 3 + 2)
    assert [by_number[n].first_response_hours for n in sorted(by_number)] == [
        pytest.approx(0.5),
        pytest.approx(18.5),
        pytest.approx(0.5),
        None,
    ]
    # Stint answers: 0.5, 13, 18.5, 0.5, 3.5 h.
    overall = report.overall
    assert overall.first_response.count == 5
    assert overall.first_response.median == pytest.approx(3.5)
    assert overall.first_response.p90 == pytest.approx(13 + 0.6 * 5.5)
    # Resolutions: 17 and 24.5 h.
    assert overall.resolution.count == 2
    assert overall.resolution.median == pytest.approx(20.75)
    assert overall.resolution.p90 == pytest.approx(17 + 0.9 * 7.5)
    l1 = group(report, "team", "l1")
    assert l1.first_response.median == pytest.approx(2.0)
    assert l1.first_response.p90 == pytest.approx(3.5 + 0.7 * 15)
    assert (l1.resolution.count, l1.resolution.median) == (1, 24.5)
    egov = group(report, "team", "egov_tech")
    assert (egov.first_response.median, egov.first_response.p90) == (13, 13)
    assert (egov.resolution.median, egov.resolution.p90) == (17, 17)


def test_percentiles_interpolate_between_ranks() -> None:
    assert reports.percentile([], 0.5) is None
    assert reports.percentile([4.0], 0.9) == 4.0
    assert reports.percentile([3.0, 1.0, 2.0, 10.0], 0.5) == 2.5
    assert reports.percentile([float(n) for n in range(1, 11)], 0.9) == pytest.approx(9.1)


# -- volumes, reopen rate, satisfaction -------------------------------------------------------


async def test_volumes_reopen_rate_and_satisfaction(history: Helpdesk) -> None:
    report = await report_at(history)
    assert report.overall.volume == 4
    assert {day: count for day, count in report.per_day if count} == {
        date(2026, 11, 27): 2,
        date(2026, 11, 30): 1,
        date(2026, 12, 4): 1,
    }
    assert len(report.per_day) == 14
    assert (report.reopened, report.reopen_rate) == (1, 0.25)
    assert report.satisfaction == reports.Satisfaction(ratings=2, mean=4.0, satisfied_share=0.5)


async def test_only_tickets_created_in_the_range_are_counted(history: Helpdesk) -> None:
    # 30 November to 4 December in office-local days: MK-1003 and MK-1004.
    first, end = date(2026, 11, 30), date(2026, 12, 5)
    loaded = await histories(history, first, end)
    assert [h.ticket.number for h in loaded] == ["MK-1003", "MK-1004"]
    # Given more history than the range, the report still keeps to the range.
    report = reports.compute_report(
        await histories(history), history.config, first, end, REPORT_TIME
    )
    assert [f.ticket.number for f in report.tickets] == ["MK-1003", "MK-1004"]
    assert counts(report.overall) == (2, 0, 1)
    assert report.satisfaction.mean == 3


async def test_an_empty_range_reports_zeros_not_errors(history: Helpdesk) -> None:
    report = reports.compute_report(
        [], history.config, date(2026, 10, 1), date(2026, 11, 1), REPORT_TIME
    )
    assert (report.overall.volume, report.reopen_rate, report.overall.compliance.percent) == (
        0,
        None,
        None,
    )
    text = reports.render_text(report)
    assert "Tickets created: 0" in text
    assert "Satisfaction: no ratings yet" in text


# -- text and CSV -----------------------------------------------------------------------------


async def test_the_text_report_is_an_aligned_table_with_english_labels(
    history: Helpdesk,
) -> None:
    text = reports.render_text(await report_at(history))
    lines = text.splitlines()
    assert lines[0] == (
        "MUKTA helpdesk report: tickets created 23 Nov 2026 to 6 Dec 2026 (Asia/Kolkata), "
        "as of Mon 7 Dec 2026, 12:00"
    )
    assert "Tickets created: 4    Reopened: 1 (25%)" in lines
    assert "SLA response: met 4 of 6 (67%); breached 2; 1 still within time" in lines
    assert "Satisfaction: 4.0 / 5 from 2 ratings, 50% rated 4 or 5" in lines
    l1 = next(line for line in lines if line.startswith("  L1 Helpdesk (HUDD)"))
    assert l1.split()[3:] == ["4", "3", "1", "1", "75%", "2.0", "14.0", "24.5", "24.5"]
    header = next(line for line in lines if line.split()[:2] == ["Tickets", "Met"])
    # Every figure sits under its heading: the rows end where the header does.
    ends = {len(line) for line in lines if line.startswith("  ") and "%" in line}
    assert ends == {len(header)}
    assert "  Something works wrongly (wrong fi…   " in text  # long labels are cut
    assert "  Fri 27 Nov 2026     2  " + "#" * 40 in lines
    assert "  Mon 30 Nov 2026     1  " + "#" * 20 in lines
    assert "  Sat 28 Nov 2026     0" in lines


async def test_summary_csv_has_a_row_per_group(history: Helpdesk) -> None:
    out = io.StringIO()
    reports.write_summary_csv(await report_at(history), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(reports.SUMMARY_COLUMNS)
    assert rows[1] == [
        "overall",
        "all",
        "All tickets",
        "4",
        "2",
        "1",
        "66.7",
        "3.50",
        "16.30",
        "20.75",
        "23.75",
        "4",
    ]
    by_group = {(row[0], row[1]): row for row in rows[2:]}
    assert by_group["team", "l1"] == [
        "team",
        "l1",
        "L1 Helpdesk (HUDD)",
        "3",
        "1",
        "1",
        "75.0",
        "2.00",
        "14.00",
        "24.50",
        "24.50",
        "4",
    ]
    assert by_group["team", "master_trainers"][3:8] == ["0", "1", "0", "0.0", ""]
    assert by_group["priority", "P1"][3:7] == ["0", "0", "1", ""]
    assert by_group["ulb", "dhenkanal"][2:7] == ["Dhenkanal Municipality", "0", "2", "0", "0.0"]
    assert [row[0] for row in rows[1:]] == ["overall"] + ["team"] * 3 + ["priority"] * 3 + [
        "ulb"
    ] * 2 + ["module"] * 4 + ["category"] * 4


async def test_tickets_csv_has_every_field_and_the_sla_outcome(history: Helpdesk) -> None:
    out = io.StringIO()
    reports.write_tickets_csv(await report_at(history), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["number"] for row in rows] == ["MK-1001", "MK-1002", "MK-1003", "MK-1004"]
    a, b, c, d = rows
    assert (a["status"], a["priority"], a["ulb"], a["team"], a["rating"]) == (
        "closed",
        "P2",
        "jatni",
        "egov_tech",
        "5",
    )
    assert a["created_at"] == "2026-11-27T11:00:00+05:30"
    assert a["resolved_at"] == "2026-12-01T13:00:00+05:30"
    assert a["reporter_address"] == "memory:ramesh"
    assert (a["sla_outcome"], a["stints"]) == ("met", "l1 met 0.50h; egov_tech met 13.00h")
    assert (a["first_response_h"], a["resolution_h"]) == ("0.50", "17.00")
    assert (b["sla_outcome"], b["stints_met"], b["stints_breached"]) == ("breached", "0", "2")
    assert b["stints"] == "l1 breached 18.50h; master_trainers breached"
    assert (b["resolved_at"], b["resolution_h"], b["rating"]) == ("", "", "")
    assert (c["status"], c["reopen_count"], c["resolution_h"]) == ("resolved", "1", "24.50")
    assert (d["priority"], d["sla_outcome"], d["stints_open"]) == ("P1", "open", "1")
    assert list(rows[0]) == list(reports.ticket_columns())


async def test_events_csv_has_a_row_per_audit_event(history: Helpdesk) -> None:
    out = io.StringIO()
    reports.write_events_csv(await report_at(history), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(reports.EVENT_COLUMNS)
    mk1001 = [row for row in rows[1:] if row[0] == "MK-1001"]
    assert [row[1:7] for row in mk1001] == [
        ["2026-11-27T11:00:00+05:30", "memory:ramesh", "memory", "create", "", "new"],
        ["2026-11-27T11:30:00+05:30", "staff:anita", "console", "take", "new", "in_progress"],
        ["2026-11-27T12:00:00+05:30", "staff:anita", "console", "escalate", "in_progress",
         "escalated"],
        ["2026-12-01T10:00:00+05:30", "staff:kiran", "console", "take", "escalated",
         "in_progress"],
        ["2026-12-01T13:00:00+05:30", "staff:kiran", "console", "resolve", "in_progress",
         "resolved"],
        ["2026-12-01T13:30:00+05:30", "staff:kiran", "console", "close", "resolved", "closed"],
    ]  # fmt: skip
    assert mk1001[2][7] == '{"from": "l1", "to": "egov_tech"}'
    assert [row[4] for row in rows[1:] if row[0] == "MK-1003"] == [
        "create",
        "take",
        "resolve",
        "reopen",
        "comment",
        "resolve",
    ]
    assert len(rows) == 1 + 6 + 3 + 6 + 2


# -- the weekly summary -----------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_colours(data: bytes) -> tuple[set[tuple[int, ...]], set[tuple[int, ...]]]:
    """The colours in the top and bottom halves of the picture."""
    # Pillow comes with matplotlib, which uses it to write PNGs.
    from PIL import Image

    picture = Image.open(io.BytesIO(data)).convert("RGB")
    width, height = picture.size
    top = picture.crop((0, 0, width, height // 2))
    bottom = picture.crop((0, height // 2, width, height))

    def colours(half: Image.Image) -> set[tuple[int, ...]]:
        found = half.getcolors(width * height) or []
        return {colour for _, colour in found if isinstance(colour, tuple)}

    return colours(top), colours(bottom)


async def weeks_of(helpdesk: Helpdesk) -> list[Week]:
    async with helpdesk.unit_of_work() as uow:
        weeks = await reports.load_weeks(uow, helpdesk.config, REPORT_TIME)
        await uow.commit()
    return weeks


async def test_weekly_figures_are_the_last_complete_weeks(history: Helpdesk) -> None:
    weeks = await weeks_of(history)
    # On Monday 7 December the last complete week is 30 November to 6 December.
    assert [week.monday for week in weeks] == [
        date(2026, 10, 12),
        date(2026, 10, 19),
        date(2026, 10, 26),
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
        date(2026, 11, 30),
    ]
    assert [week.tickets for week in weeks] == [0, 0, 0, 0, 0, 0, 2, 2]
    assert [week.compliance.percent for week in weeks][-3:] == [None, 50, 100]
    assert weeks[-1].sunday == date(2026, 12, 6)


async def test_weekly_caption_gives_the_weeks_numbers_in_one_paragraph(
    history: Helpdesk,
) -> None:
    caption = reports.weekly_caption(await weeks_of(history))
    assert caption == (
        "Week of 30 Nov – 6 Dec 2026: 2 tickets created (week before: 2); "
        "SLA response met 2 of 2 (100%), week before 50%; 1 still within time; "
        "median first response 2.0 business hours; 1 resolved, median 24.5 business hours; "
        "1 reopened; satisfaction 3.0/5 from 1."
    )
    assert "\n" not in caption


async def test_weekly_chart_is_a_png_with_both_panels(history: Helpdesk) -> None:
    chart = reports.weekly_chart(await weeks_of(history))
    assert chart.startswith(PNG_SIGNATURE)
    assert png_size(chart) == (960, 1200)  # 6.4 x 8 inches at 150 dpi: a phone screen
    assert len(chart) > 30_000
    top, bottom = png_colours(chart)
    bars, line = (0x2F, 0x6D, 0xB5), (0xC0, 0x39, 0x2B)
    assert bars in top and bars not in bottom
    assert line in bottom and line not in top


# -- the command line -------------------------------------------------------------------------


def environment(**settings: str) -> dict[str, str]:
    """This environment without any helpdesk setting, plus the given ones."""
    return {**environment_without_settings(), "PYTHONUTF8": "1", **settings}


async def test_the_report_command_prints_the_table_and_writes_the_files(
    sqlite_url: str, config: HelpdeskConfig, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    desk = build(settings, senders={"memory": MemoryChannel()}, clock=clock, config=config)
    try:
        await make_history(desk, clock)
    finally:
        await desk.close()
    files = {name: tmp_path / "out" / name for name in ("summary.csv", "tickets.csv")}
    files |= {"events.csv": tmp_path / "out" / "events.csv", "chart.png": tmp_path / "chart.png"}
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "bot",
            "report",
            "--from",
            "2026-11-23",
            "--to",
            "2026-12-06",
            "--csv",
            str(files["summary.csv"]),
            "--tickets",
            str(files["tickets.csv"]),
            "--events",
            str(files["events.csv"]),
            "--chart",
            str(files["chart.png"]),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=environment(DATABASE_URL=sqlite_url),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    # The real clock decides whether unanswered stints are open or breached yet; what was
    # answered is fixed.
    assert "tickets created 23 Nov 2026 to 6 Dec 2026 (Asia/Kolkata)" in out
    assert "Tickets created: 4    Reopened: 1 (25%)" in out
    assert "Satisfaction: 4.0 / 5 from 2 ratings, 50% rated 4 or 5" in out
    egov = next(line for line in out.splitlines() if "eGov technical team" in line)
    assert egov.split()[3:] == ["1", "1", "0", "0", "100%", "13.0", "13.0", "17.0", "17.0"]
    for path in files.values():
        assert str(path) in out
    with files["summary.csv"].open(encoding="utf-8-sig", newline="") as summary:
        rows = {(row["dimension"], row["group"]): row for row in csv.DictReader(summary)}
    assert rows["team", "egov_tech"]["compliance_pct"] == "100.0"
    assert rows["priority", "P2"]["met"] == "4"
    with files["tickets.csv"].open(encoding="utf-8-sig", newline="") as tickets:
        assert [row["number"] for row in csv.DictReader(tickets)] == [
            "MK-1001",
            "MK-1002",
            "MK-1003",
            "MK-1004",
        ]
    events = files["events.csv"].read_text(encoding="utf-8-sig").splitlines()
    assert len(events) == 1 + 6 + 3 + 6 + 2
    assert files["summary.csv"].read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8
    chart = files["chart.png"].read_bytes()
    assert png_size(chart) == (960, 1200)
    assert len(chart) > 30_000
    assert "Caption: Week of 30 Nov – 6 Dec 2026: 2 tickets created" in out


def test_the_report_command_refuses_a_backwards_range(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--from", "2026-12-06", "--to", "2026-11-23"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=environment(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'none.db'}"),
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "--from 2026-12-06 is after --to 2026-11-23" in done.stderr
