"""Benchmark 2: the outbound drain within Telegram's limits.

`count` notifications are queued as outbox rows (through `OutboxRepository.add`, in a few
big transactions), spread over 300 private chats and 10 team groups, and drained by the real
`OutboxRelay` + `TelegramSender` (production settings: batches of 100, Telegram's published
limits) against a FakeTelegram that enforces those limits itself: more than 30 sends in a
second, a second send to a private chat within a second, or a 21st send to a group within a
minute is answered 429 with retry_after.

Figures: the achieved send rate against the rate the limits allow for this mix of chats,
429s seen, and whether every chat received its messages in the order they were queued (each
text carries its chat's sequence number), with nothing lost or doubled.

Then WhatsApp's pacing (`run_whatsapp`): a backlog of notices to reporters who wrote earlier
today, drained by the relay and `WhatsAppSender` at the default TWILIO_MAX_PER_SECOND (80)
into the local Twilio stand-in (tests/twilio_fake.py), while answers to reporters who just
wrote are queued now and then. Figures: the most sends started in any one second (by the
sender's clock) and arriving at the stand-in in any one second, against the limit; the rate
achieved; how long the answers took to reach the stand-in though the backlog was ahead of them.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response

from bench.common import Report, Target, busiest_second, progress
from bench.databases import sqlite_url
from bot.build import build
from bot.core.config import load_config
from bot.settings import Settings
from flows.messages import Address, Inbound, Outbound
from tests.telegram_fake import Call, FakeTelegram
from tests.twilio_fake import FakeTwilio

BENCH = "outbound"
TEXT = re.compile(r"^Notice (\d+) for chat (-?\d+)\b")
PRIVATE_BASE = 6_000_000_001
GROUP_BASE = -1_002_000_000_001
RATE = Target("min", 0.95, ">= 95% of the allowed rate", on="ratio")
NO_429 = Target("max", 0.5, "0")
IN_ORDER = Target("min", 1.0, "every chat", on="ratio")
WHATSAPP_HELPDESK = "whatsapp:+14155238886"


@dataclass(frozen=True)
class OutboundOptions:
    count: int = 1_500
    private_chats: int = 300
    groups: int = 10
    group_share: float = 0.05  # of the messages, to the team groups
    overall_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20
    seed: int = 20261127


def plan(options: OutboundOptions) -> list[tuple[int, int]]:
    """(chat_id, sequence in that chat) in queueing order: chats interleaved at random, as a
    backlog built up over time would be; each chat's sequence numbers ascend."""
    rng = random.Random(options.seed)
    to_groups = round(options.count * options.group_share) if options.groups else 0
    privates = [PRIVATE_BASE + i for i in range(options.private_chats)]
    groups = [GROUP_BASE - i for i in range(options.groups)]
    chats = [privates[i % len(privates)] for i in range(options.count - to_groups)]
    chats += [groups[i % len(groups)] for i in range(to_groups)]
    rng.shuffle(chats)
    sequence: Counter[int] = Counter()
    order = []
    for chat in chats:
        sequence[chat] += 1
        order.append((chat, sequence[chat]))
    return order


def allowed_rate(order: list[tuple[int, int]], options: OutboundOptions) -> float:
    """The fastest steady rate the limits allow for this mix: the overall limit, unless one
    chat has so many messages that its own limit takes longer."""
    per_chat = Counter(chat for chat, _ in order)
    slowest = max(
        (n - 1) / options.private_per_second
        if chat > 0
        else (n - 1) * 60 / options.group_per_minute
        for chat, n in per_chat.items()
    )
    fastest_drain = max((len(order) - 1) / options.overall_per_second, slowest)
    return (len(order) - 1) / fastest_drain


