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

# Whole-message keywords that work at any step, in any language (people mix them).
KEYWORDS: dict[str, frozenset[str]] = {
    "cancel": frozenset({"cancel", "stop", "quit", "ବାତିଲ", "ବାତିଲ୍", "रद्द", "रद्द करें"}),
    "menu": frozenset({"menu", "start", "hi", "hello", "namaskar", "ମେନୁ", "ମେନ୍ୟୁ", "मेनू", "मेन्यू"}),
    "help": frozenset({"help", "?", "ସାହାଯ୍ୟ", "मदद", "सहायता"}),
    "language": frozenset({"language", "lang", "ଭାଷା", "भाषा"}),
    "mine": frozenset({"my tickets", "mytickets", "tickets", "ମୋ ଟିକେଟ", "ମୋର ଟିକେଟ", "मेरे टिकट"}),
}
STATUS_WORDS = frozenset({"status", "ସ୍ଥିତି", "स्थिति"})

_ODIA_DAYS = ("ସୋମବାର", "ମଙ୍ଗଳବାର", "ବୁଧବାର", "ଗୁରୁବାର", "ଶୁକ୍ରବାର", "ଶନିବାର", "ରବିବାର")
_HINDI_DAYS = ("सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार")


def supported(language: str) -> bool:
    return language in CATALOGS


def text(language: str, key: str, **values: object) -> str:
    catalog = CATALOGS.get(language, CATALOGS[DEFAULT_LANGUAGE])
    template = catalog.get(key) or CATALOGS[DEFAULT_LANGUAGE][key]
    return template.format(**values)


def keyword(message: str) -> str | None:
    """The intent of a whole message that is one of the keywords, else None."""
    raw = message.strip()
    if raw in ("?", "？"):
        return "help"
    answer = normalise(message)
    return next((intent for intent, words in KEYWORDS.items() if answer in words), None)


def when(language: str, moment: datetime, timezone: str) -> str:
    """'Tue 1 Dec 2026, 5:00 pm' in the helpdesk's time zone, weekday in the reader's script."""
    local = moment.astimezone(ZoneInfo(timezone))
    clock = local.strftime("%I:%M %p").lstrip("0").lower()
    if language == "or":
        return f"{_ODIA_DAYS[local.weekday()]} {local:%d/%m/%Y}, {clock}"
    if language == "hi":
        return f"{_HINDI_DAYS[local.weekday()]} {local:%d/%m/%Y}, {clock}"
    return f"{local:%a} {local.day} {local:%b %Y}, {clock}"
