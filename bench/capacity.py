"""Benchmark: sustained capacity, the reply as the reporter feels it.

`python -m bot serve` runs as a subprocess configured from the environment as an operator runs
it (Telegram in webhook mode, WhatsApp on), its Bot API and Twilio roots pointing at a loopback
stand-in in a process of its own (`bench.standin`) that notes when each reply arrives. A load
process of its own (`bench.openloop`) offers whole intakes — "hi", language, ... submit; half
the reporters on Telegram (updates with the secret header), half on WhatsApp (webhooks signed
as Twilio signs them) — at a fixed rate, open loop, each reporter typing one message a second.
A message's reply latency runs from when it was due to when its first reply reached the
stand-in (which reply answers which message: the reply counts of each step of the intake,
taken beforehand from reporters who wait for every reply, two a channel who must agree).

Figures, on SQLite and on PostgreSQL:
  - reply latency p50/p99 per channel at 10, 80 and 200 msg/s;
  - sustained capacity: the highest offered rate at which the reply p99 is at most 1 s and the
    outbox backlog stays bounded (a step search over rates, `next_rate`; a failing rate is
    tried twice), against
  - the inbound acceptance rate, measured the same way (same process, same mix of webhooks,
    the senders as fast as the 200s come).
Capacity is the helpdesk's own: the providers' send limits are set above the offered load.
Then, separately, WhatsApp's pacing: the default TWILIO_MAX_PER_SECOND with more offered, and
the most Twilio creates arriving in any one second.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import pickle
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
from twilio.request_validator import RequestValidator

from bench.common import ROOT, Report, Target, busiest_second, percentile, progress
from bench.databases import fresh_postgres, postgres_reachable, raw_dsn, sqlite_url
from bench.inbound import SCRIPT
from bench.loadgen import request_bytes
from bot.settings import Settings, environment_without_settings
from tests.blackbox.emulators import free_port
from tests.faultkit import ServeProcess

BENCH = "capacity"
TELEGRAM_TOKEN = "7000000001:bench-capacity-token"
TELEGRAM_SECRET = "bench-capacity-secret"
TWILIO_SID = "AC" + "0c" * 16
TWILIO_TOKEN = "bench-capacity-twilio-token"
HELPDESK_WHATSAPP = "whatsapp:+14155238886"
CHANNELS = ("telegram", "whatsapp")
REPLY_P99_S = 1.0
LATENCY_RATES = (10.0, 80.0, 200.0)
NEVER = math.inf  # the latency of a message whose reply did not come

CAPACITY_SHARE = Target("min", 0.80, ">= 80% of acceptance", on="ratio")
CAPACITY_400 = Target("min", 400, ">= 400 msg/s")
P99 = Target("max", 1000.0001, "<= 1,000 ms")


@dataclass(frozen=True)
class CapacityOptions:
    step_s: float = 10.0  # how long each offered rate is held
    gap_s: float = 1.0  # between one reporter's messages
    acceptance_s: float = 6.0
    acceptance_senders: int = 64
    grace_s: float = 5.0  # after a step, for the last replies
    drain_s: float = 40.0  # before a step, for the last step's backlog to go out
    search_deadline_s: float = 200.0  # per database
    precision: float = 0.1  # the search stops when the bracket is within this share
    ceiling: float = 3200.0  # the search goes no higher
    pacing_rate: float = 120.0  # WhatsApp only, above the default limit
    pacing_s: float = 8.0
    postgres: bool = True


# -- the search, alone (tested with synthetic outcomes) -------------------------------------


def next_rate(
    outcomes: Mapping[float, bool], ceiling: float, precision: float = 0.1
) -> float | None:
    """The next rate to offer, given which rates passed, or None when the search is done:
    doubling from the highest pass until a rate fails (or the ceiling passes), then halving
    the bracket between the highest pass below the lowest failure and that failure until it is
    within `precision` of it. Rounded to whole messages a second."""
    failures = [rate for rate, passed in outcomes.items() if not passed]
    lowest_failure = min(failures, default=math.inf)
    passes = [rate for rate, passed in outcomes.items() if passed and rate < lowest_failure]
    best = max(passes, default=0.0)
    if not best:
        return None  # the lowest rate offered failed: the capacity is below it
    if lowest_failure == math.inf:
        if best >= ceiling:
            return None
        return min(ceiling, best * 2)
    if lowest_failure - best <= precision * lowest_failure or lowest_failure - best < 2:
        return None
    return float(round((best + lowest_failure) / 2))


def sustained(outcomes: Mapping[float, bool]) -> float:
    """The highest rate that passed below the lowest that failed (0 when none did)."""
    lowest_failure = min((rate for rate, ok in outcomes.items() if not ok), default=math.inf)
    return max((rate for rate, ok in outcomes.items() if ok and rate < lowest_failure), default=0)


# -- reporters and their requests -----------------------------------------------------------


@dataclass(frozen=True)
class Message:
    chat: str  # the stand-in's chat key: telegram:<id> or whatsapp:+…
    channel: str
    step: int  # in SCRIPT


class Reporters:
    """New reporters, alternately on Telegram and WhatsApp, and their prepared requests."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.numbers = itertools.count(1)
        self.update_ids = itertools.count(1)
        self.validator = RequestValidator(TWILIO_TOKEN)

    def new(self, channels: Sequence[str] = CHANNELS) -> tuple[str, str]:
        number = next(self.numbers)
        channel = channels[number % len(channels)]
        if channel == "telegram":
            return channel, f"telegram:{5_000_000_000 + number}"
        return channel, f"whatsapp:+9190{number:08d}"

    def request(self, chat: str, channel: str, step: int) -> bytes:
        text = SCRIPT[step].format(name=f"Reporter {chat[-6:]}")
        if channel == "telegram":
            user = int(chat.split(":")[1])
            update_id = next(self.update_ids)
            update = {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": int(time.time()),
                    "chat": {"id": user, "type": "private", "first_name": "Ramesh"},
                    "from": {"id": user, "is_bot": False, "first_name": "Ramesh"},
                    "text": text,
                },
            }
            headers = {
                "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
                "Content-Type": "application/json",
            }
            job = {"base_url": self.base_url, "path": "/telegram/webhook", "headers": headers}
            return request_bytes(job, json.dumps(update).encode())
        sid = f"SM{next(self.update_ids):032x}"
        form = {
            "SmsMessageSid": sid,
            "MessageSid": sid,
            "AccountSid": TWILIO_SID,
            "From": chat,
            "To": HELPDESK_WHATSAPP,
            "Body": text,
            "NumMedia": "0",
            "ProfileName": "Ramesh",
            "WaId": chat.removeprefix("whatsapp:+"),
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        path = "/whatsapp/webhook"
        signature = self.validator.compute_signature(self.base_url + path, form)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        }
        job = {"base_url": self.base_url, "path": path, "headers": headers}
        return request_bytes(job, urlencode(form).encode())

    def slots(
        self, count: int, per_slot: int, channels: Sequence[str] = CHANNELS
    ) -> tuple[list[list[bytes]], list[list[Message]], list[list[bytes]]]:
        """`count` slots of `per_slot` requests each: reporters one after another in a slot,
        the first of slot k already k/count of the way through its intake (those first
        messages are the prefix, sent before the clock starts), so that at any moment the
        reporters are at different steps, as on a busy day."""
        requests: list[list[bytes]] = []
        messages: list[list[Message]] = []
        prefix: list[list[bytes]] = []
        for index in range(count):
            done = index * len(SCRIPT) // count
            slot_requests: list[bytes] = []
            slot_messages: list[Message] = []
            begun: list[bytes] = []
            while len(slot_messages) < per_slot:
                channel, chat = self.new(channels)
                for step in range(len(SCRIPT)):
                    request = self.request(chat, channel, step)
                    if step < done:
                        begun.append(request)
                    else:
                        slot_requests.append(request)
                        slot_messages.append(Message(chat, channel, step))
                done = 0
            requests.append(slot_requests[:per_slot])
            messages.append(slot_messages[:per_slot])
            if begun:
                prefix.append(begun)
        return requests, messages, prefix


