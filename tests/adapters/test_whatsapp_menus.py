"""WhatsApp menus to tap: what a reporter's choices become (quick-reply buttons, a list),
how a tap is read, and how each menu is made once through the Content API and kept in the
database (SQLite and PostgreSQL) for every process."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from adapters.whatsapp import menus as whatsappmenus
from adapters.whatsapp import wire
from adapters.whatsapp.menus import ContentMenus
from bot.channels import whatsapp_options
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.channel_stores import StoredMenus
from flows.messages import Address, Choice, Outbound
from flows.staffcommands import CARD_VERBS, command_text
from flows.teamchat import card_actions
from tests.adapters.test_whatsapp import ServerFactory, fake, serve, wait_for_text  # noqa: F401 (fixtures)
from tests.twilio_fake import FakeTwilio

RAMESH = Address("whatsapp", "+919876543210")
TAPPER = "whatsapp:+919876543210"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def asking(*labels: str, language: str = "en", text: str = "Which one?") -> Outbound:
    choices = tuple(Choice(f"key{n}", label) for n, label in enumerate(labels, 1))
    return Outbound(RAMESH, text, choices, language=language)


def test_two_or_three_short_choices_are_buttons() -> None:
    made = wire.menu_of(asking("Yes", "No"))
    assert made is not None
    assert made.lead == ()
    assert made.variables == {"1": "Which one?", "2": "key1", "3": "key2"}
    assert made.menu.content()["types"] == {
        "twilio/quick-reply": {
            "body": "{{1}}",
            "actions": [{"id": "{{2}}", "title": "Yes"}, {"id": "{{3}}", "title": "No"}],
        }
    }


def test_up_to_ten_choices_are_a_list_in_the_readers_language() -> None:
    made = wire.menu_of(asking(*(f"ULB {n}" for n in range(10)), language="or"))
    assert made is not None
    content = made.menu.content()
    assert content["language"] == "or"
    picker = content["types"]["twilio/list-picker"]
    assert picker["button"] == "ବାଛନ୍ତୁ"
    ids = [made.variables[item["id"].strip("{}")] for item in picker["items"]]
    assert ids == [f"key{n}" for n in range(1, 11)]


def test_a_long_label_is_shortened_with_its_full_text_as_the_description() -> None:
    label = "Muster rolls and attendance of CBO members"
    made = wire.menu_of(asking(label, "Bills"))
    assert made is not None
    # Too long for a button: a list, where the full text fits the description.
    item = made.menu.content()["types"]["twilio/list-picker"]["items"][0]
    assert len(item["item"]) <= wire.ITEM_TEXT and item["item"].endswith("…")
    assert item["description"] == label


def test_a_long_question_goes_first_and_its_last_paragraph_with_the_menu() -> None:
    summary = "Please check your report:\n" + "ULB: Jatni\n" * 40 + "\nSubmit it?"
    made = wire.menu_of(asking("Submit", "Cancel", text=summary))
    assert made is not None
    assert made.variables["1"] == "Submit it?"
    assert "".join(made.lead).startswith("Please check your report:")
    assert "ULB: Jatni\n" * 39 in "".join(made.lead)


def test_more_than_ten_choices_or_none_stay_a_numbered_list() -> None:
    assert wire.menu_of(asking(*(str(n) for n in range(11)))) is None
    assert wire.menu_of(asking()) is None
    assert wire.menu_of(asking("Yes", "No", text="x" * 1100)) is None


def test_one_menu_serves_every_question_and_ticket_with_the_same_options() -> None:
    first = wire.menu_of(asking("Yes", "No", text="Solved?"))
    other_ticket = wire.menu_of(
        Outbound(RAMESH, "Submit?", (Choice("solved MK-1002 yes", "Yes"), Choice("b", "No")))
    )
    odia = wire.menu_of(asking("Yes", "No", language="or"))
    assert first and other_ticket and odia
    assert first.menu.digest == other_ticket.menu.digest != odia.menu.digest


@pytest.mark.parametrize("field", ["ButtonPayload", "ListId"])
def test_a_tap_is_read_by_its_id_not_its_text(field: str) -> None:
    form = {
        "From": "whatsapp:+919876543210",
        "MessageSid": "SM" + "1" * 32,
        "Body": "Muster rolls and atten…",
        field: "muster_roll",
    }
    inbound = wire.to_inbound(form, NOW)
    assert inbound is not None
    assert inbound.choice == "muster_roll"


class ContentApi:
    """Twilio's Content API at the network edge: counts creates, answers a sid or `status`."""

    def __init__(self) -> None:
        self.created: list[dict[str, object]] = []
        self.status = 201

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/Content"
        if self.status != 201:
            return httpx.Response(self.status, json={"code": 20500, "message": "down"})
        self.created.append(json.loads(request.content))
        return httpx.Response(201, json={"sid": f"HX{len(self.created):032x}"})

    def menus(self, helpdesk: Helpdesk) -> ContentMenus:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token=SecretStr("token"),
            twilio_whatsapp_from="whatsapp:+14155238886",
            public_url="https://helpdesk.example.org",
            twilio_content_api_base_url="https://content.example.org",
        )
        transport = httpx.MockTransport(self.handler)
        return ContentMenus(
            whatsapp_options(settings),
            StoredMenus(helpdesk.unit_of_work),
            lambda: NOW,
            transport=transport,
        )


