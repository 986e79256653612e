"""The menu and what it leads to that is no report: the language question, help, and the
question for a ticket's ID."""

from __future__ import annotations

from flows import i18n
from flows.choosing import Candidate, ticket_number
from flows.commands import ListMyTickets, ShowQueue
from flows.conversation.intake import continue_intake
from flows.conversation.options import pick_from
from flows.conversation.staff import show_ticket
from flows.conversation.turn import Turn
from flows.messages import Choice
from flows.state import Draft

LANGUAGE_ALIASES = {
    "en": ("english", "eng", "ଇଂରାଜୀ", "अंग्रेज़ी", "अंग्रेजी"),
    "or": ("odia", "oriya", "ଓଡ଼ିଆ", "ଓଡିଆ", "ओड़िया", "उड़िया"),
    "hi": ("hindi", "हिंदी", "ହିନ୍ଦୀ"),
}


def show_help(turn: Turn) -> None:
    turn.say(turn.t("help", example=turn.example))
    if turn.context.actor:
        teams = ", ".join(team.key for team in turn.directory.teams)
        turn.say(turn.t("staff_help", example=turn.example, teams=teams))


def on_start(turn: Turn) -> None:
    turn.goto("menu")


def ask_language(turn: Turn) -> None:
    choices = [Choice(key, name) for key, name in i18n.LANGUAGE_NAMES.items()]
    turn.offer(i18n.language_question(turn.state.profile.language), choices)


def on_language(turn: Turn) -> None:
    candidates = [
        Candidate(key, (name, key, name.split(" ")[0], *LANGUAGE_ALIASES[key]))
        for key, name in i18n.LANGUAGE_NAMES.items()
    ]
    picked = pick_from(turn, candidates)
    if picked is None:
        return
    first_time = not turn.state.profile.language
    profile = turn.state.profile.evolve(language=picked)
    turn.state = turn.state.evolve(profile=profile)
    if first_time and turn.context.actor is None and turn.state.draft is None:
        # Someone new to the helpdesk has come to report a problem: start at once (the
        # menu is a word away), instead of asking what they want first.
        turn.say(f"{turn.t('language_set')} {turn.t('hint_menu')}")
        turn.state = turn.state.evolve(draft=Draft())
        continue_intake(turn)
        return
    turn.say(turn.t("language_set"))
    if turn.state.draft is not None:
        continue_intake(turn)
    else:
        turn.goto("menu")


def menu_choices(turn: Turn) -> list[Choice]:
    report = "menu_continue" if turn.state.draft is not None else "menu_report"
    keys = ["report", "status", "mine", "language", "help"]
    labels = {
        "report": report,
        "status": "menu_status",
        "mine": "menu_mine",
        "language": "menu_language",
        "help": "menu_help",
    }
    if turn.context.actor:
        keys[1:1] = ["queue", "ticket"]
        labels.update(queue="menu_queue", ticket="menu_ticket")
    return [Choice(key, turn.t(labels[key])) for key in keys]


def ask_menu(turn: Turn) -> None:
    turn.state = turn.state.evolve(step="menu")
    turn.offer(turn.t("menu"), menu_choices(turn))


def on_menu(turn: Turn) -> None:
    number = ticket_number(turn.inbound.text, turn.directory.ticket_prefix)
    if number and not turn.inbound.choice:
        show_ticket(turn, number)
        return
    choices = menu_choices(turn)
    picked = pick_from(turn, [Candidate(c.key, (c.label, c.key)) for c in choices])
    if picked is None:
        return
    if picked == "report":
        if turn.state.draft is None:
            # Most people report for the same ULB again; the summary lets them change it.
            turn.state = turn.state.evolve(draft=Draft(ulb=turn.state.profile.last_ulb))
        continue_intake(turn)
    elif picked in ("status", "ticket"):
        turn.goto("ask_ticket")
    elif picked == "mine":
        turn.commands.append(ListMyTickets())
    elif picked == "queue":
        turn.commands.append(ShowQueue())
    elif picked == "language":
        turn.goto("language")
    elif picked == "help":
        show_help(turn)
        turn.prompt()


def ask_ask_ticket(turn: Turn) -> None:
    turn.say(turn.t("ask_ticket_id", example=turn.example))


def on_ask_ticket(turn: Turn) -> None:
    number = ticket_number(turn.inbound.text, turn.directory.ticket_prefix)
    if number is None:
        turn.say(turn.t("bad_ticket_id", example=turn.example))
        return
    turn.state = turn.state.evolve(step="menu")
    show_ticket(turn, number)
