"""Signing in and out of the console, and choosing its language."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from adapters.http import Refused, form_fields, read_body, storable_text
from bot.web import sessions
from bot.web.console import PREFIX, Visit, console_of, page, same_origin

log = logging.getLogger(__name__)


async def login_form(request: Request) -> Response:
    console = console_of(request)
    if await console.signed_in(request) is not None:
        return RedirectResponse(f"{PREFIX}/", status_code=303)
    return console.html("login.html", request.query_params.get("lang", "en"))


async def login(request: Request) -> Response:
    console = console_of(request)
    if not same_origin(request):  # no signing in someone's browser from another site
        return console.refusal("en", "refused_origin")
    try:
        form = form_fields(await read_body(request))
    except Refused as refused:
        return console.refusal("en", "refused_form", refused.status)
    name = storable_text(form.get("username", "")).strip().lower()[:60]
    password = form.get("password", "")
    address = request.client.host if request.client else "unknown"
    now = console.now()
    if console.guard.blocked(name, address, now):
        log.warning("sign-in refused: too many failures", extra={"account": name})
        return console.html("login.html", "en", status_code=429, error="login_blocked")
    async with console.helpdesk.unit_of_work() as uow:
        account = await console.accounts.authenticate(uow.session, name, password)
        if account is None:
            console.guard.failed(name, address, now)
            log.info("sign-in failed", extra={"account": name})
            return console.html("login.html", "en", status_code=401, error="login_failed")
        token = await sessions.start(uow.session, account, now)
        await uow.commit()
    console.guard.succeeded(name)
    log.info("signed in", extra={"account": name})
    response = RedirectResponse(f"{PREFIX}/", status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(sessions.LIFETIME.total_seconds()),
        path=PREFIX,
        httponly=True,
        secure=console.secure_cookies,
        samesite="strict",
    )
    return response


@page()
async def logout(request: Request, visit: Visit) -> Response:
    async with visit.console.helpdesk.unit_of_work() as uow:
        await sessions.end(uow.session, request.cookies.get(sessions.COOKIE, ""))
        await uow.commit()
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path=PREFIX)
    return response


@page()
async def choose_language(request: Request, visit: Visit) -> Response:
    language = visit.form.get("language", "")
    if language in ("en", "or"):
        console = visit.console
        async with console.helpdesk.unit_of_work() as uow:
            account = await console.accounts.get(uow.session, visit.signed_in.account.key)
            account.language = language
            await uow.commit()
    back = visit.form.get("back", "")
    return RedirectResponse(back if back.startswith(f"{PREFIX}/") else f"{PREFIX}/", 303)


ROUTES: list[BaseRoute] = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/language", choose_language, methods=["POST"]),
]
