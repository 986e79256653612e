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
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from adapters.http import Endpoint
from adapters.jira import webhook as jira_webhook
from adapters.jira.wire import changes_in
from adapters.telegram.webhook import webhook_endpoint as telegram_webhook
from adapters.whatsapp import wire as whatsapp_wire
from adapters.whatsapp.channel import WhatsAppChannel
from adapters.whatsapp.webhook import endpoints as whatsapp_endpoints
from bot import metrics
from bot.configwatch import ConfigWatcher
from bot.core.jira_sync import JiraMirror
from bot.core.ratelimit import InboundLimiter
from bot.core.receipts import take_receipt
from bot.helpdesk import Helpdesk
from bot.metrics import RequestTimer
from bot.relay_process import RelayProcess
from bot.web.app import console_mount
from bot.web.console import PREFIX as CONSOLE
from bot.webhooklane import WebhookLane
from db.checkpoint import WalCheckpointer, database_file

log = logging.getLogger(__name__)
METRICS = "/metrics"


def helpdesk_of(request: Request) -> Helpdesk:
    helpdesk: Helpdesk = request.app.state.helpdesk
    return helpdesk


async def healthz(request: Request) -> JSONResponse:
    healthy = await helpdesk_of(request).database_ok()
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if healthy else "unreachable",
    }
    relay: RelayProcess | None = request.app.state.relay
    if relay is not None:  # messages are taken meanwhile; they wait to be sent
        body["relay"] = "running" if relay.running else "restarting"
    return JSONResponse(body, status_code=200 if healthy else 503)


async def home(_request: Request) -> Response:
    return RedirectResponse(f"{CONSOLE}/", status_code=303)


async def metrics_page(request: Request) -> Response:
    helpdesk = helpdesk_of(request)
    token = helpdesk.settings.metrics_token
    wanted = f"Bearer {token.get_secret_value()}".encode() if token else b""
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


def _whatsapp_webhooks(
    helpdesk: Helpdesk, whatsapp: WhatsAppChannel, relay: RelayProcess | None
) -> dict[str, Endpoint]:
    async def on_receipt(receipt: whatsapp_wire.Receipt) -> bool:
        # The notifier of the configuration in use now (an admin may reload it).
        again = await take_receipt(
            helpdesk.unit_of_work,
            receipt,
            helpdesk.clock(),
            helpdesk.dispatcher.notifier.undeliverable,
        )
        if relay is None:
            helpdesk.relay.wake()  # the webhook pauses this process's sender itself
            return again
        if receipt.code in whatsapp_wire.THROTTLED:
            relay.pause(whatsapp_wire.CHANNEL, receipt.code)
        relay.wake()
        return again

    return whatsapp_endpoints(whatsapp, helpdesk.dispatcher.handle, on_receipt, helpdesk.clock)


def _jira_webhooks(helpdesk: Helpdesk, jira: JiraMirror) -> dict[str, Endpoint]:
    secret = helpdesk.settings.jira_webhook_secret
    endpoint = jira_webhook.endpoint(
        authenticate=jira_webhook.shared_secret(secret.get_secret_value() if secret else None),
        # Read with the `[jira]` configuration in use now (an admin may switch it).
        check=lambda payload: changes_in(payload, jira.config.jira),
        receive=jira.receive,
    )
    return {jira_webhook.WEBHOOK_PATH: endpoint}


def channel_webhooks(helpdesk: Helpdesk, relay: RelayProcess | None = None) -> dict[str, Endpoint]:
    """The providers' POST endpoints, by path, of the channels this helpdesk serves (`relay`:
    the process sending its messages, when not this one)."""
    webhooks: dict[str, Endpoint] = {}
    telegram = helpdesk.telegram
    if telegram is not None and telegram.options.mode == "webhook":
        webhooks[telegram.webhook_path] = telegram_webhook(telegram)
    if helpdesk.whatsapp is not None:
        webhooks.update(_whatsapp_webhooks(helpdesk, helpdesk.whatsapp, relay))
    if helpdesk.jira is not None:
        webhooks.update(_jira_webhooks(helpdesk, helpdesk.jira))
    return webhooks


def _background(
    helpdesk: Helpdesk, stop: asyncio.Event, relay: RelayProcess | None
) -> list[asyncio.Task[None]]:
    """The relay (or its process), the scheduler, the configuration watcher, the JIRA poll
    and SQLite's WAL checkpoints."""
    settings = helpdesk.settings
    work = [(relay or helpdesk.relay).run(stop), helpdesk.scheduler.run(stop)]
    if settings.config_check_seconds > 0:
        work.append(ConfigWatcher(helpdesk, settings.config_check_seconds).run(stop))
    if helpdesk.jira is not None and settings.jira_poll_seconds > 0:
        work.append(helpdesk.jira.run_poll(stop))
    sqlite_file = database_file(settings.database_url)
    if sqlite_file is not None:
        work.append(WalCheckpointer(sqlite_file).run(stop))
    return [asyncio.create_task(job) for job in work]


def lifespan_of(
    helpdesk: Helpdesk, run_relay: bool, relay: RelayProcess | None = None
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        running = _background(helpdesk, stop, relay) if run_relay else []
        telegram = helpdesk.telegram
        if telegram is not None:
            await telegram.start_when_reachable(stop)
        try:
            yield
        finally:
            stop.set()
            if telegram is not None:
                await telegram.stop()  # no more updates; its connections close last
            for task in running:
                await task
            await helpdesk.close()

    return lifespan


def create_app(
    helpdesk: Helpdesk, run_relay: bool = True, relay: RelayProcess | None = None
) -> Starlette:
    """The server's app; `relay`: the outbox is sent by that process, not by this one."""
    # Every channel's messages come in through this app (webhooks, and Telegram polling
    # started by its lifespan), so this is where the per-chat limit is switched on.
    if helpdesk.dispatcher.limiter is None:
        helpdesk.dispatcher.limiter = InboundLimiter(helpdesk.settings.inbound_per_minute)
    if relay is not None:  # what is committed to the outbox wakes the relay process
        helpdesk.dispatcher.on_commit = helpdesk.scheduler.on_commit = relay.wake
        if helpdesk.jira is not None:
            helpdesk.jira.on_commit = relay.wake
    # Providers' POSTs, routed as usual and also taken straight to their endpoints (WebhookLane).
    webhooks = channel_webhooks(helpdesk, relay)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route(METRICS, metrics_page),
        Route("/", home),
        console_mount(helpdesk),
        *(Route(path, endpoint, methods=["POST"]) for path, endpoint in webhooks.items()),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan_of(helpdesk, run_relay, relay),
        middleware=[
            Middleware(RequestTimer, paths=["/healthz", METRICS, *webhooks]),
            Middleware(WebhookLane, endpoints=webhooks),
        ],
    )
    app.state.helpdesk = helpdesk
    app.state.relay = relay
    return app
