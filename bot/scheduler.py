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
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path

from sqlalchemy import select

from bot.config import WEEKDAYS, HelpdeskConfig
from bot.notifications import Notifier
from bot.sla import BREACHED, sla_state
from bot.tickets import TicketService, view_of
from db.models import Ticket
from db.repositories import OPEN_STATUSES
from db.uow import UnitOfWork
from flows import i18n
from flows.messages import Attachment, Outbound
from flows.render import Renderer
from flows.state import ConversationState

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        units: Callable[[], UnitOfWork],
        config: HelpdeskConfig,
        service: TicketService,
        notifier: Notifier,
        renderer: Renderer,
        clock: Callable[[], datetime],
        reports_dir: Path,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.units = units
        self.config = config
        self.directory = config.directory
        self.calendar = config.calendar
        self.reminders = config.reminders
        self.service = service
        self.notifier = notifier
        self.renderer = renderer
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
        """One pass; returns how many notices it queued."""
        now = self.clock()
        async with self.units() as uow:
            queued = 0
            for ticket in await self._open_tickets(uow):
                queued += await self._ticket_notices(uow, ticket, now)
            queued += await self._digests(uow, now)
            queued += await self._auto_close(uow, now)
            await uow.commit()
        queued += await self._weekly_summary(now)
        if queued:
            self.on_commit()
        return queued

    # -- helpers --------------------------------------------------------------------------------

    async def _open_tickets(self, uow: UnitOfWork) -> list[Ticket]:
        result = await uow.session.execute(
            select(Ticket).where(Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id)
        )
        return list(result.scalars().all())

    async def _once(
        self, uow: UnitOfWork, key: str, now: datetime, messages: list[Outbound]
    ) -> int:
        if not messages or not await uow.outbox.claim_notice(key, now):
            return 0
        for message in messages:
            uow.outbox.add(message, now)
        return len(messages)

    def _to_team(self, team_key: str, key: str, ticket: Ticket, now: datetime) -> list[Outbound]:
        team = self.directory.team(team_key)
        view = view_of(ticket, now)
        values = self.renderer.labels(team.language, view)
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

    # -- per ticket -----------------------------------------------------------------------------

    async def _ticket_notices(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> int:
        if ticket.first_response_at is not None or ticket.paused_at is not None:
            return 0
        due, remind = ticket.response_due_at, ticket.reminder_at
        if due is None:
            return 0
        stint = f"{ticket.number}:{ticket.team}:{ticket.team_since.isoformat()}"
        queued = 0
        if remind is not None and remind <= now:  # also when catching up after the due time
            messages = self._to_team(ticket.team, "reminder_due_soon", ticket, now)
            queued += await self._once(uow, f"due-soon:{stint}", now, messages)
        if sla_state(ticket, now) != BREACHED:
            return queued
        breach = self._to_team(ticket.team, "breach_notice", ticket, now)
        for team_key in {self.directory.intake_team, self.reminders.breach_escalation_team}:
            if team_key and team_key != ticket.team:
                breach += self._to_team(team_key, "breach_notice", ticket, now)
        queued += await self._once(uow, f"breach:{stint}", now, breach)
        # Each business morning after the breach, remind the team again.
        local_now = self._local(now)
        morning = self._today_at(now, self.reminders.morning_reminder)
        if (
            local_now.date() > self._local(due).date()
            and self.calendar.is_business_day(local_now.date())
            and now >= morning
        ):
            again = self._to_team(ticket.team, "breach_morning", ticket, now)
            key = f"breach-morning:{stint}:{local_now.date().isoformat()}"
            queued += await self._once(uow, key, now, again)
        return queued

    # -- per team -------------------------------------------------------------------------------

    async def _digests(self, uow: UnitOfWork, now: datetime) -> int:
        local = self._local(now)
        if not self.calendar.is_business_day(local.date()):
            return 0
        if now < self._today_at(now, self.reminders.digest_time):
            return 0
        open_tickets = await self._open_tickets(uow)
        queued = 0
        for team in self.directory.teams:
            if not team.chats:
                continue
            mine = [t for t in open_tickets if t.team == team.key]
            if (
                not mine
                and team.key not in self.directory.routes.values()
                and (team.key != self.directory.intake_team)
            ):
                continue
            due_today = [
                t
                for t in mine
                if t.response_due_at is not None
                and t.first_response_at is None
                and self._local(t.response_due_at).date() == local.date()
            ]
            breached = [t for t in mine if sla_state(t, now) == BREACHED]
            lines = [
                i18n.text(
                    team.language,
                    "digest",
                    team=team.name(team.language),
                    open=len(mine),
                    due_today=len(due_today),
                    breached=len(breached),
                )
            ]
            for ticket in sorted(mine, key=lambda t: (t.response_due_at or now, t.id))[:20]:
                values = self.renderer.labels(team.language, view_of(ticket, now))
                lines.append(i18n.text(team.language, "digest_line", **values))
            text = "\n".join(lines)
            messages = [
                Outbound(chat, text, kind="digest", language=team.language) for chat in team.chats
            ]
            key = f"digest:{team.key}:{local.date().isoformat()}"
            queued += await self._once(uow, key, now, messages)
        return queued

    # -- resolutions nobody confirmed -------------------------------------------------------------

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

        def release(state: ConversationState) -> ConversationState | None:
            waiting = state.step in ("confirm_resolution", "not_solved")
            if state.ticket != ticket.number or not waiting:
                return None
            return state.evolve(step="menu", ticket="", shown=())

        await uow.conversations.update_state(ticket.reporter_address, now, release)

    # -- the weekly summary ---------------------------------------------------------------------

    async def _weekly_summary(self, now: datetime) -> int:
        team_key = self.reminders.weekly_summary_team
        if not team_key:
            return 0
        local = self._local(now)
        if WEEKDAYS[local.weekday()] != self.reminders.weekly_summary_day:
            return 0
        if now < self._today_at(now, self.reminders.weekly_summary_time):
            return 0
        year, week, _ = local.isocalendar()
        key = f"weekly:{year}-W{week:02d}"
        from bot import reports  # matplotlib is loaded only when a chart is drawn

        async with self.units() as uow:
            if not await uow.outbox.notice_pending(key):
                return 0
            weeks = await reports.load_weeks(uow, self.config, now)
            await uow.commit()
        # Drawn outside any transaction: on SQLite an open one would hold the write lock.
        chart = await asyncio.to_thread(reports.weekly_chart, weeks)
        caption = reports.weekly_caption(weeks[-2:])
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        path = self.reports_dir / f"weekly-{year}-W{week:02d}.png"
        path.write_bytes(chart)
        team = self.directory.team(team_key)
        picture = Attachment("photo", path.resolve().as_uri(), "image/png", path.name)
        messages = [
            Outbound(chat, caption, kind="summary", attachments=(picture,), language=team.language)
            for chat in team.chats
        ]
        async with self.units() as uow:
            queued = await self._once(uow, key, now, messages)
            await uow.commit()
        return queued

    def use_config(
        self,
        config: HelpdeskConfig,
        service: TicketService,
        notifier: Notifier,
        renderer: Renderer,
    ) -> None:
        """Sweep with a new (already checked) configuration from the next sweep on."""
        self.config, self.directory = config, config.directory
        self.calendar, self.reminders = config.calendar, config.reminders
        self.service, self.notifier, self.renderer = service, notifier, renderer
