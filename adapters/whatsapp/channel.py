"""WhatsApp through Twilio at run time: signed webhooks in, REST API out, receipts back.

Free-form messages are allowed only within 24 hours of the reporter's last message
(WhatsApp's customer-service window). Outside it the sender uses the approved template
configured for that kind of update (ContentSid + ContentVariables); with none configured
the message is undeliverable, and the L1 group is told. When the reporter last wrote comes
with the outbox row (an answer: the message it answers) or from what this sender saw before;
only when neither shows the window open is it looked up. Inside the window, choices go as
a list or buttons to tap (`adapters.whatsapp.menus`), or as a numbered list when they cannot.

Sends are spaced evenly at TWILIO_MAX_PER_SECOND (answers ahead of bulk messages): Twilio
queues what a sender sends faster than its rate, out of sight and out of order. When Twilio
asks to slow down (HTTP 429, errors 20429 and 63018) the sender pauses for the time asked
(`Retry-After`) and the message waits that long, without using up a try.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, NoReturn

import aiohttp
import httpx
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from adapters import retry_after
from adapters.pace import INTERACTIVE_URGENCY, Pace
from adapters.text import shorten
from adapters.whatsapp import wire
from adapters.whatsapp.media import MediaRefused, TwilioMedia
from adapters.whatsapp.menus import ContentMenus
from bot.core.outbox import backoff
from bot.settings import Settings
from db.models import OutboxMessage
from db.repositories import decode_outbound, encode_outbound
from db.uow import UnitOfWork
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
from flows.privacy import masked

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
REQUEST_TIMEOUT = 30.0
WEBHOOK_PATH = "/whatsapp/webhook"
STATUS_PATH = "/whatsapp/status"
# Twilio error codes that mean "this number will never get it".
UNREACHABLE = {21211, 21214, 21408, 21610, 21612, 21614, 63003, 63024, 63032}
OUTSIDE_WINDOW = 63016
# Twilio error codes worth another try later: rate limits, queue overflow, server trouble.
RETRYABLE = {20429, 20500, 20503, 30001, 30008, 63018}
# Twilio asking to slow down: too many requests, and the sandbox number's one message every
# 3 seconds (63018); how long to pause when it does not say (`Retry-After`).
THROTTLED = {20429, 63018}
PAUSE_SECONDS = {20429: 1.0, 63018: 3.0}
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
MEDIA_SID = re.compile(r"[A-Za-z0-9]{2,64}")


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt from Twilio's status callback."""

    message_sid: str
    status: str
    error_code: str


class TwilioThrottled(Exception):
    """Twilio answered 429: slow down, for `retry_after` seconds if it said."""

    def __init__(self, code: int, retry_after: float | None) -> None:
        super().__init__(f"Twilio 429/{code}: too many requests")
        self.code, self.retry_after = code, retry_after


