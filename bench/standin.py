"""The providers' side of the capacity benchmark, in a process of its own: the few Bot API
methods, Twilio's Messages create and its Content API's create (the menus to tap) that
`python -m bot serve` calls, answered at once, and the time each reply arrived.

Kept minimal on purpose (aiohttp, no validation): it has to stay far cheaper than the helpdesk
it measures, on the same two cores. The emulators and fakes of the test suite check what is
sent; here only *when* matters. `python -m bench.standin` prints `{"base_url": ...}` once it
listens and stops when its standard input closes. `GET /_bench/arrivals?from=N` answers the
replies recorded from the N-th on: `[[monotonic seconds, chat key, text's start], ...]`, the
chat key `telegram:<chat id>` or Twilio's `To` (`whatsapp:+…`). CLOCK_MONOTONIC is shared by the
processes of one machine, so those times compare with the load generator's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from typing import Any

from aiohttp import web

BOT_ID = 7_000_000_001
BOT_USERNAME = "mukta_bench_bot"


class StandIn:
    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str, str]] = []
        self.ids = itertools.count(1)

    async def telegram(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            fields: dict[str, Any] = await request.json()
        else:
            fields = dict(await request.post())
        if method == "getMe":
            user = {"id": BOT_ID, "is_bot": True, "first_name": "MUKTA", "username": BOT_USERNAME}
            return web.json_response({"ok": True, "result": user})
        if method.startswith("send"):
            chat = int(fields["chat_id"])
            text = str(fields.get("text", fields.get("caption", "")))
            self.arrivals.append((time.monotonic(), f"telegram:{chat}", text[:60]))
            message = {
                "message_id": next(self.ids),
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
                "text": text,
            }
            return web.json_response({"ok": True, "result": message})
        return web.json_response({"ok": True, "result": True})

    async def twilio(self, request: web.Request) -> web.Response:
        form = await request.post()
        to = str(form.get("To", ""))
        self.arrivals.append((time.monotonic(), to, str(form.get("Body", ""))[:60]))
        sid = f"SM{next(self.ids):032x}"
        return web.json_response(
            {"sid": sid, "status": "queued", "to": to, "from": str(form.get("From", ""))},
            status=201,
        )

    async def content(self, _request: web.Request) -> web.Response:
        """Twilio's Content API: a menu made (once per menu for the whole run)."""
        return web.json_response({"sid": f"HX{next(self.ids):032x}"}, status=201)

    async def listing(self, request: web.Request) -> web.Response:
        start = int(request.query.get("from", "0"))
        return web.json_response(self.arrivals[start:])


async def _serve() -> None:
    stand_in = StandIn()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", stand_in.telegram)
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", stand_in.twilio)
    app.router.add_post("/v1/Content", stand_in.content)
    app.router.add_get("/_bench/arrivals", stand_in.listing)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"base_url": f"http://127.0.0.1:{port}"}), flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(_serve())
