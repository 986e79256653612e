"""WhatsApp menus to tap (list pickers, quick-reply buttons), made through Twilio's Content
API (`POST /v1/Content`) the first time one is shown and kept (a `MenuStore`: the database)
by a digest of what it shows: a restart, or another process, sends the same one again by its
ContentSid.

Two processes making the same menu at once each make one; the first kept is the one both
send from then on. When the Content API refuses or cannot be reached (or Twilio refuses to
send a menu) the caller sends a numbered list instead, and no menu is sent for a short while
(`BACKOFF_SECONDS`), so an outage costs one failed call, not one per message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import httpx

from adapters.whatsapp.options import WhatsAppOptions
from adapters.whatsapp.wire import Menu

log = logging.getLogger(__name__)

BACKOFF_SECONDS = 60.0
REQUEST_TIMEOUT = 15.0


class MenuStore(Protocol):
    """Where made menus are kept, shared by every process: ContentSids by digest."""

    async def content_sid(self, digest: str) -> str | None:
        """The ContentSid kept for the menu with this digest, if any."""

    async def keep(self, digest: str, language: str, content_sid: str, now: datetime) -> str:
        """Keep `content_sid` for `digest`, unless one is kept already: the one kept."""


class ContentMenus:
    def __init__(
        self,
        options: WhatsAppOptions,
        store: MenuStore,
        clock: Callable[[], datetime],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = f"{options.content_api_base_url.rstrip('/')}/v1/Content"
        self.auth = (options.account_sid, options.auth_token)
        self.store = store
        self.clock = clock
        self.transport = transport
        self._known: dict[str, str] = {}  # digest → ContentSid
        self._making = asyncio.Lock()  # one process makes each menu once
        self._down_until = 0.0  # no menu is made until then (the Content API failed)
        self._refused_until = 0.0  # no menu is sent until then (a send was refused)
        self._http: httpx.AsyncClient | None = None

    async def content_sid(self, menu: Menu) -> str | None:
        """The ContentSid to send `menu` by, made now if no process made it before; None
        when it cannot be made now (send the choices as a numbered list)."""
        if time.monotonic() < self._refused_until:
            return None
        digest = menu.digest
        known = self._known.get(digest)
        if known:
            return known
        if time.monotonic() < self._down_until:
            # Not asked of the database at every send meanwhile: a menu another process
            # made shows as a list until then.
            return None
        async with self._making:
            known = await self.store.content_sid(digest)
            if not known:
                made = await self._make(menu)
                if made is None:
                    return None
                known = await self.store.keep(digest, menu.language, made, self.clock())
            self._known[digest] = known
            return known

    async def _make(self, menu: Menu) -> str | None:
        if time.monotonic() < self._down_until:
            return None
        if self._http is None:
            self._http = httpx.AsyncClient(
                auth=self.auth, timeout=REQUEST_TIMEOUT, transport=self.transport
            )
        try:
            response = await self._http.post(self.url, json=menu.content())
            response.raise_for_status()
            sid = response.json()["sid"]
            if not (isinstance(sid, str) and sid.startswith("HX")):
                raise ValueError(f"not a ContentSid: {sid!r}")
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            self._down_until = time.monotonic() + BACKOFF_SECONDS
            log.warning(
                "WhatsApp menu not made (%s); numbered lists for %.0f s", error, BACKOFF_SECONDS
            )
            return None
        return sid

    def refused(self) -> None:
        """Twilio refused to send a menu: numbered lists for a while, made menus too."""
        self._refused_until = time.monotonic() + BACKOFF_SECONDS

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
