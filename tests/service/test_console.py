"""The console channel end to end: `python -m bot chat` sessions in separate processes, one
person after another, sharing a SQLite file; and `python -m bot check-config`."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.build import build
from bot.settings import ROOT, Settings, environment_without_settings
from tests.web_support import console_client, make_account, text_of

TIMEOUT = 60
REPORT = (
    "hi",
    "1",  # English: the report starts
    "Jatni",
    "1",  # ULB employee
    "Ramesh Sahu",
    "wage",  # module by typed prefix
    "2",  # The app or iFIX shows an error
    "Wage bill shows error 500 on submit",
    "1",  # submit
)


def environment(**settings: str) -> dict[str, str]:
    """This environment without any helpdesk setting, plus the given ones."""
    return {**environment_without_settings(), "PYTHONUTF8": "1", **settings}


def bot(
    arguments: Sequence[str], env: dict[str, str], lines: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )


def chat(who: str, lines: Sequence[str], env: dict[str, str]) -> str:
    done = bot(["chat", "--as", who], env, lines)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def in_order(text: str, *parts: str) -> bool:
    """Every part appears in `text`, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return environment(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}")


def test_a_report_travels_from_reporter_to_teams_and_back(env: dict[str, str]) -> None:
    reporter = chat("ramesh", REPORT, env)
    assert "console chat as console:ramesh (reporter)" in reporter
    found = re.search(r"Your problem is registered as ticket (MK-\d+)\.", reporter)
    assert found is not None, reporter
    number = found.group(1)
    assert number == "MK-1001"

    anita = chat("anita", ["hi", "1", f"take {number}", f"escalate {number}"], env)
    assert "(staff: Anita (L1 helpdesk))" in anita
    assert in_order(
        anita,
        "── to team-l1 ──",  # the card that waited for the L1 team chat
        f"{number} · P2 · Received",
        "Reporter: Ramesh Sahu (ULB employee, console)",
        "Wage bill shows error 500 on submit",
        f"{number}: taken by Anita (L1 helpdesk); Received → Being worked on",
        f"{number}: L1 Helpdesk (HUDD) → eGov technical team; response due ",
        "── to team-l1 ──",
        f"{number} · P2 · Passed to a specialist team",
        "Team: eGov technical team",
    )
    assert "Update on ticket" not in anita  # the reporter's notices are not shown to staff

    kiran = chat(
        "kiran", ["hi", "1", f"resolve {number} Bill re-submitted after the iFIX fix"], env
    )
    assert in_order(
        kiran,
        "── to team-egov-tech ──",
        f"{number} · P2 · Passed to a specialist team",
        f"{number}: resolved; the reporter is asked to confirm",
    )

    back = chat("ramesh", [f"status {number}"], env)
    assert in_order(
        back,
        f"Update on ticket {number}: L1 Helpdesk (HUDD) has started working on it.",
        f"Update on ticket {number}: it has been passed to eGov technical team",
        f"Update on ticket {number}: resolved.\nBill re-submitted after the iFIX fix",
        f"Ticket {number}: Resolved",
        "Latest note: Bill re-submitted after the iFIX fix",
    )
    # Each update is delivered once, not again at the next session.
    again = chat("ramesh", [f"status {number}"], env)
    assert "Update on ticket" not in again
    assert f"Ticket {number}: Resolved" in again


