"""Jira Cloud for the mirror's tests: prism on Atlassian's description of the REST API v3
(`emulators.jira_spec_for_prism`) behind the recording pass-through, with what JIRA holds.

Prism checks every request against Atlassian's contract (a path the description lacks, such
as the removed `/rest/api/2/search`, is a 404; a body that does not fit, a 422) and answers
with Atlassian's examples; it keeps no state. So what a test needs JIRA to hold (what a search
finds, a refusal, a slow answer) is scripted here: the request still goes to prism first, and
when prism accepts it the scripted answer replaces the example (`checked=False`: not sent to
prism at all, for what the description does not cover, as Data Center's v2).
"""

from __future__ import annotations

import asyncio
import contextvars
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.blackbox.recorder import Call, Recorded, Recorder

SEARCH = r"^/rest/api/3/search/jql$"


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    checked: bool = True  # by prism first: a request it refuses gets prism's answer
    delay: float = 0.0  # seconds before the answer (the request has reached JIRA)


@dataclass
class JiraCloud(Recorder):
    scripts: list[tuple[str, re.Pattern[str], list[Scripted]]] = field(default_factory=list)

    def answer(self, method: str, path: str, *answers: Scripted) -> None:
        """Answer `method` on paths matching the regular expression `path` with `answers` in
        turn (the last one for good). It replaces an earlier script for the same call."""
        self.scripts = [s for s in self.scripts if (s[0], s[1].pattern) != (method, path)]
        self.scripts.append((method, re.compile(path), list(answers)))

    def found(self, *pages: list[dict[str, Any]]) -> None:
        """What `search/jql` finds from now on: these pages, chained by nextPageToken."""
        answers = []
        for number, page in enumerate(pages, 1):
            more = {"nextPageToken": f"page-{number + 1}"} if number < len(pages) else {}
            answers.append(Scripted(200, {"issues": page, "isLast": not more, **more}))
        self.answer("POST", SEARCH, *answers)

    def sent(self, method: str, path: str) -> list[Recorded]:
        """The requests made with `method` to paths matching the regular expression `path`."""
        pattern = re.compile(path)
        return self.calls(lambda r: r.method == method and bool(pattern.search(r.path)))

    def _script(self, method: str, path: str) -> Scripted | None:
        with self._lock:
            for wanted, pattern, answers in self.scripts:
                if wanted == method and pattern.search(path):
                    return answers.pop(0) if len(answers) > 1 else answers[0]
        return None

    async def _forward(self, call: Call, client: httpx.AsyncClient) -> Response:
        script = self._script(call.method, call.path)
        if script is None:
            return await super()._forward(call, client)
        response: Response = JSONResponse(script.body, script.status, headers=script.headers)
        if script.checked:
            checked = await super()._forward(call, client)
            if not 200 <= checked.status_code < 300:
                response = checked
        _delay.set(script.delay)
        return response

    async def _handle(self, request: Request, client: httpx.AsyncClient) -> Response:
        # Recorded when JIRA has taken it; answered after the script's delay.
        _delay.set(0.0)
        response = await super()._handle(request, client)
        await asyncio.sleep(_delay.get())
        return response


_delay: contextvars.ContextVar[float] = contextvars.ContextVar("delay", default=0.0)
