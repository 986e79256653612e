"""The web console in a real browser: Debian's Chromium, headless, driven by Playwright,
against the helpdesk's real app served on loopback with its outbox relay running."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from adapters.memory import MemoryChannel
from bot.app import create_app
from bot.helpdesk import Helpdesk
from db.models import Ticket
from flows.messages import Address
from tests.servers import serving
from tests.support import Person, file_ticket
from tests.web_support import PASSWORD, console_client, make_account

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
L1_CHAT = Address("console", "team-l1")
WAIT_MS = 15_000


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: what these tests add is the browser; the pages' database work is
    covered on both databases by the other tests/test_web_*.py."""
    return sqlite_url


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"no Chromium at {CHROMIUM} (scripts/ensure-chromium.sh installs it)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium),
            headless=True,
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def console_url(helpdesk: Helpdesk) -> AsyncIterator[str]:
    async with serving(create_app(helpdesk)) as url:
        yield url


async def sign_in(page: Page, url: str, key: str, password: str = PASSWORD) -> None:
    await page.goto(f"{url}/console/")
    await page.fill("input[name=username]", key)
    await page.fill("input[name=password]", password)
    await page.click("#sign-in")


async def status_of(helpdesk: Helpdesk, number: str) -> str:
    async with helpdesk.unit_of_work() as uow:
        found = await uow.session.execute(select(Ticket.status).where(Ticket.number == number))
        return str(found.scalar_one())


