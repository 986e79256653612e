"""Twilio's webhooks for WhatsApp: reporters' messages (`WEBHOOK_PATH`) and the status of
what the helpdesk sent (`STATUS_PATH`), each a signed form. A form Twilio did not sign is
refused (403) and changes nothing; what cannot be taken now is answered 503 (`guarded`),
and Twilio delivers it again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from adapters.http import (
    FORM,
    Endpoint,
    Refused,
    form_fields,
    guarded,
    read_body,
    require_type,
    storable,
)
from adapters.whatsapp import wire
from adapters.whatsapp.channel import WhatsAppChannel
from flows.messages import Inbound

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

# Takes a reporter's message (the dispatcher's `handle`).
OnInbound = Callable[[Inbound], Awaitable[object]]
# Applies a delivery receipt to the outbox and wakes the relay: True when the message goes
# out again.
OnReceipt = Callable[[wire.Receipt], Awaitable[bool]]


def endpoints(
    channel: WhatsAppChannel,
    on_inbound: OnInbound,
    on_receipt: OnReceipt,
    clock: Callable[[], datetime],
) -> dict[str, Endpoint]:
    """The webhook's endpoints by path, each `guarded`."""
    webhook = WhatsAppWebhook(channel, on_inbound, on_receipt, clock)
    return {
        wire.WEBHOOK_PATH: guarded(webhook.whatsapp_webhook),
        wire.STATUS_PATH: guarded(webhook.whatsapp_status),
    }


class WhatsAppWebhook:
    def __init__(
        self,
        channel: WhatsAppChannel,
        on_inbound: OnInbound,
        on_receipt: OnReceipt,
        clock: Callable[[], datetime],
    ) -> None:
        self.channel = channel
        self.on_inbound = on_inbound
        self.on_receipt = on_receipt
        self.clock = clock

    async def signed_form(self, request: Request) -> dict[str, str]:
        """Twilio's form, its text made storable; refused when not signed by Twilio."""
        require_type(request, FORM)
        form = form_fields(await read_body(request))
        signature = request.headers.get("X-Twilio-Signature", "")
        if not self.channel.is_signed(request.url.path, request.url.query, form, signature):
            raise Refused(403, "not signed by Twilio")
        cleaned: dict[str, str] = storable(form)
        return cleaned

    async def whatsapp_webhook(self, request: Request) -> Response:
        form = await self.signed_form(request)
        try:
            inbound = wire.to_inbound(form, self.clock())
        except ValueError as error:  # no phone number in From, NumMedia not a number
            raise Refused(400, "not a WhatsApp message") from error
        if inbound is not None:
            await self.on_inbound(inbound)
            self.channel.keep_media_copies(
                inbound.address, [item.ref for item in inbound.attachments]
            )
        # Empty TwiML: replies go out through the outbox and Twilio's REST API.
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def whatsapp_status(self, request: Request) -> Response:
        form = await self.signed_form(request)
        receipt = wire.receipt_of(form)
        if receipt is not None:
            again = await self.on_receipt(receipt)
            if receipt.code in wire.THROTTLED:
                self.channel.sender.pause(receipt.code)
            if again:
                log.info("whatsapp message queued again", extra={"sid": receipt.message_sid})
        return Response(status_code=204)
