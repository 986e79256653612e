"""Reading webhook requests that may be hostile or broken: bounded bodies, the declared
content type, JSON objects and forms, and text the database can store.

A problem with the request itself raises `Refused` with the 4xx status that says so; a
webhook endpoint wrapped in `guarded` turns it into the answer.
"""

from __future__ import annotations

import codecs
import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]

# The largest webhook body read, in bytes. Telegram updates and Twilio's forms are a few KB
# (a message is at most 4,096 characters); a JIRA event carries one issue and at most one
# comment, whose text fields JIRA caps at 32,767 characters. Anything bigger is not one of
# theirs, and is refused (413) before more of it is read.
MAX_BODY_BYTES = 256 * 1024
# Deeper than any provider's payload nests (a Telegram button sits 7 levels down); a deeper
# one is refused rather than walked, so that no recursion can exhaust the stack.
MAX_JSON_DEPTH = 64
# Twilio sends about 20 fields, plus two per media item (at most 10).
MAX_FORM_FIELDS = 100
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# What neither database can store in a text column: NUL (PostgreSQL refuses it) and lone
# UTF-16 surrogates (not encodable as UTF-8), which JSON's \u escapes can carry. They become
# U+FFFD, so the rest of the message is kept as sent.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LENGTH = re.compile(r"\d{1,18}")
_DECODE = json.JSONDecoder().decode
# How long a provider should wait before delivering again after a 503.
RETRY_AFTER_SECONDS = 30


class Refused(Exception):
    """The request cannot be taken; `status` is the 4xx answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> Response:
        return Response(self.reason, status_code=self.status, media_type="text/plain")


def require_type(request: Request, expected: str) -> None:
    """Refuse a body declared as something other than what the provider sends (415). A body
    without a declared type is read and judged on its content."""
    declared = request.headers.get("content-type", "")
    media_type = declared.split(";", 1)[0].strip().lower()
    if media_type and media_type != expected:
        raise Refused(415, f"expected {expected}")


async def read_body(request: Request) -> bytes:
    """The body, at most MAX_BODY_BYTES of it: a longer one is refused as soon as its declared
    length or the bytes received so far show it (a chunked body has no declared length)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not _LENGTH.fullmatch(declared):
            raise Refused(400, "bad Content-Length")
        if int(declared) > MAX_BODY_BYTES:
            raise Refused(413, f"larger than {MAX_BODY_BYTES} bytes")
    received = bytearray()
    try:
        async for chunk in request.stream():
            received += chunk
            if len(received) > MAX_BODY_BYTES:
                raise Refused(413, f"larger than {MAX_BODY_BYTES} bytes")
    except ClientDisconnect as error:
        raise Refused(400, "the request ended early") from error
    return bytes(received)


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object whose strings can be stored; 400 for anything else."""
    plainly = _plainly_storable(body)
    try:
        # A plain body is UTF-8 or not JSON at all: decoded as such, without `json.loads`
        # working out its encoding first (byte-order mark aside, which it takes off).
        if plainly and not body.startswith(codecs.BOM_UTF8):
            data = _DECODE(body.decode())
        else:
            data = json.loads(body)
    except (ValueError, RecursionError) as error:  # (a UnicodeDecodeError is a ValueError)
        raise Refused(400, "not JSON") from error
    if not isinstance(data, dict):
        raise Refused(400, "not a JSON object")
    if plainly:
        return data
    cleaned: dict[str, Any] = storable(data)
    return cleaned


def _plainly_storable(body: bytes) -> bool:
    """Whether JSON parsed from `body` certainly has only storable strings and is not nested
    too deeply, so that `storable` has nothing to do (most bodies; it walks every value).
    In a UTF-8 body (JSON in UTF-16 or UTF-32 has NUL bytes), a NUL or a lone surrogate can
    only come from a \\u escape, or (a surrogate) from the raw bytes ED A0-BF of one; nesting
    needs a bracket a level."""
    return (
        b"\x00" not in body
        and b"\\u" not in body
        and b"\xed" not in body
        and body.count(b"{") + body.count(b"[") <= MAX_JSON_DEPTH
    )


def form_fields(body: bytes) -> dict[str, str]:
    """A urlencoded form as sent (signatures are computed over these exact values)."""
    text = body.decode("utf-8", errors="replace")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:
        raise Refused(400, "too many form fields") from error
    return dict(pairs)


def storable_text(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text)


def storable(value: Any, depth: int = 0) -> Any:
    """`value` (parsed JSON or a form) with every string made storable."""
    if depth > MAX_JSON_DEPTH:
        raise Refused(400, "nested too deeply")
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(str(k)): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(item, depth + 1) for item in value]
    return value


def guarded(handler: Endpoint) -> Endpoint:
    """A webhook that answers `Refused` with its 4xx, and anything else going wrong with 503.

    The dispatcher keeps a message that failed as "failed" and raises only when it cannot even
    do that, so an exception here means the helpdesk cannot take the message now: the
    provider should deliver it again, and the transaction that failed has left nothing behind.
    """

    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except Refused as refusal:
            log.info(
                "webhook request refused",
                extra={
                    "path": request.url.path,
                    "status": refusal.status,
                    "reason": refusal.reason,
                },
            )
            return refusal.response()
        except Exception:
            log.exception(
                "webhook not handled; the sender should retry", extra={"path": request.url.path}
            )
            return Response(
                "temporarily unavailable",
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )

    return run
