"""python-telegram-bot's HTTP transport on aiohttp, for the helpdesk's sends.

PTB's own transport (httpx, on httpcore, anyio and h11, all pure Python) cost about as much of
the event loop's CPU per sent message as handling an inbound message does; the relay sends
~30 a second while the same loop answers webhooks. aiohttp (already installed for twilio)
parses HTTP in C. PTB builds the request and reads the answer as before: only the bytes on
the wire go another way, with the same timeouts and the same errors (`TimedOut`,
`NetworkError`) for the sender to act on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

FORM = "application/x-www-form-urlencoded"


class AiohttpRequest(BaseRequest):
    """`Bot(..., request=AiohttpRequest(connection_pool_size=64))`."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session", "_write")

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write, self._connect = read_timeout, write_timeout, connect_timeout
        self._pool, self._media_write = pool_timeout, media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            # As PTB's own transport, usable before `initialize` (the console fetching a
            # file from a bot that is not polling); the session needs the running loop.
            await self.initialize()
        assert self._session is not None
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        # A form encoded here, at once: aiohttp given the dict builds a FormData object, with
        # its checks, for every send (a fifth of the event loop's CPU a sent reply).
        data: Any = urlencode(fields).encode() if fields else None
        headers = {"Content-Type": FORM} if fields else None
        if files:
            # Names as PTB's own transport sends them (aiohttp would percent-encode them).
            form = aiohttp.FormData(quote_fields=False)
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data, headers = form, None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._write if isinstance(write_timeout, DefaultValue) else write_timeout
        if files and isinstance(write_timeout, DefaultValue):
            write = self._media_write
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no write timeout of its own: the answer may not come before the request
        # is written, so the time to write counts towards waiting for it.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=_sum(read, write),
        )
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def _sum(*parts: float | None) -> float | None:
    """None (no limit) if any part has none."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)
