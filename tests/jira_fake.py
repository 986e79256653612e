"""A local fake of JIRA Cloud's REST API v2 (issues, comments, JQL search), for the helpdesk's
JIRA escalation tests, plus builders of the webhooks JIRA Cloud posts when staff act on an issue.

`FakeJira` serves the API on 127.0.0.1 from inside the test's event loop (`tests.servers`),
records every request in `requests` and answers in JIRA's shapes: 201 `{"id", "key", "self"}`
for a create, 400 `{"errorMessages": [...], "errors": {field: message}}` for an invalid one,
404 for an unknown issue, timestamps like `2026-11-27T11:00:00.000+0530`. Nothing leaves the
loopback.

    async with FakeJira(projects=("EGOV",)) as jira:
        async with httpx.AsyncClient(base_url=jira.base_url, auth=jira.auth) as http:
            answer = await http.post("/rest/api/2/issue", json={"fields": {...}})
        assert answer.json()["key"] == "EGOV-1"
        payload = jira.transition("EGOV-1", "Done")   # POST it to the helpdesk's webhook

Endpoints (JSON in and out; a POST that is not `application/json` is answered 415):

- `POST /rest/api/2/issue` — fields `project` ({key} or {id}), `summary`, `description`,
  `issuetype` ({name} or {id}), `priority` ({name} or {id}), `labels`; any other field is
  refused as JIRA refuses a field that is not on the create screen. Issue keys count per
  project (EGOV-1, EGOV-2, ...), issue ids across the site (10001, 10002, ...).
- `GET /rest/api/2/issue/{idOrKey}?fields=...` — `*all` by default.
- `POST /rest/api/2/issue/{idOrKey}/comment` — `{"body", "visibility"?}`; bumps `updated`.
- `GET|POST /rest/api/2/search` — the classic search: `startAt`, `maxResults`, `total`; fields
  `*navigable` (everything but `comment`) by default.
- `GET|POST /rest/api/2/search/jql` — the enhanced search that replaces it on JIRA Cloud:
  `nextPageToken`/`isLast`, no `total`, only issue ids unless `fields` are asked for, and an
  unbounded (empty) JQL is refused.
- `GET /rest/api/2/myself` — the API user.

Authentication: HTTP basic `email:api_token`, or `Authorization: Bearer <bearer_token>` when a
bearer token is configured; anything else is answered 401 with JIRA Cloud's plain-text body.

JQL: clauses on `project`, `labels`, `status`, `issuetype`/`type`, `priority`,
`key`/`issuekey`/`id`, `created`, `updated` (`=`, `!=`, `>`, `>=`, `<`, `<=`, `IN`, `NOT IN`,
`IS [NOT] EMPTY` as the field allows) and `summary`/`description`/`text` (`~`, `!~`, a
case-insensitive substring), joined by `AND`/`OR`/`NOT` and parentheses, then an optional
`ORDER BY field [ASC|DESC], ...`. Values may be quoted or not (`labels = helpdesk-MK-1001`).
Dates are relative (`"-15m"`, `"-1d 2h"`; units w, d, h, m) to the fake's clock or absolute
(`"2026/11/27 11:00"`, `"2026-11-27"`) in its time zone. An unknown project, status or issue
key, an unknown field or an unsupported operator is a 400 as JIRA answers it.

Test controls: `issues` (key → the stored issue, its comments under `fields.comment.comments`),
`transition` and `add_comment` (change an issue as staff do in JIRA's UI and return the webhook
payload JIRA Cloud sends for it), `down`, `fail_next`, `delay_next_create`; inspection with
`created`, `comments`, `rejected` and `requests`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import functools
import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.servers import serving

JSONDict = dict[str, Any]

#: Defaults for the fake's site and API user.
EMAIL = "helpdesk-bot@mukta.example.org"
API_TOKEN = "test-jira-api-token"
API_USER = "MUKTA Helpdesk"
STAFF = "Kiran Rao"
IST = timezone(timedelta(hours=5, minutes=30))

ISSUE_TYPES = ("Task", "Bug", "Story")
PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
DEFAULT_PRIORITY = "Medium"
INITIAL_STATUS = "To Do"
#: Status name → status category key (`new`, `indeterminate`, `done`), as JIRA's default
#: workflows have them; `transition` adds unknown names as `indeterminate`.
STATUSES = {
    "To Do": "new",
    "Open": "new",
    "In Progress": "indeterminate",
    "In Review": "indeterminate",
    "Done": "done",
    "Resolved": "done",
    "Closed": "done",
}
_CATEGORIES = {
    "new": (2, "To Do"),
    "indeterminate": (4, "In Progress"),
    "done": (3, "Done"),
}

#: Fields a create may set (the default create screen of a company-managed project).
SETTABLE_FIELDS = frozenset(
    {"project", "summary", "description", "issuetype", "priority", "labels"}
)
MAX_SUMMARY = 255
MAX_LABEL = 255

NOT_FOUND = "Issue does not exist or you do not have permission to see it."
UNAUTHENTICATED = "Client must be authenticated to access this resource."
_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


def error_body(messages: Iterable[str] = (), errors: dict[str, str] | None = None) -> JSONDict:
    """JIRA's error JSON: general messages and messages by field."""
    return {"errorMessages": list(messages), "errors": dict(errors or {})}


