"""The JIRA mirror: tickets that reach eGov appear in the JIRA project, and JIRA's answers
come back to the reporter.

JIRA is driven like a channel: what the helpdesk wants done in JIRA is an outbox row for the
address `jira:<ticket number>` (so JIRA being slow or down never blocks a chat: the relay
retries with backoff, and keeps each ticket's calls in order): create the issue, add a note,
move it through its workflow when the ticket is resolved, closed or reopened. The client is
plain httpx against Jira Cloud's REST API v3 (v2 on Data Center) — async, already a
dependency, and the few calls needed do not warrant the synchronous `jira` package.

Creating an issue twice is impossible: the ticket stores the issue key, and a create that
timed out is followed by a search for the ticket's own label before creating again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from adapters import retry_after
from adapters.jira import wire as adf
from bot.core.config import HelpdeskConfig
from bot.core.dispatcher import Dispatcher
from bot.core.tickets import Done
from bot.settings import Settings
from db.models import Ticket
from db.repositories import OPEN_STATUSES
from db.uow import UnitOfWork
from flows.commands import StaffAction
from flows.delivery import RetryLater, Throttled, Undeliverable
from flows.directory import Staff
from flows.messages import Address, Outbound

log = logging.getLogger(__name__)

CHANNEL = "jira"
CREATE, COMMENT, TRANSITION = "jira_create", "jira_comment", "jira_transition"
WEBHOOK_PATH = "/jira/webhook"
SEARCH_CATCHES_UP = 30.0  # seconds: after a create that may have happened, before searching


def jira_summary(settings: Settings, config: HelpdeskConfig) -> str:
    """What `check-config` says of the mirror: which API it will use, and how the issue
    follows the ticket (the names are checked against each issue's workflow when used)."""
    cloud = settings.jira_personal_access_token is None
    api = "Cloud, REST API v3" if cloud else "Data Center, REST API v2"
    moves = ", ".join(f"{status} -> '{name}'" for status, name in config.jira.transitions.items())
    return (
        f"JIRA mirror: {settings.jira_url} ({api}), project {settings.jira_project_key}, "
        f"teams {', '.join(config.jira.teams)}; transitions: {moves or 'none'}"
    )


def label_of(number: str) -> str:
    return f"helpdesk-{number}"


def jira_address(number: str) -> Address:
    return Address(CHANNEL, number)


class JiraClient:
    """The handful of JIRA REST calls the mirror needs, with errors sorted for the relay.

    Jira Cloud (an API token) is driven through REST API v3: the enhanced search
    `search/jql`, paged by `nextPageToken` (Cloud answers the classic `/rest/api/2/search`
    with 410 Gone), and rich text as Atlassian Document Format. Jira Data Center (a personal
    access token) has no v3: it keeps v2, its classic search and plain-text bodies.
    """

    PAGE = 100  # issues asked for per search page
    MOST = 1000  # issues one search reads at most, whatever JIRA offers

    def __init__(self, settings: Settings) -> None:
        headers = {"Accept": "application/json"}
        auth: tuple[str, str] | None = None
        self.cloud = settings.jira_personal_access_token is None
        if settings.jira_personal_access_token is not None:
            token = settings.jira_personal_access_token.get_secret_value()
            headers["Authorization"] = f"Bearer {token}"
        elif settings.jira_api_token is not None:
            auth = (settings.jira_email, settings.jira_api_token.get_secret_value())
        self.api = "/rest/api/3" if self.cloud else "/rest/api/2"
        self.project = settings.jira_project_key
        self.http = httpx.AsyncClient(
            base_url=settings.jira_url.rstrip("/"),
            headers=headers,
            auth=auth,
            timeout=settings.jira_timeout_seconds,
        )

    async def call(self, method: str, path: str, **options: Any) -> Any:
        """JIRA's answer; an outage (no connection, 5xx, 408) is RetryLater, a rate limit
        Throttled, and any other refusal Undeliverable: the request itself is wrong (bad
        credentials, a project, field or issue JIRA does not know, an API it no longer
        offers), and asking again would not change that."""
        try:
            response = await self.http.request(method, path, **options)
        except httpx.TransportError as error:  # timeouts, refused connections, resets
            raise RetryLater(f"JIRA unreachable: {error!r}") from error
        code = response.status_code
        wait = retry_after.seconds(response.headers.get("Retry-After"))
        if code == 429:
            raise Throttled("JIRA asked to slow down", retry_after=30 if wait is None else wait)
        if code >= 500 or code == 408:
            raise RetryLater(f"JIRA answered {code}", retry_after=wait)
        if code >= 400:
            raise Undeliverable(
                f"JIRA refused {method} {path} ({code} {response.reason_phrase}): "
                f"{_errors(response)}"
            )
        return response.json() if response.content else None

    def text(self, text: str) -> Any:
        """A description or comment body in the form the API takes."""
        return adf.document(text) if self.cloud else text

    async def search(self, jql: str, fields: list[str]) -> list[dict[str, Any]]:
        """The issues `jql` finds with `fields`, every page of them (up to MOST)."""
        issues: list[dict[str, Any]] = []
        token = ""
        while len(issues) < self.MOST:
            if self.cloud:
                query: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": self.PAGE}
                if token:
                    query["nextPageToken"] = token
                page = await self.call("POST", "/rest/api/3/search/jql", json=query)
            else:
                params = {"jql": jql, "fields": ",".join(fields), "maxResults": self.PAGE}
                page = await self.call(
                    "GET", "/rest/api/2/search", params={**params, "startAt": len(issues)}
                )
            found = page.get("issues") if isinstance(page, dict) else None
            if not isinstance(found, list) or not found:
                break
            issues += [issue for issue in found if isinstance(issue, dict)]
            if self.cloud:
                token = str(page.get("nextPageToken") or "")
                if page.get("isLast", True) or not token:
                    break
            elif len(issues) >= int(page.get("total", 0)):
                break
        return issues

    async def find(self, label: str) -> str | None:
        jql = f'project = "{self.project}" AND labels = "{label}"'
        keys = [str(issue["key"]) for issue in await self.search(jql, ["labels"]) if "key" in issue]
        return keys[0] if keys else None

    async def create(self, fields: Mapping[str, Any]) -> str:
        created = await self.call("POST", f"{self.api}/issue", json={"fields": dict(fields)})
        return str(created["key"])

    async def comment(self, key: str, body: str) -> str:
        added = await self.call(
            "POST", f"{self.api}/issue/{key}/comment", json={"body": self.text(body)}
        )
        return str(added.get("id", "")) if isinstance(added, dict) else ""

    async def transitions(self, key: str) -> dict[str, str]:
        """The transitions the issue's workflow offers from where it is: name -> id."""
        offered = await self.call("GET", f"{self.api}/issue/{key}/transitions")
        found = offered.get("transitions", []) if isinstance(offered, dict) else []
        return {str(t.get("name", "")): str(t.get("id", "")) for t in found if isinstance(t, dict)}

    async def transition(self, key: str, transition_id: str) -> None:
        body = {"transition": {"id": transition_id}}
        await self.call("POST", f"{self.api}/issue/{key}/transitions", json=body)

    async def status(self, key: str) -> str:
        issue = await self.call("GET", f"{self.api}/issue/{key}", params={"fields": "status"})
        fields = issue.get("fields") if isinstance(issue, dict) else None
        status = fields.get("status") if isinstance(fields, dict) else None
        return str(status.get("name", "")) if isinstance(status, dict) else ""

    async def recently_updated(self, minutes: int) -> list[dict[str, Any]]:
        jql = f'project = "{self.project}" AND labels = helpdesk AND updated >= "-{minutes}m"'
        return await self.search(jql, ["status", "comment", "labels"])

    async def close(self) -> None:
        await self.http.aclose()


def _errors(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if not isinstance(body, dict):
        return response.text[:200]
    messages = [
        *body.get("errorMessages", []),
        *(f"{field}: {text}" for field, text in (body.get("errors") or {}).items()),
    ]
    return "; ".join(str(m) for m in messages) or response.text[:200]


class JiraSender:
    """Carries out the mirror's outbox rows: create the issue, add comments."""

    def __init__(
        self,
        client: JiraClient,
        config: HelpdeskConfig,
        settings: Settings,
        units: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
        alert: Callable[[str, str], list[Outbound]],
    ) -> None:
        self.client = client
        self.config = config
        self.directory = config.directory
        self.settings = settings
        self.units = units
        self.clock = clock
        self.alert = alert
        self._outage_told = False

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
            "project": {"key": self.settings.jira_project_key},
            "summary": f"[{ticket.number}] {module}, {ulb}: {summary}",
            "description": self.client.text(description),
            "issuetype": {"name": jira.issue_types.get(ticket.ticket_type, "Task")},
            "priority": {"name": jira.priorities.get(ticket.priority, "Medium")},
            "labels": [
                "helpdesk",
                label_of(ticket.number),
                f"ulb-{ticket.ulb}",
                f"module-{ticket.module}",
                f"category-{ticket.category}",
            ],
        }


@dataclass(frozen=True)
class JiraChange:
    """Something that happened in JIRA that the helpdesk acts on."""

    issue_key: str
    labels: tuple[str, ...]
    kind: str  # "resolved" | "comment"
    author: str
    text: str = ""
    event_id: str = ""


def changes_in(payload: Mapping[str, Any], config: HelpdeskConfig) -> list[JiraChange]:
    """What a webhook payload (as JIRA Cloud sends it) means for the helpdesk."""
    issue = payload.get("issue") or {}
    key = str(issue.get("key", ""))
    labels = tuple(str(label) for label in (issue.get("fields") or {}).get("labels", []))
    event = payload.get("webhookEvent", "")
    author = str((payload.get("user") or {}).get("displayName", "JIRA"))
    found: list[JiraChange] = []
    if event == "jira:issue_updated":
        for item in (payload.get("changelog") or {}).get("items", []):
            if (
                item.get("field") == "status"
                and item.get("toString") in config.jira.resolved_statuses
            ):
                status = str(item.get("toString"))
                found.append(JiraChange(key, labels, "resolved", author, status))
    if event == "comment_created":
        comment = payload.get("comment") or {}
        found += comment_changes(key, labels, [comment], config)
    return found


def comment_changes(
    key: str, labels: tuple[str, ...], comments: list[dict[str, Any]], config: HelpdeskConfig
) -> list[JiraChange]:
    """Public comments starting with the marker are for the reporter; the rest stay in JIRA."""
    marker = config.jira.reporter_marker.casefold()
    found = []
    for comment in comments:
        body = adf.plain(comment.get("body", "")).strip()
        if comment.get("visibility") or not body.casefold().startswith(marker):
            continue
        author = str((comment.get("author") or {}).get("displayName", "JIRA"))
        found.append(
            JiraChange(
                key,
                labels,
                "comment",
                author,
                body[len(marker) :].strip(),
                str(comment.get("id", "")),
            )
        )
    return found


def poll_changes(issue: Mapping[str, Any], config: HelpdeskConfig) -> list[JiraChange]:
    """The same changes, read from an issue found by the poll."""
    fields = issue.get("fields") or {}
    key = str(issue.get("key", ""))
    labels = tuple(str(label) for label in fields.get("labels", []))
    found = []
    status = str((fields.get("status") or {}).get("name", ""))
    if status in config.jira.resolved_statuses:
        found.append(JiraChange(key, labels, "resolved", "JIRA", status))
    comments = list((fields.get("comment") or {}).get("comments", []))
    return found + comment_changes(key, labels, comments, config)


class JiraInbound:
    """Applies JIRA's changes to tickets, once each, whether from the webhook or the poll."""

    def __init__(self, dispatcher: Dispatcher, config: HelpdeskConfig, settings: Settings) -> None:
        # Changes made in JIRA are staff actions like any other: linked tickets follow, the
        # reporter is asked to confirm a resolution (`Dispatcher.staff_action`).
        self.dispatcher = dispatcher
        self.config = config
        self.secret = settings.jira_webhook_secret

    def authentic(self, query_secret: str, signature: str, body: bytes) -> bool:
        """The shared secret in the URL, or JIRA Cloud's HMAC signature of the body."""
        if self.secret is None:
            return False
        secret = self.secret.get_secret_value().encode()
        if query_secret and hmac.compare_digest(query_secret.encode(), secret):
            return True
        if signature.startswith("sha256="):
            expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
            return hmac.compare_digest(signature.removeprefix("sha256="), expected)
        return False

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
            if label.startswith("helpdesk-"):
                return await uow.tickets.by_number(label.removeprefix("helpdesk-"))
        return None


class JiraMirror:
    """The mirror's parts, wired: client, outbox sender, and what comes back from JIRA."""

    def __init__(
        self,
        settings: Settings,
        config: HelpdeskConfig,
        units: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
        dispatcher: Dispatcher,
    ) -> None:
        self.settings, self.config, self.units, self.clock = settings, config, units, clock
        self.client = JiraClient(settings)
        notifier = dispatcher.notifier
        self.sender = JiraSender(self.client, config, settings, units, clock, notifier.jira_alert)
        self.inbound = JiraInbound(dispatcher, config, settings)
        self.on_commit = dispatcher.on_commit

    async def receive(self, payload: Mapping[str, Any]) -> int:
        """A webhook delivery; returns how many changes it made (repeats make none)."""
        return await self._apply(changes_in(payload, self.config))

    async def poll_once(self) -> int:
        """For deployments that cannot receive webhooks: look at recently updated issues."""
        minutes = max(2, int(self.settings.jira_poll_seconds // 60) * 3 + 2)
        issues = await self.client.recently_updated(minutes)
        changes = [change for issue in issues for change in poll_changes(issue, self.config)]
        return await self._apply(changes)

    async def run_poll(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.poll_and_tell()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.jira_poll_seconds)

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
