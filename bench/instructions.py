"""Benchmark 1 counted in instructions: the inbound baselines and the helpdesk's cost a message
as the number of machine instructions executed (Valgrind's callgrind), not as time.

Times drift with the machine: on a shared host the same code ran 2-3x slower on one day than
on another, and up to 2x apart between runs minutes apart. An instruction count does not
drift: the same code and input execute the same instructions (to within ~0.5% here, from
timing-dependent work such as how many messages share a commit). So this phase gives the
figure to compare one version of the helpdesk with another, and the inbound share of the
serial ceiling as it would be if every instruction took the same time.

Each probe runs in a process of its own under `valgrind --tool=callgrind`, twice, with a
small and a larger load; the difference, divided by the difference in messages, is the cost
of a message without the process's start-up. The probes are what the inbound benchmark
measures: (a) `json.loads` + `Update.de_json` + a no-op handler, (b) raw sqlite3 committing
one small row, (c) an empty POST to the trivial app on uvicorn, and the helpdesk itself over
HTTP, sent by the same load generator (its own process, not counted) in the same intakes.
The helpdesk runs without its outbox relay: the relay sends about 30 replies a second
whatever the load, so under Valgrind, ~50x slower, it would send ~50x more of them a message
than it does in the timed run.

`python -m bench --only instructions` (needs `valgrind`; ~5 minutes on two cores).
"""

from __future__ import annotations

import asyncio
import os
import pickle
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from bench.common import ROOT, Report, Target, progress

BENCH = "instructions"
# (small, large) load of each probe: updates for (a), commits for (b), reporters (8 messages
# each) for (c) and the helpdesk.
SIZES = {"parse": (100, 1_100), "commit": (100, 2_100), "empty": (10, 100), "helpdesk": (10, 50)}
PROBE_TIMEOUT_S = 900
# The inbound share of the serial ceiling, counted in instructions (the time share drifts with
# the machine: it is reported, without a verdict, by the inbound benchmark).
SHARE = Target("min", 45, ">= 45% of the ceiling, in instructions")
_COLLECTED = re.compile(rb"Collected : (\d+)")


@dataclass(frozen=True)
class Probe:
    kind: str
    size: int


def messages(kind: str, size: int) -> int:
    """How many updates, commits or requests a probe of `size` makes."""
    from bench.inbound import MESSAGES_PER_REPORTER

    return size * MESSAGES_PER_REPORTER if kind in ("empty", "helpdesk") else size