def jira_time(moment: datetime, tz: tzinfo = IST) -> str:
    """A timestamp as JIRA writes them: `2026-11-27T11:00:00.000+0530`."""
    local = moment.astimezone(tz)
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}"
        + (local.strftime("%z"))
    )


def parse_jira_time(value: str) -> datetime:
    """The inverse of `jira_time` (an aware datetime)."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


class JiraError(Exception):
    """A request the fake refuses: answered `status` with JIRA's error JSON."""

    def __init__(
        self,
        status: int,
        messages: Iterable[str] = (),
        errors: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.messages = list(messages)
        self.errors = dict(errors or {})
        super().__init__(f"{status}: {self.messages} {self.errors}")

    def response(self) -> Response:
        return JSONResponse(error_body(self.messages, self.errors), self.status)


# -- JQL ------------------------------------------------------------------------------------


class JqlError(JiraError):
    """A JQL query JIRA would refuse (400)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, [message])


Predicate = Callable[[JSONDict], bool]
Handler = Callable[[Request], Awaitable[Response]]

_JQL_TOKEN = re.compile(
    r"""\s*(?:
        "(?P<dq>(?:[^"\\]|\\.)*)"
      | '(?P<sq>(?:[^'\\]|\\.)*)'
      | (?P<op>!=|>=|<=|!~|=|~|>|<|\(|\)|,)
      | (?P<word>[^\s"'=!<>~(),]+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY"})
_PERIOD = re.compile(r"^([+-]?)\s*((?:\d+\s*[wdhm]\s*)+)$")
_PERIOD_PART = re.compile(r"(\d+)\s*([wdhm])")
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}

_FIELD_ALIASES = {"type": "issuetype", "issuekey": "key", "issue": "key"}
_SET_FIELDS = ("project", "labels", "status", "issuetype", "priority", "key", "id")
_DATE_FIELDS = ("created", "updated")
_TEXT_FIELDS = ("summary", "description", "text")
_SORT_FIELDS = ("created", "updated", "key", "id", "summary", "status", "priority")


@dataclass(frozen=True)
class _Token:
    kind: str  # "str" (quoted), "op", "word"
    text: str

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


@dataclass(frozen=True)
class JqlQuery:
    """A parsed JQL query: a filter (None: every issue) and its ORDER BY (field, descending)."""

    where: Predicate | None
    order: list[tuple[str, bool]]


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _JQL_TOKEN.match(text, position)
        if match is None:
            raise JqlError(
                f"Error in the JQL Query: The character at position {position} "
                f"is a reserved JQL character."
            )
        if match.group("dq") is not None:
            tokens.append(_Token("str", re.sub(r"\\(.)", r"\1", match.group("dq"))))
        elif match.group("sq") is not None:
            tokens.append(_Token("str", re.sub(r"\\(.)", r"\1", match.group("sq"))))
        elif match.group("op") is not None:
            tokens.append(_Token("op", match.group("op")))
        else:
            tokens.append(_Token("word", match.group("word")))
        position = match.end()
    return tokens


