"""Admin pages: accounts, the configuration (validated, reloaded live), and the record of who
changed what. Every change an admin makes here is written to the change record."""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.config import (
    HelpdeskConfig,
    config_digest,
    load_config_text,
    previous_version,
    write_config_text,
)
from bot.core.configmodel import ConfigError
from bot.core.configuse import Problem, still_in_use
from bot.web import sessions
from bot.web.accounts import LANGUAGES, AccountError, recent_changes, record_change
from bot.web.console import PREFIX, Console, Visit, page
from db.models import AdminChange, StaffAccount
from flows.directory import STAFF_ROLES

log = logging.getLogger(__name__)
ADMIN = f"{PREFIX}/admin"
ACCOUNTS = f"{ADMIN}/accounts"
CONFIGURATION = f"{ADMIN}/configuration"
ACCOUNT_FIELDS = ("key", "name", "role", "team", "language")
ACCOUNT_NOTICES = ("created", "updated", "password")


@dataclass(frozen=True)
class ChangeView:
    change: AdminChange
    diff: str
    fields: Sequence[str]


def summary(config: HelpdeskConfig) -> list[tuple[str, int]]:
    directory = config.directory
    return [
        ("cfg_count_ulbs", len(directory.ulbs)),
        ("cfg_count_modules", len(directory.modules)),
        ("cfg_count_categories", len(directory.categories)),
        ("cfg_count_teams", len(directory.teams)),
        ("cfg_count_staff", len(directory.staff)),
        ("cfg_count_holidays", len(config.calendar.extra_holidays)),
    ]


def config_diff(old: str, new: str, name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), name, name, n=2
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def change_view(change: AdminChange) -> ChangeView:
    """A recorded change as the record page shows it: a configuration's diff as it is, an
    account's changed fields one per line ("role: l1 → admin")."""
    try:
        detail = json.loads(change.detail or "{}")
    except ValueError:
        return ChangeView(change, "", [change.detail])
    if not isinstance(detail, dict):
        return ChangeView(change, "", [str(detail)])
    diff = str(detail.pop("diff", ""))
    fields = []
    for name, value in sorted(detail.items()):
        if isinstance(value, list) and len(value) == 2:
            fields.append(f"{name}: {value[0]} → {value[1]}")
        else:
            fields.append(f"{name}: {value}")
    return ChangeView(change, diff, fields)


def config_path(console: Console) -> Path:
    # Read at each request: the file's place is a setting, not something kept here.
    return console.helpdesk.settings.helpdesk_config


# -- the index -------------------------------------------------------------------------


@page("admin")
async def index(request: Request, visit: Visit) -> Response:
    return visit.console.html("admin_index.html", visit.language, visit)


# -- accounts ----------------------------------------------------------------------------


async def accounts_list(
    visit: Visit,
    values: Mapping[str, str] | None = None,
    error: str = "",
    notice: str = "",
    notice_key: str = "",
) -> Response:
    console = visit.console
    chosen = values or {"role": "l1", "team": console.directory.intake_team, "language": "en"}
    # Rendered while the rows are loaded.
    async with console.helpdesk.unit_of_work().read_only() as uow:
        return console.html(
            "admin_accounts.html",
            visit.language,
            visit,
            status_code=400 if error else 200,
            rows=await console.accounts.all(uow.session),
            values=chosen,
            error=error,
            notice=notice,
            notice_key=notice_key,
            roles=STAFF_ROLES,
            account_languages=LANGUAGES,
        )


def account_form(
    visit: Visit,
    account: StaffAccount,
    values: Mapping[str, str],
    error: str = "",
    password_error: str = "",
) -> Response:
    return visit.console.html(
        "admin_account.html",
        visit.language,
        visit,
        status_code=400 if error or password_error else 200,
        account=account,
        values=values,
        error=error,
        password_error=password_error,
        roles=STAFF_ROLES,
        account_languages=LANGUAGES,
        is_me=account.key == visit.signed_in.account.key,
    )