async def test_an_operator_works_a_chat_ticket_from_the_console(
    helpdesk: Helpdesk, channel: MemoryChannel, browser: Browser, console_url: str
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1", name="Anita Mohanty")
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await sign_in(page, console_url, "anita")
    await expect(page.locator("#queue-rows")).to_contain_text("No tickets match")

    # A reporter files a ticket on chat; the open queue shows it without a reload.
    reporter = Person(helpdesk, channel, "memory:reporter-1")
    number = await file_ticket(reporter, "Wage bill shows error 500 on submit")
    row = page.locator(f"tr[data-ticket='{number}']")
    await expect(row).to_be_visible(timeout=WAIT_MS)
    await expect(row).to_contain_text("Wage bill shows error 500 on submit")

    await row.locator("a").click()
    await expect(page.locator("h1")).to_contain_text(number)
    await expect(page.locator("#conversation")).to_contain_text("Ramesh Sahu")

    await page.click("form[data-action=take] button")
    await expect(page.locator("#done")).to_contain_text("You took this ticket")
    await expect(page.locator("#assignee")).to_have_text("Anita Mohanty")
    assert await eventually(reporter_heard(reporter, "started working"))

    await page.fill("form[data-action=resolve] textarea", "Bill re-submitted after the iFIX fix")
    await page.click("form[data-action=resolve] button")
    await expect(page.locator("#status")).to_have_text("Resolved")
    assert await eventually(reporter_heard(reporter, "Bill re-submitted after the iFIX fix"))
    assert await status_of(helpdesk, number) == "resolved"
    # The L1 group's card was edited in place, as when staff act in chat.
    assert channel.last(L1_CHAT).replaces and "Resolved" in channel.last(L1_CHAT).text
    # The reporter answers while the page is open: the page says so without a reload,
    # and the confirmation closes the ticket.
    await expect(page.locator("#changed")).to_be_hidden()
    await reporter.say("yes")
    await expect(page.locator("#changed")).to_be_visible(timeout=WAIT_MS)
    await page.click("#changed a")
    await expect(page.locator("#status")).to_have_text("Closed")
    assert errors == []


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    """True as soon as `check` is (the relay delivers in the background), False after a while."""
    deadline = asyncio.get_running_loop().time() + WAIT_MS / 1000
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


def reporter_heard(reporter: Person, words: str) -> Callable[[], Awaitable[bool]]:
    heard: list[str] = []

    async def check() -> bool:
        heard.extend(message.text for message in reporter.new_messages())
        return any(words in text for text in heard)

    return check


async def test_an_operator_logs_a_phone_call_and_reads_out_the_id(
    helpdesk: Helpdesk, browser: Browser, console_url: str
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    await sign_in(page, console_url, "anita")
    await page.click("#nav-new")
    # The contact field asks for what "Came in by" says.
    await page.select_option("select[name=source]", "email")
    await expect(page.locator("#contact-label")).to_have_text("Email address")
    await page.select_option("select[name=source]", "phone")
    await expect(page.locator("#contact-label")).to_have_text("Phone number")
    await page.fill("input[name=reporter_name]", "Sabita Nayak")
    await page.select_option("select[name=reporter_role]", "cbo_member")
    await page.fill("input[name=contact]", "98765 43210")
    await page.select_option("select[name=ulb]", "jatni")
    await page.select_option("select[name=module]", "wage_bills")
    await page.select_option("select[name=category]", "app_error")
    await page.fill("textarea[name=description]", "Muster roll 12 wage bill stuck since Monday")
    await page.click("#log-ticket")
    await expect(page.locator("#created .big-id")).to_have_text("MK-1001")
    await expect(page.locator("#contact")).to_contain_text("+919876543210")
    await page.goto(f"{console_url}/console/?channel=phone")
    await expect(page.locator("tr[data-ticket='MK-1001']")).to_contain_text("Phone")


async def test_refusals_a_member_and_a_forged_form_from_another_site_change_nothing(
    helpdesk: Helpdesk, channel: MemoryChannel, browser: Browser, console_url: str
) -> None:
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await make_account(helpdesk, "ravi", "member", "master_trainers")
    page = await browser.new_page()
    await sign_in(page, console_url, "ravi")
    await page.goto(f"{console_url}/console/tickets/{number}")
    await expect(page.locator("#refusal")).to_contain_text("another team")
    await expect(page.locator("#nav-new")).to_have_count(0)

    # Another site, open in the same browser, posts a form at the console.
    async def evil(_request: object) -> HTMLResponse:
        return HTMLResponse(
            f"<form id=f method=post action='{console_url}/console/tickets/{number}/act'>"
            "<input name=action value=take></form>"
            "<script>document.getElementById('f').submit()</script>"
        )

    async with serving(Starlette(routes=[Route("/", evil)]), lifespan="off") as evil_url:
        await page.goto(evil_url.replace("127.0.0.1", "localhost"))
        await expect(page.locator("#refusal")).to_be_visible(timeout=WAIT_MS)
    assert await status_of(helpdesk, number) == "new"


async def test_the_queue_fits_a_phone_screen(
    helpdesk: Helpdesk, channel: MemoryChannel, browser: Browser, console_url: str
) -> None:
    await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await make_account(helpdesk, "anita", "l1", "l1")
    page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    await sign_in(page, console_url, "anita")
    await expect(page.locator("tr[data-ticket='MK-1001']")).to_be_attached()
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0  # the table scrolls inside its box, the page does not


async def test_the_dashboard_draws_its_charts_and_the_console_speaks_odia(
    helpdesk: Helpdesk, channel: MemoryChannel, browser: Browser, console_url: str
) -> None:
    await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await make_account(helpdesk, "anita", "l1", "l1")
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    await sign_in(page, console_url, "anita")
    await page.click("text=Dashboard")
    for chart in ("per-day", "sla-team", "response-team", "open-ulb", "open-module"):
        drawn = page.locator(f"#chart-{chart} svg")
        await expect(drawn).to_be_visible()
        box = await drawn.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50
    await expect(page.locator("#chart-open-ulb")).to_contain_text("Jatni")

    # The language switch in the header, kept for the account.
    await page.click("button[name=language][value=or]")
    await expect(page.locator("#chart-open-ulb h2")).to_contain_text("ULB")
    await expect(page.locator("header nav")).to_contain_text("ଡ୍ୟାସବୋର୍ଡ")
    await page.goto(f"{console_url}/console/")
    await expect(page.locator("th").first).to_have_text("ଟିକେଟ")


# -- how the pages look: screenshots at an office screen's size and a phone's -------------------

SCREENS = {"desktop": (1366, 768), "phone": (390, 844)}
# Where the screenshots are kept for people to look at (data/ is not part of the repository).
SHOTS = Path(
    os.environ.get("CONSOLE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "data/shots")
)


async def worked_ticket(helpdesk: Helpdesk, channel: MemoryChannel) -> str:
    """A chat ticket with a story: taken, typed, prioritised, a question answered, escalated,
    a note and a comment; its audit trail has a line of each kind."""
    reporter = Person(helpdesk, channel, "memory:reporter-1")
    number = await file_ticket(reporter, "Wage bill of muster roll MR/2026/0142 shows error 500")
    await make_account(helpdesk, "anita", "l1", "l1", name="Anita Mohanty")
    async with console_client(helpdesk) as anita:
        assert (await anita.sign_in("anita")).status_code == 303
        for action, fields in (
            ("take", {}),
            ("type", {"value": "incident"}),
            ("priority", {"value": "P1"}),
            ("ask", {"note": "Which muster roll number?"}),
        ):
            done = await anita.act(number, action, **fields)
            assert done.status_code == 303, (action, done.text)
        await reporter.say("MR/2026/0142")
        for action, fields in (
            ("note", {"note": "Seen in iFIX logs"}),
            ("escalate", {"value": "auto"}),
            ("comment", {"note": "The eGov team is on it"}),
        ):
            done = await anita.act(number, action, **fields)
            assert done.status_code == 303, (action, done.text)
    return number


async def overflow(page: Page) -> int:
    """How far the page is wider than the screen (0 or less: nothing to scroll sideways)."""
    width: int = await page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    return width


async def test_the_queue_a_ticket_and_the_dashboard_fit_and_read_well_in_both_languages(
    helpdesk: Helpdesk, channel: MemoryChannel, browser: Browser, console_url: str
) -> None:
    number = await worked_ticket(helpdesk, channel)
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    for language in ("en", "or"):
        for screen, (width, height) in SCREENS.items():
            page = await browser.new_page(
                viewport={"width": width, "height": height}, is_mobile=screen == "phone"
            )
            await sign_in(page, console_url, "anita")
            if language == "or":
                await page.click("button[name=language][value=or]")
            for name, path in (
                ("queue", "/console/"),
                ("ticket", f"/console/tickets/{number}"),
                ("dashboard", "/console/dashboard"),
            ):
                await page.goto(f"{console_url}{path}")
                await expect(page.locator("main")).to_be_visible()
                shot = SHOTS / f"{name}-{language}-{screen}.png"
                await page.screenshot(path=str(shot), full_page=True)
                assert await overflow(page) <= 0, f"{shot.name} is wider than the screen"
                if name == "queue":
                    row = page.locator(f"tr[data-ticket='{number}']")
                    # A ticket ID stays on one line.
                    box = await row.locator("a").first.bounding_box()
                    assert box is not None and box["height"] < 30, shot.name
                    # Only the SLA badge is coloured ("responded in time": green), not the row.
                    colours = await row.evaluate(
                        "row => [row.querySelector('td.wide'), row.querySelector('.sla')]"
                        ".map(cell => getComputedStyle(cell).color)"
                    )
                    assert colours == ["rgb(29, 36, 51)", "rgb(26, 127, 55)"], colours
                if language == "or":
                    # Odia in the font the console serves, whatever the machine has.
                    served = await page.evaluate(
                        "[...document.fonts].some(face => face.status === 'loaded'"
                        " && face.family.replaceAll('\"', '') === 'Noto Sans Oriya')"
                    )
                    assert served, shot.name
                if name == "ticket":
                    audit = await page.locator("#audit").inner_text()
                    assert '{"' not in audit and "_" not in audit, audit
                    for key in ("in_progress", "waiting", "incident", "egov_tech", "staff:"):
                        assert key not in audit, (key, audit)
            await page.close()
