"""/metrics as Prometheus scrapes it from `python -m bot serve`: inbound messages counted as
they arrive over the webhook, the outbox backlog read from the database while Telegram is down
and gone once it is back, sends by result, request latency, the token; and two processes on
one database counted as one service (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from adapters.memory import MemoryChannel
from bot import metrics
from bot.app import create_app
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.models import OutboxMessage
from flows.messages import Address, Outbound
from tests.conftest import FixedClock
from tests.faultkit import (
    FlakyTelegram,
    ServeProcess,
    free_port,
    post,
    serve_env,
    telegram_toml,
)
from tests.support import Person, file_ticket
from tests.telegram_fake import next_id, private_text

TOKEN = "scrape-token-1234"
AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}
WAIT_SECONDS = 20.0
_10_MIN = timedelta(minutes=10)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 when the exposition has no such sample (nothing counted yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient, url: str) -> Samples:
    response = await client.get(f"{url}/metrics", headers=AUTHORIZED)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def scrape_until(
    client: httpx.AsyncClient, url: str, holds: Callable[[Samples], bool]
) -> Samples:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        samples = await scrape(client, url)
        if holds(samples):
            return samples
        assert time.monotonic() < deadline, "the metrics never showed it"
        await asyncio.sleep(0.2)


def says_hi(user_id: int) -> dict[str, object]:
    return {"update_id": next_id(), **private_text(user_id, "hi")}


async def back_to_normal(client: httpx.AsyncClient, url: str) -> Samples:
    """Scrapes, while other reporters write (whose messages wake the relay, as everyday
    traffic does), until no reply waits."""
    deadline = time.monotonic() + WAIT_SECONDS
    for user_id in range(7050, 7100):
        samples = await scrape(client, url)
        if value(samples, OUTBOX, **PENDING) == 0:
            return samples
        assert time.monotonic() < deadline, "replies still wait"
        assert await post(client, url, says_hi(user_id)) == 200
        await asyncio.sleep(0.5)
    raise AssertionError("replies still wait")


PENDING = {"channel": "telegram", "status": "pending"}
OUTBOX = "helpdesk_outbox_messages"
OLDEST = "helpdesk_outbox_oldest_pending_age_seconds"
INBOUND = "helpdesk_inbound_messages_total"
SENDS = "helpdesk_outbox_sends_total"


async def test_metrics_count_messages_and_show_the_outbox_held_up_by_an_outage(
    tmp_path: Path,
) -> None:
    config = telegram_toml(tmp_path, timed_notices=False)
    async with FlakyTelegram() as telegram:
        env = serve_env(
            f"sqlite+aiosqlite:///{tmp_path / 'helpdesk.db'}",
            free_port(),
            telegram,
            config,
            tmp_path,
        )
        env["METRICS_TOKEN"] = TOKEN
        server = ServeProcess(env, tmp_path / "serve.log")
        server.start()
        try:
            await server.wait_healthy()
            async with httpx.AsyncClient(trust_env=False, timeout=5.0) as client:
                refused = await client.get(f"{server.url}/metrics")
                wrong = await client.get(
                    f"{server.url}/metrics", headers={"Authorization": "Bearer nope"}
                )
                before = await scrape(client, server.url)

                telegram.down()
                assert await post(client, server.url, says_hi(7001)) == 200
                retried = {"channel": "telegram", "result": "retry"}
                held = await scrape_until(
                    client, server.url, lambda s: value(s, SENDS, **retried) > 0
                )
                await asyncio.sleep(1.1)
                later = await scrape(client, server.url)

                telegram.up()
                after = await back_to_normal(client, server.url)
        finally:
            server.close()

    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert value(before, OUTBOX, **PENDING) == 0
    assert value(before, INBOUND, channel="telegram", outcome="processed") == 0
    # The reply to "hi" is waiting for Telegram, and has been for longer at each scrape.
    assert value(held, INBOUND, channel="telegram", outcome="processed") == 1
    assert value(held, OUTBOX, **PENDING) == 1
    assert value(later, OLDEST, channel="telegram") >= value(held, OLDEST, channel="telegram") + 1
    # Back up: sent, and nothing waits any more.
    assert value(after, SENDS, channel="telegram", result="sent") >= 1
    assert value(after, OLDEST, channel="telegram") == 0
    webhook_requests = value(
        after, "helpdesk_http_request_duration_seconds_count", route="/telegram/webhook"
    )
    assert webhook_requests == value(after, INBOUND, channel="telegram", outcome="processed")
    assert value(after, "helpdesk_http_request_duration_seconds_count", route="/healthz") >= 1


async def test_two_processes_on_one_database_are_counted_as_one_service(tmp_path: Path) -> None:
    config = telegram_toml(tmp_path, timed_notices=False)
    shared = tmp_path / "prometheus"
    shared.mkdir()
    servers = []
    async with FlakyTelegram() as telegram:
        for name in ("a", "b"):
            env = serve_env(
                f"sqlite+aiosqlite:///{tmp_path / 'helpdesk.db'}",
                free_port(),
                telegram,
                config,
                tmp_path / name,
            )
            env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
            servers.append(ServeProcess(env, tmp_path / f"serve-{name}.log"))
        try:
            for server in servers:
                server.start()
                await server.wait_healthy()
            async with httpx.AsyncClient(trust_env=False, timeout=5.0) as client:
                for user_id, server in enumerate(servers, start=7101):
                    assert await post(client, server.url, says_hi(user_id)) == 200
                seen = [await scrape(client, server.url) for server in servers]
        finally:
            for server in servers:
                server.close()

    for samples in seen:
        assert value(samples, INBOUND, channel="telegram", outcome="processed") == 2


# -- what the database says, on SQLite and PostgreSQL --------------------------------------------


async def test_the_database_figures_name_the_backlog_the_wait_and_the_breaches(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock, tmp_path: Path
) -> None:
    helpdesk.scheduler.reports_dir = tmp_path / "reports"
    await file_ticket(Person(helpdesk, channel, "memory:ramesh"))  # Friday 11:00, P2
    clock.advance(days=4, minutes=1)  # Tuesday 11:01: one minute past its response due time
    await helpdesk.scheduler.sweep()
    while await helpdesk.relay.deliver_due():
        pass
    now = clock.now
    async with helpdesk.unit_of_work() as uow:
        # A reply to a channel no sender serves here, due ten minutes ago; one due later.
        uow.outbox.add(Outbound(Address("whatsapp", "+919876543210"), "stuck"), now - _10_MIN)
        uow.outbox.add(Outbound(Address("whatsapp", "+919876543211"), "later"), now)
        await uow.commit()
    async with helpdesk.unit_of_work() as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.payload.contains("later"))
            .values(next_attempt_at=now + _10_MIN)
        )
        await uow.commit()

    async with helpdesk.unit_of_work().read_only() as uow:
        samples = parse(metrics.exposition(await metrics.snapshot(uow, now)).decode())

    assert value(samples, OUTBOX, channel="whatsapp", status="pending") == 2
    assert value(samples, OUTBOX, channel="memory", status="pending") == 0
    assert value(samples, "helpdesk_outbox_oldest_due_age_seconds", channel="whatsapp") == 600
    assert value(samples, OLDEST, channel="whatsapp") == 600
    assert value(samples, "helpdesk_open_tickets", team="l1") == 1
    assert value(samples, "helpdesk_sla_breached_tickets", team="l1") == 1
    assert value(samples, "helpdesk_sla_breaches_total") == 1


async def test_a_scrape_while_the_database_is_down_still_gets_the_counters(
    config: HelpdeskConfig,
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    )
    helpdesk = build(settings, config=config)
    transport = httpx.ASGITransport(app=create_app(helpdesk, run_relay=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client:
            health = await client.get("/healthz")
            response = await client.get("/metrics")
    finally:
        await helpdesk.close()

    assert health.status_code == 503
    assert response.status_code == 200
    samples = parse(response.text)
    assert value(samples, "helpdesk_database_read") == 0
    timed = value(samples, "helpdesk_http_request_duration_seconds_count", route="/healthz")
    assert timed >= 1  # (the counters are this process's: other tests' requests count too)
    assert not [name for name, _ in samples if name.startswith("helpdesk_outbox_messages")]
