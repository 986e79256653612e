"""A local fake of the Telegram Bot API, for tests that drive the real python-telegram-bot client.

`FakeTelegram` serves `POST /bot<token>/<method>` (and `GET`) on 127.0.0.1 from inside the
test's event loop, records every call, answers as Telegram does (Messages with Unix-second
dates, per-chat message ids, "message is not modified", "bot was blocked by the user", 429s
with `retry_after`) and feeds queued updates to `getUpdates`. Nothing leaves the loopback.

    async with FakeTelegram() as fake, fake.bot() as bot:
        fake.push_update(private_text(111, "/start"))
        ...
        await fake.wait_for(lambda calls: any(c.method == "sendMessage" for c in calls))

The module-level builders (`private_text`, `callback`, `group_text`, ...) make incoming update
payloads shaped exactly as Telegram sends them; pass them to `push_update` (polling) or POST
them to a webhook, or parse them with `telegram.Update.de_json`.

How python-telegram-bot 22 talks to the server: every parameter is sent as a form field
(`application/x-www-form-urlencoded`, or `multipart/form-data` when a file is uploaded) whose
value is JSON-encoded unless it is a string — so `chat_id=42`, `show_alert=true` and
`reply_markup={"inline_keyboard": ...}`, but `text=42` for the text "42". The fake decodes
them back (see `_decode_form_value`); JSON bodies are accepted too.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot

from tests.servers import serving

JSONDict = dict[str, Any]

BOT_ID = 999000111
BOT_USERNAME = "mukta_helpdesk_bot"
BOT_FIRST_NAME = "MUKTA Helpdesk"
DEFAULT_GROUP_TITLE = "MUKTA Helpdesk Staff"

#: The bot as it appears in the `from` field of its own messages.
BOT_USER: JSONDict = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": BOT_FIRST_NAME,
    "username": BOT_USERNAME,
}

#: The answer to getMe.
GET_ME: JSONDict = {
    **BOT_USER,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"

# Methods that post a new message into a chat (what Telegram's flood limits count).
_SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvoice",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendsticker",
        "sendlocation",
        "sendcontact",
        "sendpoll",
        "senddice",
        "sendvideonote",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)
_EDIT_METHODS = frozenset(
    {"editmessagetext", "editmessagecaption", "editmessagereplymarkup", "editmessagemedia"}
)

# Parameters whose form value is JSON (PTB json.dumps every non-string value).
_JSON_KEYS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "media",
        "results",
        "options",
        "permissions",
        "explanation_entities",
        "message_ids",
        "button",
        "menu_button",
        "rights",
        "reaction",
        "prices",
    }
)
# Parameters that are strings even when they look like a number, `true` or JSON.
_STRING_KEYS = frozenset(
    {
        "text",
        "caption",
        "data",
        "callback_query_id",
        "inline_message_id",
        "inline_query_id",
        "shipping_query_id",
        "pre_checkout_query_id",
        "parse_mode",
        "explanation_parse_mode",
        "url",
        "file_id",
        "photo",
        "document",
        "voice",
        "audio",
        "video",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "certificate",
        "secret_token",
        "ip_address",
        "action",
        "emoji",
        "title",
        "description",
        "short_description",
        "name",
        "language_code",
        "question",
        "explanation",
        "first_name",
        "last_name",
        "phone_number",
        "address",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
        "invite_link",
        "payload",
        "start_parameter",
        "currency",
        "provider_token",
        "error_message",
        "vcard",
    }
)
_ID_KEYS = frozenset({"chat_id", "from_chat_id", "message_id", "user_id", "message_thread_id"})
_INT_RE = re.compile(r"-?\d+\Z")
_FLOAT_RE = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?\Z")
_DISPOSITION_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
_FORM_ESCAPE = re.compile(r"%([0-1][0-9A-F]|22)")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?(?=\s|\Z)")


@dataclass(frozen=True)
class Call:
    """One request the fake answered. `status` is the HTTP status it answered with."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Upload:
    """A file uploaded as a multipart part (recorded in `Call.params` under its field name)."""

    filename: str
    content_type: str
    content: bytes


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None


