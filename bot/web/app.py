"""The console's routes, mounted under /console on the helpdesk's one ASGI app."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.build import Helpdesk
from bot.web.admin import admin_routes
from bot.web.console import HERE, PREFIX, Console
from bot.web.dashboard import dashboard_routes
from bot.web.desk_routes import desk_routes


def console_mount(helpdesk: Helpdesk) -> Mount:
    console = Console(helpdesk)
    routes: list[BaseRoute] = [
        *desk_routes(console),
        *dashboard_routes(console),
        *admin_routes(console),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Mount(PREFIX, routes=routes)