async def count(probe: Probe, work: Path) -> int:
    """Instructions the probe's whole process executed."""
    log = work / f"{probe.kind}-{probe.size}.log"
    process = await asyncio.create_subprocess_exec(
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        f"--log-file={log}",
        sys.executable,
        "-m",
        "bench.instructions",
        probe.kind,
        str(probe.size),
        str(work),
        cwd=ROOT,
        # The same hashes in every run, so that the same input takes the same paths.
        env={**os.environ, "PYTHONHASHSEED": "0"},
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        status = await asyncio.wait_for(process.wait(), PROBE_TIMEOUT_S)
    except TimeoutError:
        raise RuntimeError(f"{probe.kind} probe ran over {PROBE_TIMEOUT_S} s") from None
    finally:
        if process.returncode is None:  # timed out, or another probe failed first
            process.kill()
            await process.wait()
    text = log.read_bytes() if log.exists() else b""
    found = _COLLECTED.search(text)
    if status != 0 or found is None:
        last = text.decode(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{probe.kind} probe failed (exit {status}): {' / '.join(last)}")
    return int(found.group(1))


async def run(report: Report) -> None:
    if shutil.which("valgrind") is None:
        report.note("instructions: skipped, valgrind is not installed (apt install valgrind)")
        return
    from bench.inbound import MESSAGES_PER_REPORTER, updates_for

    with tempfile.TemporaryDirectory(prefix="mukta-bench-instructions-") as tmp:
        work = Path(tmp)
        reporters = max(
            -(-SIZES["parse"][1] // MESSAGES_PER_REPORTER), SIZES["empty"][1], SIZES["helpdesk"][1]
        )
        conversations = updates_for(1_000_000, reporters, iter(range(1, 10**9)))
        (work / "bodies.pickle").write_bytes(pickle.dumps(conversations))
        progress(f"instructions: {2 * len(SIZES)} probes under callgrind, two at a time")
        turns = asyncio.Semaphore(2)  # two cores

        async def counted(probe: Probe) -> int:
            async with turns:
                return await count(probe, work)

        probes = [Probe(kind, size) for kind, sizes in SIZES.items() for size in sizes]
        totals = dict(zip(probes, await asyncio.gather(*(counted(p) for p in probes)), strict=True))
    each: dict[str, float] = {}
    for kind, (small, large) in SIZES.items():
        extra = totals[Probe(kind, large)] - totals[Probe(kind, small)]
        each[kind] = extra / (messages(kind, large) - messages(kind, small))
    ceiling = each["parse"] + each["commit"] + each["empty"]
    report.add(BENCH, "a_parse_update", each["parse"] / 1000, "k instr/msg",
               note="json.loads + Update.de_json + no-op handler")  # fmt: skip
    report.add(BENCH, "b_sqlite_commit", each["commit"] / 1000, "k instr/msg",
               note="raw sqlite3, WAL, one row per transaction")  # fmt: skip
    report.add(BENCH, "c_empty_post", each["empty"] / 1000, "k instr/msg",
               note="trivial Starlette app on uvicorn, the load generator's requests")  # fmt: skip
    report.add(
        BENCH,
        "sqlite.helpdesk",
        each["helpdesk"] / 1000,
        "k instr/msg",
        baseline=ceiling / 1000,
        baseline_name="a + b + c",
        note="the helpdesk over HTTP on SQLite, whole intakes, 50 senders, relay stopped",
    )
    report.add(
        BENCH,
        "sqlite.share_of_ceiling",
        ceiling / each["helpdesk"] * 100,
        "%",
        target=SHARE,
        note="(a + b + c) / the helpdesk, in instructions: the share of the serial ceiling that "
        "does not drift with the machine (the time share, inbound's sqlite.share_of_ceiling, "
        "is reported beside it without a verdict)",
    )
    # With the inbound run's times (`--only inbound,instructions`): how fast each runs its
    # instructions. Parsing the same kind of update again and again keeps what it touches in
    # the processor's caches; a message's varied work, amid 50 conversations, does not.
    parse_us = report.value("inbound", "baseline.a_parse_update")
    helpdesk_us = report.value("inbound", "sqlite.loop_cpu")
    if parse_us and helpdesk_us:
        parse_speed, helpdesk_speed = each["parse"] / parse_us, each["helpdesk"] / helpdesk_us
        report.add(
            BENCH,
            "sqlite.helpdesk_speed",
            helpdesk_speed,
            "instr/us",
            baseline=parse_speed,
            baseline_name="(a)'s",
            note=f"instructions a microsecond of CPU: the helpdesk's loop {helpdesk_speed:,.0f} "
            f"(its {each['helpdesk'] / 1000:,.0f}k in {helpdesk_us:.0f} us of the inbound run), "
            f"(a) {parse_speed:,.0f} ({each['parse'] / 1000:,.0f}k in {parse_us:.0f} us)",
        )


# -- the probes, each in a process of its own ---------------------------------------------------
#
# This module is also each probe's main module, so it imports at its top only what is light;
# each probe imports what it runs (under Valgrind every module imported costs seconds, and
# (a) and (b) need none of the helpdesk).


def _bodies(work: Path) -> list[list[bytes]]:
    conversations: list[list[bytes]] = pickle.loads((work / "bodies.pickle").read_bytes())
    return conversations


def probe(kind: str, size: int, work: Path) -> None:
    if kind == "parse":
        from bench.baselines import parse_cost

        bodies = [body for bodies in _bodies(work) for body in bodies][:size]
        asyncio.run(parse_cost(bodies))
    elif kind == "commit":
        from bench.baselines import baseline_sqlite_commit

        (work / f"commit-{size}").mkdir()
        baseline_sqlite_commit(work / f"commit-{size}", size, rounds=1)
    elif kind in ("empty", "helpdesk"):
        from bot import server

        (work / f"{kind}-{size}").mkdir()
        server.run(served(kind, _bodies(work)[:size], work / f"{kind}-{size}"))
    else:
        raise SystemExit(f"unknown probe {kind!r}")


async def served(
    kind: str,
    conversations: list[list[bytes]],
    work: Path,
    tracer: Callable[[FrameType, str, Any], Any] | None = None,
) -> None:
    """(c)'s server or the helpdesk, in `work`, driven with `conversations`; `tracer` is set
    (`sys.settrace`) on this thread while the load runs (`bench.opcodes`)."""
    from bench.fakeproc import fake_telegram_process
    from bench.inbound import (
        SECRET,
        WEBHOOK,
        bench_helpdesk,
        drive,
        empty_app,
        quiet_production_logging,
    )
    from bot.app import create_app
    from bot.server import http_implementation, settle_after_start_up
    from tests.servers import serving

    quiet_production_logging()
    if kind == "empty":
        settle_after_start_up()
        empties = [[b"" for _ in bodies] for bodies in conversations]
        async with serving(empty_app(), http=http_implementation()) as base:
            await drive(base, WEBHOOK, empties, {}, 50, PROBE_TIMEOUT_S)
        return
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with fake_telegram_process() as fake:
        helpdesk = await bench_helpdesk(f"sqlite+aiosqlite:///{work / 'helpdesk.db'}", work, fake)
        app = create_app(helpdesk, run_relay=False)
        settle_after_start_up()
        async with serving(app, http=http_implementation()) as base:
            sys.settrace(tracer)
            try:
                load = await drive(base, WEBHOOK, conversations, headers, 50, PROBE_TIMEOUT_S)
            finally:
                sys.settrace(None)
        await helpdesk.close()
    if set(load.statuses) != {200}:  # a refused update is not a message's cost
        raise SystemExit(f"the helpdesk answered {dict(load.statuses)}")


if __name__ == "__main__":
    probe(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
