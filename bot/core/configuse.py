"""What an edited configuration may not take away while tickets still need it: checked
before the admin page saves one and before the file watcher takes up a hand-edited file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.config import HelpdeskConfig
from db.models import Ticket
from flows.directory import Directory

# What tickets store by key: a configuration must keep those keys while tickets use them.
TICKET_KEYS = ("ulb", "module", "category")


@dataclass(frozen=True)
class Problem:
    """Why a configuration cannot be used now: a message key and its values."""

    key: str
    values: Mapping[str, object]


async def still_in_use(
    session: AsyncSession, old: HelpdeskConfig, new: HelpdeskConfig
) -> list[Problem]:
    """What `new` takes away that tickets still need: a team with tickets not closed yet (they
    would have no queue, and a reopened one no team), a ULB, module or category any ticket
    names (it would be shown by its key), and the ticket prefix once there are tickets (their
    IDs would no longer be understood)."""
    problems = []
    before, after = old.directory, new.directory
    if before.ticket_prefix != after.ticket_prefix:
        tickets = (await session.execute(select(func.count(Ticket.id)))).scalar_one()
        if tickets:
            problems.append(
                Problem("cfg_prefix_used", {"prefix": before.ticket_prefix, "count": tickets})
            )
    gone_teams = {team.key for team in before.teams} - {team.key for team in after.teams}
    if gone_teams:
        query = (
            select(Ticket.team, func.count())
            .where(Ticket.team.in_(gone_teams), Ticket.status != "closed")
            .group_by(Ticket.team)
        )
        for team, count in await session.execute(query):
            problems.append(Problem("cfg_team_open", {"team": team, "count": count}))
    for column in TICKET_KEYS:
        gone = option_keys(before, column) - option_keys(after, column)
        if not gone:
            continue
        field = getattr(Ticket, column)
        query = select(field, func.count()).where(field.in_(gone)).group_by(field)
        for key, count in await session.execute(query):
            problems.append(Problem(f"cfg_{column}_used", {column: key, "count": count}))
    return problems


def option_keys(directory: Directory, column: str) -> set[str]:
    options = {"ulb": directory.ulbs, "module": directory.modules}.get(column)
    return {item.key for item in (options if options is not None else directory.categories)}