async def run(report: Report, options: OutboundOptions) -> None:
    order = plan(options)
    allowed = allowed_rate(order, options)
    expected_s = options.count / allowed
    deadline = expected_s * 2 + 60
    with tempfile.TemporaryDirectory(prefix="mukta-bench-outbound-") as tmp:
        work = Path(tmp)
        async with FakeTelegram() as fake:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=sqlite_url(work / "helpdesk.db"),
                telegram_bot_token=SecretStr(fake.token),
                telegram_api_base_url=fake.base_url,
                telegram_max_per_second=options.overall_per_second,
                telegram_private_per_second=options.private_per_second,
                telegram_group_per_minute=options.group_per_minute,
                reports_dir=work / "reports",
            )
            helpdesk = build(settings, config=load_config(settings.helpdesk_config))
            await helpdesk.migrate()
            now = datetime.now(UTC)
            for start in range(0, len(order), 2_000):
                async with helpdesk.unit_of_work() as uow:
                    for chat, seq in order[start : start + 2_000]:
                        text = f"Notice {seq} for chat {chat}: ticket MK-{1000 + seq} was updated."
                        kind = "notice" if chat > 0 else "alert"
                        uow.outbox.add(
                            Outbound(Address("telegram", str(chat)), text, kind=kind), now
                        )
                    await uow.commit()
            assert helpdesk.telegram is not None
            await helpdesk.telegram.bot.initialize()
            fake.enforce_limits(
                options.overall_per_second, options.private_per_second, options.group_per_minute
            )
            progress(
                f"outbound: draining {options.count:,} notifications to "
                f"{options.private_chats} private chats and {options.groups} groups "
                f"(~{expected_s:.0f} s at {allowed:.1f}/s)"
            )
            stop = asyncio.Event()
            calls_before = len(fake.calls)
            started, cpu = time.monotonic(), time.thread_time()
            relay = asyncio.create_task(helpdesk.relay.run(stop))
            delivered = 0
            last_progress = started
            while time.monotonic() - started < deadline:
                await asyncio.sleep(0.25)
                delivered = sum(
                    1
                    for call in fake.calls[calls_before:]
                    if call.ok and call.method == "sendMessage"
                )
                if delivered >= options.count:
                    break
                if time.monotonic() - last_progress >= 10:
                    last_progress = time.monotonic()
                    progress(
                        f"outbound: {delivered:,}/{options.count:,} sent, {fake.rejected_429} 429s"
                    )
            drained_s = time.monotonic() - started
            cpu = time.thread_time() - cpu
            stop.set()
            await relay
            await helpdesk.telegram.bot.shutdown()
            await helpdesk.close()
            sends = [c for c in fake.calls[calls_before:] if c.method == "sendMessage" and c.ok]
            refused = [c for c in fake.calls[calls_before:] if c.status == 429]
            rejected = fake.rejected_429

    times = [call.at for call in sends]
    achieved = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    pauses = [b - a for a, b in itertools.pairwise(times) if b - a > 0.1]
    which = _which_limit(refused, sends, options)
    received: dict[int, list[int]] = defaultdict(list)
    for call in sends:
        match = TEXT.match(str(call.params.get("text", "")))
        if match:
            received[int(match.group(2))].append(int(match.group(1)))
    queued = Counter(chat for chat, _ in order)
    in_order = sum(received.get(chat, []) == list(range(1, n + 1)) for chat, n in queued.items())
    doubled = sum(len(seqs) - len(set(seqs)) for seqs in received.values())
    out_of_order = sum(
        any(b <= a for a, b in itertools.pairwise(seqs)) for seqs in received.values()
    )
    missing = options.count - sum(len(set(seqs)) for seqs in received.values())

    sizes = f"{options.count:,} notifications, {options.private_chats} private chats + "
    sizes += f"{options.groups} groups ({options.group_share:.0%} of the messages)"
    report.add(
        BENCH,
        "achieved_rate",
        achieved,
        "msg/s",
        baseline=allowed,
        baseline_name="allowed",
        target=RATE,
        note=f"{sizes}; first to last send; whole drain {drained_s:.1f} s "
        f"= {len(sends) / drained_s:.1f} msg/s from the relay's start; "
        f"{cpu / max(len(sends), 1) * 1000:.2f} ms CPU a send (relay, PTB, aiohttp and the "
        f"fake, which runs on the same loop, together); {len(pauses)} pauses > 0.1 s between "
        f"sends, {sum(pauses):.1f} s in all",
    )
    report.add(
        BENCH,
        "rejected_429",
        rejected,
        "429s",
        baseline=len(sends),
        baseline_name="sends",
        target=NO_429,
        note=", ".join(f"{n} over the {limit}" for limit, n in which.items()) or "none",
    )
    report.add(
        BENCH,
        "chats_in_order",
        in_order,
        "chats",
        baseline=len(queued),
        baseline_name="chats",
        target=IN_ORDER,
        note=f"complete and in queue order; {out_of_order} chats out of order, "
        f"{doubled} sent twice, {missing} not delivered",
    )
    if delivered < options.count:
        report.note(
            f"outbound: stopped at the {deadline:.0f} s deadline, {delivered}/{options.count} sent"
        )
    lock_setup, cached_import = _failed_import_cost()
    report.add(
        BENCH,
        "httpcore_lock_setup",
        lock_setup,
        "us/call",
        baseline=cached_import,
        baseline_name="cached import",
        note="httpcore 1.0.9 (under httpx: PTB's transport for the long poll, the JIRA "
        "client, the console's fetches of WhatsApp media; Telegram sends go over aiohttp) "
        "tries `import sniffio` (not installed) on every lock setup, twice per request it "
        "makes; "
        + (
            "the helpdesk records its absence once (adapters.telegram.channel), "
            "so each try fails at once"
            if "sniffio" in sys.modules and sys.modules["sniffio"] is None
            else "each miss searches sys.path"
        ),
    )


