"""The catalogs agree with English, keywords work in every language, times read locally."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.config import HelpdeskConfig, load_config
from flows import i18n
from tests.support import latin_words

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
        "ଦୟାକରି ଟିକେଟ ନମ୍ବର ପଠାନ୍ତୁ (ଏହା MK-1001 ଭଳି ଦେଖାଯାଏ)।"
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
    from bot.core.ticketrules import ALLOWED_FROM, LEADS_TO

    statuses = {status for allowed in ALLOWED_FROM.values() for status in allowed}
    statuses |= set(LEADS_TO.values())
    missing = [f"verb_{action}" for action in ALLOWED_FROM if f"verb_{action}" not in ENGLISH]
    missing += [f"status_{status}" for status in statuses if f"status_{status}" not in ENGLISH]
    assert missing == []


def test_every_change_to_a_ticket_can_be_told_in_a_line() -> None:
    """Whoever acts is told what changed, and L1 follows every change of a ticket it
    escalated: each staff action, and each answer of the reporter's, has its line."""
    from bot.core.ticketrules import ALLOWED_FROM

    changes = {*ALLOWED_FROM, "reply", "confirm", "not_solved", "auto_close"}
    assert sorted(a for a in changes if f"change_{a}" not in ENGLISH) == []


def test_status_words_cover_every_language() -> None:
    assert {"status", "ସ୍ଥିତି", "स्थिति"} <= i18n.STATUS_WORDS


# -- times ----------------------------------------------------------------------------------

EVENING = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # 5:00 pm in Odisha, a Tuesday


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tue 1 Dec 2026, 5:00 pm"),
        ("or", "ମଙ୍ଗଳବାର 1 ଡିସେମ୍ବର 2026, ଅପରାହ୍ନ 5:00"),
        ("hi", "मंगलवार 1 दिसंबर 2026, अपराह्न 5:00"),
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
    assert i18n.when("or", late, "Asia/Kolkata") == "ଶନିବାର 28 ନଭେମ୍ବର 2026, ପୂର୍ବାହ୍ନ 12:15"


# -- what reporters read is in their language ------------------------------------------------

# Texts only staff read (commands are typed in English; the team chats are in the team's
# language). Everything else a reporter may read.
STAFF_ONLY_PREFIXES = (
    "action_",
    "ask_comment",
    "ask_internal_note",
    "ask_parent",
    "ask_priority",
    "ask_question",
    "ask_reopen_reason",
    "ask_resolution",
    "ask_team",
    "ask_type",
    "breach_",
    "change_",
    "digest",
    "follow_line",
    "group_not_understood",
    "jira_",
    "link_",
    "menu_queue",
    "menu_ticket",
    "queue",
    "refused_",
    "reminder_due_soon",
    "reply_with_note",
    "routing_",
    "sla_",
    "staff_help",
    "team_",
    "ticket_actions",
    "type_",
    "unassigned",
    "undeliverable_alert",
    "unknown_group",
    "verb_",
)
REPORTER_KEYS = sorted(key for key in ENGLISH if not key.startswith(STAFF_ONLY_PREFIXES))
MOMENTS = (
    datetime(2026, 12, 1, 11, 30, tzinfo=UTC),  # 5:00 pm
    datetime(2026, 1, 14, 4, 0, tzinfo=UTC),  # 9:30 am
    datetime(2026, 6, 15, 6, 30, tzinfo=UTC),  # noon
)


def reporter_values(language: str, config: HelpdeskConfig) -> list[dict[str, object]]:
    """Representative values for every placeholder, as the helpdesk fills them in: times,
    dates, ticket IDs, and each ULB, module, category and team of the configuration."""
    directory = config.directory
    options = [
        *(("ulb", o.label(language)) for o in directory.ulbs),
        *(("module", o.label(language)) for o in directory.modules),
        *(("category", o.label(language)) for o in directory.categories),
        *(("team", t.name(language)) for t in directory.teams),
        *(("status", i18n.text(language, key)) for key in ENGLISH if key.startswith("status_")),
        *(("due", i18n.when(language, moment, config.timezone)) for moment in MOMENTS),
    ]
    # What people typed is theirs, in whatever script: "…" stands for it.
    base: dict[str, object] = {
        "number": "MK-1001",
        "example": "MK-1001",
        "parent": "MK-1002",
        "priority": "P2",
        "count": 3,
        "minimum": 10,
        "attachments": 1,
        "role": i18n.text(language, "role_ulb_employee"),
        "name": "…",
        "answer": "…",
        "description": "…",
        "note": "…",
        "update": "…",
        "updated": i18n.when(language, MOMENTS[0], config.timezone),
        "date": i18n.when(language, MOMENTS[1], config.timezone),
    }
    base.update(ulb=options[0][1], module="", category="", team="", status="", due="")
    return [{**base, field: value} for field, value in options]


@pytest.fixture(scope="module")
def shipped_config() -> HelpdeskConfig:
    return load_config(Path(__file__).resolve().parents[2] / "config" / "helpdesk.toml")


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_reporters_read_no_english_words_in_their_language(
    language: str, shipped_config: HelpdeskConfig
) -> None:
    """Every text a reporter may read, filled in as the helpdesk fills it in (times, dates,
    the configuration's ULBs, modules, categories and teams), is in the reporter's language:
    no "error message", "(priority)", "ID", "pm" or "(Projects)" in the middle of Odia."""
    untranslated: dict[str, set[str]] = {}
    # The first greeting, before a language is chosen: this language's line of it.
    greeting = i18n.language_question("").splitlines()[list(i18n.CATALOGS).index(language)]
    texts = [("first_greeting", greeting)]
    for values in reporter_values(language, shipped_config):
        texts += [(key, i18n.text(language, key, **values)) for key in REPORTER_KEYS]
    for key, text in texts:
        for word in latin_words(text, typed=False):  # "…" stands for what was typed
            untranslated.setdefault(word, set()).add(key)
    assert untranslated == {}


def test_the_first_greeting_speaks_each_language_in_its_own_line() -> None:
    lines = i18n.language_question("").splitlines()
    assert len(lines) == len(i18n.CATALOGS)
    for line, language in zip(lines, i18n.CATALOGS, strict=True):
        assert line.startswith(i18n.text(language, "greeting"))
        assert line.endswith(i18n.text(language, "choose_language"))
    odia, hindi = lines[1], lines[2]
    assert latin_words(odia) == latin_words(hindi) == []
    # Once a language is chosen, the question is asked in it alone.
    assert i18n.language_question("or") == i18n.text("or", "choose_language")
