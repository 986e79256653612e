"""The weekly summary: a chart of the weeks' tickets and SLAs, once a week, to the team the
configuration names (`reminders.weekly_summary_team`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.config import HelpdeskConfig
from bot.core.configmodel import WEEKDAYS
from db.uow import UnitOfWork
from flows.messages import Attachment, Outbound

WEEKLY = "weekly:"  # the weekly summaries' notice keys: weekly:2026-W49
# Queues `messages` once under a notice key (the scheduler's); returns how many it queued.
Once = Callable[[UnitOfWork, str, datetime, list[Outbound]], Awaitable[int]]


def weekly_due(config: HelpdeskConfig, now: datetime) -> datetime:
    """When the latest weekly summary fell due: its day and time this week, or last week's
    until then."""
    zone, reminders = config.calendar.zone, config.reminders
    local = now.astimezone(zone)
    days_since = (local.weekday() - WEEKDAYS.index(reminders.weekly_summary_day)) % 7
    day = local.date() - timedelta(days=days_since)
    due = datetime.combine(day, reminders.weekly_summary_time, zone)
    return due if due <= now else due - timedelta(weeks=1)


def _draw(chart: Callable[[], bytes], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(chart())


async def weekly_summary(
    units: Callable[[], UnitOfWork],
    config: HelpdeskConfig,
    now: datetime,
    reports_dir: Path,
    once: Once,
) -> int:
    """The weekly chart, once a week: on its day, or late at the first sweep after it (the
    server was down then) until the next one is due. A helpdesk that never sent one starts
    on the day itself, not with a late one when first started."""
    team_key = config.reminders.weekly_summary_team
    if not team_key:
        return 0
    zone = config.calendar.zone
    due = weekly_due(config, now)
    late = due.astimezone(zone).date() != now.astimezone(zone).date()
    team = config.directory.team(team_key)
    # (A picture kept on this machine: for group chats, not for WhatsApp, whose media must
    # be fetched from a public address.)
    recipients = team.chats
    if not recipients:
        return 0  # nobody to send it to: not drawn (again at every sweep)
    year, week, _ = due.astimezone(zone).isocalendar()
    key = f"{WEEKLY}{year}-W{week:02d}"
    from bot import reports  # matplotlib is loaded only when a chart is drawn

    async with units().read_only() as uow:
        if not await uow.outbox.notice_pending(key):
            return 0
        if late and not await uow.outbox.any_notice(WEEKLY):
            return 0
        # The weeks as they were on its day, however late it goes.
        last_day = reports.last_full_day(config, due)
        weeks = await reports.load_weeks(uow, config, now, last_day)
    path = reports_dir / f"weekly-{year}-W{week:02d}.png"
    # Drawn outside any transaction (on SQLite an open one would hold the write lock), and
    # off the event loop.
    await asyncio.to_thread(_draw, lambda: reports.weekly_chart(weeks), path)
    caption = reports.weekly_caption(weeks[-2:])
    picture = Attachment("photo", path.resolve().as_uri(), "image/png", path.name)
    messages = [
        Outbound(chat, caption, kind="summary", attachments=(picture,), language=team.language)
        for chat in recipients
    ]
    async with units() as uow:
        queued = await once(uow, key, now, messages)
        await uow.commit()
    return queued
