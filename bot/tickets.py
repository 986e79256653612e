"""The ticket service: the only place that numbers, routes, prioritises and changes tickets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import HelpdeskConfig
from db.models import Ticket, TicketAttachment
from db.repositories import OPEN_STATUSES
from db.uow import UnitOfWork
from flows.choosing import normalise
from flows.commands import StaffAction, SubmitTicket
from flows.directory import PRIORITIES, ROUTING_TYPES, TICKET_TYPES, Staff
from flows.messages import Address
from flows.views import TicketView

BY_CATEGORY = "auto"
# Which statuses each action may start from, and where it leaves the ticket.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "take": OPEN_STATUSES,
    "type": OPEN_STATUSES,
    "priority": OPEN_STATUSES,
    "escalate": OPEN_STATUSES,
    "comment": (*OPEN_STATUSES, "resolved"),
    "resolve": OPEN_STATUSES,
    "close": ("resolved",),
    "reopen": ("resolved", "closed"),
}
LEADS_TO = {
    "take": "in_progress",
    "escalate": "escalated",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
}
NEEDS_NOTE = ("comment", "resolve", "reopen")
TYPE_WORDS = {
    "problem": "problem",
    "incident": "incident",
    "change request": "change_request",
    "change_request": "change_request",
    "cr": "change_request",
    "bug fix": "bug_fix",
    "bug_fix": "bug_fix",
    "bugfix": "bug_fix",
    "bug": "bug_fix",
}


@dataclass(frozen=True)
class Done:
    ticket: Ticket
    action: str
    note: str = ""
    previous_team: str = ""


@dataclass(frozen=True)
class Refused:
    reason: str
    values: dict[str, str] = field(default_factory=dict)


Outcome = Done | Refused


class TicketService:
    def __init__(self, config: HelpdeskConfig) -> None:
        self.config = config
        self.directory = config.directory

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
        ticket = Ticket(
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
            response_due_at=self.response_due(priority, now),
            last_note="",
            attachments=[
                TicketAttachment(
                    kind=item.kind,
                    ref=item.ref,
                    content_type=item.content_type,
                    filename=item.filename,
                )
                for item in command.attachments
            ],
        )
        uow.tickets.add(ticket)
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

    async def mine(self, uow: UnitOfWork, reporter: Address) -> Sequence[Ticket]:
        return await uow.tickets.for_reporter(str(reporter))

    async def queue(self, uow: UnitOfWork, staff: Staff) -> Sequence[Ticket]:
        return await uow.tickets.open_for_team(staff.team)

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
        detail = self.apply(staff, ticket, command, now)
        if isinstance(detail, Refused):
            return detail
        ticket.updated_at = now
        await uow.tickets.record_event(
            ticket, now, f"staff:{staff.key}", channel, command.action, before_status, detail
        )
        return Done(ticket, command.action, command.note.strip(), previous_team=before_team)

    def check(self, staff: Staff, ticket: Ticket, command: StaffAction) -> Refused | None:
        action, number = command.action, ticket.number
        if action not in ALLOWED_FROM:
            return Refused("bad_value", {"value": action})
        if not staff.sees_every_team and staff.team != ticket.team:
            return Refused("not_your_team", {"number": number, "team": ticket.team})
        if ticket.status == "closed" and action != "reopen":
            return Refused("closed", {"number": number})
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
            detail = {"from": ticket.priority, "to": priority}
            ticket.priority = priority
            ticket.response_due_at = self.response_due(priority, ticket.team_since)
        elif action == "escalate":
            target = self.escalation_target(ticket, command.value)
            if target is None:
                return Refused("bad_value", {"value": command.value})
            if target == ticket.team:
                return Refused("same_team", {"number": ticket.number, "team": target})
            detail = {"from": ticket.team, "to": target}
            ticket.team, ticket.team_since = target, now
            ticket.assignee, ticket.assignee_name = "", ""
            ticket.first_response_at = None
            ticket.response_due_at = self.response_due(ticket.priority, now)
        elif action == "take":
            detail = {"assignee": staff.key}
            ticket.assignee, ticket.assignee_name = staff.key, staff.name
        elif action == "reopen":
            ticket.team_since, ticket.first_response_at = now, None
            ticket.response_due_at = self.response_due(ticket.priority, now)
            ticket.resolved_at = ticket.closed_at = None
        if action in ("take", "comment") and ticket.first_response_at is None:
            ticket.first_response_at = now
        if action == "resolve":
            ticket.resolved_at = now
        if action == "close":
            ticket.closed_at = now
        if note:
            ticket.last_note = note
            detail["note"] = note
        ticket.status = LEADS_TO.get(action, ticket.status)
        return detail

    def escalation_target(self, ticket: Ticket, value: str) -> str | None:
        """A team key, a routing type, or "auto" (the route of the ticket's category)."""
        wanted = normalise(value).replace(" ", "_").replace("-", "_") or BY_CATEGORY
        if wanted == BY_CATEGORY:
            return self.directory.routes[ticket.routing]
        if wanted in ROUTING_TYPES:
            return self.directory.routes[wanted]
        teams = {team.key: team.key for team in self.directory.teams}
        return teams.get(wanted)


def view_of(ticket: Ticket) -> TicketView:
    return TicketView(
        number=ticket.number,
        status=ticket.status,
        priority=ticket.priority,
        ticket_type=ticket.ticket_type,
        ulb=ticket.ulb,
        module=ticket.module,
        category=ticket.category,
        routing=ticket.routing,
        description=ticket.description,
        team=ticket.team,
        assignee=ticket.assignee,
        assignee_name=ticket.assignee_name,
        reporter_name=ticket.reporter_name,
        reporter_role=ticket.reporter_role,
        reporter_channel=Address.parse(ticket.reporter_address).channel,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        response_due_at=ticket.response_due_at,
        attachment_count=len(ticket.attachments),
        last_note=ticket.last_note,
    )
