"""Telegram's webhook: the updates Telegram posts to the helpdesk in webhook mode."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response

from adapters.http import JSON, Endpoint, Refused, guarded, json_object, read_body, require_type
from adapters.telegram import wire
from adapters.telegram.channel import TelegramChannel


def incoming_of(channel: TelegramChannel, data: dict[str, object]) -> wire.Incoming | None:
    """The update as the helpdesk takes it (None: a kind it does not take), if it has the
    shape of one: Telegram's own always do, so one with a number where text belongs (say)
    is refused rather than half-handled."""
    try:
        update = channel.parse(data)
        if update is None:
            raise Refused(400, "not an update")
        return channel.incoming(update)
    except Refused:
        raise
    except Exception as error:  # PTB and the translation raise all kinds on odd shapes
        raise Refused(400, "not an update") from error


def webhook_endpoint(channel: TelegramChannel) -> Endpoint:
    """The endpoint for `channel.webhook_path`, checking the secret registered with Telegram
    (`TelegramOptions.webhook_secret`: without one, every update is refused)."""
    secret = channel.options.webhook_secret
    expected = secret.encode() if secret else b""

    @guarded
    async def telegram_webhook(request: Request) -> Response:
        # Authenticate before reading anything: Telegram sends the secret we registered.
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        if not channel.ready:  # the Bot API not reached yet: Telegram sends it again
            return Response(status_code=503, headers={"Retry-After": "5"})
        require_type(request, JSON)
        incoming = incoming_of(channel, json_object(await read_body(request)))
        # Kinds the bot does not take (edits, channel posts, stickers, bots' messages)
        # are translated to nothing by the channel: acknowledged, nothing stored.
        await channel.take(incoming)
        return Response(status_code=200)

    return telegram_webhook
