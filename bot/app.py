"""The HTTP side: health check, the staff web console, and channel webhooks as channels are
enabled.

Webhooks never answer 500. A request that is not what the provider sends (wrong secret or
signature, content type, size, shape) gets the 4xx that says so and changes nothing; an
ignored update gets a polite 2xx. When the message cannot be handled now (typically the
database is unreachable) the answer is 503, which the providers treat as "try again later";
redelivery is safe because every message is deduplicated by its provider ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from adapters.jira import webhook as jira_webhook
from adapters.jira.wire import changes_in
from adapters.telegram.webhook import webhook_endpoint as telegram_webhook
from adapters.whatsapp import wire as whatsapp_wire
from adapters.whatsapp.webhook import endpoints as whatsapp_endpoints
from bot import metrics
from bot.build import Helpdesk
from bot.configwatch import ConfigWatcher
from bot.core.ratelimit import InboundLimiter
from bot.core.receipts import take_receipt
from bot.metrics import RequestTimer
from bot.web.app import console_mount
from bot.web.console import PREFIX as CONSOLE
from bot.webhooklane import Endpoint, WebhookLane

log = logging.getLogger(__name__)
METRICS = "/metrics"


def create_app(helpdesk: Helpdesk, run_relay: bool = True) -> Starlette:
    async def healthz(_request: Request) -> JSONResponse:
        healthy = await helpdesk.database_ok()
        body = {
            "status": "ok" if healthy else "unavailable",
            "database": "ok" if healthy else "unreachable",
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    async def home(_request: Request) -> Response:
        return RedirectResponse(f"{CONSOLE}/", status_code=303)

    token = helpdesk.settings.metrics_token
    wanted = f"Bearer {token.get_secret_value()}".encode() if token else b""

    async def metrics_page(request: Request) -> Response:
        given = request.headers.get("Authorization", "").encode()
        if wanted and not hmac.compare_digest(given, wanted):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        try:
            async with helpdesk.unit_of_work().read_only() as uow:
                taken: metrics.Snapshot | None = await metrics.snapshot(uow, helpdesk.clock())
        except Exception:  # the counters are still worth scraping; /healthz says the rest
            log.warning("metrics: the database could not be read", exc_info=True)
            taken = None
        return Response(metrics.exposition(taken), media_type=metrics.CONTENT_TYPE)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route(METRICS, metrics_page),
        Route("/", home),
        console_mount(helpdesk),
    ]
    # Providers' POSTs, routed as usual and also taken straight to their endpoints (WebhookLane).
    webhooks: dict[str, Endpoint] = {}

    def webhook(path: str, endpoint: Endpoint) -> None:
        routes.append(Route(path, endpoint, methods=["POST"]))
        webhooks[path] = endpoint

    # Every channel's messages come in through this app (webhooks, and Telegram polling
    # started by its lifespan), so this is where the per-chat limit is switched on.
    if helpdesk.dispatcher.limiter is None:
        helpdesk.dispatcher.limiter = InboundLimiter(helpdesk.settings.inbound_per_minute)
    telegram = helpdesk.telegram
    if telegram is not None and telegram.options.mode == "webhook":
        webhook(telegram.webhook_path, telegram_webhook(telegram))

    whatsapp = helpdesk.whatsapp
    if whatsapp is not None:

        async def on_receipt(receipt: whatsapp_wire.Receipt) -> bool:
            # The notifier of the configuration in use now (an admin may reload it).
            again = await take_receipt(
                helpdesk.unit_of_work,
                receipt,
                helpdesk.clock(),
                helpdesk.dispatcher.notifier.undeliverable,
            )
            helpdesk.relay.wake()
            return again

        taking = whatsapp_endpoints(
            whatsapp, helpdesk.dispatcher.handle, on_receipt, helpdesk.clock
        )
        for path, endpoint in taking.items():
            webhook(path, endpoint)

    jira = helpdesk.jira
    if jira is not None:
        jira_secret = helpdesk.settings.jira_webhook_secret
        endpoint = jira_webhook.endpoint(
            authenticate=jira_webhook.shared_secret(
                jira_secret.get_secret_value() if jira_secret else None
            ),
            # Read with the `[jira]` configuration in use now (an admin may switch it).
            check=lambda payload: changes_in(payload, jira.config.jira),
            receive=jira.receive,
        )
        webhook(jira_webhook.WEBHOOK_PATH, endpoint)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        relay = asyncio.create_task(helpdesk.relay.run(stop)) if run_relay else None
        scheduler = asyncio.create_task(helpdesk.scheduler.run(stop)) if run_relay else None
        interval = helpdesk.settings.config_check_seconds
        watching = (
            asyncio.create_task(ConfigWatcher(helpdesk, interval).run(stop))
            if run_relay and interval > 0
            else None
        )
        polling = (
            asyncio.create_task(jira.run_poll(stop))
            if jira is not None and run_relay and helpdesk.settings.jira_poll_seconds > 0
            else None
        )
        if telegram is not None:
            await telegram.start_when_reachable(stop)
        try:
            yield
        finally:
            stop.set()
            if telegram is not None:
                await telegram.stop()  # no more updates; its connections close last
            if relay is not None:
                await relay
            if scheduler is not None:
                await scheduler
            if polling is not None:
                await polling
            if watching is not None:
                await watching
            if jira is not None:
                await jira.close()
            if whatsapp is not None:
                await whatsapp.close()
            await helpdesk.close()

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestTimer, paths=["/healthz", METRICS, *webhooks]),
            Middleware(WebhookLane, endpoints=webhooks),
        ],
    )
