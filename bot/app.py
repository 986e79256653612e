"""The HTTP side: health check now, channel webhooks as channels are enabled."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters import whatsapp as whatsapp_wire
from bot.build import Helpdesk
from bot.jira import WEBHOOK_PATH as JIRA_WEBHOOK
from bot.whatsapp import STATUS_PATH, WEBHOOK_PATH, apply_receipt, receipt_of

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


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

    whatsapp = helpdesk.whatsapp
    if whatsapp is not None:
        notifier = helpdesk.dispatcher.notifier

        async def signed_form(request: Request) -> dict[str, str] | None:
            """Twilio's form, or None when the signature is missing or wrong."""
            body = (await request.body()).decode("utf-8", errors="replace")
            form = dict(parse_qsl(body, keep_blank_values=True))
            signature = request.headers.get("X-Twilio-Signature", "")
            if not whatsapp.is_signed(request.url.path, request.url.query, form, signature):
                return None
            return form

        async def whatsapp_webhook(request: Request) -> Response:
            form = await signed_form(request)
            if form is None:
                return Response(status_code=403)
            inbound = whatsapp_wire.to_inbound(form, helpdesk.clock())
            if inbound is not None:
                await helpdesk.dispatcher.handle(inbound)
                whatsapp.keep_media_copies([item.ref for item in inbound.attachments])
            # Empty TwiML: replies go out through the outbox and Twilio's REST API.
            return Response(EMPTY_TWIML, media_type="text/xml")

        async def whatsapp_status(request: Request) -> Response:
            form = await signed_form(request)
            if form is None:
                return Response(status_code=403)
            receipt = receipt_of(form)
            if receipt is not None:
                async with helpdesk.unit_of_work() as uow:
                    again = await apply_receipt(
                        uow, receipt, helpdesk.clock(), notifier.undeliverable
                    )
                    await uow.commit()
                helpdesk.relay.wake()
                if again:
                    log.info("whatsapp message queued again", extra={"sid": receipt.message_sid})
            return Response(status_code=204)

        routes.append(Route(WEBHOOK_PATH, whatsapp_webhook, methods=["POST"]))
        routes.append(Route(STATUS_PATH, whatsapp_status, methods=["POST"]))

    jira = helpdesk.jira
    if jira is not None:

        async def jira_webhook(request: Request) -> Response:
            body = await request.body()
            signature = request.headers.get("X-Hub-Signature", "")
            secret = request.query_params.get("secret", "")
            if not jira.inbound.authentic(secret, signature, body):
                return Response(status_code=403)
            try:
                payload = json.loads(body)
            except ValueError:
                return Response("not JSON", status_code=400)
            if not isinstance(payload, dict):
                return Response("not a JIRA event", status_code=400)
            await jira.receive(payload)
            return Response(status_code=204)

        routes.append(Route(JIRA_WEBHOOK, jira_webhook, methods=["POST"]))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        relay = asyncio.create_task(helpdesk.relay.run(stop)) if run_relay else None
        scheduler = asyncio.create_task(helpdesk.scheduler.run(stop)) if run_relay else None
        polling = (
            asyncio.create_task(jira.run_poll(stop))
            if jira is not None and run_relay and helpdesk.settings.jira_poll_seconds > 0
            else None
        )
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
            if scheduler is not None:
                await scheduler
            if polling is not None:
                await polling
            if jira is not None:
                await jira.close()
            if whatsapp is not None:
                await whatsapp.close()
            await helpdesk.close()

    return Starlette(routes=routes, lifespan=lifespan)
