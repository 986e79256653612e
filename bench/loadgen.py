"""The inbound benchmark's load generator, in a process of its own.

Telegram is not inside the helpdesk: the 50 senders that stand in for it run here, on their
own event loop and CPU, so the helpdesk's process is the helpdesk alone. The same code drives
baseline (c), the empty POST, so the ratio compares like with like.

`python -m bench.loadgen` reads one JSON line on standard input (what to send, where), makes
its clients, prints `ready`, waits for `go`, sends, and prints one JSON line with what it saw.
Each reporter's bodies go one after another, each after the previous one was answered, as
Telegram delivers a chat's updates; `concurrency` reporters at a time: as fast as the answers
come, or paced at `rate` messages a second in all.

It speaks HTTP/1.1 itself, over one keep-alive connection per sender: each request's bytes
are made before the clock starts, and of an answer it reads the status line and the body its
Content-Length gives. An HTTP client library cost 0.55–0.7 ms of CPU a request here (httpx),
on the same two cores as the helpdesk it measures; this costs about a tenth of that.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import pickle
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot import server

# An answer that has not come in this long counts as a failure (status 0).
ANSWER_TIMEOUT_S = 60.0


class Connection:
    """One sender's keep-alive HTTP/1.1 connection: a request's bytes out, the status back."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, request: bytes) -> int:
        """The answer's status; 0 when the connection failed (it is opened again for the
        next request)."""
        try:
            if self.writer is None or self.writer.is_closing():
                await self.open()
            assert self.reader is not None and self.writer is not None
            self.writer.write(request)
            async with asyncio.timeout(ANSWER_TIMEOUT_S):
                head = await self.reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await self.reader.readexactly(length)
                if b"connection: close" in head.lower():
                    self.writer.close()
            return status
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            if self.writer is not None:
                self.writer.close()
            self.writer = None
            return 0

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


def request_bytes(job: dict[str, Any], body: bytes) -> bytes:
    url = urlsplit(job["base_url"])
    lines = [f"POST {job['path']} HTTP/1.1", f"Host: {url.netloc}"]
    lines += [f"{name}: {value}" for name, value in job["headers"].items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _drive(job: dict[str, Any], conversations: list[list[bytes]]) -> dict[str, Any]:
    pending = iter([[request_bytes(job, body) for body in bodies] for bodies in conversations])
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    # One keep-alive connection per sender, opened before the clock starts.
    clients = [Connection(job["base_url"]) for _ in range(job["concurrency"])]
    await asyncio.gather(*(client.open() for client in clients))

    # Paced (`rate` messages a second in all): each sender sends on a schedule of its own, and
    # a latency counts from when the message was due, so a late answer also delays (and is
    # charged to) what that sender sends next. The senders start one after another over the
    # time one intake takes, so that, as on a real busy day, they are at different steps of
    # their intakes (rather than 50 tickets submitted in the same half second).
    rate: float | None = job.get("rate")
    interval = job["concurrency"] / rate if rate else 0.0
    intake = interval * max((len(bodies) for bodies in conversations), default=1)

    async def sender(client: Connection, index: int, start: float) -> None:
        due = start + index * intake / job["concurrency"]
        for requests in pending:
            for request in requests:
                if rate:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                started = due if rate else time.perf_counter()
                status = await client.post(request)
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
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
        await client.close()
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
    result = server.run(_drive(job, conversations))  # on uvloop, as the helpdesk is
    # Through a file: a large result printed to the pipe arrived cut short (the pipe had been
    # left non-blocking), and the runner read half a line.
    Path(job["result"]).write_text(json.dumps(result))
    print("done", flush=True)


if __name__ == "__main__":
    main()
