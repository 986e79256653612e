"""The dashboard and the CSV export, over HTTP through the real app on both databases.

The clock starts on Friday 27 November 2026, 11:00 in Odisha. Office days are 10:00-17:30;
P2 and P3 must be answered within 2 business days.

    MK-1001 P2 by chat, Jatni, wage bills
        Fri 11:00 filed; 11:30 Anita (L1) takes it: L1 in time, 0.5 h
        Fri 12:00 escalated to eGov technical; Mon 30 Nov 10:00 Kiran takes it: in time, 5.5 h
    MK-1002 P3 logged by Anita for a caller, Dhenkanal, projects
        Fri 12:00 logged, due Tue 1 Dec 12:00
        Wed 2 Dec 11:00 Anita comments: L1 late, 5.5 + 7.5 + 7.5 + 1 = 21.5 h
    MK-1003 P2 by chat, Jatni, wage bills, a description that looks like a formula
        Mon 30 Nov 10:30 filed; 11:00 Anita takes it: L1 in time, 0.5 h; 11:30 resolved

The pages are read on Wednesday 2 December 2026 at 11:00.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from adapters.memory import MemoryChannel
from bot.helpdesk import Helpdesk
from bot.web.period import choose_period
from tests.conftest import FixedClock
from tests.support import Person, file_ticket
from tests.web_support import ConsoleClient, console_client, make_account

SVG = "{http://www.w3.org/2000/svg}"
FORMULA = "=SUM(1+1) wage bill page shows error"
CALLER = "ସୀତା ଦାସ"
HEADER = [
    "Ticket",
    "Status",
    "Priority",
    "Type",
    "SLA state",
    "Team",
    "Assignee",
    "ULB",
    "Module",
    "Category",
    "Reporter name",
    "Channel",
    "Source",
    "Created",
    "Response due",
    "First response",
    "Resolved",
    "JIRA key",
    "Description",
]


async def acted(browser: ConsoleClient, number: str, action: str, **fields: str) -> None:
    answer = await browser.act(number, action, **fields)
    assert answer.status_code == 303, answer.text


async def make_history(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock, browser: ConsoleClient
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    await make_account(helpdesk, "kiran", "member", "egov_tech")
    await browser.sign_in("anita")
    first = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    clock.advance(minutes=30)
    await acted(browser, first, "take")
    clock.advance(minutes=30)
    await acted(browser, first, "escalate", value="auto")
    logged = await browser.post(
        "/console/tickets/new",
        {
            "source": "phone",
            "contact": "+91 98765 43210",
            "updates_by": "",
            "reporter_role": "ulb_employee",
            "reporter_name": CALLER,
            "language": "or",
            "ulb": "dhenkanal",
            "module": "projects",
            "category": "how_to",
            "description": "How do I add a new project estimate?",
        },
        csrf_from="/console/tickets/new",
    )
    assert logged.headers["location"].startswith("/console/tickets/MK-1002"), logged.text
    clock.advance(days=2, hours=22)  # Monday 30 November, 10:00
    await browser.sign_in("kiran")
    await acted(browser, first, "take")
    await browser.sign_in("anita")
    clock.advance(minutes=30)
    third = await file_ticket(Person(helpdesk, channel, "memory:reporter-2"), FORMULA)
    clock.advance(minutes=30)
    await acted(browser, third, "take")
    clock.advance(minutes=30)
    await acted(browser, third, "resolve", note="Bill submitted again")
    clock.advance(days=2, hours=-0.5)  # Wednesday 2 December, 11:00
    await browser.sign_in("anita")  # a new day, a new session
    await acted(browser, "MK-1002", "comment", note="A Master Trainer will call you")
    assert (first, third) == ("MK-1001", "MK-1003")


@pytest.fixture
async def history(helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock) -> Helpdesk:
    async with console_client(helpdesk) as browser:
        await make_history(helpdesk, channel, clock, browser)
    return helpdesk


def section(page: str, key: str) -> str:
    found = re.search(rf'<section class="card chart" id="chart-{key}">(.*?)</section>', page, re.S)
    assert found, f"no chart {key}"
    return found.group(1)


def chart(page: str, key: str) -> tuple[list[str], list[str]]:
    """The chart's SVG, as a reader sees it: its texts, and the bars' titles."""
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", section(page, key), re.S).group(0))  # type: ignore[union-attr]
    texts = [text.text or "" for text in svg.iter(f"{SVG}text")]
    titles = [title.text or "" for rect in svg.iter(f"{SVG}rect") for title in rect]
    return texts, titles


def table(page: str, key: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", section(page, key), re.S).group(1)  # type: ignore[union-attr]
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def headline(page: str) -> dict[str, str]:
    return dict(re.findall(r"<li><span>(.*?)</span> <strong>(.*?)</strong></li>", page))


async def signed_in(helpdesk: Helpdesk, key: str) -> str:
    async with console_client(helpdesk) as browser:
        await browser.sign_in(key)
        page = await browser.get("/console/dashboard")
    assert page.status_code == 200
    return page.text


async def test_the_dashboard_shows_the_periods_figures(history: Helpdesk) -> None:
    page = await signed_in(history, "anita")
    assert "Tickets created from 03/11/2026 to 02/12/2026" in page
    assert headline(page) == {
        "Tickets created": "3",
        "SLA responses in time": "75% (3/4)",
        "Median first response": "3.0 h",
        "Satisfaction": "–",
        "Open now": "2",
    }

    texts, titles = chart(page, "per-day")
    assert "27/11/2026: 2" in titles and "30/11/2026: 1" in titles
    assert "28/11/2026: 0" in titles and len(titles) == 30
    assert [text for text in texts if "/" not in text] == ["2", "1"]
    assert ["27/11/2026", "2"] in table(page, "per-day")

    texts, titles = chart(page, "sla-team")
    assert titles == ["L1 Helpdesk (HUDD): 67% (2/3)", "eGov technical team: 100% (1/1)"]
    assert texts == ["L1 Helpdesk (HUDD)", "67% (2/3)", "eGov technical team", "100% (1/1)"]
    assert table(page, "sla-team")[0] == ["L1 Helpdesk (HUDD)", "2", "1", "0", "67% (2/3)"]

    _, titles = chart(page, "sla-priority")
    assert titles == ["P2: 100% (3/3)", "P3: 0% (0/1)"]

    texts, _ = chart(page, "response-team")
    # L1 answered in 0.5, 0.5 and 21.5 business hours; eGov technical in 5.5.
    assert texts == [
        "L1 Helpdesk (HUDD)",
        "0.5 h",
        "17.3 h",
        "eGov technical team",
        "5.5 h",
        "5.5 h",
    ]
    assert table(page, "response-priority") == [
        ["P2", "3", "0.5 h", "4.5 h"],
        ["P3", "1", "21.5 h", "21.5 h"],
    ]

    _, titles = chart(page, "open-ulb")
    assert sorted(titles) == ["Dhenkanal Municipality: 1", "Jatni Municipality: 1"]
    _, titles = chart(page, "open-module")
    assert sorted(titles) == ["Projects: 1", "Wage bills and payments: 1"]
    assert 'href="/console/?status=open&amp;ulb=jatni"' in section(page, "open-ulb")


async def test_a_chosen_period_and_an_empty_one(history: Helpdesk) -> None:
    async with console_client(history) as browser:
        await browser.sign_in("anita")
        monday = await browser.get("/console/dashboard?from=2026-11-30&to=2026-11-30")
        empty = await browser.get("/console/dashboard?from=2026-11-01&to=2026-11-26")
    assert monday.status_code == 200
    assert headline(monday.text)["Tickets created"] == "1"
    assert chart(monday.text, "per-day")[1] == ["30/11/2026: 1"]
    assert chart(monday.text, "sla-team")[1] == ["L1 Helpdesk (HUDD): 100% (1/1)"]
    assert 'value="30/11/2026"' in monday.text

    assert "No tickets in this period." in empty.text
    assert 'id="chart-per-day"' not in empty.text and 'id="chart-sla-team"' not in empty.text
    # Open tickets are of now, whatever the period.
    assert 'id="chart-open-ulb"' in empty.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-12-01&to=2026-11-01", "The first day is after the last day."),
        ("from=yesterday", "Please give the days as dates"),
        ("from=2026-11-01&to=2026-12-25", "The period cannot end after today."),
        ("from=2024-01-01&to=2026-11-01", "Please choose at most 366 days."),
    ],
)
async def test_a_wrong_period_is_refused_with_the_reason(
    helpdesk: Helpdesk, query: str, message: str
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    async with console_client(helpdesk) as browser:
        await browser.sign_in("anita")
        page = await browser.get(f"/console/dashboard?{query}")
    assert page.status_code == 400
    assert message in page.text
    assert "Tickets created from 29/10/2026 to 27/11/2026" in page.text  # the last 30 days
    assert "No tickets in this period." in page.text


async def test_a_team_member_sees_only_their_teams_figures(history: Helpdesk) -> None:
    page = await signed_in(history, "kiran")
    assert "Figures for your team only: eGov technical team" in page
    assert headline(page)["Tickets created"] == "1"
    assert chart(page, "per-day")[1].count("27/11/2026: 1") == 1
    assert chart(page, "sla-team")[1] == ["eGov technical team: 100% (1/1)"]
    assert chart(page, "sla-priority")[1] == ["P2: 100% (1/1)"]
    assert chart(page, "response-team")[0] == ["eGov technical team", "5.5 h", "5.5 h"]
    assert chart(page, "open-ulb")[1] == ["Jatni Municipality: 1"]
    assert "L1 Helpdesk" not in page and "Dhenkanal" not in page


async def test_the_dashboard_in_odia(history: Helpdesk) -> None:
    await make_account(history, "priya", "admin", "hudd_admin", language="or")
    page = await signed_in(history, "priya")
    assert '<html lang="or">' in page
    assert "ଦଳ ଅନୁସାରେ SLA ଅନୁପାଳନ" in page and "ଦିନ ପ୍ରତି ସୃଷ୍ଟି ହୋଇଥିବା ଟିକେଟ" in page
    assert "SLA compliance by team" not in page
    texts, _ = chart(page, "sla-team")
    assert texts[0] == "L1 ହେଲ୍ପଡେସ୍କ (HUDD)"
    assert chart(page, "response-team")[0][1] == "0.5 ଘଣ୍ଟା"
    assert chart(page, "open-ulb")[1][0].startswith(("ଜଟଣୀ", "ଢେଙ୍କାନାଳ"))


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the byte order mark for Odia text"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_the_export_has_the_queues_filtered_tickets(history: Helpdesk) -> None:
    async with console_client(history) as browser:
        await browser.sign_in("anita")
        jatni = await browser.get("/console/export.csv?status=all&ulb=jatni")
        open_now = await browser.get("/console/export.csv")
    assert jatni.status_code == 200
    assert jatni.headers["content-type"].startswith("text/csv")
    assert jatni.headers["content-disposition"] == (
        'attachment; filename="mukta-tickets-2026-12-02.csv"'
    )
    header, *rows = rows_of(jatni.content)
    assert header == HEADER
    assert all(len(row) == len(HEADER) for row in rows)
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert sorted(by_number) == ["MK-1001", "MK-1003"]
    first = by_number["MK-1001"]
    assert first["Team"] == "eGov technical team"
    assert first["Assignee"] == "Kiran"
    assert first["ULB"] == "Jatni Municipality"
    assert first["Module"] == "Wage bills and payments"
    assert first["Created"] == "2026-11-27T11:00:00+05:30"
    assert first["Response due"] == "2026-12-01T12:00:00+05:30"
    assert first["Reporter name"] == "Ramesh Sahu"
    resolved = by_number["MK-1003"]
    assert resolved["Status"] == "Resolved"
    assert resolved["Resolved"] == "2026-11-30T11:30:00+05:30"
    assert resolved["Description"] == f"'{FORMULA}"  # Excel shows it, does not run it

    header, *rows = rows_of(open_now.content)
    assert sorted(row[0] for row in rows) == ["MK-1001", "MK-1002"]
    caller = next(row for row in rows if row[0] == "MK-1002")
    assert caller[header.index("Reporter name")] == CALLER
    assert caller[header.index("Channel")] == "Phone"
    assert caller[header.index("ULB")] == "Dhenkanal Municipality"


async def test_a_team_member_exports_only_their_teams_tickets(history: Helpdesk) -> None:
    async with console_client(history) as browser:
        await browser.sign_in("kiran")
        answer = await browser.get("/console/export.csv?status=all&team=l1")
    _, *rows = rows_of(answer.content)
    assert [row[0] for row in rows] == ["MK-1001"]


async def test_signed_out_visitors_are_sent_to_sign_in(helpdesk: Helpdesk) -> None:
    async with console_client(helpdesk) as browser:
        for path in ("/console/dashboard", "/console/export.csv?status=all"):
            answer = await browser.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/console/login"


def test_a_period_is_at_most_366_days() -> None:
    today = date(2026, 12, 2)
    assert choose_period({"to": "0001-01-05"}, today)[1] == "dash_bad_date"  # 30 days before
    assert choose_period({"from": "2025-11-30", "to": "2026-12-01"}, today)[1] == "dash_too_long"
    period, error = choose_period({"from": "2025-12-02", "to": "2026-12-02"}, today)
    assert (error, period.first, period.end - period.first) == (
        "",
        date(2025, 12, 2),
        timedelta(days=366),
    )
    period, error = choose_period({"to": "2026-11-15"}, today)  # the 30 days up to it
    assert (error, period.first, period.last) == ("", date(2026, 10, 17), date(2026, 11, 15))


async def test_the_export_keeps_the_queues_taken_by_filter(history: Helpdesk) -> None:
    """ "Not taken yet" and "taken by me" are the queue's filters too: the export of a queue
    so filtered has the queue's tickets, not every one."""
    async with console_client(history) as browser:
        await browser.sign_in("anita")
        free = await browser.get("/console/export.csv?status=all&assignee=none")
        every = await browser.get("/console/export.csv?status=all")
    header, *rows = rows_of(free.content)
    _, *all_rows = rows_of(every.content)
    assignee = header.index("Assignee")
    assert "MK-1001" in [row[0] for row in all_rows]  # Kiran has it
    assert rows and all(row[assignee] == "" for row in rows)
    assert sorted(row[0] for row in rows) == sorted(
        row[0] for row in all_rows if row[assignee] == ""
    )
