"""WhatsApp through Twilio at run time: the REST client (its sends are `WhatsAppSender`'s),
the signatures of Twilio's webhook requests, and copies of the media reporters send."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from adapters.whatsapp.media import MediaRefused, TwilioMedia
from adapters.whatsapp.menus import ContentMenus
from adapters.whatsapp.options import WhatsAppOptions
from adapters.whatsapp.sender import LastHeard, WhatsAppSender
from flows.messages import Address
from flows.privacy import masked

log = logging.getLogger(__name__)

MEDIA_SID = re.compile(r"[A-Za-z0-9]{2,64}")


class WhatsAppChannel:
    """Twilio client, request validation and media copies for the WhatsApp channel."""

    def __init__(
        self,
        options: WhatsAppOptions,
        last_heard: LastHeard,
        menus: ContentMenus | None,
        clock: Callable[[], datetime],
    ) -> None:
        """`menus`: the menus to tap inside the 24-hour window (None: numbered lists)."""
        if not options.account_sid or not options.auth_token:
            raise ValueError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed for WhatsApp")
        self.options = options
        self.clock = clock
        # Its async HTTP client is made by the sender, inside the running event loop.
        self.client = Client(options.account_sid, options.auth_token)
        # TWILIO_EDGE / TWILIO_REGION in the environment would rewrite every URL's host.
        self.client.edge = self.client.region = None
        # twilio builds every URL from the domain's base_url: a compatible server can stand in.
        self.client.api.base_url = options.api_base_url.rstrip("/")
        self.validator = RequestValidator(options.auth_token)
        self.sender = WhatsAppSender(self.client, options, last_heard, menus, clock)
        self.media = TwilioMedia(
            options.api_base_url,
            options.account_sid,
            options.auth_token,
            options.media_max_bytes,
        )
        self._downloads: set[asyncio.Task[None]] = set()

    def public_url(self, path: str, query: str) -> str:
        """The URL Twilio signed: what it was told to call, not what the proxy forwarded."""
        url = f"{self.options.public_url.rstrip('/')}{path}"
        return f"{url}?{query}" if query else url

    def is_signed(self, path: str, query: str, form: Mapping[str, str], signature: str) -> bool:
        if not signature:
            return False
        return bool(self.validator.validate(self.public_url(path, query), dict(form), signature))

    def keep_media_copies(self, sender: Address, urls: Sequence[str]) -> None:
        """Copy the media of `sender`'s message into MEDIA_DIR, in the background. What the
        reporter sent is kept either way (the message and its media URLs are stored)."""
        if not self.options.keep_media or not urls:
            return
        task = asyncio.create_task(self._download(sender, urls))
        self._downloads.add(task)
        task.add_done_callback(self._downloads.discard)

    async def _download(self, sender: Address, urls: Sequence[str]) -> None:
        folder = self.options.media_dir
        for url in urls:
            try:
                media = await self.media.fetch(url)
                folder.mkdir(parents=True, exist_ok=True)
                await asyncio.to_thread(_write_whole, folder / media_file_name(url), media.content)
            except (MediaRefused, httpx.HTTPError, OSError) as error:
                log.warning(
                    "media copy not kept",
                    extra={"from": masked(sender), "url": masked(url), "reason": str(error)},
                )

    async def close(self) -> None:
        if self._downloads:
            await asyncio.gather(*self._downloads, return_exceptions=True)
        await self.sender.close()


def _write_whole(path: Path, content: bytes) -> None:
    """Write the copy under a hidden name and rename it into place: the web console (or a
    backup) finds the whole file or none, never one still being written."""
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def media_file_name(url: str) -> str:
    """Twilio media URLs end in the media SID (…/Media/ME…): the copy is named after it (any
    other ending, by a digest of the URL: never a name that leaves MEDIA_DIR)."""
    name = url.rstrip("/").rsplit("/", 1)[-1]
    if MEDIA_SID.fullmatch(name):
        return name
    return hashlib.sha256(url.encode()).hexdigest()
