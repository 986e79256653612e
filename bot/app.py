"""The HTTP side: health check now, channel webhooks as channels are enabled."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.build import Helpdesk


def create_app(helpdesk: Helpdesk, run_relay: bool = True) -> Starlette:
    async def healthz(_request: Request) -> JSONResponse:
        healthy = await helpdesk.database_ok()
        body = {
            "status": "ok" if healthy else "unavailable",
            "database": "ok" if healthy else "unreachable",
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        relay = asyncio.create_task(helpdesk.relay.run(stop)) if run_relay else None
        try:
            yield
        finally:
            stop.set()
            if relay is not None:
                await relay
            await helpdesk.close()

    return Starlette(routes=[Route("/healthz", healthz)], lifespan=lifespan)