def _which_limit(refused: list[Call], sends: list[Call], options: OutboundOptions) -> Counter[str]:
    """Which of the fake's limits each 429 was for, from the sends before it."""
    which: Counter[str] = Counter()
    for call in refused:
        chat = int(call.params.get("chat_id", 0))
        window, most = (
            (1.0, options.private_per_second) if chat > 0 else (60.0, options.group_per_minute)
        )
        overall = sum(1 for s in sends if call.at - 1.0 < s.at <= call.at)
        mine = sum(
            1
            for s in sends
            if s.params.get("chat_id") == chat and call.at - window < s.at <= call.at
        )
        if mine >= most:
            which["private chat limit (1/s)" if chat > 0 else "group limit (20/min)"] += 1
        if overall >= options.overall_per_second:
            which["overall limit (30/s)"] += 1
    return which


def _failed_import_cost() -> tuple[float, float]:
    """Microseconds per httpcore lock setup (a failed import) against a cached import."""
    from httpcore import _synchronization

    def per_call(fn: object, times: int = 2_000) -> float:
        assert callable(fn)
        started = time.perf_counter()
        for _ in range(times):
            fn()
        return (time.perf_counter() - started) / times * 1e6

    def cached() -> None:
        import json  # noqa: F401 - the cost of an import that is already done

    return per_call(_synchronization.current_async_library), per_call(cached)


@dataclass(frozen=True)
class WhatsAppOptions:
    notices: int = 400
    reporters: int = 100
    answers: int = 20
    answer_every_s: float = 0.2
    per_second: float = 80  # TWILIO_MAX_PER_SECOND's default


