"""WhatsApp through Twilio, end to end over HTTP: signed webhooks into the running server,
REST calls out to a local Twilio-compatible server that checks them against Twilio's spec."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.memory import MemoryChannel
from adapters.whatsapp import sender as bot_whatsapp
from adapters.whatsapp.channel import WhatsAppChannel, media_file_name
from bot import logs
from bot.app import create_app
from bot.build import build
from bot.channels import whatsapp_options
from bot.core.config import HelpdeskConfig
from bot.core.outbox import LEASE
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.models import InboundMessage, OutboxMessage
from db.repositories import InboundRepository
from flows.delivery import BULK, HEARD_AT, INTERACTIVE, LANE, RetryLater, Throttled
from flows.messages import Address, Attachment, Outbound
from tests.conftest import FixedClock
from tests.servers import serving
from tests.support import Person, latin_words
from tests.twilio_fake import FakeTwilio, incoming_message, signed, status_callback
from tests.web.test_web_attachments import filed_with
from tests.web_support import ConsoleClient, make_account

PUBLIC_URL = "https://helpdesk.example.org"
HELPDESK_NUMBER = "whatsapp:+14155238886"
RAMESH = "whatsapp:+919876543210"
SUNITA = "whatsapp:+919437000111"
KIRAN = "whatsapp:+919800000004"  # eGov technical team member, on WhatsApp
ANITA = "whatsapp:+919800000001"  # L1 operator, also on WhatsApp
STRANGER = "whatsapp:+919999999999"
TEMPLATE_EN = "HX" + "e1" * 16
TEMPLATE_OR = "HX" + "0d" * 16
TEMPLATES = f"en={TEMPLATE_EN},or={TEMPLATE_OR}"


def whatsapp_config(config: HelpdeskConfig) -> HelpdeskConfig:
    directory = config.directory
    phones = {"kiran": KIRAN, "anita": ANITA}
    staff = tuple(
        dataclasses.replace(
            member, addresses=(*member.addresses, Address.parse(phones[member.key]))
        )
        if member.key in phones
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
                **{
                    "twilio_content_ticket_update": TEMPLATES,
                    # Numbered lists (the menus to tap: test_whatsapp_menus).
                    "twilio_interactive_menus": False,
                    **extra,
                },
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
    [greeting] = await wait_for_text(server, SUNITA, "Choose your language")
    # No language yet: greeted in all three, each line in its own language.
    assert "ନମସ୍କାର! ଏହା ଓଡ଼ିଶା" in greeting and "ଆପଣଙ୍କ ଭାଷା ବାଛନ୍ତୁ" in greeting
    # The report starts once the language is picked; the name is WhatsApp's profile name.
    for answer in ("୨", "ଢେଙ୍କାନାଳ", "୨", "୫", "୨", description, "୧"):
        await server.say(SUNITA, answer)
    bodies = await wait_for_text(server, SUNITA, "MK-1001")
    created = next(body for body in bodies if "MK-1001" in body)
    # The due time in Odia words: Tuesday 1 December, forenoon.
    assert "ମଙ୍ଗଳବାର 1 ଡିସେମ୍ବର 2026, ପୂର୍ବାହ୍ନ 11:00" in created
    # Everything after the language was chosen, lists included, reads Odia only.
    # (but the name WhatsApp shows for her, given back in the summary as it is written)
    foreign = {body: [w for w in latin_words(body) if w != "Ramesh"] for body in bodies[1:]}
    assert {body: words for body, words in foreign.items() if words} == {}
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


async def test_the_sandboxs_rate_error_in_a_receipt_slows_down_without_using_a_try(
    serve: ServerFactory, clock: FixedClock
) -> None:
    """63018 (the sandbox number's one message every 3 seconds) comes back in a receipt: the
    message goes out again 3 s later, the try not counted, and the sender pauses as long."""
    server = await serve()
    await server.say(RAMESH, "hi")
    await wait_for_text(server, RAMESH, "Choose your language")
    sid = await last_sid(server, RAMESH)
    await server.post(
        "/whatsapp/status",
        status_callback(sid, "failed", "63018", account_sid=server.fake.account_sid),
    )
    async with server.helpdesk.unit_of_work().read_only() as uow:
        row = await uow.outbox.by_provider_id(sid)
    assert row is not None
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.next_attempt_at == clock.now + timedelta(seconds=3)
    assert server.helpdesk.whatsapp is not None
    pace = server.helpdesk.whatsapp.sender.pace
    assert pace.last_start + pace.spacing > time.monotonic() + 2


async def test_answers_go_out_without_looking_up_when_the_reporter_last_wrote(
    serve: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each answer's row says when the reporter wrote: a whole intake is answered without
    one lookup of the reporter's 24-hour window (the new ticket's card to a staff member on
    WhatsApp answers nothing they wrote: theirs is looked up)."""
    lookups: list[str] = []
    last_from = InboundRepository.last_from

    async def counted(repository: InboundRepository, address: str) -> datetime | None:
        lookups.append(address)
        return await last_from(repository, address)

    monkeypatch.setattr(InboundRepository, "last_from", counted)
    server = await serve()
    await file_in_english(server)
    assert len(server.fake.bodies(RAMESH)) >= 8  # every answer of a first report
    assert RAMESH not in lookups  # (an L1 operator's chat told of the new ticket may be)


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


async def test_a_429_with_retry_after_is_retried_after_that_long_without_using_a_try(
    serve: ServerFactory, clock: FixedClock
) -> None:
    server = await serve()
    server.fake.fail_next(429, 20429, "Too Many Requests", headers={"Retry-After": "5"})
    await server.say(RAMESH, "hi")
    await wait_for_retry(server, clock)
    async with server.helpdesk.unit_of_work().read_only() as uow:
        query = select(OutboxMessage).where(OutboxMessage.address == RAMESH)
        row = (await uow.session.execute(query.order_by(OutboxMessage.id))).scalars().first()
    assert row is not None
    assert row.next_attempt_at == clock.now + timedelta(seconds=5)
    assert (row.status, row.attempts) == ("pending", 0)  # slowed down, not a failed try
    # Every send of the sender waits as long (the test does not wait it out).
    assert server.helpdesk.whatsapp is not None
    pace = server.helpdesk.whatsapp.sender.pace
    assert pace.last_start + pace.spacing > time.monotonic() + 4
    pace.last_start = -math.inf

    clock.advance(seconds=4.9)
    assert await server.helpdesk.relay.deliver_due() == 0
    clock.advance(seconds=0.1)
    server.helpdesk.relay.wake()
    assert len(await wait_for_text(server, RAMESH, "Choose your language")) == 1


async def no_lookups(_address: Address) -> datetime | None:
    raise AssertionError("the sender looked up when the chat last wrote")


def sending_only(
    fake: FakeTwilio, clock: FixedClock, base_url: str | None = None
) -> WhatsAppChannel:
    """The channel with default settings, sending to `fake` (or `base_url`), with no
    database to look in."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=SecretStr(fake.auth_token),
        twilio_whatsapp_from=HELPDESK_NUMBER,
        twilio_api_base_url=base_url or fake.base_url,
        twilio_interactive_menus=False,
        public_url=PUBLIC_URL,
    )
    return WhatsAppChannel(whatsapp_options(settings), no_lookups, None, clock)


async def test_whatsapp_sends_keep_to_the_senders_rate_and_answers_go_first(
    fake: FakeTwilio, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """120 notices to as many reporters, then an answer to one who just wrote: never more than
    TWILIO_MAX_PER_SECOND (80) sends start in any second, by the sender's own clock; the
    answer goes ahead of the notices still waiting; and the rows' `heard_at` spares every
    lookup of the 24-hour window."""
    channel = sending_only(fake, clock)
    sender = channel.sender
    assert sender.options.max_per_second == 80
    starts: list[float] = []
    acquire = sender.pace.acquire

    async def timed(urgency: float = 0.0) -> None:
        await acquire(urgency)
        starts.append(time.monotonic())

    monkeypatch.setattr(sender.pace, "acquire", timed)

    async def send(to: str, text: str, lane: int) -> str:
        LANE.set(lane)
        HEARD_AT.set(clock.now - timedelta(hours=1))
        return await sender.send(Outbound(Address.parse(to), text, kind="notice"))

    try:
        notices = [
            asyncio.create_task(send(f"whatsapp:+9190000{n:05d}", f"notice {n}", BULK))
            for n in range(120)
        ]
        await asyncio.sleep(0.05)  # the notices are waiting for their turns
        await send(RAMESH, "your answer", INTERACTIVE)
        await asyncio.gather(*notices)
    finally:
        await channel.close()

    assert len(fake.bodies()) == 121
    assert fake.bodies().index("your answer") < 10
    assert len(starts) == 121
    busiest = max(sum(1 for t in starts if start <= t < start + 1) for start in starts)
    assert busiest <= 80, busiest


async def test_a_message_that_would_wait_long_for_its_turn_is_handed_back(
    fake: FakeTwilio, clock: FixedClock
) -> None:
    """Twilio asked for a minute's pause: the next message is not held that long (past its
    lease, to be sent twice) but handed back at once, due when the pause ends."""
    channel = sending_only(fake, clock)
    try:
        assert channel.sender.pause(20429, 60) == 60
        HEARD_AT.set(clock.now)
        with pytest.raises(Throttled) as raised:
            await channel.sender.send(Outbound(Address.parse(RAMESH), "hello"))
    finally:
        await channel.close()
    assert raised.value.retry_after is not None and 59 < raised.value.retry_after <= 60
    assert fake.messages == []


async def test_a_send_twilio_never_answers_is_given_up_and_tried_again_later(
    fake: FakeTwilio, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twilio takes the connection and never answers: the send ends after REQUEST_TIMEOUT
    as one to try again (the relay backs off), not a relay waiting for ever."""

    async def never(_request: Request) -> Response:
        await asyncio.sleep(60)
        return Response(status_code=201)

    monkeypatch.setattr(bot_whatsapp, "REQUEST_TIMEOUT", 0.3)
    app = Starlette(routes=[Route("/{path:path}", never, methods=["POST"])])
    async with serving(app) as silent:
        channel = sending_only(fake, clock, base_url=silent)
        try:
            HEARD_AT.set(clock.now)
            started = time.monotonic()
            with pytest.raises(RetryLater, match="unreachable"):
                await channel.sender.send(Outbound(Address.parse(RAMESH), "hello"))
        finally:
            await channel.close()
    assert time.monotonic() - started < 5


