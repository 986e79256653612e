"""The shape of the helpdesk configuration file, checked field by field (pydantic): a mistake
is named with its place in the file."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from flows import i18n
from flows.directory import PRIORITIES, ROUTING_TYPES, STAFF_ROLES
from flows.messages import Address

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Priority = Annotated[str, Field(pattern="^P[1-4]$")]
# (40: the longest key a ticket or an account keeps, its team's.)
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=40)]


class ConfigError(Exception):
    """The configuration file cannot be used; the message says where and why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionModel(_Model):
    key: Key
    labels: dict[str, str]
    aliases: list[str] = []

    @model_validator(mode="after")
    def english_label(self) -> Self:
        if "en" not in self.labels:
            raise ValueError(f"'{self.key}' needs an English label (labels.en)")
        return self


class ModuleModel(OptionModel):
    priority: Priority | None = None


class CategoryModel(OptionModel):
    routing: str
    priority: Priority = "P3"

    @model_validator(mode="after")
    def known_routing(self) -> Self:
        if self.routing not in ROUTING_TYPES:
            raise ValueError(f"routing must be one of {', '.join(ROUTING_TYPES)}")
        return self


class TeamModel(_Model):
    key: Key
    names: dict[str, str]
    chats: list[str] = []
    language: str = "en"


class StaffModel(_Model):
    key: Key
    name: str
    role: str
    team: Key
    addresses: list[str] = []
    # The language of their chats until they choose one; the helpdesk's default if not set.
    language: str = ""

    @model_validator(mode="after")
    def known_role(self) -> Self:
        if self.role not in STAFF_ROLES:
            raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
        if self.language and not i18n.supported(self.language):
            raise ValueError(f"language must be one of {', '.join(i18n.CATALOGS)}")
        return self


class HolidayModel(_Model):
    date: date
    name: str


class CalendarModel(_Model):
    workdays: list[str] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)
    opens: time = time(10, 0)
    closes: time = time(17, 30)
    country: str = "IN"
    subdivision: str | None = "OD"
    extra_holidays: list[HolidayModel] = []

    @model_validator(mode="after")
    def sensible(self) -> Self:
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes}) must be after opens ({self.opens})")
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError as error:
            raise ValueError(f"holidays: {error}") from error
        return self


class SlaModel(_Model):
    response_business_days: float = Field(gt=0)
    resolution_business_days: float | None = Field(default=None, gt=0)


class RemindersModel(_Model):
    """When the helpdesk reminds, warns and summarises (times are office-local)."""

    due_soon_share: float = Field(default=0.75, gt=0, lt=1)
    morning_reminder: time = time(10, 30)
    digest_time: time = time(9, 30)
    daily_digest: bool = True  # false: no daily summary to any team
    breach_escalation_team: str = ""
    auto_close_business_days: float = Field(default=3, gt=0)
    weekly_summary_team: str = ""
    weekly_summary_day: str = "mon"
    weekly_summary_time: time = time(10, 0)
    sweep_seconds: float = Field(default=60, gt=0)


# The ticket statuses whose arrival moves a mirrored JIRA issue (`[jira] transitions`).
JIRA_MOVES = ("resolved", "closed", "reopened")


class JiraModel(_Model):
    """How tickets are mirrored into JIRA (used only when JIRA_URL is set)."""

    teams: list[str] = ["egov_tech", "egov"]
    issue_types: dict[str, str] = {
        "bug_fix": "Bug",
        "change_request": "Story",
        "incident": "Task",
        "problem": "Task",
        "": "Task",
    }
    priorities: dict[str, str] = {"P1": "Highest", "P2": "High", "P3": "Medium", "P4": "Low"}
    resolved_statuses: list[str] = ["Done", "Resolved", "Closed"]
    # A JIRA comment starting with this goes to the reporter; others stay in JIRA.
    reporter_marker: str = "[reporter]"
    # When the helpdesk resolves, closes or reopens a ticket, its issue goes through the
    # workflow transition of this name (any case); a status left out leaves the issue as it is.
    transitions: dict[str, str] = {"resolved": "Done", "closed": "Done", "reopened": "To Do"}

    @field_validator("transitions")
    @classmethod
    def known_transitions(cls, transitions: dict[str, str]) -> dict[str, str]:
        for status, name in transitions.items():
            if status not in JIRA_MOVES:
                raise ValueError(
                    f"'{status}' is not a status the helpdesk moves an issue for "
                    f"(one of {', '.join(JIRA_MOVES)})"
                )
            if not name.strip():
                raise ValueError(f"the transition for '{status}' has no name (leave it out)")
        return {status: name.strip() for status, name in transitions.items()}


