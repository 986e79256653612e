"""The console's catalogs agree with English, and every word the pages ask for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.web import desk, desk_routes
from bot.web.admin import ACCOUNT_NOTICES
from bot.web.strings import CATALOGS
from flows.directory import STAFF_ROLES, TICKET_TYPES
from flows.staffcommands import VERBS

ENGLISH = CATALOGS["en"]
TRANSLATIONS = [language for language in CATALOGS if language != "en"]
TEMPLATES = Path(__file__).resolve().parents[2] / "bot" / "web" / "templates"

# Proper nouns and abbreviations that read the same in every language.
SAME_IN_EVERY_LANGUAGE = {
    "channel_whatsapp",
    "channel_telegram",
    "f_sla",
    "col_sla",
    "f_ulb",
    "col_ulb",
    "csv_ulb",
    "csv_jira",  # "JIRA key": the tracker's own name for an issue's ID
    "via_whatsapp",
    "via_telegram",
    "via_jira",
}

# `t("key")`, `t('key')` or `t("key", name=...)` as a call of its own (not `values.get("key")`).
LITERAL_KEY = re.compile(r"""(?<![\w.])t\(\s*["']([a-z0-9_]+)["']\s*[,)]""")
# `t("prefix_" ~ value)`: a family of keys chosen while the page renders.
KEY_FAMILY = re.compile(r"""(?<![\w.])t\(\s*["']([a-z0-9_]+_)["']\s*~""")
# Keys the console's code hands to a page as `error` or `message_key` (shown with `t(error)`).
MESSAGE_KEY = re.compile(
    r"""["']((?:attachment|caller|login|refused)_[a-z0-9_]+|ticket_missing)["']"""
)

# The values each family of keys is built from, as the pages pass them.
FAMILIES: dict[str, tuple[str, ...]] = {
    "status_": (*desk.STATUSES, "open"),
    "sla_": desk.SLA_STATES,
    "channel_": desk.CHANNELS,
    "role_": (*STAFF_ROLES, *desk_routes.REPORTER_ROLES),
    "type_": (*TICKET_TYPES, "unset"),
    "source_": ("chat", *desk_routes.CALL_SOURCES),
    "kind_": ("photo", "document", "voice", "video"),
    "delivery_": ("failed", "undeliverable", "rate_limited"),
    "done_": VERBS,
    "link_": ("incident", "duplicate"),
    "link_child_": ("incident", "duplicate"),
    "acc_done_": ACCOUNT_NOTICES,
    "chg_": ("create", "update", "password"),
}


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def is_odia(text: str) -> bool:
    return any("\u0b00" <= character <= "\u0b7f" for character in text)


def template_source(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


PAGES = sorted(page.name for page in TEMPLATES.glob("*.html"))


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_catalog_has_exactly_the_english_keys(language: str) -> None:
    catalog = CATALOGS[language]
    assert sorted(set(ENGLISH) - set(catalog)) == [], "missing"
    assert sorted(set(catalog) - set(ENGLISH)) == [], "unknown"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_catalog_uses_the_same_placeholders_as_english(language: str) -> None:
    catalog = CATALOGS[language]
    different = {
        key: (placeholders(ENGLISH[key]), placeholders(catalog[key]))
        for key in ENGLISH
        if key in catalog and placeholders(ENGLISH[key]) != placeholders(catalog[key])
    }
    assert different == {}


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_text_is_translated(language: str) -> None:
    catalog = CATALOGS[language]
    empty = sorted(key for key, text in catalog.items() if not text.strip())
    untranslated = sorted(
        key
        for key, text in catalog.items()
        if key not in SAME_IN_EVERY_LANGUAGE and text == ENGLISH.get(key)
    )
    assert empty == []
    assert untranslated == []


def test_odia_is_written_in_odia_script() -> None:
    latin_only = sorted(
        key
        for key, text in CATALOGS["or"].items()
        if key not in SAME_IN_EVERY_LANGUAGE and not is_odia(text)
    )
    assert latin_only == []


def test_the_same_in_every_language_list_names_real_keys() -> None:
    assert sorted(SAME_IN_EVERY_LANGUAGE - set(ENGLISH)) == []


def test_the_templates_are_found() -> None:
    assert "ticket.html" in PAGES


@pytest.mark.parametrize("page", PAGES)
def test_every_key_a_template_names_exists_in_english(page: str) -> None:
    used = set(LITERAL_KEY.findall(template_source(page)))
    assert sorted(used - set(ENGLISH)) == []


@pytest.mark.parametrize("page", PAGES)
def test_every_key_family_a_template_builds_is_known(page: str) -> None:
    assert sorted(set(KEY_FAMILY.findall(template_source(page))) - set(FAMILIES)) == []


@pytest.mark.parametrize("prefix", sorted(FAMILIES))
def test_every_key_of_a_family_exists_in_english(prefix: str) -> None:
    missing = sorted(prefix + value for value in FAMILIES[prefix] if prefix + value not in ENGLISH)
    assert missing == []


def test_every_message_key_the_console_code_passes_exists_in_english() -> None:
    code = [
        path
        for path in sorted(TEMPLATES.parent.glob("*.py"))
        if not path.name.startswith("strings")
    ]
    used = {key for path in code for key in MESSAGE_KEY.findall(path.read_text("utf-8"))}
    assert "refused_csrf" in used
    assert sorted(used - set(ENGLISH)) == []
