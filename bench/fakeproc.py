"""A FakeTelegram in a process of its own, for the inbound benchmark's outbound traffic.

Telegram is not on the helpdesk's machine: with the fake in the measured process, its own
request handling (about as costly as the relay's sending) would be counted against the
helpdesk. `python -m bench.fakeproc` prints `{"base_url": ..., "token": ...}` on one line
once it listens, and stops when its standard input closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

from tests.telegram_fake import FakeTelegram


@dataclass(frozen=True)
class Remote:
    base_url: str
    token: str


async def _serve() -> None:
    async with FakeTelegram() as fake:
        print(json.dumps({"base_url": fake.base_url, "token": fake.token}), flush=True)
        await asyncio.to_thread(sys.stdin.read)


@contextlib.asynccontextmanager
async def fake_telegram_process() -> AsyncIterator[Remote]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.fakeproc",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        if not line:
            raise RuntimeError("the fake Telegram process stopped before it listened")
        data = json.loads(line)
        yield Remote(str(data["base_url"]), str(data["token"]))
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


if __name__ == "__main__":
    asyncio.run(_serve())
