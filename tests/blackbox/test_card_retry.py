"""A team's card and its photo: when Telegram fails the photo, the retry sends the photo, not
the card again. The reporter files on Telegram with a photo; the L1 group's sendPhoto is
answered 500 once."""

from __future__ import annotations

from typing import Any

from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.recorder import Recorder
from tests.blackbox.service import Service, team_chat, telegram_message
from tests.blackbox.test_media import wait_until

SUNITA = 7301
# Language, report a problem, ULB, role, name, module, category, description.
INTAKE = ["1", "1", "1", "5", "2"]  # as in test_channels: English, ULB, role, module, kind


def photo_message(chat_id: int, file_id: str) -> dict[str, Any]:
    """A photo sent to the bot, as Telegram posts it (sizes smallest first)."""
    update = telegram_message(chat_id, "")
    message = update["message"]
    del message["text"]
    message["photo"] = [
        {"file_id": f"{file_id}-small", "file_unique_id": "s1", "width": 90, "height": 67},
        {"file_id": file_id, "file_unique_id": "l1", "width": 1280, "height": 960},
    ]
    return update


def say(helpdesk: Service, telegram: Recorder, update: dict[str, Any], expect: str) -> None:
    before = len(telegram.texts_to(SUNITA))
    assert helpdesk.telegram_update(update).status_code == 200
    telegram.wait_for(lambda _: any(expect in t for t in telegram.texts_to(SUNITA)[before:]))


def all_sent(helpdesk: Service, chat_id: int) -> bool:
    """Whether every message for the chat is recorded as sent (all its sends are done)."""
    statuses = helpdesk.sql("SELECT status FROM outbox WHERE address = ?", f"telegram:{chat_id}")
    return bool(statuses) and all(status == "sent" for (status,) in statuses)


def test_a_cards_photo_failing_once_is_sent_again_without_the_card(
    service: ServiceFactory, telegram: Recorder
) -> None:
    helpdesk = service(TELEGRAM_MODE="webhook").start()
    group = team_chat(helpdesk, "l1")
    say(helpdesk, telegram, telegram_message(SUNITA, "hi"), "Choose your language")
    for answer in INTAKE:
        assert helpdesk.telegram_update(telegram_message(SUNITA, answer)).status_code == 200
    description = telegram_message(SUNITA, "Muster roll 42 will not save")
    say(helpdesk, telegram, description, "Please check your report")
    say(helpdesk, telegram, photo_message(SUNITA, "PHOTO-OF-THE-BILL"), "1 attachment")
    telegram.fail_next("/sendPhoto", 500)
    say(helpdesk, telegram, telegram_message(SUNITA, "1"), "registered as ticket")

    # The photo is refused once, then sent on the retry (its backoff: 2 s).
    telegram.wait_for(lambda _: bool(telegram.to("/sendPhoto")), timeout=60)
    assert len(telegram.to("/sendPhoto", ok=False)) == 2
    wait_until(lambda: all_sent(helpdesk, group))
    cards = [t for t in telegram.texts_to(group) if "Muster roll 42 will not save" in t]
    assert len(cards) == 1, telegram.texts_to(group)
    [photo] = [r.fields() for r in telegram.to("/sendPhoto")]
    assert (int(photo["chat_id"]), photo["photo"]) == (group, "PHOTO-OF-THE-BILL")
    assert helpdesk.stop() == 0
