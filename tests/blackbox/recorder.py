"""A recording pass-through in front of an emulator: every request is kept (method, path,
query, headers, body) for a test to read, then forwarded. It can be switched to fail (503,
as a provider in an outage answers) and back.

Prism answers from examples and records nothing, so this is where a test sees what the
helpdesk sent. In front of telegram-test-api it also adds, small and as Telegram documents
them, what that emulator lacks for a real bot: `getUpdates` long polling (`timeout`),
`setMyCommands`, and message `date`s in seconds (it gives milliseconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.blackbox.emulators import free_port

# Telegram's methods that send a file, and the Message field that carries it: telegram-test-api
# has none of them (answered here as the Bot API documents, for a file ID already on Telegram).
FILE_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
}
HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding", "host"}
LONG_POLL_STEP = 0.1


@dataclass(frozen=True)
class Call:
    """One request to the provider."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body)

    def fields(self) -> dict[str, Any]:
        """The call's parameters, however they were sent (form, JSON or query)."""
        kind = self.headers.get("content-type", "")
        if "json" in kind:
            data = self.json()
            return data if isinstance(data, dict) else {}
        source = self.body.decode() if self.body else self.query
        return {key: values[-1] for key, values in parse_qs(source).items()}


@dataclass(frozen=True)
class Recorded(Call):
    at: float = 0.0  # time.time() when it arrived (before it was answered)
    status: int = 0  # what the helpdesk was answered
    answer: bytes = b""  # and the body of the answer

    def answer_json(self) -> Any:
        return json.loads(self.answer)


