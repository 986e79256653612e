"""A report's questions, each asked only while the report lacks its answer: the ULB, the
reporter's role and name, the module, the category and the description."""

from __future__ import annotations

from flows import i18n
from flows.choosing import Candidate, NoMatch, normalise, pick
from flows.conversation.chat import INTAKE_STEPS
from flows.conversation.options import (
    PAGE_SIZE,
    answer_option,
    offer_options,
    option_candidates,
    pick_from,
)
from flows.conversation.turn import Turn
from flows.messages import Choice
from flows.state import Draft

MIN_DESCRIPTION = 10
ROLES = ("ulb_employee", "cbo_member")
# What people call their role besides its labels (the labels are wholly in each language;
# the abbreviations everyone uses still work when typed).
ROLE_ALIASES = {
    "ulb_employee": ("ulb", "ULB କର୍ମଚାରୀ", "ULB कर्मचारी"),
    "cbo_member": ("cbo", "CBO ସଦସ୍ୟ", "CBO सदस्य", "Mission Shakti", "ମିଶନ ଶକ୍ତି", "मिशन शक्ति"),
}


def continue_intake(turn: Turn) -> None:
    """Ask the first thing the report still lacks; after an edit, go back to the summary."""
    profile, draft = turn.state.profile, turn.draft
    missing = {
        "ulb": not draft.ulb,
        "role": not profile.role,
        "name": not profile.name,
        "module": not draft.module,
        "category": not draft.category,
        "description": not draft.description,
    }
    sender = " ".join(turn.inbound.sender_name.split())
    asked_again = turn.state.return_to or turn.state.step == "name"  # (a change of name)
    if missing["name"] and 2 <= len(sender) <= 80 and not asked_again:
        # The name the chat app shows is known: not asked, shown on the summary to change.
        turn.state = turn.state.evolve(profile=profile.evolve(name=sender))
        missing["name"] = False
    upcoming = [name for name in INTAKE_STEPS if missing.get(name)]
    if upcoming:
        turn.goto(upcoming[0])
    elif turn.state.return_to:
        target, turn.state = turn.state.return_to, turn.state.evolve(return_to="")
        turn.goto(target)
    else:
        # Photos are taken at any step (the description's question says so): no question
        # of its own for them.
        turn.goto("confirm")


def untouched(turn: Turn, draft: Draft) -> bool:
    """A report nothing has been answered for yet (the ULB as kept from the last)."""
    return draft == Draft(ulb=turn.state.profile.last_ulb)


def ulb_kept(turn: Turn) -> bool:
    """Whether the report names the ULB of the reporter's last one, not chosen again."""
    last = turn.state.profile.last_ulb
    return bool(last) and turn.draft.ulb == last


def ask_ulb(turn: Turn) -> None:
    ulbs = turn.directory.ulbs
    if len(ulbs) > PAGE_SIZE:
        example = ulbs[0].label(turn.language)[:3]
        offer_options(turn, turn.t("ask_ulb_search", example=example), ulbs)
    else:
        offer_options(turn, turn.t("ask_ulb"), ulbs)


def on_ulb(turn: Turn) -> None:
    key = answer_option(turn, turn.directory.ulbs)
    if key:
        turn.update_draft(ulb=key)
        continue_intake(turn)


def ask_role(turn: Turn) -> None:
    turn.offer(turn.t("ask_role"), [Choice(role, turn.t(f"role_{role}")) for role in ROLES])


def on_role(turn: Turn) -> None:
    candidates = [
        Candidate(
            role,
            (
                *(i18n.text(lang, f"role_{role}") for lang in i18n.CATALOGS),
                role,
                *ROLE_ALIASES[role],
            ),
        )
        for role in ROLES
    ]
    picked = pick_from(turn, candidates)
    if picked:
        turn.state = turn.state.evolve(profile=turn.state.profile.evolve(role=picked))
        continue_intake(turn)


def ask_name(turn: Turn) -> None:
    sender = turn.inbound.sender_name.strip()
    choices = [Choice("use_sender", turn.t("use_name", name=sender))] if sender else []
    turn.offer(turn.t("ask_name"), choices)


def on_name(turn: Turn) -> None:
    name = turn.inbound.sender_name.strip() if turn.inbound.choice == "use_sender" else ""
    if not name:
        typed = " ".join(turn.inbound.text.split())
        if normalise(typed) == "1" and turn.state.shown == ("use_sender",):
            typed = turn.inbound.sender_name.strip()
        name = typed
    if not 2 <= len(name) <= 80 or name.isdigit():
        turn.say(turn.t("name_invalid"))
        return
    turn.state = turn.state.evolve(profile=turn.state.profile.evolve(name=name))
    continue_intake(turn)


def ask_module(turn: Turn) -> None:
    question = turn.t("ask_module")
    if ulb_kept(turn):
        # Kept from the last report, said where it costs no answer, changed by a name.
        ulb = turn.directory.ulb(turn.draft.ulb).label(turn.language)
        question = f"{turn.t('ulb_kept', ulb=ulb)}\n\n{question}"
    offer_options(turn, question, turn.directory.modules)


def changes_ulb(turn: Turn) -> bool:
    """At the module question, another ULB's name instead of a module: the report's ULB
    is that one (a list to pick from if several match)."""
    if not ulb_kept(turn) or turn.inbound.choice:
        return False
    text, shown = turn.inbound.text, turn.state.shown
    if not isinstance(pick(text, "", shown, option_candidates(turn.directory.modules)), NoMatch):
        return False
    if isinstance(pick(text, "", (), option_candidates(turn.directory.ulbs)), NoMatch):
        return False
    turn.state = turn.state.evolve(step="ulb", shown=(), page=0)
    on_ulb(turn)
    return True


def on_module(turn: Turn) -> None:
    if changes_ulb(turn):
        return
    key = answer_option(turn, turn.directory.modules)
    if key:
        turn.update_draft(module=key)
        continue_intake(turn)


def ask_category(turn: Turn) -> None:
    offer_options(turn, turn.t("ask_category"), turn.directory.categories)


def on_category(turn: Turn) -> None:
    key = answer_option(turn, turn.directory.categories)
    if key:
        turn.update_draft(category=key)
        continue_intake(turn)


def ask_description(turn: Turn) -> None:
    turn.say(turn.t("ask_description"))


def on_description(turn: Turn) -> None:
    description = turn.inbound.text.strip()
    if not description:
        turn.prompt()
        return
    if len(description) < MIN_DESCRIPTION:
        turn.say(turn.t("description_too_short", minimum=MIN_DESCRIPTION))
        return
    if turn.draft.description:
        # An earlier photo caption stays in front of the description.
        description = f"{turn.draft.description}\n{description}"
    turn.update_draft(description=description)
    continue_intake(turn)
