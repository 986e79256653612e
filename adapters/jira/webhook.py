"""JIRA's webhook: an issue updated or commented on in JIRA, delivered to the helpdesk.

A delivery proves it is JIRA's by the shared secret in its URL, or by Jira Cloud's HMAC-SHA256
signature of the body. A payload that cannot be read is refused (400) before anything changes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from adapters.http import JSON, Endpoint, Refused, guarded, json_object, read_body, require_type
from flows.jira import JiraChange

WEBHOOK_PATH = "/jira/webhook"
# Whether a delivery is JIRA's: (the secret in its URL, its X-Hub-Signature, its body).
Authenticate = Callable[[str, str, bytes], bool]


def shared_secret(secret: str | None) -> Authenticate:
    """Deliveries signed with `secret` (none, when there is no secret)."""

    def authentic(query_secret: str, signature: str, body: bytes) -> bool:
        if secret is None:
            return False
        key = secret.encode()
        if query_secret and hmac.compare_digest(query_secret.encode(), key):
            return True
        if signature.startswith("sha256="):
            expected = hmac.new(key, body, hashlib.sha256).hexdigest()
            return hmac.compare_digest(signature.removeprefix("sha256="), expected)
        return False

    return authentic


def endpoint(
    authenticate: Authenticate,
    check: Callable[[dict[str, Any]], list[JiraChange]],
    receive: Callable[[list[JiraChange]], Awaitable[object]],
) -> Endpoint:
    """The webhook: `check` reads a payload's changes (pure: the errors a payload of another
    shape raises make it a 400), `receive` applies them."""

    @guarded
    async def jira_webhook(request: Request) -> Response:
        require_type(request, JSON)
        body = await read_body(request)
        signature = request.headers.get("X-Hub-Signature", "")
        secret = request.query_params.get("secret", "")
        if not authenticate(secret, signature, body):
            return Response(status_code=403)
        payload = json_object(body)
        try:
            changes = check(payload)
        except (AttributeError, TypeError, ValueError, KeyError) as error:
            raise Refused(400, "not a JIRA event") from error
        await receive(changes)
        return Response(status_code=204)

    return jira_webhook