class HelpdeskModel(_Model):
    ticket_prefix: str = Field(default="MK", pattern="^[A-Z]{2,4}$")
    timezone: str = "Asia/Kolkata"
    intake_team: Key = "l1"
    resume_after_hours: float = Field(default=2, gt=0)

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, timezone: str) -> str:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone '{timezone}'") from error
        return timezone


class ConfigModel(_Model):
    helpdesk: HelpdeskModel = HelpdeskModel()
    calendar: CalendarModel = CalendarModel()
    sla: dict[Priority, SlaModel]
    reminders: RemindersModel = RemindersModel()
    jira: JiraModel = JiraModel()
    routes: dict[str, Key]
    ulbs: list[OptionModel] = Field(min_length=1)
    modules: list[ModuleModel] = Field(min_length=1)
    categories: list[CategoryModel] = Field(min_length=1)
    teams: list[TeamModel] = Field(min_length=1)
    staff: list[StaffModel] = []

    @model_validator(mode="after")
    def consistent(self) -> Self:
        teams = {team.key for team in self.teams}
        problems = []
        for name, items in (
            ("ulbs", self.ulbs),
            ("modules", self.modules),
            ("categories", self.categories),
            ("teams", self.teams),
            ("staff", self.staff),
        ):
            keys = [item.key for item in items]
            duplicates = sorted({key for key in keys if keys.count(key) > 1})
            if duplicates:
                problems.append(f"{name}: duplicate keys {', '.join(duplicates)}")
        if self.helpdesk.intake_team not in teams:
            problems.append(f"helpdesk.intake_team '{self.helpdesk.intake_team}' is not a team")
        for routing in ROUTING_TYPES:
            if routing not in self.routes:
                problems.append(f"routes: no team for '{routing}'")
        for routing, team in self.routes.items():
            if routing not in ROUTING_TYPES:
                problems.append(f"routes: unknown routing type '{routing}'")
            elif team not in teams:
                problems.append(f"routes.{routing}: unknown team '{team}'")
        for member in self.staff:
            if member.team not in teams:
                problems.append(f"staff '{member.key}': unknown team '{member.team}'")
        for priority in PRIORITIES:
            if priority not in self.sla:
                problems.append(f"sla: no target for {priority}")
        reminders = self.reminders
        for field in ("breach_escalation_team", "weekly_summary_team"):
            team = getattr(reminders, field)
            if team and team not in teams:
                problems.append(f"reminders.{field}: unknown team '{team}'")
        for team in self.jira.teams:
            if team not in teams:
                problems.append(f"jira.teams: unknown team '{team}'")
        if reminders.weekly_summary_day not in WEEKDAYS:
            problems.append(f"reminders.weekly_summary_day: one of {', '.join(WEEKDAYS)}")
        for day in self.calendar.workdays:
            if day not in WEEKDAYS:
                problems.append(f"calendar.workdays: '{day}' is not one of {', '.join(WEEKDAYS)}")
        for where, address in self._addresses():
            try:
                Address.parse(address)
            except ValueError as error:
                problems.append(f"{where}: {error}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _addresses(self) -> list[tuple[str, str]]:
        found = [(f"teams '{t.key}' chats", chat) for t in self.teams for chat in t.chats]
        found += [(f"staff '{s.key}' addresses", a) for s in self.staff for a in s.addresses]
        return found
