"""Every channel on at once (Telegram, WhatsApp, JIRA, email), the service out of process,
driven over HTTP as the providers drive it, against their emulators."""

from __future__ import annotations

import re

import httpx

from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.emulators import Emulator
from tests.blackbox.recorder import Recorder
from tests.blackbox.service import (
    HELPDESK_WHATSAPP,
    TELEGRAM_TOKEN,
    TWILIO_ACCOUNT_SID,
    Service,
    team_chat,
    telegram_message,
)

RAMESH = "whatsapp:+919876543210"
SUNITA = 7001
MESSAGES = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
# A first report after "hi": English (the report starts at once), the ULB, ULB employee (the
# name is the one the chat app shows), the module, the kind of problem, the description; the
# summary comes next.
INTAKE = ["1", "1", "1", "5", "2", "Wage bill for muster roll 42 fails"]


def whatsapp_texts(twilio: Recorder, to: str) -> list[str]:
    """The bodies Twilio accepted (prism: 201 for a create that fits Twilio's description)."""
    return [
        r.form()["Body"][0]
        for r in twilio.to(MESSAGES)
        if r.form().get("To") == [to] and "Body" in r.form()
    ]


def say_on_whatsapp(helpdesk: Service, twilio: Recorder, text: str, expect: str) -> list[str]:
    before = len(whatsapp_texts(twilio, RAMESH))
    assert helpdesk.whatsapp(RAMESH, text).status_code == 200
    twilio.wait_for(
        lambda _: any(expect in body for body in whatsapp_texts(twilio, RAMESH)[before:])
    )
    return whatsapp_texts(twilio, RAMESH)[before:]


def test_a_whatsapp_report_is_filed_with_every_channel_on(
    service: ServiceFactory, twilio: Recorder, telegram: Recorder
) -> None:
    helpdesk = service().start()

    say_on_whatsapp(helpdesk, twilio, "hi", "Choose your language")
    for answer in INTAKE[:-1]:
        assert helpdesk.whatsapp(RAMESH, answer).status_code == 200
    say_on_whatsapp(helpdesk, twilio, INTAKE[-1], "Please check your report")
    created = say_on_whatsapp(helpdesk, twilio, "1", "registered as ticket")

    number = re.search(r"MK-\d+", " ".join(created))
    assert number is not None
    sent = twilio.to(MESSAGES)
    assert all(r.form()["From"] == [HELPDESK_WHATSAPP] for r in sent)
    assert all(r.form()["StatusCallback"] == [f"{helpdesk.url}/whatsapp/status"] for r in sent)
    assert all(r.headers["authorization"].startswith("Basic ") for r in sent)
    assert not twilio.calls(lambda r: r.status >= 400)
    # The L1 group on Telegram gets the new ticket's card.
    telegram.wait_for(
        lambda _: any(number.group() in t for t in telegram.texts_to(team_chat(helpdesk, "l1")))
    )
    assert helpdesk.stop() == 0


def test_a_telegram_webhook_update_is_answered_through_the_bot_api(
    service: ServiceFactory, telegram: Recorder
) -> None:
    helpdesk = service(TELEGRAM_MODE="webhook").start()
    registered = telegram.to("/setWebhook")
    assert [r.fields()["url"] for r in registered] == [f"{helpdesk.url}/telegram/webhook"]
    assert registered[0].path == f"/bot{TELEGRAM_TOKEN}/setWebhook"

    assert helpdesk.telegram_update(telegram_message(SUNITA, "/start")).status_code == 200

    telegram.wait_for(lambda _: bool(telegram.texts_to(SUNITA)))
    assert "Choose your language" in telegram.texts_to(SUNITA)[0]
    assert helpdesk.stop() == 0


def test_a_telegram_outage_at_start_up_leaves_the_rest_of_the_helpdesk_serving(
    service: ServiceFactory, twilio: Recorder, telegram: Recorder
) -> None:
    """The Bot API answering 503 when `serve` starts: WhatsApp reporters are answered all
    the same, Telegram's updates are sent back to wait (503) until the bot is reached, and
    then it registers its webhook and answers, with nobody restarting anything."""
    telegram.fail()
    helpdesk = service(TELEGRAM_MODE="webhook").start()
    say_on_whatsapp(helpdesk, twilio, "hi", "Choose your language")
    assert helpdesk.telegram_update(telegram_message(SUNITA, "/start")).status_code == 503

    telegram.fail(False)
    telegram.wait_for(lambda _: bool(telegram.to("/setWebhook")))
    assert helpdesk.telegram_update(telegram_message(SUNITA, "/start")).status_code == 200
    telegram.wait_for(lambda _: bool(telegram.texts_to(SUNITA)))
    assert "Choose your language" in telegram.texts_to(SUNITA)[0]
    assert helpdesk.stop() == 0


def test_a_telegram_message_taken_by_polling_is_answered(
    service: ServiceFactory, telegram: Recorder, telegram_api: Emulator
) -> None:
    helpdesk = service(TELEGRAM_MODE="polling").start()
    assert telegram.to("/deleteWebhook")

    # A person writes to the bot: telegram-test-api keeps it for the bot's getUpdates.
    message = telegram_message(SUNITA + 1, "/start")["message"]
    with httpx.Client(trust_env=False) as client:
        client.post(f"{telegram_api.url}/sendMessage", json={**message, "botToken": TELEGRAM_TOKEN})

    telegram.wait_for(lambda _: bool(telegram.texts_to(SUNITA + 1)))
    assert "Choose your language" in telegram.texts_to(SUNITA + 1)[0]
    assert telegram.to("/getUpdates")
    assert helpdesk.stop() == 0


def test_the_commands_work_with_every_channel_configured(service: ServiceFactory) -> None:
    helpdesk = service()

    migrated = helpdesk.command("migrate")
    assert migrated.returncode == 0, migrated.stderr
    created = helpdesk.command(
        "account", "create", "admin", "--name", "HUDD admin", "--role", "admin",
        "--team", "hudd_admin", typed="a long enough password\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    listed = helpdesk.command("account", "list")
    assert listed.returncode == 0 and "admin" in listed.stdout, listed.stderr
    reported = helpdesk.command("report")
    assert reported.returncode == 0, reported.stderr
    checked = helpdesk.command("check-config")
    assert checked.returncode == 0, checked.stderr
