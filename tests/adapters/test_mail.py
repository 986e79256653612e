"""Callers who reported by email get their ticket's updates by email, through a real SMTP
conversation with a local server (aiosmtpd), in their language; a refused address is told
to the L1 helpdesk, a temporary refusal is tried again."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from adapters.mail.wire import CHANNEL, render
from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.models import OutboxMessage
from flows import i18n
from flows.messages import Address, Outbound
from tests.conftest import FixedClock
from tests.web_support import CALL as PHONE_CALL
from tests.web_support import operator

HELPDESK_MAIL = "helpdesk@hudd.example"
MAILBOX = "l1-desk@hudd.example"
CALLER = "sabita.nayak@example.org"
L1_CHAT = Address("console", "team-l1")
CALL = {**PHONE_CALL, "source": "email", "contact": "Sabita.Nayak@example.org"}


class Mailbox:
    """What the SMTP server received; addresses it refuses, for good or for now."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived: list[float] = []  # time.time() each message was accepted
        self.refused: set[str] = set()
        self.busy = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.arrived.append(time.time())
        return "250 Message accepted"


class MailServer:
    """A real SMTP server (aiosmtpd) on a loopback port of its own, which a test may stop
    (the helpdesk's mail server is down: connections are refused) and start again."""

    def __init__(self) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()
        self.box = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> MailServer:
        self._controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mailbox(mail_server: MailServer) -> tuple[Mailbox, int]:
    return mail_server.box, mail_server.port


@pytest.fixture
async def mailing_helpdesk(
    database_url: str,
    config: HelpdeskConfig,
    clock: FixedClock,
    channel: MemoryChannel,
    mailbox: tuple[Mailbox, int],
) -> AsyncIterator[Helpdesk]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        smtp_host="127.0.0.1",
        smtp_port=mailbox[1],
        smtp_security="none",
        smtp_from=HELPDESK_MAIL,
        smtp_reply_to=MAILBOX,
    )
    desk = build(
        settings, senders={"memory": channel, "console": channel}, clock=clock, config=config
    )
    yield desk
    await desk.close()


async def deliver(helpdesk: Helpdesk) -> None:
    while await helpdesk.relay.deliver_due():
        pass


async def log_email(helpdesk: Helpdesk) -> str:
    async with operator(helpdesk) as browser:
        answer = await browser.post("/console/tickets/new", CALL)
        assert answer.status_code == 303, answer.text
        number = answer.headers["location"].split("/tickets/", 1)[1].split("?", 1)[0]
        await browser.act(number, "take")
        await browser.act(number, "resolve", note="DSC renewed; the bill is approved")
    return number


async def test_an_email_caller_hears_of_each_change_by_email_in_their_language(
    mailing_helpdesk: Helpdesk,
    mailbox: tuple[Mailbox, int],
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    box, _port = mailbox
    number = await log_email(mailing_helpdesk)
    await deliver(mailing_helpdesk)
    assert [mail["To"] for mail in box.messages] == [CALLER] * 3
    created, taken, resolved = box.messages
    assert all(mail["Subject"].startswith(f"[{number}] ") for mail in box.messages)
    assert all(
        mail["From"] == HELPDESK_MAIL and mail["Reply-To"] == MAILBOX for mail in box.messages
    )
    assert all(mail["Date"].datetime == clock() for mail in box.messages)  # dated when sent
    body = resolved.get_content()
    assert "DSC renewed; the bill is approved" in body
    assert i18n.text("or", "email_footer", number=number) in body  # Odia, as chosen
    assert i18n.text("or", "confirm_yes") in body  # the question's choices, as text
    assert number in created.get_content() and number in taken.get_content()
    assert CALLER not in caplog.text and "sabita.nayak" not in caplog.text.lower()


async def test_a_refused_address_is_told_to_the_l1_helpdesk(
    mailing_helpdesk: Helpdesk, mailbox: tuple[Mailbox, int], channel: MemoryChannel
) -> None:
    box, _port = mailbox
    box.refused.add(CALLER)
    number = await log_email(mailing_helpdesk)
    await deliver(mailing_helpdesk)
    assert box.messages == []
    alerts = [m.text for m in channel.by_address[L1_CHAT] if m.kind == "alert"]
    assert alerts and all(number in text for text in alerts)
    assert CALLER not in " ".join(alerts)  # masked


async def test_a_busy_mail_server_is_tried_again(
    mailing_helpdesk: Helpdesk, mailbox: tuple[Mailbox, int], clock: FixedClock
) -> None:
    box, _port = mailbox
    box.busy = 1
    await log_email(mailing_helpdesk)
    await deliver(mailing_helpdesk)
    assert len(box.messages) == 0  # the first was refused for now; the others wait behind it
    clock.advance(minutes=1)
    await deliver(mailing_helpdesk)
    assert len(box.messages) == 3


async def test_without_smtp_the_operator_writes_to_email_callers(helpdesk: Helpdesk) -> None:
    async with operator(helpdesk) as browser:
        answer = await browser.post("/console/tickets/new", CALL)
        page = (await browser.get(answer.headers["location"])).text
    assert "phone or write to them" in page
    async with helpdesk.unit_of_work() as uow:
        queued = await uow.session.execute(
            select(func.count()).where(OutboxMessage.channel == "email")
        )
        assert queued.scalar_one() == 0  # nothing waits for a channel that cannot send


def test_a_mail_is_marked_automatic_and_its_subject_is_one_line() -> None:
    """Out-of-office replies stay away (Auto-Submitted), and a first line ending in any kind
    of line break still makes a one-line subject instead of failing the mail for good."""
    message = Outbound(
        Address(CHANNEL, "caller@example.org"),
        "Update on MK-1001\u2028resolved\rmore\nrest",
        ticket_number="MK-1001",
        language="en",
    )
    mail = render(message, "helpdesk@example.org", datetime(2026, 12, 7, tzinfo=UTC))
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Subject"] == "[MK-1001] Update on MK-1001"
