"""The scheduler inside the service: SLA reminders and breach notices, morning repeats,
daily digests, automatic closing of unconfirmed resolutions, and the weekly summary.

Every notice has a key (ticket, team stint, day…) recorded in `scheduled_notices` in the same
transaction as its outbox rows: the insert that wins sends it, so nothing goes out twice after
a restart or from two processes, and a sweep after downtime catches up on what fell due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import select

from bot.core.current import CurrentConfig, ReadsCurrent
from bot.core.sla import BREACHED, sla_state
from bot.core.ticketviews import view_of
from bot.core.weekly import weekly_summary
from db.models import Ticket
from db.repositories import SlaRow
from db.uow import UnitOfWork
from flows import i18n
from flows.conversation import after_closed_or_reopened
from flows.directory import Team
from flows.messages import Outbound

log = logging.getLogger(__name__)
DIGEST_LINES = 20  # tickets a daily digest lists, those due first
_Labels = dict[tuple[int, str], dict[str, str]]  # a ticket's labels, by (ticket ID, language)


@dataclass
class _Notice:
    """Messages to queue once, under `key`; `ticket_id` for a notice about one ticket."""

    key: str
    messages: list[Outbound]
    ticket_id: int = 0


@dataclass
class _Plan:
    notices: list[_Notice] = field(default_factory=list)
    auto_close: bool = False


class Scheduler(ReadsCurrent):
    def __init__(
        self,
        units: Callable[[], UnitOfWork],
        current: CurrentConfig,
        clock: Callable[[], datetime],
        reports_dir: Path,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.units = units
        # The configuration in use and its services, read at each use (an admin may switch it).
        self.current = current
        self.clock = clock
        self.reports_dir = reports_dir
        self.on_commit = on_commit

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep now (catching up on anything missed while down), then every few seconds."""
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("scheduler sweep failed; trying again next time")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.reminders.sweep_seconds)

    async def sweep(self) -> int:
        """One pass; returns how many notices it queued.

        It reads first, without holding SQLite's write lock: which notices are due and not
        sent yet (their keys), and the tickets to word them from. Only if there is something
        to send does it write, in one short transaction that checks those tickets again,
        claims the keys and queues the messages."""
        now = self.clock()
        async with self.units().read_only() as uow:
            plan = await self._plan(uow, now)
        queued = 0
        if plan.notices:
            queued += await self._send(plan, now)
        if plan.auto_close:
            async with self.units() as uow:
                queued += await self._auto_close(uow, now)
                await uow.commit()
        queued += await weekly_summary(self.units, self.config, now, self.reports_dir, self._once)
        if queued:
            self.on_commit()
        return queued

    # -- what is due ----------------------------------------------------------------------------

    async def _plan(self, uow: UnitOfWork, now: datetime) -> _Plan:
        plan = _Plan()
        rows = await uow.tickets.sla_rows(due_by=now)
        due = {row.id: self._due_keys(row, now) for row in rows}
        digest_keys = self._digest_keys(now)
        keys = [key for keys in due.values() for key, _ in keys] + list(digest_keys)
        sent = await uow.outbox.sent_notices(keys)
        pending = {
            ticket_id: [(key, kind) for key, kind in keys if key not in sent]
            for ticket_id, keys in due.items()
        }
        pending = {ticket_id: keys for ticket_id, keys in pending.items() if keys}
        digests_due = [team for key, team in digest_keys.items() if key not in sent]
        figures: dict[str, tuple[int, int, int]] = {}
        listed: dict[str, list[int]] = {}
        if digests_due:  # once a day: counted by the database, and each team's first 20
            local = self._local(now)
            day_start = datetime.combine(local.date(), time(0), self.calendar.zone)
            tomorrow = local.date() + timedelta(days=1)
            day_end = datetime.combine(tomorrow, time(0), self.calendar.zone)
            figures = await uow.tickets.open_figures(now, day_start, day_end)
            listed = await uow.tickets.first_due(now, DIGEST_LINES)
        listed_ids = {ticket_id for team in digests_due for ticket_id in listed.get(team.key, [])}
        digest_tickets: dict[int, Ticket] = {}
        # Worded a chunk of tickets at a time: a catch-up after downtime words thousands.
        async for tickets in uow.tickets.by_ids_in_chunks(sorted(set(pending) | listed_ids)):
            labels: _Labels = {}
            for ticket in tickets:
                for key, kind in pending.get(ticket.id, ()):
                    messages = self._notice(kind, ticket, now, labels)
                    if messages:
                        plan.notices.append(_Notice(key, messages, ticket.id))
                if ticket.id in listed_ids:
                    digest_tickets[ticket.id] = ticket
        for team in digests_due:
            mine = [digest_tickets[ticket_id] for ticket_id in listed.get(team.key, [])]
            notice = self._digest(team, figures.get(team.key, (0, 0, 0)), mine, now)
            if notice is not None:
                plan.notices.append(notice)
        plan.auto_close = await self._auto_close_due(uow, now)
        return plan

    def _due_keys(self, row: SlaRow, now: datetime) -> list[tuple[str, str]]:
        """The keys (and kinds) of the notices this ticket is due, sent or not."""
        if row.first_response_at is not None or row.paused_at is not None:
            return []
        due, remind = row.response_due_at, row.reminder_at
        if due is None:
            return []
        stint = f"{row.number}:{row.team}:{row.team_since.isoformat()}"
        if sla_state(cast(Ticket, row), now) != BREACHED:
            if remind is not None and remind <= now:
                return [(f"due-soon:{stint}", "reminder_due_soon")]
            return []
        # Breached: a sweep after downtime says so, without the "due soon" that came too late.
        keys = [(f"breach:{stint}", "breach_notice")]
        # Each business morning after the breach, remind the team again.
        local_now = self._local(now)
        morning = self._today_at(now, self.reminders.morning_reminder)
        if (
            local_now.date() > self._local(due).date()
            and self.calendar.is_business_day(local_now.date())
            and now >= morning
        ):
            keys.append(
                (f"breach-morning:{stint}:{local_now.date().isoformat()}", "breach_morning")
            )
        return keys

    def _notice(
        self, kind: str, ticket: Ticket, now: datetime, labels: _Labels | None = None
    ) -> list[Outbound]:
        messages = self._to_team(ticket.team, kind, ticket, now, labels)
        if kind == "breach_notice":
            for team_key in {self.directory.intake_team, self.reminders.breach_escalation_team}:
                if team_key and team_key != ticket.team:
                    messages += self._to_team(team_key, "breach_notice", ticket, now, labels)
        return messages

    async def _send(self, plan: _Plan, now: datetime) -> int:
        """Queue what is still due: the tickets checked again inside the transaction (a first
        response or a new team in the meantime cancels a notice), each key claimed once."""
        async with self.units() as uow:
            ids = sorted({notice.ticket_id for notice in plan.notices if notice.ticket_id})
            still = {
                key
                for row in await uow.tickets.sla_rows(ids=ids)
                for key, _ in self._due_keys(row, now)
            }
            notices = [n for n in plan.notices if not n.ticket_id or n.key in still]
            won = await uow.outbox.claim_notices([notice.key for notice in notices], now)
            messages = [m for notice in notices if notice.key in won for m in notice.messages]
            await uow.outbox.add_many(messages, now)
            await uow.commit()
        return len(messages)

    # -- helpers --------------------------------------------------------------------------------

    async def _once(
        self, uow: UnitOfWork, key: str, now: datetime, messages: list[Outbound]
    ) -> int:
        if not messages or not await uow.outbox.claim_notice(key, now):
            return 0
        for message in messages:
            uow.outbox.add(message, now)
        return len(messages)

    def _to_team(
        self,
        team_key: str,
        key: str,
        ticket: Ticket,
        now: datetime,
        labels: _Labels | None = None,
    ) -> list[Outbound]:
        team = self.directory.team(team_key)
        if labels is None:
            values = self.renderer.labels(team.language, view_of(ticket, now))
        else:  # worded once per ticket and language in a sweep
            shared = labels.get((ticket.id, team.language))
            if shared is None:
                shared = self.renderer.labels(team.language, view_of(ticket, now))
                labels[ticket.id, team.language] = shared
            values = dict(shared)
        values["team"] = self.directory.team(ticket.team).name(team.language)
        text = i18n.text(team.language, key, **values)
        return [
            Outbound(
                chat, text, ticket_number=ticket.number, kind="reminder", language=team.language
            )
            for chat in (*team.chats, *self.notifier.personal_chats(team_key))
        ]

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.calendar.zone)

    def _today_at(self, now: datetime, at: time) -> datetime:
        local = self._local(now)
        return datetime.combine(local.date(), at, self.calendar.zone)

    # -- per team -------------------------------------------------------------------------------

    def _digest_keys(self, now: datetime) -> dict[str, Team]:
        """Today's digest key of each team with a chat, once the digest time has come."""
        local = self._local(now)
        if not self.reminders.daily_digest or not self.calendar.is_business_day(local.date()):
            return {}
        if now < self._today_at(now, self.reminders.digest_time):
            return {}
        day = local.date().isoformat()
        return {f"digest:{team.key}:{day}": team for team in self.directory.teams if team.chats}

    def _digest(
        self, team: Team, figures: tuple[int, int, int], listed: Sequence[Ticket], now: datetime
    ) -> _Notice | None:
        local = self._local(now)
        open_count, due_today, breached = figures
        if (
            not open_count
            and team.key not in self.directory.routes.values()
            and (team.key != self.directory.intake_team)
        ):
            return None
        lines = [
            i18n.text(
                team.language,
                "digest",
                team=team.name(team.language),
                open=open_count,
                due_today=due_today,
                breached=breached,
            )
        ]
        for ticket in listed:
            values = self.renderer.labels(team.language, view_of(ticket, now))
            lines.append(i18n.text(team.language, "digest_line", **values))
        text = "\n".join(lines)
        messages = [
            Outbound(chat, text, kind="digest", language=team.language) for chat in team.chats
        ]
        return _Notice(f"digest:{team.key}:{local.date().isoformat()}", messages)

    # -- resolutions nobody confirmed -------------------------------------------------------------

    async def _auto_close_due(self, uow: UnitOfWork, now: datetime) -> bool:
        """Whether an unconfirmed resolution is due to close (read only)."""
        result = await uow.session.execute(
            select(Ticket.resolved_at, Ticket.updated_at).where(
                Ticket.status == "resolved", Ticket.confirmation == "asked"
            )
        )
        days = self.reminders.auto_close_business_days
        return any(
            self.calendar.add_business_days(resolved_at or updated_at, days) <= now
            for resolved_at, updated_at in result.all()
        )

    async def _auto_close(self, uow: UnitOfWork, now: datetime) -> int:
        result = await uow.session.execute(
            select(Ticket).where(Ticket.status == "resolved", Ticket.confirmation == "asked")
        )
        queued = 0
        days = self.reminders.auto_close_business_days
        for ticket in result.scalars().all():
            resolved_at = ticket.resolved_at or ticket.updated_at
            if self.calendar.add_business_days(resolved_at, days) > now:
                continue
            # Two processes may sweep at once: only the one that records the key closes it.
            key = f"auto-close:{ticket.number}:{resolved_at.isoformat()}"
            if not await uow.outbox.claim_notice(key, now):
                continue
            done = await self.service.auto_close(uow, ticket, now)
            await self.release_reporter(uow, ticket, now)
            messages = await self.notifier.changed(uow, done, now)
            for message in messages:
                uow.outbox.add(message, now)
            queued += len(messages)
            log.info("ticket closed automatically", extra={"ticket": ticket.number})
        return queued

    async def release_reporter(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
        """The reporter's chat no longer waits for a yes/no about a ticket closed for them."""
        release = after_closed_or_reopened(ticket.number, reopened=False)
        await uow.conversations.update_state(ticket.reporter_address, now, release)
