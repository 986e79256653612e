"""Ticket numbers stay unique and gapless when many tickets are filed at once, from one
process or from several, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from sqlalchemy import select

from bot.core.tickets import TicketService
from bot.helpdesk import Helpdesk
from bot.settings import ROOT
from db.models import Counter, Ticket
from flows.messages import Address
from tests.helpers import fetch, scalar, submit_command

PROCESSES = 3
PER_PROCESS = 15


def expected(count: int) -> list[str]:
    return [f"MK-{1000 + n}" for n in range(1, count + 1)]


def by_value(numbers: list[str]) -> list[str]:
    return sorted(numbers, key=lambda number: int(number.split("-")[1]))


async def stored_numbers(helpdesk: Helpdesk) -> list[str]:
    return by_value(await fetch(helpdesk, select(Ticket.number)))


async def test_concurrent_creations_get_unique_gapless_numbers(helpdesk: Helpdesk) -> None:
    service = TicketService(helpdesk.config)

    async def file(index: int) -> str:
        async with helpdesk.unit_of_work() as uow:
            reporter = Address("memory", f"reporter-{index}")
            ticket = await service.create(uow, reporter, submit_command(), helpdesk.clock())
            await uow.commit()
            return ticket.number

    numbers = await asyncio.gather(*(file(index) for index in range(40)))

    assert by_value(list(numbers)) == expected(40)
    assert await stored_numbers(helpdesk) == expected(40)


async def test_a_rolled_back_creation_leaves_no_gap(helpdesk: Helpdesk) -> None:
    service = TicketService(helpdesk.config)

    async def file(index: int) -> str | None:
        async with helpdesk.unit_of_work() as uow:
            reporter = Address("memory", f"reporter-{index}")
            ticket = await service.create(uow, reporter, submit_command(), helpdesk.clock())
            if index % 4 == 3:
                return None  # something failed after numbering: leave without commit
            await uow.commit()
            return ticket.number

    numbers = [n for n in await asyncio.gather(*(file(i) for i in range(40))) if n is not None]

    assert by_value(numbers) == expected(30)
    assert await stored_numbers(helpdesk) == expected(30)
    counter = select(Counter.value).where(Counter.name == "ticket")
    assert await scalar(helpdesk, counter) == 1030


async def _worker(database_url: str, name: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.helpers",
        "create-tickets",
        database_url,
        str(PER_PROCESS),
        name,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_several_processes_get_unique_gapless_numbers(
    helpdesk: Helpdesk, tmp_path: Path
) -> None:
    url = helpdesk.settings.database_url
    workers = [await _worker(url, f"process-{n}") for n in range(PROCESSES)]
    try:
        for worker in workers:  # every worker is up before any starts filing
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), timeout=30)
            assert line.strip() == b"ready", line
        outputs = await asyncio.wait_for(
            asyncio.gather(*(worker.communicate(b"go\n") for worker in workers)), timeout=60
        )
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()

    numbers: list[str] = []
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
        numbers += json.loads(out.decode().strip().splitlines()[-1])
    total = PROCESSES * PER_PROCESS
    assert len(numbers) == len(set(numbers)) == total
    assert by_value(numbers) == expected(total)
    assert await stored_numbers(helpdesk) == expected(total)