@dataclass
class Recorder:
    upstream: str
    telegram: bool = False
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    failing: bool = False
    hanging: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Answers to give instead of forwarding, by the end of the path (`fail_next`).
    _failures: dict[str, list[int]] = field(default_factory=dict)
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(900_000))

    def fail(self, failing: bool = True) -> None:
        """From now on answer 503 without forwarding (or forward again)."""
        self.failing = failing

    def hang(self, hanging: bool = True) -> None:
        """From now on hold each request unanswered (a provider that stopped answering);
        `hang(False)` answers those held 503, and forwards again."""
        self.hanging = hanging

    def fail_next(self, path_end: str, status: int = 500, times: int = 1) -> None:
        """The next `times` requests to a path ending in `path_end` are answered `status`
        (in the provider's error shape) instead of being forwarded."""
        with self._lock:
            self._failures.setdefault(path_end, []).extend([status] * times)

    def _failure(self, path: str) -> int | None:
        with self._lock:
            for path_end, statuses in self._failures.items():
                if path.endswith(path_end) and statuses:
                    return statuses.pop(0)
        return None

    def calls(self, predicate: Callable[[Recorded], bool] = lambda _: True) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if predicate(r)]

    def to(self, path_end: str, method: str = "POST", ok: bool = True) -> list[Recorded]:
        """The requests to a path ending in `path_end`; `ok`: only those that succeeded."""
        return self.calls(
            lambda r: (
                r.method == method
                and r.path.endswith(path_end)
                and (not ok or 200 <= r.status < 300)
            )
        )

    def texts_to(self, chat_id: int | str, method: str = "/sendMessage") -> list[str]:
        """Telegram: the texts the bot sent to a chat."""
        return [
            str(r.fields().get("text", ""))
            for r in self.to(method)
            if str(r.fields().get("chat_id")) == str(chat_id)
        ]

    def wait_for(
        self, predicate: Callable[[list[Recorded]], bool], timeout: float = 30.0
    ) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while True:
            seen = self.calls()
            if predicate(seen):
                return seen
            if time.monotonic() > deadline:
                summary = [(r.method, r.path, r.status, r.body[:300]) for r in seen[-20:]]
                raise AssertionError(f"not seen within {timeout} s; the last requests: {summary}")
            time.sleep(0.05)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    async def _handle(self, request: Request, client: httpx.AsyncClient) -> Response:
        arrived = time.time()
        held = self.hanging
        while self.hanging:  # noqa: ASYNC110 (set from the test's thread)
            await asyncio.sleep(0.05)
        headers = {key.lower(): value for key, value in request.headers.items()}
        call = Call(
            request.method, request.url.path, request.url.query, headers, await request.body()
        )
        failure = self._failure(call.path)
        if self.failing or held:  # a request's fate is decided when it arrives
            response: Response = JSONResponse(
                {"code": 20503, "message": "Service Unavailable", "status": 503}, 503
            )
        elif failure is not None:
            response = self._error(failure)
        elif self.telegram:
            response = await self._telegram(call, client)
        else:
            response = await self._forward(call, client)
        recorded = Recorded(
            **vars(call), at=arrived, status=response.status_code, answer=bytes(response.body)
        )
        with self._lock:
            self.requests.append(recorded)
        return response

    def _error(self, status: int) -> Response:
        if self.telegram:
            body = {"ok": False, "error_code": status, "description": "Internal Server Error"}
        else:
            body = {"code": 20500, "message": "Internal Server Error", "status": status}
        return JSONResponse(body, status)

    def _file_sent(self, name: str, call: Call) -> Response:
        """The Message a file send returns: the file (by its ID) in the field of its kind."""
        fields = call.fields()
        file_id = str(fields.get(FILE_METHODS[name], ""))
        chat_id = int(fields["chat_id"])
        described: Any = {"file_id": file_id, "file_unique_id": f"u{file_id}"[:32]}
        if name == "sendPhoto":
            described = [{**described, "width": 800, "height": 600}]
        elif name in ("sendVoice", "sendAudio", "sendVideo"):
            described["duration"] = 1
            if name == "sendVideo":
                described.update(width=640, height=480)
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"},
            "from": {"id": 666, "is_bot": True, "first_name": "Bot"},
            FILE_METHODS[name]: described,
        }
        if fields.get("caption"):
            message["caption"] = str(fields["caption"])
        return JSONResponse({"ok": True, "result": message})

    def _edited(self, call: Call) -> dict[str, Any]:
        """The Message an edit of a bot's own message returns."""
        fields = call.fields()
        chat_id = int(fields["chat_id"])
        edited: dict[str, Any] = {
            "message_id": int(fields["message_id"]),
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"},
            "from": {"id": 666, "is_bot": True, "first_name": "Bot"},
        }
        if "text" in fields:
            edited["text"] = str(fields["text"])
        return edited

    async def _forward(self, call: Call, client: httpx.AsyncClient) -> Response:
        url = self.upstream + call.path + (f"?{call.query}" if call.query else "")
        sent = {k: v for k, v in call.headers.items() if k not in HOP_BY_HOP}
        answer = await client.request(call.method, url, headers=sent, content=call.body)
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        return Response(answer.content, answer.status_code, headers=kept)

    async def _telegram(self, call: Call, client: httpx.AsyncClient) -> Response:
        name = call.path.rsplit("/", 1)[-1]
        if name in ("setMyCommands", "deleteMyCommands", "setChatMenuButton"):
            return JSONResponse({"ok": True, "result": True})
        if name == "getUpdates":
            return await self._long_poll(call, client)
        if name in FILE_METHODS:
            return self._file_sent(name, call)
        response = await self._forward(call, client)
        if response.status_code != 200:
            return response
        data = json.loads(bytes(response.body))
        result = data.get("result")
        if name in ("editMessageText", "editMessageReplyMarkup") and result is None:
            # Telegram answers an edit with the edited Message (True for an inline message's);
            # telegram-test-api answers null, which PTB cannot read.
            data["result"] = self._edited(call)
        elif name == "getMe" and isinstance(result, dict):
            result.setdefault("is_bot", True)  # a required field of User
        elif isinstance(result, dict) and isinstance(result.get("date"), int):
            if result["date"] > 10**11:  # milliseconds: Telegram gives Unix seconds
                result["date"] //= 1000
            result.setdefault("from", {"id": 666, "is_bot": True, "first_name": "Bot"})
        return JSONResponse(data)

    async def _long_poll(self, call: Call, client: httpx.AsyncClient) -> Response:
        deadline = time.monotonic() + float(call.fields().get("timeout") or 0)
        while True:
            response = await self._forward(call, client)
            data = json.loads(bytes(response.body)) if response.status_code == 200 else None
            if data is None or data.get("result") or time.monotonic() >= deadline:
                return response
            await asyncio.sleep(LONG_POLL_STEP)

    def app(self) -> Starlette:
        state: dict[str, httpx.AsyncClient] = {}

        @contextlib.asynccontextmanager
        async def lifespan(_app: Starlette) -> Any:
            async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
                state["client"] = client
                yield

        async def endpoint(request: Request) -> Response:
            return await self._handle(request, state["client"])

        methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
        return Starlette(
            routes=[Route("/{path:path}", endpoint, methods=methods)], lifespan=lifespan
        )


class _Quiet(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.contextmanager
def recording(
    upstream: str, telegram: bool = False, kind: type[Recorder] = Recorder
) -> Iterator[Recorder]:
    """A recorder (of `kind`) in front of `upstream`, served on a free loopback port in a
    thread."""
    recorder = kind(upstream.rstrip("/"), telegram=telegram)
    port = free_port()
    config = uvicorn.Config(
        recorder.app(), host="127.0.0.1", port=port, log_config=None, access_log=False
    )
    server = _Quiet(config)
    thread = threading.Thread(target=server.run, name=f"recorder:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the recorder did not start")
        time.sleep(0.01)
    recorder.url = f"http://127.0.0.1:{port}"
    try:
        yield recorder
    finally:
        server.should_exit = True
        thread.join(timeout=10)
