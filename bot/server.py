"""How the helpdesk's HTTP server and event loop are set up: `python -m bot serve` and the
inbound benchmark use these, so the benchmark measures what is served.

uvicorn's own optional speed-ups are used when installed (they are pinned in
requirements.lock): httptools to parse HTTP, uvloop as the event loop. Without them the server
falls back to uvicorn's defaults, h11 and asyncio's own loop, and behaves the same. Either way
a request's headers are limited in size (`bot.headlimit`).
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp

from bot.settings import Settings

T = TypeVar("T")

# The most a request's line and headers together may take. Telegram's and Twilio's webhooks
# and the console's browsers send a few kilobytes; nginx's default allows 4 headers of 8 KiB.
MAX_HEAD_BYTES = 64 * 1024


def http_implementation() -> type[asyncio.Protocol] | str:
    """uvicorn's HTTP protocol: httptools where installed (with a limit on the headers'
    size), else h11 (limited by `uvicorn_options`)."""
    if importlib.util.find_spec("httptools") is None:
        return "h11"
    from bot.headlimit import BoundedHttpToolsProtocol

    return BoundedHttpToolsProtocol


def uvicorn_options() -> dict[str, Any]:
    """The options `serve` gives uvicorn.Config besides the app and what settings say."""
    return {
        "log_config": None,
        "access_log": False,
        "http": http_implementation(),
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }


def uvicorn_config(app: ASGIApp, settings: Settings) -> uvicorn.Config:
    """How `serve` runs `app`: on the settings' address, believing the forwarded addresses
    of the proxies they name (from `.env` too, where uvicorn itself reads only the process's
    environment)."""
    return uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        **uvicorn_options(),
    )


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where installed; None: asyncio's default."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the loop `loop_factory` gives."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def settle_after_start_up() -> None:
    """Everything built at start-up (modules, configuration, the app) lives as long as the
    process: move it out of the garbage collector's sight, so its full collections, which
    a sweep over thousands of tickets sets off, do not walk it again and again."""
    gc.collect()
    gc.freeze()
