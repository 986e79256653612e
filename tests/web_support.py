"""Drive the web console over HTTP as a browser would (cookies, forms, CSRF tokens), through
the helpdesk's real ASGI app."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.app import create_app
from bot.helpdesk import Helpdesk
from bot.web.accounts import Accounts

PASSWORD = "correct horse battery"
BASE_URL = "http://helpdesk.test"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_SEEN = re.compile(r'name="seen" value="(\d+)"')
# The "Log a call" form as an operator fills it in for a caller on the phone.
CALL = {
    "source": "phone",
    "reporter_name": "Sabita Nayak",
    "reporter_role": "cbo_member",
    "contact": "98765 43210",
    "updates_by": "",
    "chat_contact": "",
    "language": "or",
    "ulb": "jatni",
    "module": "wage_bills",
    "category": "app_error",
    "description": "Wage bill of muster roll 12 stuck in pending approval since Monday",
}


async def make_account(
    helpdesk: Helpdesk,
    key: str,
    role: str,
    team: str,
    password: str = PASSWORD,
    name: str = "",
    language: str = "en",
) -> None:
    accounts = Accounts(lambda: helpdesk.config.directory)
    async with helpdesk.unit_of_work() as uow:
        await accounts.create(
            uow.session,
            helpdesk.clock(),
            "test",
            key,
            name or key.title(),
            role,
            team,
            password,
            language,
        )
        await uow.commit()


def text_of(answer: httpx.Response) -> str:
    """A page's text as a reader sees it (entities unescaped)."""
    return html.unescape(answer.text)


class ConsoleClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def sign_in(self, key: str, password: str = PASSWORD) -> httpx.Response:
        return await self.http.post("/console/login", data={"username": key, "password": password})

    async def csrf(self, page: str = "/console/") -> str:
        answer = await self.http.get(page)
        found = _CSRF.search(answer.text)
        assert found, f"no CSRF token on {page} ({answer.status_code})"
        return found.group(1)

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def post(
        self, path: str, data: dict[str, str], csrf_from: str = "/console/"
    ) -> httpx.Response:
        """A form post with the session's CSRF token, as the page would send it."""
        return await self.http.post(path, data={**data, "csrf": await self.csrf(csrf_from)})

    async def open_ticket(self, number: str) -> dict[str, str]:
        """The ticket's page, opened: the hidden fields its action forms send."""
        answer = await self.http.get(f"/console/tickets/{number}")
        csrf, seen = _CSRF.search(answer.text), _SEEN.search(answer.text)
        assert csrf, f"no CSRF token on the page of {number} ({answer.status_code})"
        return {"csrf": csrf.group(1), **({"seen": seen.group(1)} if seen else {})}

    async def act(
        self, number: str, action: str, opened: dict[str, str] | None = None, /, **fields: str
    ) -> httpx.Response:
        """An action sent from the ticket's page as opened now, or as `opened` earlier."""
        hidden = opened if opened is not None else await self.open_ticket(number)
        page = f"/console/tickets/{number}"
        return await self.http.post(f"{page}/act", data={**hidden, "action": action, **fields})


@asynccontextmanager
async def console_client(helpdesk: Helpdesk) -> AsyncIterator[ConsoleClient]:
    """A browser-like client of the console; the outbox relay is driven by the test."""
    app = create_app(helpdesk, run_relay=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield ConsoleClient(http)


@asynccontextmanager
async def operator(
    helpdesk: Helpdesk, key: str = "anita", role: str = "l1", team: str = "l1", name: str = ""
) -> AsyncIterator[ConsoleClient]:
    """A staff member with a new account, signed in to the console."""
    await make_account(helpdesk, key, role, team, name=name)
    async with console_client(helpdesk) as browser:
        signed = await browser.sign_in(key)
        assert signed.status_code == 303, signed.text
        yield browser