class _TimedTwilio(FakeTwilio):
    """The stand-in, noting when each create arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, str]] = []

    async def _create(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        self.arrivals.append((time.monotonic(), form.get("Body", "")))
        return await super()._create(request)


async def run_whatsapp(report: Report, options: WhatsAppOptions) -> None:
    limit = Target("max", options.per_second + 0.5, f"<= {options.per_second:g} (the limit)")
    with tempfile.TemporaryDirectory(prefix="mukta-bench-whatsapp-") as tmp:
        work = Path(tmp)
        async with _TimedTwilio() as fake:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=sqlite_url(work / "helpdesk.db"),
                public_url="https://helpdesk.example.org",
                twilio_account_sid=fake.account_sid,
                twilio_auth_token=SecretStr(fake.auth_token),
                twilio_whatsapp_from=WHATSAPP_HELPDESK,
                twilio_api_base_url=fake.base_url,
                twilio_max_per_second=options.per_second,
                reports_dir=work / "reports",
            )
            helpdesk = build(settings, config=load_config(settings.helpdesk_config))
            await helpdesk.migrate()
            assert helpdesk.whatsapp is not None
            pace = helpdesk.whatsapp.sender.pace
            starts: list[float] = []
            acquire = pace.acquire

            async def timed(urgency: float = 0.0) -> None:
                await acquire(urgency)
                starts.append(time.monotonic())

            pace.acquire = timed  # type: ignore[method-assign]
            now = datetime.now(UTC)
            reporters = [Address("whatsapp", f"+9190100{n:05d}") for n in range(options.reporters)]
            async with helpdesk.unit_of_work() as uow:
                for n, address in enumerate(reporters):  # they wrote earlier today
                    await uow.inbound.record(Inbound(address, f"SMbench{n:06d}", "hi", now))
                for n in range(options.notices):
                    text = f"Notice {n}: ticket MK-{1000 + n} was updated."
                    uow.outbox.add(
                        Outbound(reporters[n % len(reporters)], text, kind="notice"), now
                    )
                await uow.commit()
            progress(
                f"outbound: WhatsApp, {options.notices} notices at {options.per_second:g}/s "
                f"(~{options.notices / options.per_second:.0f} s) and {options.answers} answers"
            )
            stop = asyncio.Event()
            relay = asyncio.create_task(helpdesk.relay.run(stop))
            queued: dict[str, float] = {}
            for n in range(options.answers):
                await asyncio.sleep(options.answer_every_s)
                address = Address("whatsapp", f"+9190200{n:05d}")
                said = Inbound(address, f"SManswer{n:06d}", "hi", datetime.now(UTC))
                text = f"Answer {n}"
                async with helpdesk.unit_of_work() as uow:
                    await uow.inbound.record(said)
                    uow.outbox.add(Outbound(address, text), said.received_at, answering=said)
                    await uow.commit()
                queued[text] = time.monotonic()
                helpdesk.relay.wake()
            total = options.notices + options.answers
            deadline = time.monotonic() + total / options.per_second * 2 + 30
            while len(fake.messages) < total and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            stop.set()
            await relay
            await helpdesk.whatsapp.close()
            await helpdesk.close()
            arrivals = list(fake.arrivals)

    arrived = [at for at, _ in arrivals]
    waits = sorted(at - queued[body] for at, body in arrivals if body in queued)
    achieved = (len(arrived) - 1) / (arrived[-1] - arrived[0]) if len(arrived) > 1 else 0.0
    what = f"{options.notices} notices to {options.reporters} reporters + {options.answers} answers"
    report.add(
        BENCH,
        "whatsapp_busiest_second_sender",
        busiest_second(starts),
        "sends",
        baseline=options.per_second,
        baseline_name="TWILIO_MAX_PER_SECOND",
        target=limit,
        note=f"{what}; sends started in any one second, by the sender's clock",
    )
    report.add(
        BENCH,
        "whatsapp_busiest_second_arrived",
        busiest_second(arrived),
        "sends",
        baseline=options.per_second,
        baseline_name="TWILIO_MAX_PER_SECOND",
        note="creates arriving at the Twilio stand-in in any one second (same event loop: "
        f"its jitter included); {achieved:.1f} msg/s first to last, {len(arrived)} sent",
    )
    if waits:
        report.add(
            BENCH,
            "whatsapp_answer_wait_p50",
            waits[len(waits) // 2] * 1000,
            "ms",
            note=f"an answer, from its commit to the stand-in, with the backlog of notices "
            f"ahead of it in the outbox; worst of {len(waits)}: {waits[-1] * 1000:.0f} ms",
        )
