"""The conversation: one pure step per inbound message.

`step(state, inbound, context)` returns the new state, the replies and the domain commands
for the back end. No I/O happens here, so every transcript can be tested without a channel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flows import i18n, staffcommands
from flows.choosing import Candidate, Narrowed, NoMatch, Picked, normalise, pick, ticket_number
from flows.commands import (
    Command,
    ConfirmResolution,
    ListMyTickets,
    RateTicket,
    ReplyToTicket,
    ShowQueue,
    ShowTicket,
    StaffAction,
    SubmitTicket,
)
from flows.directory import PRIORITIES, TICKET_TYPES, Directory, Option, Staff
from flows.messages import Choice, Inbound, Outbound
from flows.staffcommands import BY_CATEGORY, parse_staff_line
from flows.state import ConversationState, Draft
from flows.views import TicketView

# Options shown at once: a list of at most this many is shown whole; a longer one a page
# at a time, each page and its "More…" fitting one WhatsApp list (at most 10 items).
LIST_SIZE = 10
PAGE_SIZE = LIST_SIZE - 1
# A typed prefix that matches more than this asks for more letters instead (the matches
# too fit in one WhatsApp list).
MAX_NARROWED = LIST_SIZE
MORE = "__more"
MIN_DESCRIPTION = 10
INTAKE_STEPS = ("ulb", "role", "name", "module", "category", "description", "attachments")
ROLES = ("ulb_employee", "cbo_member")
# What people call their role besides its labels (the labels are wholly in each language;
# the abbreviations everyone uses still work when typed).
ROLE_ALIASES = {
    "ulb_employee": ("ulb", "ULB କର୍ମଚାରୀ", "ULB कर्मचारी"),
    "cbo_member": ("cbo", "CBO ସଦସ୍ୟ", "CBO सदस्य", "Mission Shakti", "ମିଶନ ଶକ୍ତି", "मिशन शक्ति"),
}
STAFF_ACTIONS = staffcommands.VERBS
# A ticket's menu shows these first (the rest behind "More…"), so that it stays short.
FIRST_STAFF_ACTIONS = ("take", "comment", "ask", "resolve", "escalate")
# Staff actions that need a value or a note before they can be carried out.
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
FOLLOW_UP = {
    "note",
    "type",
    "priority",
    "escalate",
    "comment",
    "resolve",
    "reopen",
    "ask",
    "link",
    "duplicate",
}
# Answers to the helpdesk about a ticket; their command lines are also the buttons' keys.
_REPORTER_LINE = re.compile(
    r"^(solved|rate|reply)\s+([a-z]{2,4}[\s\-#]*\d+)\s*(.*)$", re.IGNORECASE | re.DOTALL
)
YES_WORDS = frozenset({"yes", "y", "haan", "ha", "solved", "ହଁ", "हाँ", "हां", "हा"})
NO_WORDS = frozenset({"no", "n", "na", "nahi", "not yet", "ନା", "ନାହିଁ", "नहीं", "ना"})
RATINGS = frozenset("12345")
LANGUAGE_ALIASES = {
    "en": ("english", "eng", "ଇଂରାଜୀ", "अंग्रेज़ी", "अंग्रेजी"),
    "or": ("odia", "oriya", "ଓଡ଼ିଆ", "ଓଡିଆ", "ओड़िया", "उड़िया"),
    "hi": ("hindi", "हिंदी", "ହିନ୍ଦୀ"),
}


def confirmation_keys(number: str) -> tuple[str, str]:
    """The reporter's "solved?" answers, as buttons carry them and as they can be typed."""
    return f"solved {number} yes", f"solved {number} no"


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


def step(state: ConversationState, inbound: Inbound, context: FlowContext) -> Step:
    return _Turn(state, inbound, context).run()


def after_closed_or_reopened(
    number: str, reopened: bool
) -> Callable[[ConversationState], ConversationState | None]:
    """For `update_state`: the reporter's chat once ticket `number` is closed or reopened
    while it waited for their yes/no about it. It waits no more; what they were typing about
    why it is not solved (if it was reopened) still reaches the team, as an answer on it."""

    def change(state: ConversationState) -> ConversationState | None:
        if state.ticket != number or state.step not in ("confirm_resolution", "not_solved"):
            return None
        if reopened and state.step == "not_solved":
            return state.evolve(step="reply_ticket", shown=())
        return state.evolve(step="menu", ticket="", shown=())

    return change


def language_of(state: ConversationState, actor: Staff | None) -> str:
    """The language a person is answered in: theirs once chosen; for staff who never chose,
    the one the configuration gives them."""
    if state.profile.language:
        return state.profile.language
    return actor.language if actor is not None and actor.language else i18n.DEFAULT_LANGUAGE


def ticket_label(ticket: TicketView, directory: Directory, language: str) -> str:
    """A ticket in a list to pick from: its ID, module and the start of its description."""
    words = " ".join(ticket.description.split())
    words = words if len(words) <= 40 else f"{words[:39]}…"
    return f"{ticket.number} · {directory.module(ticket.module).label(language)}: {words}"