class _JqlParser:
    """Recursive descent over JQL; the clauses close over the fake's state (`FakeJira`)."""

    def __init__(self, text: str, fake: FakeJira) -> None:
        self.tokens = _tokenize(text)
        self.position = 0
        self.fake = fake

    # -- tokens -----------------------------------------------------------------------------

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self, expecting: str) -> _Token:
        token = self._peek()
        if token is None:
            raise JqlError(f"Error in the JQL Query: Expecting {expecting} but got the end.")
        self.position += 1
        return token

    def _expect_op(self, op: str) -> None:
        token = self._next(f"'{op}'")
        if token.kind != "op" or token.text != op:
            raise JqlError(f"Error in the JQL Query: Expecting '{op}' but got '{token.text}'.")

    # -- grammar ----------------------------------------------------------------------------

    def parse(self) -> JqlQuery:
        where: Predicate | None = None
        token = self._peek()
        if token is not None and not token.keyword("ORDER"):
            where = self._or()
        order: list[tuple[str, bool]] = []
        token = self._peek()
        if token is not None and token.keyword("ORDER"):
            self.position += 1
            if not self._next("'by'").keyword("BY"):
                raise JqlError("Error in the JQL Query: Expecting 'by' after 'order'.")
            order = self._order()
        token = self._peek()
        if token is not None:
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{token.text}'."
            )
        return JqlQuery(where, order)

    def _or(self) -> Predicate:
        parts = [self._and()]
        while (token := self._peek()) is not None and token.keyword("OR"):
            self.position += 1
            parts.append(self._and())
        if len(parts) == 1:
            return parts[0]
        return lambda issue: any(part(issue) for part in parts)

    def _and(self) -> Predicate:
        parts = [self._not()]
        while (token := self._peek()) is not None and token.keyword("AND"):
            self.position += 1
            parts.append(self._not())
        if len(parts) == 1:
            return parts[0]
        return lambda issue: all(part(issue) for part in parts)

    def _not(self) -> Predicate:
        token = self._next("a field name")
        if token.keyword("NOT"):
            inner = self._not()
            return lambda issue: not inner(issue)
        if token.kind == "op" and token.text == "(":
            inner = self._or()
            self._expect_op(")")
            return inner
        if token.kind == "op" or token.keyword(*_KEYWORDS):
            raise JqlError(
                f"Error in the JQL Query: Expecting a field name but got '{token.text}'."
            )
        return self._clause(token.text)

    def _value(self) -> str:
        token = self._next("a value")
        if token.kind == "op" or (token.kind == "word" and token.text.upper() in _KEYWORDS):
            raise JqlError(f"Error in the JQL Query: Expecting a value but got '{token.text}'.")
        return token.text

    def _values(self) -> list[str]:
        self._expect_op("(")
        values = [self._value()]
        while (token := self._peek()) is not None and token.kind == "op" and token.text == ",":
            self.position += 1
            values.append(self._value())
        self._expect_op(")")
        return values

    def _operator(self) -> str:
        token = self._next("an operator")
        if token.kind == "op" and token.text not in ("(", ")", ","):
            return token.text
        if token.keyword("IN"):
            return "in"
        if token.keyword("NOT"):
            if not self._next("'in'").keyword("IN"):
                raise JqlError("Error in the JQL Query: Expecting 'in' after 'not'.")
            return "not in"
        if token.keyword("IS"):
            following = self._next("'empty'")
            negated = following.keyword("NOT")
            if negated:
                following = self._next("'empty'")
            if not following.keyword("EMPTY", "NULL"):
                raise JqlError(
                    f"Error in the JQL Query: Expecting 'EMPTY' but got '{following.text}'."
                )
            return "is not empty" if negated else "is empty"
        raise JqlError(f"Error in the JQL Query: Expecting an operator but got '{token.text}'.")

    def _clause(self, name: str) -> Predicate:
        field = _FIELD_ALIASES.get(name.lower(), name.lower())
        if field not in (*_SET_FIELDS, *_DATE_FIELDS, *_TEXT_FIELDS):
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        operator = self._operator()

        def unsupported() -> JqlError:
            return JqlError(f"The operator '{operator}' is not supported by the '{name}' field.")

        if operator in ("is empty", "is not empty"):
            if field not in ("labels", "description", "priority"):
                raise unsupported()
            want_empty = operator == "is empty"
            return lambda issue: (not self.fake._values(issue, field)) == want_empty
        if field in _TEXT_FIELDS:
            if operator not in ("~", "!~"):
                raise unsupported()
            needle = self._value().lower().strip("*")
            contains = operator == "~"
            return lambda issue: (needle in self.fake._text(issue, field)) == contains
        if field in _DATE_FIELDS:
            if operator not in ("=", "!=", ">", ">=", "<", "<="):
                raise unsupported()
            raw = self._value()
            moment = self.fake._jql_date(raw, name)
            return _date_predicate(field, operator, moment)
        if operator in ("in", "not in"):
            values = self._values()
        elif operator in ("=", "!="):
            values = [self._value()]
        else:
            raise unsupported()
        wanted = {self.fake._jql_set_value(field, value, name) for value in values}
        included = operator in ("=", "in")
        return lambda issue: bool(wanted & set(self.fake._values(issue, field))) == included

    def _order(self) -> list[tuple[str, bool]]:
        order: list[tuple[str, bool]] = []
        while True:
            token = self._next("a field name")
            field = _FIELD_ALIASES.get(token.text.lower(), token.text.lower())
            if token.kind == "op" or field not in _SORT_FIELDS:
                raise JqlError(f"Not able to sort using field '{token.text}'.")
            descending = False
            following = self._peek()
            if following is not None and following.keyword("ASC", "DESC"):
                descending = following.text.upper() == "DESC"
                self.position += 1
            order.append((field, descending))
            following = self._peek()
            if following is None or not (following.kind == "op" and following.text == ","):
                return order
            self.position += 1


def _date_predicate(field: str, operator: str, moment: datetime) -> Predicate:
    def matches(issue: JSONDict) -> bool:
        value = parse_jira_time(issue["fields"][field])
        if operator == "=":
            return value.replace(second=0, microsecond=0) == moment
        if operator == "!=":
            return value.replace(second=0, microsecond=0) != moment
        if operator == ">":
            return value > moment
        if operator == ">=":
            return value >= moment
        if operator == "<":
            return value < moment
        return value <= moment

    return matches


def parse_jql(text: str, fake: FakeJira) -> JqlQuery:
    """Parse `text` against `fake`'s projects, statuses, issues and clock (or `JqlError`)."""
    return _JqlParser(text, fake).parse()


# -- the server -----------------------------------------------------------------------------


@dataclass
class _Failure:
    method: str
    path_prefix: str
    status: int
    remaining: int


