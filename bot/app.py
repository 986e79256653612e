"""The HTTP side: health check now, channel webhooks as channels are enabled."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
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

    routes = [Route("/healthz", healthz)]
    telegram = helpdesk.telegram
    if telegram is not None and helpdesk.settings.telegram_mode == "webhook":
        secret = helpdesk.settings.telegram_webhook_secret
        expected = secret.get_secret_value().encode() if secret else b""

        async def telegram_webhook(request: Request) -> Response:
            # Authenticate before reading anything: Telegram sends the secret we registered.
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
            if not expected or not hmac.compare_digest(given, expected):
                return Response(status_code=403)
            try:
                update = telegram.parse(await request.json())
            except ValueError:
                return Response("not an update", status_code=400)
            if update is not None:
                await telegram.handle(update)
            return Response(status_code=200)

        routes.append(Route(telegram.webhook_path, telegram_webhook, methods=["POST"]))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        relay = asyncio.create_task(helpdesk.relay.run(stop)) if run_relay else None
        if telegram is not None:
            await telegram.start()
        try:
            yield
        finally:
            stop.set()
            if telegram is not None:
                await telegram.stop()
            if relay is not None:
                await relay
            await helpdesk.close()

    return Starlette(routes=routes, lifespan=lifespan)
