"""Who hears about a ticket change: the reporter, in their language, and the teams' chats."""

from __future__ import annotations

from datetime import datetime

from bot.core.tickets import Done
from bot.core.ticketviews import view_of
from db.models import OutboxMessage, Ticket
from db.uow import UnitOfWork
from flows import i18n
from flows.conversation import confirmation_keys
from flows.directory import Directory
from flows.messages import Address, Attachment, Choice, Outbound
from flows.privacy import mask, masked
from flows.render import Renderer
from flows.teamchat import card_actions
from flows.views import TicketView

# What a team's chat gets about a ticket: its card, or (L1 following) a line.
TEAM_KINDS = ("team_card", "follow")

# Channels with no group chats through their API: team members get cards in their own chat.
PERSONAL_CHANNELS = ("whatsapp",)
# Callers who logged a ticket by phone are reached by the operator, not the bot; so are
# those who wrote an email, unless the helpdesk can send email (SMTP_HOST).
OFFLINE_CHANNELS = ("phone", "email")
# What resolves, closes or reopens a ticket, by staff, by its reporter or by the helpdesk.
MOVES_ISSUE = ("resolve", "close", "confirm", "auto_close", "reopen", "not_solved")


class Notifier:
    def __init__(
        self,
        directory: Directory,
        renderer: Renderer,
        mirrored_teams: frozenset[str] = frozenset(),
        offline_channels: tuple[str, ...] = OFFLINE_CHANNELS,
    ) -> None:
        self.directory = directory
        self.renderer = renderer
        # Teams whose tickets are mirrored into JIRA (empty when the mirror is off).
        self.mirrored_teams = mirrored_teams
        self.offline_channels = offline_channels

    def team_cards(
        self,
        ticket: Ticket,
        *team_keys: str,
        now: datetime | None = None,
        view: TicketView | None = None,
    ) -> list[Outbound]:
        """The ticket's card for each team's chats (`view`: the ticket's view at `now`, if
        the caller has it)."""
        view = view or view_of(ticket, now)
        attachments = tuple(
            Attachment(item.kind, item.ref, item.content_type, item.filename)
            for item in ticket.attachments
        )
        cards = []
        for key in dict.fromkeys(team_keys):
            team = self.directory.team(key)
            text = self.renderer.team_card(team.language, view)
            actions = card_actions(team.language, ticket.number)
            cards += [
                Outbound(
                    chat,
                    text,
                    actions,
                    ticket_number=ticket.number,
                    kind="team_card",
                    attachments=attachments,
                    language=team.language,
                )
                for chat in (*team.chats, *self.personal_chats(key))
            ]
        return cards

    def follow(self, done: Done, view: TicketView) -> list[Outbound]:
        """The L1 helpdesk answers to the reporter for every ticket: wherever a ticket went,
        its chat hears each change in a line (the card stays with the team holding it)."""
        intake = self.directory.team(self.directory.intake_team)
        if intake.key in (done.ticket.team, done.previous_team) or done.via:
            return []
        language = intake.language
        change = self.renderer.change(
            language, view, done.action, {"note": done.note, **done.detail}, done.previous_status
        )
        team = self.directory.team(done.ticket.team).name(language)
        text = i18n.text(language, "follow_line", number=view.number, team=team, change=change)
        return [
            Outbound(chat, text, ticket_number=view.number, kind="follow", language=language)
            for chat in (*intake.chats, *self.personal_chats(intake.key))
        ]

    def jira_updates(self, done: Done) -> list[Outbound]:
        """The JIRA mirror: create the issue when a ticket reaches a mirrored team, then note
        every later change on it (JIRA's own changes are not echoed back), a move from one
        mirrored team to another among them."""
        ticket = done.ticket
        address = Address("jira", ticket.number)
        reaches = done.action == "escalate" and ticket.team in self.mirrored_teams
        mirrored_already = ticket.jira_key or done.previous_team in self.mirrored_teams
        if reaches and not mirrored_already:
            return [Outbound(address, "", ticket_number=ticket.number, kind="jira_create")]
        if not (ticket.jira_key or ticket.team in self.mirrored_teams):
            return []
        if done.action in ("type", "rate"):
            return []
        updates = [
            Outbound(address, _jira_line(done), ticket_number=ticket.number, kind="jira_comment")
        ]
        if done.action in MOVES_ISSUE:  # the issue follows: `[jira] transitions` says how
            moved = Outbound(
                address, ticket.status, ticket_number=ticket.number, kind="jira_transition"
            )
            updates.append(moved)
        return updates

    def personal_chats(self, team_key: str) -> list[Address]:
        """Team members' own chats on channels without group chats (WhatsApp)."""
        return [
            address
            for member in self.directory.staff
            if member.team == team_key
            for address in member.addresses
            if address.channel in PERSONAL_CHANNELS
        ]

    def jira_alert(self, key: str, reason: str) -> list[Outbound]:
        """The L1 group hears of the JIRA mirror's trouble (`key`: jira_unreachable, ...)."""
        intake = self.directory.team(self.directory.intake_team)
        text = i18n.text(intake.language, key, reason=reason)
        return [Outbound(chat, text, kind="alert") for chat in intake.chats]

    def undeliverable(self, row: OutboxMessage, reason: str) -> list[Outbound]:
        """Tell the L1 helpdesk that a message could not be delivered, never silently drop it."""
        intake = self.directory.team(self.directory.intake_team)
        if row.kind == "alert" or row.address in {str(chat) for chat in intake.chats}:
            return []  # no alerts about alerts
        if row.channel == "jira":  # not a reporter's message: JIRA refused the mirror's call
            number = row.ticket_number or "-"
            text = i18n.text(intake.language, "jira_refused", ticket=number, reason=mask(reason))
            return [
                Outbound(chat, text, ticket_number=row.ticket_number, kind="alert")
                for chat in intake.chats
            ]
        text = i18n.text(
            intake.language,
            "undeliverable_alert",
            chat=masked(row.address),
            ticket=row.ticket_number or "-",
            reason=mask(reason),
        )
        return [
            Outbound(chat, text, ticket_number=row.ticket_number, kind="alert")
            for chat in intake.chats
        ]

    async def reporter_language(self, uow: UnitOfWork, ticket: Ticket) -> str:
        """The language the reporter uses now, else the one they filed the ticket in."""
        return await uow.conversations.language_of(ticket.reporter_address) or ticket.language

    def offline(self, ticket: Ticket) -> bool:
        """A caller the helpdesk cannot write to: by phone (or email without SMTP), or one
        whose Telegram chat is not known yet (only their @username, until they write to the
        bot)."""
        channel, _, chat_id = ticket.reporter_address.partition(":")
        return channel in self.offline_channels or chat_id.startswith("@")

    def created(self, ticket: Ticket, view: TicketView) -> list[Outbound]:
        """The intake team's card of a new ticket (`view`: as the reporter's reply shows it)."""
        return self.team_cards(ticket, ticket.team, view=view)

    async def changed(
        self,
        uow: UnitOfWork,
        done: Done,
        now: datetime,
        mirror: bool = True,
        attachments: tuple[Attachment, ...] = (),
    ) -> list[Outbound]:
        """Cards for the teams concerned, a notice to the reporter, and for the reporter's own
        answers a word to the team (with the photos they sent with it)."""
        ticket = done.ticket
        view = view_of(ticket, now)
        messages = self.team_cards(ticket, ticket.team, done.previous_team, now=now)
        messages += self.follow(done, view)
        team = self.directory.team(ticket.team)
        team_note = TEAM_NOTES.get(done.action)
        if team_note:
            text = i18n.text(team.language, team_note, number=ticket.number, note=done.note)
            messages += [
                Outbound(
                    chat, text, ticket_number=ticket.number, kind="reply", attachments=attachments
                )
                for chat in (*team.chats, *self.personal_chats(team.key))
            ]
        if mirror:
            messages += self.jira_updates(done)
        language = await self.reporter_language(uow, ticket)
        # A linked ticket's reporter hears what happened to the Problem (its team, its due).
        about = view_of(done.source, now) if done.source is not None else view
        notice = self.renderer.notice(language, about, done.action, done.note)
        if notice and not self.offline(ticket):
            if done.via:
                notice = i18n.text(
                    language,
                    "notice_via_parent",
                    number=ticket.number,
                    parent=done.via,
                    update=notice,
                )
            choices: tuple[Choice, ...] = ()
            if done.action == "resolve":
                choices = confirmation_choices(language, ticket.number)
            messages.append(
                Outbound(
                    Address.parse(ticket.reporter_address),
                    notice,
                    choices,
                    ticket_number=ticket.number,
                    kind="notice",
                    language=language,
                )
            )
        return messages


def _jira_line(done: Done) -> str:
    ticket = done.ticket
    status = i18n.text("en", f"status_{ticket.status}")
    text = f"[Helpdesk {ticket.number}] {done.action.replace('_', ' ')} · {status}"
    return f"{text}\n{done.note}" if done.note else text


def confirmation_choices(language: str, number: str) -> tuple[Choice, ...]:
    """Is it solved? The keys are the reporter's answers in the flows' own words."""
    yes, no = confirmation_keys(number)
    return (
        Choice(yes, i18n.text(language, "confirm_yes")),
        Choice(no, i18n.text(language, "confirm_no")),
    )


# What the owning team is told when the reporter answers, or a colleague leaves a note.
TEAM_NOTES = {
    "reply": "team_reporter_replied",
    "not_solved": "team_not_solved",
    "note": "team_internal_note",
}