class TwilioHttp(AsyncTwilioHttpClient):  # type: ignore[misc]  # (twilio is untyped)
    """The twilio library's HTTP client, keeping what its errors drop: a 429's `Retry-After`."""

    async def request(self, *args: Any, **kwargs: Any) -> Any:
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
        settings: Settings,
        units: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.settings = settings
        self.units = units
        self.clock = clock
        self.pace = Pace((1 + PACE_MARGIN) / settings.twilio_max_per_second)
        # When each chat last wrote, as this sender learnt it. A chat's last message only ever
        # gets later, so what is known here may be old but never wrong: the window it shows
        # open is open; only a window it does not show open is looked up.
        self._heard: dict[str, datetime] = {}
        self.menus = (
            ContentMenus(settings, units, clock) if settings.twilio_interactive_menus else None
        )

    def _sending_from(self) -> dict[str, str]:
        service = self.settings.twilio_messaging_service_sid
        if service:
            return {"messaging_service_sid": service}
        return {"from_": self.settings.twilio_whatsapp_from}

    def _callback(self) -> dict[str, str]:
        if not self.settings.public_url:
            return {}
        return {"status_callback": f"{self.settings.public_url.rstrip('/')}{STATUS_PATH}"}

    async def in_window(self, address: Address, heard_at: datetime | None = None) -> bool:
        """Whether the chat wrote within 24 hours; `heard_at`: when it did, as far as known."""
        key, now = str(address), self.clock()
        known = max(filter(None, (heard_at, self._heard.get(key))), default=None)
        if known is None or now - known >= WINDOW:
            async with self.units().read_only() as uow:
                last = await uow.inbound.last_from(key)
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
        templates = self.settings.whatsapp_templates(kind)
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
            # The twilio library passes no timeout to aiohttp: bound the call here.
            created = await asyncio.wait_for(
                self._async_client().messages.create_async(
                    **fields, **self._sending_from(), **self._callback()
                ),
                REQUEST_TIMEOUT,
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


class WhatsAppChannel:
    """Twilio client, request validation and media copies for the WhatsApp channel."""

    def __init__(
        self, settings: Settings, units: Callable[[], UnitOfWork], clock: Callable[[], datetime]
    ) -> None:
        token = settings.twilio_auth_token
        if not settings.twilio_account_sid or token is None:
            raise ValueError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed for WhatsApp")
        self.settings = settings
        self.clock = clock
        # Its async HTTP client is made by the sender, inside the running event loop.
        self.client = Client(settings.twilio_account_sid, token.get_secret_value())
        # TWILIO_EDGE / TWILIO_REGION in the environment would rewrite every URL's host.
        self.client.edge = self.client.region = None
        # twilio builds every URL from the domain's base_url: a compatible server can stand in.
        self.client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self.validator = RequestValidator(token.get_secret_value())
        self.sender = WhatsAppSender(self.client, settings, units, clock)
        self.media = TwilioMedia(
            settings.twilio_api_base_url,
            settings.twilio_account_sid,
            token.get_secret_value(),
            settings.twilio_media_max_bytes,
        )
        self._downloads: set[asyncio.Task[None]] = set()

    def public_url(self, path: str, query: str) -> str:
        """The URL Twilio signed: what it was told to call, not what the proxy forwarded."""
        url = f"{self.settings.public_url.rstrip('/')}{path}"
        return f"{url}?{query}" if query else url

    def is_signed(self, path: str, query: str, form: Mapping[str, str], signature: str) -> bool:
        if not signature:
            return False
        return bool(self.validator.validate(self.public_url(path, query), dict(form), signature))

    def keep_media_copies(self, sender: Address, urls: Sequence[str]) -> None:
        """Copy the media of `sender`'s message into MEDIA_DIR, in the background. What the
        reporter sent is kept either way (the message and its media URLs are stored)."""
        if not self.settings.twilio_keep_media or not urls:
            return
        task = asyncio.create_task(self._download(sender, urls))
        self._downloads.add(task)
        task.add_done_callback(self._downloads.discard)

    async def _download(self, sender: Address, urls: Sequence[str]) -> None:
        folder = self.settings.media_dir
        for url in urls:
            try:
                media = await self.media.fetch(url)
                folder.mkdir(parents=True, exist_ok=True)
                await asyncio.to_thread((folder / media_file_name(url)).write_bytes, media.content)
            except (MediaRefused, httpx.HTTPError, OSError) as error:
                log.warning(
                    "media copy not kept",
                    extra={"from": masked(sender), "url": masked(url), "reason": str(error)},
                )

    async def close(self) -> None:
        if self._downloads:
            await asyncio.gather(*self._downloads, return_exceptions=True)
        await self.sender.close()


def media_file_name(url: str) -> str:
    """Twilio media URLs end in the media SID (…/Media/ME…): the copy is named after it (any
    other ending, by a digest of the URL: never a name that leaves MEDIA_DIR)."""
    name = url.rstrip("/").rsplit("/", 1)[-1]
    if MEDIA_SID.fullmatch(name):
        return name
    return hashlib.sha256(url.encode()).hexdigest()


def receipt_of(form: Mapping[str, str]) -> Receipt | None:
    sid = form.get("MessageSid", "")
    if not sid:
        return None
    return Receipt(sid, form.get("MessageStatus", ""), form.get("ErrorCode", ""))


async def apply_receipt(
    uow: UnitOfWork,
    receipt: Receipt,
    now: datetime,
    alert: Callable[[OutboxMessage, str], list[Outbound]],
) -> bool:
    """Record what Twilio reported and act on it. True when the message goes out again."""
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
    if receipt.status not in ("failed", "undelivered"):
        return False
    code = int(receipt.error_code) if receipt.error_code.isdecimal() else 0
    message = decode_outbound(row.payload)
    if code == OUTSIDE_WINDOW and not message.template_only:
        # The window closed before it arrived: send the approved template instead.
        row.payload = encode_outbound(replace(message, template_only=True))
        row.status, row.next_attempt_at = "pending", now
        return True
    if code in THROTTLED:
        # Sent too fast (the sandbox number's one message every 3 seconds): not a failed try.
        wait = timedelta(seconds=PAUSE_SECONDS[code])
        row.status, row.next_attempt_at = "pending", now + wait
        row.attempts = max(row.attempts - 1, 0)
        return True
    if code in RETRYABLE:
        row.status, row.next_attempt_at = "pending", now + backoff(row.attempts)
        return True
    row.status = "undeliverable"
    row.last_error = f"Twilio {code}: {receipt.status}"
    for notice in alert(row, row.last_error):
        uow.outbox.add(notice, now)
    return False
