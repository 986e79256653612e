"""The JIRA mirror: tickets that reach eGov appear in the JIRA project, and JIRA's answers
come back to the reporter.

JIRA is driven like a channel: what the helpdesk wants done in JIRA is an outbox row for the
address `jira:<ticket number>` (so JIRA being slow or down never blocks a chat: the relay
retries with backoff, and keeps each ticket's calls in order): create the issue, add a note,
move it through its workflow when the ticket is resolved, closed or reopened. The calls go
through a `JiraApi` (`adapters.jira.client.JiraClient`, given at build); what changed in JIRA
comes back through its webhook (`adapters.jira.webhook`) or the poll here.

Creating an issue twice is impossible: the ticket stores the issue key, and a create that
timed out is followed by a search for the ticket's own label before creating again.

The mirror reads the configuration in use when it acts (`bot.core.current`), so that one an
admin switches to without a restart applies to the next change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.core.config import HelpdeskConfig
from bot.core.configmodel import JiraModel
from bot.core.current import CurrentConfig, ReadsCurrent
from bot.core.dispatcher import Dispatcher
from bot.core.tickets import Done
from db.models import Ticket
from db.repositories import OPEN_STATUSES
from db.uow import UnitOfWork
from flows.commands import StaffAction
from flows.delivery import RetryLater, Throttled, Undeliverable
from flows.directory import Staff
from flows.jira import CHANNEL, LABEL, JiraChange, label_of, number_in
from flows.messages import Outbound

log = logging.getLogger(__name__)

CREATE, COMMENT, TRANSITION = "jira_create", "jira_comment", "jira_transition"
SEARCH_CATCHES_UP = 30.0  # seconds: after a create that may have happened, before searching


class JiraApi(Protocol):
    """The JIRA calls the mirror makes. Each raises RetryLater (JIRA out of reach), Throttled
    (asked to slow down) or Undeliverable (the request refused) as the relay expects."""

    def text(self, text: str) -> Any:
        """A description or comment body in the form the API takes."""

    async def find(self, label: str) -> str | None:
        """The key of an issue of the project with `label`, if there is one."""

    async def create(self, fields: Mapping[str, Any]) -> str: ...

    async def comment(self, key: str, body: str) -> str: ...

    async def transitions(self, key: str) -> dict[str, str]:
        """The transitions the issue's workflow offers from where it is: name -> id."""

    async def transition(self, key: str, transition_id: str) -> None: ...

    async def status(self, key: str) -> str: ...

    async def recent_changes(self, minutes: int, reading: JiraModel) -> list[JiraChange]:
        """What changed for the helpdesk in its issues updated in the last `minutes`."""

    async def close(self) -> None: ...


@dataclass(frozen=True)
class MirrorOptions:
    project_key: str
    poll_seconds: float = 0.0  # how often the poll looks at JIRA; 0: rely on the webhook


