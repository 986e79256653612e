"""Team group chats: staff work tickets by command, button or reply; no conversation state.

Buttons and replies arrive already translated into the staff command language
(`flows.staffcommands`); a command short of its value or note asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows import i18n
from flows.choosing import normalise
from flows.commands import Command, ShowQueue, ShowTicket, StaffAction
from flows.conversation import FlowContext
from flows.directory import PRIORITIES, TICKET_TYPES, Team
from flows.messages import Choice, Inbound, Outbound
from flows.staffcommands import (
    BY_CATEGORY,
    CARD_VERBS,
    NEEDS_NOTE,
    NEEDS_TICKET,
    NEEDS_VALUE,
    NOTE_QUESTIONS,
    command_text,
    parse_staff_line,
)


@dataclass(frozen=True)
class TeamStep:
    replies: tuple[Outbound, ...] = ()
    commands: tuple[Command, ...] = ()


def card_actions(language: str, number: str) -> tuple[Choice, ...]:
    """The buttons under a ticket's card in a team chat."""
    return tuple(
        Choice(command_text(verb, number), i18n.text(language, f"action_{verb}"))
        for verb in CARD_VERBS
    )


def team_step(inbound: Inbound, context: FlowContext, team: Team) -> TeamStep:
    language, directory = team.language, context.directory

    def reply(text: str, choices: tuple[Choice, ...] = (), kind: str = "reply") -> TeamStep:
        return TeamStep((Outbound(inbound.address, text, choices, kind=kind),))

    if context.actor is None:
        return reply(i18n.text(language, "staff_only"))
    text = inbound.choice or inbound.text
    word = normalise(text).split("@", 1)[0]
    if word in ("help", "start"):
        teams = ", ".join(member.key for member in directory.teams)
        example = f"{directory.ticket_prefix}-1001"
        return reply(i18n.text(language, "staff_help", example=example, teams=teams))
    if word == "queue":
        return TeamStep(commands=(ShowQueue(team.key),))
    line = parse_staff_line(text, directory.ticket_prefix)
    if line is None:
        return reply(i18n.text(language, "group_not_understood"))
    verb, number, rest = line.verb, line.number, line.rest
    if verb == "ticket":
        return TeamStep(commands=(ShowTicket(number),))
    if verb in NEEDS_NOTE and not rest:
        question = i18n.text(language, NOTE_QUESTIONS[verb], number=number)
        hint = i18n.text(language, "reply_with_note")
        # The first line is the command the reply completes (see adapters' reply handling).
        return reply(f"{command_text(verb, number)}\n{question}\n{hint}", kind="prompt")
    if verb in NEEDS_TICKET and not rest:
        return reply(i18n.text(language, "link_usage", number=number))
    if verb in NEEDS_VALUE and not rest:
        values = TICKET_TYPES if verb == "type" else PRIORITIES
        labels = [i18n.text(language, f"type_{v}") if verb == "type" else v for v in values]
        choices = tuple(
            Choice(command_text(verb, number, value), label)
            for value, label in zip(values, labels, strict=True)
        )
        question = "ask_type" if verb == "type" else "ask_priority"
        return reply(i18n.text(language, question, number=number), choices)
    if verb == "escalate" and not rest:
        targets = directory.escalation_teams
        choices = (
            Choice(
                command_text(verb, number, BY_CATEGORY), i18n.text(language, "team_by_category")
            ),
            *(Choice(command_text(verb, number, t.key), t.name(language)) for t in targets),
        )
        return reply(i18n.text(language, "ask_team", number=number), choices)
    valued = ("type", "priority", "escalate", *NEEDS_TICKET)
    value = rest if verb in valued else ""
    note = rest if verb not in valued else ""
    pressed = bool(inbound.choice)  # a button, not a typed command
    only_if_free = verb == "take" and pressed
    return TeamStep(
        commands=(StaffAction(number, verb, value=value, note=note, only_if_free=only_if_free),)
    )
