"""The webhooks' own lane through the web app.

A provider's POST to a webhook goes straight to its endpoint, past Starlette's exception
middleware, router and endpoint wrappers: at saturation those layers were about a twentieth
of the event loop's time a message, and they have nothing to add there, since every webhook
endpoint is `adapters.http.guarded` (it answers every error itself, as the right 4xx or a 503).
Everything else goes on to the app as before: other methods on those paths (405), other
paths, and a request under a root path (left to the router's own matching).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.http import Endpoint


class WebhookLane:
    """ASGI middleware: `Middleware(WebhookLane, endpoints={path: endpoint})`."""

    def __init__(self, app: ASGIApp, endpoints: Mapping[str, Endpoint]) -> None:
        self.app = app
        self.endpoints = dict(endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            endpoint = self.endpoints.get(scope["path"])
            if endpoint is not None:
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
