"""`python -m bot account …`: console accounts from the command line, above all the first
admin's, before anyone can sign in to create the others."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from bot.helpdesk import Helpdesk
from bot.web.accounts import LANGUAGES, AccountError, Accounts
from bot.web.passwords import WeakPassword, check_strength
from bot.web.strings import translate
from flows.directory import STAFF_ROLES

ACTOR = "command-line"


def add_account_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    account = commands.add_parser("account", help="web console accounts: create, password, list")
    actions = account.add_subparsers(dest="account_command", required=True)
    create = actions.add_parser(
        "create", help="create an account (the password is asked for, or read from stdin)"
    )
    create.add_argument("key", help="user name: small letters, digits, '.', '_' or '-'")
    create.add_argument("--name", required=True, help="the person's name, as staff see it")
    create.add_argument("--role", required=True, choices=STAFF_ROLES)
    create.add_argument("--team", required=True, help="a team key from the configuration")
    create.add_argument("--language", default="en", choices=LANGUAGES)
    password = actions.add_parser("password", help="set a new password for an account")
    password.add_argument("key")
    actions.add_parser("list", help="list the accounts")


def read_password(stdin: TextIO = sys.stdin, ask: Callable[[str], str] = getpass.getpass) -> str:
    """Asked at a terminal until one is good enough, then once more to be sure of it; the
    first line of standard input otherwise (for scripts)."""
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    while True:
        first = ask("Password: ")
        try:
            check_strength(first)  # said at once, not after it was typed twice
        except WeakPassword as weak:
            print(f"Not that one: {translate('en', weak.key, **weak.values)}.", file=sys.stderr)
            continue
        if ask("Password again: ") == first:
            return first
        print(f"Not that one: {translate('en', 'acc_err_passwords_differ')}.", file=sys.stderr)


async def run_account(helpdesk: Helpdesk, arguments: argparse.Namespace) -> int:
    accounts = Accounts(lambda: helpdesk.config.directory)
    now = helpdesk.clock()
    try:
        await helpdesk.migrate()
        async with helpdesk.unit_of_work() as uow:
            if arguments.account_command == "list":
                for item in await accounts.all(uow.session):
                    state = "active" if item.active else "switched off"
                    print(f"{item.key}\t{item.name}\t{item.role}\t{item.team}\t{state}")
                return 0
            if arguments.account_command == "create":
                account = await accounts.create(
                    uow.session,
                    now,
                    ACTOR,
                    arguments.key,
                    arguments.name,
                    arguments.role,
                    arguments.team,
                    read_password(),
                    arguments.language,
                )
                message = f"account '{account.key}' created ({account.role}, {account.team})"
            else:
                await accounts.set_password(uow.session, now, ACTOR, arguments.key, read_password())
                message = f"password of '{arguments.key}' changed"
            await uow.commit()
        print(message)
        return 0
    except AccountError as error:
        print(f"Not done: {error}", file=sys.stderr)
        return 2
    finally:
        await helpdesk.close()
