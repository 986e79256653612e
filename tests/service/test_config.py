"""The configuration file: the shipped one loads; a broken one stops the service with a
ConfigError whose message names the file and the place of the mistake."""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import load_config, load_config_text
from bot.core.configmodel import ConfigError
from bot.settings import ROOT
from flows.messages import Address

SHIPPED = ROOT / "config" / "helpdesk.toml"
Mutation = Callable[[dict[str, Any]], None]


# -- a tiny TOML writer: every top-level key as `"key" = value`, tables and arrays inline ------


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes (\" \\ \n \uXXXX) are valid TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(str(key))} = {toml_value(item)}" for key, item in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(key)} = {toml_value(value)}\n" for key, value in data.items())


def shipped_data() -> dict[str, Any]:
    return tomllib.loads(SHIPPED.read_text(encoding="utf-8"))


def write_config(tmp_path: Path, mutate: Mutation) -> Path:
    data = copy.deepcopy(shipped_data())
    mutate(data)
    path = tmp_path / "helpdesk.toml"
    path.write_text(toml_document(data), encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    return message


# -- the shipped file ------------------------------------------------------------------------


def test_shipped_file_loads_with_the_documented_setup() -> None:
    config = load_config(SHIPPED)
    directory = config.directory
    assert directory.ticket_prefix == "MK"
    assert directory.intake_team == "l1"
    assert config.timezone == "Asia/Kolkata"
    assert config.resume_after_hours == 2
    assert config.response_days == {"P1": 1, "P2": 2, "P3": 2, "P4": 2}
    assert dict(directory.routes) == {
        "functional": "master_trainers",
        "technical_infra": "hudd_tech",
        "technical_app": "egov_tech",
        "bug": "egov",
        "enhancement": "egov",
    }
    assert [ulb.key for ulb in directory.ulbs] == ["jatni", "dhenkanal"]
    assert directory.ulb("jatni").label("or") == "ଜଟଣୀ ପୌରପାଳିକା"
    assert directory.module("wage_bills").priority == "P2"
    assert directory.module("projects").priority == ""
    assert directory.category("suggestion").priority == "P4"
    assert directory.route_for("how_to") == "master_trainers"
    ravi = directory.staff_at(Address("console", "ravi"))
    assert ravi is not None
    assert (ravi.team, ravi.role, ravi.sees_every_team) == ("master_trainers", "member", False)
    anita = directory.staff_at(Address("console", "anita"))
    assert anita is not None
    assert anita.sees_every_team
    assert directory.team("egov_tech").chats == (Address("console", "team-egov-tech"),)
    # The calendar: office hours and the configured Odisha holidays.
    calendar = config.calendar
    assert (calendar.opens, calendar.closes) == (time(10, 0), time(17, 30))
    assert not calendar.is_business_day(date(2026, 4, 1))  # Utkal Divas, an extra holiday
    assert not calendar.is_business_day(date(2026, 12, 25))  # Christmas, from `holidays`
    assert not calendar.is_business_day(date(2026, 11, 28))  # Saturday
    assert calendar.is_business_day(date(2026, 11, 27))


def test_the_writer_reproduces_the_shipped_file(tmp_path: Path) -> None:
    """The broken files below differ from the shipped one only by their mutation."""
    path = write_config(tmp_path, lambda data: None)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == shipped_data()
    written, shipped = load_config(path), load_config(SHIPPED)
    assert written.directory == shipped.directory
    assert written.response_days == shipped.response_days
    assert written.calendar.extra_holidays == shipped.calendar.extra_holidays
    assert written.calendar.workdays == shipped.calendar.workdays == frozenset(range(5))


# -- broken files -----------------------------------------------------------------------------


def _set(*keys: str | int, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return mutate


def _delete(*keys: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return mutate


BROKEN: list[tuple[str, Mutation, list[str]]] = [
    (
        "unknown routing type in routes",
        _set("routes", "urgent", value="egov"),
        ["routes: unknown routing type 'urgent'"],
    ),
    (
        "category with an unknown routing type",
        _set("categories", 0, "routing", value="urgent"),
        ["categories.0", "routing must be one of functional, technical_infra"],
    ),
    (
        "route to a missing team",
        _set("routes", "bug", value="qa_team"),
        ["routes.bug: unknown team 'qa_team'"],
    ),
    (
        "routing type without a route",
        _delete("routes", "enhancement"),
        ["routes: no team for 'enhancement'"],
    ),
    (
        "staff in an unknown team",
        _set("staff", 1, "team", value="trainers"),
        ["staff 'ravi': unknown team 'trainers'"],
    ),
    (
        "staff with an unknown role",
        _set("staff", 1, "role", value="boss"),
        ["staff.1", "role must be one of l1, member, admin"],
    ),
    (
        "staff with an unknown language",
        _set("staff", 1, "language", value="fr"),
        ["staff.1", "language must be one of en, or, hi"],
    ),
    ("missing SLA priority", _delete("sla", "P3"), ["sla: no target for P3"]),
    (
        "SLA of zero days",
        _set("sla", "P1", "response_business_days", value=0),
        ["sla.P1.response_business_days", "greater than 0"],
    ),
    (
        "duplicate ULB keys",
        _set("ulbs", 1, "key", value="jatni"),
        ["ulbs: duplicate keys jatni"],
    ),
    (
        "ULB without an English label",
        _delete("ulbs", 1, "labels", "en"),
        ["ulbs.1", "'dhenkanal' needs an English label (labels.en)"],
    ),
    (
        "staff address without a channel",
        _set("staff", 0, "addresses", value=["telegram"]),
        ["staff 'anita' addresses", "'channel:chat-id'", "'telegram'"],
    ),
    (
        "team chat without a chat ID",
        _set("teams", 2, "chats", value=["telegram:"]),
        ["teams 'hudd_tech' chats", "'channel:chat-id'", "'telegram:'"],
    ),
    (
        "intake team that does not exist",
        _set("helpdesk", "intake_team", value="helpdesk"),
        ["helpdesk.intake_team 'helpdesk' is not a team"],
    ),
    (
        "unknown working day",
        _set("calendar", "workdays", value=["mon", "saturday"]),
        ["calendar.workdays: 'saturday' is not one of mon, tue"],
    ),
    (
        "module priority out of range",
        _set("modules", 0, "priority", value="P5"),
        ["modules.0.priority"],
    ),
    (
        "unknown setting",
        _set("helpdesk", "ticket_prefx", value="MK"),
        ["helpdesk.ticket_prefx", "Extra inputs are not permitted"],
    ),
    (
        "extra holiday on a date that does not exist",
        _set("calendar", "extra_holidays", 0, "date", value="2026-02-30"),
        ["calendar.extra_holidays.0.date"],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_config_is_refused_naming_the_place(
    tmp_path: Path, mutate: Mutation, expected: list[str]
) -> None:
    message = config_error(write_config(tmp_path, mutate))
    for part in expected:
        assert part in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def two_mistakes(data: dict[str, Any]) -> None:
        data["routes"]["bug"] = "qa_team"
        data["staff"][1]["team"] = "trainers"

    message = config_error(write_config(tmp_path, two_mistakes))
    assert "routes.bug: unknown team 'qa_team'" in message
    assert "staff 'ravi': unknown team 'trainers'" in message


def test_a_key_longer_than_a_ticket_keeps_is_refused(tmp_path: Path) -> None:
    def long_team_key(data: dict[str, Any]) -> None:
        key = "master_trainers_of_every_urban_local_body"  # 41 characters
        data["teams"][1]["key"] = key
        data["routes"] = {
            kind: key if team == "master_trainers" else team
            for kind, team in data["routes"].items()
        }

    message = config_error(write_config(tmp_path, long_team_key))
    assert "at most 40 characters" in message


def test_thousands_of_nested_brackets_are_invalid_toml_not_a_crash() -> None:
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config_text("a = " + "[" * 20_000 + "]" * 20_000)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    broken = text.replace('opens = "10:00"', 'opens = "10:00', 1)
    assert broken != text
    line = text[: text.index('opens = "10:00"')].count("\n") + 1
    path = tmp_path / "helpdesk.toml"
    path.write_text(broken, encoding="utf-8")
    message = config_error(path)
    assert "is not valid TOML" in message
    assert f"line {line}" in message


def test_missing_file(tmp_path: Path) -> None:
    message = config_error(tmp_path / "nowhere.toml")
    assert "does not exist" in message


BROKEN_CALENDAR: list[tuple[str, Mutation, str]] = [
    ("office closes before it opens", _set("calendar", "opens", value="18:00"), "calendar"),
    ("no working days", _set("calendar", "workdays", value=[]), "calendar.workdays"),
    ("unknown time zone", _set("helpdesk", "timezone", value="Asia/Kolkatta"), "timezone"),
    ("unknown holiday subdivision", _set("calendar", "subdivision", value="XX"), "subdivision"),
]


@pytest.mark.parametrize(
    ("mutate", "place"),
    [case[1:] for case in BROKEN_CALENDAR],
    ids=[case[0] for case in BROKEN_CALENDAR],
)
def test_a_broken_calendar_is_a_config_error(tmp_path: Path, mutate: Mutation, place: str) -> None:
    message = config_error(write_config(tmp_path, mutate))
    assert place in message
