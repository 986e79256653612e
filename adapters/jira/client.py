"""The JIRA REST client: the handful of calls the mirror (`bot.core.jira_sync`) makes, with
JIRA's errors sorted for the outbox relay (RetryLater, Throttled, Undeliverable).

Plain httpx against Jira Cloud's REST API v3 (v2 on Data Center): async, already a
dependency, and the few calls needed do not warrant the synchronous `jira` package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapters import retry_after
from adapters.jira import wire
from flows.delivery import RetryLater, Throttled, Undeliverable
from flows.jira import LABEL, JiraChange


@dataclass(frozen=True)
class JiraOptions:
    """Where JIRA is and how to sign in: an API token with its account's email (Cloud) or a
    personal access token (Data Center)."""

    url: str
    project_key: str
    email: str = ""
    api_token: str | None = field(default=None, repr=False)
    personal_access_token: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0


class JiraClient:
    """The handful of JIRA REST calls the mirror needs, with errors sorted for the relay.

    Jira Cloud (an API token) is driven through REST API v3: the enhanced search
    `search/jql`, paged by `nextPageToken` (Cloud answers the classic `/rest/api/2/search`
    with 410 Gone), and rich text as Atlassian Document Format. Jira Data Center (a personal
    access token) has no v3: it keeps v2, its classic search and plain-text bodies.
    """

    PAGE = 100  # issues asked for per search page
    MOST = 1000  # issues one search reads at most, whatever JIRA offers

    def __init__(self, options: JiraOptions) -> None:
        headers = {"Accept": "application/json"}
        auth: tuple[str, str] | None = None
        self.cloud = options.personal_access_token is None
        if options.personal_access_token is not None:
            headers["Authorization"] = f"Bearer {options.personal_access_token}"
        elif options.api_token is not None:
            auth = (options.email, options.api_token)
        self.api = "/rest/api/3" if self.cloud else "/rest/api/2"
        self.project = options.project_key
        self.http = httpx.AsyncClient(
            base_url=options.url.rstrip("/"),
            headers=headers,
            auth=auth,
            timeout=options.timeout_seconds,
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
        return wire.document(text) if self.cloud else text

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
        jql = f'project = "{self.project}" AND labels = {LABEL} AND updated >= "-{minutes}m"'
        return await self.search(jql, ["status", "comment", "labels"])

    async def recent_changes(self, minutes: int, reading: wire.Reading) -> list[JiraChange]:
        """What changed for the helpdesk in its issues updated in the last `minutes`."""
        issues = await self.recently_updated(minutes)
        return [change for issue in issues for change in wire.poll_changes(issue, reading)]

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
