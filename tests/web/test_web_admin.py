"""The admin pages over HTTP through the real app: accounts (created, switched off, new
passwords), the configuration (checked as at start-up, written, and in use at once), and the
record of who changed what. The configuration file is always a temporary copy."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import select, update

from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.config import HelpdeskConfig, load_config_text
from bot.helpdesk import Helpdesk
from bot.settings import ROOT, Settings
from db.models import AdminChange, OutboxMessage, Ticket
from tests.conftest import FixedClock
from tests.service.test_config import toml_document
from tests.support import Person, file_ticket
from tests.web_support import PASSWORD, ConsoleClient, console_client, make_account, text_of

ACCOUNTS = "/console/admin/accounts"
CONFIGURATION = "/console/admin/configuration"
CHANGES = "/console/admin/changes"
NEW_PASSWORD = "a new and longer password"
KHORDHA = """
[[ulbs]]
key = "khordha"
labels = { en = "Khordha Municipality", or = "ଖୋର୍ଦ୍ଧା ପୌରପାଳିକା" }
aliases = ["Khordha"]
"""


async def signed_in_admin(helpdesk: Helpdesk, browser: ConsoleClient) -> None:
    await make_account(helpdesk, "asha", "admin", "hudd_admin", name="Asha Admin")
    assert (await browser.sign_in("asha")).status_code == 303


def contents(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def edit_by_hand(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


async def save_configuration(
    browser: ConsoleClient, text: str, action: str = "save"
) -> httpx.Response:
    page = await browser.get(CONFIGURATION)
    base = page.text.split('name="base" value="', 1)[1].split('"', 1)[0]
    data = {"text": text, "base": base, "action": action}
    return await browser.post(CONFIGURATION, data, csrf_from=CONFIGURATION)


async def configuration_changes(helpdesk: Helpdesk) -> list[tuple[str, str]]:
    """Who changed the configuration, with each change's detail."""
    async with helpdesk.unit_of_work() as uow:
        query = select(AdminChange.actor, AdminChange.detail).where(
            AdminChange.subject == "configuration"
        )
        return [(actor, detail) for actor, detail in await uow.session.execute(query)]


# -- accounts ------------------------------------------------------------------------------


async def test_an_admin_creates_an_account_and_that_person_signs_in(
    helpdesk: Helpdesk, config_file: Path
) -> None:
    async with console_client(helpdesk) as admin, console_client(helpdesk) as person:
        await signed_in_admin(helpdesk, admin)
        index = await admin.get("/console/admin")
        assert index.status_code == 200
        for page in (ACCOUNTS, CONFIGURATION, CHANGES):
            assert f'href="{page}"' in index.text
        new = {"key": "ravi", "name": "Ravi Das", "role": "l1", "team": "l1", "language": "or"}
        short = await admin.post(ACCOUNTS, {**new, "password": "short"}, csrf_from=ACCOUNTS)
        assert short.status_code == 400
        assert "at least 10 characters" in text_of(short)
        assert 'value="Ravi Das"' in short.text  # what was typed is kept
        long_name = {**new, "name": "R" * 121, "password": PASSWORD}
        too_long = await admin.post(ACCOUNTS, long_name, csrf_from=ACCOUNTS)
        assert too_long.status_code == 400  # (PostgreSQL's column refused it with a 500)
        assert "at most 120 characters" in text_of(too_long)
        created = await admin.post(ACCOUNTS, {**new, "password": PASSWORD}, csrf_from=ACCOUNTS)
        assert created.status_code == 303
        listing = await admin.get(created.headers["location"])
        assert "Account 'ravi' created" in text_of(listing)
        assert 'id="account-ravi"' in listing.text
        again = await admin.post(ACCOUNTS, {**new, "password": PASSWORD}, csrf_from=ACCOUNTS)
        assert again.status_code == 400
        assert "there is already an account 'ravi'" in text_of(again)

        assert (await person.sign_in("ravi")).status_code == 303
        queue = await person.get("/console/")
        assert queue.status_code == 200
        assert "Ravi Das" in queue.text
        assert 'lang="or"' in queue.text

        record = await admin.get(CHANGES)
        row = text_of(record).split('id="change-', 1)[1].split("</tr>", 1)[0]
        assert "asha" in row and "account:ravi" in row and "role: l1" in row


