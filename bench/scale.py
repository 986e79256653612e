"""Benchmark 3: the helpdesk on a large SQLite database.

`tickets` tickets (a share of them open) and a tenth as many conversations are written
straight into a migrated SQLite file (executemany in big transactions, SQL matching
db/models.py). Then a fresh process (`python -m bench.scale --probe`) does what the service
does on it and reports:

- start-up: `build()` + `migrate()` on that database (the process's imports excluded), added to
  the wall time of `python -m bot check-config` (a process from start to a checked
  configuration): what `serve` spends before it listens;
- status lookups by ticket ID through `TicketRepository.by_number`, each in its own unit of
  work as a `/status` message has (serial; per lookup latency);
- `Scheduler.sweep()` twice at a fixed business-day 11:00 in Odisha: the first catches up
  (reminders, breach notices and digests that fell due), the second is the routine sweep that
  runs every minute and finds everything already sent (beside SQLite's WAL checkpointer, as
  in `serve`);
- the process's resident memory (VmRSS, and its peak VmHWM) after all that.

Baselines: raw sqlite3 lookups of the same numbers on the same file; raw sqlite3 reading every
open ticket row; the same probe on an empty database; `python -c pass` for start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ROOT, Report, Stopwatch, Target, percentile, progress, rss_kib

BENCH = "scale"
# Wednesday 25 November 2026, 11:00 in Odisha: a business day, after the digest time and the
# morning reminder, not the weekly summary's day.
SWEEP_AT = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
OPEN = ("new", "in_progress", "escalated", "reopened", "waiting")
TICKET_COLUMNS = (
    "id", "number", "status", "priority", "ticket_type", "ulb", "module", "category",
    "routing", "description", "reporter_address", "reporter_name", "reporter_role",
    "language", "team", "assignee", "assignee_name", "created_at", "updated_at",
    "team_since", "response_due_at", "first_response_at", "resolved_at", "closed_at",
    "last_note", "reminder_at", "resolution_due_at", "paused_at", "reopen_count",
    "confirmation", "rating", "parent_number", "link_kind", "jira_key", "source",
)  # fmt: skip
LOOKUPS = Target("min", 2000, ">= 2,000/s")
LOOKUP_P99 = Target("max", 5, "< 5 ms")
SWEEP = Target("max", 1, "< 1 s")
RSS = Target("max", 150, "< 150 MB")
STARTUP = Target("max", 3, "< 3 s")


@dataclass(frozen=True)
class ScaleOptions:
    tickets: int = 100_000
    open_share: float = 0.02
    lookups: int = 2_000
    seed: int = 1001


# -- generating the data --------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _tickets(options: ScaleOptions, directory: Any) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(options.seed)
    ulbs = [option.key for option in directory.ulbs]
    modules = [module.key for module in directory.modules]
    categories = [(category.key, category.routing) for category in directory.categories]
    teams = [team.key for team in directory.teams]
    open_every = max(1, round(1 / options.open_share)) if options.open_share > 0 else 0
    description = "Wage bill for muster roll MR/2026/{} is stuck at 'pending approval'."
    for index in range(options.tickets):
        is_open = bool(open_every) and index % open_every == open_every - 1
        if is_open:
            status = rng.choice(OPEN)
            created = SWEEP_AT - timedelta(hours=rng.uniform(1, 24 * 14))
        else:
            status = rng.choice(("closed", "closed", "closed", "resolved"))
            created = SWEEP_AT - timedelta(days=rng.uniform(15, 730))
        priority = rng.choice(("P1", "P2", "P2", "P3", "P3", "P4"))
        days = {"P1": 0.5, "P2": 1, "P3": 3, "P4": 5}[priority]
        due = created + timedelta(days=days * 7 / 5)
        remind = created + timedelta(days=days * 0.75 * 7 / 5)
        responded = None if status == "new" else created + timedelta(hours=rng.uniform(0.5, 8))
        paused = created + timedelta(hours=10) if status == "waiting" else None
        resolved = created + timedelta(days=rng.uniform(1, 10)) if not is_open else None
        closed = resolved + timedelta(days=3) if resolved and status == "closed" else None
        confirmation = "" if is_open else ("confirmed" if status == "closed" else "rated")
        category, routing = rng.choice(categories)
        reporter = rng.randrange(options.tickets // 3 + 1)
        yield (
            index + 1,
            f"MK-{1001 + index}",
            status,
            priority,
            rng.choice(("", "incident", "problem")),
            rng.choice(ulbs),
            rng.choice(modules),
            category,
            routing,
            description.format(index),
            f"telegram:{7_000_000_000 + reporter}",
            f"Reporter {reporter}",
            rng.choice(("ulb_employee", "cbo_member")),
            rng.choice(("en", "or", "hi")),
            rng.choice(teams) if status != "new" else directory.intake_team,
            "",
            "",
            _stamp(created),
            _stamp(resolved or created),
            _stamp(created),
            _stamp(due),
            _stamp(responded) if responded else None,
            _stamp(resolved) if resolved else None,
            _stamp(closed) if closed else None,
            "",
            _stamp(remind),
            None,
            _stamp(paused) if paused else None,
            0,
            confirmation,
            rng.choice((None, 4, 5)) if not is_open else None,
            "",
            "",
            "",
            "chat",
        )


def generate(path: Path, options: ScaleOptions) -> float:
    """A migrated database with the tickets, some attachments and the conversations."""
    from bot.core.config import load_config
    from bot.settings import Settings
    from db.migrate import upgrade
    from flows.state import ConversationState, Draft, Profile

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    directory = load_config(settings.helpdesk_config).directory
    upgrade(f"sqlite+aiosqlite:///{path}")
    watch = Stopwatch()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(tickets)")]
        if sorted(columns) != sorted(TICKET_COLUMNS):
            raise RuntimeError(f"the tickets table changed: {sorted(columns)}")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")  # a bulk load; the probe uses the app's
        insert = (
            f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(TICKET_COLUMNS))})"
        )
        rows = _tickets(options, directory)
        while True:
            batch = [row for _, row in zip(range(50_000), rows, strict=False)]
            if not batch:
                break
            connection.execute("BEGIN")
            connection.executemany(insert, batch)
            connection.executemany(
                "INSERT INTO ticket_attachments (ticket_id, kind, ref, content_type, filename) "
                "VALUES (?, 'photo', ?, 'image/jpeg', 'screen.jpg')",
                [(row[0], f"tg-file-{row[0]}") for row in batch if row[0] % 10 == 0],
            )
            connection.execute("COMMIT")
        connection.execute("UPDATE counters SET value = ? WHERE name = 'ticket'",
                           (1000 + options.tickets,))  # fmt: skip
        state = ConversationState(
            profile=Profile(language="en", role="ulb_employee", name="Reporter", last_ulb="jatni"),
            step="description",
            draft=Draft(ulb="jatni", module="wage_bills", category="app_error"),
        ).to_json()
        conversations = (
            (f"telegram:{8_000_000_000 + i}", state, "en", _stamp(SWEEP_AT - timedelta(hours=1)))
            for i in range(options.tickets // 10)
        )
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO conversations (address, state, language, updated_at) VALUES (?, ?, ?, ?)",
            conversations,
        )
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return watch.seconds


# -- the probe: a fresh process doing what the service does -----------------------------------


async def _probe(path: Path, numbers: Sequence[str]) -> dict[str, Any]:
    watch = Stopwatch()
    from bench.sqlclock import StatementClock
    from bot.build import build
    from bot.server import settle_after_start_up
    from bot.settings import Settings
    from db.checkpoint import WalCheckpointer

    imported = watch.seconds
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite+aiosqlite:///{path}", reports_dir=path.parent
    )
    watch = Stopwatch()
    helpdesk = build(settings, clock=lambda: SWEEP_AT)
    await helpdesk.migrate()
    settle_after_start_up()  # as `python -m bot serve` does before it listens
    ready = watch.seconds

    for number in numbers[:50]:  # the first statements compile; not what a lookup costs
        async with helpdesk.unit_of_work().read_only() as uow:
            await uow.tickets.by_number(number)
    latencies = []
    found = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for number in numbers:
        begun = time.perf_counter()
        async with helpdesk.unit_of_work().read_only() as uow:
            ticket = await uow.tickets.by_number(number)
            found += ticket is not None
        latencies.append(time.perf_counter() - begun)
    lookups_s = time.perf_counter() - started
    lookups_cpu_s = time.process_time() - cpu_started
    # The SQL of a lookup, timed in a pass of its own (timing costs each statement a little).
    statements = StatementClock(helpdesk.engine)
    timed = numbers[:200]
    statements.start()
    for number in timed:
        async with helpdesk.unit_of_work().read_only() as uow:
            await uow.tickets.by_number(number)
    statements.stop()
    lookup_sql = statements.breakdown(len(timed))

    # The sweeps run beside SQLite's checkpointer, as in `serve` (bot.app): the log is copied
    # back there, not in the sweep's commit.
    stop = asyncio.Event()
    checkpoints = asyncio.create_task(WalCheckpointer(path).run(stop))
    sweeps = []
    for _ in range(2):
        statements.start()
        watch = Stopwatch()
        queued = await helpdesk.scheduler.sweep()
        sweeps.append((watch.seconds, queued))
        statements.stop()
    sweep_sql = statements.breakdown(1)
    stop.set()
    await checkpoints
    await helpdesk.close()
    return {
        "imports_s": imported,
        "build_migrate_s": ready,
        "lookups_per_s": len(numbers) / lookups_s,
        "lookup_cpu_us": lookups_cpu_s / len(numbers) * 1e6,
        "lookup_p50_ms": percentile(latencies, 0.5) * 1000,
        "lookup_p99_ms": percentile(latencies, 0.99) * 1000,
        "found": found,
        "lookup_sql": lookup_sql,
        "sweep_sql": sweep_sql,
        "sweeps": sweeps,
        "rss_kib": rss_kib("VmRSS"),
        "hwm_kib": rss_kib("VmHWM"),
    }


def _raw_lookups(path: Path, numbers: Sequence[str]) -> float:
    """Lookups a second with raw sqlite3: the ticket row and its attachments."""
    connection = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        for number in numbers:
            row = connection.execute("SELECT * FROM tickets WHERE number = ?", (number,)).fetchone()
            if row is not None:
                connection.execute(
                    "SELECT * FROM ticket_attachments WHERE ticket_id = ? ORDER BY id", (row[0],)
                ).fetchall()
        return len(numbers) / (time.perf_counter() - started)
    finally:
        connection.close()


def _raw_open_read(path: Path) -> float:
    """Seconds to read every open ticket row with raw sqlite3 (best of 3)."""
    connection = sqlite3.connect(path)
    marks = ", ".join("?" * len(OPEN))
    try:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            connection.execute(
                f"SELECT * FROM tickets WHERE status IN ({marks}) ORDER BY id", OPEN
            ).fetchall()
            best = min(best, time.perf_counter() - started)
        return best
    finally:
        connection.close()


def _run_probe(path: Path, numbers: Sequence[str]) -> dict[str, Any]:
    numbers_file = path.with_suffix(".numbers.json")
    numbers_file.write_text(json.dumps(list(numbers)))
    result = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--probe", str(path), str(numbers_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the probe failed:\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _wall(command: Sequence[str], env: dict[str, str], times: int = 3) -> float:
    """Median wall seconds of a process, start to exit."""
    spans = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True, timeout=60)
        spans.append(time.perf_counter() - started)
    return statistics.median(spans)


def run(report: Report, options: ScaleOptions) -> None:
    rng = random.Random(options.seed + 1)
    with tempfile.TemporaryDirectory(prefix="mukta-bench-scale-") as tmp:
        work = Path(tmp)
        big, empty = work / "big" / "helpdesk.db", work / "empty" / "helpdesk.db"
        big.parent.mkdir()
        empty.parent.mkdir()
        open_count = round(options.tickets * options.open_share)
        progress(
            f"scale: generating {options.tickets:,} tickets ({open_count:,} open) and "
            f"{options.tickets // 10:,} conversations"
        )
        generated = generate(big, options)
        size_mb = sum(f.stat().st_size for f in big.parent.iterdir()) / 2**20
        empty_options = ScaleOptions(tickets=0, open_share=options.open_share)
        generate(empty, empty_options)
        numbers = [f"MK-{1001 + rng.randrange(options.tickets)}" for _ in range(options.lookups)]

        progress("scale: probing the empty database, then the full one")
        small = _run_probe(empty, numbers)
        full = _run_probe(big, numbers)
        raw_rate = _raw_lookups(big, numbers)
        raw_open = _raw_open_read(big)

        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{big}"}
        check_config = _wall([sys.executable, "-m", "bot", "check-config"], env)
        interpreter = _wall([sys.executable, "-c", "pass"], env)

    data = f"{options.tickets:,} tickets, {open_count:,} open, {options.tickets // 10:,} "
    data += f"conversations, {size_mb:.0f} MB on disk, generated in {generated:.1f} s"
    report.add(
        BENCH,
        "lookups",
        full["lookups_per_s"],
        "lookups/s",
        baseline=raw_rate,
        baseline_name="raw sqlite3",
        target=LOOKUPS,
        note=f"{data}; TicketRepository.by_number, a unit of work each, serial; "
        f"{full['found']}/{len(numbers)} found; {full['lookup_cpu_us']:.0f} us of the "
        f"process's CPU a lookup; SQL per lookup: {full['lookup_sql']}",
    )
    report.add(BENCH, "lookup_p99", full["lookup_p99_ms"], "ms",
               baseline=1000 / raw_rate, baseline_name="raw sqlite3 mean",
               target=LOOKUP_P99, note=f"p50 {full['lookup_p50_ms']:.2f} ms")  # fmt: skip
    (catch_up, queued_first), (routine, queued_again) = full["sweeps"]
    report.add(
        BENCH,
        "sweep_routine",
        routine,
        "s",
        baseline=raw_open,
        baseline_name="raw read of open rows",
        target=SWEEP,
        note=f"Scheduler.sweep() over {open_count:,} open tickets, everything already sent "
        f"({queued_again} queued); SQL: {full['sweep_sql']}",
    )
    report.add(
        BENCH,
        "sweep_catch_up",
        catch_up,
        "s",
        baseline=raw_open,
        baseline_name="raw read of open rows",
        target=SWEEP,
        note=f"the first sweep: {queued_first:,} reminders, breach notices and digests queued",
    )
    report.add(
        BENCH,
        "rss",
        full["rss_kib"] / 1024,
        "MB",
        baseline=small["rss_kib"] / 1024,
        baseline_name="same probe, empty db",
        target=RSS,
        note=f"VmRSS after start-up, lookups and sweeps; peak (VmHWM) {full['hwm_kib'] / 1024:.0f}"
        f" MB, {small['hwm_kib'] / 1024:.0f} MB on the empty database",
    )
    startup = check_config + full["build_migrate_s"]
    report.add(
        BENCH,
        "startup",
        startup,
        "s",
        baseline=interpreter,
        baseline_name="python -c pass",
        target=STARTUP,
        note=f"python -m bot check-config {check_config:.2f} s (whole process) + build() and "
        f"migrate() {full['build_migrate_s']:.2f} s (the probe's imports took "
        f"{full['imports_s']:.2f} s more)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--probe", nargs=2, metavar=("DATABASE", "NUMBERS_JSON"), required=True)
    arguments = parser.parse_args(argv)
    database, numbers_file = (Path(value) for value in arguments.probe)
    numbers = json.loads(numbers_file.read_text())
    print(json.dumps(asyncio.run(_probe(database, numbers))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