# -- the processes ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def stand_in_process() -> AsyncIterator[str]:
    """`bench.standin` in a process of its own; its base URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.standin", cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        if not line:
            raise RuntimeError("the provider stand-in stopped before it listened")
        yield str(json.loads(line)["base_url"])
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


def serve_env(
    database_url: str, port: int, provider: str, work: Path, *, limited: bool
) -> dict[str, str]:
    """The environment an operator gives `python -m bot serve`. Unless `limited`, the
    providers' send limits far above any offered load: the capacity measured is the
    helpdesk's own."""
    env = environment_without_settings()
    env.update(
        DATABASE_URL=database_url,
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(port),
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        MEDIA_DIR=str(work / "media"),
        REPORTS_DIR=str(work / "reports"),
        PYTHONUTF8="1",
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_API_BASE_URL=provider,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        TWILIO_WHATSAPP_FROM=HELPDESK_WHATSAPP,
        TWILIO_API_BASE_URL=provider,
        TWILIO_CONTENT_API_BASE_URL=provider,
    )
    if not limited:
        env.update(
            TELEGRAM_MAX_PER_SECOND="100000",
            TELEGRAM_PRIVATE_PER_SECOND="1000",
            TWILIO_MAX_PER_SECOND="100000",  # ignored by a build without the setting
        )
    return env