async def test_what_the_sender_remembers_of_the_window_stays_bounded(
    fake: FakeTwilio, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot_whatsapp, "HEARD_KEPT", 4)
    channel = sending_only(fake, clock)
    try:
        for n in range(10):
            address = Address.parse(f"whatsapp:+9190300{n:05d}")
            assert await channel.sender.in_window(address, clock.now - timedelta(hours=n))
            assert len(channel.sender._heard) <= 4
    finally:
        await channel.close()


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


async def test_a_staff_member_on_whatsapp_is_told_what_changed_not_sent_the_card_again(
    serve: ServerFactory,
) -> None:
    """Kiran's own chat is where his team's cards reach him on WhatsApp: after his own
    command it gets the one line saying what changed, not the card and a menu as well."""
    server = await serve()
    number = await file_in_english(server)
    anita = Person(server.helpdesk, MemoryChannel(), "console:anita")
    await anita.say("hi")
    await anita.say("1")
    await anita.say(f"escalate {number}")  # app error -> eGov technical team
    await server.say(KIRAN, "hi")
    await server.say(KIRAN, "1")
    await wait_for_text(server, KIRAN, "What would you like to do?")
    await all_settled(server)
    before = len(server.fake.bodies(KIRAN))
    await server.say(KIRAN, f"priority {number} P1")
    await wait_for_text(server, KIRAN, f"{number}: priority P2 → P1")
    await server.say(KIRAN, f"take {number}")
    await wait_for_text(server, KIRAN, f"{number}: taken by")
    await all_settled(server)
    assert server.fake.bodies(KIRAN)[before:] == [
        f"{number}: priority P2 → P1; response due Mon 30 Nov 2026, 11:00 am",
        f"{number}: taken by Kiran (eGov technical); Passed to a specialist team → Being worked on",
    ]