def account_values(account: StaffAccount) -> dict[str, str]:
    values = {name: str(getattr(account, name)) for name in ACCOUNT_FIELDS}
    values["active"] = "on" if account.active else ""
    return values


def done(key: str, notice: str) -> Response:
    return RedirectResponse(f"{ACCOUNTS}?done={notice}&key={key}", status_code=303)


@page("admin")
async def accounts_page(request: Request, visit: Visit) -> Response:
    notice = request.query_params.get("done", "")
    return await accounts_list(
        visit,
        notice=notice if notice in ACCOUNT_NOTICES else "",
        notice_key=request.query_params.get("key", "")[:60],
    )


@page("admin")
async def create_account(request: Request, visit: Visit) -> Response:
    form = visit.form
    values = {name: form.get(name, "").strip() for name in ACCOUNT_FIELDS}
    console = visit.console
    try:
        async with console.helpdesk.unit_of_work() as uow:
            account = await console.accounts.create(
                uow.session,
                console.now(),
                visit.signed_in.account.key,
                values["key"],
                values["name"],
                values["role"],
                values["team"],
                form.get("password", ""),
                values["language"],
            )
            key = account.key
            await uow.commit()
    except AccountError as error:  # nothing stored; the form keeps what was typed
        return await accounts_list(visit, values, error.text(visit.language))
    log.info("account created", extra={"account": key, "by": visit.signed_in.account.key})
    return done(key, "created")


@page("admin")
async def account_page(request: Request, visit: Visit) -> Response:
    console = visit.console
    async with console.helpdesk.unit_of_work() as uow:
        account = await uow.session.get(StaffAccount, request.path_params["key"])
        if account is None:
            return console.refusal(visit.language, "acc_missing", 404)
        return account_form(visit, account, account_values(account))


@page("admin")
async def update_account(request: Request, visit: Visit) -> Response:
    form, key = visit.form, request.path_params["key"]
    values = {name: form.get(name, "").strip() for name in ACCOUNT_FIELDS[1:]}
    values["active"] = "on" if form.get("active") == "on" else ""
    console = visit.console
    async with console.helpdesk.unit_of_work() as uow:
        account = await uow.session.get(StaffAccount, key)
        if account is None:
            return console.refusal(visit.language, "acc_missing", 404)
        try:
            await console.accounts.update(
                uow.session,
                console.now(),
                visit.signed_in.account.key,
                key,
                name=values["name"],
                role=values["role"],
                team=values["team"],
                language=values["language"],
                active=bool(values["active"]),
            )
        except AccountError as error:  # nothing changed; the form keeps what was typed
            return account_form(visit, account, {"key": key, **values}, error.text(visit.language))
        if not account.active:  # switched off: signed out everywhere, now
            await sessions.end_all_for(uow.session, key)
        await uow.commit()
    return done(key, "updated")


@page("admin")
async def set_password(request: Request, visit: Visit) -> Response:
    form, key = visit.form, request.path_params["key"]
    password = form.get("password", "")
    console = visit.console
    async with console.helpdesk.unit_of_work() as uow:
        account = await uow.session.get(StaffAccount, key)
        if account is None:
            return console.refusal(visit.language, "acc_missing", 404)
        values = account_values(account)
        if password != form.get("password_again", ""):
            return account_form(visit, account, values, password_error=visit.t("acc_differ"))
        try:
            await console.accounts.set_password(
                uow.session, console.now(), visit.signed_in.account.key, key, password
            )
        except AccountError as error:
            return account_form(visit, account, values, password_error=error.text(visit.language))
        await uow.commit()
    log.info("password set", extra={"account": key, "by": visit.signed_in.account.key})
    if key == visit.signed_in.account.key:  # their own: sign in again with it
        return RedirectResponse(f"{PREFIX}/login", status_code=303)
    return done(key, "password")


