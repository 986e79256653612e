"""The console's routes, mounted under /console on the helpdesk's one ASGI app."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.helpdesk import Helpdesk
from bot.web import admin, dashboard, desk_routes, export, signin
from bot.web.console import HERE, PREFIX, Console, WithConsole


def console_mount(helpdesk: Helpdesk) -> Mount:
    """The console's pages, each given this helpdesk's console through its request."""
    routes: list[BaseRoute] = [
        *signin.ROUTES,
        *desk_routes.ROUTES,
        *dashboard.ROUTES,
        *export.ROUTES,
        *admin.ROUTES,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    console = Console(helpdesk)
    return Mount(PREFIX, routes=routes, middleware=[Middleware(WithConsole, console=console)])