async def test_an_l1_operator_on_whatsapp_follows_a_ticket_after_its_escalation(
    serve: ServerFactory,
) -> None:
    """With no WhatsApp groups, L1 members' own chats are L1's chat: once a ticket is with
    another team they still hear each change of it, in a line."""
    server = await serve()
    number = await file_in_english(server)
    await server.say(KIRAN, "hi")  # Kiran (eGov technical) writes from WhatsApp
    await server.say(KIRAN, "1")
    await server.say(ANITA, "hi")
    await server.say(ANITA, "1")
    await server.say(ANITA, f"escalate {number}")
    await wait_for_text(server, ANITA, f"{number}: L1 Helpdesk (HUDD) → eGov technical team")
    await server.say(KIRAN, f"take {number}")
    await server.say(KIRAN, f"resolve {number} Fixed in iFIX")
    following = f"Following {number} (eGov technical team): {number}: "
    await wait_for_text(server, ANITA, f"{following}resolved")
    lines = [body for body in server.fake.bodies(ANITA) if body.startswith("Following")]
    assert lines == [
        f"{following}taken by Kiran (eGov technical); Passed to a specialist team → "
        "Being worked on",
        f"{following}resolved; the reporter is asked to confirm",
    ]


async def comment_at_length(server: Server, number: str) -> str:
    """L1 comments on the ticket at more than three WhatsApp messages' length."""
    paragraph = "Open Muster Roll, choose the week, tick each worker present, then Submit. "
    long_note = "\n\n".join(paragraph * 4 for _ in range(12))
    anita = Person(server.helpdesk, MemoryChannel(), "console:anita")
    await anita.say("hi")
    await anita.say("1")
    await anita.say(f"comment {number} {long_note}")
    return long_note


