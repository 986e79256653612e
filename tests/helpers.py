"""Helpers for the dispatcher, outbox and ticket-number tests.

Also a worker for the multi-process ticket-number test, run as its own OS process:

    python -m tests.helpers create-tickets DATABASE_URL COUNT NAME

It prints "ready", waits for a line on stdin (so that all workers start together), creates
COUNT tickets concurrently, each in its own unit of work, and prints their numbers as JSON.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select

from bot.core.config import load_config
from bot.core.tickets import TicketService
from bot.helpdesk import Helpdesk
from bot.settings import ROOT
from db.engine import create_engine, session_factory
from db.uow import UnitOfWork
from flows.commands import SubmitTicket
from flows.messages import Address, Inbound

T = TypeVar("T")
_ids = itertools.count(1)


def inbound(helpdesk: Helpdesk, address: str, text: str, provider_id: str = "") -> Inbound:
    """A message as a channel would hand it over, received now by the helpdesk's clock."""
    return Inbound(
        address=Address.parse(address),
        provider_id=provider_id or f"helper-{next(_ids)}",
        text=text,
        received_at=helpdesk.clock(),
    )


async def deliver_all(helpdesk: Helpdesk) -> None:
    while await helpdesk.relay.deliver_due():
        pass


async def fetch(helpdesk: Helpdesk, query: Select[T]) -> list[T]:
    """Rows as plain loaded objects, usable after the read transaction ended."""
    async with helpdesk.unit_of_work() as uow:
        rows = list((await uow.session.execute(query)).scalars().all())
        uow.session.expunge_all()
    return rows


async def scalar(helpdesk: Helpdesk, query: Select[Any]) -> Any:
    async with helpdesk.unit_of_work() as uow:
        return await uow.session.scalar(query)


def submit_command(description: str = "Muster roll does not save attendance") -> SubmitTicket:
    return SubmitTicket(
        language="en",
        reporter_role="ulb_employee",
        reporter_name="Ramesh Sahu",
        ulb="jatni",
        module="muster_rolls",
        category="app_error",
        description=description,
    )


async def create_tickets(database_url: str, count: int, name: str) -> list[str]:
    config = load_config(ROOT / "config" / "helpdesk.toml")
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    service = TicketService(config)
    now = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)

    async def one(index: int) -> str:
        async with UnitOfWork(sessions) as uow:
            reporter = Address("memory", f"{name}-{index}")
            ticket = await service.create(uow, reporter, submit_command(), now)
            await uow.commit()
            return ticket.number

    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        return list(await asyncio.gather(*(one(index) for index in range(count))))
    finally:
        await engine.dispose()


def main(argv: Sequence[str]) -> int:
    if len(argv) != 4 or argv[0] != "create-tickets":
        print("usage: python -m tests.helpers create-tickets URL COUNT NAME", file=sys.stderr)
        return 2
    numbers = asyncio.run(create_tickets(argv[1], int(argv[2]), argv[3]))
    print(json.dumps(numbers), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
