"""Texts in the reporter's language, keywords in every language, and times people can read."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flows.choosing import normalise
from flows.locales import en, hi
from flows.locales import or_ as odia

CATALOGS: dict[str, dict[str, str]] = {"en": en.MESSAGES, "or": odia.MESSAGES, "hi": hi.MESSAGES}
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "or": "ଓଡ଼ିଆ (Odia)", "hi": "हिन्दी (Hindi)"}
DEFAULT_LANGUAGE = "en"
_DEFAULT_CATALOG = CATALOGS[DEFAULT_LANGUAGE]

# Whole-message keywords that work at any step, in any language (people mix them).
KEYWORDS: dict[str, frozenset[str]] = {
    "cancel": frozenset({"cancel", "stop", "quit", "ବାତିଲ", "ବାତିଲ୍", "रद्द", "रद्द करें"}),
    "menu": frozenset({"menu", "start", "hi", "hello", "namaskar", "ମେନୁ", "ମେନ୍ୟୁ", "मेनू", "मेन्यू"}),
    "help": frozenset({"help", "?", "ସାହାଯ୍ୟ", "मदद", "सहायता"}),
    "language": frozenset({"language", "lang", "ଭାଷା", "भाषा"}),
    "mine": frozenset({"my tickets", "mytickets", "tickets", "ମୋ ଟିକେଟ", "ମୋର ଟିକେଟ", "मेरे टिकट"}),
}
# Each keyword's intent, looked up at once (the first intent listing a word has it).
_INTENT_OF = {word: intent for intent, words in reversed(KEYWORDS.items()) for word in words}
STATUS_WORDS = frozenset({"status", "ସ୍ଥିତି", "स्थिति"})

# Weekdays (Monday first), months (January first) and the forenoon / afternoon words, so
# that a time reads wholly in the reader's language ("ମଙ୍ଗଳବାର 1 ଡିସେମ୍ବର 2026, ଅପରାହ୍ନ 5:00").
_CALENDAR_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, str]]] = {
    "or": (
        ("ସୋମବାର", "ମଙ୍ଗଳବାର", "ବୁଧବାର", "ଗୁରୁବାର", "ଶୁକ୍ରବାର", "ଶନିବାର", "ରବିବାର"),
        (
            "ଜାନୁଆରୀ",
            "ଫେବୃଆରୀ",
            "ମାର୍ଚ୍ଚ",
            "ଅପ୍ରେଲ",
            "ମଇ",
            "ଜୁନ",
            "ଜୁଲାଇ",
            "ଅଗଷ୍ଟ",
            "ସେପ୍ଟେମ୍ବର",
            "ଅକ୍ଟୋବର",
            "ନଭେମ୍ବର",
            "ଡିସେମ୍ବର",
        ),
        ("ପୂର୍ବାହ୍ନ", "ଅପରାହ୍ନ"),
    ),
    "hi": (
        ("सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार"),
        (
            "जनवरी",
            "फ़रवरी",
            "मार्च",
            "अप्रैल",
            "मई",
            "जून",
            "जुलाई",
            "अगस्त",
            "सितंबर",
            "अक्टूबर",
            "नवंबर",
            "दिसंबर",
        ),
        ("पूर्वाह्न", "अपराह्न"),
    ),
}


def supported(language: str) -> bool:
    return language in CATALOGS


def text(language: str, key: str, **values: object) -> str:
    template = CATALOGS.get(language, _DEFAULT_CATALOG).get(key) or _DEFAULT_CATALOG[key]
    return template.format(**values)


def keyword(message: str) -> str | None:
    """The intent of a whole message that is one of the keywords, else None."""
    raw = message.strip()
    if raw in ("?", "？"):
        return "help"
    answer = normalise(message)
    return _INTENT_OF.get(answer)


def when(language: str, moment: datetime, timezone: str) -> str:
    """'Tue 1 Dec 2026, 5:00 pm' in the helpdesk's time zone, every word in the reader's
    language ('ମଙ୍ଗଳବାର 1 ଡିସେମ୍ବର 2026, ଅପରାହ୍ନ 5:00')."""
    local = moment.astimezone(ZoneInfo(timezone))
    hour = local.hour % 12 or 12
    words = _CALENDAR_WORDS.get(language)
    if words is None:
        half = "am" if local.hour < 12 else "pm"
        return f"{local:%a} {local.day} {local:%b %Y}, {hour}:{local:%M} {half}"
    days, months, halves = words
    day, month, half = days[local.weekday()], months[local.month - 1], halves[local.hour >= 12]
    return f"{day} {local.day} {month} {local.year}, {half} {hour}:{local:%M}"


def language_question(language: str) -> str:
    """Which language? Asked in the person's language; before they have one, greeting them
    in each language, each line in its own."""
    if language:
        return text(language, "choose_language")
    lines = (f"{text(lang, 'greeting')} {text(lang, 'choose_language')}" for lang in CATALOGS)
    return "\n".join(lines)
