"""WhatsApp through Twilio, end to end over HTTP: signed webhooks into the running server,
REST calls out to a local Twilio-compatible server that checks them against Twilio's spec."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from adapters.memory import MemoryChannel
from bot import logs
from bot.app import create_app
from bot.build import Helpdesk, build
from bot.config import HelpdeskConfig
from bot.outbox import LEASE
from bot.settings import Settings
from db.models import OutboxMessage
from flows.messages import Address
from tests.conftest import FixedClock
from tests.servers import serving
from tests.support import Person
from tests.twilio_fake import FakeTwilio, incoming_message, signed, status_callback

PUBLIC_URL = "https://helpdesk.example.org"
HELPDESK_NUMBER = "whatsapp:+14155238886"
RAMESH = "whatsapp:+919876543210"
SUNITA = "whatsapp:+919437000111"
KIRAN = "whatsapp:+919800000004"  # eGov technical team member, on WhatsApp
STRANGER = "whatsapp:+919999999999"
TEMPLATE_EN = "HX" + "e1" * 16
TEMPLATE_OR = "HX" + "0d" * 16
TEMPLATES = f"en={TEMPLATE_EN},or={TEMPLATE_OR}"


def whatsapp_config(config: HelpdeskConfig) -> HelpdeskConfig:
    directory = config.directory
    staff = tuple(
        dataclasses.replace(member, addresses=(*member.addresses, Address("whatsapp", KIRAN[9:])))
        if member.key == "kiran"
        else member
        for member in directory.staff
    )
    return dataclasses.replace(config, directory=dataclasses.replace(directory, staff=staff))


class Server:
    """The helpdesk's ASGI app served over real HTTP on a free loopback port."""

    def __init__(self, helpdesk: Helpdesk, fake: FakeTwilio, client: httpx.AsyncClient) -> None:
        self.helpdesk, self.fake, self.client = helpdesk, fake, client

    async def post(
        self, path: str, form: dict[str, str], sign: bool = True, signature: str | None = None
    ) -> httpx.Response:
        headers = (
            signed(f"{PUBLIC_URL}{path}", form, self.fake.auth_token)
            if sign
            else {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return await self.client.post(path, data=form, headers=headers)

    async def say(
        self,
        frm: str,
        body: str = "",
        media: list[tuple[str, str]] | None = None,
        sid: str | None = None,
    ) -> httpx.Response:
        form = incoming_message(
            frm, body, sid=sid, account_sid=self.fake.account_sid, media=media or []
        )
        response = await self.post("/whatsapp/webhook", form)
        assert response.status_code == 200, response.text
        return response

    async def replies(self, to: str, count: int) -> list[str]:
        """Wait until `to` has received `count` messages in all; their bodies."""
        await self.fake.wait_for_messages(count, to=to)
        return self.fake.bodies(to)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


ServerFactory = Callable[..., Awaitable[Server]]


@pytest.fixture
async def serve(
    sqlite_url: str, config: HelpdeskConfig, clock: FixedClock, fake: FakeTwilio
) -> AsyncIterator[ServerFactory]:
    """Start the helpdesk (fixed clock, Twilio at the fake) and serve it over HTTP."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**extra: Any) -> Server:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=sqlite_url,
                public_url=PUBLIC_URL,
                twilio_account_sid=fake.account_sid,
                twilio_auth_token=SecretStr(fake.auth_token),
                twilio_whatsapp_from=HELPDESK_NUMBER,
                twilio_api_base_url=fake.base_url,
                outbox_poll_seconds=0.05,
                **{"twilio_content_ticket_update": TEMPLATES, **extra},
            )
            helpdesk = build(settings, clock=clock, config=whatsapp_config(config))
            await helpdesk.migrate()
            base_url = await stack.enter_async_context(serving(create_app(helpdesk)))
            client = await stack.enter_async_context(httpx.AsyncClient(base_url=base_url))
            return Server(helpdesk, fake, client)

        yield start


async def file_in_english(server: Server, frm: str = RAMESH) -> str:
    answers = [
        "hi",
        "1",  # English: the report starts
        "1",  # Jatni Municipality
        "1",  # ULB employee (the name is WhatsApp's profile name: not asked)
        "5",  # Wage bills and payments
        "2",  # The app or iFIX shows an error
        "Wage bill for muster roll 42 fails with error 500",
        "1",  # submit
    ]
    for answer in answers:
        await server.say(frm, answer)
    bodies = await wait_for_text(server, frm, "registered as ticket")
    await all_settled(server)
    created = next(body for body in bodies if "registered as ticket" in body)
    return created.split("ticket ", 1)[1].split(".", 1)[0]


async def wait_for_text(server: Server, to: str, fragment: str, count: int = 1) -> list[str]:
    for _ in range(500):
        bodies = server.fake.bodies(to)
        if sum(fragment in body for body in bodies) >= count:
            return bodies
        await asyncio.sleep(0.02)
    raise AssertionError(f"{fragment!r} never reached {to}: {server.fake.bodies(to)}")


async def stored_ticket(helpdesk: Helpdesk, number: str) -> dict[str, Any]:
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        return {
            "status": ticket.status,
            "description": ticket.description,
            "reporter": ticket.reporter_address,
            "attachments": [(a.kind, a.content_type, a.ref) for a in ticket.attachments],
        }


async def test_english_intake_with_numbers_a_voice_note_and_a_photo(serve: ServerFactory) -> None:
    server = await serve()
    await server.say(RAMESH, "hi")
    first = await wait_for_text(server, RAMESH, "Choose your language")
    assert "1. English" in first[0] and "2. ଓଡ଼ିଆ (Odia)" in first[0]
    for answer in ("1", "1", "1", "5", "2"):
        await server.say(RAMESH, answer)
    await wait_for_text(server, RAMESH, "describe the problem")
    await server.say(RAMESH, media=[("https://api.twilio.com/media/ME1", "audio/ogg")])
    await wait_for_text(server, RAMESH, "Please check your report")
    await server.say(RAMESH, media=[("https://api.twilio.com/media/ME2", "image/jpeg")])
    await wait_for_text(server, RAMESH, "2 attachment(s)")
    await server.say(RAMESH, "1")
    bodies = await wait_for_text(server, RAMESH, "registered as ticket MK-1001")

    ticket = await stored_ticket(server.helpdesk, "MK-1001")
    assert ticket["reporter"] == "whatsapp:+919876543210"
    assert ticket["description"] == "(voice note attached)"
    assert ticket["attachments"] == [
        ("voice", "audio/ogg", "https://api.twilio.com/media/ME1"),
        ("photo", "image/jpeg", "https://api.twilio.com/media/ME2"),
    ]
    sent = [m for m in server.fake.messages if m["To"] == RAMESH]
    assert all(m["From"] == HELPDESK_NUMBER for m in sent)
    assert all(m["StatusCallback"] == f"{PUBLIC_URL}/whatsapp/status" for m in sent)
    assert all(len(body) <= 1600 for body in bodies)
    assert server.fake.invalid == []


async def test_odia_intake_with_odia_digits(serve: ServerFactory) -> None:
    server = await serve()
    description = "ମଜୁରି ବିଲ୍ ଦାଖଲ କଲେ ତ୍ରୁଟି ୫୦୦ ଆସୁଛି, ଦୟାକରି ସାହାଯ୍ୟ କରନ୍ତୁ"
    await server.say(SUNITA, "ନମସ୍କାର")
    await wait_for_text(server, SUNITA, "Choose your language")
    for answer in ("୨", "୧", "ଢେଙ୍କାନାଳ", "୨", "ସୁନୀତା ବେହେରା", "୫", "୨", description, "୧", "୧"):
        await server.say(SUNITA, answer)
    bodies = await wait_for_text(server, SUNITA, "MK-1001")
    assert any("ଟିକେଟ" in body and "MK-1001" in body for body in bodies)
    ticket = await stored_ticket(server.helpdesk, "MK-1001")
    assert ticket["description"] == description


async def test_forged_unsigned_and_replayed_webhooks_change_nothing(
    serve: ServerFactory,
) -> None:
    server = await serve()
    form = incoming_message(RAMESH, "hi", account_sid=server.fake.account_sid)
    unsigned = await server.post("/whatsapp/webhook", form, sign=False)
    forged = await server.post("/whatsapp/webhook", form, signature="bm90LWEtc2lnbmF0dXJl")
    tampered = dict(form, Body="status MK-1001")
    replay_tampered = await server.post(
        "/whatsapp/webhook",
        tampered,
        signature=signed(f"{PUBLIC_URL}/whatsapp/webhook", form, server.fake.auth_token)[
            "X-Twilio-Signature"
        ],
    )
    assert [r.status_code for r in (unsigned, forged, replay_tampered)] == [403, 403, 403]
    async with server.helpdesk.unit_of_work() as uow:
        to_reporter = select(OutboxMessage).where(OutboxMessage.address == RAMESH)
        assert (await uow.session.execute(to_reporter)).first() is None

    first = await server.post("/whatsapp/webhook", form)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in first.text
    await wait_for_text(server, RAMESH, "Choose your language")
    again = await server.post("/whatsapp/webhook", form)  # Twilio retrying the same MessageSid
    assert again.status_code == 200
    await asyncio.sleep(0.3)
    assert sum("Choose your language" in body for body in server.fake.bodies(RAMESH)) == 1


async def test_status_pushes_inside_and_outside_the_24_hour_window(
    serve: ServerFactory, clock: FixedClock
) -> None:
    server = await serve()
    number = await file_in_english(server)
    anita = Person(server.helpdesk, MemoryChannel(), "console:anita")
    await anita.say("hi")
    await anita.say("1")

    await anita.say(f"comment {number} Please send the muster roll number")
    bodies = await wait_for_text(server, RAMESH, "Please send the muster roll number")
    assert any(body.startswith("Message from the helpdesk about ticket MK-1001") for body in bodies)

    clock.advance(hours=25)  # the reporter has not written for a day: the window is closed
    await anita.say(f"resolve {number} Fixed in iFIX; please submit the bill again")
    templated: list[dict[str, Any]] = []
    for _ in range(200):
        templated = [m for m in server.fake.messages if m["To"] == RAMESH and "ContentSid" in m]
        if templated:
            break
        await asyncio.sleep(0.02)
    assert templated, server.fake.messages
    assert templated[0]["ContentSid"] == TEMPLATE_EN
    variables = json.loads(templated[0]["ContentVariables"])
    assert variables["1"] == number and "please submit the bill again" in variables["2"]
    assert "Body" not in templated[0]


async def test_outside_the_window_without_a_template_the_l1_group_is_told(
    serve: ServerFactory, clock: FixedClock
) -> None:
    server = await serve(twilio_content_ticket_update="")
    number = await file_in_english(server)
    clock.advance(hours=30)
    anita = Person(server.helpdesk, MemoryChannel(), "console:anita")
    await anita.say("hi")
    await anita.say("1")
    await anita.say(f"comment {number} Are you still facing the problem?")
    for _ in range(300):
        rows = await outbox_rows(server)
        undeliverable = [
            r for r in rows if r["address"] == RAMESH and r["status"] == "undeliverable"
        ]
        alerts = [r for r in rows if r["kind"] == "alert"]
        if undeliverable and alerts:
            break
        await asyncio.sleep(0.02)
    assert undeliverable and "24-hour window" in undeliverable[0]["last_error"], rows
    assert alerts[0]["address"] == "console:team-l1" and number in alerts[0]["payload"]
    assert "9876543210" not in alerts[0]["payload"]  # the alert shows the number masked


async def test_delivery_receipts_are_recorded_and_acted_on(
    serve: ServerFactory, clock: FixedClock
) -> None:
    server = await serve()
    await server.say(RAMESH, "hi")
    await wait_for_text(server, RAMESH, "Choose your language")
    sid = await last_sid(server, RAMESH)

    read = await server.post(
        "/whatsapp/status", status_callback(sid, "read", account_sid=server.fake.account_sid)
    )
    assert read.status_code == 204
    assert (await outbox_row(server, sid))["delivery_status"] == "read"
    forged = await server.post(
        "/whatsapp/status", status_callback(sid, "failed", "63024"), sign=False
    )
    assert forged.status_code == 403
    assert (await outbox_row(server, sid))["status"] == "sent"

    # 63016: the window closed before it arrived -> sent again as the approved template.
    await server.post(
        "/whatsapp/status",
        status_callback(sid, "undelivered", "63016", account_sid=server.fake.account_sid),
    )
    for _ in range(300):
        if any("ContentSid" in m for m in server.fake.messages if m["To"] == RAMESH):
            break
        await asyncio.sleep(0.02)
    assert any(
        m.get("ContentSid") == TEMPLATE_EN for m in server.fake.messages if m["To"] == RAMESH
    )

    # 63024: not a WhatsApp number -> undeliverable, and the L1 group is told.
    await server.say(RAMESH, "1")
    await wait_for_text(server, RAMESH, "Which ULB")
    sid = await last_sid(server, RAMESH)
    await server.post(
        "/whatsapp/status",
        status_callback(sid, "failed", "63024", account_sid=server.fake.account_sid),
    )
    row = await outbox_row(server, sid)
    assert (row["status"], row["delivery_error"]) == ("undeliverable", "63024")
    assert [r["kind"] for r in await outbox_rows(server)].count("alert") == 1


async def wait_for_retry(server: Server, clock: FixedClock) -> None:
    """Until Twilio has refused the send and the relay has recorded it as waiting for its
    retry (no longer leased: a retry is due within seconds, a lease in minutes)."""
    for _ in range(500):
        if any(status == 429 for _method, _path, status in server.fake.requests):
            async with server.helpdesk.unit_of_work().read_only() as uow:
                rows = (await uow.session.execute(select(OutboxMessage))).scalars().all()
            if rows and all(row.next_attempt_at < clock() + LEASE / 2 for row in rows):
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the refused send was not recorded for a retry")


async def test_twilio_429_then_201_delivers_once(serve: ServerFactory, clock: FixedClock) -> None:
    server = await serve()
    server.fake.fail_next(429, 20429, "Too Many Requests")
    await server.say(RAMESH, "hi")
    await wait_for_retry(server, clock)
    assert server.fake.bodies(RAMESH) == []  # refused once, waiting for its retry time
    clock.advance(seconds=5)
    server.helpdesk.relay.wake()
    bodies = await wait_for_text(server, RAMESH, "Choose your language")
    assert len(bodies) == 1


async def test_a_staff_member_resolves_by_whatsapp_command(
    serve: ServerFactory,
) -> None:
    staff_template = "HX" + "5a" * 16
    server = await serve(twilio_content_staff_alert=staff_template)
    number = await file_in_english(server)
    anita = Person(server.helpdesk, MemoryChannel(), "console:anita")
    await anita.say("hi")
    await anita.say("1")
    await anita.say(f"escalate {number}")  # app error -> eGov technical team
    # Kiran has not written to the helpdesk today: his card comes as the staff template.
    for _ in range(300):
        cards = [m for m in server.fake.messages if m["To"] == KIRAN]
        if cards:
            break
        await asyncio.sleep(0.02)
    assert cards, "the eGov technical team member on WhatsApp got no card"
    assert cards[0]["ContentSid"] == staff_template
    assert json.loads(cards[0]["ContentVariables"])["1"] == number

    await server.say(STRANGER, f"resolve {number} not my ticket")
    await asyncio.sleep(0.3)
    assert (await stored_ticket(server.helpdesk, number))["status"] == "escalated"

    await server.say(KIRAN, "hi")
    await server.say(KIRAN, "1")
    await server.say(KIRAN, f"ticket {number}")
    card = await wait_for_text(server, KIRAN, f"{number} · P2")
    assert any("Kind of problem" in body for body in card)
    await server.say(KIRAN, f"resolve {number} Fixed in iFIX; please submit the bill again")
    await wait_for_text(server, RAMESH, "please submit the bill again")
    assert (await stored_ticket(server.helpdesk, number))["status"] == "resolved"


async def test_long_messages_are_split_for_whatsapp(serve: ServerFactory) -> None:
    server = await serve()
    number = await file_in_english(server)
    paragraph = "Open Muster Roll, choose the week, tick each worker present, then Submit. "
    long_note = "\n\n".join(paragraph * 4 for _ in range(12))
    anita = Person(server.helpdesk, MemoryChannel(), "console:anita")
    await anita.say("hi")
    await anita.say("1")
    before = len(server.fake.bodies(RAMESH))
    await anita.say(f"comment {number} {long_note}")
    for _ in range(300):
        parts = server.fake.bodies(RAMESH)[before:]
        if len(parts) >= 3:
            break
        await asyncio.sleep(0.02)
    assert len(parts) >= 3 and all(len(part) <= 1600 for part in parts)
    assert "".join(parts).count("Open Muster Roll") == long_note.count("Open Muster Roll")


async def test_media_copies_are_kept_with_the_account_credentials(
    serve: ServerFactory, tmp_path: Path
) -> None:
    server = await serve(twilio_keep_media=True, media_dir=tmp_path / "media")
    url = server.fake.add_media("screenshot.jpg", b"\xff\xd8 a photo", "image/jpeg")
    await server.say(RAMESH, "hi")
    await server.say(RAMESH, "", media=[(url, "image/jpeg")])
    copy = tmp_path / "media" / url.rstrip("/").rsplit("/", 1)[1]
    for _ in range(300):
        if copy.exists():
            break
        await asyncio.sleep(0.02)
    assert copy.read_bytes() == b"\xff\xd8 a photo"


async def test_logs_never_carry_a_full_phone_number(
    serve: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = await serve()
    caplog.set_level(logging.DEBUG)
    server.fake.fail_next(400, 63024, "Invalid message recipient")
    await server.say(RAMESH, "hi")
    for _ in range(200):
        if any("undeliverable" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.02)
    formatted = [logs.JsonFormatter().format(record) for record in caplog.records]
    assert any("undeliverable" in line for line in formatted)
    assert not any("9876543210" in line for line in formatted)


async def last_sid(server: Server, to: str) -> str:
    await server.fake.wait_for_messages(1, to=to)
    for _ in range(200):
        sent = [
            r
            for r in await outbox_rows(server)
            if r["address"] == to and r["status"] == "sent" and r["sid"]
        ]
        if sent:
            return str(sent[-1]["sid"])
        await asyncio.sleep(0.02)
    raise AssertionError("no sent message recorded")


async def all_settled(server: Server) -> None:
    """Wait until the relay has recorded the outcome of every WhatsApp message (so that a
    test moving the clock on does not meet a send still in flight)."""
    for _ in range(500):
        rows = await outbox_rows(server)
        if not any(r["status"] == "pending" and r["address"].startswith("whatsapp:") for r in rows):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("WhatsApp messages still pending")


async def outbox_rows(server: Server) -> list[dict[str, Any]]:
    async with server.helpdesk.unit_of_work() as uow:
        rows = (await uow.session.execute(select(OutboxMessage))).scalars().all()
        return [
            {
                "address": r.address,
                "status": r.status,
                "kind": r.kind,
                "payload": r.payload,
                "last_error": r.last_error,
                "delivery_status": r.delivery_status,
                "delivery_error": r.delivery_error,
                "sid": r.provider_message_id,
            }
            for r in rows
        ]


async def outbox_row(server: Server, sid: str) -> dict[str, Any]:
    return next(row for row in await outbox_rows(server) if row["sid"] == sid)


async def test_staff_commands_are_done_before_any_language_and_the_reporter_answers_freely(
    serve: ServerFactory,
) -> None:
    server = await serve()
    number = await file_in_english(server)
    await Person(server.helpdesk, MemoryChannel(), "console:anita").say(f"escalate {number}")
    # Kiran's first messages to the helpdesk are commands: none is met by the language list.
    for command, done in (
        (f"take {number}", "started working"),
        (f"priority {number} P1", ""),
        (f"comment {number} Please send the muster roll number", "muster roll number"),
    ):
        await server.say(KIRAN, command)
        if done:
            await wait_for_text(server, RAMESH, done)
    # Ramesh answers the comment in his own words: it reaches Kiran, never "not understood".
    await server.say(RAMESH, "MR/2026/0142")
    await wait_for_text(server, KIRAN, f"The reporter answered on {number}:\nMR/2026/0142")
    await wait_for_text(server, RAMESH, "has been passed to eGov technical team")
    assert not any("did not understand" in body for body in server.fake.bodies(RAMESH))
    await all_settled(server)
    assert not any("Choose your language" in body for body in server.fake.bodies(KIRAN))
    async with server.helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        assert (ticket.priority, ticket.assignee) == ("P1", "kiran")


async def test_a_first_report_takes_eight_replies_and_a_repeat_five_with_the_ulb_shown(
    serve: ServerFactory,
) -> None:
    """Replies counted as a reporter sends them, numbered lists as WhatsApp shows them: a
    first report from "hi" to the ticket ID, a repeat one from the menu's "Report a problem"
    (nothing asked that is known: role, name, ULB; the ULB shown, and changed in the same
    reply)."""
    server = await serve()
    sent: list[str] = []

    async def reply(text: str, expected: str) -> str:
        sent.append(text)
        seen = count(expected)
        await server.say(RAMESH, text)
        await wait_for_text(server, RAMESH, expected, count=seen + 1)
        return [body for body in server.fake.bodies(RAMESH) if expected in body][-1]

    def count(fragment: str) -> int:
        return sum(fragment in body for body in server.fake.bodies(RAMESH))

    await reply("hi", "Choose your language")
    await reply("1", "Which ULB")  # English: the report starts at once
    await reply("1", "ULB employee or a CBO")  # Jatni Municipality
    module = await reply("1", "Which part of MUKTASoft")  # the name is WhatsApp's profile name
    assert "ULB: " not in module and "5. Wage bills and payments" in module
    await reply("5", "What kind of problem")
    await reply("2", "describe the problem")
    summary = await reply("Wage bill for muster roll 42 fails with error 500", "check your report")
    assert "Name: Ramesh (ULB employee)" in summary and "1. Submit" in summary
    await reply("1", "registered as ticket MK-1001")
    assert len(sent) == 8

    sent.clear()
    await server.say(RAMESH, "menu")
    await wait_for_text(server, RAMESH, "1. Report a problem")
    module = await reply("1", "Which part of MUKTASoft")
    assert module.startswith(
        "ULB: Jatni Municipality (from your last report). For another ULB, type its name."
    )
    again = await reply("Dhenkanal", "Which part of MUKTASoft")  # another ULB, in one reply
    assert "ULB: " not in again
    await reply("4", "What kind of problem")  # Muster rolls and attendance
    await reply("2", "describe the problem")
    summary = await reply("Attendance of week 3 does not save", "check your report")
    assert "ULB: Dhenkanal Municipality" in summary
    await reply("1", "registered as ticket MK-1002")
    assert len(sent) == 6  # five, and one more to change the ULB


async def test_a_second_greeting_is_asked_the_language_again(serve: ServerFactory) -> None:
    server = await serve()
    for count, greeting in enumerate(("hi", "hi", "hello"), 1):
        await server.say(RAMESH, greeting)
        await wait_for_text(server, RAMESH, "Choose your language", count=count)
    await all_settled(server)
    assert not any("What would you like to do?" in b for b in server.fake.bodies(RAMESH))
    await server.say(RAMESH, "1")
    await wait_for_text(server, RAMESH, "Which ULB")