async def test_each_menu_is_made_once_and_reused_after_a_restart(helpdesk: Helpdesk) -> None:
    api = ContentApi()
    menu = (wire.menu_of(asking("Yes", "No")) or pytest.fail("no menu")).menu
    first = api.menus(helpdesk)
    sid = await first.content_sid(menu)
    assert sid == f"HX{1:032x}"
    assert await first.content_sid(menu) == sid
    # A restart (or another process): the menu is found in the database.
    assert await api.menus(helpdesk).content_sid(menu) == sid
    assert len(api.created) == 1
    other = (wire.menu_of(asking("Yes", "No", language="hi")) or pytest.fail("no menu")).menu
    assert await first.content_sid(other) == f"HX{2:032x}"
    await first.close()


async def test_two_processes_making_one_menu_at_once_send_the_same(helpdesk: Helpdesk) -> None:
    api = ContentApi()
    menu = (wire.menu_of(asking("Yes", "No")) or pytest.fail("no menu")).menu
    sids = await asyncio.gather(
        api.menus(helpdesk).content_sid(menu), api.menus(helpdesk).content_sid(menu)
    )
    assert sids[0] == sids[1]
    async with helpdesk.unit_of_work().read_only() as uow:
        assert await uow.menus.content_sid(menu.digest) == sids[0]


async def test_a_refused_menu_is_not_asked_for_again_for_a_while(
    helpdesk: Helpdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = ContentApi()
    api.status = 500
    menus = api.menus(helpdesk)
    menu = (wire.menu_of(asking("Yes", "No")) or pytest.fail("no menu")).menu
    assert await menus.content_sid(menu) is None
    api.status = 201
    assert await menus.content_sid(menu) is None  # within the back-off: not asked
    assert api.created == []
    monkeypatch.setattr(whatsappmenus, "BACKOFF_SECONDS", 0.0)
    menus._down_until = 0.0  # the back-off is over
    assert await menus.content_sid(menu) == f"HX{1:032x}"


async def test_while_the_content_api_is_down_sends_do_not_look_up_menus_in_the_database(
    helpdesk: Helpdesk,
) -> None:
    """Every send of a question with choices asks for its menu: while none can be made, it
    goes as a numbered list without a database read (one at a time, under the lock that
    makes each menu once) before each send."""
    api = ContentApi()
    api.status = 500
    menus = api.menus(helpdesk)
    stored = menus.store
    lookups: list[str] = []

    class CountingStore:
        async def content_sid(self, digest: str) -> str | None:
            lookups.append(digest)
            return await stored.content_sid(digest)

        async def keep(self, digest: str, language: str, content_sid: str, now: datetime) -> str:
            return await stored.keep(digest, language, content_sid, now)

    menus.store = CountingStore()
    menu = (wire.menu_of(asking("Yes", "No")) or pytest.fail("no menu")).menu
    for _ in range(5):
        assert await menus.content_sid(menu) is None
    assert len(lookups) == 1


async def test_a_menu_twilio_refuses_to_send_goes_as_a_numbered_list(
    serve: ServerFactory,  # noqa: F811 (the fixture imported above)
    fake: FakeTwilio,  # noqa: F811
) -> None:
    """The menu is made, but Twilio refuses the message that names it (say, its variables):
    the question goes as a numbered list, and so do the next ones for a while."""
    server = await serve(twilio_interactive_menus=True)
    assert server.helpdesk.whatsapp is not None
    menus = server.helpdesk.whatsapp.sender.menus
    assert menus is not None
    api = ContentApi()
    menus.transport = httpx.MockTransport(api.handler)
    fake.fail_next(400, 21656, "The ContentVariables Parameter is invalid")
    await server.say(TAPPER, "hi")
    bodies = await wait_for_text(server, TAPPER, "Choose your language")
    assert "\n1. English" in bodies[-1]
    await server.say(TAPPER, "1")  # English: the report starts at once
    bodies = await wait_for_text(server, TAPPER, "Which ULB")
    assert "\n1. " in bodies[-1]
    assert len(api.created) == 1  # the menu was made; no other one while refused


def test_a_ticket_cards_actions_are_a_menu_whose_ids_are_the_commands() -> None:
    """Staff on WhatsApp tap a card's actions; the tap names the command for any ticket."""
    card = Outbound(
        RAMESH, "MK-1001 · P2 · Received", card_actions("or", "MK-1001"), "MK-1001", "team_card"
    )
    made = wire.menu_of(replace(card, language="or"))
    other = wire.menu_of(replace(card, language="or", choices=card_actions("or", "MK-1002")))
    assert made is not None and other is not None
    assert [made.variables[str(n)] for n in range(2, len(card.choices) + 2)] == [
        command_text(verb, "MK-1001") for verb in CARD_VERBS
    ]
    assert made.menu.digest == other.menu.digest
