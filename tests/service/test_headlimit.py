"""The limit on a request's headers, over real loopback HTTP with the protocol `serve` uses:
ordinary requests (large bodies, several on one connection) pass, oversized heads are
refused with 431."""

from __future__ import annotations

import httpx
from starlette.types import Receive, Scope, Send

from bot.server import MAX_HEAD_BYTES, http_implementation
from tests.servers import serving


async def echo_size(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the number of body bytes it read."""
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def headers_of(size: int) -> dict[str, str]:
    return {f"x-filler-{n}": "a" * 1000 for n in range(size // 1020)}


async def test_requests_near_the_limit_pass_with_any_body_and_on_one_connection() -> None:
    async with (
        serving(echo_size, lifespan="off", http=http_implementation()) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        near = headers_of(MAX_HEAD_BYTES - 4096)
        for _ in range(3):  # one connection, kept alive: each request has its own allowance
            answer = await client.post("/", headers=near, content=b"x" * 3_000_000)
            assert (answer.status_code, answer.text) == (200, "3000000")


async def test_a_request_past_the_limit_is_refused_with_431() -> None:
    async with (
        serving(echo_size, lifespan="off", http=http_implementation()) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        answer = await client.get("/", headers=headers_of(MAX_HEAD_BYTES + 4096))
        assert answer.status_code == 431
        assert (await client.get("/")).status_code == 200
