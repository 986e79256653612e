"""Command line: `mukta-helpdesk chat | serve | migrate | check-config | account | report`, the
console script `pip install .` (and `make`) installs; `python -m bot …` is the same."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from adapters import console
from bot import logs, reports
from bot import server as http_server
from bot.app import create_app
from bot.build import build
from bot.console_media import keep_files
from bot.core.config import HelpdeskConfig, load_config
from bot.core.configmodel import ConfigError
from bot.core.outbox import OutboxRelay
from bot.helpdesk import Helpdesk
from bot.reach import served_channels, unserved
from bot.relay_process import RelayProcess, run_relay, wanted
from bot.settings import ROOT, Settings
from bot.web.cli import add_account_commands, run_account
from flows.directory import Directory
from flows.messages import Address

log = logging.getLogger("bot")
INTERACTIVE = ("chat", "account")  # commands a person types at and reads


def _jira_summary(settings: Settings, config: HelpdeskConfig) -> str:
    """What `check-config` says of the mirror: which API it will use, and how the issue
    follows the ticket (the names are checked against each issue's workflow when used)."""
    cloud = settings.jira_personal_access_token is None
    api = "Cloud, REST API v3" if cloud else "Data Center, REST API v2"
    moves = ", ".join(f"{status} -> '{name}'" for status, name in config.jira.transitions.items())
    return (
        f"JIRA mirror: {settings.jira_url} ({api}), project {settings.jira_project_key}, "
        f"teams {', '.join(config.jira.teams)}; transitions: {moves or 'none'}"
    )


def script() -> int:
    """The `mukta-helpdesk` console script."""
    return main(prog="mukta-helpdesk")


def parser_of(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="MUKTA Helpdesk")
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser("chat", help="chat with the helpdesk in this terminal")
    chat.add_argument(
        "--as",
        dest="who",
        default="",
        help="a staff key from the configuration (e.g. anita) or a console name "
        "(default: your login name)",
    )
    chat.add_argument("--name", default="", help="the name a chat app would show for you")
    commands.add_parser("serve", help="run the HTTP server and the outbox relay")
    commands.add_parser(
        "relay",
        help="deliver the outbox until standard input closes (serve starts this itself: "
        "RELAY_PROCESS)",
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("check-config", help="validate the configuration file and exit")
    report = commands.add_parser(
        "report", help="SLA compliance and volumes for tickets created in a range of days"
    )
    report.add_argument(
        "--from",
        dest="first_day",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="first day (default: 29 days before --to)",
    )
    report.add_argument(
        "--to",
        dest="last_day",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="last day, included (default: today)",
    )
    report.add_argument("--csv", type=Path, help="write the summary CSV here")
    report.add_argument("--tickets", type=Path, help="write one CSV row per ticket here")
    report.add_argument("--events", type=Path, help="write one CSV row per audit event here")
    report.add_argument("--chart", type=Path, help="write the weekly chart (PNG) here")
    add_account_commands(commands)
    return parser


def _settings() -> Settings | None:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
            for item in error.errors()
        )
        print(f"Settings error: {problems}", file=sys.stderr)
        return None


def _config(settings: Settings) -> HelpdeskConfig | None:
    try:
        return load_config(settings.helpdesk_config)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        if not settings.helpdesk_config.exists():
            print(
                f"Relative paths are taken from {ROOT}: start it in the directory that holds "
                "config/ and .env, or set HELPDESK_CONFIG.",
                file=sys.stderr,
            )
        return None


def check_config(settings: Settings, config: HelpdeskConfig) -> int:
    directory = config.directory
    print(
        f"{settings.helpdesk_config}: OK ({len(directory.ulbs)} ULBs, "
        f"{len(directory.teams)} teams, {len(directory.staff)} staff)"
    )
    if settings.jira_url:
        print(_jira_summary(settings, config))
    elsewhere = unserved(directory, served_channels(settings))
    if elsewhere:
        print(
            "Chats `serve` does not send to with these settings (their messages wait "
            f"{settings.outbox_unserved_minutes:g} minutes for a chat session, then expire):"
        )
        print("\n".join(f"  {line}" for line in elsewhere))
    today = datetime.now(config.calendar.zone).date()
    for year in config.calendar.years_lacking_extra_holidays(today):
        print(
            f"Warning: no extra holidays for {year} in [calendar] extra_holidays: add the "
            "Odisha state holidays the holidays package lacks (Rath Yatra, Nuakhai, …) "
            "from the state's notification, or the SLA clock counts them as working days.",
            file=sys.stderr,
        )
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "python -m bot") -> int:
    arguments = parser_of(prog).parse_args(argv)
    settings = _settings()
    if settings is None:
        return 2
    # The chat and the account commands are for a person at a terminal: keep log lines out
    # of the conversation and the password prompts (warnings still go to stderr, as text).
    interactive = arguments.command in INTERACTIVE
    level = "WARNING" if interactive else settings.log_level
    logs.configure(level, "text" if interactive else settings.log_format)
    config = _config(settings)
    if config is None:
        return 2
    if arguments.command == "check-config":
        return check_config(settings, config)
    if arguments.command == "chat":
        return asyncio.run(run_chat(settings, config, arguments.who, arguments.name))
    if arguments.command == "migrate":
        asyncio.run(built(settings, config, migrate))
        print("database is up to date")
        return 0
    if arguments.command == "account":
        return asyncio.run(built(settings, config, lambda h: run_account(h, arguments)))
    if arguments.command == "report":
        return asyncio.run(built(settings, config, lambda h: run_report(h, arguments)))
    if arguments.command == "relay":
        return http_server.run(built(settings, config, run_relay))
    return http_server.run(built(settings, config, lambda h: serve(settings, h)))