async def test_only_admins_reach_the_admin_pages(helpdesk: Helpdesk, config_file: Path) -> None:
    original = contents(config_file)
    await make_account(helpdesk, "anita", "l1", "l1")
    await make_account(helpdesk, "kiran", "member", "egov_tech")
    pages = ("/console/admin", ACCOUNTS, f"{ACCOUNTS}/anita", CONFIGURATION, CHANGES)
    posts = {
        ACCOUNTS: {
            "key": "eve",
            "name": "Eve",
            "role": "admin",
            "team": "l1",
            "password": PASSWORD,
        },
        f"{ACCOUNTS}/anita": {"name": "A", "role": "admin", "team": "l1", "language": "en"},
        f"{ACCOUNTS}/anita/password": {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        CONFIGURATION: {"text": original + KHORDHA, "action": "save"},
    }
    for key in ("anita", "kiran"):
        async with console_client(helpdesk) as browser:
            assert (await browser.sign_in(key)).status_code == 303
            for page in pages:
                assert (await browser.get(page)).status_code == 403, page
            for page, data in posts.items():
                assert (await browser.post(page, data)).status_code == 403, page
    async with console_client(helpdesk) as stranger:
        answer = await stranger.get(ACCOUNTS)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/login"
    assert contents(config_file) == original
    async with console_client(helpdesk) as browser:
        assert (await browser.sign_in("anita")).status_code == 303  # old password still works
        assert (await browser.sign_in("eve")).status_code == 401


async def test_switching_an_account_off_signs_it_out_at_once(
    helpdesk: Helpdesk, config_file: Path
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    async with console_client(helpdesk) as admin, console_client(helpdesk) as anita:
        await signed_in_admin(helpdesk, admin)
        assert (await anita.sign_in("anita")).status_code == 303
        assert (await anita.get("/console/")).status_code == 200
        form = {"name": "Anita", "role": "l1", "team": "l1", "language": "en"}  # no "active"
        page = f"{ACCOUNTS}/anita"
        switched_off = await admin.post(page, form, csrf_from=page)
        assert switched_off.status_code == 303
        answer = await anita.get("/console/")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/login"
        assert (await anita.sign_in("anita")).status_code == 401
        listing = await admin.get(ACCOUNTS)
        assert 'id="account-anita" class="inactive"' in listing.text

        own = f"{ACCOUNTS}/asha"
        demoted = await admin.post(own, {**form, "name": "Asha", "active": "on"}, csrf_from=own)
        assert demoted.status_code == 400
        assert "you cannot switch off or change the role of your own account" in text_of(demoted)
        assert (await admin.get(CONFIGURATION)).status_code == 200  # still an admin


async def test_a_new_password_ends_the_old_sessions(helpdesk: Helpdesk, config_file: Path) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    page = f"{ACCOUNTS}/anita"
    async with console_client(helpdesk) as admin, console_client(helpdesk) as anita:
        await signed_in_admin(helpdesk, admin)
        assert (await anita.sign_in("anita")).status_code == 303
        differ = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"}
        refused = await admin.post(f"{page}/password", differ, csrf_from=page)
        assert refused.status_code == 400
        assert "the two passwords are not the same" in text_of(refused)
        assert (await anita.get("/console/")).status_code == 200  # nothing changed

        same = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        changed = await admin.post(f"{page}/password", same, csrf_from=page)
        assert changed.status_code == 303
        assert "New password set for 'anita'" in text_of(
            await admin.get(changed.headers["location"])
        )
        answer = await anita.get("/console/")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/login"
        assert (await anita.sign_in("anita", PASSWORD)).status_code == 401
        assert (await anita.sign_in("anita", NEW_PASSWORD)).status_code == 303
        assert (await anita.get("/console/")).status_code == 200


async def test_a_password_set_on_the_command_line_ends_the_old_sessions_too(
    helpdesk: Helpdesk, config_file: Path
) -> None:
    await make_account(helpdesk, "anita", "l1", "l1")
    async with console_client(helpdesk) as anita:
        assert (await anita.sign_in("anita")).status_code == 303
        settings = {"DATABASE_URL": helpdesk.settings.database_url}
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "account", "password", "anita"],
            input=f"{NEW_PASSWORD}\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, **settings, "HELPDESK_CONFIG": str(config_file)},
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "password of 'anita' changed" in done.stdout
        answer = await anita.get("/console/")
        assert answer.status_code == 303 and answer.headers["location"] == "/console/login"


# -- the configuration -----------------------------------------------------------------------


async def test_a_bad_configuration_is_refused_and_changes_nothing(
    helpdesk: Helpdesk, channel: MemoryChannel, config_file: Path
) -> None:
    original = contents(config_file)
    running = helpdesk.config
    broken = original.replace('bug = "egov"', 'bug = "nobody"') + KHORDHA
    async with console_client(helpdesk) as admin:
        await signed_in_admin(helpdesk, admin)
        for text, message in (
            (broken, "routes.bug: unknown team 'nobody'"),
            (original + "\n[[ulbs]\n", "helpdesk.toml is not valid TOML"),
        ):
            for action in ("check", "save"):
                answer = await save_configuration(admin, text, action)
                assert answer.status_code == 400
                page = text_of(answer)
                assert message in page
                assert "nothing was changed" in page
                assert text.strip() in page.replace("\r\n", "\n")  # the admin's text is kept
    assert contents(config_file) == original
    assert not config_file.with_name("helpdesk.toml.previous").exists()
    assert helpdesk.config is running
    assert await configuration_changes(helpdesk) == []
    reporter = Person(helpdesk, channel, "memory:reporter-1")
    for said in ("hi", "1", "1"):
        await reporter.say(said)
    assert "Khordha Municipality" not in reporter.last_choices()


async def test_a_good_configuration_is_in_use_at_once(
    helpdesk: Helpdesk, channel: MemoryChannel, config_file: Path
) -> None:
    original = contents(config_file)
    changed = original + KHORDHA
    async with console_client(helpdesk) as admin:
        await signed_in_admin(helpdesk, admin)
        checked = await save_configuration(admin, changed, "check")
        assert checked.status_code == 200
        assert "This configuration is valid. It is not saved yet." in text_of(checked)
        assert contents(config_file) == original

        saved = await save_configuration(admin, changed.replace("\n", "\r\n"))
        assert saved.status_code == 303
        page = await admin.get(saved.headers["location"])
        assert "Saved and in use now" in text_of(page)
        assert contents(config_file) == changed
        previous = config_file.with_name("helpdesk.toml.previous")
        assert contents(previous) == original
        assert [ulb.key for ulb in helpdesk.config.directory.ulbs][-1] == "khordha"
        assert helpdesk.dispatcher.config is helpdesk.config
        assert helpdesk.scheduler.directory is helpdesk.config.directory

        reporter = Person(helpdesk, channel, "memory:reporter-1")
        for said in ("hi", "1"):  # the language; the report starts
            replies = await reporter.say(said)
        assert "Which ULB (Urban Local Body) are you from?" in replies[-1]
        assert "Khordha Municipality" in reporter.last_choices()
        replies = await reporter.say("Khordha")
        assert "Are you a ULB employee or a CBO" in replies[-1]

        queue = await admin.get("/console/")
        assert '<option value="khordha"' in queue.text
        assert "Khordha Municipality" in queue.text

        record = text_of(await admin.get(CHANGES))
        row = record.split('id="change-', 1)[1].split("</tr>", 1)[0]
        assert "asha" in row and "configuration" in row
        assert '+key = "khordha"' in row
        assert "--- helpdesk.toml" in row
        changes = await configuration_changes(helpdesk)
        assert [actor for actor, _ in changes] == ["asha"]
        assert '+key = \\"khordha\\"' in changes[0][1]  # the diff, as JSON

        unchanged = await save_configuration(admin, changed)
        assert "Nothing to save" in text_of(unchanged)
        assert len(await configuration_changes(helpdesk)) == 1


async def test_an_edit_of_an_older_version_is_not_saved(
    helpdesk: Helpdesk, config_file: Path
) -> None:
    original = contents(config_file)
    async with console_client(helpdesk) as admin:
        await signed_in_admin(helpdesk, admin)
        page = await admin.get(CONFIGURATION)
        base = page.text.split('name="base" value="', 1)[1].split('"', 1)[0]
        edit_by_hand(config_file, original + "\n# edited by hand\n")
        data = {"text": original + KHORDHA, "base": base, "action": "save"}
        answer = await admin.post(CONFIGURATION, data, csrf_from=CONFIGURATION)
        assert answer.status_code == 409
        assert "Someone changed the configuration" in text_of(answer)
    assert contents(config_file).endswith("# edited by hand\n")
    assert "khordha" not in [ulb.key for ulb in helpdesk.config.directory.ulbs]


async def test_a_configuration_taking_away_what_tickets_need_is_refused(
    helpdesk: Helpdesk, channel: MemoryChannel, config_file: Path
) -> None:
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    async with helpdesk.unit_of_work() as uow:
        # Resolved, not closed: it may be reopened, and would then have no team.
        moved = update(Ticket).where(Ticket.number == number)
        await uow.session.execute(moved.values(team="hudd_admin", status="resolved"))
        await uow.commit()
    original = contents(config_file)
    data = tomllib.loads(original)
    data["teams"] = [team for team in data["teams"] if team["key"] != "hudd_admin"]
    data["reminders"] |= {"breach_escalation_team": "", "weekly_summary_team": ""}
    data["ulbs"] = [ulb for ulb in data["ulbs"] if ulb["key"] != "jatni"]
    data["helpdesk"]["ticket_prefix"] = "MUK"
    async with console_client(helpdesk) as admin:
        await signed_in_admin(helpdesk, admin)
        answer = await save_configuration(admin, toml_document(data))
        assert answer.status_code == 409
        page = text_of(answer)
        assert "Team 'hudd_admin' still has 1 ticket(s) not closed" in page
        assert "ULB 'jatni' is named by 1 ticket(s)" in page
        assert "There are 1 ticket(s) numbered MK-…" in page
    assert contents(config_file) == original
    assert "hudd_admin" in [team.key for team in helpdesk.config.directory.teams]
    assert await configuration_changes(helpdesk) == []


async def test_the_admin_pages_speak_odia(helpdesk: Helpdesk, config_file: Path) -> None:
    await make_account(helpdesk, "asha", "admin", "hudd_admin", language="or")
    async with console_client(helpdesk) as admin:
        assert (await admin.sign_in("asha")).status_code == 303
        for page, words in (
            ("/console/admin", "ପ୍ରଶାସନ"),
            (ACCOUNTS, "କର୍ମଚାରୀ ଆକାଉଣ୍ଟ"),
            (CONFIGURATION, "କେବଳ ଯାଞ୍ଚ କରନ୍ତୁ"),
            (CHANGES, "ପରିବର୍ତ୍ତନର ରେକର୍ଡ"),
        ):
            answer = await admin.get(page)
            assert answer.status_code == 200
            assert words in answer.text
        # What cannot be done is said in Odia too, with what was typed kept.
        new = {"key": "ravi", "name": "Ravi Das", "role": "l1", "team": "l1", "language": "or"}
        short = await admin.post(ACCOUNTS, {**new, "password": "short"}, csrf_from=ACCOUNTS)
        assert short.status_code == 400
        assert "ପାସୱାର୍ଡରେ ଅତି କମରେ 10ଟି ଅକ୍ଷର ଦରକାର" in text_of(short)
        assert 'value="Ravi Das"' in short.text


async def test_reconfigure_reaches_every_part_that_reads_the_configuration(
    sqlite_url: str, config: HelpdeskConfig, clock: FixedClock, channel: MemoryChannel
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        jira_url="http://jira.test",
        jira_email="helpdesk@example.org",
        jira_api_token=SecretStr("token"),
        jira_project_key="EGOV",
        jira_webhook_secret=SecretStr("secret"),
    )
    desk = build(settings, senders={"memory": channel}, clock=clock, config=config)
    shipped = contents(ROOT / "config" / "helpdesk.toml")
    new = load_config_text(shipped.replace('teams = ["egov_tech", "egov"]', 'teams = ["egov"]'))
    try:
        desk.reconfigure(new)
        dispatcher, jira = desk.dispatcher, desk.jira
        assert jira is not None
        assert desk.config is new and dispatcher.config is new
        assert dispatcher.directory is new.directory
        assert dispatcher.service.config is new
        assert dispatcher.renderer.directory is new.directory
        assert dispatcher.notifier.directory is new.directory
        assert dispatcher.notifier.mirrored_teams == frozenset({"egov"})
        # The relay tells of an undeliverable message through the notifier in use now.
        row = OutboxMessage(channel="telegram", address="telegram:77", kind="reply")
        alerts = desk.relay.on_undeliverable and desk.relay.on_undeliverable(row, "blocked")
        assert alerts and alerts == dispatcher.notifier.undeliverable(row, "blocked")
        scheduler = desk.scheduler
        assert scheduler.config is new and scheduler.calendar is new.calendar
        assert scheduler.service is dispatcher.service
        assert scheduler.notifier is dispatcher.notifier
        assert jira.config is new and jira.sender.config is new
        assert jira.sender.alert == dispatcher.notifier.jira_alert
        assert jira.inbound.dispatcher is dispatcher and jira.inbound.config is new
    finally:
        if desk.jira is not None:
            await desk.jira.close()
        await desk.close()