class FakeJira:
    """JIRA Cloud's REST API v2 on 127.0.0.1, run in the current event loop."""

    def __init__(
        self,
        projects: Iterable[str] = ("EGOV",),
        *,
        email: str = EMAIL,
        api_token: str = API_TOKEN,
        bearer_token: str | None = None,
        issue_types: Iterable[str] = ISSUE_TYPES,
        api_user: str = API_USER,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo = IST,
    ) -> None:
        self.email = email
        self.api_token = api_token
        #: When set, `Authorization: Bearer <it>` is accepted too (a personal access token).
        self.bearer_token = bearer_token
        #: Issue type names a create may use.
        self.issue_types: list[str] = list(issue_types)
        #: Display name of the API user (author of comments added through the API).
        self.api_user = api_user
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.tz = tz
        #: Project key → project (`{"id", "key", "name", "projectTypeKey"}`).
        self.projects: dict[str, JSONDict] = {}
        for key in projects:
            self.add_project(key)
        #: Issue key → the stored issue (`{"id", "key", "self", "fields"}`), comments under
        #: `fields.comment.comments`.
        self.issues: dict[str, JSONDict] = {}
        #: Every request: (method, path with the decoded query, status).
        self.requests: list[tuple[str, str, int]] = []
        #: Refused creates: (fields as sent, JIRA's `errors`).
        self.rejected: list[tuple[JSONDict, dict[str, str]]] = []
        #: Status name → category key; `transition` may add names.
        self.statuses: dict[str, str] = dict(STATUSES)
        #: Fields a create may set; others are refused.
        self.settable_fields: set[str] = set(SETTABLE_FIELDS)
        #: Every request answers 503 while set.
        self.down = False
        self._created: list[tuple[str, JSONDict]] = []
        self._numbers: dict[str, int] = {}
        self._next_issue_id = 10001
        self._next_comment_id = 10100
        self._next_changelog_id = 10500
        self._failures: list[_Failure] = []
        self._create_delays: list[float] = []
        self._base_url = ""
        self._stack: contextlib.AsyncExitStack | None = None
        self._closing = asyncio.Event()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The site's URL (`http://127.0.0.1:<port>`); the API lives under `/rest/api/2`."""
        if not self._base_url:
            raise RuntimeError("FakeJira is not running: use `async with FakeJira() as jira`")
        return self._base_url

    @property
    def auth(self) -> tuple[str, str]:
        """Basic-auth credentials that the fake accepts (for `httpx.AsyncClient(auth=...)`)."""
        return (self.email, self.api_token)

    async def __aenter__(self) -> Self:
        self._closing = asyncio.Event()
        stack = contextlib.AsyncExitStack()
        self._base_url = await stack.enter_async_context(serving(self._app()))
        self._stack = stack
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing.set()  # releases a delayed create
        if self._stack is not None:
            await self._stack.aclose()
        self._stack = None

    def _app(self) -> Starlette:
        api = "/rest/api/2"
        any_method = ["GET", "POST", "PUT", "DELETE", "PATCH"]
        return Starlette(
            routes=[
                self._route(f"{api}/issue", self._create_issue, ["POST"]),
                self._route(f"{api}/issue/{{issue}}", self._get_issue, ["GET"]),
                self._route(f"{api}/issue/{{issue}}/comment", self._post_comment, ["POST"]),
                self._route(f"{api}/issue/{{issue}}/comment", self._get_comments, ["GET"]),
                self._route(f"{api}/search", self._search_classic, ["GET", "POST"]),
                self._route(f"{api}/search/jql", self._search_enhanced, ["GET", "POST"]),
                self._route(f"{api}/myself", self._myself, ["GET"]),
                self._route("/{path:path}", self._not_found, any_method),
            ]
        )

    # -- configuration ----------------------------------------------------------------------

    def add_project(self, key: str, name: str | None = None) -> JSONDict:
        """Another project creates may use."""
        project_id = str(10000 + len(self.projects))
        project = {
            "id": project_id,
            "key": key,
            "name": name or f"{key} project",
            "projectTypeKey": "software",
        }
        self.projects[key] = project
        return project

    def fail_next(self, method: str, path_prefix: str, status: int, times: int = 1) -> None:
        """The next `times` requests with `method` (or "*") on a path starting with
        `path_prefix` answer `status` with JIRA's error JSON, before auth and validation
        (nothing is stored). A 429 carries `Retry-After: 1`."""
        self._failures.append(_Failure(method.upper(), path_prefix, status, times))

    def delay_next_create(self, seconds: float) -> None:
        """The next accepted create is stored at once but answered only after `seconds`."""
        self._create_delays.append(seconds)

    # -- staff actions in JIRA, and the webhooks they raise -----------------------------------

    def transition(self, key: str, status: str, author: str = STAFF) -> JSONDict:
        """Move `key` to `status` (bumps `updated`); returns JIRA Cloud's `jira:issue_updated`
        webhook payload for it."""
        issue = self._issue(key)
        now = self.clock()
        old = issue["fields"]["status"]
        self.statuses.setdefault(status, "indeterminate")
        new = self._status(status)
        issue["fields"]["status"] = new
        issue["fields"]["updated"] = jira_time(now, self.tz)
        issue["fields"]["statuscategorychangedate"] = jira_time(now, self.tz)
        user = self._user(author)
        changelog_id = str(self._next_changelog_id)
        self._next_changelog_id += 1
        return {
            "timestamp": _millis(now),
            "webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_generic",
            "user": user,
            "issue": copy.deepcopy(issue),
            "changelog": {
                "id": changelog_id,
                "items": [
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "fieldId": "status",
                        "from": old["id"],
                        "fromString": old["name"],
                        "to": new["id"],
                        "toString": new["name"],
                    }
                ],
            },
        }

    def add_comment(
        self, key: str, body: str, author: str = STAFF, internal: bool = False
    ) -> JSONDict:
        """Comment on `key` as `author` (internal: visible to the Developers role only);
        returns JIRA Cloud's `comment_created` webhook payload for it."""
        visibility = {"type": "role", "value": "Developers"} if internal else None
        issue = self._issue(key)
        comment = self._store_comment(issue, body, author, visibility)
        fields = issue["fields"]
        return {
            "timestamp": _millis(self.clock()),
            "webhookEvent": "comment_created",
            "comment": copy.deepcopy(comment),
            "issue": {
                "id": issue["id"],
                "self": issue["self"],
                "key": issue["key"],
                "fields": copy.deepcopy(
                    {
                        "summary": fields["summary"],
                        "issuetype": fields["issuetype"],
                        "project": fields["project"],
                        "priority": fields["priority"],
                        "status": fields["status"],
                        "labels": fields["labels"],
                    }
                ),
            },
        }

    # -- inspection -------------------------------------------------------------------------

    def created(self, project: str | None = None) -> list[JSONDict]:
        """The `fields` of accepted creates (in `project` only, if given), in order."""
        return [
            copy.deepcopy(fields)
            for key, fields in self._created
            if project is None or key == project
        ]

    def comments(self, key: str) -> list[JSONDict]:
        """The comments stored on `key`, oldest first."""
        comments: list[JSONDict] = self._issue(key)["fields"]["comment"]["comments"]
        return copy.deepcopy(comments)

    async def wait_for_created(
        self,
        count: int,
        project: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the polling
    ) -> list[JSONDict]:
        """At least `count` accepted creates (in `project`, if given), polling every 20 ms."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.created(project)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} issue(s) created within {timeout} s, got {len(found)}; "
                    f"rejected={self.rejected!r} requests={self.requests!r}"
                )
            await asyncio.sleep(0.02)

    # -- plumbing ---------------------------------------------------------------------------

    def _route(self, path: str, handler: Handler, methods: list[str]) -> Route:
        async def endpoint(request: Request) -> Response:
            return await self._dispatch(request, handler)

        return Route(path, endpoint, methods=methods)

    async def _dispatch(self, request: Request, handler: Handler) -> Response:
        target = request.url.path
        query = request.scope.get("query_string", b"").decode("latin-1")
        if query:
            target += "?" + unquote_plus(query)
        delay = 0.0
        failure = self._take_failure(request.method, request.url.path)
        if self.down:
            response: Response = JSONResponse(
                error_body(["Service Unavailable: JIRA is down (FakeJira.down)."]), 503
            )
        elif failure is not None:
            headers = {"Retry-After": "1"} if failure.status == 429 else None
            response = JSONResponse(
                error_body([f"Injected failure {failure.status} (FakeJira.fail_next)."]),
                failure.status,
                headers=headers,
            )
        elif not self._authenticated(request):
            response = PlainTextResponse(
                UNAUTHENTICATED,
                401,
                headers={"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"},
            )
        else:
            try:
                response = await handler(request)
            except JiraError as error:
                response = error.response()
            delay = getattr(request.state, "delay", 0.0)
        self.requests.append((request.method, target, response.status_code))
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=delay)
        return response

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        if self.down:
            return None
        for failure in self._failures:
            if failure.method in ("*", method) and path.startswith(failure.path_prefix):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _authenticated(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer":
            return self.bearer_token is not None and credentials == self.bearer_token
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        return (user, password) == (self.email, self.api_token)

    def _issue(self, key_or_id: str) -> JSONDict:
        issue = self.issues.get(key_or_id) or self.issues.get(key_or_id.upper())
        if issue is None:
            issue = next((i for i in self.issues.values() if i["id"] == key_or_id), None)
        if issue is None:
            raise JiraError(404, [NOT_FOUND])
        return issue

    def _user(self, display_name: str) -> JSONDict:
        account_id = "712020:" + hashlib.sha1(display_name.encode()).hexdigest()[:24]
        return {
            "self": f"{self._base_url}/rest/api/2/user?accountId={account_id}",
            "accountId": account_id,
            "displayName": display_name,
            "active": True,
            "timeZone": "Asia/Kolkata",
            "accountType": "atlassian",
        }

    def _status(self, name: str) -> JSONDict:
        names = list(self.statuses)
        category = self.statuses[name]
        category_id, category_name = _CATEGORIES.get(category, _CATEGORIES["indeterminate"])
        status_id = str(10000 + names.index(name))
        return {
            "self": f"{self._base_url}/rest/api/2/status/{status_id}",
            "id": status_id,
            "name": name,
            "statusCategory": {"id": category_id, "key": category, "name": category_name},
        }

    def _store_comment(
        self, issue: JSONDict, body: str, author: str, visibility: JSONDict | None
    ) -> JSONDict:
        now = jira_time(self.clock(), self.tz)
        comment_id = str(self._next_comment_id)
        self._next_comment_id += 1
        user = self._user(author)
        comment: JSONDict = {
            "self": f"{self._base_url}/rest/api/2/issue/{issue['id']}/comment/{comment_id}",
            "id": comment_id,
            "author": user,
            "body": body,
            "updateAuthor": user,
            "created": now,
            "updated": now,
            "jsdPublic": True,
        }
        if visibility is not None:
            comment["visibility"] = dict(visibility)
        thread = issue["fields"]["comment"]
        thread["comments"].append(comment)
        thread["total"] = thread["maxResults"] = len(thread["comments"])
        issue["fields"]["updated"] = now
        return comment

    # -- JQL support (used by the parser) ---------------------------------------------------

    def _values(self, issue: JSONDict, field: str) -> list[str]:
        """Lower-cased comparable values of a set-like field."""
        fields = issue["fields"]
        if field == "project":
            project = fields["project"]
            return [project["key"].lower(), project["id"]]
        if field == "labels":
            return [label.lower() for label in fields["labels"]]
        if field in ("status", "issuetype", "priority"):
            value = fields.get(field)
            return [value["name"].lower()] if value else []
        if field == "description":
            return [fields["description"]] if fields.get("description") else []
        return [issue["key"].lower(), issue["id"]]  # key, id

    def _text(self, issue: JSONDict, field: str) -> str:
        fields = issue["fields"]
        if field == "text":
            parts = [fields.get("summary") or "", fields.get("description") or ""]
            parts += [c["body"] for c in fields["comment"]["comments"]]
            return "\n".join(parts).lower()
        return str(fields.get(field) or "").lower()

    def _jql_set_value(self, field: str, value: str, name: str) -> str:
        """`value` as `_values` writes it, or the `JqlError` JIRA answers for it."""
        lowered = value.lower()
        if field == "project":
            for project in self.projects.values():
                if lowered in (project["key"].lower(), project["id"], project["name"].lower()):
                    return str(project["key"]).lower()
            raise JqlError(f"The value '{value}' does not exist for the field '{name}'.")
        if field == "status" and lowered not in {s.lower() for s in self.statuses}:
            raise JqlError(f"The value '{value}' does not exist for the field '{name}'.")
        if field == "issuetype" and lowered not in {t.lower() for t in self.issue_types}:
            raise JqlError(f"The value '{value}' does not exist for the field '{name}'.")
        if field == "priority" and lowered not in {p.lower() for p in PRIORITIES}:
            raise JqlError(f"The value '{value}' does not exist for the field '{name}'.")
        if field in ("key", "id"):
            try:
                return str(self._issue(value)["key"]).lower()
            except JiraError:
                raise JqlError(
                    f"An issue with key '{value}' does not exist for field '{name}'."
                ) from None
        return lowered

    def _jql_date(self, value: str, name: str) -> datetime:
        period = _PERIOD.match(value.strip())
        if period is not None:
            minutes = sum(
                int(amount) * _MINUTES[unit]
                for amount, unit in _PERIOD_PART.findall(period.group(2))
            )
            sign = -1 if period.group(1) == "-" else 1
            return self.clock() + timedelta(minutes=sign * minutes)
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(value.strip(), pattern).replace(tzinfo=self.tz)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{value}' for field '{name}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )

    def search(self, jql: str) -> list[JSONDict]:
        """The stored issues `jql` finds, in its order (default: newest created first)."""
        query = parse_jql(jql, self)
        found = [i for i in self.issues.values() if query.where is None or query.where(i)]
        # Ties follow the first ORDER BY direction (newest first without one).
        newest_first = query.order[0][1] if query.order else True
        found.sort(key=lambda issue: int(issue["id"]), reverse=newest_first)
        for field, descending in reversed(query.order):
            found.sort(key=functools.partial(_sort_key, field=field), reverse=descending)
        return found

    # -- endpoints --------------------------------------------------------------------------

    async def _create_issue(self, request: Request) -> Response:
        body = await _json_object(request)
        fields = body.get("fields", {})
        if not isinstance(fields, dict):
            raise JiraError(400, ["Can not deserialize the 'fields' of the issue."])
        errors = self._validate_create(fields)
        if errors:
            self.rejected.append((copy.deepcopy(fields), errors))
            raise JiraError(400, [], errors)
        issue = self._store_issue(fields)
        if self._create_delays:
            request.state.delay = self._create_delays.pop(0)
        return JSONResponse({"id": issue["id"], "key": issue["key"], "self": issue["self"]}, 201)

    def _validate_create(self, fields: JSONDict) -> dict[str, str]:
        errors: dict[str, str] = {}
        for name in fields:
            if name not in self.settable_fields:
                errors[name] = (
                    f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                    "or unknown."
                )
        project = self._project_of(fields.get("project"))
        if project is None:
            errors["project"] = (
                "valid project is required"
                if fields.get("project")
                else "Specify a valid project ID or key"
            )
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(summary) > MAX_SUMMARY:
            errors["summary"] = "Summary must be less than 255 characters."
        elif "\n" in summary or "\r" in summary:
            errors["summary"] = "The summary is invalid because it contains newline characters."
        description = fields.get("description")
        if description is not None and not isinstance(description, str):
            errors["description"] = "Operation value must be a string"
        if project is not None:
            issue_type = fields.get("issuetype")
            if not isinstance(issue_type, dict) or not issue_type:
                errors["issuetype"] = "Specify an issue type"
            elif self._issue_type_of(issue_type) is None:
                errors["issuetype"] = "Specify a valid issue type"
        priority = fields.get("priority")
        if priority is not None and _priority_of(priority) is None:
            given = priority.get("name") if isinstance(priority, dict) else priority
            errors["priority"] = f"Priority name '{given}' is not valid"
        labels = fields.get("labels")
        if labels is not None:
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                errors["labels"] = "Operation value must be an array of strings"
            else:
                for label in labels:
                    if not label or re.search(r"\s", label):
                        errors["labels"] = f"The label '{label}' contains spaces which is invalid."
                        break
                    if len(label) > MAX_LABEL:
                        errors["labels"] = (
                            f"The label '{label}' exceeds the maximum length for a single label "
                            "of 255 characters."
                        )
                        break
        return errors

    def _project_of(self, reference: Any) -> JSONDict | None:
        if not isinstance(reference, dict):
            return None
        for project in self.projects.values():
            if reference.get("key") == project["key"] or reference.get("id") == project["id"]:
                return project
        return None

    def _issue_type_of(self, reference: JSONDict) -> str | None:
        for index, name in enumerate(self.issue_types):
            if reference.get("name") == name or reference.get("id") == str(10001 + index):
                return name
        return None

    def _store_issue(self, fields: JSONDict) -> JSONDict:
        project = self._project_of(fields["project"])
        assert project is not None
        number = self._numbers.get(project["key"], 0) + 1
        self._numbers[project["key"]] = number
        issue_id = str(self._next_issue_id)
        self._next_issue_id += 1
        key = f"{project['key']}-{number}"
        now = jira_time(self.clock(), self.tz)
        issue_type = self._issue_type_of(fields["issuetype"])
        assert issue_type is not None
        priority = _priority_of(fields.get("priority") or {"name": DEFAULT_PRIORITY})
        assert priority is not None
        self.statuses.setdefault(INITIAL_STATUS, "new")
        issue: JSONDict = {
            "expand": _EXPAND,
            "id": issue_id,
            "self": f"{self.base_url}/rest/api/2/issue/{issue_id}",
            "key": key,
            "fields": {
                "summary": fields["summary"],
                "description": fields.get("description"),
                "issuetype": {
                    "self": f"{self.base_url}/rest/api/2/issuetype/"
                    f"{10001 + self.issue_types.index(issue_type)}",
                    "id": str(10001 + self.issue_types.index(issue_type)),
                    "name": issue_type,
                    "subtask": False,
                },
                "project": {
                    "self": f"{self.base_url}/rest/api/2/project/{project['id']}",
                    **{k: project[k] for k in ("id", "key", "name", "projectTypeKey")},
                },
                "priority": {
                    "self": f"{self.base_url}/rest/api/2/priority/{priority[0]}",
                    "id": priority[0],
                    "name": priority[1],
                },
                "labels": list(fields.get("labels") or []),
                "status": self._status(INITIAL_STATUS),
                "statuscategorychangedate": now,
                "resolution": None,
                "assignee": None,
                "reporter": self._user(self.api_user),
                "creator": self._user(self.api_user),
                "created": now,
                "updated": now,
                "comment": {"comments": [], "self": "", "maxResults": 0, "total": 0, "startAt": 0},
            },
        }
        issue["fields"]["comment"]["self"] = f"{issue['self']}/comment"
        self.issues[key] = issue
        self._created.append((project["key"], copy.deepcopy(fields)))
        return issue

    async def _get_issue(self, request: Request) -> Response:
        issue = self._issue(request.path_params["issue"])
        spec = _field_spec(request.query_params.get("fields"))
        return JSONResponse(_project_issue(issue, spec or ["*all"]))

    async def _get_comments(self, request: Request) -> Response:
        issue = self._issue(request.path_params["issue"])
        comments = issue["fields"]["comment"]["comments"]
        return JSONResponse(
            {"startAt": 0, "maxResults": 5000, "total": len(comments), "comments": comments}
        )

    async def _post_comment(self, request: Request) -> Response:
        issue = self._issue(request.path_params["issue"])
        body = await _json_object(request)
        text = body.get("body")
        if not isinstance(text, str) or not text.strip():
            raise JiraError(400, [], {"comment": "Comment body can not be empty!"})
        visibility = body.get("visibility")
        if visibility is not None and (
            not isinstance(visibility, dict)
            or visibility.get("type") not in ("role", "group")
            or not isinstance(visibility.get("value") or visibility.get("identifier"), str)
        ):
            raise JiraError(400, [], {"commentLevel": "Invalid comment visibility."})
        comment = self._store_comment(issue, text, self.api_user, visibility)
        return JSONResponse(comment, 201)

    async def _search_params(self, request: Request) -> tuple[str, list[str] | None, JSONDict]:
        if request.method == "POST":
            body = await _json_object(request)
            jql = body.get("jql") or ""
            fields = body.get("fields")
            spec = [str(f) for f in fields] if isinstance(fields, list) else None
            return str(jql), spec, body
        params = request.query_params
        return params.get("jql", ""), _field_spec(params.get("fields")), dict(params)

    async def _search_classic(self, request: Request) -> Response:
        jql, spec, params = await self._search_params(request)
        start = _int_param(params, "startAt", 0)
        limit = min(_int_param(params, "maxResults", 50), 100)
        found = self.search(jql)
        page = found[start : start + limit]
        return JSONResponse(
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": limit,
                "total": len(found),
                "issues": [_project_issue(issue, spec or ["*navigable"]) for issue in page],
            }
        )

    async def _search_enhanced(self, request: Request) -> Response:
        jql, spec, params = await self._search_params(request)
        if not parse_jql(jql, self).where:
            raise JiraError(
                400,
                [
                    "Unbounded JQL queries are not allowed here. Please add a search "
                    "restriction to your query."
                ],
            )
        token = str(params.get("nextPageToken") or "0")
        start = int(token) if token.isdigit() else 0
        limit = min(_int_param(params, "maxResults", 50), 5000)
        found = self.search(jql)
        page = found[start : start + limit]
        issues = [_project_issue(issue, spec) if spec else {"id": issue["id"]} for issue in page]
        answer: JSONDict = {"issues": issues, "isLast": start + limit >= len(found)}
        if not answer["isLast"]:
            answer["nextPageToken"] = str(start + limit)
        return JSONResponse(answer)

    async def _myself(self, request: Request) -> Response:
        user = self._user(self.api_user)
        user["emailAddress"] = self.email
        return JSONResponse(user)

    async def _not_found(self, request: Request) -> Response:
        raise JiraError(404, ["null for uri: " + str(request.url)])


# -- helpers --------------------------------------------------------------------------------


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _priority_of(reference: Any) -> tuple[str, str] | None:
    """(id, name) of a priority reference ({name} or {id}), or None."""
    if not isinstance(reference, dict):
        return None
    for index, name in enumerate(PRIORITIES):
        if reference.get("name") == name or reference.get("id") == str(index + 1):
            return str(index + 1), name
    return None


def _sort_key(issue: JSONDict, field: str) -> Any:
    fields = issue["fields"]
    if field in ("created", "updated"):
        return parse_jira_time(fields[field])
    if field == "key":
        project, _, number = issue["key"].rpartition("-")
        return (project, int(number))
    if field == "id":
        return int(issue["id"])
    if field in ("status", "priority"):
        return fields[field]["name"] if fields.get(field) else ""
    return str(fields.get(field) or "")


def _field_spec(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


def _project_issue(issue: JSONDict, spec: list[str]) -> JSONDict:
    """`issue` with only the fields `spec` asks for (`*all`, `*navigable`, names, `-name`)."""
    stored: JSONDict = issue["fields"]
    wanted: set[str] = set()
    for item in spec:
        if item == "*all":
            wanted |= set(stored)
        elif item == "*navigable":
            wanted |= set(stored) - {"comment"}
        elif not item.startswith("-"):
            wanted.add(item)
    for item in spec:
        if item.startswith("-"):
            wanted.discard(item[1:])
    fields = {name: copy.deepcopy(value) for name, value in stored.items() if name in wanted}
    return {
        "expand": issue.get("expand", _EXPAND),
        "id": issue["id"],
        "self": issue["self"],
        "key": issue["key"],
        "fields": fields,
    }


def _int_param(params: JSONDict, name: str, default: int) -> int:
    value = params.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise JiraError(400, [f"The value '{value}' is not valid for '{name}'."]) from None
    if number < 0:
        raise JiraError(400, [f"The value '{value}' is not valid for '{name}'."])
    return number


async def _json_object(request: Request) -> JSONDict:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise JiraError(415, ["Unsupported Media Type: send application/json."])
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError:
        raise JiraError(400, ["Unexpected character in the request body: not JSON."]) from None
    if not isinstance(body, dict):
        raise JiraError(400, ["Can not deserialize the request body: expected a JSON object."])
    return body
