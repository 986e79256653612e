"""Drive the pure conversation flow (`flows.conversation.step`) without a database or channel.

A `Chat` is one person talking to the helpdesk: each `send` runs one inbound message through
`step` at a fixed time and returns a `Turn` with what the person would see (texts, offered
choices) and what the back end would be asked to do (commands).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from bot.core.config import load_config
from bot.settings import ROOT
from flows import i18n
from flows.commands import Command, SubmitTicket
from flows.conversation import FlowContext, Step, may_pass_to_ticket, step
from flows.directory import Directory, Option, Staff
from flows.messages import Address, Attachment, Choice, Inbound, Outbound
from flows.state import ConversationState, Draft, Profile
from flows.views import TicketView

# Friday 27 November 2026, 11:00 in Odisha.
NOW = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)
EN = i18n.CATALOGS["en"]
OR = i18n.CATALOGS["or"]
HI = i18n.CATALOGS["hi"]

_provider_ids = itertools.count(1)


@cache
def directory() -> Directory:
    """The directory exactly as production builds it from config/helpdesk.toml."""
    return load_config(ROOT / "config" / "helpdesk.toml").directory


@cache
def resume_after() -> timedelta:
    hours = load_config(ROOT / "config" / "helpdesk.toml").resume_after_hours
    return timedelta(hours=hours)


def staff(key: str) -> Staff:
    member = directory().staff_by_key(key)
    assert member is not None, f"no staff member {key!r} in config/helpdesk.toml"
    return member


@dataclass(frozen=True)
class Turn:
    """What one inbound message caused."""

    result: Step

    @property
    def state(self) -> ConversationState:
        return self.result.state

    @property
    def replies(self) -> tuple[Outbound, ...]:
        return self.result.replies

    @property
    def texts(self) -> list[str]:
        return [reply.text for reply in self.result.replies]

    @property
    def text(self) -> str:
        """Every reply's text, joined: handy for `in` checks."""
        return "\n\n".join(self.texts)

    @property
    def last(self) -> Outbound:
        assert self.result.replies, "the helpdesk said nothing"
        return self.result.replies[-1]

    @property
    def question(self) -> str:
        """The text of the last reply: the question the person is now asked."""
        return self.last.text

    @property
    def choices(self) -> tuple[Choice, ...]:
        return self.last.choices

    @property
    def keys(self) -> list[str]:
        return [choice.key for choice in self.last.choices]

    @property
    def labels(self) -> list[str]:
        return [choice.label for choice in self.last.choices]

    @property
    def commands(self) -> tuple[Command, ...]:
        return self.result.commands

    @property
    def submitted(self) -> SubmitTicket:
        """The one ticket this turn submitted."""
        tickets = [c for c in self.result.commands if isinstance(c, SubmitTicket)]
        assert len(tickets) == 1, f"expected one SubmitTicket, got {self.result.commands!r}"
        return tickets[0]


class Chat:
    """One conversation: keeps the state between messages like the dispatcher does."""

    def __init__(
        self,
        *,
        state: ConversationState | None = None,
        actor: Staff | None = None,
        directory_: Directory | None = None,
        address: str = "memory:reporter",
        sender_name: str = "",
        now: datetime = NOW,
        restart_every_turn: bool = False,
        open_tickets: Sequence[TicketView] = (),
    ) -> None:
        self.state = state or ConversationState()
        self.actor = actor
        self.directory = directory_ or directory()
        self.address = Address.parse(address)
        self.sender_name = sender_name
        self.now = now
        # Save and load the state as JSON between turns, like a restart after every message.
        self.restart_every_turn = restart_every_turn
        self.turns: list[Turn] = []
        # The reporter's tickets not closed yet, as the dispatcher would load them.
        self.open_tickets = tuple(open_tickets)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def restart(self) -> None:
        """What a process restart does: the state survives only as its JSON."""
        self.state = ConversationState.from_json(self.state.to_json())

    def send(
        self,
        text: str = "",
        *,
        choice: str = "",
        attachments: Sequence[Attachment] = (),
    ) -> Turn:
        inbound = Inbound(
            address=self.address,
            provider_id=f"p{next(_provider_ids)}",
            text=text,
            received_at=self.now,
            sender_name=self.sender_name,
            attachments=tuple(attachments),
            choice=choice,
        )
        context = FlowContext(
            directory=self.directory,
            now=self.now,
            actor=self.actor,
            resume_after=resume_after(),
            open_tickets=self.open_tickets if may_pass_to_ticket(self.state) else (),
        )
        turn = Turn(step(self.state, inbound, context))
        self.state = turn.state
        if self.restart_every_turn:
            self.restart()
        self.turns.append(turn)
        return turn

    def run(self, *texts: str) -> list[Turn]:
        """Send each text in order; the turns they caused."""
        return [self.send(text) for text in texts]

    def commands(self) -> list[Command]:
        """Every command produced in this chat so far."""
        return [command for turn in self.turns for command in turn.commands]