def mid_report(state: ConversationState) -> bool:
    """Whether the person is answering a report's questions (never interrupted). A report
    saved for later while they answer about a ticket is not that."""
    return state.draft is not None and state.step in (*INTAKE_STEPS, "confirm")


def may_pass_to_ticket(state: ConversationState) -> bool:
    """Whether a reporter's message may go to an open ticket of theirs: anywhere but in a
    report's questions, except one answered from a short list (what matches none of it is
    not an answer to it)."""
    return not mid_report(state) or state.step == "role"


class _Turn:
    """One inbound message worked through; collects the replies and commands it causes."""

    def __init__(self, state: ConversationState, inbound: Inbound, context: FlowContext) -> None:
        self.state = state
        self.inbound = inbound
        self.context = context
        self.directory = context.directory
        self.replies: list[Outbound] = []
        self.commands: list[Command] = []

    # -- plumbing -------------------------------------------------------------------------

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

    def goto(self, step_name: str) -> None:
        self.state = self.state.evolve(step=step_name, shown=(), page=0)
        self.prompt()

    def finish(self) -> Step:
        state = self.state.evolve(last_seen=self.inbound.received_at)
        return Step(state, tuple(self.replies), tuple(self.commands))

    # -- the turn ---------------------------------------------------------------------------

    def run(self) -> Step:
        self.greet_returning_reporter()
        if self.inbound.attachments and self.take_attachments():
            return self.finish()
        if self.answer_about_ticket(self.inbound.choice or self.inbound.text):
            return self.finish()
        if self.tapped_card_action():
            return self.finish()
        known = [t.language for t in self.context.open_tickets if i18n.supported(t.language)]
        if not self.state.profile.language and known:
            # Someone whose ticket was logged for them (a phone call) writes for the first
            # time: they are written to in its language already, and what they say may be
            # about it.
            profile = replace(self.state.profile, language=known[0])
            self.state = self.state.evolve(profile=profile, step="menu")
        if not self.state.profile.language and self.context.actor is None:
            # Until a language is chosen, the language question stands: a second "hi" asks
            # it again. (Staff have a language from the configuration: a command of theirs
            # is done whatever state their chat is in.)
            intent = i18n.keyword(self.inbound.text)
            if intent == "help":
                self.show_help()
            if self.state.step == "language" and not intent:
                self.on_language()
            else:
                self.goto("language")
            return self.finish()
        # A caption is the description, never a keyword: "quit" under a photo of the error
        # must not throw the report away.
        if not self.inbound.choice and not self.inbound.attachments and self.handle_global_text():
            return self.finish()
        self.answer()
        return self.finish()

    def greet_returning_reporter(self) -> None:
        last_seen = self.state.last_seen
        if (
            self.state.draft is not None
            and self.state.step in (*INTAKE_STEPS, "confirm")
            and last_seen is not None
            and self.inbound.received_at - last_seen > self.context.resume_after
        ):
            self.say(self.t("welcome_back"))

    def take_attachments(self) -> bool:
        """Keep photos and documents on the report, or on the open ticket they answer. True
        when nothing is left to answer."""
        had_draft = self.state.draft is not None
        in_intake = had_draft and self.state.step in (*INTAKE_STEPS, "confirm")
        answering = self.state.step in ("reply_ticket", "which_ticket")
        if (answering or not had_draft) and self.pass_to_ticket():
            return True
        draft = self.state.draft or Draft(ulb=self.state.profile.last_ulb)
        draft = replace(draft, attachments=draft.attachments + self.inbound.attachments)
        caption = self.inbound.text.strip()
        if in_intake and self.state.step == "description" and caption:
            # The caption answers the description question: let that step take it.
            self.state = self.state.evolve(draft=draft)
            self.say(self.t("attachment_added", count=len(draft.attachments)))
            return False
        spoken = (
            not caption
            and in_intake
            and self.state.step == "description"
            and all(a.kind == "voice" for a in self.inbound.attachments)
        )
        if spoken:
            # A voice note can be the whole description (many prefer speaking to typing).
            caption = self.t("voice_description")
        if caption:
            # A caption describes the problem; nothing typed is dropped.
            description = f"{draft.description}\n{caption}" if draft.description else caption
            draft = replace(draft, description=description)
        self.state = self.state.evolve(draft=draft)
        if in_intake:
            self.say(self.t("attachment_added", count=len(draft.attachments)))
            if spoken:
                self.continue_intake()
            else:
                self.prompt()
        elif had_draft:
            self.say(self.t("attachment_added", count=len(draft.attachments)))
            self.resume_intake()
        else:
            self.say(self.t("attachment_new_report"))
            self.resume_intake()
        return True

    def resume_intake(self) -> None:
        if self.state.profile.language:
            self.continue_intake()
        else:
            self.goto("language")

    def handle_global_text(self) -> bool:
        """Keywords and commands that work at any step. True when the message was one."""
        message = self.inbound.text
        intent = i18n.keyword(message)
        if intent in ("cancel", "menu"):
            # (A message held for a ticket until they said which: they went elsewhere.)
            self.state = self.state.evolve(held="", held_files=(), back_to="")
        if intent == "cancel":
            if self.state.draft is not None or self.state.step not in ("menu", "start"):
                self.state = self.state.evolve(draft=None, ticket="", action="", return_to="")
                self.say(self.t("cancelled"))
            else:
                self.say(self.t("nothing_to_cancel"))
            self.goto("menu")
            return True
        if intent == "menu":
            self.state = self.state.evolve(ticket="", action="")
            if self.state.draft is not None and self.untouched(self.state.draft):
                self.state = self.state.evolve(draft=None)  # nothing of it to keep for later
            self.goto("menu")
            return True
        if intent == "help":
            self.show_help()
            self.prompt()
            return True
        if intent == "language":
            self.goto("language")
            return True
        if intent == "mine":
            self.commands.append(ListMyTickets())
            return True
        words = normalise(message).split(" ", 1)
        if len(words) == 2 and words[0] in i18n.STATUS_WORDS:
            number = ticket_number(words[1], self.directory.ticket_prefix)
            if number:
                self.show_ticket(number)
                return True
        if words[0] in i18n.STATUS_WORDS and len(words) == 1:
            # "status" alone (Telegram's /status menu command): which ticket?
            self.goto("ask_ticket")
            return True
        if normalise(message) == "queue" and self.context.actor:
            self.commands.append(ShowQueue())
            return True
        return self.context.actor is not None and self.staff_one_liner(message)

    def show_help(self) -> None:
        self.say(self.t("help", example=self.example))
        if self.context.actor:
            teams = ", ".join(team.key for team in self.directory.teams)
            self.say(self.t("staff_help", example=self.example, teams=teams))

    def show_ticket(self, number: str) -> None:
        self.commands.append(ShowTicket(number))
        if self.context.actor:
            self.work_on(number)

    def work_on(self, number: str) -> None:
        """Staff: keep the ticket in hand and offer its actions (after the command's answer)."""
        self.state = self.state.evolve(step="staff_ticket", ticket=number, action="", page=0)
        self.ask_staff_ticket()

    # -- steps ------------------------------------------------------------------------------

    def prompt(self) -> None:
        """(Re-)ask the question of the current step."""
        getattr(self, f"ask_{self.state.step}", self.ask_menu)()

    def answer(self) -> None:
        choice = self.inbound.choice
        if choice and choice not in self.state.shown:
            # A button from an older message: say so and ask the current question again.
            self.say(self.t("stale_button"))
            self.prompt()
            return
        getattr(self, f"on_{self.state.step}", self.on_menu)()

    def ask_start(self) -> None:
        self.ask_menu()

    def on_start(self) -> None:
        self.goto("menu")

    def ask_language(self) -> None:
        choices = [Choice(key, name) for key, name in i18n.LANGUAGE_NAMES.items()]
        self.offer(i18n.language_question(self.state.profile.language), choices)

    def on_language(self) -> None:
        candidates = [
            Candidate(key, (name, key, name.split(" ")[0], *LANGUAGE_ALIASES[key]))
            for key, name in i18n.LANGUAGE_NAMES.items()
        ]
        picked = self.pick_from(candidates)
        if picked is None:
            return
        first_time = not self.state.profile.language
        profile = replace(self.state.profile, language=picked)
        self.state = self.state.evolve(profile=profile)
        if first_time and self.context.actor is None and self.state.draft is None:
            # Someone new to the helpdesk has come to report a problem: start at once (the
            # menu is a word away), instead of asking what they want first.
            self.say(f"{self.t('language_set')} {self.t('hint_menu')}")
            self.state = self.state.evolve(draft=Draft())
            self.continue_intake()
            return
        self.say(self.t("language_set"))
        if self.state.draft is not None:
            self.continue_intake()
        else:
            self.goto("menu")

    def menu_choices(self) -> list[Choice]:
        report = "menu_continue" if self.state.draft is not None else "menu_report"
        keys = ["report", "status", "mine", "language", "help"]
        labels = {
            "report": report,
            "status": "menu_status",
            "mine": "menu_mine",
            "language": "menu_language",
            "help": "menu_help",
        }
        if self.context.actor:
            keys[1:1] = ["queue", "ticket"]
            labels.update(queue="menu_queue", ticket="menu_ticket")
        return [Choice(key, self.t(labels[key])) for key in keys]

    def ask_menu(self) -> None:
        self.state = self.state.evolve(step="menu")
        self.offer(self.t("menu"), self.menu_choices())

    def on_menu(self) -> None:
        number = ticket_number(self.inbound.text, self.directory.ticket_prefix)
        if number and not self.inbound.choice:
            self.show_ticket(number)
            return
        choices = self.menu_choices()
        picked = self.pick_from([Candidate(c.key, (c.label, c.key)) for c in choices])
        if picked is None:
            return
        if picked == "report":
            if self.state.draft is None:
                # Most people report for the same ULB again; the summary lets them change it.
                self.state = self.state.evolve(draft=Draft(ulb=self.state.profile.last_ulb))
            self.continue_intake()
        elif picked in ("status", "ticket"):
            self.goto("ask_ticket")
        elif picked == "mine":
            self.commands.append(ListMyTickets())
        elif picked == "queue":
            self.commands.append(ShowQueue())
        elif picked == "language":
            self.goto("language")
        elif picked == "help":
            self.show_help()
            self.prompt()

    def ask_ask_ticket(self) -> None:
        self.say(self.t("ask_ticket_id", example=self.example))

    def on_ask_ticket(self) -> None:
        number = ticket_number(self.inbound.text, self.directory.ticket_prefix)
        if number is None:
            self.say(self.t("bad_ticket_id", example=self.example))
            return
        self.state = self.state.evolve(step="menu")
        self.show_ticket(number)

    # -- intake -----------------------------------------------------------------------------

    @property
    def draft(self) -> Draft:
        return self.state.draft or Draft()

    def update_draft(self, **changes: Any) -> None:
        self.state = self.state.evolve(draft=replace(self.draft, **changes))

    def continue_intake(self) -> None:
        """Ask the first thing the report still lacks; after an edit, go back to the summary."""
        profile, draft = self.state.profile, self.draft
        missing = {
            "ulb": not draft.ulb,
            "role": not profile.role,
            "name": not profile.name,
            "module": not draft.module,
            "category": not draft.category,
            "description": not draft.description,
        }
        sender = " ".join(self.inbound.sender_name.split())
        asked_again = self.state.return_to or self.state.step == "name"  # (a change of name)
        if missing["name"] and 2 <= len(sender) <= 80 and not asked_again:
            # The name the chat app shows is known: not asked, shown on the summary to change.
            self.state = self.state.evolve(profile=replace(profile, name=sender))
            missing["name"] = False
        upcoming = [name for name in INTAKE_STEPS if missing.get(name)]
        if upcoming:
            self.goto(upcoming[0])
        elif self.state.return_to:
            target, self.state = self.state.return_to, self.state.evolve(return_to="")
            self.goto(target)
        else:
            # Photos are taken at any step (the description's question says so): no question
            # of its own for them.
            self.goto("confirm")

    def option_candidates(self, options: Sequence[Option]) -> list[Candidate]:
        return [Candidate(o.key, (*o.labels.values(), o.key, *o.aliases)) for o in options]

    def offer_options(self, question: str, options: Sequence[Option]) -> None:
        """A numbered list, a page at a time for long lists (typed prefixes narrow it)."""
        if len(options) <= LIST_SIZE:
            self.offer(question, [Choice(o.key, o.label(self.language)) for o in options])
            return
        pages = (len(options) + PAGE_SIZE - 1) // PAGE_SIZE
        start = (self.state.page % pages) * PAGE_SIZE
        visible = options[start : start + PAGE_SIZE]
        choices = [Choice(o.key, o.label(self.language)) for o in visible]
        self.offer(question, [*choices, Choice(MORE, self.t("more"))])

    def answer_option(self, options: Sequence[Option]) -> str | None:
        """The picked option's key; otherwise narrows the list or re-asks, and returns None."""
        candidates = self.option_candidates(options)
        candidates.append(Candidate(MORE, (self.t("more"), "more")))
        match = pick(self.inbound.text, self.inbound.choice, self.state.shown, candidates)
        if isinstance(match, Picked) and match.key == MORE:
            self.state = self.state.evolve(page=self.state.page + 1)
            self.prompt()
            return None
        if isinstance(match, Picked):
            return match.key
        if isinstance(match, Narrowed):
            answer = self.inbound.text.strip()
            if len(match.keys) > MAX_NARROWED:
                self.say(self.t("too_many_matches", answer=answer, count=len(match.keys)))
                return None
            narrowed = [o for o in options if o.key in match.keys]
            choices = [Choice(o.key, o.label(self.language)) for o in narrowed]
            self.offer(self.t("ulb_narrowed", answer=answer), choices)
            return None
        self.say(self.t("no_match", answer=self.inbound.text.strip()[:60]))
        self.prompt()
        return None

    def pick_from(self, candidates: Sequence[Candidate]) -> str | None:
        """The picked key; otherwise None, having re-asked (or, for a reporter with a ticket
        open, passed what they wrote to it: it answers none of the helpdesk's options)."""
        match = pick(self.inbound.text, self.inbound.choice, self.state.shown, candidates)
        if isinstance(match, Picked):
            return match.key
        if not self.inbound.choice and self.pass_to_ticket():
            return None
        self.say(self.t("not_understood"))
        self.prompt()
        return None

    def ask_ulb(self) -> None:
        ulbs = self.directory.ulbs
        if len(ulbs) > PAGE_SIZE:
            example = ulbs[0].label(self.language)[:3]
            self.offer_options(self.t("ask_ulb_search", example=example), ulbs)
        else:
            self.offer_options(self.t("ask_ulb"), ulbs)

    def on_ulb(self) -> None:
        key = self.answer_option(self.directory.ulbs)
        if key:
            self.update_draft(ulb=key)
            self.continue_intake()

    def ask_role(self) -> None:
        self.offer(self.t("ask_role"), [Choice(role, self.t(f"role_{role}")) for role in ROLES])

    def on_role(self) -> None:
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
        picked = self.pick_from(candidates)
        if picked:
            self.state = self.state.evolve(profile=replace(self.state.profile, role=picked))
            self.continue_intake()

    def ask_name(self) -> None:
        sender = self.inbound.sender_name.strip()
        choices = [Choice("use_sender", self.t("use_name", name=sender))] if sender else []
        self.offer(self.t("ask_name"), choices)

    def on_name(self) -> None:
        name = self.inbound.sender_name.strip() if self.inbound.choice == "use_sender" else ""
        if not name:
            typed = " ".join(self.inbound.text.split())
            if normalise(typed) == "1" and self.state.shown == ("use_sender",):
                typed = self.inbound.sender_name.strip()
            name = typed
        if not 2 <= len(name) <= 80 or name.isdigit():
            self.say(self.t("name_invalid"))
            return
        self.state = self.state.evolve(profile=replace(self.state.profile, name=name))
        self.continue_intake()

    def untouched(self, draft: Draft) -> bool:
        """A report nothing has been answered for yet (the ULB as kept from the last)."""
        return draft == Draft(ulb=self.state.profile.last_ulb)

    def ulb_kept(self) -> bool:
        """Whether the report names the ULB of the reporter's last one, not chosen again."""
        last = self.state.profile.last_ulb
        return bool(last) and self.draft.ulb == last

    def ask_module(self) -> None:
        question = self.t("ask_module")
        if self.ulb_kept():
            # Kept from the last report, said where it costs no answer, changed by a name.
            ulb = self.directory.ulb(self.draft.ulb).label(self.language)
            question = f"{self.t('ulb_kept', ulb=ulb)}\n\n{question}"
        self.offer_options(question, self.directory.modules)

    def changes_ulb(self) -> bool:
        """At the module question, another ULB's name instead of a module: the report's ULB
        is that one (a list to pick from if several match)."""
        if not self.ulb_kept() or self.inbound.choice:
            return False
        text, shown = self.inbound.text, self.state.shown
        if not isinstance(
            pick(text, "", shown, self.option_candidates(self.directory.modules)), NoMatch
        ):
            return False
        if isinstance(pick(text, "", (), self.option_candidates(self.directory.ulbs)), NoMatch):
            return False
        self.state = self.state.evolve(step="ulb", shown=(), page=0)
        self.on_ulb()
        return True

    def on_module(self) -> None:
        if self.changes_ulb():
            return
        key = self.answer_option(self.directory.modules)
        if key:
            self.update_draft(module=key)
            self.continue_intake()

    def ask_category(self) -> None:
        self.offer_options(self.t("ask_category"), self.directory.categories)

    def on_category(self) -> None:
        key = self.answer_option(self.directory.categories)
        if key:
            self.update_draft(category=key)
            self.continue_intake()

    def ask_description(self) -> None:
        self.say(self.t("ask_description"))

    def on_description(self) -> None:
        description = self.inbound.text.strip()
        if not description:
            self.prompt()
            return
        if len(description) < MIN_DESCRIPTION:
            self.say(self.t("description_too_short", minimum=MIN_DESCRIPTION))
            return
        if self.draft.description:
            # An earlier photo caption stays in front of the description.
            description = f"{self.draft.description}\n{description}"
        self.update_draft(description=description)
        self.continue_intake()

    def ask_attachments(self) -> None:
        self.offer(self.t("ask_attachments"), [Choice("done", self.t("attachments_done"))])

    def on_attachments(self) -> None:
        answer = normalise(self.inbound.text)
        done_words = {"done", "skip", "continue", "1", normalise(self.t("attachments_done"))}
        done_words |= NO_WORDS  # "no" (more photos) in any language
        if self.inbound.choice == "done" or answer in done_words:
            self.goto("confirm")
            return
        if not answer:
            # Nothing readable (a sticker, a location): ask again rather than stay silent.
            self.prompt()
            return
        if answer:
            # More words after the description belong to it; nothing typed is dropped.
            description = f"{self.draft.description}\n{self.inbound.text.strip()}"
            self.update_draft(description=description)
            self.say(self.t("description_added"))
            self.prompt()

    def confirm_choices(self) -> list[Choice]:
        keys = CONFIRM_KEYS
        return [Choice(key, self.t(key)) for key in keys]

    def ask_confirm(self) -> None:
        draft, profile, lang = self.draft, self.state.profile, self.language
        summary = self.t(
            "summary",
            ulb=self.directory.ulb(draft.ulb).label(lang),
            name=profile.name,
            role=self.t(f"role_{profile.role}"),
            module=self.directory.module(draft.module).label(lang),
            category=self.directory.category(draft.category).label(lang),
            description=draft.description,
            attachments=len(draft.attachments),
        )
        self.offer(summary, self.confirm_choices())

    def on_confirm(self) -> None:
        choices = self.confirm_choices()
        candidates = [Candidate(c.key, (c.label, c.key)) for c in choices]
        match = pick(self.inbound.text, self.inbound.choice, self.state.shown, candidates)
        text = self.inbound.text.strip()
        if not isinstance(match, Picked) and len(text) >= MIN_DESCRIPTION:
            # More words about the problem after the description belong to it.
            self.update_draft(description=f"{self.draft.description}\n{text}")
            self.say(self.t("description_added"))
            self.prompt()
            return
        picked = self.pick_from(candidates)
        if picked == "submit":
            self.submit()
        elif picked == "cancel_report":
            self.state = self.state.evolve(draft=None)
            self.say(self.t("cancelled"))
            self.goto("menu")
        elif picked:
            # An edit empties the field, asks it again, then comes back to the summary.
            field = picked.removeprefix("edit_")
            if field == "contact":
                profile = replace(self.state.profile, role="", name="")
                self.state = self.state.evolve(profile=profile)
            else:
                self.update_draft(**{field: ""})
            self.state = self.state.evolve(return_to="confirm")
            self.continue_intake()

    def submit(self) -> None:
        draft, profile = self.draft, self.state.profile
        self.commands.append(
            SubmitTicket(
                language=self.language,
                reporter_role=profile.role,
                reporter_name=profile.name,
                ulb=draft.ulb,
                module=draft.module,
                category=draft.category,
                description=draft.description,
                attachments=draft.attachments,
            )
        )
        self.state = self.state.evolve(
            draft=None, step="menu", shown=(), profile=replace(profile, last_ulb=draft.ulb)
        )

    # -- answers about a ticket -----------------------------------------------------------------

    def answer_about_ticket(self, line: str) -> bool:
        """'solved MK-1001 yes', 'rate MK-1001 5', 'reply MK-1001 …' from a button or typed."""
        match = _REPORTER_LINE.match(line.strip())
        if not match:
            return False
        number = ticket_number(match.group(2), self.directory.ticket_prefix)
        if number is None:
            return False
        verb, rest = match.group(1).lower(), match.group(3).strip()
        if verb == "rate":
            rating = normalise(rest)
            if rating in RATINGS:
                self.commands.append(RateTicket(number, int(rating)))
                self.back_to_what_was_asked()
                return True
            self.offer_rating(number)
            return True
        if verb == "reply":
            if rest:
                self.commands.append(ReplyToTicket(number, rest))
                self.back_to_what_was_asked()
            else:
                self.state = self.state.evolve(step="reply_ticket", ticket=number)
                self.say(self.t("ask_ticket_reply", number=number))
            return True
        word = normalise(rest).split(" ", 1)[0] if rest else ""
        if word in YES_WORDS:
            self.commands.append(ConfirmResolution(number, solved=True))
            self.offer_rating(number)
        elif word in NO_WORDS:
            reason = rest.split(" ", 1)[1].strip() if " " in rest else ""
            if reason:
                self.commands.append(ConfirmResolution(number, solved=False, reason=reason))
                self.back_to_what_was_asked()
            elif not self.mid_report():
                self.state = self.state.evolve(step="not_solved", ticket=number)
                self.say(self.t("ask_not_solved"))
            else:
                self.commands.append(ConfirmResolution(number, solved=False))
                self.prompt()
        else:
            # "solved MK-1001" alone: asked, not told it was resolved (it may not be, or
            # may not be theirs: the answer is checked when it comes).
            self.offer_confirmation(number, self.t("ask_if_solved", number=number))
        return True

    def mid_report(self) -> bool:
        return mid_report(self.state)

    def back_to_what_was_asked(self) -> None:
        """After an answer about a ticket: the unfinished report's question, or the menu."""
        if self.mid_report():
            self.prompt()
        else:
            self.state = self.state.evolve(step="menu", ticket="", shown=())

    def offer_rating(self, number: str) -> None:
        choices = [Choice(f"rate {number} {n}", "★" * n) for n in range(1, 6)]
        if not self.mid_report():
            self.state = self.state.evolve(step="rate", ticket=number)
            self.offer(self.t("ask_rating"), choices)
        else:
            self.say(self.t("ask_rating"), choices)

    def offer_confirmation(self, number: str, question: str = "") -> None:
        yes, no = confirmation_keys(number)
        choices = [Choice(yes, self.t("confirm_yes")), Choice(no, self.t("confirm_no"))]
        self.state = self.state.evolve(step="confirm_resolution", ticket=number)
        question = question or self.t("notice_resolved", number=number, note="")
        self.offer(question.replace("\n\n", "\n"), choices)

    def ask_confirm_resolution(self) -> None:
        self.offer_confirmation(self.state.ticket)

    def on_confirm_resolution(self) -> None:
        number = self.state.ticket
        answer = normalise(self.inbound.text)
        if answer in YES_WORDS or answer in ("1", normalise(self.t("confirm_yes"))):
            self.answer_about_ticket(f"solved {number} yes")
        elif answer in NO_WORDS or answer in ("2", normalise(self.t("confirm_no"))):
            self.answer_about_ticket(f"solved {number} no")
        elif answer:
            # Something else about it ("the bill is still stuck"): the team reads it, and the
            # question stays.
            self.commands.append(ReplyToTicket(number, self.inbound.text.strip()))
            self.offer_confirmation(number)
        else:
            self.prompt()

    def ask_rate(self) -> None:
        self.offer_rating(self.state.ticket)

    def on_rate(self) -> None:
        answer = normalise(self.inbound.text)
        if answer in RATINGS:
            self.answer_about_ticket(f"rate {self.state.ticket} {answer}")
        else:
            # Not a rating: the person has moved on; treat it as any message at the menu.
            self.state = self.state.evolve(step="menu", ticket="", shown=())
            self.on_menu()

    def ask_not_solved(self) -> None:
        self.say(self.t("ask_not_solved"))

    def on_not_solved(self) -> None:
        reason = self.inbound.text.strip()
        if not reason:
            self.prompt()
            return
        self.commands.append(ConfirmResolution(self.state.ticket, solved=False, reason=reason))
        self.state = self.state.evolve(step="menu", ticket="", shown=())

    # -- what a reporter writes to the helpdesk while a ticket of theirs is open ------------------

    def pass_to_ticket(self) -> bool:
        """A reporter's message that answers none of the helpdesk's questions goes to their
        open ticket (its team's chat, the audit trail): the one they were answering about,
        their only one, or the one they pick (asked when there are several; the message
        waits). True when it was taken."""
        tickets = self.context.open_tickets
        if self.context.actor is not None or not tickets:
            return False
        text, files = self.inbound.text.strip(), self.inbound.attachments
        if not text and not files:
            return False
        numbers = [ticket.number for ticket in tickets]
        if self.state.ticket in numbers or len(numbers) == 1:
            number = self.state.ticket if self.state.ticket in numbers else numbers[0]
            self.commands.append(ReplyToTicket(number, text, files))
            self.after_passing()
            return True
        held = f"{self.state.held}\n{text}".strip() if self.state.held else text
        back_to = self.state.step if self.state.step != "which_ticket" else self.state.back_to
        self.state = self.state.evolve(
            held=held, held_files=self.state.held_files + files, back_to=back_to
        )
        self.goto("which_ticket")
        return True

    def after_passing(self) -> None:
        """Back to the report being written, else a word on how to reach the menu."""
        back_to = self.state.back_to
        self.state = self.state.evolve(held="", held_files=(), back_to="")
        if self.mid_report():
            self.prompt()
        elif back_to in (*INTAKE_STEPS, "confirm") and self.state.draft is not None:
            self.goto(back_to)
        elif self.state.step == "confirm_resolution":
            self.prompt()
        else:
            self.state = self.state.evolve(step="menu", ticket="", shown=())
            self.say(self.t("hint_menu"))

    def ask_which_ticket(self) -> None:
        choices = [
            Choice(ticket.number, ticket_label(ticket, self.directory, self.language))
            for ticket in self.context.open_tickets
        ]
        self.offer(self.t("ask_which_ticket"), choices)

    def on_which_ticket(self) -> None:
        numbers = [ticket.number for ticket in self.context.open_tickets]
        candidates = [Candidate(number, (number,)) for number in numbers]
        match = pick(self.inbound.text, self.inbound.choice, self.state.shown, candidates)
        typed = ticket_number(self.inbound.text, self.directory.ticket_prefix)
        number = match.key if isinstance(match, Picked) else typed
        if number not in numbers:
            # More about it before they said which: kept with the rest, and asked again.
            self.pass_to_ticket()
            return
        held, files = self.state.held, self.state.held_files
        self.commands.append(ReplyToTicket(number, held, files))
        self.after_passing()

    def ask_reply_ticket(self) -> None:
        self.say(self.t("ask_ticket_reply", number=self.state.ticket))

    def on_reply_ticket(self) -> None:
        text = self.inbound.text.strip()
        if not text:
            self.prompt()
            return
        self.commands.append(ReplyToTicket(self.state.ticket, text))
        self.state = self.state.evolve(step="menu", ticket="", shown=())

    # -- staff ------------------------------------------------------------------------------

    def tapped_card_action(self) -> bool:
        """A staff member's tap on an action of a ticket card sent to their own chat (on
        WhatsApp): the card is no question of the conversation, its action a command."""
        choice = self.inbound.choice
        if not self.context.actor or not choice or choice in self.state.shown:
            return False
        return self.staff_one_liner(choice)

    def staff_one_liner(self, message: str) -> bool:
        line = parse_staff_line(message, self.directory.ticket_prefix)
        if line is None:
            return False
        verb, number, rest = line.verb, line.number, line.rest
        if verb == "ticket":
            self.show_ticket(number)
            return True
        asks_for_it = (
            *staffcommands.NEEDS_VALUE,
            *staffcommands.NEEDS_NOTE,
            *staffcommands.NEEDS_TICKET,
        )
        if verb in asks_for_it and not rest:
            # "priority MK-1001" or "link MK-1001" alone: ask for it, as the menu does.
            self.state = self.state.evolve(ticket=number, action=verb)
            self.goto("staff_value")
            return True
        value, note = "", ""
        if verb in ("type", "priority", "escalate", *staffcommands.NEEDS_TICKET):
            value = rest or BY_CATEGORY  # (only "escalate" comes here without one)
        else:
            note = rest
        # The answer says what changed; a typed command needs no menu after it. A question
        # left open (which priority? which ticket?) is dropped: a later number must not
        # answer it unseen.
        self.commands.append(StaffAction(number, verb, value=value, note=note))
        if self.state.step in ("staff_value", "ask_ticket"):
            self.state = self.state.evolve(step="menu", ticket="", action="", shown=(), page=0)
        return True

    def staff_action_choices(self) -> list[Choice]:
        """A ticket's actions, the everyday ones first and the rest behind "More…"."""
        if self.state.page % 2 == 0:
            keys: tuple[str, ...] = (*FIRST_STAFF_ACTIONS, MORE)
        else:
            keys = (*(a for a in STAFF_ACTIONS if a not in FIRST_STAFF_ACTIONS), "back")
        return [Choice(key, self.t("more" if key == MORE else f"action_{key}")) for key in keys]

    def ask_staff_ticket(self) -> None:
        self.offer(self.t("ticket_actions", number=self.state.ticket), self.staff_action_choices())

    def on_staff_ticket(self) -> None:
        if self.context.actor is None:
            self.say(self.t("staff_only"))
            self.goto("menu")
            return
        number = ticket_number(self.inbound.text, self.directory.ticket_prefix)
        if number and not self.inbound.choice:
            self.show_ticket(number)
            return
        candidates = [
            Candidate(key, (self.t(f"action_{key}"), key)) for key in (*STAFF_ACTIONS, "back")
        ]
        picked = self.pick_from([*candidates, Candidate(MORE, (self.t("more"), "more"))])
        if picked is None:
            return
        if picked == MORE:
            self.state = self.state.evolve(page=self.state.page + 1)
            self.prompt()
        elif picked == "back":
            self.state = self.state.evolve(ticket="")
            self.goto("menu")
        elif picked in FOLLOW_UP:
            self.state = self.state.evolve(action=picked)
            self.goto("staff_value")
        else:
            self.commands.append(StaffAction(self.state.ticket, picked))
            self.work_on(self.state.ticket)

    def value_choices(self) -> list[Choice]:
        action = self.state.action
        if action == "type":
            return [Choice(kind, self.t(f"type_{kind}")) for kind in TICKET_TYPES]
        if action == "priority":
            return [Choice(priority, priority) for priority in PRIORITIES]
        if action == "escalate":
            teams = self.directory.escalation_teams
            return [Choice(BY_CATEGORY, self.t("team_by_category"))] + [
                Choice(team.key, team.name(self.language)) for team in teams
            ]
        return []

    def ask_staff_value(self) -> None:
        questions = {
            "type": "ask_type",
            "priority": "ask_priority",
            "escalate": "ask_team",
            "link": "ask_parent",
            "duplicate": "ask_parent",
            **staffcommands.NOTE_QUESTIONS,
        }
        question = self.t(questions[self.state.action], number=self.state.ticket)
        self.offer(question, self.value_choices())

    def on_staff_value(self) -> None:
        action, number = self.state.action, self.state.ticket
        choices = self.value_choices()
        if choices:
            picked = self.pick_from([Candidate(c.key, (c.label, c.key)) for c in choices])
            if picked is None:
                return
            self.commands.append(StaffAction(number, action, value=picked))
        else:
            note = self.inbound.text.strip()
            if not note:
                self.prompt()
                return
            if action in staffcommands.NEEDS_TICKET:
                self.commands.append(StaffAction(number, action, value=note))
            else:
                self.commands.append(StaffAction(number, action, note=note))
        self.work_on(number)
