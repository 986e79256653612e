"""A local fake of Twilio's REST API (2010-04-01 Messages), for tests that drive the real
twilio client, and builders of the webhooks Twilio posts, signed as Twilio signs them.

`FakeTwilio` serves `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` on 127.0.0.1 from
inside the test's event loop. It checks HTTP basic auth (account SID / auth token) and
validates every create against the request schema of Twilio's own OpenAPI description
(`tests/fixtures/twilio_api_v2010.json`, operation `CreateMessage`): unknown parameters, the
required `To`, the `x-twilio.conditional` rule (one of From/MessagingServiceSid, one of
Body/MediaUrl/ContentSid), types, patterns and enums. Accepted creates are recorded in
`messages` and answered 201 with a Message resource; rejected ones in `invalid`, answered 400
in Twilio's error shape. Nothing leaves the loopback.

    async with FakeTwilio() as fake:
        http = AsyncTwilioHttpClient()
        client = Client(fake.account_sid, fake.auth_token, http_client=http)
        client.api.base_url = fake.base_url
        message = await client.messages.create_async(to=..., from_=..., body="Hi")
        assert fake.bodies() == ["Hi"]
        await http.close()

Stricter than Twilio on purpose: Twilio ignores parameters it does not know, the fake rejects
them (code 20001) so that a misspelt parameter fails the test. Error codes used: 20003 (401
auth), 20404 (unknown path, other account), 20001 (unknown or malformed parameter), 21604 (no
To), 21603 (no From/MessagingServiceSid), 21602 (no Body/MediaUrl/ContentSid), 21211 (bad To),
21212 (bad From), 21609 (bad StatusCallback), 21617 (Body over 1600 characters), 21656 (bad
ContentVariables), 21910 (From and To on different channels).

How twilio-python 9 talks to the server: a form-encoded POST (aiohttp; list parameters such
as `MediaUrl` repeat the key) with basic auth, `Accept: application/json`; unset parameters
are left out. An error answer `{"code", "message", "more_info", "status"}` becomes
`TwilioRestException(status, code, msg="Unable to create record: <message>")`; an answer
that also has `type` and `title` would become `TwilioServiceException` instead.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import functools
import json
import re
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.servers import serving

JSONDict = dict[str, Any]

SPEC_PATH = Path(__file__).parent / "fixtures" / "twilio_api_v2010.json"
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
API_VERSION = "2010-04-01"

#: Defaults for the fake's account and the webhook builders.
ACCOUNT_SID = "AC" + "5e1f0c3a9b7d4e2f8a6c1b0d9e3f7a24"
AUTH_TOKEN = "test-auth-token"
WHATSAPP_SANDBOX = "whatsapp:+14155238886"
REPORTER = "whatsapp:+919876543210"

MAX_BODY = 1600
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SHORT_CODE = re.compile(r"^\d{3,8}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_CHANNEL = re.compile(r"^([a-z]+):(.+)$")


def new_sid(prefix: str) -> str:
    """A fresh Twilio SID: two letters and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def error_body(status: int, code: int, message: str) -> JSONDict:
    """Twilio's error JSON (what twilio-python turns into `TwilioRestException`)."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


# -- the spec -------------------------------------------------------------------------------


@functools.cache
def load_spec() -> JSONDict:
    """Twilio's OpenAPI description (read once per test run)."""
    spec: JSONDict = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def create_operation() -> JSONDict:
    """The `CreateMessage` operation of the spec."""
    operation: JSONDict = load_spec()["paths"][MESSAGES_PATH]["post"]
    return operation


def create_schema() -> JSONDict:
    """The form schema of `CreateMessage` (properties and `required`)."""
    content = create_operation()["requestBody"]["content"]
    schema: JSONDict = content["application/x-www-form-urlencoded"]["schema"]
    return schema


