"""Sending WhatsApp messages through Twilio's REST API: the pace, the 24-hour window and its
templates, menus to tap, and slowing down when Twilio asks.

Free-form messages are allowed only within 24 hours of the reporter's last message
(WhatsApp's customer-service window). Outside it the sender uses the approved template
configured for that kind of update (ContentSid + ContentVariables); with none configured
the message is undeliverable, and the L1 group is told. When the reporter last wrote comes
with the outbox row (an answer: the message it answers) or from what this sender saw before;
only when neither shows the window open is it looked up (`last_heard`). Inside the window,
choices go as a list or buttons to tap (`adapters.whatsapp.menus`), or as a numbered list
when they cannot.

Sends are spaced evenly at TWILIO_MAX_PER_SECOND (answers ahead of bulk messages): Twilio
queues what a sender sends faster than its rate, out of sight and out of order. When Twilio
asks to slow down (HTTP 429, errors 20429 and 63018) the sender pauses for the time asked
(`Retry-After`) and the message waits that long, without using up a try.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import urlencode

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from adapters import retry_after
from adapters.pace import INTERACTIVE_URGENCY, Pace
from adapters.text import shorten
from adapters.whatsapp import wire
from adapters.whatsapp.menus import ContentMenus
from adapters.whatsapp.options import WhatsAppOptions
from adapters.whatsapp.wire import PAUSE_SECONDS, STATUS_PATH, THROTTLED, UNREACHABLE
from flows.delivery import (
    HEARD_AT,
    INTERACTIVE,
    LANE,
    RetryLater,
    Throttled,
    Undeliverable,
    send_parts,
)
from flows.messages import Address, Outbound

log = logging.getLogger(__name__)

# When a chat last wrote to the helpdesk, as the database knows it (None: never).
LastHeard = Callable[[Address], Awaitable[datetime | None]]

WINDOW = timedelta(hours=24)
REQUEST_TIMEOUT = 30.0
# Leeway on the sender's rate, for the way to Twilio to vary (as for Telegram's).
PACE_MARGIN = 0.03
# A message that would wait longer than this for its turn is handed back to the relay, due
# then: it is not held past its lease (nor sent twice), and its chat's next ones wait behind it.
MAX_PACE_WAIT = 10.0
# Chats whose last message the sender keeps in memory; past it, those heard from more than a
# day ago are forgotten, or all of them if that leaves more than half (looked up again as
# needed: forgetting costs lookups, never a wrong answer).
HEARD_KEPT = 20_000
TEMPLATE_VARIABLE_LIMIT = 1000


class TwilioThrottled(Exception):
    """Twilio answered 429: slow down, for `retry_after` seconds if it said."""

    def __init__(self, code: int, retry_after: float | None) -> None:
        super().__init__(f"Twilio 429/{code}: too many requests")
        self.code, self.retry_after = code, retry_after


class TwilioHttp(AsyncTwilioHttpClient):  # type: ignore[misc]  # (twilio is untyped)
    """The twilio library's HTTP client, keeping what its errors drop: a 429's `Retry-After`."""

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        form = kwargs.get("data")
        if isinstance(form, dict):
            # Encoded here, at once (lists as repeated fields, as Twilio reads them): aiohttp
            # given the dict builds a FormData object, with its checks, for every send.
            kwargs["data"] = urlencode(form, doseq=True).encode()
        response = await super().request(*args, **kwargs)
        if response.status_code == 429:
            try:
                code = int(json.loads(response.text).get("code") or 20429)
            except (ValueError, AttributeError):
                code = 20429
            wait = retry_after.seconds((response.headers or {}).get("Retry-After"))
            raise TwilioThrottled(code, wait)
        return response


class WhatsAppSender:
    def __init__(
        self,
        client: Client,
        options: WhatsAppOptions,
        last_heard: LastHeard,
        menus: ContentMenus | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.options = options
        self.last_heard = last_heard
        self.clock = clock
        self.pace = Pace((1 + PACE_MARGIN) / options.max_per_second)
        # When each chat last wrote, as this sender learnt it. A chat's last message only ever
        # gets later, so what is known here may be old but never wrong: the window it shows
        # open is open; only a window it does not show open is looked up.
        self._heard: dict[str, datetime] = {}
        self.menus = menus

    def _sending_from(self) -> dict[str, str]:
        service = self.options.messaging_service_sid
        if service:
            return {"messaging_service_sid": service}
        return {"from_": self.options.whatsapp_from}

    def _callback(self) -> dict[str, str]:
        if not self.options.public_url:
            return {}
        return {"status_callback": f"{self.options.public_url.rstrip('/')}{STATUS_PATH}"}

    async def in_window(self, address: Address, heard_at: datetime | None = None) -> bool:
        """Whether the chat wrote within 24 hours; `heard_at`: when it did, as far as known."""
        key, now = str(address), self.clock()
        known = max(filter(None, (heard_at, self._heard.get(key))), default=None)
        if known is None or now - known >= WINDOW:
            last = await self.last_heard(address)
            known = max(filter(None, (known, last)), default=None)
        if known is None or now - known >= WINDOW:
            self._heard.pop(key, None)
            return False
        if len(self._heard) >= HEARD_KEPT:
            self._heard = {k: at for k, at in self._heard.items() if now - at < WINDOW}
            if len(self._heard) >= HEARD_KEPT // 2:  # (so that sweeps stay rare)
                self._heard.clear()
        self._heard[key] = known
        return True

    def template_for(self, message: Outbound) -> str | None:
        kind = "team" if message.kind in wire.CARD_KINDS else "update"
        templates = self.options.templates.get(kind, {})
        return templates.get(message.language) or templates.get("en") or templates.get("*")

    async def send(self, message: Outbound) -> str:
        wait = self.pace.delay(self._urgency())
        if wait > MAX_PACE_WAIT:
            raise Throttled("the WhatsApp sender's rate", retry_after=wait)
        to = wire.wire_address(message.address)
        if message.template_only or not await self.in_window(message.address, HEARD_AT.get()):
            return await self._send_template(message, to)
        menu = await self._menu(message, to)
        if menu is not None:
            return await send_parts(message, menu)
        # A long text goes out in parts: a retry sends only those not sent yet.
        parts = [functools.partial(self._create, to=to, body=body) for body in wire.render(message)]
        return await send_parts(message, parts)

    async def _menu(self, message: Outbound, to: str) -> list[Callable[[], Awaitable[str]]] | None:
        """The sends of `message` with its choices as a menu to tap (the start of a long
        question first), if they fit one and it could be made; else None (a numbered list)."""
        made = wire.menu_of(message) if self.menus is not None else None
        if made is None or self.menus is None:
            return None
        content_sid = await self.menus.content_sid(made.menu)
        if content_sid is None:
            return None
        lead = [functools.partial(self._create, to=to, body=body) for body in made.lead]
        return [*lead, functools.partial(self._send_menu, message, to, content_sid, made)]

    async def _send_menu(
        self, message: Outbound, to: str, content_sid: str, made: wire.MenuMessage
    ) -> str:
        """The menu; if Twilio refuses it (not the number), its question as a numbered list,
        and numbered lists for a while: the reporter is never left without the question."""
        variables = json.dumps(made.variables, ensure_ascii=False)
        try:
            return await self._create(to=to, content_sid=content_sid, content_variables=variables)
        except Undeliverable as error:
            refused = error.__cause__
            if not isinstance(refused, TwilioRestException) or refused.code in UNREACHABLE:
                raise
            log.warning("WhatsApp menu refused (%s); sent as a numbered list", error)
            assert self.menus is not None
            self.menus.refused()
        question = replace(message, text=made.variables["1"], attachments=())
        sid = ""
        for body in wire.render(question):
            sid = await self._create(to=to, body=body)
        return sid

    async def _send_template(self, message: Outbound, to: str) -> str:
        content_sid = self.template_for(message)
        if content_sid is None:
            raise Undeliverable(
                "outside WhatsApp's 24-hour window and no template is configured for it"
            )
        variables = {
            "1": message.ticket_number or "-",
            "2": shorten(message.text, TEMPLATE_VARIABLE_LIMIT),
        }
        return await self._create(
            to=to, content_sid=content_sid, content_variables=json.dumps(variables)
        )

    def _async_client(self) -> Client:
        """The client, on an aiohttp session made here, in the running event loop, on the
        first send: a session can only be made inside a loop, and commands that never send
        (migrate, report, account) must not need one."""
        if not isinstance(self.client.http_client, TwilioHttp):
            self.client.http_client = TwilioHttp()
        return self.client

    async def close(self) -> None:
        if isinstance(self.client.http_client, AsyncTwilioHttpClient):
            await self.client.http_client.close()
        if self.menus is not None:
            await self.menus.close()

    async def _create(self, **fields: str) -> str:
        await self.pace.acquire(self._urgency())
        try:
            # The twilio library passes no timeout to aiohttp: bound the call here (in this
            # task: `wait_for` would make another for every send).
            async with asyncio.timeout(REQUEST_TIMEOUT):
                created = await self._async_client().messages.create_async(
                    **fields, **self._sending_from(), **self._callback()
                )
        except TwilioThrottled as error:
            self._slow_down(error.code, error.retry_after)
        except TwilioRestException as error:
            code = error.code or 0
            if code in THROTTLED:
                self._slow_down(code, None)
            if code in UNREACHABLE:
                raise Undeliverable(f"Twilio {code}: {error.msg}") from error
            if error.status == 429 or code == 20429 or error.status >= 500:
                raise RetryLater(f"Twilio {error.status}/{code}: {error.msg}") from error
            raise Undeliverable(f"Twilio {error.status}/{code}: {error.msg}") from error
        except (OSError, TimeoutError, aiohttp.ClientError, TwilioException) as error:
            raise RetryLater(f"Twilio unreachable: {error!r}") from error
        return str(created.sid)

    @staticmethod
    def _urgency() -> float:
        """Answers to what a chat just wrote wait in line ahead of bulk messages."""
        return INTERACTIVE_URGENCY if LANE.get() == INTERACTIVE else 0.0

    def pause(self, code: int, seconds: float | None = None) -> float:
        """Twilio asked to slow down: no send starts for as long as it asked (or, when it did
        not say, as long as error `code` calls for). The seconds paused."""
        wait = seconds if seconds is not None else PAUSE_SECONDS.get(code, 1.0)
        self.pace.hold(wait)
        return wait

    def _slow_down(self, code: int, seconds: float | None) -> NoReturn:
        """Pause every send; this message waits as long, without using up a try."""
        wait = self.pause(code, seconds)
        raise Throttled(f"Twilio asked to slow down ({code})", retry_after=wait)