async def parts_after(server: Server, before: int, count: int) -> list[str]:
    for _ in range(300):
        parts = server.fake.bodies(RAMESH)[before:]
        if len(parts) >= count:
            return parts
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} parts: {parts}")


async def test_long_messages_are_split_for_whatsapp(serve: ServerFactory) -> None:
    server = await serve()
    number = await file_in_english(server)
    before = len(server.fake.bodies(RAMESH))
    long_note = await comment_at_length(server, number)
    parts = await parts_after(server, before, 3)
    assert all(len(part) <= 1600 for part in parts)
    assert "".join(parts).count("Open Muster Roll") == long_note.count("Open Muster Roll")


async def test_a_long_message_cut_off_by_twilio_resumes_where_it_stopped(
    serve: ServerFactory, clock: FixedClock
) -> None:
    """Its second part refused (Twilio 503): the retry sends the rest, not the first again."""
    server = await serve()
    number = await file_in_english(server)
    before = len(server.fake.bodies(RAMESH))
    server.fake.fail_next(503, 20503, "Service Unavailable", after=1)
    long_note = await comment_at_length(server, number)
    await parts_after(server, before, 1)
    for _ in range(500):
        rows = await outbox_rows(server)
        if any(row["address"] == RAMESH and "503" in row["last_error"] for row in rows):
            break
        await asyncio.sleep(0.02)
    clock.advance(seconds=5)
    server.helpdesk.relay.wake()
    await parts_after(server, before, 3)
    await all_settled(server)
    parts = server.fake.bodies(RAMESH)[before:]
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
    # Twilio's redirect to its media CDN is followed without the account's credentials.
    assert server.fake.cdn_authorized == [False]


@contextlib.asynccontextmanager
async def listening() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """A loopback HTTP server that records every request (the headers of each) it gets."""
    heard: list[dict[str, str]] = []

    async def record(request: Request) -> Response:
        heard.append(dict(request.headers))
        return Response(b"\xff\xd8 not Twilio's", media_type="image/jpeg")

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])
    async with serving(app, lifespan="off") as url:
        yield url, heard


async def refusal_logged(caplog: pytest.LogCaptureFixture, why: str) -> str:
    """The log line of a media copy that was not kept, once it is written."""
    for _ in range(500):
        for record in caplog.records:
            if record.getMessage() == "media copy not kept" and why in str(record.__dict__):
                return logs.JsonFormatter().format(record)
        await asyncio.sleep(0.02)
    raise AssertionError(f"no media copy refused for {why!r}")


async def inbound_attachments(server: Server, sid: str) -> str:
    async with server.helpdesk.unit_of_work() as uow:
        stored = await uow.session.scalar(
            select(InboundMessage.attachments).where(InboundMessage.provider_id == sid)
        )
    assert stored is not None
    return stored


