"""Everyday chat moments on Telegram, through the running service and the Bot API's
emulator: a new person greeting twice is asked their language again, and a reporter's own
words after a team's comment reach the team instead of "not understood"."""

from __future__ import annotations

from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.recorder import Recorder
from tests.blackbox.service import Service, team_chat, telegram_message

SUNITA = 7301
LANGUAGE_QUESTION = "Choose your language"


def say(helpdesk: Service, telegram: Recorder, chat: int, text: str, expect: str) -> list[str]:
    """`chat` writes `text`; the texts the bot sent it since, once one says `expect`."""
    before = len(telegram.texts_to(chat))
    assert helpdesk.telegram_update(telegram_message(chat, text)).status_code == 200
    telegram.wait_for(lambda _: any(expect in t for t in telegram.texts_to(chat)[before:]))
    return telegram.texts_to(chat)[before:]


def test_a_second_greeting_before_any_language_asks_it_again(
    service: ServiceFactory, telegram: Recorder
) -> None:
    helpdesk = service(TELEGRAM_MODE="webhook").start()
    for greeting in ("hi", "hi", "hello"):
        answered = say(helpdesk, telegram, SUNITA, greeting, LANGUAGE_QUESTION)
        assert not any("What would you like to do?" in text for text in answered)
    first_question = say(helpdesk, telegram, SUNITA, "1", "Which ULB")
    assert "Language set to English." in first_question[0]
    assert helpdesk.stop() == 0


def test_a_reporters_answer_to_a_comment_reaches_the_team(
    service: ServiceFactory, telegram: Recorder
) -> None:
    helpdesk = service(TELEGRAM_MODE="webhook").start()
    say(helpdesk, telegram, SUNITA, "hi", LANGUAGE_QUESTION)
    for answer in ("1", "1", "1", "5", "2"):  # English, ULB, role, module, kind of problem
        assert helpdesk.telegram_update(telegram_message(SUNITA, answer)).status_code == 200
    say(helpdesk, telegram, SUNITA, "Wage bill for muster roll 42 fails", "check your report")
    registered = say(helpdesk, telegram, SUNITA, "1", "registered as ticket")
    number = next(t for t in registered if "registered" in t).split("ticket ")[1].split(".")[0]

    group = team_chat(helpdesk, "l1")
    comment = f"/comment {number} Please send the muster roll number"
    commented = helpdesk.telegram_update(telegram_message(group, comment, sender=9001))
    assert commented.status_code == 200
    telegram.wait_for(lambda _: any("muster roll number" in t for t in telegram.texts_to(SUNITA)))

    thanked = say(helpdesk, telegram, SUNITA, "MR/2026/0142", "has been passed to")
    assert not any("did not understand" in text for text in thanked)
    telegram.wait_for(
        lambda _: any(
            f"answered on {number}" in t and "MR/2026/0142" in t for t in telegram.texts_to(group)
        )
    )
    assert helpdesk.stop() == 0
