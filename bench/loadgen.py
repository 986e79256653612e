"""The inbound benchmark's load generator, in a process of its own.

Telegram is not inside the helpdesk: the 50 senders that stand in for it run here, on their
own event loop and CPU, so the helpdesk's process is the helpdesk alone. The same code drives
baseline (c), the empty POST, so the ratio compares like with like.

`python -m bench.loadgen` reads one JSON line on standard input (what to send, where), makes
its clients, prints `ready`, waits for `go`, sends, and prints one JSON line with what it saw.
Each reporter's bodies go one after another, each after the previous one was answered, as
Telegram delivers a chat's updates; `concurrency` reporters at a time: as fast as the answers
come, or paced at `rate` messages a second in all.
"""

from __future__ import annotations

import asyncio
import gc
import json
import pickle
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx


async def _drive(job: dict[str, Any], conversations: list[list[bytes]]) -> dict[str, Any]:
    headers: dict[str, str] = job["headers"]
    path: str = job["path"]
    pending = iter(conversations)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    # One client and keep-alive connection per sender, made before the clock starts: one
    # client shared by 50 tasks spends most of its time in httpcore's pool bookkeeping
    # (encode/httpx#3215), which would measure httpx rather than the helpdesk.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(base_url=job["base_url"], limits=limits, timeout=60.0)
        for _ in range(job["concurrency"])
    ]

    # Paced (`rate` messages a second in all): each sender sends on a schedule of its own, and
    # a latency counts from when the message was due, so a late answer also delays (and is
    # charged to) what that sender sends next. The senders start one after another over the
    # time one intake takes, so that, as on a real busy day, they are at different steps of
    # their intakes (rather than 50 tickets submitted in the same half second).
    rate: float | None = job.get("rate")
    interval = job["concurrency"] / rate if rate else 0.0
    intake = interval * max((len(bodies) for bodies in conversations), default=1)

    async def sender(client: httpx.AsyncClient, index: int, start: float) -> None:
        due = start + index * intake / job["concurrency"]
        for bodies in pending:
            for body in bodies:
                if rate:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                started = due if rate else time.perf_counter()
                response = await client.post(path, content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] += 1
                due += interval

    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    go = await loop.run_in_executor(None, sys.stdin.readline)
    timed_out = False
    if go.strip() == "go":
        # No collections of the generator's garbage while it sends: a pause of its own (one
        # came at the same point of every paced run, ~4,000 requests in) would be counted as
        # the helpdesk's latency. What it keeps until the end is a few megabytes.
        gc.collect()
        gc.freeze()
        gc.disable()
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            async with asyncio.timeout(job["deadline_s"]):
                await asyncio.gather(
                    *(sender(client, index, started) for index, client in enumerate(clients))
                )
        except TimeoutError:
            timed_out = True
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
    else:
        elapsed = cpu = 0.0
    for client in clients:
        await client.aclose()
    return {
        "sent": len(latencies),
        "elapsed": elapsed,
        "latencies": latencies,
        "statuses": {str(status): count for status, count in statuses.items()},
        "timed_out": timed_out,
        "cpu": cpu,
    }


def main() -> None:
    job = json.loads(sys.stdin.readline())
    conversations: list[list[bytes]] = pickle.loads(Path(job["bodies"]).read_bytes())
    result = asyncio.run(_drive(job, conversations))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
