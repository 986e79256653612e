"""The operators' desk in the web console, over HTTP through the real app: signing in, the
queue, a ticket's actions reaching the reporter and the teams' chats, and callers' tickets."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from adapters.memory import MemoryChannel
from bot.helpdesk import Helpdesk
from db.models import OutboxMessage, Ticket, TicketEvent
from db.repositories import decode_outbound
from flows import i18n
from flows.messages import Address, Inbound
from tests.conftest import FixedClock
from tests.support import Person, file_ticket
from tests.web_support import (
    CALL,
    PASSWORD,
    ConsoleClient,
    console_client,
    make_account,
    operator,
    text_of,
)

L1_CHAT = Address("console", "team-l1")
EGOV_TECH_CHAT = Address("console", "team-egov-tech")
MASTER_TRAINERS_CHAT = Address("console", "team-master-trainers")
REPORTER = "memory:reporter-1"


async def deliver(helpdesk: Helpdesk) -> None:
    while await helpdesk.relay.deliver_due():
        pass


async def ticket(helpdesk: Helpdesk, number: str) -> Ticket:
    async with helpdesk.unit_of_work() as uow:
        found = await uow.tickets.by_number(number)
        assert found is not None
        uow.session.expunge(found)  # read after the unit of work ends
        return found


async def outbox_to(helpdesk: Helpdesk, address: str) -> list[OutboxMessage]:
    async with helpdesk.unit_of_work() as uow:
        result = await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.address == address)
        )
        rows = list(result.scalars().all())
        uow.session.expunge_all()
        return rows


@pytest.fixture
async def reporter(helpdesk: Helpdesk, channel: MemoryChannel) -> Person:
    return Person(helpdesk, channel, REPORTER)


# -- signing in --------------------------------------------------------------------------------


async def test_an_operator_signs_in_and_sees_a_chat_ticket_in_the_queue(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    number = await file_ticket(reporter)
    await make_account(helpdesk, "anita", "l1", "l1")
    async with console_client(helpdesk) as browser:
        signed = await browser.sign_in("anita")
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
        queue = await browser.get("/console/")
        assert queue.status_code == 200
        assert number in queue.text and "Wage bill shows error 500" in queue.text
        assert "default-src 'self'" in queue.headers["content-security-policy"]
        assert queue.headers["x-frame-options"] == "DENY"


async def test_a_wrong_password_is_refused_and_says_nothing_about_which_part_was_wrong(
    helpdesk: Helpdesk,
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    async with console_client(helpdesk) as browser:
        wrong = await browser.sign_in("anita", "not the password")
        unknown = await browser.sign_in("nobody", PASSWORD)
        assert wrong.status_code == unknown.status_code == 401
        assert "do not match an active account" in wrong.text
        assert "do not match an active account" in unknown.text
        assert (await browser.get("/console/")).headers["location"] == "/console/login"


async def test_a_sign_in_form_posted_from_another_site_is_refused(helpdesk: Helpdesk) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    async with console_client(helpdesk) as browser:
        forced = await browser.http.post(
            "/console/login",
            data={"username": "anita", "password": PASSWORD},
            headers={"Origin": "https://evil.example"},
        )
        assert forced.status_code == 403 and "set-cookie" not in forced.headers


async def test_after_five_failures_the_account_must_wait_even_with_the_right_password(
    helpdesk: Helpdesk, clock: FixedClock
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    async with console_client(helpdesk) as browser:
        for _ in range(5):
            assert (await browser.sign_in("anita", "guess guess guess")).status_code == 401
        blocked = await browser.sign_in("anita")
        assert blocked.status_code == 429
        assert "wait 15 minutes" in blocked.text
        clock.advance(minutes=16)
        assert (await browser.sign_in("anita")).status_code == 303


async def test_signing_out_ends_the_session_for_that_cookie(helpdesk: Helpdesk) -> None:
    async with operator(helpdesk) as browser:
        cookie = dict(browser.http.cookies)
        out = await browser.post("/console/logout", {})
        assert out.status_code == 303
        browser.http.cookies.update(cookie)  # a copy of the old cookie is no use any more
        assert (await browser.get("/console/")).headers["location"] == "/console/login"


async def test_a_post_without_the_sessions_csrf_token_or_from_another_site_changes_nothing(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    number = await file_ticket(reporter)
    async with operator(helpdesk) as browser:
        act = f"/console/tickets/{number}/act"
        missing = await browser.http.post(act, data={"action": "take"})
        forged = await browser.http.post(act, data={"action": "take", "csrf": "x" * 43})
        token = await browser.csrf()
        elsewhere = await browser.http.post(
            act,
            data={"action": "take", "csrf": token},
            headers={"Origin": "https://evil.example"},
        )
        assert missing.status_code == forged.status_code == elsewhere.status_code == 403
        assert "nothing was done" in forged.text
    assert (await ticket(helpdesk, number)).status == "new"


async def test_a_signed_out_post_is_refused(helpdesk: Helpdesk, reporter: Person) -> None:
    number = await file_ticket(reporter)
    async with console_client(helpdesk) as browser:
        answer = await browser.http.post(
            f"/console/tickets/{number}/act", data={"action": "take", "csrf": "x"}
        )
        assert answer.status_code == 403
    assert (await ticket(helpdesk, number)).status == "new"


# -- the queue ---------------------------------------------------------------------------------


async def test_the_queue_filters_and_puts_the_most_urgent_first(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    first = await file_ticket(Person(helpdesk, channel, "memory:r1"), "Old report: bill stuck")
    clock.advance(days=5)  # Wednesday: the first is past its response time
    second = await file_ticket(Person(helpdesk, channel, "memory:r2"), "Muster roll not saving")
    async with operator(helpdesk) as browser:
        page = (await browser.get("/console/")).text
        # The first is past its response time (breached) and comes first.
        assert page.index(first) < page.index(second)
        assert re.search(rf"sla-breached[^>]*data-ticket=\"{first}\"", page)
        found = (await browser.get("/console/?text=muster")).text
        assert second in found and first not in found
        breached = (await browser.get("/console/?sla=breached")).text
        assert first in breached and second not in breached
        phone = (await browser.get("/console/?channel=phone")).text
        assert first not in phone and "No tickets match" in phone
        # Unknown values in a bookmark mean "any", not an error.
        assert (await browser.get("/console/?priority=P9&team=nope")).status_code == 200


async def test_the_queue_shows_what_i_took_and_what_nobody_has_taken_yet(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    mine = await file_ticket(Person(helpdesk, channel, "memory:r1"), "Bill stuck in approval")
    free = await file_ticket(Person(helpdesk, channel, "memory:r2"), "Muster roll not saving")
    async with operator(helpdesk) as browser:
        await browser.act(mine, "take")
        taken = (await browser.get("/console/?assignee=mine")).text
        nobody = (await browser.get("/console/?assignee=none")).text
    assert mine in taken and free not in taken
    assert free in nobody and mine not in nobody
    assert 'href="/console/export.csv?status=open&amp;assignee=mine"' in taken


async def test_the_queue_updates_live_when_a_chat_ticket_arrives(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    async with operator(helpdesk) as browser:
        page = (await browser.get("/console/")).text
        version = re.search(r'data-version="([^"]*)"', page)
        assert version
        rows = f"/console/queue/rows?status=open&since={version.group(1)}"
        assert (await browser.get(rows)).status_code == 204  # nothing new
        number = await file_ticket(reporter)
        fresh = await browser.get(rows)
        assert fresh.status_code == 200 and number in fresh.text
        assert fresh.headers["x-queue-version"] != version.group(1)


async def test_a_team_member_sees_only_their_teams_queue_and_tickets(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    number = await file_ticket(reporter)
    await make_account(helpdesk, "ravi", "member", "master_trainers")
    async with console_client(helpdesk) as browser:
        await browser.sign_in("ravi")
        assert number not in (await browser.get("/console/?team=l1")).text
        assert (await browser.get(f"/console/tickets/{number}")).status_code == 403
        refused = await browser.post(f"/console/tickets/{number}/act", {"action": "take"})
        assert refused.status_code == 403
        assert (await ticket(helpdesk, number)).status == "new"
        assert (await browser.get("/console/tickets/new")).status_code == 403


async def test_no_route_tells_a_member_anything_of_another_teams_ticket(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    """Not whether it changed (the live check), nor who changed it (the refusal of an action
    from a page 'no longer current'): only that it is another team's."""
    number = await file_ticket(reporter)
    await make_account(helpdesk, "anita", "l1", "l1", name="Anita Mohanty")
    await make_account(helpdesk, "ravi", "member", "master_trainers")
    async with console_client(helpdesk) as browser:
        await browser.sign_in("anita")
        assert (await browser.act(number, "note", note="Called the ULB")).status_code == 303
    async with console_client(helpdesk) as browser:
        await browser.sign_in("ravi")
        live = await browser.get(f"/console/tickets/{number}/version")
        stale = await browser.post(
            f"/console/tickets/{number}/act", {"action": "take", "seen": "0"}
        )
        missing = await browser.get("/console/tickets/MK-9999/version")
    assert live.status_code == 403 and stale.status_code == 403
    assert "Anita" not in stale.text and "note" not in stale.text
    assert "another team" in stale.text
    assert missing.status_code == 404
    assert (await ticket(helpdesk, number)).status == "new"


