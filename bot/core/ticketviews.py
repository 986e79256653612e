"""A ticket as others see it: the read-only view flows render, and attachments as stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.sla import sla_state
from db.models import CONTENT_TYPE_LONGEST, FILENAME_LONGEST, Ticket, TicketAttachment
from flows.messages import Address, Attachment
from flows.views import TicketView


def stored(attachments: Sequence[Attachment]) -> list[TicketAttachment]:
    """Attachments as the ticket keeps them, each field cut to its column (a document's name
    is the sender's to choose)."""
    return [
        TicketAttachment(
            kind=item.kind,
            ref=item.ref,
            content_type=item.content_type[:CONTENT_TYPE_LONGEST],
            filename=item.filename[:FILENAME_LONGEST],
        )
        for item in attachments
    ]


def view_of(ticket: Ticket, now: datetime | None = None) -> TicketView:
    """What flows may show of a ticket; with `now`, its SLA state too."""
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
        sla_state=sla_state(ticket, now) if now is not None else "",
        parent_number=ticket.parent_number,
        link_kind=ticket.link_kind,
        jira_key=ticket.jira_key,
        language=ticket.language,
    )
