"""Every inbound message, from any channel, goes through here:

dedupe → one at a time per conversation → load state → flow step → commands → save → commit.
Replies and notifications are outbox rows in the same transaction, delivered after commit.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from bot.core.answers import REFUSED_ANSWER, await_reporter, reporter_answer
from bot.core.current import CurrentConfig, ReadsCurrent
from bot.core.groupcommit import GroupCommit, Handled
from bot.core.links import follow_parent
from bot.core.notifications import TEAM_KINDS
from bot.core.ratelimit import InboundLimiter, Verdict
from bot.core.tickets import Done, Outcome
from bot.core.ticketviews import view_of
from bot.metrics import counts_inbound
from db.models import Ticket
from db.transient import is_transient
from db.uow import UnitOfWork
from flows import i18n
from flows.commands import (
    Command,
    ConfirmResolution,
    ListMyTickets,
    RateTicket,
    ReplyToTicket,
    ShowQueue,
    ShowTicket,
    StaffAction,
    SubmitTicket,
)
from flows.conversation import (
    FlowContext,
    language_of,
    may_pass_to_ticket,
    mid_report,
    step,
)
from flows.directory import Staff, Team
from flows.messages import Address, Inbound, Outbound
from flows.privacy import masked
from flows.state import ConversationState
from flows.teamchat import card_actions, team_step
from flows.views import TicketView

log = logging.getLogger(__name__)

# Changes of a Problem that its linked tickets follow (and their reporters hear of).
FOLLOWED = ("take", "escalate", "comment", "ask", "resolve", "close", "reopen")
# A message whose transaction PostgreSQL ended as one side of a deadlock, or refused as a
# serialization failure (`db.transient`), is tried again, after a pause doubled each time
# (and varied, so that two processes do not meet again in step), before it is kept as failed.
TRANSIENT_TRIES = 4
TRANSIENT_PAUSE_SECONDS = 0.05


class Dispatcher(ReadsCurrent):
    def __init__(
        self,
        units: Callable[[], UnitOfWork],
        current: CurrentConfig,
        clock: Callable[[], datetime],
        on_commit: Callable[[], None] = lambda: None,
        limiter: InboundLimiter | None = None,
        group_commit: bool = False,
        groups_at_once: int = 1,
    ) -> None:
        self.units = units
        # The configuration in use and its services, read at each use (an admin may switch it).
        self.current = current
        self.clock = clock
        self.on_commit = on_commit
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        # None: no limit (tests and the console); the served app always sets one.
        self.limiter = limiter
        # None: a transaction per message. (Through `self.units`: it may be swapped.)
        self.group = (
            GroupCommit(lambda: self.units(), at_once=groups_at_once) if group_commit else None
        )

    @asynccontextmanager
    async def _one_at_a_time(self, key: str) -> AsyncIterator[None]:
        """In-process lock per conversation (the database row lock covers other processes)."""
        # (`setdefault` alone would make a lock every time: one is made only when missing.)
        lock = self._locks.get(key) or self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    @counts_inbound
    async def handle(self, inbound: Inbound) -> Handled:
        # The per-chat limit comes first. Only new messages count against it: one that turns
        # out to be a redelivery, or that could not be taken at all, is taken off again.
        now = self.clock()
        verdict = self._rate(inbound, now)
        if verdict in (Verdict.TELL, Verdict.QUIET):
            return await self._keep_rate_limited(inbound, verdict is Verdict.TELL, now)
        try:
            outcome = await self._take(inbound)
        except BaseException:
            self._uncount(inbound, verdict, now)
            raise
        if outcome is Handled.DUPLICATE:
            self._uncount(inbound, verdict, now)
        return outcome

    async def _take(self, inbound: Inbound) -> Handled:
        async with self._one_at_a_time(str(inbound.address)):
            try:
                outcome = await self._process_until_not_transient(inbound)
            except Exception as error:
                log.exception(
                    "inbound message failed",
                    extra={"address": masked(inbound.address), "provider_id": inbound.provider_id},
                )
                await self._keep_failed(inbound, error)
                return Handled.FAILED
        if outcome is Handled.PROCESSED:
            self.on_commit()
        return outcome

    def _rate(self, inbound: Inbound, now: datetime) -> Verdict | None:
        """The limiter's verdict; None for who is not limited: staff and team chats (they may
        work through a backlog quickly, and the limit is there to stop floods, not them)."""
        address = inbound.address
        team, staff = self.directory.team_for_chat(address), self.directory.staff_at(address)
        if self.limiter is None or team is not None or staff is not None:
            return None
        return self.limiter.check(str(address), now)

    def _uncount(self, inbound: Inbound, verdict: Verdict | None, now: datetime) -> None:
        if self.limiter is not None and verdict is Verdict.ALLOW:
            self.limiter.forget(str(inbound.address), now)

    async def _keep_rate_limited(self, inbound: Inbound, tell: bool, now: datetime) -> Handled:
        """Over the limit: keep the message (nothing typed is lost) but do not act on it;
        the first time in a window, ask the person to slow down."""
        told = False
        try:
            async with self.units() as uow:
                if not await uow.inbound.record(inbound, status=Handled.RATE_LIMITED.value):
                    return Handled.DUPLICATE
                if tell:
                    language = await uow.conversations.language_of(str(inbound.address))
                    text = i18n.text(language or i18n.DEFAULT_LANGUAGE, "slow_down")
                    uow.outbox.add(Outbound(inbound.address, text), now, answering=inbound)
                await uow.commit()
                told = tell
        finally:
            if tell and not told and self.limiter is not None:
                # Not sent (a redelivery, or nothing could be stored): the next message over
                # the limit asks instead.
                self.limiter.untell(str(inbound.address), now)
        log.info(
            "inbound message over the rate limit",
            extra={"address": masked(inbound.address), "provider_id": inbound.provider_id},
        )
        if tell:
            self.on_commit()
        return Handled.RATE_LIMITED

    async def _process_until_not_transient(self, inbound: Inbound) -> Handled:
        tries = 1
        while True:
            try:
                return await self._process(inbound)
            except Exception as error:
                if tries >= TRANSIENT_TRIES or not is_transient(error):
                    raise
                log.warning(
                    "inbound message met another transaction's locks; trying it again",
                    extra={
                        "address": masked(inbound.address),
                        "provider_id": inbound.provider_id,
                        "tries": tries,
                        "error": type(error).__name__,
                    },
                )
                pause = TRANSIENT_PAUSE_SECONDS * 2 ** (tries - 1)
                await asyncio.sleep(random.uniform(0.5, 1.5) * pause)
                tries += 1

    async def _process(self, inbound: Inbound) -> Handled:
        if self.group is not None:
            return await self.group.run(
                lambda uow: self._work(uow, inbound), key=str(inbound.address)
            )
        async with self.units() as uow:
            outcome = await self._work(uow, inbound)
            if outcome is Handled.PROCESSED:
                await uow.commit()
        return outcome

    async def _work(self, uow: UnitOfWork, inbound: Inbound) -> Handled:
        """The message's whole effect, in the caller's transaction (not committed here)."""
        now = self.clock()
        if not await uow.inbound.record(inbound):
            return Handled.DUPLICATE
        team = self.directory.team_for_chat(inbound.address)
        if team is not None:
            messages = await self._team_chat(uow, inbound, team, now)
        elif inbound.sender is not None:
            messages = [self._unknown_group(inbound)]
        else:
            messages = await self._conversation(uow, inbound, now)
        if messages:
            await uow.outbox.add_many(messages, now, answering=inbound)
        return Handled.PROCESSED

    def _context(
        self, actor: Staff | None, now: datetime, open_tickets: tuple[TicketView, ...] = ()
    ) -> FlowContext:
        return FlowContext(
            directory=self.directory,
            now=now,
            actor=actor,
            timezone=self.config.timezone,
            resume_after=timedelta(hours=self.config.resume_after_hours),
            open_tickets=open_tickets,
        )

    async def _conversation(
        self, uow: UnitOfWork, inbound: Inbound, now: datetime
    ) -> list[Outbound]:
        """A person's own chat: the guided conversation, its state saved with the rest."""
        address = str(inbound.address)
        state = ConversationState.from_json(await uow.conversations.lock_state(address, now))
        actor = self.directory.staff_at(inbound.address)
        claimed: Sequence[Ticket] = ()
        if inbound.handle:
            claimed = await self.service.claim_by_handle(uow, inbound.address, inbound.handle, now)
        open_tickets: tuple[TicketView, ...] = ()
        if actor is None and may_pass_to_ticket(state):
            # What a reporter writes outside a report may be for a ticket of theirs.
            mine = await self.service.open_for_reporter(uow, inbound.address)
            open_tickets = tuple(view_of(t) for t in mine)
        result = step(state, inbound, self._context(actor, now, open_tickets))
        language = language_of(result.state, actor)
        answers = [self._linked(inbound.address, ticket, now) for ticket in claimed]
        for command in result.commands:
            answers += await self._execute(uow, inbound, actor, language, command, now)
        state, replies = result.state, result.replies
        if any(answer.kind == REFUSED_ANSWER for answer in answers):
            # The ticket was not waiting for this answer (closed meanwhile, say): do not go
            # on to the follow-up question the flow prepared. In the middle of a report, the
            # report's question stays the one the next message answers.
            replies = ()
            if not mid_report(state):
                state = state.evolve(step="menu", ticket="", shown=())
        await uow.conversations.save_state(address, state, now)
        # Answers to commands come before the flow's next question.
        return [*answers, *replies]

    def _linked(self, address: Address, ticket: Ticket, now: datetime) -> Outbound:
        """Tell a caller that the ticket logged for them now reports to this chat."""
        language = ticket.language
        view = view_of(ticket, now)
        text = i18n.text(language, "ticket_linked_to_chat", number=ticket.number)
        text = f"{text}\n\n{self.renderer.status(language, view)}"
        return Outbound(address, text, ticket_number=ticket.number, kind="notice")

    async def _team_chat(
        self, uow: UnitOfWork, inbound: Inbound, team: Team, now: datetime
    ) -> list[Outbound]:
        """A team's group chat: commands, buttons and replies from its members."""
        actor = None
        if inbound.sender is not None:
            actor = self.directory.member_of_team_chat(
                inbound.address, inbound.sender, inbound.sender_name
            )
        result = team_step(inbound, self._context(actor, now), team)
        answers: list[Outbound] = []
        for command in result.commands:
            answers += await self._execute(uow, inbound, actor, team.language, command, now, team)
        return [*answers, *result.replies]

    def _unknown_group(self, inbound: Inbound) -> Outbound:
        """A group that is no team's chat: tell whoever set it up what to configure."""
        text = i18n.text(
            i18n.DEFAULT_LANGUAGE,
            "unknown_group",
            chat=str(inbound.address),
            person=str(inbound.sender),
        )
        return Outbound(inbound.address, text)

    async def _keep_failed(self, inbound: Inbound, error: Exception) -> None:
        """Nothing typed is lost: keep the message and tell the person, in a fresh transaction."""
        now = self.clock()
        async with self.units() as uow:
            if not await uow.inbound.record(inbound, status="failed", error=repr(error)[:2000]):
                return
            language = await uow.conversations.language_of(str(inbound.address))
            sorry = i18n.text(language or i18n.DEFAULT_LANGUAGE, "sorry_error")
            uow.outbox.add(Outbound(inbound.address, sorry), now, answering=inbound)
            await uow.commit()
        self.on_commit()

    async def _execute(
        self,
        uow: UnitOfWork,
        inbound: Inbound,
        actor: Staff | None,
        language: str,
        command: Command,
        now: datetime,
        team_chat: Team | None = None,
    ) -> list[Outbound]:
        address, renderer = inbound.address, self.renderer

        def reply(text: str, number: str = "") -> Outbound:
            return Outbound(address, text, ticket_number=number)

        hint = i18n.text(language, "hint_menu")
        if isinstance(command, SubmitTicket):
            ticket = await self.service.create(uow, address, command, now)
            filed = {"ticket": ticket.number, "priority": ticket.priority}
            uow.after_commit(lambda: log.info("ticket created", extra=filed))
            view = view_of(ticket, now)
            created = reply(renderer.created(language, view), ticket.number)
            return [created, *self.notifier.created(ticket, view)]
        if isinstance(command, ShowTicket):
            found = await self.service.find(uow, command.number, address, actor)
            if found is None:
                return [reply(renderer.not_found(language, command.number))]
            view = view_of(found, now)
            if team_chat is not None:
                card = renderer.team_card(language, view)
                actions = card_actions(language, found.number)
                return [Outbound(address, card, actions, ticket_number=found.number, kind="card")]
            if actor is not None:
                return [reply(renderer.team_card(language, view), found.number)]
            return [reply(f"{renderer.status(language, view)}\n\n{hint}", found.number)]
        if isinstance(command, ListMyTickets):
            mine = [view_of(ticket, now) for ticket in await self.service.mine(uow, address)]
            return [reply(f"{renderer.my_tickets(language, mine)}\n\n{hint}")]
        if isinstance(command, ReplyToTicket | ConfirmResolution | RateTicket):
            return await reporter_answer(uow, self.current.now, address, language, command, now)
        if actor is None:
            return [reply(i18n.text(language, "staff_only"))]
        if isinstance(command, ShowQueue):
            team = command.team or actor.team
            views = [view_of(ticket, now) for ticket in await self.service.queue(uow, team)]
            return [reply(renderer.queue(language, team, views))]
        assert isinstance(command, StaffAction)
        outcome, notices = await self.staff_action(uow, actor, address.channel, command, now)
        if not isinstance(outcome, Done):
            return [reply(renderer.refused(language, outcome.reason, **outcome.values))]
        view = view_of(outcome.ticket, now)
        change = renderer.change(
            language, view, outcome.action, outcome.detail, outcome.previous_status
        )
        if team_chat is None:
            # Whoever acted is told what changed; the card is for the team's chat, not
            # repeated in the private chat they acted from.
            notices = [n for n in notices if not (n.address == address and n.kind in TEAM_KINDS)]
        return [reply(change, view.number), *notices]

    async def staff_action(
        self,
        uow: UnitOfWork,
        actor: Staff,
        channel: str,
        command: StaffAction,
        now: datetime,
        mirror: bool = True,
    ) -> tuple[Outcome, list[Outbound]]:
        """A staff member changes a ticket, from a chat, the web console or JIRA: the change,
        its linked tickets, and everyone who hears of it (the same whichever way it came).
        `mirror`: whether the change itself goes to the ticket's JIRA issue (not when it came
        from there; its linked tickets' changes do go to theirs)."""
        outcome = await self.service.act(uow, actor, channel, command, now)
        if not isinstance(outcome, Done):
            return outcome, []
        changed = {"ticket": command.number, "action": command.action, "staff": actor.key}
        uow.after_commit(lambda: log.info("ticket changed", extra=changed))
        messages: list[Outbound] = []
        followers = []
        if outcome.action in FOLLOWED:
            followers = await follow_parent(uow, self.service.clock, outcome, now)
        for change in (outcome, *followers):
            messages += await self.notifier.changed(
                uow, change, now, mirror=mirror or change is not outcome
            )
            await await_reporter(uow, change, now)
        return outcome, messages