def _resolve(schema: JSONDict) -> JSONDict:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = load_spec()["components"]["schemas"][name]
    return schema


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _conditional_groups() -> list[list[str]]:
    """`x-twilio.conditional` ([["from", "messaging_service_sid"], ...]) as form names."""
    by_snake = {_snake(name): name for name in create_schema()["properties"]}
    groups = create_operation().get("x-twilio", {}).get("conditional", [])
    return [[by_snake[name] for name in group] for group in groups]


def _example_message() -> JSONDict:
    examples = create_operation()["responses"]["201"]["content"]["application/json"]
    found = examples.get("examples", {})
    if "create" in found:
        return copy.deepcopy(found["create"]["value"])
    return {}


# -- validation -----------------------------------------------------------------------------


class Rejected(Exception):
    """A create the fake refuses: answered `status` with Twilio's error JSON."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(host) and "_" not in host


def _check_value(name: str, value: str, schema: JSONDict) -> None:
    """One form value against its (resolved) property schema."""
    schema = _resolve(schema)
    kind = schema.get("type", "string")
    bad = Rejected(20001, f"Invalid parameter `{name}`: {value!r}")
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise bad
    elif kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise bad
    elif kind == "number":
        try:
            float(value)
        except ValueError:
            raise bad from None
    if "enum" in schema and value not in schema["enum"]:
        raise bad
    if "minLength" in schema and len(value) < schema["minLength"]:
        raise bad
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise bad
    if "pattern" in schema and not re.search(schema["pattern"], value):
        raise bad
    if schema.get("x-twilio", {}).get("ignoreFormat"):
        return
    fmt = schema.get("format")
    if fmt == "uri" and not _is_url(value):
        raise bad
    if fmt == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise bad from None


def _address_ok(value: str, sender: bool) -> bool:
    channel = _CHANNEL.match(value)
    if channel is not None:
        prefix, rest = channel.groups()
        if prefix in ("whatsapp", "sms", "mms", "rcs"):
            return bool(_E164.match(rest))
        return bool(rest.strip())
    if _E164.match(value) or _SHORT_CODE.match(value):
        return True
    return sender and bool(_ALPHANUMERIC_SENDER.match(value))


def _channel(value: str) -> str:
    channel = _CHANNEL.match(value)
    return channel.group(1) if channel is not None else ""


def parse_create(pairs: list[tuple[str, str]]) -> JSONDict:
    """A create's form as recorded (array parameters as lists), or `Rejected`."""
    properties: JSONDict = create_schema()["properties"]
    params: JSONDict = {}
    for name, value in pairs:
        if name not in properties:
            raise Rejected(20001, f"Unknown parameter `{name}`")
        if _resolve(properties[name]).get("type") == "array":
            params.setdefault(name, []).append(value)
        elif name in params:
            raise Rejected(20001, f"Parameter `{name}` was given more than once")
        else:
            params[name] = value
    return params


def validate_create(params: JSONDict) -> None:
    """Twilio's rules for creating a Message, from the spec and its documented error codes."""
    schema = create_schema()
    present = {name for name, value in params.items() if value not in ("", [])}
    for name in schema.get("required", []):
        if name not in present:
            if name == "To":
                raise Rejected(21604, "A 'To' phone number is required.")
            raise Rejected(20001, f"Missing required parameter `{name}`")
    for group in _conditional_groups():
        if present.isdisjoint(group):
            if "From" in group:
                raise Rejected(21603, "A 'From' phone number is required.")
            if "Body" in group:
                raise Rejected(21602, "Message body is required.")
            raise Rejected(20001, f"One of {', '.join(group)} is required.")
    to, frm = params["To"], params.get("From", "")
    if not _address_ok(to, sender=False):
        raise Rejected(21211, f"Invalid 'To' Phone Number: {to}")
    if frm and not _address_ok(frm, sender=True):
        raise Rejected(21212, f"Invalid From Number (caller ID): {frm}")
    if frm and _channel(frm) != _channel(to):
        raise Rejected(21910, "Invalid From and To pair. From and To should be of the same channel")
    callback = params.get("StatusCallback", "")
    if callback and not _is_url(callback):
        raise Rejected(21609, f"Invalid StatusCallback url: {callback}")
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        item_schema = _resolve(schema["properties"][name])
        if item_schema.get("type") == "array":
            item_schema = item_schema.get("items", {})
        for item in values:
            if item != "":
                _check_value(name, item, item_schema)
    if len(params.get("Body", "")) > MAX_BODY:
        raise Rejected(21617, "The concatenated message body exceeds the 1600 character limit.")
    variables = params.get("ContentVariables", "")
    if variables:
        if "ContentSid" not in present:
            raise Rejected(21656, "ContentVariables needs a ContentSid.")
        try:
            decoded = json.loads(variables)
        except ValueError:
            decoded = None
        if not isinstance(decoded, dict) or not all(isinstance(v, str) for v in decoded.values()):
            raise Rejected(21656, "The ContentVariables Parameter is invalid.")