def walkthrough() -> str:
    """The README's "Try the whole lifecycle in three terminals", as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Try the whole lifecycle in three terminals")
    return " ".join(readme[start : readme.index("\n## ", start + 1)].split())


def test_the_readmes_walkthrough_does_what_it_says(env: dict[str, str]) -> None:
    """Ramesh, Anita and Kiran in turn, typing what the README shows them typing."""
    steps = walkthrough()
    for shown in (
        'make run ARGS="--as ramesh"',
        "Ramesh types `hi` and picks a language; his first report starts at once.",
        "`/photo PATH`",
        "She types `take MK-1001`, `type MK-1001 incident`, `priority MK-1001 P1` and "
        "`escalate MK-1001`",
        "`comment MK-1001 Please send the muster roll number`",
        "Ramesh simply types his answer, `MR/2026/0142`",
        "`resolve MK-1001 Fixed in iFIX; please submit the bill again`",
        "`status mk 1001` shows the current state",
    ):
        assert shown in steps, shown

    ramesh = chat(
        "ramesh",
        [
            "hi",
            "1",  # English
            "Jatni",  # ULB
            "1",  # ULB employee
            "Ramesh Sahu",
            "wage",  # module
            "2",  # The app or iFIX shows an error
            "Wage bill shows error 500 on submit",
            "/photo screen-of-the-error",
            "1",  # submit
        ],
        env,
    )
    assert in_order(
        ramesh,
        "Which ULB",
        "1 attachment(s)",
        "Attachments: 1",
        "Your problem is registered as ticket MK-1001.",
        "The helpdesk will respond by",
    )

    anita = chat(
        "anita",
        ["take MK-1001", "type MK-1001 incident", "priority MK-1001 P1", "escalate MK-1001"],
        env,
    )
    assert "Choose your language" not in anita
    assert in_order(
        anita,
        "── to team-l1 ──",
        "MK-1001 · P2 · Received",  # the new ticket card for the L1 group
        "MK-1001: taken by Anita",
        "MK-1001: priority P2 → P1; response due",
        "MK-1001: L1 Helpdesk (HUDD) → eGov technical team",  # the category's route
    )

    kiran = chat("kiran", ["comment MK-1001 Please send the muster roll number"], env)
    assert in_order(kiran, "── to team-egov-tech ──", "MK-1001 · P1", "MK-1001: message sent")

    answered = chat("ramesh", ["MR/2026/0142"], env)
    assert "Please send the muster roll number" in answered
    assert "did not understand" not in answered
    assert "Your answer on ticket MK-1001 has been passed to eGov technical team" in answered

    kiran = chat("kiran", ["resolve MK-1001 Fixed in iFIX; please submit the bill again"], env)
    assert in_order(
        kiran,
        "The reporter answered on MK-1001:\nMR/2026/0142",
        "MK-1001: resolved; the reporter is asked to confirm",
    )

    # Ramesh gets every update when he next opens his chat; the status is the current one.
    back = chat("ramesh", ["status mk 1001"], env)
    assert in_order(
        back,
        "Update on ticket MK-1001: resolved.\nFixed in iFIX; please submit the bill again",
        "Ticket MK-1001: Resolved",
    )


def test_check_config_accepts_the_shipped_configuration(env: dict[str, str]) -> None:
    done = bot(["check-config"], env)

    assert done.returncode == 0, done.stderr
    assert "helpdesk.toml: OK (2 ULBs, 6 teams, 5 staff)" in done.stdout


def test_check_config_names_the_chats_serve_does_not_send_to(tmp_path: Path) -> None:
    """The shipped team chats are console chats: only chat sessions read them. With
    Telegram on, a Telegram group is served, a WhatsApp number without Twilio is not."""
    shipped = bot(["check-config"], environment())
    assert shipped.returncode == 0, shipped.stderr
    assert "Chats `serve` does not send to with these settings" in shipped.stdout
    assert "team l1: console:team-l1 (read only by `python -m bot chat` sessions)" in (
        shipped.stdout
    )
    assert "staff anita: console:anita (read only by" in shipped.stdout

    edited = tmp_path / "helpdesk.toml"
    text = (ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8")
    text = text.replace('"console:team-l1"', '"telegram:-1001234567890"')
    text = text.replace('"console:kiran"', '"whatsapp:+919800000004"')
    edited.write_text(text, encoding="utf-8")
    on = environment(
        HELPDESK_CONFIG=str(edited), TELEGRAM_BOT_TOKEN="123:abc", TELEGRAM_MODE="polling"
    )
    done = bot(["check-config"], on)
    assert done.returncode == 0, done.stderr
    assert "telegram:-1001234567890" not in done.stdout
    assert "staff kiran: whatsapp:+919800000004 (TWILIO_ACCOUNT_SID is not set)" in done.stdout
    assert "team egov_tech: console:team-egov-tech (read only by" in done.stdout


def test_check_config_warns_when_this_years_extra_holidays_are_missing(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Only old years listed: the state holidays of this year would count as working days."""
    shipped = (ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8")
    stale = tmp_path / "helpdesk.toml"
    stale.write_text(re.sub(r'date = "202[67]-', 'date = "2020-', shipped), encoding="utf-8")
    done = bot(["check-config"], {**env, "HELPDESK_CONFIG": str(stale)})

    assert done.returncode == 0, done.stderr
    assert "OK (2 ULBs" in done.stdout
    this_year = datetime.now(ZoneInfo("Asia/Kolkata")).year
    assert f"Warning: no extra holidays for {this_year} in [calendar] extra_holidays" in (
        done.stderr
    )


def test_a_missing_configuration_file_stops_with_a_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "helpdesk.toml"
    env = environment(HELPDESK_CONFIG=str(missing), DATABASE_URL="sqlite+aiosqlite://")

    for arguments in (["check-config"], ["chat", "--as", "anita"]):
        done = bot(arguments, env)
        assert done.returncode == 2
        assert done.stdout == ""
        assert f"Configuration error: configuration file {missing} does not exist" in done.stderr
        assert "Traceback" not in done.stderr


def test_a_broken_configuration_names_the_place(tmp_path: Path) -> None:
    broken = tmp_path / "helpdesk.toml"
    shipped = (ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8")
    broken.write_text(
        shipped.replace('team = "egov_tech"', 'team = "egov_technical"'), encoding="utf-8"
    )
    done = bot(["check-config"], environment(HELPDESK_CONFIG=str(broken)))

    assert done.returncode == 2
    assert "Configuration error:" in done.stderr
    assert "staff 'kiran': unknown team 'egov_technical'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"HTTP_PORT": "99999"}, "Settings error: HTTP_PORT: Input should be less than or equal"),
        ({"DATABASE_URL": "bogus://x"}, "Settings error: DATABASE_URL: Value error, not a"),
        ({"HELPDESK_CONFIG": "config"}, "Configuration error: configuration file"),
    ],
)
def test_a_bad_setting_stops_with_a_clear_message(settings: dict[str, str], said: str) -> None:
    done = bot(["check-config"], environment(**settings))
    assert done.returncode == 2
    assert said in done.stderr
    assert "Traceback" not in done.stderr


