"""The helpdesk configuration file (TOML): ULBs, modules, categories, teams, staff, routing, SLA.

Validated at start-up; a mistake stops the service with a message naming the place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import (
    ValidationError,
)

from bot.core.calendar import BusinessCalendar
from bot.core.configmodel import (
    WEEKDAYS,
    ConfigError,
    ConfigModel,
    JiraModel,
    OptionModel,
    RemindersModel,
)
from flows.directory import (
    Category,
    Directory,
    Module,
    Option,
    Staff,
    Team,
)
from flows.messages import Address


@dataclass(frozen=True)
class HelpdeskConfig:
    directory: Directory
    calendar: BusinessCalendar
    response_days: dict[str, float]
    resolution_days: dict[str, float]
    reminders: RemindersModel
    jira: JiraModel
    timezone: str
    resume_after_hours: float


def _option(model: OptionModel) -> Option:
    return Option(model.key, dict(model.labels), tuple(model.aliases))


def load_config(path: Path) -> HelpdeskConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ConfigError(f"configuration file {path} does not exist") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"configuration file {path} is not UTF-8 text ({error})") from error
    except OSError as error:  # a directory, no permission, ...
        raise ConfigError(f"configuration file {path} cannot be read ({error})") from error
    return load_config_text(text, str(path))


def build_config(model: ConfigModel) -> HelpdeskConfig:
    directory = Directory(
        ulbs=tuple(_option(ulb) for ulb in model.ulbs),
        modules=tuple(
            Module(m.key, dict(m.labels), tuple(m.aliases), priority=m.priority or "")
            for m in model.modules
        ),
        categories=tuple(
            Category(
                c.key, dict(c.labels), tuple(c.aliases), routing=c.routing, priority=c.priority
            )
            for c in model.categories
        ),
        teams=tuple(
            Team(t.key, dict(t.names), tuple(Address.parse(c) for c in t.chats), t.language)
            for t in model.teams
        ),
        staff=tuple(
            Staff(
                s.key,
                s.name,
                s.role,
                s.team,
                tuple(Address.parse(a) for a in s.addresses),
                s.language,
            )
            for s in model.staff
        ),
        routes=dict(model.routes),
        intake_team=model.helpdesk.intake_team,
        ticket_prefix=model.helpdesk.ticket_prefix,
    )
    calendar_model = model.calendar
    calendar = BusinessCalendar(
        timezone=model.helpdesk.timezone,
        workdays=[WEEKDAYS.index(day) for day in calendar_model.workdays],
        opens=calendar_model.opens,
        closes=calendar_model.closes,
        country=calendar_model.country,
        subdivision=calendar_model.subdivision,
        extra_holidays=[holiday.date for holiday in calendar_model.extra_holidays],
    )
    return HelpdeskConfig(
        directory=directory,
        calendar=calendar,
        response_days={p: target.response_business_days for p, target in model.sla.items()},
        resolution_days={
            p: target.resolution_business_days
            for p, target in model.sla.items()
            if target.resolution_business_days is not None
        },
        reminders=model.reminders,
        jira=model.jira,
        timezone=model.helpdesk.timezone,
        resume_after_hours=model.helpdesk.resume_after_hours,
    )


def load_config_text(text: str, source: str = "the configuration") -> HelpdeskConfig:
    """The configuration in `text`, checked exactly as the file is at start-up (the admin
    pages check an edited configuration with this before anything changes)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source} is not valid TOML: {error}") from error
    except RecursionError as error:  # thousands of nested brackets
        raise ConfigError(f"{source} is not valid TOML: nested too deeply") from error
    try:
        model = ConfigModel.model_validate(raw)
    except ValidationError as error:
        lines = [
            f"  {'.'.join(str(part) for part in item['loc']) or '(file)'}: {item['msg']}"
            for item in error.errors()
        ]
        raise ConfigError(f"{source} has problems:\n" + "\n".join(lines)) from error
    return build_config(model)


def previous_version(path: Path) -> Path:
    """Where the version before the last change through the admin pages is kept."""
    return path.with_name(f"{path.name}.previous")


def write_config_text(path: Path, text: str) -> None:
    """Replace the configuration file with `text`, all at once: a reader (or a crash) sees
    the old file or the new one, never half of one. The old file is kept beside it as
    `<name>.previous`."""
    old = path.read_bytes() if path.exists() else None
    if old is not None:
        _replace_atomically(previous_version(path), old, path)
    _replace_atomically(path, text.encode("utf-8"), path)


def _replace_atomically(target: Path, content: bytes, like: Path) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        if like.exists():
            shutil.copymode(like, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def config_digest(text: str) -> str:
    """Tells two versions of the configuration apart (the admin page, the file watcher)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
