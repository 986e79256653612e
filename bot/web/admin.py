"""Admin pages: accounts, the configuration (validated, reloaded live), and the record of who
changed what."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.web.console import Console


def admin_routes(console: Console) -> list[BaseRoute]:
    return []
