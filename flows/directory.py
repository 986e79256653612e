"""What the helpdesk offers and who works it: ULBs, modules, categories, teams, staff.

Loaded from the configuration file by `bot.core.config`; flows only read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flows.messages import Address

# The process document's routing types, in the reporter's terms on the category menu.
ROUTING_TYPES = ("functional", "technical_infra", "technical_app", "bug", "enhancement")
TICKET_TYPES = ("problem", "incident", "change_request", "bug_fix")
PRIORITIES = ("P1", "P2", "P3", "P4")
STAFF_ROLES = ("l1", "member", "admin")


@dataclass(frozen=True)
class Option:
    """Something a reporter picks from a list, labelled per language."""

    key: str
    labels: Mapping[str, str]
    aliases: tuple[str, ...] = ()

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["en"]


@dataclass(frozen=True)
class Module(Option):
    # A module can raise the proposed priority (payments stuck matter more than a typo).
    priority: str = ""


@dataclass(frozen=True)
class Category(Option):
    routing: str = "functional"
    priority: str = "P3"


@dataclass(frozen=True)
class Team:
    key: str
    names: Mapping[str, str]
    chats: tuple[Address, ...] = ()
    language: str = "en"

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]


# The longest name the helpdesk keeps for a person (its tickets' name columns): a Telegram
# name can be 129 characters, first and last.
NAME_LONGEST = 120


@dataclass(frozen=True)
class Staff:
    key: str
    name: str
    role: str  # "l1" | "member" | "admin"
    team: str
    addresses: tuple[Address, ...] = ()
    # Their chats' language until they choose one ("": the helpdesk's default).
    language: str = ""

    @property
    def sees_every_team(self) -> bool:
        return self.role in ("l1", "admin")


@dataclass(frozen=True)
class Directory:
    ulbs: tuple[Option, ...]
    modules: tuple[Module, ...]
    categories: tuple[Category, ...]
    teams: tuple[Team, ...]
    staff: tuple[Staff, ...]
    # routing type -> team key; every ticket starts with `intake_team` (L1).
    routes: Mapping[str, str]
    intake_team: str
    ticket_prefix: str = "MK"
    _staff_by_address: Mapping[Address, Staff] = field(default_factory=dict, repr=False)
    _team_by_chat: Mapping[Address, Team] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index = {address: member for member in self.staff for address in member.addresses}
        object.__setattr__(self, "_staff_by_address", index)
        # Every message asks whose chat it came from: the first team listing a chat has it.
        chats: dict[Address, Team] = {}
        for team in self.teams:
            for chat in team.chats:
                chats.setdefault(chat, team)
        object.__setattr__(self, "_team_by_chat", chats)

    def staff_at(self, address: Address) -> Staff | None:
        return self._staff_by_address.get(address)

    @property
    def escalation_teams(self) -> tuple[Team, ...]:
        """The teams the process escalates to (the admins' group, say, is not one)."""
        targets = set(self.routes.values())
        return tuple(team for team in self.teams if team.key in targets)

    def team_for_chat(self, address: Address) -> Team | None:
        """The team whose group chat this is, if any."""
        return self._team_by_chat.get(address)

    def member_of_team_chat(self, chat: Address, person: Address, name: str) -> Staff | None:
        """Whoever writes in a team's group chat acts for that team (the group is the
        membership list); configured staff keep their own role."""
        known = self.staff_at(person)
        if known is not None:
            return known
        team = self.team_for_chat(chat)
        if team is None:
            return None
        role = "l1" if team.key == self.intake_team else "member"
        return Staff(str(person), name or str(person), role, team.key)

    def staff_by_key(self, key: str) -> Staff | None:
        return next((member for member in self.staff if member.key == key), None)

    # A key the configuration no longer has (tickets and drafts outlive an edit of it) is
    # named by itself, with no chats: what names it is still shown, and nothing fails.

    def team(self, key: str) -> Team:
        return next((team for team in self.teams if team.key == key), None) or Team(
            key, {"en": key}
        )

    def ulb(self, key: str) -> Option:
        found = next((option for option in self.ulbs if option.key == key), None)
        return found or Option(key, {"en": key})

    def module(self, key: str) -> Module:
        found = next((option for option in self.modules if option.key == key), None)
        return found or Module(key, {"en": key})

    def category(self, key: str) -> Category:
        found = next((option for option in self.categories if option.key == key), None)
        return found or Category(key, {"en": key})

    def route_for(self, category_key: str) -> str:
        return self.routes[self.category(category_key).routing]
