"""A report's summary, its last question: submit it, change one of its answers, or cancel."""

from __future__ import annotations

from flows.choosing import Candidate, Picked, pick
from flows.commands import SubmitTicket
from flows.conversation.intake import MIN_DESCRIPTION, continue_intake
from flows.conversation.options import pick_from
from flows.conversation.turn import Turn
from flows.messages import Choice

# The summary's choices, in the order shown.
CONFIRM_KEYS = (
    "submit",
    "edit_ulb",
    "edit_contact",
    "edit_module",
    "edit_category",
    "edit_description",
    "cancel_report",
)


def confirm_choices(turn: Turn) -> list[Choice]:
    return [Choice(key, turn.t(key)) for key in CONFIRM_KEYS]


def ask_confirm(turn: Turn) -> None:
    draft, profile, lang = turn.draft, turn.state.profile, turn.language
    summary = turn.t(
        "summary",
        ulb=turn.directory.ulb(draft.ulb).label(lang),
        name=profile.name,
        role=turn.t(f"role_{profile.role}"),
        module=turn.directory.module(draft.module).label(lang),
        category=turn.directory.category(draft.category).label(lang),
        description=draft.description,
        attachments=len(draft.attachments),
    )
    turn.offer(summary, confirm_choices(turn))


def on_confirm(turn: Turn) -> None:
    choices = confirm_choices(turn)
    candidates = [Candidate(c.key, (c.label, c.key)) for c in choices]
    match = pick(turn.inbound.text, turn.inbound.choice, turn.state.shown, candidates)
    text = turn.inbound.text.strip()
    if not isinstance(match, Picked) and len(text) >= MIN_DESCRIPTION:
        # More words about the problem after the description belong to it.
        turn.update_draft(description=f"{turn.draft.description}\n{text}")
        turn.say(turn.t("description_added"))
        turn.prompt()
        return
    picked = pick_from(turn, candidates)
    if picked == "submit":
        submit(turn)
    elif picked == "cancel_report":
        turn.state = turn.state.evolve(draft=None)
        turn.say(turn.t("cancelled"))
        turn.goto("menu")
    elif picked:
        edit(turn, picked.removeprefix("edit_"))


def edit(turn: Turn, field: str) -> None:
    """An edit empties the field, asks it again, then comes back to the summary."""
    if field == "contact":
        profile = turn.state.profile.evolve(role="", name="")
        turn.state = turn.state.evolve(profile=profile)
    else:
        turn.update_draft(**{field: ""})
    turn.state = turn.state.evolve(return_to="confirm")
    continue_intake(turn)


def submit(turn: Turn) -> None:
    draft, profile = turn.draft, turn.state.profile
    turn.commands.append(
        SubmitTicket(
            language=turn.language,
            reporter_role=profile.role,
            reporter_name=profile.name,
            ulb=draft.ulb,
            module=draft.module,
            category=draft.category,
            description=draft.description,
            attachments=draft.attachments,
        )
    )
    turn.state = turn.state.evolve(
        draft=None, step="menu", shown=(), profile=profile.evolve(last_ulb=draft.ulb)
    )
