"""The dashboard: charts of the helpdesk's figures, and CSV export of the queue's filter."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.web.console import Console


def dashboard_routes(console: Console) -> list[BaseRoute]:
    return []
