"""One inbound message being worked through.

A `Turn` holds what the message may read (the chat's state, the message, the context) and
collects the replies and commands it causes. The steps are functions of a `Turn`, one module
per concept; `Turn.prompt` and `Turn.respond` reach them through the route table that
`routing` hands every turn, so no step module needs to import another to move the chat on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flows import i18n
from flows.commands import Command
from flows.conversation.chat import language_of
from flows.directory import Directory, Staff
from flows.messages import Choice, Inbound, Outbound
from flows.state import ConversationState, Draft
from flows.views import TicketView


@dataclass(frozen=True)
class FlowContext:
    directory: Directory
    now: datetime
    actor: Staff | None = None
    timezone: str = "Asia/Kolkata"
    # A draft untouched this long greets the reporter with "welcome back" first.
    resume_after: timedelta = timedelta(hours=2)
    # The reporter's tickets not closed yet, newest first (loaded only when a message may go
    # to one: never for staff, nor in the middle of a report).
    open_tickets: tuple[TicketView, ...] = ()


@dataclass(frozen=True)
class Step:
    state: ConversationState
    replies: tuple[Outbound, ...] = ()
    commands: tuple[Command, ...] = ()


@dataclass(frozen=True)
class Route:
    """A step of the conversation: how its question is asked, and how an answer is taken."""

    ask: Callable[[Turn], None]
    answer: Callable[[Turn], None]


class Turn:
    """One inbound message worked through; collects the replies and commands it causes."""

    def __init__(
        self,
        state: ConversationState,
        inbound: Inbound,
        context: FlowContext,
        routes: Mapping[str, Route],
    ) -> None:
        self.state = state
        self.inbound = inbound
        self.context = context
        self.directory = context.directory
        self.routes = routes
        self.replies: list[Outbound] = []
        self.commands: list[Command] = []

    @property
    def language(self) -> str:
        return language_of(self.state, self.context.actor)

    @property
    def example(self) -> str:
        return f"{self.directory.ticket_prefix}-1001"

    def t(self, key: str, **values: object) -> str:
        return i18n.text(self.language, key, **values)

    def say(self, message: str, choices: Sequence[Choice] = ()) -> None:
        self.replies.append(
            Outbound(self.inbound.address, message, tuple(choices), language=self.language)
        )

    def offer(self, message: str, choices: Sequence[Choice]) -> None:
        """Ask with a numbered list, remembering what each number means."""
        self.state = self.state.evolve(shown=tuple(choice.key for choice in choices))
        self.say(message, choices)

    # -- moving between steps ---------------------------------------------------------------

    def route(self) -> Route:
        """The current step's route (a step no longer known is the menu)."""
        return self.routes.get(self.state.step) or self.routes["menu"]

    def prompt(self) -> None:
        """(Re-)ask the question of the current step."""
        self.route().ask(self)

    def respond(self) -> None:
        """Take the message as the answer to the current step's question."""
        self.route().answer(self)

    def goto(self, step_name: str) -> None:
        self.state = self.state.evolve(step=step_name, shown=(), page=0)
        self.prompt()

    def finish(self) -> Step:
        state = self.state.evolve(last_seen=self.inbound.received_at)
        return Step(state, tuple(self.replies), tuple(self.commands))

    # -- the report being written -----------------------------------------------------------

    @property
    def draft(self) -> Draft:
        return self.state.draft or Draft()

    def update_draft(self, **changes: Any) -> None:
        self.state = self.state.evolve(draft=self.draft.evolve(**changes))