class JiraSender(ReadsCurrent):
    """Carries out the mirror's outbox rows: create the issue, add comments."""

    def __init__(
        self,
        client: JiraApi,
        options: MirrorOptions,
        current: CurrentConfig,
        units: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.options = options
        self.current = current
        self.units = units
        self.clock = clock
        self._outage_told = False

    @property
    def alert(self) -> Callable[[str, str], list[Outbound]]:
        """Tells the L1 group of the mirror's trouble, as the notifier in use now words it."""
        return self.notifier.jira_alert

    async def send(self, message: Outbound) -> str:
        try:
            result = await self._send(message)
        except RetryLater as error:
            if not isinstance(error, Throttled):
                await self._tell_outage(str(error))
            raise
        if self._outage_told:
            self._outage_told = False
            log.info("JIRA reachable again; the mirror is catching up")
        return result

    async def _send(self, message: Outbound) -> str:
        number = message.address.chat_id
        async with self.units() as uow:
            ticket = await uow.tickets.by_number(number)
            if ticket is None:
                raise Undeliverable(f"no ticket {number}")
            key, fields = ticket.jira_key, self.fields(ticket)
            await uow.commit()
        if message.kind == CREATE:
            if key:
                return key  # created already: the idempotency key on the ticket
            # After a timeout the issue may exist although we never saw the answer.
            key = await self.client.find(label_of(number)) or await self._create(fields)
            await self._remember(number, key)
            return key
        if not key:
            raise RetryLater("the JIRA issue is not created yet")
        if message.kind == TRANSITION:
            return await self._move(key, message.text)
        return await self.client.comment(key, message.text)

    async def _move(self, key: str, status: str) -> str:
        """The issue follows the ticket to `status` through the transition `[jira]
        transitions` names for it now (in any case); returns the transition's id, "" when
        there is nothing to do. Undeliverable when the workflow does not offer it from where
        the issue is, unless the issue is there already: in a status of that name, or
        resolved in JIRA's sense (`resolved_statuses`) exactly when the ticket is."""
        name = self.config.jira.transitions.get(status, "")
        if not name:
            return ""
        offered = await self.client.transitions(key)
        for offered_name, transition_id in offered.items():
            if offered_name.casefold() == name.casefold():
                await self.client.transition(key, transition_id)
                return transition_id
        now = await self.client.status(key)
        resolved = now.casefold() in {s.casefold() for s in self.config.jira.resolved_statuses}
        if now.casefold() == name.casefold() or resolved == (status != "reopened"):
            return ""
        raise Undeliverable(
            f"the workflow of {key} offers no transition named '{name}' from its status "
            f"'{now}' (it offers: {', '.join(offered) or 'none'})"
        )

    async def _create(self, fields: dict[str, Any]) -> str:
        try:
            return await self.client.create(fields)
        except Throttled:
            raise
        except RetryLater as error:
            # The create may have reached JIRA. Jira Cloud's search sees a new issue only
            # after a few seconds: the next try (which searches first) waits for it.
            wait = max(error.retry_after or 0.0, SEARCH_CATCHES_UP)
            raise RetryLater(str(error), retry_after=wait) from error

    async def _remember(self, number: str, key: str) -> None:
        async with self.units() as uow:
            ticket = await uow.tickets.by_number(number)
            if ticket is not None and not ticket.jira_key:
                ticket.jira_key = key
            await uow.commit()
        log.info("JIRA issue created", extra={"ticket": number, "jira": key})

    async def _tell_outage(self, reason: str) -> None:
        """The L1 group hears once that JIRA is unreachable, not at every retry."""
        if self._outage_told:
            return
        self._outage_told = True
        now = self.clock()
        async with self.units() as uow:
            if await uow.outbox.claim_notice(f"jira-outage:{now:%Y-%m-%dT%H}", now):
                for message in self.alert("jira_unreachable", reason):
                    uow.outbox.add(message, now)
            await uow.commit()

    def fields(self, ticket: Ticket) -> dict[str, Any]:
        jira, directory = self.config.jira, self.directory
        module = directory.module(ticket.module).label("en")
        ulb = directory.ulb(ticket.ulb).label("en")
        category = directory.category(ticket.category).label("en")
        summary = " ".join(ticket.description.split())[:120]
        attachments = [f"- {a.kind}: {a.ref}" for a in ticket.attachments]
        description = "\n".join(
            [
                f"Helpdesk ticket: {ticket.number} (priority {ticket.priority})",
                f"Reporter: {ticket.reporter_name} ({ticket.reporter_role.replace('_', ' ')})",
                f"ULB: {ulb}",
                f"Module: {module}",
                f"Kind of problem: {category} ({ticket.routing.replace('_', ' ')})",
                "",
                ticket.description,
                "",
                "Attachments:" if attachments else "Attachments: none",
                *attachments,
                "",
                f"Answers for the reporter: start a comment with {jira.reporter_marker}. "
                f"Moving the issue to {' / '.join(jira.resolved_statuses)} resolves "
                f"{ticket.number}.",
            ]
        )
        return {
            "project": {"key": self.options.project_key},
            "summary": f"[{ticket.number}] {module}, {ulb}: {summary}",
            "description": self.client.text(description),
            "issuetype": {"name": jira.issue_types.get(ticket.ticket_type, "Task")},
            "priority": {"name": jira.priorities.get(ticket.priority, "Medium")},
            "labels": [
                LABEL,
                label_of(ticket.number),
                f"ulb-{ticket.ulb}",
                f"module-{ticket.module}",
                f"category-{ticket.category}",
            ],
        }


class JiraInbound:
    """Applies JIRA's changes to tickets, once each, whether from the webhook or the poll."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        # Changes made in JIRA are staff actions like any other: linked tickets follow, the
        # reporter is asked to confirm a resolution (`Dispatcher.staff_action`).
        self.dispatcher = dispatcher

    @property
    def config(self) -> HelpdeskConfig:
        return self.dispatcher.config

    async def apply(self, uow: UnitOfWork, changes: list[JiraChange], now: datetime) -> int:
        applied = 0
        for change in changes:
            ticket = await self._ticket(uow, change)
            if ticket is None:
                continue
            once = (
                f"jira:{change.issue_key}:resolved:{ticket.reopen_count}"
                if change.kind == "resolved"
                else f"jira:{change.issue_key}:comment:{change.event_id}"
            )
            if change.kind == "resolved" and ticket.status not in OPEN_STATUSES:
                continue
            if not await uow.outbox.claim_notice(once, now):
                continue
            actor = Staff(f"jira:{change.author}", f"{change.author} (JIRA)", "member", ticket.team)
            if change.kind == "resolved":
                note = f"Resolved in JIRA ({change.issue_key}: {change.text})."
                action = StaffAction(ticket.number, "resolve", note=note)
            else:
                action = StaffAction(ticket.number, "comment", note=change.text)
            outcome, messages = await self.dispatcher.staff_action(
                uow, actor, CHANNEL, action, now, mirror=False
            )
            if isinstance(outcome, Done):
                await uow.outbox.add_many(messages, now)
                applied += 1
        return applied

    async def _ticket(self, uow: UnitOfWork, change: JiraChange) -> Ticket | None:
        ticket = await uow.tickets.by_jira_key(change.issue_key)
        if ticket is not None:
            return ticket
        for label in change.labels:
            number = number_in(label)
            if number is not None:
                return await uow.tickets.by_number(number)
        return None


class JiraMirror:
    """The mirror's parts, wired: client, outbox sender, and what comes back from JIRA."""

    def __init__(
        self,
        client: JiraApi,
        options: MirrorOptions,
        units: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
        dispatcher: Dispatcher,
    ) -> None:
        self.client, self.options = client, options
        self.units, self.clock = units, clock
        self.sender = JiraSender(client, options, dispatcher.current, units, clock)
        self.inbound = JiraInbound(dispatcher)
        self.on_commit = dispatcher.on_commit

    @property
    def config(self) -> HelpdeskConfig:
        return self.inbound.config

    async def receive(self, changes: list[JiraChange]) -> int:
        """Changes a webhook delivered; returns how many it made (repeats make none)."""
        return await self._apply(changes)

    async def poll_once(self) -> int:
        """For deployments that cannot receive webhooks: look at recently updated issues."""
        minutes = max(2, int(self.options.poll_seconds // 60) * 3 + 2)
        return await self._apply(await self.client.recent_changes(minutes, self.config.jira))

    async def run_poll(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.poll_and_tell()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.options.poll_seconds)

    async def poll_and_tell(self) -> None:
        """One poll. JIRA out of reach is logged (the next poll tries again); a refusal means
        the request is wrong (credentials, project, an API JIRA no longer has) and JIRA's
        answers stop reaching reporters until someone fixes it: L1 hears of it once a day."""
        try:
            await self.poll_once()
        except RetryLater as error:
            log.warning("JIRA poll failed", extra={"error": str(error)})
        except Undeliverable as error:
            log.warning("JIRA refused the poll", extra={"error": str(error)})
            now = self.clock()
            async with self.units() as uow:
                if await uow.outbox.claim_notice(f"jira-poll-refused:{now:%Y-%m-%d}", now):
                    alerts = self.sender.alert("jira_poll_refused", str(error))
                    await uow.outbox.add_many(alerts, now)
                await uow.commit()
            self.on_commit()

    async def _apply(self, changes: list[JiraChange]) -> int:
        if not changes:
            return 0
        async with self.units() as uow:
            applied = await self.inbound.apply(uow, changes, self.clock())
            await uow.commit()
        if applied:
            self.on_commit()
        return applied

    async def close(self) -> None:
        await self.client.close()
