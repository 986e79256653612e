"""Jira Cloud for the mirror's tests: `prism mock` (npm @stoplight/prism-cli) on Atlassian's
own description of the REST API v3 (shared/specs/jira_platform_v3.json), behind a recording
pass-through.

Prism checks every request against Atlassian's contract (a call to a path the description
does not have, such as the classic `/rest/api/2/search`, is a 404; a body that does not fit,
a 422; no credentials, a 401) and answers with Atlassian's examples. It keeps no state, so
what a test needs JIRA to hold (what a search finds, an issue's workflow) is scripted on the
pass-through: a request is still checked by prism, and when prism accepts it the scripted
answer replaces the example. Everything the helpdesk sent is kept in `requests`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.settings import ROOT
from tests.servers import serving

SPECS = ROOT.parent / "shared" / "specs"
if not (SPECS / "jira_platform_v3.json").is_file():
    SPECS = Path("/work/shared/specs")

# The calls the mirror makes (and check-config may make): the description is cut to them,
# so that prism starts in seconds rather than reading all of Jira's 10 MB.
MIRROR_PATHS = (
    "/rest/api/3/issue",
    "/rest/api/3/issue/{issueIdOrKey}",
    "/rest/api/3/issue/{issueIdOrKey}/comment",
    "/rest/api/3/issue/{issueIdOrKey}/transitions",
    "/rest/api/3/search/jql",
    "/rest/api/3/myself",
)


def _parsed_examples(node: Any) -> Any:
    """Atlassian's description gives most response examples as JSON text; prism would send
    that text as a JSON string. Parsed, they are the objects Jira Cloud answers."""
    if isinstance(node, dict):
        parsed = {key: _parsed_examples(value) for key, value in node.items()}
        example = node.get("example")
        if isinstance(example, str) and example[:1] in "{[":
            with contextlib.suppress(ValueError):
                parsed["example"] = json.loads(example)
        return parsed
    if isinstance(node, list):
        return [_parsed_examples(item) for item in node]
    return node


def jira_spec_for_prism(source: Path, folder: Path) -> Path:
    spec = json.loads(source.read_text(encoding="utf-8"))
    derived = copy.copy(spec)
    derived["paths"] = {path: _parsed_examples(spec["paths"][path]) for path in MIRROR_PATHS}
    path = folder / "jira_platform_v3.prism.json"
    path.write_text(json.dumps(derived), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Sent:
    """One request the helpdesk made, and the status it was answered."""

    method: str
    path: str
    query: str
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    checked: bool = True  # by prism first: a request it refuses gets prism's answer
    delay: float = 0.0  # seconds between taking the request and answering it


@dataclass
class JiraCloud:
    """The recording pass-through in front of prism, with what the test scripts JIRA to hold."""

    prism: str
    url: str = ""
    requests: list[Sent] = field(default_factory=list)
    scripts: list[tuple[str, re.Pattern[str], list[Scripted]]] = field(default_factory=list)
    down: bool = False  # answer every call 503, as Atlassian's edge does in an outage

    def answer(self, method: str, path: str, *answers: Scripted) -> None:
        """Answer `method` on paths matching the regular expression `path` with `answers` in
        turn (the last one for good). A later script for the same call replaces it."""
        self.scripts = [s for s in self.scripts if (s[0], s[1].pattern) != (method, path)]
        self.scripts.append((method, re.compile(path), list(answers)))

    def found(self, *pages: list[dict[str, Any]]) -> None:
        """What `search/jql` finds from now on: these pages, chained by nextPageToken."""
        answers = [
            Scripted(200, {"issues": page, "isLast": True})
            if number == len(pages)
            else Scripted(
                200, {"issues": page, "isLast": False, "nextPageToken": f"page-{number + 1}"}
            )
            for number, page in enumerate(pages, 1)
        ]
        self.answer("POST", r"^/rest/api/3/search/jql$", *answers)

    def sent(self, method: str, path: str) -> list[Sent]:
        """The requests made with `method` to paths matching the regular expression `path`."""
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method and pattern.search(r.path)]

    def _script(self, method: str, path: str) -> Scripted | None:
        for wanted, pattern, answers in self.scripts:
            if wanted == method and pattern.search(path):
                return answers.pop(0) if len(answers) > 1 else answers[0]
        return None

    async def _handle(self, request: Request, client: httpx.AsyncClient) -> Response:
        body = await request.body()
        method, path, query = request.method, request.url.path, request.url.query
        script = None if self.down else self._script(method, path)
        if self.down:
            response: Response = PlainTextResponse("Service Unavailable", 503)
        elif script is not None and not script.checked:
            response = JSONResponse(script.body, script.status, headers=script.headers)
        else:
            headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED}
            url = f"{self.prism}{path}" + (f"?{query}" if query else "")
            answer = await client.request(method, url, headers=headers, content=body)
            if script is not None and answer.is_success:
                response = JSONResponse(script.body, script.status, headers=script.headers)
            else:
                kept = {"content-type": answer.headers.get("content-type", "application/json")}
                response = Response(answer.content, answer.status_code, headers=kept)
        self.requests.append(Sent(method, path, query, body, response.status_code))
        if script is not None and script.delay:
            await asyncio.sleep(script.delay)
        return response

    def app(self) -> Starlette:
        client = httpx.AsyncClient(trust_env=False, timeout=30)

        async def endpoint(request: Request) -> Response:
            return await self._handle(request, client)

        @contextlib.asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            yield
            await client.aclose()

        methods = ["GET", "POST", "PUT", "DELETE"]
        routes = [Route("/{path:path}", endpoint, methods=methods)]
        return Starlette(routes=routes, lifespan=lifespan)


FORWARDED = {"authorization", "content-type", "accept"}


def prism_binary() -> Path:
    return ROOT / "tests" / "emulators" / "node_modules" / ".bin" / "prism"


@contextlib.contextmanager
def prism_mock(spec: Path, log: Path) -> Iterator[str]:
    """`prism mock` on `spec` in its own process until the block ends; yields its URL."""
    if not prism_binary().exists():
        pytest.skip("prism is not installed: run scripts/ensure-emulators.sh")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(prism_binary()), "mock", "--host", "127.0.0.1", "--port", str(port), str(spec)],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"prism exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                httpx.get(url + "/rest/api/3/myself", trust_env=False, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("prism did not start in 90 s") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def jira_prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("jira-prism")
    spec = jira_spec_for_prism(SPECS / "jira_platform_v3.json", folder)
    with prism_mock(spec, folder / "prism.log") as url:
        yield url


@pytest.fixture
async def jira_cloud(jira_prism: str) -> AsyncIterator[JiraCloud]:
    cloud = JiraCloud(jira_prism)
    async with serving(cloud.app()) as url:
        cloud.url = url
        yield cloud