# -- the server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Media:
    """A media file served at its Twilio media URL."""

    sid: str
    message_sid: str
    name: str
    content: bytes
    content_type: str
    moved_to: str = ""


@dataclass(frozen=True)
class _Failure:
    status: int
    code: int
    message: str
    headers: dict[str, str] | None = None


class FakeTwilio:
    """Twilio's Messages API on 127.0.0.1:`port`, run as a task of the current event loop."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.port = 0
        #: Params of accepted creates, in order (strings; `MediaUrl` a list of strings).
        self.messages: list[JSONDict] = []
        #: The Message resources answered for them (same order as `messages`).
        self.resources: list[JSONDict] = []
        #: Rejected creates: (params as sent, the error message).
        self.invalid: list[tuple[JSONDict, str]] = []
        #: Every request: (method, path, status).
        self.requests: list[tuple[str, str, int]] = []
        #: Media served by `add_media`, by media SID.
        self.media: dict[str, Media] = {}
        #: Whether each request for media at the CDN carried an Authorization header.
        self.cdn_authorized: list[bool] = []
        self._failures: deque[_Failure | None] = deque()
        self._stack = contextlib.AsyncExitStack()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to put in `client.api.base_url`."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Self:
        app = Starlette(
            routes=[
                Route(
                    "/2010-04-01/Accounts/{account_sid}/Messages.json",
                    self._create,
                    methods=["POST"],
                ),
                Route(
                    "/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}",
                    self._media,
                    methods=["GET"],
                ),
                Route("/cdn/{media_sid}", self._cdn, methods=["GET"]),
                Route(
                    "/{path:path}",
                    self._not_found,
                    methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
                ),
            ]
        )
        url = await self._stack.enter_async_context(serving(app, lifespan="off"))
        self.port = int(url.rsplit(":", 1)[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    # -- configuration ----------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        code: int,
        message: str,
        times: int = 1,
        after: int = 0,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` creates, once `after` more are accepted, answer `status` with
        Twilio's error JSON (code, message) and these `headers` (a 429's `Retry-After`)."""
        self._failures.extend([None] * after)
        for _ in range(times):
            self._failures.append(_Failure(status, code, message, headers))

    def add_media(self, path: str, content: bytes, content_type: str, moved_to: str = "") -> str:
        """Serve `content` as an inbound media file; returns its full Twilio media URL.

        `path` is the file's name as the reporter sent it (kept in `media[sid].name`); the
        URL ends in the media SID (…/Messages/MM…/Media/ME…), as Twilio's do. GET needs the
        account's basic auth and, as on Twilio, is redirected to the file on the media CDN
        (here `/cdn/ME…`, which needs no credentials: its URL is the secret), or to `moved_to`.
        """
        media = Media(
            new_sid("ME"), new_sid("MM"), Path(path).name, content, content_type, moved_to
        )
        self.media[media.sid] = media
        return (
            f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}"
            f"/Messages/{media.message_sid}/Media/{media.sid}"
        )

    # -- inspection -------------------------------------------------------------------------

    def bodies(self, to: str | None = None) -> list[str]:
        """`Body` of the accepted messages (to `to` only, if given); templates have none."""
        return [
            str(message["Body"])
            for message in self.messages
            if "Body" in message and (to is None or message.get("To") == to)
        ]

    async def wait_for_messages(
        self,
        count: int,
        to: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the polling, as specified
    ) -> list[JSONDict]:
        """At least `count` accepted messages (to `to`, if given), polling every 20 ms."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages if to is None or m.get("To") == to]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s){f' to {to}' if to else ''} within "
                    f"{timeout} s, got {len(found)}; messages={self.messages!r} "
                    f"invalid={self.invalid!r} requests={self.requests!r}"
                )
            await asyncio.sleep(0.02)

    # -- endpoints --------------------------------------------------------------------------

    def _answer(self, request: Request, response: Response) -> Response:
        self.requests.append((request.method, request.url.path, response.status_code))
        return response

    def _error(
        self,
        request: Request,
        status: int,
        code: int,
        message: str,
        extra: dict[str, str] | None = None,
    ) -> Response:
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if status == 401 else {}
        headers.update(extra or {})
        response = JSONResponse(error_body(status, code, message), status, headers=headers)
        return self._answer(request, response)

    def _authenticated(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        return (user, password) == (self.account_sid, self.auth_token)

    async def _create(self, request: Request) -> Response:
        if not self._authenticated(request):
            return self._error(request, 401, 20003, "Authenticate")
        if request.path_params["account_sid"] != self.account_sid:
            return self._error(
                request, 404, 20404, f"The requested resource {request.url.path} was not found"
            )
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        body = (await request.body()).decode("utf-8", "replace")
        pairs = parse_qsl(body, keep_blank_values=True)
        failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            return self._error(
                request, failure.status, failure.code, failure.message, failure.headers
            )
        params: JSONDict = {}
        try:
            if media_type != "application/x-www-form-urlencoded":
                raise Rejected(20001, f"Unsupported Content-Type {media_type!r}: send a form")
            params = parse_create(pairs)
            validate_create(params)
        except Rejected as rejected:
            self.invalid.append((params or _loose(pairs), rejected.message))
            return self._error(request, rejected.status, rejected.code, rejected.message)
        resource = self._message_resource(params)
        self.messages.append(params)
        self.resources.append(resource)
        return self._answer(request, JSONResponse(resource, 201))

    def _message_resource(self, params: JSONDict) -> JSONDict:
        """A Message as Twilio answers a create (the spec's example, filled in)."""
        sid = new_sid("SM")
        now = _rfc2822(datetime.now(UTC))
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        resource = _example_message()
        resource.update(
            {
                "account_sid": self.account_sid,
                "api_version": API_VERSION,
                "body": params.get("Body", ""),
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": params.get("From") or None,
                "messaging_service_sid": params.get("MessagingServiceSid") or None,
                "num_media": str(len(params.get("MediaUrl", []))),
                "num_segments": "1",
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "queued",
                "subresource_uris": {
                    "media": f"{uri}/Media.json",
                    "feedback": f"{uri}/Feedback.json",
                },
                "to": params["To"],
                "uri": f"{uri}.json",
            }
        )
        return resource

    async def _media(self, request: Request) -> Response:
        if not self._authenticated(request):
            return self._error(request, 401, 20003, "Authenticate")
        media = self.media.get(request.path_params["media_sid"])
        if (
            media is None
            or request.path_params["account_sid"] != self.account_sid
            or request.path_params["message_sid"] != media.message_sid
        ):
            return self._error(
                request, 404, 20404, f"The requested resource {request.url.path} was not found"
            )
        moved_to = media.moved_to or f"/cdn/{media.sid}"
        return self._answer(request, RedirectResponse(moved_to, status_code=302))

    async def _cdn(self, request: Request) -> Response:
        self.cdn_authorized.append("authorization" in request.headers)
        media = self.media.get(request.path_params["media_sid"])
        if media is None:
            return self._answer(request, Response("Not Found", 404))
        headers = {"Content-Disposition": f'inline; filename="{media.name}"'}
        response = Response(media.content, 200, headers=headers, media_type=media.content_type)
        return self._answer(request, response)

    async def _not_found(self, request: Request) -> Response:
        return self._error(
            request, 404, 20404, f"The requested resource {request.url.path} was not found"
        )


def _loose(pairs: list[tuple[str, str]]) -> JSONDict:
    """A rejected form as recorded: repeated keys as lists."""
    params: JSONDict = {}
    for name, value in pairs:
        if name in params:
            previous = params[name]
            params[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[name] = value
    return params


# -- webhooks, as Twilio sends them ---------------------------------------------------------


def signed(url: str, params: dict[str, str], auth_token: str) -> dict[str, str]:
    """Headers for POSTing `params` as a form to `url`, signed as Twilio signs webhooks.

    `url` must be the exact URL Twilio was told to call (scheme, host, path, query).
    """
    return {
        "X-Twilio-Signature": RequestValidator(auth_token).compute_signature(url, params),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def _wa_id(address: str) -> str:
    return re.sub(r"\D", "", address)


_MESSAGE_TYPES = {"image": "image", "audio": "audio", "video": "video"}


def incoming_message(
    frm: str,
    body: str,
    sid: str | None = None,
    account_sid: str = ACCOUNT_SID,
    to: str = WHATSAPP_SANDBOX,
    profile_name: str = "Ramesh",
    media: Sequence[tuple[str, str]] = (),
    *,
    messaging_service_sid: str | None = None,
) -> dict[str, str]:
    """The form Twilio posts to the messaging webhook for an inbound WhatsApp message.

    `media` holds (url, content type) pairs; messages with media get an "MM…" SID, as on
    Twilio, others "SM…".
    """
    message_sid = sid or new_sid("MM" if media else "SM")
    if media:
        major = media[0][1].split("/", 1)[0]
        message_type = _MESSAGE_TYPES.get(major, "document")
    else:
        message_type = "text"
    form = {
        "SmsMessageSid": message_sid,
        "NumMedia": str(len(media)),
        "ProfileName": profile_name,
        "MessageType": message_type,
        "SmsSid": message_sid,
        "WaId": _wa_id(frm),
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": message_sid,
        "AccountSid": account_sid,
        "From": frm,
        "ApiVersion": API_VERSION,
    }
    if messaging_service_sid:
        form["MessagingServiceSid"] = messaging_service_sid
    for index, (url, content_type) in enumerate(media):
        form[f"MediaContentType{index}"] = content_type
        form[f"MediaUrl{index}"] = url
    return form


def status_callback(
    message_sid: str,
    status: str,
    error_code: str = "",
    account_sid: str = ACCOUNT_SID,
    to: str = REPORTER,
    *,
    frm: str = WHATSAPP_SANDBOX,
    messaging_service_sid: str | None = None,
) -> dict[str, str]:
    """The form Twilio posts to a message's StatusCallback (WhatsApp)."""
    form = {
        "ApiVersion": API_VERSION,
        "MessageStatus": status,
        "SmsSid": message_sid,
        "SmsStatus": status,
        "To": to,
        "From": frm,
        "MessageSid": message_sid,
        "AccountSid": account_sid,
    }
    channel = _CHANNEL.match(to)
    if channel is not None:  # channel messages (WhatsApp) carry these too
        form["ChannelPrefix"] = channel.group(1)
        form["ChannelInstallSid"] = "XE" + uuid.uuid5(uuid.NAMESPACE_URL, account_sid).hex
        form["ChannelToAddress"] = channel.group(2)
        form["StructuredMessage"] = "false"
    if error_code:
        form["ErrorCode"] = error_code
    if messaging_service_sid:
        form["MessagingServiceSid"] = messaging_service_sid
    return form
