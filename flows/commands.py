"""Domain commands a flow step asks the back end to carry out, after the step itself."""

from __future__ import annotations

from dataclasses import dataclass

from flows.messages import Attachment


@dataclass(frozen=True)
class SubmitTicket:
    language: str
    reporter_role: str
    reporter_name: str
    ulb: str
    module: str
    category: str
    description: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ShowTicket:
    """Status of one ticket; staff also get the ticket's action menu."""

    number: str


@dataclass(frozen=True)
class ListMyTickets:
    pass


@dataclass(frozen=True)
class ShowQueue:
    """A team's open tickets (staff only): `team`'s (a team's own chat asks for its own), or
    "" for the asking staff member's."""

    team: str = ""


@dataclass(frozen=True)
class StaffAction:
    number: str
    action: str  # take | type | priority | escalate | comment | resolve | close | reopen
    value: str = ""
    note: str = ""
    # A "take" that does not take the ticket over from a colleague who has it: a card's
    # button, pressed by two people at once, is taken by the first (a typed command takes over).
    only_if_free: bool = False


@dataclass(frozen=True)
class ReplyToTicket:
    """The reporter writes to the team about their ticket (answering a question, or not)."""

    number: str
    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ConfirmResolution:
    number: str
    solved: bool
    reason: str = ""


@dataclass(frozen=True)
class RateTicket:
    number: str
    rating: int


Command = (
    SubmitTicket
    | ShowTicket
    | ListMyTickets
    | ShowQueue
    | StaffAction
    | ReplyToTicket
    | ConfirmResolution
    | RateTicket
)
