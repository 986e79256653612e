"""The console reads as its users speak: the audit trail in words (no stored keys or JSON), a
ticket's status named as its reporter reads it in the chat, choices that do not choose for
the operator, dates day first, and the contact of a caller taken as they gave it."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest

from adapters.memory import MemoryChannel
from bot.core.config import HelpdeskConfig
from bot.helpdesk import Helpdesk
from bot.web.audit import AuditTrail
from bot.web.period import choose_period
from bot.web.strings import CATALOGS, translate
from db.models import Ticket, TicketEvent
from flows import i18n
from tests.support import Person, file_ticket
from tests.web_support import CALL, ConsoleClient, console_client, make_account, operator, text_of

AUDIT = re.compile(r'<ol class="audit" id="audit">(.*?)</ol>', re.S)
TAGS = re.compile(r"<[^>]+>")


def audit_text(page: str) -> str:
    found = AUDIT.search(page)
    assert found, "no audit trail on the page"
    return " ".join(html.unescape(TAGS.sub(" ", found.group(1))).split())


async def worked(helpdesk: Helpdesk, channel: MemoryChannel, anita: ConsoleClient) -> str:
    reporter = Person(helpdesk, channel, "memory:reporter-1")
    number = await file_ticket(reporter)
    for action, fields in (
        ("take", {}),
        ("type", {"value": "incident"}),
        ("priority", {"value": "P1"}),
        ("ask", {"note": "Which muster roll number?"}),
    ):
        assert (await anita.act(number, action, **fields)).status_code == 303, action
    await reporter.say("MR/2026/0142")
    for action, fields in (
        ("note", {"note": "Seen in iFIX logs"}),
        ("escalate", {"value": "auto"}),
    ):
        assert (await anita.act(number, action, **fields)).status_code == 303, action
    return number


async def test_the_audit_trail_says_what_happened_in_words_in_english_and_odia(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1", name="Anita Mohanty")
    await make_account(helpdesk, "sasmita", "l1", "l1", name="Sasmita Das", language="or")
    async with console_client(helpdesk) as anita, console_client(helpdesk) as sasmita:
        assert (await anita.sign_in("anita")).status_code == 303
        number = await worked(helpdesk, channel, anita)
        english = audit_text((await anita.get(f"/console/tickets/{number}")).text)
        assert (await sasmita.sign_in("sasmita")).status_code == 303
        odia = audit_text((await sasmita.get(f"/console/tickets/{number}")).text)
    for said in (
        "Reported · P2 · L1 Helpdesk (HUDD)",
        "Taken · Received → Being worked on",
        "Type set · Not set → Incident",
        "Priority changed · P2 → P1",
        "Question to the reporter · Being worked on → Waiting for the reporter's reply "
        "Which muster roll number?",
        "The reporter wrote · Waiting for the reporter's reply → Being worked on MR/2026/0142",
        "Internal note Seen in iFIX logs",
        "Passed to another team · L1 Helpdesk (HUDD) → eGov technical team · "
        "Being worked on → Passed to a specialist team",
        "Anita (L1 helpdesk) · web console",
    ):
        assert said in english, (said, english)
    for said in ("ପ୍ରାଥମିକତା ବଦଳାଗଲା · P2 → P1", "ଗ୍ରହଣ କରାଯାଇଛି → କାମ ଚାଲିଛି", "ୱେବ୍ କନସୋଲ"):
        assert said in odia, (said, odia)
    for text in (english, odia):
        assert '{"' not in text and "_" not in text
        for key in ("in_progress", "waiting", "incident", "egov_tech", "staff:", "web ·"):
            assert key not in text, (key, text)


@pytest.mark.parametrize("language", ["en", "or"])
def test_a_status_has_the_name_its_reporter_reads_in_the_chat(language: str) -> None:
    console = CATALOGS[language]
    for status in ("new", "in_progress", "escalated", "reopened", "resolved", "closed"):
        assert console[f"status_{status}"] == i18n.text(language, f"status_{status}"), status
    # Waiting: the chat tells the reporter "your reply"; the desk reads "the reporter's".
    assert console["status_waiting"] != i18n.text(language, "status_waiting")


async def test_type_is_chosen_not_preselected_and_take_is_not_offered_to_whoever_has_it(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await make_account(helpdesk, "sasmita", "l1", "l1", name="Sasmita Das")
    async with operator(helpdesk) as anita, console_client(helpdesk) as sasmita:
        page = (await anita.get(f"/console/tickets/{number}")).text
        assert 'id="status">Received<' in page
        type_form = page.split('data-action="type"', 1)[1].split("</form>", 1)[0]
        assert '<option value="" selected disabled>Choose…</option>' in type_form
        assert " selected>" not in type_form.replace("selected disabled", "")
        assert 'data-action="take"' in page

        assert (await anita.act(number, "take")).status_code == 303
        page = (await anita.get(f"/console/tickets/{number}")).text
        assert 'id="status">Being worked on<' in page
        assert 'data-action="take"' not in page  # taken by me: nothing to take
        assert (await sasmita.sign_in("sasmita")).status_code == 303
        other = (await sasmita.get(f"/console/tickets/{number}")).text
        assert 'data-action="take"' in other  # someone else may still take it over
        asked = await anita.act(number, "ask", note="Which muster roll?")
        assert asked.status_code == 303
        page = (await anita.get(f"/console/tickets/{number}")).text
        assert "Waiting for the reporter&#39;s reply" in page
        assert 'data-action="take"' not in page  # still mine while the reporter is asked

        assert (await anita.act(number, "type", value="incident")).status_code == 303
        type_form = (await anita.get(f"/console/tickets/{number}")).text.split(
            'data-action="type"', 1
        )[1]
        assert '<option value="incident" selected>' in type_form and "Choose…" not in type_form


async def test_the_header_names_the_person_once_with_what_they_do(helpdesk: Helpdesk) -> None:
    async with operator(helpdesk, name="Anita (L1 helpdesk)") as anita:
        page = text_of(await anita.get("/console/"))
    me = re.search(r'<span class="me"[^>]*>(.*?)</span>', page)
    assert me is not None and me.group(1) == "Anita (L1 helpdesk) · L1 operator"
    await make_account(helpdesk, "kiran", "member", "egov_tech", name="Kiran Patra")
    async with console_client(helpdesk) as kiran:
        assert (await kiran.sign_in("kiran")).status_code == 303
        page = text_of(await kiran.get("/console/"))
    me = re.search(r'<span class="me"[^>]*>(.*?)</span>', page)
    assert me is not None and me.group(1) == "Kiran Patra · eGov technical team"


async def test_a_caller_on_the_phone_may_give_an_email_to_be_answered_at(
    helpdesk: Helpdesk,
) -> None:
    async with operator(helpdesk) as anita:
        form = (await anita.get("/console/tickets/new")).text
        assert 'data-phone="Phone number" data-email="Email address"' in form
        logged = await anita.post(
            "/console/tickets/new", {**CALL, "source": "phone", "contact": "sabita@example.org"}
        )
        assert logged.status_code == 303, text_of(logged)
        page = text_of(await anita.get(logged.headers["location"]))
    assert "Email: sabita@example.org" in page
    assert "Phone call" in page  # how it came in


async def test_the_dashboard_takes_and_shows_days_day_first(helpdesk: Helpdesk) -> None:
    today = date(2026, 12, 2)
    period, error = choose_period({"from": "01/11/2026", "to": "26.11.2026"}, today)
    assert error == "" and (period.first, period.last) == (date(2026, 11, 1), date(2026, 11, 26))
    assert choose_period({"from": "11/31/2026"}, today)[1] == "dash_bad_date"  # mm/dd is not
    async with operator(helpdesk) as anita:
        page = text_of(await anita.get("/console/dashboard?from=01/11/2026&to=26/11/2026"))
    assert "Tickets created from 01/11/2026 to 26/11/2026" in page
    assert 'name="from" value="01/11/2026"' in page and 'type="date"' not in page
    assert 'placeholder="dd/mm/yyyy"' in page


async def test_the_console_serves_an_odia_font_with_its_licence(helpdesk: Helpdesk) -> None:
    async with console_client(helpdesk) as browser:
        css = await browser.get("/console/static/console.css")
        font = await browser.get("/console/static/fonts/NotoSansOriya-Regular.ttf")
        licence = await browser.get("/console/static/fonts/OFL.txt")
    assert '@font-face { font-family: "Noto Sans Oriya"' in css.text
    assert font.status_code == 200 and font.content[:4] == b"\x00\x01\x00\x00"  # TrueType
    assert licence.status_code == 200 and "SIL OPEN FONT LICENSE Version 1.1" in licence.text


def test_events_the_console_has_no_words_for_are_still_shown_without_keys(
    config: HelpdeskConfig,
) -> None:
    """A newer version may record actions and details this one does not know: the line
    still reads as words, and photos a reporter sent with their words are counted."""
    ticket = Ticket(reporter_address="whatsapp:+919876543210", assignee="", assignee_name="")
    at = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)
    events = [
        TicketEvent(
            at=at, actor="whatsapp:+919876543210", channel="whatsapp", action="reply",
            from_status="in_progress", to_status="in_progress",
            detail='{"text": "Here is the screen", "attachments": "2"}',
        ),
        TicketEvent(
            at=at, actor="staff:jira:Priya Das", channel="jira_sync", action="sync_back",
            from_status="", to_status="", detail='{"remote_state": "in_review"}',
        ),
    ]  # fmt: skip
    trail = AuditTrail(config.directory, lambda key, **v: translate("en", key, **v), "en")
    wrote, synced = trail.lines(ticket, events)
    assert (wrote.what, wrote.who, wrote.via) == ("The reporter wrote", "reporter", "WhatsApp")
    assert (wrote.change, wrote.typed) == ("files attached: 2", "Here is the screen")
    assert (synced.what, synced.who, synced.via) == ("sync back", "Priya Das (JIRA)", "jira sync")
    assert synced.change == "in review"
