"""Staff open a reporter's photo or document from the ticket page: the console fetches it
from the channel that holds it (here a local Bot API server, through the real PTB Bot)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from flows.commands import SubmitTicket
from flows.messages import Address, Attachment
from tests.conftest import FixedClock
from tests.telegram_fake import FakeTelegram
from tests.web_support import console_client, make_account

PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REPORT = b"<html><script>alert('from a reporter')</script></html>"


@pytest.fixture
async def telegram_helpdesk(
    database_url: str, config: HelpdeskConfig, clock: FixedClock, fake: FakeTelegram
) -> AsyncIterator[Helpdesk]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        telegram_bot_token=SecretStr(fake.token),
        telegram_api_base_url=fake.base_url,
    )
    desk = build(settings, senders={"console": MemoryChannel()}, clock=clock, config=config)
    yield desk
    await desk.close()


async def filed_with(
    helpdesk: Helpdesk, *attachments: Attachment, reporter: str = "telegram:4242"
) -> str:
    command = SubmitTicket(
        language="en",
        reporter_role="ulb_employee",
        reporter_name="Ramesh Sahu",
        ulb="jatni",
        module="wage_bills",
        category="app_error",
        description="Error 500 when submitting the wage bill; screenshot attached",
        attachments=attachments,
    )
    async with helpdesk.unit_of_work() as uow:
        ticket = await helpdesk.dispatcher.service.create(
            uow, Address.parse(reporter), command, helpdesk.clock()
        )
        await uow.commit()
        return ticket.number


async def test_a_reporters_photo_opens_from_the_ticket_page(
    telegram_helpdesk: Helpdesk, fake: FakeTelegram
) -> None:
    fake.add_file("PHOTO-1", PHOTO)
    fake.add_file("DOC-1", REPORT)
    number = await filed_with(
        telegram_helpdesk,
        Attachment("photo", "PHOTO-1", "image/png"),
        Attachment("document", "DOC-1", "text/html", "report.html"),
        Attachment("photo", "GONE-1", "image/jpeg"),
    )
    await make_account(telegram_helpdesk, "anita", "l1", "l1")
    async with console_client(telegram_helpdesk) as browser:
        await browser.sign_in("anita")
        page = (await browser.get(f"/console/tickets/{number}")).text
        links = re.findall(rf'href="(/console/tickets/{number}/attachments/\d+)"', page)
        assert len(links) == 3
        photo = await browser.get(links[0])
        assert photo.status_code == 200 and photo.content == PHOTO
        assert photo.headers["content-type"] == "image/png"
        assert photo.headers["content-disposition"].startswith("inline")
        # A document the reporter sent is downloaded, never rendered inside the console.
        document = await browser.get(links[1])
        assert document.content == REPORT
        assert document.headers["content-type"] == "application/octet-stream"
        assert document.headers["content-disposition"].startswith("attachment")
        assert "report.html" in document.headers["content-disposition"]
        assert "sandbox" in document.headers["content-security-policy"]
        gone = await browser.get(links[2])
        assert gone.status_code == 404 and "send it again" in gone.text
        assert (await browser.get(f"/console/tickets/{number}/attachments/999")).status_code == 404


async def test_a_member_of_another_team_cannot_open_the_attachment(
    telegram_helpdesk: Helpdesk, fake: FakeTelegram
) -> None:
    fake.add_file("PHOTO-1", PHOTO)
    number = await filed_with(telegram_helpdesk, Attachment("photo", "PHOTO-1", "image/png"))
    await make_account(telegram_helpdesk, "ravi", "member", "master_trainers")
    async with console_client(telegram_helpdesk) as browser:
        await browser.sign_in("ravi")
        async with telegram_helpdesk.unit_of_work() as uow:
            ticket = await uow.tickets.by_number(number)
            assert ticket is not None
            item = ticket.attachments[0].id
        refused = await browser.get(f"/console/tickets/{number}/attachments/{item}")
        assert refused.status_code == 403 and PHOTO not in refused.content
