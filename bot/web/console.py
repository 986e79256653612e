"""The console's shared parts: templates, who is signed in, and the checks every page makes.

Every page needs a signed-in account with a role the page allows; every POST also needs the
session's CSRF token in its form and, when the browser says where the form came from, this
same site as the origin. A refusal changes nothing.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.http import Refused, form_fields, read_body, storable_text
from bot.helpdesk import Helpdesk
from bot.web import sessions
from bot.web.accounts import Accounts, staff_of
from bot.web.loginguard import LoginGuard
from bot.web.sessions import SignedIn
from bot.web.strings import LANGUAGES, translate
from flows.directory import STAFF_ROLES, Directory, Staff

HERE = Path(__file__).parent
# Times as India writes them, day first, in digits (no month names to translate).
LONG = "%d/%m/%Y %H:%M"
SHORT = "%d/%m %H:%M"
PREFIX = "/console"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

Page = Callable[[Request, "Visit"], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]
# Where a console request carries the console that serves it (see `WithConsole`).
SCOPE_KEY = "bot.web.console"


@dataclass(frozen=True)
class Visit:
    """A request from a signed-in account, with what pages need to answer it."""

    signed_in: SignedIn
    console: Console
    form: Mapping[str, str] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.signed_in.account.language

    @property
    def staff(self) -> Staff:
        return staff_of(self.signed_in.account, self.console.directory)

    def t(self, key: str, **values: object) -> str:
        return translate(self.language, key, **values)


class Console:
    def __init__(self, helpdesk: Helpdesk) -> None:
        self.helpdesk = helpdesk
        self.accounts = Accounts(lambda: self.directory)
        self.guard = LoginGuard()
        self.config_saving = asyncio.Lock()  # one configuration change at a time (admin)
        self.secure_cookies = helpdesk.settings.public_url.startswith("https://")
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(("html",)),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["local"] = self.local_time
        self.templates.globals["label"] = self.label
        self.templates.globals["SHORT"] = SHORT

    @property
    def directory(self) -> Directory:
        return self.helpdesk.config.directory

    def label(self, kind: str, key: str, language: str) -> str:
        """A configured name in the reader's language; the key itself for one no longer
        configured (a ticket outlives a ULB's removal from the list)."""
        directory = self.directory
        if kind == "team":
            team = next((item for item in directory.teams if item.key == key), None)
            return team.name(language) if team else key
        options = {"ulb": directory.ulbs, "module": directory.modules}
        option = next(
            (item for item in options.get(kind, directory.categories) if item.key == key), None
        )
        return option.label(language) if option else key

    def now(self) -> datetime:
        return self.helpdesk.clock()

    def local_time(self, moment: datetime | None, style: str = LONG) -> str:
        if moment is None:
            return "–"
        return moment.astimezone(ZoneInfo(self.helpdesk.config.timezone)).strftime(style)

    def html(
        self,
        name: str,
        language: str,
        visit: Visit | None = None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        def t(key: str, **values: object) -> str:
            return translate(language, key, **values)

        body = self.templates.get_template(name).render(
            t=t,
            language=language,
            languages=LANGUAGES,
            me=visit.signed_in.account if visit else None,
            csrf=visit.signed_in.csrf_token if visit else "",
            directory=self.directory,
            prefix=PREFIX,
            **context,
        )
        return HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)

    def refusal(self, language: str, key: str, status_code: int = 403) -> HTMLResponse:
        return self.html("refused.html", language, status_code=status_code, message_key=key)

    async def signed_in(self, request: Request) -> SignedIn | None:
        token = request.cookies.get(sessions.COOKIE, "")
        if not token:
            return None
        async with self.helpdesk.unit_of_work().read_only() as uow:
            return await sessions.resolve(uow.session, token, self.now())


def console_of(request: Request) -> Console:
    """The console serving `request`: the one `console_mount` put in every request's scope."""
    console = request.scope[SCOPE_KEY]
    assert isinstance(console, Console)
    return console


class WithConsole:
    """ASGI middleware of the console's mount: gives each request the console (`console_of`),
    so the pages are plain functions of the request."""

    def __init__(self, app: ASGIApp, console: Console) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[SCOPE_KEY] = self.console
        await self.app(scope, receive, send)


def page(*roles: str) -> Callable[[Page], Endpoint]:
    """A handler for signed-in accounts with one of `roles` (any role when none given)."""
    allowed = roles or STAFF_ROLES

    def wrap(handler: Page) -> Endpoint:
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            console = console_of(request)
            signed_in = await console.signed_in(request)
            if signed_in is None:
                if request.method == "GET":
                    return RedirectResponse(f"{PREFIX}/login", status_code=303)
                return console.refusal("en", "refused_signed_out")
            language = signed_in.account.language
            if signed_in.account.role not in allowed:
                return console.refusal(language, "refused_role")
            # A NUL byte or a lone surrogate in the path or the query (none of the
            # console's links has one) would reach the database, where PostgreSQL
            # refuses it: refused here, as a form's are cleaned below.
            addressed = (*request.path_params.values(), *request.query_params.values())
            if any(isinstance(v, str) and storable_text(v) != v for v in addressed):
                return console.refusal(language, "refused_address", 400)
            form: dict[str, str] = {}
            if request.method == "POST":
                if not same_origin(request):
                    return console.refusal(language, "refused_origin")
                try:
                    form = form_fields(await read_body(request))
                except Refused as refused:
                    return console.refusal(language, "refused_form", refused.status)
                form = {key: storable_text(value) for key, value in form.items()}
                if not signed_in.csrf_ok(form.get("csrf", "")):
                    return console.refusal(language, "refused_csrf")
            return await handler(request, Visit(signed_in, console, form))

        return run

    return wrap


def same_origin(request: Request) -> bool:
    """The form was posted from a page of this site (browsers send Origin with every POST;
    a request without one, from a script, still needs the CSRF token)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")