@pytest.mark.parametrize(
    "where", ["http://localhost:{port}/m/ME1", "http://127.0.0.1:{port}/2010-04-01/Media/ME1"]
)
async def test_media_elsewhere_than_twilio_is_never_fetched_and_the_message_is_kept(
    serve: ServerFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    """Another host, or the API's host on another port: nothing is asked of it, with the
    account's credentials or without; the reporter's message and its media URL are kept."""
    caplog.set_level(logging.INFO)
    server = await serve(twilio_keep_media=True, media_dir=tmp_path / "media")
    async with listening() as (url, heard):
        media_url = where.format(port=url.rsplit(":", 1)[1])
        await server.say(RAMESH, "hi")
        await server.say(RAMESH, "the bill screen", media=[(media_url, "image/jpeg")], sid="MM1")
        line = await refusal_logged(caplog, "not on Twilio's API host")
        assert heard == []
    assert "9876543210" not in line
    assert media_url in await inbound_attachments(server, "MM1")
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").iterdir())


async def test_a_redirect_away_from_twilio_is_not_followed(
    serve: ServerFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = await serve(twilio_keep_media=True, media_dir=tmp_path / "media")
    async with listening() as (url, heard):
        media_url = server.fake.add_media("x.jpg", b"\xff\xd8", "image/jpeg", moved_to=url)
        await server.say(RAMESH, "hi")
        await server.say(RAMESH, "", media=[(media_url, "image/jpeg")], sid="MM2")
        await refusal_logged(caplog, "redirected away from Twilio's hosts")
        assert heard == []
    assert media_url in await inbound_attachments(server, "MM2")


async def test_a_file_past_the_size_cap_is_not_kept(
    serve: ServerFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    folder = tmp_path / "media"
    server = await serve(twilio_keep_media=True, media_dir=folder, twilio_media_max_bytes=1000)
    small = server.fake.add_media("small.jpg", b"s" * 1000, "image/jpeg")
    large = server.fake.add_media("large.mp4", b"L" * 5000, "video/mp4")
    await server.say(RAMESH, "hi")
    await server.say(RAMESH, "", media=[(large, "video/mp4"), (small, "image/jpeg")], sid="MM3")
    await refusal_logged(caplog, "larger than 1000 bytes")
    for _ in range(300):
        if (folder / media_file_name(small)).exists():
            break
        await asyncio.sleep(0.02)
    assert (folder / media_file_name(small)).read_bytes() == b"s" * 1000
    assert not (folder / media_file_name(large)).exists()
    assert large in await inbound_attachments(server, "MM3")


async def test_staff_open_media_from_twilio_and_nothing_from_elsewhere(
    serve: ServerFactory,
) -> None:
    """The console fetches a WhatsApp photo when asked, as the copies are: from Twilio only."""
    server = await serve()
    photo = server.fake.add_media("bill.jpg", b"\xff\xd8 the bill", "image/jpeg")
    async with listening() as (url, heard):
        elsewhere = f"{url}/Media/ME2"
        number = await filed_with(
            server.helpdesk,
            Attachment("photo", photo, "image/jpeg"),
            Attachment("photo", elsewhere, "image/jpeg"),
            reporter=RAMESH,
        )
        async with server.helpdesk.unit_of_work() as uow:
            ticket = await uow.tickets.by_number(number)
            assert ticket is not None
            items = [item.id for item in ticket.attachments]
        await make_account(server.helpdesk, "anita", "l1", "l1")
        # The console is at PUBLIC_URL (HTTPS: its cookies are Secure).
        app = httpx.ASGITransport(app=create_app(server.helpdesk, run_relay=False))
        async with httpx.AsyncClient(transport=app, base_url=PUBLIC_URL) as http:
            browser = ConsoleClient(http)
            await browser.sign_in("anita")
            fetched = await browser.get(f"/console/tickets/{number}/attachments/{items[0]}")
            refused = await browser.get(f"/console/tickets/{number}/attachments/{items[1]}")
        assert fetched.status_code == 200 and fetched.content == b"\xff\xd8 the bill"
        assert refused.status_code == 404 and heard == []
    assert server.fake.cdn_authorized == [False]


async def test_at_most_ten_media_are_read_from_a_message(serve: ServerFactory) -> None:
    """Twilio sends at most 10; a form that claims more is read that far, however large the
    count it gives."""
    server = await serve()
    media = [(f"https://api.twilio.com/m/ME{index}", "image/jpeg") for index in range(12)]
    form = incoming_message(RAMESH, "photos", sid="MM4", media=media)
    form["NumMedia"] = "99999999999999999999"
    response = await server.post("/whatsapp/webhook", form)
    assert response.status_code == 200
    kept = json.loads(await inbound_attachments(server, "MM4"))
    assert [item["ref"] for item in kept] == [url for url, _ in media[:10]]


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


def test_a_helpdesk_with_whatsapp_is_built_outside_an_event_loop(sqlite_url: str) -> None:
    """The commands build the helpdesk before their event loop runs (and `migrate` sends
    nothing): building it must not need one."""
    settings = Settings(
        database_url=sqlite_url,
        public_url=PUBLIC_URL,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=SecretStr("token"),
        twilio_whatsapp_from=HELPDESK_NUMBER,
    )
    helpdesk = build(settings)

    assert helpdesk.whatsapp is not None
    asyncio.run(helpdesk.whatsapp.close())
    asyncio.run(helpdesk.close())


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