def test_report_on_a_new_database_and_its_mistakes_are_plain(
    env: dict[str, str], tmp_path: Path
) -> None:
    """`report` on a database never served yet makes its tables (and reports no tickets); days
    outside the calendar and a file that cannot be written are said so, with exit status 2."""
    empty = bot(["report", "--from", "2026-11-01", "--to", "2026-11-27"], env)
    assert empty.returncode == 0, empty.stderr
    assert "Traceback" not in empty.stderr
    for arguments, said in (
        (["--to", "0001-01-05"], "out of the calendar's range"),
        (["--csv", str(tmp_path)], "A file could not be written"),
    ):
        done = bot(["report", *arguments], env)
        assert done.returncode == 2, done.stderr
        assert said in done.stderr and "Traceback" not in done.stderr


async def test_a_photo_sent_from_the_console_chat_opens_on_the_ticket_page(
    env: dict[str, str], tmp_path: Path
) -> None:
    """`/photo PATH` in a console chat: the web console shows that picture, not a broken
    image (the chat's reference was a path on the reporter's side, which no page could open)."""
    picture = tmp_path / "error-screen.png"
    await asyncio.to_thread(Image.new("RGB", (40, 30), "red").save, picture)
    media = tmp_path / "media"
    env = {**env, "MEDIA_DIR": str(media)}
    at_attachments = REPORT.index("Wage bill shows error 500 on submit") + 1
    lines = [*REPORT[:at_attachments], f"/photo {picture}", *REPORT[at_attachments:]]
    said = await asyncio.to_thread(chat, "ramesh", lines, env)
    assert "registered as ticket MK-1001" in said

    settings = Settings(  # type: ignore[call-arg]
        database_url=env["DATABASE_URL"], media_dir=media, _env_file=None
    )
    helpdesk = build(settings)
    try:
        await make_account(helpdesk, "anita", "l1", "l1")
        async with console_client(helpdesk) as anita:
            assert (await anita.sign_in("anita")).status_code == 303
            page = (await anita.get("/console/tickets/MK-1001")).text
            shown = re.search(r'<img src="(/console/tickets/MK-1001/attachments/\d+)"', page)
            assert shown is not None, page
            assert "error-screen.png" in page
            image = await anita.get(shown.group(1))
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert image.content == await asyncio.to_thread(picture.read_bytes)
    finally:
        await helpdesk.close()


async def test_a_console_reference_that_is_no_file_is_said_so_not_shown_broken(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = {**env, "MEDIA_DIR": str(tmp_path / "media")}
    at_attachments = REPORT.index("Wage bill shows error 500 on submit") + 1
    lines = [*REPORT[:at_attachments], "/photo IMG_2041", *REPORT[at_attachments:]]
    await asyncio.to_thread(chat, "ramesh", lines, env)
    settings = Settings(  # type: ignore[call-arg]
        database_url=env["DATABASE_URL"], media_dir=tmp_path / "media", _env_file=None
    )
    helpdesk = build(settings)
    try:
        await make_account(helpdesk, "anita", "l1", "l1")
        async with console_client(helpdesk) as anita:
            assert (await anita.sign_in("anita")).status_code == 303
            page = text_of(await anita.get("/console/tickets/MK-1001"))
        assert "<img" not in page
        assert "the helpdesk has no copy of this file (reference: IMG_2041)" in page
    finally:
        await helpdesk.close()
