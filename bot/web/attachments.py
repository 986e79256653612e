"""Reporters' photos, documents and voice notes, fetched from the channel that holds them so
staff can open them on the ticket page (chat channels keep only references on our side)."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from dataclasses import dataclass

import httpx
from telegram.error import TelegramError

from adapters.console import CHANNEL as CONSOLE
from adapters.whatsapp.channel import WhatsAppChannel, media_file_name
from adapters.whatsapp.media import MediaRefused
from bot import console_media
from bot.helpdesk import Helpdesk
from flows.privacy import masked

log = logging.getLogger(__name__)
# Shown in the page itself; anything else is downloaded (a file a reporter sent is not
# trusted to render as part of the console).
INLINE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")


@dataclass(frozen=True)
class Fetched:
    content: bytes
    content_type: str


async def fetch(helpdesk: Helpdesk, channel: str, ref: str, content_type: str) -> Fetched | None:
    """The attachment's bytes, or None when its channel cannot give them (any more)."""
    try:
        if channel == "telegram" and helpdesk.telegram is not None:
            file = await helpdesk.telegram.bot.get_file(ref)
            content = bytes(await file.download_as_bytearray())
            guessed = mimetypes.guess_type(file.file_path or "")[0]
            return Fetched(content, content_type or guessed or "application/octet-stream")
        if channel == "whatsapp" and helpdesk.whatsapp is not None:
            return await _from_twilio(helpdesk.whatsapp, ref, content_type)
        if channel == CONSOLE:
            kept = console_media.kept_path(helpdesk.settings.media_dir, ref)
            if kept is not None:
                guessed = mimetypes.guess_type(kept.name)[0]
                served = content_type or guessed or "application/octet-stream"
                return Fetched(await asyncio.to_thread(kept.read_bytes), served)
    except (TelegramError, httpx.HTTPError, OSError) as error:
        log.warning("attachment not fetched", extra={"channel": channel, "error": repr(error)})
    return None


async def _from_twilio(whatsapp: WhatsAppChannel, url: str, content_type: str) -> Fetched | None:
    kept = whatsapp.options.media_dir / media_file_name(url)
    if kept.is_file():  # TWILIO_KEEP_MEDIA made a copy when it arrived
        return Fetched(kept.read_bytes(), content_type or "application/octet-stream")
    try:
        media = await whatsapp.media.fetch(url)
    except MediaRefused as refusal:
        log.warning("attachment not fetched", extra={"url": masked(url), "reason": str(refusal)})
        return None
    return Fetched(media.content, content_type or media.content_type or "application/octet-stream")


def viewable(helpdesk: Helpdesk, channel: str, ref: str) -> bool:
    """Whether the page can offer the file: its channel may still give it (the chat services
    are asked only when it is opened), or the helpdesk keeps a copy."""
    if channel == "telegram":
        return helpdesk.telegram is not None
    if channel == "whatsapp":
        return helpdesk.whatsapp is not None
    if channel == CONSOLE:
        return console_media.kept_path(helpdesk.settings.media_dir, ref) is not None
    return False
