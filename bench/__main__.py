"""`python -m bench [--quick | --full] [--only inbound,outbound,scale,instructions] [--profile]`.

Prints one JSON line per figure on stdout as it is measured, progress on stderr, and a human
summary at the end. Loopback only; every phase has a deadline and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence

from bench import inbound, instructions, outbound, scale
from bench.common import Report, machine_line, progress
from bot import server

PHASES = ("inbound", "outbound", "scale", "instructions")
# Run unless --only names others; "instructions" (under Valgrind, ~5 minutes) only when named.
DEFAULT_PHASES = ("inbound", "outbound", "scale")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="about a minute: smaller loads")
    size.add_argument(
        "--full",
        action="store_true",
        help="the issue's sizes: 10,000 outbound messages (~6 min), 1,000,000 tickets",
    )
    parser.add_argument(
        "--only",
        default=",".join(DEFAULT_PHASES),
        help="comma-separated: inbound,outbound,scale (the default) and instructions",
    )
    parser.add_argument("--reporters", type=int, help="inbound: reporters (default 200)")
    parser.add_argument("--concurrency", type=int, default=50, help="inbound: senders")
    parser.add_argument("--no-postgres", action="store_true", help="inbound: SQLite only")
    parser.add_argument(
        "--profile", action="store_true", help="inbound: cProfile the SQLite run and print it"
    )
    parser.add_argument(
        "--outbound", type=int, help="outbound: notifications to drain (default 1,500)"
    )
    parser.add_argument("--tickets", type=int, help="scale: tickets (default 100,000)")
    parser.add_argument(
        "--open-share",
        type=float,
        default=0.02,
        help="scale: share of the tickets that are open (default 0.02)",
    )
    arguments = parser.parse_args(argv)
    unknown = set(arguments.only.split(",")) - set(PHASES)
    if unknown:
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse(argv)
    phases = arguments.only.split(",")
    mode = "quick" if arguments.quick else "full" if arguments.full else "normal"
    report = Report()
    started = time.monotonic()
    progress(f"{machine_line()}; mode {mode}")

    if "inbound" in phases:
        default_reporters = 60 if arguments.quick else 200
        options = inbound.InboundOptions(
            reporters=arguments.reporters or default_reporters,
            warmup_reporters=5 if arguments.quick else 10,
            baseline_window_s=0.7 if arguments.quick else 2.0,
            serial_reporters=15 if arguments.quick else 30,
            paced_reporters=100 if arguments.quick else 400,
            concurrency=arguments.concurrency,
            postgres=not arguments.no_postgres,
            profile=arguments.profile,
        )
        # On the event loop `python -m bot serve` runs on (uvloop where installed).
        server.run(inbound.run(report, options))

    if "outbound" in phases:
        count = arguments.outbound or (
            300 if arguments.quick else 10_000 if arguments.full else 1_500
        )
        if count != 10_000:
            report.note(
                f"outbound drained {count:,} notifications, not the issue's 10,000 "
                "(use --full or --outbound 10000: ~6 minutes at 30/s)"
            )
        asyncio.run(outbound.run(report, outbound.OutboundOptions(count=count)))
        asyncio.run(outbound.run_whatsapp(report, outbound.WhatsAppOptions()))

    if "scale" in phases:
        tickets = arguments.tickets or (
            20_000 if arguments.quick else 1_000_000 if arguments.full else 100_000
        )
        if tickets not in (100_000, 1_000_000):
            report.note(f"scale used {tickets:,} tickets: the issue's targets are for 100,000+")
        scale.run(report, scale.ScaleOptions(tickets=tickets, open_share=arguments.open_share))

    if "instructions" in phases:
        asyncio.run(instructions.run(report))

    report.note(f"whole run: {time.monotonic() - started:.0f} s, mode {mode}")
    print(report.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
