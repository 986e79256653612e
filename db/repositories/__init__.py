"""Queries and writes, one repository per aggregate; all inside the caller's transaction.

One module each: `tickets`, `conversations`, `inbound` (messages kept once), `outbox` (and the
scheduled `notices` it claims), `menus` (WhatsApp's); `shared` holds what they share.
"""

from db.repositories.conversations import ConversationRepository
from db.repositories.inbound import InboundRepository
from db.repositories.menus import MenuRepository
from db.repositories.outbox import (
    CARD_KINDS,
    OUTBOX_CLAIM_LOCK,
    UNSENT_STATUSES,
    OutboxRepository,
    decode_outbound,
    encode_outbound,
    lane_of,
)
from db.repositories.shared import CHUNK
from db.repositories.tickets import OPEN_STATUSES, SlaRow, TicketRepository, new_ticket

__all__ = [
    "CARD_KINDS",
    "CHUNK",
    "OPEN_STATUSES",
    "OUTBOX_CLAIM_LOCK",
    "UNSENT_STATUSES",
    "ConversationRepository",
    "InboundRepository",
    "MenuRepository",
    "OutboxRepository",
    "SlaRow",
    "TicketRepository",
    "decode_outbound",
    "encode_outbound",
    "lane_of",
    "new_ticket",
]