async def built(
    settings: Settings, config: HelpdeskConfig, command: Callable[[Helpdesk], Awaitable[int]]
) -> int:
    """Run `command` on the helpdesk, built here, inside the running event loop: the clients
    it holds (HTTP sessions, locks) belong to the loop they are made in."""
    return await command(build(settings, config=config))


async def migrate(helpdesk: Helpdesk) -> int:
    try:
        await helpdesk.migrate()
    finally:
        await helpdesk.close()
    return 0


async def run_report(helpdesk: Helpdesk, arguments: argparse.Namespace) -> int:
    files = reports.ReportFiles(arguments.csv, arguments.tickets, arguments.events, arguments.chart)
    try:
        await helpdesk.migrate()  # a database never served yet has its tables, and no tickets
        return await reports.run_report(
            helpdesk.unit_of_work,
            helpdesk.config,
            helpdesk.clock(),
            arguments.first_day,
            arguments.last_day,
            files,
            sys.stdout,
        )
    except OverflowError:
        print("Those days are out of the calendar's range.", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"A file could not be written: {error}", file=sys.stderr)
        return 2
    finally:
        await helpdesk.close()


class _Server(uvicorn.Server):
    """uvicorn, minus its signal capture: `serve` stops it on SIGTERM/SIGINT and exits 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: Settings, helpdesk: Helpdesk) -> int:
    await helpdesk.migrate()
    http_server.settle_after_start_up()
    sends = bool(helpdesk.relay.senders)
    relay = RelayProcess() if wanted(settings.relay_process, sends) else None
    server = _Server(http_server.uvicorn_config(create_app(helpdesk, relay=relay), settings))
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, lambda: setattr(server, "should_exit", True))
    log.info("serving", extra={"host": settings.http_host, "port": settings.http_port})
    await server.serve()
    log.info("stopped")
    return 0


def chat_identity(directory: Directory, who: str) -> tuple[Address, list[str]]:
    """The console address to chat as, and every chat it reads (its team's too, for staff)."""
    member = directory.staff_by_key(who) if who else None
    if member is None:
        address = Address(console.CHANNEL, who or getpass.getuser())
        member = directory.staff_at(address)
    else:
        consoles = [a for a in member.addresses if a.channel == console.CHANNEL]
        address = consoles[0] if consoles else Address(console.CHANNEL, member.key)
    watched = [str(address)]
    if member is not None:
        teams = [t for t in directory.teams if member.role == "admin" or t.key == member.team]
        watched += [
            str(chat) for team in teams for chat in team.chats if chat.channel == console.CHANNEL
        ]
    return address, watched


async def run_chat(settings: Settings, config: HelpdeskConfig, who: str, name: str) -> int:
    address, watched = chat_identity(config.directory, who)
    member = config.directory.staff_at(address)
    out = sys.stdout

    def write(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    sender = console.ConsoleSender(write, address)
    helpdesk = build(settings, senders={console.CHANNEL: sender}, config=config)
    await helpdesk.migrate()
    role = f"staff: {member.name}" if member else "reporter"
    write(
        f"MUKTA Helpdesk console chat as {address} ({role}). "
        "Type hi to start, help for help; Ctrl-D quits.\n"
    )
    relay = helpdesk.relay
    await relay.deliver_due(watched)
    poller = asyncio.create_task(_poll(relay, watched)) if sys.stdin.isatty() else None
    try:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            if not line.strip():
                continue
            inbound = console.parse(line, address, helpdesk.clock(), sender_name=name)
            inbound = keep_files(inbound, settings.media_dir)  # for the web console to open
            await helpdesk.dispatcher.handle(inbound)
            await relay.deliver_due(watched)
    finally:
        if poller is not None:
            poller.cancel()
        await helpdesk.close()
    return 0


async def _poll(relay: OutboxRelay, watched: list[str]) -> None:
    """Show what other people's actions sent to this chat while it waits for typing."""
    while True:
        await asyncio.sleep(relay.poll_seconds)
        try:
            await relay.deliver_due(watched)
        except Exception:
            log.exception("console delivery failed")


if __name__ == "__main__":
    sys.exit(main())
