"""The catalogs agree with English, keywords work in every language, times read locally."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from flows import i18n

ENGLISH = i18n.CATALOGS["en"]
TRANSLATIONS = [language for language in i18n.CATALOGS if language != "en"]


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def test_every_supported_language_has_a_catalog_and_a_name() -> None:
    assert set(i18n.CATALOGS) == {"en", "or", "hi"} == set(i18n.LANGUAGE_NAMES)


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_catalog_has_exactly_the_english_keys(language: str) -> None:
    catalog = i18n.CATALOGS[language]
    assert sorted(set(ENGLISH) - set(catalog)) == [], "missing"
    assert sorted(set(catalog) - set(ENGLISH)) == [], "unknown"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_catalog_uses_the_same_placeholders_as_english(language: str) -> None:
    catalog = i18n.CATALOGS[language]
    different = {
        key: (placeholders(ENGLISH[key]), placeholders(catalog[key]))
        for key in ENGLISH
        if key in catalog and placeholders(ENGLISH[key]) != placeholders(catalog[key])
    }
    assert different == {}


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_translation_is_filled_in_and_formats(language: str) -> None:
    catalog = i18n.CATALOGS[language]
    for key, template in ENGLISH.items():
        values = dict.fromkeys(placeholders(template), "X")
        assert catalog[key].strip(), key
        assert i18n.text(language, key, **values) == catalog[key].format(**values)


def test_text_falls_back_to_english_for_an_unknown_language() -> None:
    assert i18n.text("ta", "menu") == ENGLISH["menu"]
    assert i18n.text("or", "ask_ticket_id", example="MK-1001") == (
        "ଦୟାକରି ଟିକେଟ ID ପଠାନ୍ତୁ (ଏହା MK-1001 ଭଳି ଦେଖାଯାଏ)।"
    )


# -- keywords -------------------------------------------------------------------------------

KEYWORD_CASES = [
    pytest.param(
        word,
        intent,
        id=f"{intent}-{word}",
    )
    for intent, words in i18n.KEYWORDS.items()
    for word in sorted(words)
]


@pytest.mark.parametrize(("word", "intent"), KEYWORD_CASES)
def test_keyword_recognises_every_listed_word(word: str, intent: str) -> None:
    assert i18n.keyword(word) == intent


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("CANCEL", "cancel"),
        ("  Menu ", "menu"),
        ("Help!", "help"),
        ("/start", "menu"),
        ("My  Tickets", "mine"),
        ("ବାତିଲ", "cancel"),
        ("ମେନୁ", "menu"),
        ("ସାହାଯ୍ୟ", "help"),
        ("ଭାଷା", "language"),
        ("ମୋ ଟିକେଟ", "mine"),
        ("रद्द", "cancel"),
        ("मेनू", "menu"),
        ("मदद", "help"),
        ("भाषा", "language"),
        ("मेरे टिकट", "mine"),
    ],
)
def test_keyword_in_each_language_ignores_case_spacing_and_punctuation(
    message: str, intent: str
) -> None:
    assert i18n.keyword(message) == intent


@pytest.mark.parametrize(
    "message", ["cancel my report", "menu card", "please help me", "language problem", "1", ""]
)
def test_a_keyword_inside_a_longer_message_is_not_a_keyword(message: str) -> None:
    assert i18n.keyword(message) is None


def test_every_staff_action_and_status_can_be_named_in_a_refusal() -> None:
    """A refusal names the action and the status ("MK-1001 is Closed, so it cannot be
    given an internal note now"): every action the ticket service knows has its words."""
    from bot.tickets import ALLOWED_FROM, LEADS_TO

    statuses = {status for allowed in ALLOWED_FROM.values() for status in allowed}
    statuses |= set(LEADS_TO.values())
    missing = [f"verb_{action}" for action in ALLOWED_FROM if f"verb_{action}" not in ENGLISH]
    missing += [f"status_{status}" for status in statuses if f"status_{status}" not in ENGLISH]
    assert missing == []


def test_status_words_cover_every_language() -> None:
    assert {"status", "ସ୍ଥିତି", "स्थिति"} <= i18n.STATUS_WORDS


# -- times ----------------------------------------------------------------------------------

EVENING = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # 5:00 pm in Odisha, a Tuesday


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tue 1 Dec 2026, 5:00 pm"),
        ("or", "ମଙ୍ଗଳବାର 01/12/2026, 5:00 pm"),
        ("hi", "मंगलवार 01/12/2026, 5:00 pm"),
    ],
)
def test_when_shows_odisha_time_in_the_readers_language(language: str, expected: str) -> None:
    assert i18n.when(language, EVENING, "Asia/Kolkata") == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 27, 3, 35, tzinfo=UTC), "Fri 27 Nov 2026, 9:05 am"),
        (datetime(2026, 11, 27, 6, 30, tzinfo=UTC), "Fri 27 Nov 2026, 12:00 pm"),
        (datetime(2026, 11, 27, 18, 45, tzinfo=UTC), "Sat 28 Nov 2026, 12:15 am"),
        (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), "Fri 1 Jan 2027, 1:30 am"),
    ],
)
def test_when_converts_to_odisha_time_across_midnight(moment: datetime, expected: str) -> None:
    assert i18n.when("en", moment, "Asia/Kolkata") == expected


def test_when_names_the_weekday_in_odia_after_converting_the_date() -> None:
    # Saturday in Odisha although still Friday in UTC.
    late = datetime(2026, 11, 27, 18, 45, tzinfo=UTC)
    assert i18n.when("or", late, "Asia/Kolkata") == "ଶନିବାର 28/11/2026, 12:15 am"