class Helpdesk:
    """One `python -m bot serve`, the stand-in's record of replies, and the outbox backlog."""

    def __init__(self, database_url: str, provider: str, work: Path, *, limited: bool) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.provider = provider
        env = serve_env(database_url, self.port, provider, work, limited=limited)
        self.serving = ServeProcess(env, work / f"serve-{self.port}.log")
        self.replies: dict[str, list[float]] = defaultdict(list)
        self.arrivals: list[tuple[float, str, str]] = []
        self.http = httpx.AsyncClient(trust_env=False, timeout=30.0)
        self.looking = asyncio.Lock()  # one look at a time: each asks from where the last ended
        self.cursor = 0  # replies read from the stand-in so far
        self.started = math.inf

    async def start(self) -> None:
        self.started = time.monotonic()
        self.serving.start()
        await self.serving.wait_healthy(90)

    async def stop(self) -> None:
        process = self.serving.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.to_thread(process.wait), 20)
            except TimeoutError:
                self.serving.close()
        await self.http.aclose()

    async def collect(self) -> None:
        """The replies that reached the stand-in since the last look (since this helpdesk
        started: the stand-in outlives it, and the next helpdesk's chats are named alike)."""
        async with self.looking:
            answer = await self.http.get(
                f"{self.provider}/_bench/arrivals", params={"from": self.cursor}
            )
            for at, chat, text in answer.json():
                self.cursor += 1
                if at >= self.started:
                    self.arrivals.append((at, chat, text))
                    self.replies[chat].append(at)

    async def backlog(self) -> int:
        """Replies waiting in the outbox for Telegram or WhatsApp."""
        query = (
            "SELECT count(*) FROM outbox WHERE status = 'pending' "
            "AND channel IN ('telegram', 'whatsapp')"
        )
        if self.database_url.startswith("sqlite"):
            path = self.database_url.split("///", 1)[1]

            def count() -> int:
                with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
                    return int(db.execute(query).fetchone()[0])

            return await asyncio.to_thread(count)
        connection = await asyncpg.connect(raw_dsn(self.database_url), timeout=10)
        try:
            return int(await connection.fetchval(query))
        finally:
            await connection.close()

    async def drained(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Waits until no reply is waiting (or `timeout`); whether none is."""
        deadline = time.monotonic() + timeout
        while await self.backlog():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.25)
        return True


@dataclass
class Offered:
    """One run of the load process, as it saw it."""

    started: float
    messages: list[Message]
    due: list[float]
    answered: list[float]
    statuses: Counter[int]
    timed_out: bool
    backlog_midway: int = 0  # replies waiting in the outbox halfway through the run
    backlog_at_end: int = 0
    beforehand: int = 0  # messages sent before the clock started (the reporters' first steps)
    codes: list[int] = field(default_factory=list)  # each message's status

    @property
    def accepted(self) -> int:
        return self.statuses.get(200, 0)

    def accepted_per_second(self, duration: float) -> float:
        """200s answered within the first `duration` seconds, a second (what was still in
        flight then is left out, not stretched over the time the last answer took)."""
        end = self.started + duration
        inside = sum(
            code == 200 and at <= end for code, at in zip(self.codes, self.answered, strict=True)
        )
        return inside / duration


async def offer(
    helpdesk: Helpdesk,
    reporters: Reporters,
    options: CapacityOptions,
    *,
    rate: float | None,
    senders: int = 0,
    duration: float,
    channels: Sequence[str] = CHANNELS,
) -> Offered:
    """Runs `bench.openloop` against the helpdesk: open loop at `rate`, or `senders` as fast
    as answered. Waits for the outbox to drain before the clock starts."""
    count = max(1, round(rate * options.gap_s)) if rate else senders
    per_slot = math.ceil(duration / options.gap_s) + 1 if rate else math.ceil(duration * 40)
    requests, messages, prefix = reporters.slots(count, per_slot, channels)
    with tempfile.TemporaryDirectory(prefix="mukta-bench-capacity-") as tmp:
        bundle, result = Path(tmp) / "requests.pickle", Path(tmp) / "result.json"
        bundle.write_bytes(pickle.dumps((requests, prefix)))
        job = {
            "base_url": helpdesk.url,
            "connections": min(count, 128),
            "rate": rate,
            "gap": options.gap_s,
            "duration": duration,
            "grace_s": 30.0,
            "requests": str(bundle),
            "result": str(result),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.openloop", cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdin is not None and process.stdout is not None
        midway: asyncio.Task[int] | None = None
        try:
            process.stdin.write(json.dumps(job).encode() + b"\n")
            await process.stdin.drain()
            ready = await asyncio.wait_for(process.stdout.readline(), 120)
            if ready.strip() != b"ready":
                raise RuntimeError("the load process stopped before it was ready")
            if not await helpdesk.drained(options.drain_s):
                progress("capacity: the outbox had not drained before the clock started")
            process.stdin.write(b"go\n")
            await process.stdin.drain()
            midway = asyncio.create_task(_backlog_after(helpdesk, duration / 2))
            done = await asyncio.wait_for(process.stdout.readline(), duration + 60)
            backlog_midway = await midway
            if done.strip() != b"done":
                raise RuntimeError("the load process stopped without a result")
            seen = json.loads(result.read_text())
        finally:
            if midway is not None and not midway.done():
                midway.cancel()
            if process.returncode is None:
                try:
                    await asyncio.wait_for(process.wait(), 15)
                except TimeoutError:
                    process.kill()
                    await process.wait()
    offered = Offered(float(seen["started"]), [], [], [], Counter(), bool(seen["timed_out"]))
    for slot_messages, slot_seen in zip(messages, seen["seen"], strict=True):
        for message, (due, answered, status) in zip(slot_messages, slot_seen, strict=False):
            offered.messages.append(message)
            offered.due.append(due)
            offered.answered.append(answered)
            offered.statuses[status] += 1
            offered.codes.append(status)
    offered.backlog_at_end = await helpdesk.backlog()
    offered.backlog_midway = backlog_midway
    offered.beforehand = sum(len(each) for each in prefix)
    return offered


async def _backlog_after(helpdesk: Helpdesk, seconds: float) -> int:
    await asyncio.sleep(seconds)
    return await helpdesk.backlog()


# -- which reply answers which message ------------------------------------------------------


async def reply_counts(helpdesk: Helpdesk, reporters: Reporters) -> dict[str, list[int]]:
    """How many replies each step of the intake gets, per channel: a reporter sends each
    message only once the replies to the last have stopped coming (0.6 s without one)."""

    async def one(channel: str) -> list[int]:
        _, chat = reporters.new((channel,))
        counts = []
        for step in range(len(SCRIPT)):
            request = reporters.request(chat, channel, step)
            head, body = request.split(b"\r\n\r\n", 1)
            lines = head.decode().split("\r\n")
            path = lines[0].split()[1]
            headers = dict(line.split(": ", 1) for line in lines[1:])
            headers.pop("Host"), headers.pop("Content-Length")
            before = len(helpdesk.replies[chat])
            answer = await helpdesk.http.post(helpdesk.url + path, content=body, headers=headers)
            answer.raise_for_status()
            quiet_since, deadline = time.monotonic(), time.monotonic() + 10
            seen = before
            while time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                await helpdesk.collect()
                if len(helpdesk.replies[chat]) != seen:
                    seen, quiet_since = len(helpdesk.replies[chat]), time.monotonic()
                elif seen > before and time.monotonic() - quiet_since > 0.6:
                    break
            counts.append(seen - before)
        return counts

    async def agreed(channel: str) -> list[int]:
        """Two reporters who saw the same counts, every step answered (a reply held up past
        the wait would shift them), in at most four tries."""
        last: list[int] = []
        for _ in range(4):
            counts = await one(channel)
            if counts == last and all(counts):
                return counts
            last = counts
        raise RuntimeError(f"capacity: {channel} replies to an intake vary: {last}")

    telegram, whatsapp = await asyncio.gather(agreed("telegram"), agreed("whatsapp"))
    return {"telegram": telegram, "whatsapp": whatsapp}


def latencies(
    offered: Offered, replies: Mapping[str, list[float]], counts: Mapping[str, list[int]]
) -> dict[str, list[float]]:
    """Per channel, each message's latency: from when it was due to the first reply to it
    (the replies to a chat arrive in order; `counts`: how many each step gets)."""
    before = {
        channel: list(itertools.accumulate(each, initial=0)) for channel, each in counts.items()
    }
    found: dict[str, list[float]] = defaultdict(list)
    for message, due in zip(offered.messages, offered.due, strict=True):
        arrived = sorted(replies.get(message.chat, ()))
        index = before[message.channel][message.step]
        found[message.channel].append(arrived[index] - due if index < len(arrived) else NEVER)
    return found


@dataclass
class Step:
    rate: float
    offered: Offered
    by_channel: dict[str, list[float]] = field(default_factory=dict)

    @property
    def every(self) -> list[float]:
        return [value for values in self.by_channel.values() for value in values]

    def p(self, share: float, channel: str | None = None) -> float:
        values = self.by_channel.get(channel, []) if channel else self.every
        return percentile(values, share) if values else NEVER

    @property
    def unanswered(self) -> int:
        return sum(value == NEVER for value in self.every)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.offered.statuses.items() if status != 200)

    @property
    def bounded(self) -> bool:
        """The backlog when the load stopped was under a second's worth of replies (Little's
        law, with a p99 within 1 s), and had not grown since halfway through by more than a
        quarter of a second's worth (the relay takes rows 100 at a time, so it moves by that
        much at any rate): a queue that keeps growing is not sustained, however short the
        step."""
        slack = max(50.0, self.rate * 0.25)
        end, midway = self.offered.backlog_at_end, self.offered.backlog_midway
        return end <= max(20.0, self.rate * 1.0) and end <= midway + slack

    @property
    def passed(self) -> bool:
        return (
            not self.errors and self.bounded and self.p(0.99) <= REPLY_P99_S
            and not self.offered.timed_out
        )  # fmt: skip

    def describe(self) -> str:
        sent = len(self.offered.messages)
        parts = [
            f"{channel} p50 {self.p(0.5, channel) * 1000:.0f} / p99 "
            f"{self.p(0.99, channel) * 1000:.0f} ms"
            for channel in CHANNELS
        ]
        return (
            f"{self.rate:.0f} msg/s offered: {sent} sent, {'; '.join(parts)}; "
            f"{self.unanswered} unanswered, backlog halfway {self.offered.backlog_midway} and at "
            f"the end {self.offered.backlog_at_end}, "
            f"{self.errors} non-200 -> {'pass' if self.passed else 'FAIL'}"
        )


async def step(
    helpdesk: Helpdesk,
    reporters: Reporters,
    counts: dict[str, list[int]],
    options: CapacityOptions,
    rate: float,
) -> Step:
    """A rate held for one step; a failure is tried once more and the better of the two
    kept: on a shared machine a neighbour's busy seconds can sink one step (the same rate
    failed with p99 1.1 s and passed with 0.15 s minutes apart), and one such step would
    cap the capacity found."""
    tries = []
    for _ in range(2):
        offered = await offer(helpdesk, reporters, options, rate=rate, duration=options.step_s)
        await helpdesk.drained(options.grace_s)
        await helpdesk.collect()
        measured = Step(rate, offered, latencies(offered, helpdesk.replies, counts))
        progress(f"capacity: {measured.describe()}")
        tries.append(measured)
        if measured.passed:
            break
    return min(tries, key=lambda each: (not each.passed, each.p(0.99)))


# -- per database ---------------------------------------------------------------------------


async def bench_database(
    report: Report, db: str, database_url: str, provider: str, work: Path, options: CapacityOptions
) -> None:
    helpdesk = Helpdesk(database_url, provider, work, limited=False)
    try:
        progress(f"capacity {db}: starting python -m bot serve")
        await helpdesk.start()
        reporters = Reporters(helpdesk.url)
        counts = await reply_counts(helpdesk, reporters)
        progress(f"capacity {db}: replies to each step of an intake: {counts}")
        outcomes: dict[float, bool] = {}
        steps: dict[float, Step] = {}
        for rate in LATENCY_RATES:
            steps[rate] = await step(helpdesk, reporters, counts, options, rate)
            outcomes[rate] = steps[rate].passed
        deadline = time.monotonic() + options.search_deadline_s
        while (upper := next_rate(outcomes, options.ceiling, options.precision)) is not None:
            if time.monotonic() > deadline:
                report.note(
                    f"capacity {db}: the search stopped at its deadline, {upper:.0f} untried"
                )
                break
            steps[upper] = await step(helpdesk, reporters, counts, options, upper)
            outcomes[upper] = steps[upper].passed
        progress(f"capacity {db}: acceptance, {options.acceptance_senders} senders saturating")
        await helpdesk.drained(options.drain_s)
        accepted = await offer(
            helpdesk, reporters, options, rate=None,
            senders=options.acceptance_senders, duration=options.acceptance_s,
        )  # fmt: skip
    finally:
        await helpdesk.stop()
    refused = sum(accepted.statuses.values()) - accepted.accepted
    acceptance = accepted.accepted_per_second(options.acceptance_s)

    for rate in LATENCY_RATES:
        measured = steps[rate]
        for channel in CHANNELS:
            report.add(
                BENCH,
                f"{db}.{channel}.reply_p99_at_{rate:.0f}",
                measured.p(0.99, channel) * 1000,
                "ms",
                target=P99,
                note=f"p50 {measured.p(0.5, channel) * 1000:.0f} ms; {measured.describe()}",
            )
    capacity = sustained(outcomes)
    tried = ", ".join(
        f"{rate:.0f} {'pass' if ok else 'fail'} (p99 {steps[rate].p(0.99) * 1000:.0f} ms)"
        for rate, ok in sorted(outcomes.items())
    )
    report.add(
        BENCH,
        f"{db}.acceptance_rate",
        acceptance,
        "msg/s",
        note=f"{options.acceptance_senders} senders as fast as answered, {accepted.accepted} "
        f"200s in {options.acceptance_s:.0f} s, {refused} others; backlog of replies at the "
        f"end {accepted.backlog_at_end}",
    )
    report.add(
        BENCH,
        f"{db}.sustained_capacity",
        capacity,
        "msg/s",
        baseline=acceptance,
        baseline_name="acceptance rate",
        target=CAPACITY_SHARE if db == "sqlite" else None,
        note=f"reply p99 <= 1 s and the backlog bounded, steps of {options.step_s:.0f} s: {tried}",
    )
    if db == "sqlite":
        report.add(
            BENCH, "sqlite.sustained_capacity_vs_400", capacity, "msg/s",
            baseline=400, baseline_name="Twilio's most for one sender", target=CAPACITY_400,
        )  # fmt: skip


async def bench_pacing(report: Report, provider: str, work: Path, options: CapacityOptions) -> None:
    """The default TWILIO_MAX_PER_SECOND, more WhatsApp offered than it allows; the most
    creates arriving at the stand-in in any one second."""
    field_info = Settings.model_fields.get("twilio_max_per_second")
    limit = float(field_info.default) if field_info is not None else None
    helpdesk = Helpdesk(sqlite_url(work / "pacing.db"), provider, work, limited=True)
    try:
        progress(f"capacity: WhatsApp pacing, {options.pacing_rate:.0f} msg/s offered")
        await helpdesk.start()
        reporters = Reporters(helpdesk.url)
        offered = await offer(
            helpdesk, reporters, options, rate=options.pacing_rate,
            duration=options.pacing_s, channels=("whatsapp",),
        )  # fmt: skip
        drained = await helpdesk.drained(options.drain_s)
        await helpdesk.collect()
    finally:
        await helpdesk.stop()
    sends = [at for at, chat, _ in helpdesk.arrivals if chat.startswith("whatsapp:")]
    spread = (len(sends) - 1) / (max(sends) - min(sends)) if len(sends) > 1 else 0.0
    busiest = busiest_second(sends)
    enforced = (
        f"the default limit {limit:g}/s"
        if limit is not None
        else "limit not enforced: this build has no TWILIO_MAX_PER_SECOND"
    )
    report.add(
        BENCH,
        "whatsapp_busiest_second",
        busiest,
        "sends",
        baseline=limit,
        baseline_name="TWILIO_MAX_PER_SECOND" if limit is not None else "",
        target=Target("max", (limit or 80) + 0.5, f"<= {limit or 80:g} (the limit)"),
        note=f"{enforced}; {len(offered.messages)} WhatsApp messages offered at "
        f"{options.pacing_rate:.0f}/s after {offered.beforehand} sent beforehand as fast as "
        f"answered; {len(sends)} replies to them all sent at {spread:.0f}/s first to "
        f"last{'' if drained else ' (not all sent before the deadline)'}",
    )


async def run(report: Report, options: CapacityOptions) -> None:
    with tempfile.TemporaryDirectory(prefix="mukta-bench-capacity-") as tmp:
        work = Path(tmp)
        async with stand_in_process() as provider:
            await bench_database(
                report, "sqlite", sqlite_url(work / "helpdesk.db"), provider, work, options
            )
            if options.postgres:
                unreachable = await postgres_reachable()
                if unreachable:
                    report.note(f"capacity postgres: skipped, server unreachable ({unreachable})")
                else:
                    async with fresh_postgres("capacity") as url:
                        await bench_database(report, "postgres", url, provider, work, options)
            await bench_pacing(report, provider, work, options)


def quick() -> CapacityOptions:
    return CapacityOptions(
        step_s=4.0, acceptance_s=3.0, grace_s=3.0, drain_s=20.0, search_deadline_s=90.0,
        pacing_s=4.0, precision=0.2,
    )  # fmt: skip
