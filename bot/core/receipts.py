"""Delivery receipts applied to the outbox: a channel reports what became of a message it
sent (Twilio's status callback), and its outbox row records it and acts on it: sent again
as the approved template when the 24-hour window closed before it arrived, again later when
it was sent too fast or the trouble may pass, undeliverable (and L1 told) otherwise.

What a receipt means is the channel's to say (`adapters.whatsapp.wire.Receipt`); this
module only acts on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.outbox import backoff
from db.models import OutboxMessage
from db.repositories import decode_outbound, encode_outbound
from db.uow import UnitOfWork
from flows.messages import Outbound
from flows.privacy import masked

log = logging.getLogger(__name__)

Alert = Callable[[OutboxMessage, str], list[Outbound]]


class Receipt(Protocol):
    """A delivery receipt, as the channel read it."""

    @property
    def message_sid(self) -> str:
        """The provider's ID of the message sent (the outbox row's `provider_message_id`)."""

    @property
    def status(self) -> str: ...

    @property
    def error_code(self) -> str: ...

    @property
    def failure(self) -> str | None:
        """None: not failed; "window_closed", "throttled", "retryable" or "final"."""

    @property
    def pause(self) -> float:
        """Seconds before a throttled message goes again."""

    @property
    def reason(self) -> str:
        """What an undeliverable message's row records as its last error."""


async def take_receipt(
    units: Callable[[], UnitOfWork], receipt: Receipt, now: datetime, alert: Alert
) -> bool:
    """Apply `receipt` in a unit of work of its own. True when the message goes out again."""
    async with units() as uow:
        again = await apply_receipt(uow, receipt, now, alert)
        await uow.commit()
    return again


async def apply_receipt(uow: UnitOfWork, receipt: Receipt, now: datetime, alert: Alert) -> bool:
    """Record what the channel reported and act on it. True when the message goes out again."""
    row = await uow.outbox.by_provider_id(receipt.message_sid)
    if row is None:
        return False
    row.delivery_status, row.delivery_error = receipt.status, receipt.error_code
    log.info(
        "whatsapp receipt",
        extra={
            "status": receipt.status,
            "error_code": receipt.error_code,
            "address": masked(row.address),
            "outbox_id": row.id,
        },
    )
    failure = receipt.failure
    if failure is None:
        return False
    message = decode_outbound(row.payload)
    if failure == "window_closed" and not message.template_only:
        # The window closed before it arrived: send the approved template instead.
        row.payload = encode_outbound(replace(message, template_only=True))
        row.status, row.next_attempt_at = "pending", now
        return True
    if failure == "throttled":
        # Sent too fast (the sandbox number's one message every 3 seconds): not a failed try.
        row.status, row.next_attempt_at = "pending", now + timedelta(seconds=receipt.pause)
        row.attempts = max(row.attempts - 1, 0)
        return True
    if failure == "retryable":
        row.status, row.next_attempt_at = "pending", now + backoff(row.attempts)
        return True
    row.status = "undeliverable"
    row.last_error = receipt.reason
    for notice in alert(row, row.last_error):
        uow.outbox.add(notice, now)
    return False