@dataclass
class _Limits:
    overall_per_second: int
    private_per_second: int
    group_per_minute: int
    overall: deque[float] = field(default_factory=deque)
    per_chat: dict[int, deque[float]] = field(default_factory=dict)


class ApiError(Exception):
    """Answered as `{"ok": false, "error_code": status, "description": ...}`."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class FakeTelegram:
    """The Bot API on 127.0.0.1:`port`, run as a task of the current event loop."""

    def __init__(self, token: str = "123456789:TEST-TOKEN-mukta") -> None:
        #: The token to give `Bot`; updated to the token of the latest request (any is accepted).
        self.token = token
        self.tokens: set[str] = set()
        self.port = 0
        self.calls: list[Call] = []
        #: Sends (and chat actions, edits) to these chats answer 403 "bot was blocked by the user".
        self.blocked_chats: set[int] = set()
        #: Sends refused by `enforce_limits`.
        self.rejected_429 = 0
        #: Titles for group chats in the fake's answers (default `DEFAULT_GROUP_TITLE`).
        self.chat_titles: dict[int, str] = {}
        #: Content of files by file_id: uploads land here; `getFile` + download serve them.
        self.files: dict[str, bytes] = {}
        self.webhook_url = ""
        self.commands: dict[str, list[JSONDict]] = {}
        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._update_arrived = asyncio.Event()
        self._closing = False
        self._messages: dict[int, dict[int, JSONDict]] = {}
        self._next_message_id: dict[int, int] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self._delays: dict[str, deque[float]] = {}
        #: Calls received and not answered yet.
        self.answering = 0
        self._limits: _Limits | None = None
        self._file_ids = itertools.count(1)
        self._stack = contextlib.AsyncExitStack()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """`base_url` for `telegram.Bot`."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """`base_file_url` for `telegram.Bot`."""
        return f"{self.base_url}/file/bot"

    def bot(self, token: str | None = None) -> Bot:
        """A real PTB `Bot` pointed at this fake (use as `async with fake.bot() as bot:`)."""
        return Bot(token or self.token, base_url=self.api_url, base_file_url=self.file_url)

    async def __aenter__(self) -> Self:
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
            ]
        )
        self._update_arrived = asyncio.Event()
        self._closing = False
        self._stack = contextlib.AsyncExitStack()
        url = await self._stack.enter_async_context(serving(app, lifespan="off"))
        self.port = int(url.rsplit(":", 1)[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing = True
        self._update_arrived.set()  # wakes long-polling getUpdates
        await self._stack.aclose()

    # -- configuration ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail so (with `parameters.retry_after` if set)."""
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend(_Failure(status, description, retry_after) for _ in range(times))

    def answer_slowly(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `method` are answered only after `seconds` (a slow
        network, or Telegram under load)."""
        self._delays.setdefault(method.lower(), deque()).extend([seconds] * times)

    def enforce_limits(
        self, overall_per_second: int = 30, private_per_second: int = 1, group_per_minute: int = 20
    ) -> None:
        """Answer 429 with `retry_after` to sends beyond these sliding-window limits."""
        self._limits = _Limits(overall_per_second, private_per_second, group_per_minute)

    def stop_enforcing_limits(self) -> None:
        self._limits = None

    def add_file(self, file_id: str, content: bytes) -> None:
        """Content served for `file_id` by getFile and the file download URL."""
        self.files[file_id] = content

    # -- updates ----------------------------------------------------------------------------

    def push_update(self, update: JSONDict) -> int:
        """Queue an update for getUpdates; gives it the next `update_id` unless it has one."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._updates.append(update)
        self._update_arrived.set()
        return update_id

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Queued updates not yet confirmed by an offset."""
        return list(self._updates)

    # -- inspection -------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[JSONDict]:
        """Params of the successful calls of `method` (to `chat_id`, if given), oldest first."""
        return [
            call.params
            for call in self.calls
            if call.ok
            and call.method.lower() == method.lower()
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of the messages sent (sendMessage) to `chat_id`, or to anyone."""
        return [str(params.get("text", "")) for params in self.sent(chat_id)]

    def message(self, chat_id: int, message_id: int) -> JSONDict:
        """The bot's message as it stands now (after edits), as Telegram would return it."""
        try:
            return copy.deepcopy(self._messages[chat_id][message_id])
        except KeyError:
            raise KeyError(f"no message {message_id} in chat {chat_id}") from None

    def messages(self, chat_id: int) -> list[JSONDict]:
        """The bot's messages in `chat_id` as they stand now, oldest first."""
        return [copy.deepcopy(m) for m in self._messages.get(chat_id, {}).values()]

    def last_message(self, chat_id: int) -> JSONDict:
        messages = self._messages.get(chat_id)
        if not messages:
            raise KeyError(f"the bot sent nothing to chat {chat_id}")
        return copy.deepcopy(messages[max(messages)])

    async def wait_for(
        self,
        predicate: Callable[[list[Call]], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the polling, as specified
    ) -> None:
        """Poll every 20 ms until `predicate(calls)` holds; AssertionError after `timeout` s."""
        deadline = time.monotonic() + timeout
        while not predicate(list(self.calls)):
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"condition not met within {timeout} s; calls so far:\n" + self.describe()
                )
            await asyncio.sleep(0.02)

    async def wait_for_sent(
        self,
        chat_id: int | None = None,
        count: int = 1,
        method: str = "sendMessage",
        timeout: float = 10.0,  # noqa: ASYNC109 - passed on to wait_for
    ) -> list[JSONDict]:
        """Wait until at least `count` successful `method` calls (to `chat_id`); return them."""
        await self.wait_for(lambda _: len(self.sent(chat_id, method)) >= count, timeout)
        return self.sent(chat_id, method)

    def describe(self) -> str:
        """The recorded calls, one a line (getUpdates polls summed up)."""
        lines: list[str] = []
        polls = 0
        for call in self.calls:
            if call.method == "getUpdates":
                polls += 1
                continue
            line = f"  {call.method}"
            if call.status != 200:
                line += f" [{call.status}]"
            if "chat_id" in call.params:
                line += f" chat={call.params['chat_id']}"
            for key in ("text", "caption", "data"):
                if key in call.params:
                    line += f" {key}={call.params[key]!r}"
            lines.append(line)
        if polls:
            lines.append(f"  (and {polls} getUpdates)")
        return "\n".join(lines) or "  (none)"

    # -- HTTP -------------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        arrived = time.monotonic()
        token = request.path_params["token"]
        method = request.path_params["method"]
        self.token = token
        self.tokens.add(token)
        try:
            params = await _decode_params(request)
        except ValueError as error:
            failure = ApiError(400, f"Bad Request: {error}")
            self.calls.append(Call(method, {}, arrived, 400))
            return JSONResponse(failure.payload(), status_code=400)
        delays = self._delays.get(method.lower())
        if delays:
            self.answering += 1
            try:
                await asyncio.sleep(delays.popleft())
            finally:
                self.answering -= 1
        try:
            result = await self._answer(method, params)
        except ApiError as failure:
            self.calls.append(Call(method, params, arrived, failure.status))
            return JSONResponse(failure.payload(), status_code=failure.status)
        self.calls.append(Call(method, params, arrived))
        return JSONResponse({"ok": True, "result": result})

    async def _download(self, request: Request) -> Response:
        file_id = str(request.path_params["file_path"]).rsplit("/", 1)[-1]
        content = self.files.get(file_id)
        if content is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(content, media_type="application/octet-stream")

    async def _answer(self, method: str, params: JSONDict) -> Any:
        name = method.lower()
        failures = self._failures.get(name)
        if failures:
            failure = failures.popleft()
            raise ApiError(failure.status, failure.description, failure.retry_after)
        chat_id = params.get("chat_id")
        if (
            isinstance(chat_id, int)
            and chat_id in self.blocked_chats
            and (name in _SEND_METHODS or name in _EDIT_METHODS or name == "sendchataction")
        ):
            raise ApiError(403, BLOCKED)
        if name in _SEND_METHODS and isinstance(chat_id, int):
            self._check_limits(chat_id)
        if name == "getupdates":
            return await self._get_updates(params)
        return self._handle(name, params)

    def _handle(self, name: str, params: JSONDict) -> Any:
        if name == "getme":
            return dict(GET_ME)
        if name in ("sendmessage", "sendphoto", "senddocument", "sendvoice"):
            return self._send(name, params)
        if name in _EDIT_METHODS:
            return self._edit(name, params)
        if name == "deletemessage":
            self._messages.get(_chat_id(params), {}).pop(_int(params, "message_id"), None)
            return True
        if name == "getchat":
            return self._full_chat(_chat_id(params))
        if name == "getfile":
            return self._file(str(params.get("file_id", "")))
        if name == "setwebhook":
            self.webhook_url = str(params.get("url", ""))
            return True
        if name == "deletewebhook":
            self.webhook_url = ""
            if params.get("drop_pending_updates"):
                self._updates.clear()
            return True
        if name == "getwebhookinfo":
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        if name == "setmycommands":
            self.commands[_commands_key(params)] = list(params.get("commands", []))
            return True
        if name == "deletemycommands":
            self.commands.pop(_commands_key(params), None)
            return True
        if name == "getmycommands":
            return self.commands.get(_commands_key(params), [])
        # answerCallbackQuery, sendChatAction, close, logOut and anything else.
        return True

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset = params.get("offset")
        if isinstance(offset, int):
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0 and not self._closing:
            self._update_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_arrived.wait(), min(timeout, 1.0))
        limit = int(params.get("limit") or 100)
        return copy.deepcopy(self._updates[:limit])

    # -- messages ---------------------------------------------------------------------------

    def _chat(self, chat_id: int) -> JSONDict:
        return _chat_object(chat_id, self.chat_titles.get(chat_id, DEFAULT_GROUP_TITLE))

    def _full_chat(self, chat_id: int) -> JSONDict:
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **self._chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {**dict.fromkeys(gifts, False), "gifts_from_channels": False},
        }

    def _send(self, name: str, params: JSONDict) -> JSONDict:
        chat_id = _chat_id(params)
        message_id = self._next_message_id.get(chat_id, 1)
        message: JSONDict = {
            "message_id": message_id,
            "from": dict(BOT_USER),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        if name == "sendmessage":
            text = params.get("text")
            if not isinstance(text, str) or not text:
                raise ApiError(400, "Bad Request: message text is empty")
            if _utf16_len(text) > 4096:
                raise ApiError(400, "Bad Request: message is too long")
            message["text"] = text
            if params.get("entities"):
                message["entities"] = params["entities"]
        else:
            kind = name.removeprefix("send")
            message.update(self._media(kind, params.get(kind), params))
            caption = params.get("caption")
            if isinstance(caption, str) and caption:
                if _utf16_len(caption) > 1024:
                    raise ApiError(400, "Bad Request: message caption is too long")
                message["caption"] = caption
                if params.get("caption_entities"):
                    message["caption_entities"] = params["caption_entities"]
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        replied = self._replied_to(chat_id, params)
        if replied is not None:
            message["reply_to_message"] = replied
        self._next_message_id[chat_id] = message_id + 1
        self._messages.setdefault(chat_id, {})[message_id] = message
        return copy.deepcopy(message)

    def _media(self, kind: str, value: Any, params: JSONDict) -> JSONDict:
        if isinstance(value, Upload):
            file_id = f"fake-{kind}-{next(self._file_ids)}"
            self.files[file_id] = value.content
            size = len(value.content)
            file_name, mime_type = value.filename, value.content_type
        elif isinstance(value, str) and value:
            file_id = value.removeprefix("attach://")
            size = len(self.files.get(file_id, b""))
            file_name, mime_type = "file", "application/octet-stream"
        else:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        unique = f"U{file_id}"[:32]
        if kind == "photo":
            return {
                "photo": [
                    {"file_id": f"{file_id}-s", "file_unique_id": f"{unique}s", "width": 90,
                     "height": 90, "file_size": max(size // 10, 1)},
                    {"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 800,
                     "file_size": size},
                ]
            }  # fmt: skip
        if kind == "voice":
            duration = params.get("duration")
            return {
                "voice": {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "duration": duration if isinstance(duration, int) else 1,
                    "mime_type": "audio/ogg",
                    "file_size": size,
                }
            }
        return {
            kind: {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": size,
            }
        }

    def _replied_to(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        target = reply.get("message_id") if isinstance(reply, dict) else None
        if target is None:
            target = params.get("reply_to_message_id")
        stored = self._messages.get(chat_id, {}).get(target) if isinstance(target, int) else None
        if stored is None:
            return None
        replied = copy.deepcopy(stored)
        replied.pop("reply_to_message", None)
        return replied

    def _edit(self, name: str, params: JSONDict) -> JSONDict | bool:
        if "inline_message_id" in params:
            return True
        chat_id = _chat_id(params)
        stored = self._messages.get(chat_id, {}).get(_int(params, "message_id"))
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        edited = copy.deepcopy(stored)
        if name == "editmessagetext":
            if "text" not in stored:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            text = params.get("text")
            if not isinstance(text, str) or not text:
                raise ApiError(400, "Bad Request: message text is empty")
            if _utf16_len(text) > 4096:
                raise ApiError(400, "Bad Request: message is too long")
            edited["text"] = text
            _set_or_drop(edited, "entities", params.get("entities"))
        elif name == "editmessagecaption":
            _set_or_drop(edited, "caption", params.get("caption"))
            _set_or_drop(edited, "caption_entities", params.get("caption_entities"))
        # As on Telegram, an edit without reply_markup removes the inline keyboard.
        _set_or_drop(edited, "reply_markup", _inline_markup(params.get("reply_markup")))
        if name != "editmessagemedia" and _content(edited) == _content(stored):
            raise ApiError(400, NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        self._messages[chat_id][edited["message_id"]] = edited
        return copy.deepcopy(edited)

    def _file(self, file_id: str) -> JSONDict:
        if not file_id:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}"[:32],
            "file_size": len(self.files.get(file_id, b"")),
            "file_path": f"files/{file_id}",
        }

    # -- limits -----------------------------------------------------------------------------

    def _check_limits(self, chat_id: int) -> None:
        limits = self._limits
        if limits is None:
            return
        now = time.monotonic()
        private = chat_id > 0
        window = 1.0 if private else 60.0
        allowed = limits.private_per_second if private else limits.group_per_minute
        chat_log = limits.per_chat.setdefault(chat_id, deque())
        waits: list[float] = []
        for log, span, most in ((limits.overall, 1.0, limits.overall_per_second),
                                (chat_log, window, allowed)):  # fmt: skip
            while log and log[0] <= now - span:
                log.popleft()
            if len(log) >= most:
                waits.append(log[len(log) - most] + span - now)
        if waits:
            self.rejected_429 += 1
            retry_after = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        limits.overall.append(now)
        chat_log.append(now)


# -- request decoding -----------------------------------------------------------------------


async def _decode_params(request: Request) -> JSONDict:
    params: JSONDict = {
        key: _decode_form_value(key, value) for key, value in request.query_params.items()
    }
    body = await request.body()
    if not body:
        return params
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("the JSON body is not an object")
        params.update(_normalize_json(decoded))
    elif media_type == "multipart/form-data":
        params.update(_parse_multipart(body, _boundary(content_type)))
    else:
        text = body.decode("utf-8")
        params.update(
            (key, _decode_form_value(key, value))
            for key, value in parse_qsl(text, keep_blank_values=True)
        )
    return params


def _decode_form_value(key: str, value: str) -> Any:
    """A form field back to its value: PTB JSON-encodes every parameter that is not a string."""
    if key in _STRING_KEYS:
        return value
    if key in _JSON_KEYS or value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    if _INT_RE.match(value):
        return int(value)
    if _FLOAT_RE.match(value):
        return float(value)
    return value


def _normalize_json(params: JSONDict) -> JSONDict:
    normalized: JSONDict = {}
    for key, value in params.items():
        if isinstance(value, str) and key in _JSON_KEYS:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        elif isinstance(value, str) and key in _ID_KEYS and _INT_RE.match(value):
            value = int(value)
        normalized[key] = value
    return normalized


def _boundary(content_type: str) -> bytes:
    for section in content_type.split(";")[1:]:
        name, _, value = section.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip('"').encode("latin-1")
    raise ValueError("multipart body without a boundary")


def _parse_multipart(body: bytes, boundary: bytes) -> JSONDict:
    params: JSONDict = {}
    for chunk in (b"\r\n" + body).split(b"\r\n--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        raw_headers, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
            header, _, value = line.partition(":")
            headers[header.strip().lower()] = value.strip()
        disposition = {
            key.lower(): _unescape_form_param(value)
            for key, value in _DISPOSITION_PARAM.findall(headers.get("content-disposition", ""))
        }
        name = disposition.get("name", "")
        if "filename" in disposition:
            params[name] = Upload(
                filename=disposition["filename"],
                content_type=headers.get("content-type", "application/octet-stream"),
                content=content,
            )
        else:
            params[name] = _decode_form_value(name, content.decode("utf-8"))
    return params


def _unescape_form_param(value: str) -> str:
    value = _FORM_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
    return value.replace("\\\\", "\\")


# -- helpers --------------------------------------------------------------------------------


def _chat_object(chat_id: int, title: str = DEFAULT_GROUP_TITLE) -> JSONDict:
    if chat_id > 0:
        return {"id": chat_id, "type": "private"}
    return {"id": chat_id, "title": title, "type": "supergroup"}


def _chat_id(params: JSONDict) -> int:
    chat_id = params.get("chat_id")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int):
        raise ApiError(400, "Bad Request: chat not found")
    return chat_id


def _int(params: JSONDict, key: str) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"Bad Request: {key} is required")
    return value


def _inline_markup(markup: Any) -> JSONDict | None:
    """The markup Telegram echoes in the Message: only inline keyboards (validated)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _set_or_drop(message: JSONDict, key: str, value: Any) -> None:
    if value:
        message[key] = value
    else:
        message.pop(key, None)


def _content(message: JSONDict) -> tuple[Any, ...]:
    keys = ("text", "entities", "caption", "caption_entities", "reply_markup")
    return tuple(message.get(key) for key in keys)


def _commands_key(params: JSONDict) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code", "")], sort_keys=True)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# -- incoming updates, as Telegram sends them -----------------------------------------------

_ids = itertools.count(100_001)


def next_id() -> int:
    """A fresh id for builder messages (well above the fake's per-chat bot message ids)."""
    return next(_ids)


def _now() -> int:
    return int(time.time())


def _user(user_id: int, first_name: str, language_code: str | None = None) -> JSONDict:
    user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def _command_entities(text: str) -> list[JSONDict]:
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"offset": 0, "length": _utf16_len(match.group(0)), "type": "bot_command"}]


def _private_message(
    user_id: int, first_name: str, message_id: int | None, language_code: str | None
) -> JSONDict:
    return {
        "message_id": message_id if message_id is not None else next_id(),
        "from": _user(user_id, first_name, language_code),
        "chat": {"id": user_id, "first_name": first_name, "type": "private"},
        "date": _now(),
    }


def private_text(
    user_id: int,
    text: str,
    first_name: str = "Ramesh",
    message_id: int | None = None,
    *,
    language_code: str | None = None,
) -> JSONDict:
    """An update (without update_id) with a text message in the user's private chat."""
    message = _private_message(user_id, first_name, message_id, language_code)
    message["text"] = text
    entities = _command_entities(text)
    if entities:
        message["entities"] = entities
    return {"message": message}


def private_photo(
    user_id: int,
    file_id: str,
    caption: str = "",
    first_name: str = "Ramesh",
    *,
    language_code: str | None = None,
) -> JSONDict:
    """A photo in the private chat; `file_id` is the largest size (the last one, as Telegram)."""
    message = _private_message(user_id, first_name, None, language_code)
    message["photo"] = [
        {"file_id": f"{file_id}-s", "file_unique_id": f"U{file_id}s"[:32], "file_size": 1_234,
         "width": 90, "height": 68},
        {"file_id": f"{file_id}-m", "file_unique_id": f"U{file_id}m"[:32], "file_size": 20_345,
         "width": 320, "height": 240},
        {"file_id": file_id, "file_unique_id": f"U{file_id}"[:32], "file_size": 123_456,
         "width": 1280, "height": 960},
    ]  # fmt: skip
    if caption:
        message["caption"] = caption
    return {"message": message}


def private_document(
    user_id: int,
    file_id: str,
    file_name: str,
    mime_type: str,
    caption: str = "",
    first_name: str = "Ramesh",
    *,
    file_size: int = 45_678,
    language_code: str | None = None,
) -> JSONDict:
    """A document in the private chat."""
    message = _private_message(user_id, first_name, None, language_code)
    message["document"] = {
        "file_name": file_name,
        "mime_type": mime_type,
        "file_id": file_id,
        "file_unique_id": f"U{file_id}"[:32],
        "file_size": file_size,
    }
    if caption:
        message["caption"] = caption
    return {"message": message}


def private_voice(
    user_id: int,
    file_id: str,
    duration: int = 5,
    first_name: str = "Ramesh",
    *,
    language_code: str | None = None,
) -> JSONDict:
    """A voice note in the private chat."""
    message = _private_message(user_id, first_name, None, language_code)
    message["voice"] = {
        "duration": duration,
        "mime_type": "audio/ogg",
        "file_id": file_id,
        "file_unique_id": f"U{file_id}"[:32],
        "file_size": 2_000 * duration,
    }
    return {"message": message}


def callback(
    user_id: int,
    chat_id: int,
    message: JSONDict,
    data: str,
    first_name: str = "Ramesh",
    *,
    language_code: str | None = None,
) -> JSONDict:
    """A button press on `message` (a Message dict as the fake returned or stores it)."""
    pressed = copy.deepcopy(message)
    pressed.setdefault("chat", _chat_object(chat_id))
    pressed.setdefault("date", _now())
    if "message_id" not in pressed:
        raise ValueError("callback() needs a Message dict with a message_id")
    return {
        "callback_query": {
            "id": str(8_000_000_000_000_000_000 + next_id()),
            "from": _user(user_id, first_name, language_code),
            "message": pressed,
            "chat_instance": str(-(abs(chat_id) * 7_919 + 1_234_567) % 10**19),
            "data": data,
        }
    }


def group_text(
    chat_id: int,
    user_id: int,
    text: str,
    first_name: str = "Anita",
    reply_to: JSONDict | None = None,
    *,
    title: str = DEFAULT_GROUP_TITLE,
    language_code: str | None = None,
) -> JSONDict:
    """A text message in a supergroup (`chat_id` should be negative, e.g. -100…)."""
    message: JSONDict = {
        "message_id": next_id(),
        "from": _user(user_id, first_name, language_code),
        "chat": {"id": chat_id, "title": title, "type": "supergroup"},
        "date": _now(),
        "text": text,
    }
    entities = _command_entities(text)
    if entities:
        message["entities"] = entities
    if reply_to is not None:
        replied = copy.deepcopy(reply_to)
        replied.pop("reply_to_message", None)  # Telegram does not nest replies further
        message["reply_to_message"] = replied
    return {"message": message}
