"""Callers who wrote by email: an L1 operator (their account made with the CLI) logs the call
in the web console of the running service, staff act on the ticket in the console and in the
L1 group on Telegram, and the caller gets each update by email from a real SMTP server
(aiosmtpd), in their language, with the ticket's number and the configured Reply-To. While the
mail server is down the outbox keeps the mail, and sends it once when its retry falls due."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from flows import i18n
from tests.adapters.test_mail import Mailbox, MailServer
from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.console import Browser
from tests.blackbox.service import SMTP_FROM, Service, team_chat, telegram_message
from tests.blackbox.test_media import wait_until
from tests.blackbox.test_outbox_timer import _epoch
from tests.web_support import CALL as PHONE_CALL

OPERATOR, PASSWORD = "anita", "a long enough password"
CALLER = "sabita.nayak@example.org"
# "Log a call": the caller wrote to the helpdesk's mailbox, in Hindi.
CALL = {**PHONE_CALL, "source": "email", "contact": "Sabita.Nayak@example.org", "language": "hi"}
REPLY_TO = "l1@mukta.example.org"  # SMTP_REPLY_TO of the suite's configuration
POLL_SECONDS = 1.0
SLACK = 1.0
L1_MEMBER = 7301  # someone in the L1 group on Telegram


@pytest.fixture
def operator_console(service: ServiceFactory) -> Iterator[tuple[Service, Browser]]:
    """A helpdesk whose L1 operator's account was made as an operator makes it (the CLI, the
    password on stdin), started and signed in to from a browser."""
    helpdesk = service(OUTBOX_POLL_SECONDS=str(POLL_SECONDS))
    created = helpdesk.command(
        "account", "create", OPERATOR, "--name", "Anita", "--role", "l1", "--team", "l1",
        typed=f"{PASSWORD}\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    helpdesk.start()
    browser = Browser(helpdesk)
    browser.sign_in(OPERATOR, PASSWORD)
    yield helpdesk, browser
    browser.close()


def mail_rows(helpdesk: Service) -> list[tuple[str, int, str]]:
    """The outbox's mail to the caller, in order: status, attempts, next attempt."""
    return helpdesk.sql(
        "SELECT status, attempts, next_attempt_at FROM outbox WHERE channel = 'email' ORDER BY id"
    )


def all_sent(helpdesk: Service, count: int) -> bool:
    rows = mail_rows(helpdesk)
    return len(rows) == count and all(status == "sent" for status, _, _ in rows)


def assert_from_the_helpdesk(box: Mailbox, number: str) -> None:
    mails = box.messages
    assert [mail["To"] for mail in mails] == [CALLER] * len(mails)
    # Dated when sent: every mail must carry a Date (RFC 5322); mail clients sort by it.
    assert all(mail["Date"] is not None for mail in mails)
    dated = [mail["Date"].datetime.timestamp() for mail in mails]
    assert all(at - 5 <= sent <= at for sent, at in zip(dated, box.arrived, strict=True))
    assert all(mail["From"] == SMTP_FROM and mail["Reply-To"] == REPLY_TO for mail in mails)
    assert all(mail["Subject"].startswith(f"[{number}] ") for mail in mails)
    footer = i18n.text("hi", "email_footer", number=number)  # Hindi, as the caller wrote
    assert all(footer in mail.get_content() for mail in mails)


def test_an_email_caller_gets_each_update_by_email_in_their_language(
    operator_console: tuple[Service, Browser], mail_server: MailServer
) -> None:
    helpdesk, browser = operator_console
    number = browser.log_call(CALL)
    browser.act(number, "take")
    resolution = "DSC renewed; the bill is approved"
    in_group = telegram_message(
        team_chat(helpdesk, "l1"), f"/resolve {number} {resolution}", sender=L1_MEMBER
    )
    assert helpdesk.telegram_update(in_group).status_code == 200

    wait_until(lambda: all_sent(helpdesk, 3))
    mails = mail_server.box.messages
    assert len(mails) == 3  # created, taken, resolved: each once
    assert_from_the_helpdesk(mail_server.box, number)
    created, _taken, resolved = (mail.get_content() for mail in mails)
    assert number in created
    assert resolution in resolved
    assert i18n.text("hi", "confirm_yes") in resolved  # the question's choices, as text


def test_mail_held_by_a_mail_server_outage_goes_out_once_when_its_retry_falls_due(
    operator_console: tuple[Service, Browser], mail_server: MailServer
) -> None:
    helpdesk, browser = operator_console
    mail_server.stop()  # connections to the mail server are refused
    number = browser.log_call(CALL)
    browser.act(number, "take")

    def retrying() -> bool:
        """The first mail failed twice and waits for its retry (not leased to a send)."""
        rows = mail_rows(helpdesk)
        return bool(rows) and rows[0][1] >= 2 and _epoch(rows[0][2]) < time.time() + 10

    wait_until(retrying)
    mail_server.start()  # back; nobody does anything
    due = _epoch(mail_rows(helpdesk)[0][2])

    wait_until(lambda: all_sent(helpdesk, 2))
    box = mail_server.box
    assert len(box.messages) == 2  # created, then taken: each once
    assert_from_the_helpdesk(box, number)
    assert box.arrived[0] - due <= POLL_SECONDS + SLACK, f"{box.arrived[0] - due:.2f} s late"
