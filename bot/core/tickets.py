"""The ticket service: the only place that numbers, routes, prioritises and changes tickets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.config import HelpdeskConfig
from bot.core.sla import SlaClock
from bot.core.ticketrules import (
    ALLOWED_FROM,
    BY_CATEGORY,
    LEADS_TO,
    LINKS,
    NEEDS_NOTE,
    RESPONSES,
    TYPE_WORDS,
)
from bot.core.ticketviews import stored
from db.models import Ticket
from db.repositories import new_ticket
from db.uow import UnitOfWork
from flows.choosing import normalise, ticket_number
from flows.commands import StaffAction, SubmitTicket
from flows.directory import NAME_LONGEST, PRIORITIES, ROUTING_TYPES, TICKET_TYPES, Staff
from flows.messages import Address, Attachment


@dataclass(frozen=True)
class Done:
    ticket: Ticket
    action: str
    note: str = ""
    previous_team: str = ""
    # Set when this ticket changed because the Problem it is linked to did.
    via: str = ""
    source: Ticket | None = None
    # What the staff action changed (its audit detail: "from"/"to", "parent", ...) and the
    # status before it, so that whoever acted can be told exactly that.
    detail: dict[str, str] = field(default_factory=dict)
    previous_status: str = ""


@dataclass(frozen=True)
class Refused:
    reason: str
    values: dict[str, str] = field(default_factory=dict)


Outcome = Done | Refused


class TicketService:
    def __init__(self, config: HelpdeskConfig) -> None:
        self.config = config
        self.directory = config.directory
        self.clock = SlaClock(config)

    # -- numbering, priority, SLA ---------------------------------------------------------------

    def format_number(self, value: int) -> str:
        return f"{self.directory.ticket_prefix}-{value}"

    def propose_priority(self, category: str, module: str) -> str:
        """The more urgent of the category's and the module's priority."""
        candidates = [self.directory.category(category).priority]
        module_priority = self.directory.module(module).priority
        if module_priority:
            candidates.append(module_priority)
        return min(candidates, key=PRIORITIES.index)

    def response_due(self, priority: str, since: datetime) -> datetime:
        return self.config.calendar.add_business_days(since, self.config.response_days[priority])

    # -- reporters ----------------------------------------------------------------------------

    async def create(
        self, uow: UnitOfWork, reporter: Address, command: SubmitTicket, now: datetime
    ) -> Ticket:
        priority = self.propose_priority(command.category, command.module)
        number = self.format_number(await uow.tickets.next_number())
        ticket = new_ticket(
            number=number,
            status="new",
            priority=priority,
            ticket_type="",
            ulb=command.ulb,
            module=command.module,
            category=command.category,
            routing=self.directory.category(command.category).routing,
            description=command.description,
            reporter_address=str(reporter),
            reporter_name=command.reporter_name,
            reporter_role=command.reporter_role,
            language=command.language,
            team=self.directory.intake_team,
            assignee="",
            assignee_name="",
            created_at=now,
            updated_at=now,
            team_since=now,
            last_note="",
        )
        ticket.attachments = stored(command.attachments)
        self.clock.start(ticket, now)
        await uow.tickets.insert(ticket)
        await uow.tickets.record_event(
            ticket,
            now,
            str(reporter),
            reporter.channel,
            "create",
            "",
            {"priority": priority, "team": ticket.team},
        )
        return ticket

    async def find(
        self, uow: UnitOfWork, number: str, requester: Address, staff: Staff | None
    ) -> Ticket | None:
        """A ticket the requester may see: staff see any, reporters only their own.

        Someone else's ticket is reported exactly like a missing one.
        """
        ticket = await uow.tickets.by_number(number)
        if ticket is None or staff is not None:
            return ticket
        return ticket if ticket.reporter_address == str(requester) else None

    async def claim_by_handle(
        self, uow: UnitOfWork, chat: Address, handle: str, now: datetime
    ) -> Sequence[Ticket]:
        """Tickets an operator logged for a caller under their Telegram @username follow the
        caller's chat from their first message on: the bot could not write to them before."""
        pending = f"{chat.channel}:@{handle.casefold()}"
        tickets = await uow.tickets.for_reporter(pending, limit=100)
        for ticket in tickets:
            ticket.reporter_address = str(chat)
            ticket.updated_at = now
            await uow.tickets.record_event(
                ticket, now, str(chat), chat.channel, "chat_linked", ticket.status, {}
            )
        return tickets

    async def mine(self, uow: UnitOfWork, reporter: Address) -> Sequence[Ticket]:
        return await uow.tickets.for_reporter(str(reporter))

    async def open_for_reporter(self, uow: UnitOfWork, reporter: Address) -> Sequence[Ticket]:
        """The reporter's tickets not closed yet (a resolved one waits for their word),
        newest first."""
        return await uow.tickets.for_reporter(str(reporter), still_open=True)

    async def queue(self, uow: UnitOfWork, team: str) -> Sequence[Ticket]:
        """A team's open tickets; the L1 helpdesk's are every open ticket, for it answers to
        the reporter for each one, wherever it was escalated (the process document)."""
        everyone = team == self.directory.intake_team
        return await uow.tickets.open_for_team(None if everyone else team)

    # -- staff --------------------------------------------------------------------------------

    async def act(
        self, uow: UnitOfWork, staff: Staff, channel: str, command: StaffAction, now: datetime
    ) -> Outcome:
        ticket = await uow.tickets.by_number(command.number)
        if ticket is None:
            return Refused("not_found", {"number": command.number})
        refusal = self.check(staff, ticket, command)
        if refusal is not None:
            return refusal
        before_status, before_team = ticket.status, ticket.team
        if command.action in LINKS:
            linked = await self.link(uow, ticket, command)
            if isinstance(linked, Refused):
                return linked
        detail = self.apply(staff, ticket, command, now)
        if isinstance(detail, Refused):
            return detail
        ticket.updated_at = now
        await uow.tickets.record_event(
            ticket, now, f"staff:{staff.key}", channel, command.action, before_status, detail
        )
        return Done(
            ticket,
            command.action,
            command.note.strip(),
            previous_team=before_team,
            detail=detail,
            previous_status=before_status,
        )

    def check(self, staff: Staff, ticket: Ticket, command: StaffAction) -> Refused | None:
        action, number = command.action, ticket.number
        if action not in ALLOWED_FROM:
            return Refused("bad_value", {"value": action})
        if not staff.sees_every_team and staff.team != ticket.team:
            return Refused("not_your_team", {"number": number, "team": ticket.team})
        if ticket.status == "closed" and action != "reopen":
            return Refused("closed", {"number": number})
        if command.only_if_free and ticket.assignee and ticket.assignee != staff.key:
            name = ticket.assignee_name or ticket.assignee
            return Refused("taken_already", {"number": number, "name": name})
        if ticket.status not in ALLOWED_FROM[action] or (
            action == "take" and ticket.status == "in_progress" and ticket.assignee == staff.key
        ):
            return Refused(
                "transition", {"number": number, "status": ticket.status, "action": action}
            )
        if action in NEEDS_NOTE and not command.note.strip():
            return Refused("note_required")
        return None

    def apply(
        self, staff: Staff, ticket: Ticket, command: StaffAction, now: datetime
    ) -> dict[str, str] | Refused:
        """Change the ticket; returns what changed for the audit trail."""
        action, note = command.action, command.note.strip()
        detail: dict[str, str] = {}
        if action == "type":
            kind = TYPE_WORDS.get(normalise(command.value).replace("-", " "))
            if kind not in TICKET_TYPES:
                return Refused("bad_value", {"value": command.value})
            detail = {"from": ticket.ticket_type, "to": kind}
            ticket.ticket_type = kind
        elif action == "priority":
            priority = normalise(command.value).upper()
            priority = f"P{priority}" if priority.isdigit() else priority
            if priority not in PRIORITIES:
                return Refused("bad_value", {"value": command.value})
            if priority == ticket.priority:
                return Refused("same_priority", {"number": ticket.number, "value": priority})
            detail = {"from": ticket.priority, "to": priority}
            self.clock.retarget(ticket, priority)
        elif action == "escalate":
            target = self.escalation_target(ticket, command.value)
            if target is None:
                return Refused("bad_value", {"value": command.value})
            if target == ticket.team:
                return Refused("same_team", {"number": ticket.number, "team": target})
            detail = {"from": ticket.team, "to": target}
            ticket.team = target
            ticket.assignee, ticket.assignee_name = "", ""
            self.clock.start(ticket, now)
        elif action in LINKS:
            detail = {"parent": ticket.parent_number, "kind": ticket.link_kind}
        elif action == "take":
            detail = {"assignee": staff.key}
            ticket.assignee, ticket.assignee_name = staff.key, staff.name[:NAME_LONGEST]
        elif action == "reopen":
            ticket.resolved_at = ticket.closed_at = None
            ticket.reopen_count += 1
            ticket.confirmation = ""
            self.clock.start(ticket, now)
        if ticket.status == "waiting" and LEADS_TO.get(action, "waiting") != "waiting":
            # Out of waiting (taken, escalated, resolved, ...): the clock runs again. What
            # leaves it waiting (a note, a comment, a new priority) leaves it paused.
            self.clock.resume(ticket, now)
        if action in RESPONSES:
            self.clock.responded(ticket, now)
        if action == "ask":
            self.clock.pause(ticket, now)
        if action == "resolve":
            ticket.resolved_at = now
            ticket.confirmation = "asked"
        if action == "close":
            ticket.closed_at = now
        if note:
            if action != "note":  # the reporter reads the last note; internal ones stay out
                ticket.last_note = note
            detail["note"] = note
        ticket.status = LEADS_TO.get(action, ticket.status)
        return detail

    async def link(self, uow: UnitOfWork, ticket: Ticket, command: StaffAction) -> Refused | None:
        """Make `ticket` follow another: a duplicate of it, or an incident of that Problem."""
        number = ticket_number(command.value, self.directory.ticket_prefix)
        parent = await uow.tickets.by_number(number) if number else None
        refusal = Refused("bad_value", {"value": command.value})
        if parent is None or parent.id == ticket.id or parent.parent_number:
            return refusal  # one level: a Problem is not itself linked to another
        if await uow.tickets.children(ticket.number):
            return refusal  # a Problem with incidents cannot become an incident itself
        ticket.parent_number = parent.number
        ticket.link_kind = "duplicate" if command.action == "duplicate" else "incident"
        return None

    # -- reporters answering --------------------------------------------------------------------

    async def reporter_ticket(
        self, uow: UnitOfWork, reporter: Address, number: str
    ) -> Ticket | None:
        ticket = await uow.tickets.by_number(number)
        return ticket if ticket and ticket.reporter_address == str(reporter) else None

    async def reply(
        self,
        uow: UnitOfWork,
        reporter: Address,
        number: str,
        text: str,
        now: datetime,
        attachments: Sequence[Attachment] = (),
    ) -> Outcome:
        """The reporter writes to the team (photos too): after a question, the clock runs
        again."""
        ticket = await self.reporter_ticket(uow, reporter, number)
        if ticket is None:
            return Refused("not_found", {"number": number})
        before = ticket.status
        if ticket.status == "waiting":
            self.clock.resume(ticket, now)
            ticket.status = "in_progress"
        ticket.updated_at = now
        ticket.attachments.extend(stored(attachments))
        detail = {"text": text}
        if attachments:
            detail["attachments"] = str(len(attachments))
        await uow.tickets.record_event(
            ticket, now, str(reporter), reporter.channel, "reply", before, detail
        )
        return Done(ticket, "reply", text, ticket.team)

    async def confirm(
        self,
        uow: UnitOfWork,
        reporter: Address,
        number: str,
        solved: bool,
        reason: str,
        now: datetime,
    ) -> Outcome:
        """Solved: closed. Not solved: back to the same team with the reporter's reason."""
        ticket = await self.reporter_ticket(uow, reporter, number)
        if ticket is None:
            return Refused("not_found", {"number": number})
        if ticket.status != "resolved":
            return Refused("nothing_to_confirm", {"number": number})
        before = ticket.status
        if solved:
            ticket.status, ticket.closed_at, ticket.confirmation = "closed", now, "confirmed"
            action = "confirm"
        else:
            ticket.status, ticket.confirmation = "reopened", "rejected"
            ticket.resolved_at = None
            ticket.reopen_count += 1
            ticket.last_note = reason
            self.clock.start(ticket, now)
            action = "reopen"
        ticket.updated_at = now
        await uow.tickets.record_event(
            ticket, now, str(reporter), reporter.channel, action, before, {"reason": reason}
        )
        return Done(ticket, "confirm" if solved else "not_solved", reason, ticket.team)

    async def rate(
        self, uow: UnitOfWork, reporter: Address, number: str, rating: int, now: datetime
    ) -> Outcome:
        ticket = await self.reporter_ticket(uow, reporter, number)
        if ticket is None:
            return Refused("not_found", {"number": number})
        if not 1 <= rating <= 5 or ticket.status not in ("resolved", "closed"):
            return Refused("nothing_to_confirm", {"number": number})
        ticket.rating = rating
        await uow.tickets.record_event(
            ticket,
            now,
            str(reporter),
            reporter.channel,
            "rate",
            ticket.status,
            {"rating": str(rating)},
        )
        return Done(ticket, "rate", str(rating), ticket.team)

    async def auto_close(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> Done:
        """Nobody confirmed a resolution in time: the helpdesk closes it and says so."""
        before = ticket.status
        ticket.status, ticket.closed_at, ticket.confirmation = "closed", now, "auto_closed"
        ticket.updated_at = now
        await uow.tickets.record_event(
            ticket, now, "helpdesk", "helpdesk", "auto_close", before, {}
        )
        return Done(ticket, "auto_close", "", ticket.team)

    def escalation_target(self, ticket: Ticket, value: str) -> str | None:
        """A team key, a routing type, or "auto" (the route of the ticket's category)."""
        wanted = normalise(value).replace(" ", "_").replace("-", "_") or BY_CATEGORY
        if wanted == BY_CATEGORY:
            return self.directory.routes[ticket.routing]
        if wanted in ROUTING_TYPES:
            return self.directory.routes[wanted]
        teams = {team.key: team.key for team in self.directory.teams}
        return teams.get(wanted)