# -- the configuration -------------------------------------------------------------------


def configuration_form(
    visit: Visit,
    text: str,
    base: str,
    status_code: int = 200,
    error: str = "",
    problems: Sequence[Problem] = (),
    notice: str = "",
    checked: HelpdeskConfig | None = None,
) -> Response:
    console = visit.console
    path = config_path(console)
    return console.html(
        "admin_configuration.html",
        visit.language,
        visit,
        status_code=status_code,
        text=text,
        base=base,
        file_name=path.name,
        previous_name=previous_version(path).name,
        summary=summary(console.helpdesk.config),
        checked_summary=summary(checked) if checked is not None else (),
        error=error,
        problems=problems,
        notice=notice,
    )


@page("admin")
async def configuration_page(request: Request, visit: Visit) -> Response:
    text = await asyncio.to_thread(config_path(visit.console).read_text, encoding="utf-8")
    saved = request.query_params.get("done", "") == "saved"
    return configuration_form(visit, text, config_digest(text), notice="cfg_saved" if saved else "")


@page("admin")
async def change_configuration(request: Request, visit: Visit) -> Response:
    form = visit.form
    # Browsers send a textarea's lines ending in CR LF; the file keeps plain LF.
    text = form.get("text", "").replace("\r\n", "\n")
    base = form.get("base", "")
    console = visit.console
    helpdesk = console.helpdesk
    path = config_path(console)
    try:
        config = load_config_text(text, path.name)
    except ConfigError as error:
        return configuration_form(visit, text, base, 400, error=str(error))
    async with console.config_saving, helpdesk.unit_of_work() as uow:
        problems = await still_in_use(uow.session, helpdesk.config, config)
        if problems:
            return configuration_form(visit, text, base, 409, problems=problems)
        if form.get("action") != "save":
            return configuration_form(visit, text, base, notice="cfg_valid", checked=config)
        current = await asyncio.to_thread(path.read_text, encoding="utf-8")
        if config_digest(current) != base:
            return configuration_form(visit, text, base, 409, error=visit.t("cfg_stale"))
        if current == text:
            return configuration_form(visit, text, base, notice="cfg_unchanged")
        try:
            await asyncio.to_thread(write_config_text, path, text)
        except OSError as error:
            why = visit.t("cfg_unwritable", error=error.strerror or error)
            return configuration_form(visit, text, base, 500, error=why)
        helpdesk.reconfigure(config, config_digest(text))
        actor = visit.signed_in.account.key
        diff = config_diff(current, text, path.name)
        now = console.now()
        record_change(uow.session, now, actor, "configuration", "update", diff=diff)
        await uow.commit()
    log.info("configuration changed and reloaded", extra={"by": actor})
    return RedirectResponse(f"{CONFIGURATION}?done=saved", status_code=303)


# -- the record of changes ---------------------------------------------------------------


@page("admin")
async def changes_page(request: Request, visit: Visit) -> Response:
    console = visit.console
    # Rendered while the rows are loaded.
    async with console.helpdesk.unit_of_work().read_only() as uow:
        changes = [change_view(change) for change in await recent_changes(uow.session)]
        return console.html("admin_changes.html", visit.language, visit, changes=changes)


ROUTES: list[BaseRoute] = [
    Route("/admin", index, methods=["GET"]),
    Route("/admin/accounts", accounts_page, methods=["GET"]),
    Route("/admin/accounts", create_account, methods=["POST"]),
    Route("/admin/accounts/{key}", account_page, methods=["GET"]),
    Route("/admin/accounts/{key}", update_account, methods=["POST"]),
    Route("/admin/accounts/{key}/password", set_password, methods=["POST"]),
    Route("/admin/configuration", configuration_page, methods=["GET"]),
    Route("/admin/configuration", change_configuration, methods=["POST"]),
    Route("/admin/changes", changes_page, methods=["GET"]),
]