def open_ticket(number: str, module: str = "wage_bills", description: str = "") -> TicketView:
    """A ticket of the reporter's, not closed yet, as flows see it."""
    return TicketView(
        number=number,
        status="in_progress",
        priority="P2",
        ticket_type="",
        ulb="jatni",
        module=module,
        category="app_error",
        routing="technical_app",
        description=description or "Wage bill shows error 500 on submit",
        team="egov_tech",
        assignee="",
        assignee_name="",
        reporter_name="Ramesh Das",
        reporter_role="ulb_employee",
        reporter_channel="memory",
        created_at=NOW,
        updated_at=NOW,
        response_due_at=None,
    )


def speaking(language: str, **profile: str) -> ConversationState:
    """A person who has already chosen a language (and maybe more), sitting at the menu."""
    return ConversationState(profile=Profile(language=language, **profile), step="menu")


def known_reporter(language: str = "en") -> ConversationState:
    """Someone who has reported before: language, role, name and last ULB remembered."""
    return speaking(language, role="ulb_employee", name="Ramesh Das", last_ulb="jatni")


def draft_state(
    draft: Draft, *, step_name: str, language: str = "en", last_seen: datetime | None = None
) -> ConversationState:
    return dataclasses.replace(
        known_reporter(language), draft=draft, step=step_name, last_seen=last_seen
    )


# Real Odisha towns, so that prefix searches behave as they would in production.
ODISHA_TOWNS = (
    "Anandapur",
    "Angul",
    "Asika",
    "Athagarh",
    "Athamallik",
    "Attabira",
    "Balangir",
    "Balasore",
    "Balimela",
    "Balugaon",
    "Banapur",
    "Banki",
    "Barbil",
    "Bargarh",
    "Baripada",
    "Barpali",
    "Basudevpur",
    "Belpahar",
    "Bellaguntha",
    "Berhampur",
    "Bhadrak",
    "Bhanjanagar",
    "Bhawanipatna",
    "Bhuban",
    "Bhubaneswar",
    "Bijepur",
    "Binika",
    "Biramitrapur",
    "Boudh",
    "Brajarajnagar",
    "Buguda",
    "Byasanagar",
    "Chandbali",
    "Chatrapur",
    "Chikiti",
    "Choudwar",
    "Cuttack",
    "Daspalla",
    "Deogarh",
    "Dhamnagar",
    "Dharmagarh",
    "Digapahandi",
    "Ganjam",
    "Gopalpur",
    "Gudari",
    "Gunupur",
    "Hindol",
    "Hinjilicut",
    "Hirakud",
    "Jagannathprasad",
    "Jagatsinghpur",
    "Jajpur",
    "Jaleswar",
    "Jeypore",
    "Jharsuguda",
    "Joda",
    "Junagarh",
    "Kabisuryanagar",
    "Kakatpur",
    "Kamakhyanagar",
    "Kantabanji",
    "Karanjia",
    "Kashinagar",
    "Kendrapara",
    "Keonjhar",
    "Kesinga",
    "Khallikote",
    "Khariar",
    "Khariar Road",
    "Khordha",
    "Kodala",
    "Konark",
    "Koraput",
    "Kotpad",
    "Kuchinda",
    "Lanjigarh",
    "Malkangiri",
    "Nabarangpur",
    "Nayagarh",
    "Niali",
    "Nilagiri",
    "Nimapada",
    "Nuapada",
    "Odagaon",
    "Padampur",
    "Paradip",
    "Paralakhemundi",
    "Patnagarh",
    "Pattamundai",
    "Phulbani",
    "Pipili",
    "Polasara",
    "Puri",
    "Purushottampur",
    "Rairangpur",
    "Rajgangpur",
    "Rambha",
    "Rayagada",
    "Redhakhol",
    "Remuna",
    "Rourkela",
    "Salipur",
    "Sambalpur",
    "Sonepur",
    "Soro",
    "Sunabeda",
    "Sundargarh",
    "Surada",
    "Talcher",
    "Tarbha",
    "Titlagarh",
    "Udala",
    "Umerkote",
)
CORPORATIONS = frozenset({"Berhampur", "Bhubaneswar", "Cuttack", "Rourkela", "Sambalpur"})


def ulb_key(town: str) -> str:
    return town.lower().replace(" ", "_")


def ulb_label(town: str) -> str:
    return f"{town} Municipal Corporation" if town in CORPORATIONS else f"{town} Municipality"


@cache
def many_ulbs() -> Directory:
    """The production directory with all 115 of Odisha's ULBs instead of two."""
    configured = directory()
    towns = sorted({*ODISHA_TOWNS, "Jatni", "Dhenkanal"})
    kept = {option.key: option for option in configured.ulbs}
    ulbs = tuple(
        kept.get(ulb_key(town)) or Option(ulb_key(town), {"en": ulb_label(town)}, (town,))
        for town in towns
    )
    return dataclasses.replace(configured, ulbs=ulbs)
