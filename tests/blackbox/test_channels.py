"""Every channel on at once, the service out of process, driven over HTTP as the providers
drive it, against their emulators."""

from __future__ import annotations

from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.recorder import Recorder
from tests.blackbox.service import TELEGRAM_TOKEN, telegram_message

SUNITA = 7001


def test_a_telegram_webhook_update_is_answered_through_the_bot_api(
    service: ServiceFactory, telegram: Recorder
) -> None:
    helpdesk = service(TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="", TWILIO_WHATSAPP_FROM="")
    helpdesk.start()
    registered = telegram.to("/setWebhook")
    assert [r.fields()["url"] for r in registered] == [f"{helpdesk.url}/telegram/webhook"]
    assert registered[0].path == f"/bot{TELEGRAM_TOKEN}/setWebhook"

    assert helpdesk.telegram_update(telegram_message(SUNITA, "/start")).status_code == 200

    telegram.wait_for(lambda _: bool(telegram.texts_to(SUNITA)))
    assert "Choose your language" in telegram.texts_to(SUNITA)[0]
    assert helpdesk.stop() == 0
