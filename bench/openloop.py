"""The capacity benchmark's load generator, in a process of its own: webhooks offered on a
schedule (open loop), or as fast as they are answered (saturation).

`python -m bench.openloop` reads one JSON line on standard input (where, what, how), sends the
`prefix` conversations first (each in order, as fast as answered: reporters already part of
the way through their intakes when the clock starts), prints `ready`, waits for `go`, runs,
writes what it saw to the `result` file and prints `done`.

The run is made of `slots`, each a sequence of prepared requests (one reporter's messages,
then the next reporter's, ...). Open loop at `rate`: slot k of P sends its m-th request when
it is due, at k·gap/P + m·gap seconds, whether or not the replies came: P/gap requests a second
in all, from the first second on. A slot's requests still go one after the other (the next
only once the last was answered, as a provider delivers a chat's messages), so when the
helpdesk falls behind, the requests go late: each one's `due` is kept, and latencies are
counted from it. Saturation (no `rate`): each slot sends its next request as soon as its last
was answered. Either way a slot stops taking new requests at `duration` seconds.

The requests share a pool of keep-alive connections (`bench.loadgen.Connection`: HTTP/1.1
spoken directly, a tenth of an HTTP library's CPU), opened before the clock starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from bench.loadgen import Connection
from bot import server


async def _run(job: dict[str, Any], slots: list[list[bytes]], prefix: list[list[bytes]]) -> Any:
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    clients = [Connection(job["base_url"]) for _ in range(job["connections"])]
    await asyncio.gather(*(client.open() for client in clients))
    for client in clients:
        pool.put_nowait(client)

    async def post(request: bytes) -> int:
        client = await pool.get()
        try:
            return await client.post(request)
        finally:
            pool.put_nowait(client)

    async def in_order(requests: list[bytes]) -> None:
        for request in requests:
            await post(request)

    prefix_statuses = await asyncio.gather(*(in_order(each) for each in prefix))
    del prefix_statuses
    rate: float | None = job.get("rate")
    gap: float = job["gap"]
    duration: float = job["duration"]
    # Per slot: [due (monotonic s), answered (monotonic s), status] of each request sent.
    seen: list[list[tuple[float, float, int]]] = [[] for _ in slots]

    async def slot(index: int, requests: list[bytes], start: float) -> None:
        offset = start + index * gap / len(slots)
        for number, request in enumerate(requests):
            if rate:
                due = offset + number * gap
                if due - start >= duration:
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            else:
                due = time.monotonic()
                if due - start >= duration:
                    return
            status = await post(request)
            seen[index].append((due, time.monotonic(), status))

    print("ready", flush=True)
    go = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    timed_out = False
    started = time.monotonic()
    if go.strip() == "go":
        gc.collect()
        gc.freeze()
        gc.disable()  # none of the generator's own pauses counted as the helpdesk's latency
        try:
            async with asyncio.timeout(duration + job["grace_s"]):
                await asyncio.gather(
                    *(slot(index, requests, started) for index, requests in enumerate(slots))
                )
        except TimeoutError:
            timed_out = True
    for client in clients:
        with contextlib.suppress(OSError):
            await client.close()
    return {"started": started, "seen": seen, "timed_out": timed_out}


def main() -> None:
    job = json.loads(sys.stdin.readline())
    slots, prefix = pickle.loads(Path(job["requests"]).read_bytes())
    result = server.run(_run(job, slots, prefix))  # on uvloop, as the helpdesk is
    Path(job["result"]).write_text(json.dumps(result))
    print("done", flush=True)


if __name__ == "__main__":
    main()
