"""`.env.example` is what a deployment starts from: every setting listed, explained, at its
default, so that copying it to `.env` changes nothing until someone fills it in."""

from __future__ import annotations

import re

import pytest

from bot.settings import ROOT, Settings

EXAMPLE = ROOT / ".env.example"
# A setting's line, set or left commented out: `NAME=value` or `# NAME=value`.
SETTING_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")


def _listed() -> dict[str, int]:
    """Each setting named in the example, and the index of its line."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    return {
        match.group(1): index
        for index, line in enumerate(lines)
        if (match := SETTING_LINE.match(line))
    }


def test_every_setting_is_listed_under_a_comment_that_explains_it() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    listed = _listed()
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in listed)
    assert missing == [], f"settings not in .env.example: {missing}"
    unexplained = []
    for name in Settings.model_fields:
        # Up from the setting, past the settings listed with it, the first line is prose.
        index = listed[name.upper()] - 1
        while index >= 0 and SETTING_LINE.match(lines[index]):
            index -= 1
        if index < 0 or not lines[index].startswith("# "):
            unexplained.append(name.upper())
    assert unexplained == [], f"settings in .env.example without a comment: {unexplained}"


def test_a_copy_of_the_example_behaves_as_no_file_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    from_example = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert from_example.model_dump() == defaults.model_dump()
