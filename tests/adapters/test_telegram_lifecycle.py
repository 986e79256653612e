"""The whole lifecycle on Telegram: the real PTB bot against a local Bot API server.

A reporter files a ticket with buttons in a private chat, the L1 group gets the card, an
operator escalates it from the card, the eGov technical group gets its card and resolves the
ticket by replying to a prompt, and the reporter is told of every step. Polling and webhook.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import create_app
from bot.build import build
from bot.core.config import HelpdeskConfig, load_config_text
from bot.helpdesk import Helpdesk
from bot.settings import ROOT, Settings
from db.models import InboundMessage, OutboxMessage
from flows.messages import Address
from tests.faultkit import without_timed_notices
from tests.telegram_fake import (
    FakeTelegram,
    callback,
    group_text,
    next_id,
    private_photo,
    private_text,
)

REPORTER = 5001
ANITA = 7001  # in the L1 helpdesk group; not in the staff list
RAVI = 7002  # in the Master Trainers group
KIRAN = 7004  # in the eGov technical team's group
GROUPS = {
    "l1": -1001,
    "master_trainers": -1002,
    "hudd_tech": -1003,
    "egov_tech": -1004,
    "egov": -1005,
    "hudd_admin": -1006,
}
SECRET = "webhook-secret_42"

JSONDict = dict[str, Any]


def telegram_config(config: HelpdeskConfig) -> HelpdeskConfig:
    """The shipped configuration with every team in a Telegram group."""
    directory = config.directory
    teams = tuple(
        dataclasses.replace(team, chats=(Address("telegram", str(GROUPS[team.key])),))
        for team in directory.teams
    )
    return dataclasses.replace(config, directory=dataclasses.replace(directory, teams=teams))


@pytest.fixture
def config() -> HelpdeskConfig:
    """The shipped configuration without the daily digest and the weekly summary: these
    helpdesks' schedulers go by the real clock, and would send them at start-up from their
    time of day on (09:30, and Monday 10:00, office time)."""
    text = (ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8")
    return load_config_text(without_timed_notices(text))


@pytest.fixture
def sqlite_file(sqlite_url: str) -> str:
    return sqlite_url


def settings_for(database_url: str, fake: FakeTelegram, **extra: Any) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        telegram_bot_token=SecretStr(fake.token),
        telegram_api_base_url=fake.base_url,
        telegram_poll_timeout=1,
        # The spacing logic is tested in test_telegram_sender; here it would only add waiting.
        telegram_private_per_second=50,
        telegram_group_per_minute=3000,
        outbox_poll_seconds=0.1,
        **extra,
    )


class Chat:
    """One Telegram chat as the fake server sees it, driven like a person would."""

    def __init__(self, fake: FakeTelegram, chat_id: int, user_id: int, name: str) -> None:
        self.fake, self.chat_id, self.user_id, self.name = fake, chat_id, user_id, name

    def texts(self) -> list[str]:
        return [str(m.get("text", "")) for m in self.fake.messages(self.chat_id)]

    async def expect(self, fragment: str, count: int = 1) -> JSONDict:
        """Wait until `count` bot messages in this chat contain `fragment`; the last one."""

        def seen(_calls: object) -> bool:
            return sum(fragment in text for text in self.texts()) >= count

        await self.fake.wait_for(seen)
        return [m for m in self.fake.messages(self.chat_id) if fragment in str(m.get("text"))][-1]

    def with_button(self, label: str) -> tuple[JSONDict, str]:
        for message in reversed(self.fake.messages(self.chat_id)):
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return message, str(button["callback_data"])
        raise AssertionError(f"no button {label!r} in chat {self.chat_id}: {self.texts()}")

    def press(self, label: str, on: JSONDict | None = None) -> JSONDict:
        message, data = self.with_button(label)
        if on is not None:
            message = on
            data = next(
                str(b["callback_data"])
                for row in on["reply_markup"]["inline_keyboard"]
                for b in row
                if b["text"] == label
            )
        self.fake.push_update(callback(self.user_id, self.chat_id, message, data, self.name))
        return message

    def type(self, text: str, reply_to: JSONDict | None = None) -> None:
        if self.chat_id > 0:
            self.fake.push_update(private_text(self.user_id, text, self.name))
        else:
            self.fake.push_update(
                group_text(self.chat_id, self.user_id, text, self.name, reply_to=reply_to)
            )


async def ticket_status(helpdesk: Helpdesk, number: str) -> str:
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        return ticket.status


async def file_by_buttons(reporter: Chat) -> str:
    reporter.type("/start")
    greeting = str((await reporter.expect("Choose your language"))["text"])
    # No language yet: a greeting line in each language, each in its own words.
    assert [line.split("!", 1)[0] for line in greeting.splitlines()] == [
        "Namaskar",
        "ନମସ୍କାର",
        "नमस्कार",
    ]
    question = reporter.press("English")
    await reporter.expect("Which ULB")  # someone new has come to report: it starts at once

    # The answered question shows the choice and loses its buttons: a clean transcript.
    # The tidy-up follows the recorded answer, so it may land just after the next question.
    def tidied(_calls: object) -> bool:
        shown = reporter.fake.message(reporter.chat_id, int(question["message_id"]))
        return str(shown["text"]).endswith("✓ English")

    await reporter.fake.wait_for(tidied)
    edited = reporter.fake.message(reporter.chat_id, int(question["message_id"]))
    assert not edited.get("reply_markup")
    reporter.press("Jatni Municipality")
    await reporter.expect("ULB employee or a CBO")
    reporter.press("ULB employee")
    await reporter.expect("Which part of MUKTASoft")  # the name is Telegram's: not asked
    reporter.press("Wage bills and payments")
    await reporter.expect("What kind of problem")
    reporter.press("The app or iFIX shows an error")
    await reporter.expect("describe the problem")
    reporter.type("Wage bill for muster roll 42 fails with error 500 on submit")
    await reporter.expect("Please check your report")
    reporter.fake.push_update(private_photo(reporter.user_id, "PHOTO-OF-ERROR"))
    await reporter.expect("1 attachment(s)")
    reporter.press("Submit")
    created = await reporter.expect("registered as ticket")
    return str(created["text"]).split("ticket ", 1)[1].split(".", 1)[0]


async def test_lifecycle_by_polling(
    sqlite_file: str, config: HelpdeskConfig, fake: FakeTelegram
) -> None:
    helpdesk = build(settings_for(sqlite_file, fake), config=telegram_config(config))
    app = create_app(helpdesk)
    async with app.router.lifespan_context(app):
        commands = fake.sent(method="setMyCommands")
        private = next(c for c in commands if c["scope"]["type"] == "all_private_chats")
        assert {c["command"] for c in private["commands"]} >= {
            "start",
            "status",
            "mytickets",
            "cancel",
            "help",
            "language",
        }
        assert fake.sent(method="deleteWebhook")

        reporter = Chat(fake, REPORTER, REPORTER, "Ramesh")
        number = await file_by_buttons(reporter)
        assert number == "MK-1001"

        # The L1 group gets the card with its actions, and the reporter's photo.
        l1 = Chat(fake, GROUPS["l1"], ANITA, "Anita")
        card = await l1.expect(f"{number} · P2 · Received")
        assert "Wage bill for muster roll 42" in str(card["text"])
        photos = await fake.wait_for_sent(GROUPS["l1"], method="sendPhoto")
        assert photos[0]["photo"] == "PHOTO-OF-ERROR" and photos[0]["caption"] == number

        # Anita takes it from the card: the card is edited in place, the reporter is told.
        l1.press("Take it", on=card)
        await fake.wait_for(
            lambda _: "Being worked on" in str(fake.message(l1.chat_id, card["message_id"])["text"])
        )
        assert "Assignee: Anita" in str(fake.message(l1.chat_id, card["message_id"])["text"])
        await reporter.expect("has started working on it")
        # The group is told in a line what changed (the card above shows the rest).
        await l1.expect(f"{number}: taken by Anita; Received → Being worked on")

        # Escalate, by the category's route: the app shows an error -> eGov technical team.
        l1.press("Escalate", on=fake.message(l1.chat_id, card["message_id"]))
        await l1.expect("Escalate MK-1001 to which team?")
        l1.press("By its category (recommended)")
        egov_tech = Chat(fake, GROUPS["egov_tech"], KIRAN, "Kiran")
        egov_card = await egov_tech.expect(f"{number} · P2 · Passed to a specialist team")
        await reporter.expect("passed to eGov technical team")
        await fake.wait_for(
            lambda _: (
                "Team: eGov technical team"
                in str(fake.message(l1.chat_id, card["message_id"])["text"])
            )
        )
        cards_in_l1 = [t for t in l1.texts() if t.startswith(f"{number} · ")]
        assert len(cards_in_l1) == 1, "the L1 group shows one card per ticket, kept current"
        # L1 still follows it: its queue lists it, marked with the team that has it now.
        l1.type("/queue")
        await l1.expect(" · now with eGov technical team")

        # A Master Trainer cannot act on a ticket that is with another team.
        trainers = Chat(fake, GROUPS["master_trainers"], RAVI, "Ravi")
        trainers.type(f"/ticket {number}")
        their_card = await trainers.expect(f"{number} · P2")
        trainers.press("Resolve", on=their_card)
        prompt = await trainers.expect(f"resolve {number}")
        trainers.type("Closing this from the wrong team", reply_to=prompt)
        await trainers.expect("only that team or the L1 helpdesk can change it")
        assert await ticket_status(helpdesk, number) == "escalated"

        # Kiran replies to the card (a comment), then resolves by answering the prompt.
        egov_tech.type("Please send the muster roll number again", reply_to=egov_card)
        await reporter.expect("Please send the muster roll number again")
        # The reporter answers in their own words, then with a photo: both reach the team.
        reporter.type("MR/2026/0142")
        await reporter.expect("has been passed to eGov technical team")
        await egov_tech.expect(f"The reporter answered on {number}:\nMR/2026/0142")
        reporter.fake.push_update(private_photo(reporter.user_id, "PHOTO-OF-ROLL"))
        await reporter.expect("has been passed to eGov technical team", count=2)
        await fake.wait_for(
            lambda _: any(
                sent["photo"] == "PHOTO-OF-ROLL"
                for sent in fake.sent(GROUPS["egov_tech"], method="sendPhoto")
            )
        )
        egov_tech.press("Resolve", on=fake.message(egov_tech.chat_id, egov_card["message_id"]))
        prompt = await egov_tech.expect(f"resolve {number}")
        assert fake.sent(egov_tech.chat_id)[-1]["reply_markup"]["force_reply"] is True
        egov_tech.type("Fixed in iFIX; please submit the bill again", reply_to=prompt)
        await reporter.expect("please submit the bill again")
        assert await ticket_status(helpdesk, number) == "resolved"
        # The L1 group heard of both, though the ticket is with the eGov technical team.
        following = f"Following {number} (eGov technical team): {number}: "
        await l1.expect(f"{following}message sent to the reporter")
        await l1.expect(f"{following}resolved; the reporter is asked to confirm")

        # Anyone can ask for the status of their ticket by its ID.
        reporter.type("/status mk 1001")
        await reporter.expect("Ticket MK-1001: Resolved")

        # Chatter in a team group that is not for the bot is ignored.
        before = len(fake.calls)
        egov_tech.type("lunch at 1?")
        trainers.type("/queue")
        await trainers.expect("Master Trainers has no open tickets")
        assert not any("lunch" in str(c.params.get("text", "")) for c in fake.calls[before:])

        # A group that is no team's chat tells whoever set it up what to configure.
        stranger = Chat(fake, -1999, 8001, "Sanjay")
        stranger.type("/help@mukta_helpdesk_bot")
        told = await stranger.expect("not a team chat")
        assert "telegram:-1999" in str(told["text"]) and "telegram:8001" in str(told["text"])


def webhook_helpdesk(database_url: str, fake: FakeTelegram, config: HelpdeskConfig) -> Helpdesk:
    settings = settings_for(
        database_url,
        fake,
        telegram_mode="webhook",
        public_url="https://helpdesk.example.org",
        telegram_webhook_secret=SECRET,
    )
    return build(settings, config=telegram_config(config))


async def test_webhook_is_authenticated_and_deduplicated(
    sqlite_file: str, config: HelpdeskConfig, fake: FakeTelegram, tmp_path: Path
) -> None:
    helpdesk = webhook_helpdesk(sqlite_file, fake, config)
    app = create_app(helpdesk)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client,
    ):
        registered = fake.sent(method="setWebhook")[-1]
        assert registered["url"] == "https://helpdesk.example.org/telegram/webhook"
        assert registered["secret_token"] == SECRET

        update = {"update_id": next_id(), **private_text(REPORTER, "/start")}
        forged = await client.post("/telegram/webhook", json=update)
        wrong = await client.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
        )
        assert (forged.status_code, wrong.status_code) == (403, 403)
        async with helpdesk.unit_of_work() as uow:
            count = select(func.count(InboundMessage.id))
            assert (await uow.session.execute(count)).scalar_one() == 0

        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        first = await client.post("/telegram/webhook", json=update, headers=headers)
        again = await client.post("/telegram/webhook", json=update, headers=headers)
        assert (first.status_code, again.status_code) == (200, 200)
        reporter = Chat(fake, REPORTER, REPORTER, "Ramesh")
        await reporter.expect("Choose your language")
        # The repeated update_id changed nothing: one question, one stored message.
        extra = {"update_id": next_id(), **private_text(REPORTER, "help")}
        await client.post("/telegram/webhook", json=extra, headers=headers)
        await reporter.expect("Pick options by their number")
        await reporter.expect("Choose your language", count=2)  # after help, asked again
        assert sum("Choose your language" in t for t in reporter.texts()) == 2
        async with helpdesk.unit_of_work() as uow:
            assert (await uow.session.execute(count)).scalar_one() == 2

        not_json = await client.post("/telegram/webhook", content=b"{", headers=headers)
        assert not_json.status_code == 400


async def test_a_reply_on_its_way_when_the_service_stops_is_delivered_before_it_stops(
    sqlite_file: str, config: HelpdeskConfig, fake: FakeTelegram
) -> None:
    """Stopping (a deploy, a restart) lets the replies already on their way to Telegram
    arrive, and only then closes the connections: none is cut off, none left hanging."""
    helpdesk = webhook_helpdesk(sqlite_file, fake, config)
    app = create_app(helpdesk)
    fake.answer_slowly("sendMessage", 1.0)  # Telegram is slow to answer the first send
    transport = httpx.ASGITransport(app=app)
    try:
        async with asyncio.timeout(30):
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client,
            ):
                update = {"update_id": next_id(), **private_text(REPORTER, "/start")}
                answer = await client.post(
                    "/telegram/webhook",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
                assert answer.status_code == 200
                deadline = time.monotonic() + 10
                while not fake.answering:  # the greeting is on its way
                    assert time.monotonic() < deadline, "the greeting was never sent"
                    await asyncio.sleep(0.01)
            # Stopped: the greeting had arrived before the connections closed.
            assert [params["chat_id"] for params in fake.sent()] == [REPORTER]
        async with helpdesk.unit_of_work() as uow:
            rows = (await uow.session.execute(select(OutboxMessage.status))).scalars().all()
        assert rows == ["sent"]
    finally:
        await helpdesk.close()


async def test_a_first_report_takes_eight_replies_and_a_repeat_five(
    sqlite_file: str, config: HelpdeskConfig, fake: FakeTelegram
) -> None:
    """Each press or typed answer counted: a first report from /start to the ticket ID, a
    repeat one from the menu's button (the role, the name and the ULB are known; the ULB is
    shown on the module question)."""
    helpdesk = build(settings_for(sqlite_file, fake), config=telegram_config(config))
    app = create_app(helpdesk)
    async with app.router.lifespan_context(app):
        reporter = Chat(fake, REPORTER, REPORTER, "Ramesh")
        replies = 0

        async def answer(label: str, expected: str, typed: bool = False) -> JSONDict:
            nonlocal replies
            replies += 1
            seen = sum(expected in text for text in reporter.texts())
            if typed:
                reporter.type(label)
            else:
                reporter.press(label)
            return await reporter.expect(expected, count=seen + 1)

        await answer("/start", "Choose your language", typed=True)
        await answer("English", "Which ULB")
        await answer("Jatni Municipality", "ULB employee or a CBO")
        await answer("ULB employee", "Which part of MUKTASoft")  # the name is Telegram's
        await answer("Wage bills and payments", "What kind of problem")
        await answer("The app or iFIX shows an error", "describe the problem")
        summary = await answer("Wage bill 42 fails with error 500", "check your report", True)
        assert "Name: Ramesh (ULB employee)" in str(summary["text"])
        await answer("Submit", "registered as ticket MK-1001")
        assert replies == 8

        reporter.type("menu")
        await reporter.expect("What would you like to do?", count=1)
        replies = 0
        module = await answer("Report a problem", "Which part of MUKTASoft")
        assert str(module["text"]).startswith("ULB: Jatni Municipality (from your last report)")
        await answer("Projects", "What kind of problem")
        await answer("How do I…? (help using the app)", "describe the problem")
        await answer("How do I add a second agency?", "check your report", typed=True)
        await answer("Submit", "registered as ticket MK-1002")
        assert replies == 5