async def test_a_member_reads_only_their_tickets_part_of_the_reporters_chat(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    """The ticket page shows the reporter's chat around the ticket: to L1, all of it; to the
    team it was escalated to, nothing said about the reporter's other tickets."""
    theirs = await file_ticket(reporter, "Muster roll 42 will not save")
    await make_account(helpdesk, "anita", "l1", "l1", name="Anita Mohanty")
    await make_account(helpdesk, "ravi", "member", "master_trainers")
    async with console_client(helpdesk) as browser:
        await browser.sign_in("anita")
        escalated = await browser.act(theirs, "escalate", value="master_trainers")
        assert escalated.status_code == 303
        other = await file_ticket(reporter, "Salary of the CBO accountant is wrong")
        commented = await browser.act(other, "comment", note="Which month is it for?")
        assert commented.status_code == 303
        await deliver(helpdesk)
        whole = text_of(await browser.get(f"/console/tickets/{theirs}"))
    async with console_client(helpdesk) as browser:
        await browser.sign_in("ravi")
        page = await browser.get(f"/console/tickets/{theirs}")
    assert page.status_code == 200
    seen = text_of(page)
    assert "Muster roll 42 will not save" in seen
    assert "Salary of the CBO accountant" not in seen and "Which month" not in seen
    assert "Salary of the CBO accountant" in whole and "Which month" in whole


# -- acting on a ticket ------------------------------------------------------------------------


async def test_taking_and_resolving_on_the_page_reaches_the_reporter_and_the_teams_card(
    helpdesk: Helpdesk, channel: MemoryChannel, reporter: Person
) -> None:
    number = await file_ticket(reporter)
    await deliver(helpdesk)
    card = channel.last(L1_CHAT)
    assert card.kind == "team_card" and number in card.text
    await make_account(helpdesk, "anita", "l1", "l1", name="Anita Mohanty")
    async with console_client(helpdesk) as browser:
        await browser.sign_in("anita")
        taken = await browser.act(number, "take")
        assert taken.status_code == 303 and taken.headers["location"].endswith("?done=take")
        page = (await browser.get(taken.headers["location"])).text
        assert "You took this ticket" in page and "Anita Mohanty" in page
        heard = await reporter.inbox()
        assert any(number in text and "started working" in text for text in heard)
        edited = channel.last(L1_CHAT)
        assert edited.kind == "team_card" and edited.replaces  # the same card, edited
        assert "Anita Mohanty" in edited.text

        unexplained = await browser.act(number, "resolve")
        assert unexplained.status_code == 409  # the reporter must be told what was done
        assert (await ticket(helpdesk, number)).status == "in_progress"

        resolved = await browser.act(number, "resolve", note="Bill re-submitted after iFIX fix")
        assert resolved.status_code == 303
        heard = await reporter.inbox()
        assert any("Bill re-submitted after iFIX fix" in text for text in heard)
        assert reporter.last_choices()  # asked whether it is solved
    done = await ticket(helpdesk, number)
    assert (done.status, done.assignee) == ("resolved", "anita")
    async with helpdesk.unit_of_work() as uow:
        events = (
            await uow.session.execute(
                select(TicketEvent).where(TicketEvent.ticket_id == done.id).order_by(TicketEvent.id)
            )
        ).scalars()
        web = [(event.action, event.actor, event.channel) for event in events][1:]
    assert web == [("take", "staff:anita", "web"), ("resolve", "staff:anita", "web")]


async def test_escalating_by_category_posts_the_card_in_the_right_teams_chat(
    helpdesk: Helpdesk, channel: MemoryChannel, reporter: Person
) -> None:
    number = await file_ticket(reporter)  # "the app shows an error": eGov technical
    async with operator(helpdesk) as browser:
        answer = await browser.act(number, "escalate", value="auto")
        assert answer.status_code == 303
    await deliver(helpdesk)
    assert (await ticket(helpdesk, number)).team == "egov_tech"
    assert number in channel.last(EGOV_TECH_CHAT).text
    assert any(number in text for text in await reporter.inbox())


async def test_an_internal_note_stays_with_the_staff(
    helpdesk: Helpdesk, channel: MemoryChannel, reporter: Person
) -> None:
    number = await file_ticket(reporter)
    await reporter.inbox()
    async with operator(helpdesk) as browser:
        answer = await browser.act(number, "note", note="Called the ULB: DSC expired")
        assert answer.status_code == 303
        page = (await browser.get(f"/console/tickets/{number}")).text
        assert "Called the ULB: DSC expired" in page  # in the audit trail
    assert await reporter.inbox() == []
    assert "Called the ULB: DSC expired" in channel.texts(L1_CHAT)[-1]
    assert (await ticket(helpdesk, number)).last_note == ""


async def test_the_ticket_page_shows_the_conversation_as_the_reporter_sent_it(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    number = await file_ticket(reporter, "Bill <b>stuck</b> & error 'E-42' ଟଙ୍କା ଆସିନାହିଁ")
    async with operator(helpdesk) as browser:
        page = (await browser.get(f"/console/tickets/{number}")).text
    assert "Bill &lt;b&gt;stuck&lt;/b&gt; &amp; error &#39;E-42&#39; ଟଙ୍କା ଆସିନାହିଁ" in page
    assert "<b>stuck</b>" not in page
    assert "Ramesh Sahu" in page and "Jatni" in page
    assert page.count('class="in"') >= 9  # every answer of the intake, as typed


async def test_the_queue_lists_reporters_the_helpdesk_could_not_reach(
    helpdesk: Helpdesk, channel: MemoryChannel, reporter: Person
) -> None:
    number = await file_ticket(reporter)
    channel.unreachable.add(reporter.address)  # the reporter blocked the bot meanwhile
    await make_account(helpdesk, "anita", "l1", "l1")
    await make_account(helpdesk, "ravi", "member", "master_trainers")
    async with console_client(helpdesk) as browser:
        await browser.sign_in("anita")
        assert 'id="undelivered"' not in (await browser.get("/console/")).text
        await browser.act(number, "take")
        await deliver(helpdesk)
        page = (await browser.get("/console/")).text
        problems = page.split('id="undelivered"', 1)[1].split("</section>", 1)[0]
        assert number in problems and "no longer exists" in problems
    async with console_client(helpdesk) as member:
        await member.sign_in("ravi")
        assert 'id="undelivered"' not in (await member.get("/console/")).text


async def test_the_ticket_page_learns_when_the_ticket_or_its_conversation_changes(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    number = await file_ticket(reporter)
    async with operator(helpdesk) as browser:
        page = (await browser.get(f"/console/tickets/{number}")).text
        found = re.search(r'id="changed" hidden data-check="([^"]+)" data-version="([^"]+)"', page)
        assert found
        check, version = found.groups()

        async def since(seen: str) -> httpx.Response:
            return await browser.get(f"{check}?since={quote(seen)}")  # as the page's script

        assert (await since(version)).status_code == 204
        await reporter.say("my tickets")
        newer = await since(version)
        assert newer.status_code == 200 and newer.text != version
        assert (await since(newer.text)).status_code == 204
        await browser.act(number, "take")
        assert (await since(newer.text)).status_code == 200


# -- callers -----------------------------------------------------------------------------------


async def log_call(browser: ConsoleClient, **changes: str) -> str:
    answer = await browser.post("/console/tickets/new", {**CALL, **changes})
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.endswith("?created=1")
    page = (await browser.get(location)).text
    assert "Read this number out to the caller" in page
    number = location.split("/tickets/", 1)[1].split("?", 1)[0]
    assert f'<p class="big-id">{number}</p>' in page
    return number


async def test_a_phone_ticket_joins_the_same_queue_ids_and_sla_clock(
    helpdesk: Helpdesk, channel: MemoryChannel, reporter: Person
) -> None:
    chat_number = await file_ticket(reporter)
    async with operator(helpdesk) as browser:
        number = await log_call(browser)
        queue = (await browser.get("/console/?channel=phone")).text
    assert chat_number == "MK-1001" and number == "MK-1002"
    assert number in queue and chat_number not in queue
    logged = await ticket(helpdesk, number)
    assert (logged.source, logged.reporter_address) == ("phone", "phone:+919876543210")
    assert logged.response_due_at is not None and logged.team == "l1"
    await deliver(helpdesk)
    assert number in channel.last(L1_CHAT).text  # the L1 group got its card
    assert await outbox_to(helpdesk, "phone:+919876543210") == []  # the operator calls back


async def test_a_caller_who_wants_whatsapp_updates_gets_the_id_and_each_change_there(
    helpdesk: Helpdesk,
) -> None:
    async with operator(helpdesk) as browser:
        number = await log_call(browser, updates_by="whatsapp", chat_contact="+91 91234 56789")
        await browser.act(number, "take")
    sent = await outbox_to(helpdesk, "whatsapp:+919123456789")
    assert [row.kind for row in sent] == ["notice", "notice"]
    assert all(row.ticket_number == number for row in sent)


async def test_a_bad_caller_form_says_what_is_wrong_and_keeps_what_was_typed(
    helpdesk: Helpdesk,
) -> None:
    async with operator(helpdesk) as browser:
        bad_phone = await browser.post("/console/tickets/new", {**CALL, "contact": "call me"})
        assert bad_phone.status_code == 400
        assert "not a phone number" in bad_phone.text
        assert CALL["description"] in bad_phone.text and "Sabita Nayak" in bad_phone.text
        no_ulb = await browser.post("/console/tickets/new", {**CALL, "ulb": "atlantis"})
        assert no_ulb.status_code == 400 and "choose a value" in no_ulb.text
        email = await browser.post(
            "/console/tickets/new", {**CALL, "source": "email", "contact": "not-an-email"}
        )
        assert "not an email address" in email.text
        for contact in ("sabita@odisha..gov.in", "a@" + "." * 100_000 + "@"):
            # (The second took minutes to check once, holding up every page and webhook.)
            odd = await browser.post(
                "/console/tickets/new", {**CALL, "source": "email", "contact": contact}
            )
            assert odd.status_code == 400 and "not an email address" in odd.text
        fine = await browser.post(
            "/console/tickets/new",
            {**CALL, "source": "email", "contact": "Sabita.Nayak@odisha.gov.in"},
        )
        assert fine.status_code == 303
    async with helpdesk.unit_of_work() as uow:
        assert await uow.tickets.count() == 1


async def test_a_telegram_caller_gets_updates_once_they_write_to_the_bot(
    helpdesk: Helpdesk,
) -> None:
    async with operator(helpdesk) as browser:
        number = await log_call(browser, updates_by="telegram", chat_contact="@Sabita_N")
        page = (await browser.get(f"/console/tickets/{number}")).text
        assert "once @sabita_n writes to the helpdesk bot" in page
        await browser.act(number, "take")
        # Nowhere to write yet: nothing queued for an address the bot cannot reach.
        assert await outbox_to(helpdesk, "telegram:@sabita_n") == []

        async def writes(chat: str, handle: str) -> None:
            await helpdesk.dispatcher.handle(
                Inbound(
                    Address("telegram", chat),
                    f"update-{chat}",
                    "hi",
                    helpdesk.clock(),
                    handle=handle,
                )
            )

        await writes("5550002", "someone_else")
        assert await outbox_to(helpdesk, "telegram:5550002") != []
        assert (await ticket(helpdesk, number)).reporter_address == "telegram:@sabita_n"

        await writes("5550001", "Sabita_N")
        told = [
            decode_outbound(row.payload).text
            for row in await outbox_to(helpdesk, "telegram:5550001")
        ]
        # In the language the caller chose on the phone (Odia).
        linked = i18n.text("or", "ticket_linked_to_chat", number=number)
        assert any(text.startswith(linked) for text in told)
        assert (await ticket(helpdesk, number)).reporter_address == "telegram:5550001"

        await browser.act(number, "resolve", note="DSC renewed; bill approved")
        notices = await outbox_to(helpdesk, "telegram:5550001")
        assert any(
            "DSC renewed; bill approved" in decode_outbound(row.payload).text for row in notices
        )


async def test_an_action_from_a_page_that_no_longer_shows_the_ticket_as_it_is_is_not_done(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    """Two operators open the same new ticket; the first takes it. The second's choices,
    made on the page as it was, are not applied over the first's: they are told what changed,
    and what they typed is shown back. A comment still goes through."""
    number = await file_ticket(reporter)
    await make_account(helpdesk, "anita", "l1", "l1", name="Anita Mohanty")
    await make_account(helpdesk, "ravi", "l1", "l1", name="Ravi Das")
    async with console_client(helpdesk) as anita, console_client(helpdesk) as ravi:
        await anita.sign_in("anita")
        await ravi.sign_in("ravi")
        ravis_page = await ravi.open_ticket(number)
        assert (await anita.act(number, "take")).status_code == 303

        taking = await ravi.act(number, "take", ravis_page)
        assert taking.status_code == 409
        assert f"{number} changed while you had it open: Taken (anita)" in text_of(taking)
        note = "Bill re-submitted after the iFIX fix"
        resolving = await ravi.act(number, "resolve", ravis_page, note=note)
        assert resolving.status_code == 409 and note in text_of(resolving)
        assert (await ticket(helpdesk, number)).status == "in_progress"
        assert (await ticket(helpdesk, number)).assignee == "anita"

        commented = await ravi.act(number, "comment", ravis_page, note="Checking with the ULB")
        assert commented.status_code == 303
        # Opened again, the page shows the ticket as it is, and acting from it works.
        assert (await ravi.act(number, "priority", value="P1")).status_code == 303
    assert (await ticket(helpdesk, number)).priority == "P1"


@pytest.mark.parametrize(
    "path",
    [
        "/console/?text=%00",
        "/console/queue/rows?text=%00",
        "/console/export.csv?text=%00",
        "/console/tickets/%00",
        "/console/tickets/MK%00/version",
        "/console/tickets/MK-1001/attachments/%00",
        "/console/dashboard?from=%00",
    ],
)
async def test_a_nul_in_an_address_is_refused_not_a_server_error(
    helpdesk: Helpdesk, path: str
) -> None:
    async with operator(helpdesk) as browser:
        answer = await browser.get(path)
    assert answer.status_code == 400
    assert "characters no page of the console uses" in text_of(answer)


async def test_odd_numbers_in_forms_and_addresses_are_not_server_errors(
    helpdesk: Helpdesk, reporter: Person
) -> None:
    number = await file_ticket(reporter)
    async with operator(helpdesk) as browser:
        for seen, priority in (("²", "P1"), ("9" * 25, "P3"), ("9" * 5000, "P4")):
            opened = {**await browser.open_ticket(number), "seen": seen}
            answer = await browser.act(number, "priority", opened, value=priority)
            assert answer.status_code == 303, seen  # no page version to hold it to: done
            assert (await ticket(helpdesk, number)).priority == priority
        huge = await browser.get(f"/console/tickets/{number}/attachments/{'9' * 5000}")
        assert huge.status_code == 404
