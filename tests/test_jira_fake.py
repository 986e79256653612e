"""The fake JIRA Cloud server, driven with plain httpx over loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.jira_fake import NOT_FOUND, FakeJira, jira_time, parse_jira_time

ISSUE = "/rest/api/2/issue"
SEARCH = "/rest/api/2/search"
LABEL = "helpdesk-MK-1001"
TIMESTAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0530$"


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def fields(**overrides: Any) -> dict[str, Any]:
    """A create's fields as the helpdesk sends them."""
    values: dict[str, Any] = {
        "project": {"key": "EGOV"},
        "summary": "MK-1001: bill upload fails in MUKTASoft",
        "description": "Reported from Cuttack ULB over WhatsApp.",
        "issuetype": {"name": "Task"},
        "priority": {"name": "High"},
        "labels": ["helpdesk", LABEL],
    }
    values.update(overrides)
    return values


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def jira(clock: Clock) -> AsyncIterator[FakeJira]:
    async with FakeJira(projects=("EGOV", "OPS"), clock=clock) as fake:
        yield fake


@pytest.fixture
async def http(jira: FakeJira) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=jira.base_url, auth=jira.auth, timeout=5) as client:
        yield client


async def create(http: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    return await http.post(ISSUE, json={"fields": fields(**overrides)})


# -- auth -------------------------------------------------------------------------------------


async def test_wrong_credentials_are_refused(jira: FakeJira) -> None:
    async with httpx.AsyncClient(base_url=jira.base_url) as client:
        anonymous = await client.post(ISSUE, json={"fields": fields()})
        wrong = await client.post(
            ISSUE, json={"fields": fields()}, auth=(jira.email, "not-the-token")
        )
        bearer = await client.get(f"{ISSUE}/EGOV-1", headers={"Authorization": "Bearer some-token"})
    assert [anonymous.status_code, wrong.status_code, bearer.status_code] == [401, 401, 401]
    assert "authenticated" in anonymous.text
    assert jira.issues == {}
    assert jira.requests[0] == ("POST", ISSUE, 401)


async def test_a_personal_access_token_is_accepted_when_configured() -> None:
    async with (
        FakeJira(bearer_token="pat-123") as jira,
        httpx.AsyncClient(base_url=jira.base_url) as client,
    ):
        good = await client.post(
            ISSUE, json={"fields": fields()}, headers={"Authorization": "Bearer pat-123"}
        )
        bad = await client.post(
            ISSUE, json={"fields": fields()}, headers={"Authorization": "Bearer pat-999"}
        )
        basic = await client.post(ISSUE, json={"fields": fields()}, auth=jira.auth)
    assert [good.status_code, bad.status_code, basic.status_code] == [201, 401, 201]


# -- create -----------------------------------------------------------------------------------


async def test_creates_are_numbered_per_project(jira: FakeJira, http: httpx.AsyncClient) -> None:
    first = await create(http)
    second = await create(http, summary="MK-1002: muster roll stuck")
    other = await create(http, project={"key": "OPS"}, issuetype={"name": "Bug"})
    assert first.status_code == 201
    assert first.json() == {
        "id": "10001",
        "key": "EGOV-1",
        "self": f"{jira.base_url}/rest/api/2/issue/10001",
    }
    assert second.json()["key"] == "EGOV-2"
    assert other.json() == {
        "id": "10003",
        "key": "OPS-1",
        "self": f"{jira.base_url}/rest/api/2/issue/10003",
    }
    assert [f["summary"] for f in jira.created("EGOV")] == [
        "MK-1001: bill upload fails in MUKTASoft",
        "MK-1002: muster roll stuck",
    ]
    assert len(jira.created()) == 3
    stored = jira.issues["EGOV-1"]["fields"]
    assert stored["status"]["name"] == "To Do"
    assert stored["priority"]["name"] == "High"
    assert stored["labels"] == ["helpdesk", LABEL]
    assert stored["created"] == stored["updated"] == "2026-11-27T11:00:00.000+0530"
    assert ("POST", ISSUE, 201) in jira.requests


async def test_priority_defaults_to_medium(jira: FakeJira, http: httpx.AsyncClient) -> None:
    values = fields()
    del values["priority"]
    answer = await http.post(ISSUE, json={"fields": values})
    assert answer.status_code == 201
    assert jira.issues["EGOV-1"]["fields"]["priority"]["name"] == "Medium"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"project": {"key": "NOPE"}}, "project", "valid project is required"),
        ({"issuetype": {"name": "Incident"}}, "issuetype", "Specify a valid issue type"),
        ({"priority": {"name": "Urgent"}}, "priority", "Priority name 'Urgent' is not valid"),
        (
            {"labels": ["helpdesk", "MK 1001"]},
            "labels",
            "The label 'MK 1001' contains spaces which is invalid.",
        ),
        ({"summary": ""}, "summary", "You must specify a summary of the issue."),
        (
            {"assignee": {"name": "kiran"}},
            "assignee",
            "Field 'assignee' cannot be set. It is not on the appropriate screen, or unknown.",
        ),
    ],
)
async def test_invalid_creates_are_refused_in_jiras_shape(
    jira: FakeJira,
    http: httpx.AsyncClient,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    answer = await create(http, **overrides)
    assert answer.status_code == 400
    assert answer.json() == {"errorMessages": [], "errors": {field: message}}
    assert jira.issues == {}
    assert jira.created() == []
    assert jira.rejected[0][1] == {field: message}


async def test_issue_types_are_configurable() -> None:
    async with (
        FakeJira(issue_types=("Service Request",)) as jira,
        httpx.AsyncClient(base_url=jira.base_url, auth=jira.auth) as client,
    ):
        task = await create(client)
        request = await create(client, issuetype={"name": "Service Request"})
    assert task.status_code == 400
    assert "issuetype" in task.json()["errors"]
    assert request.status_code == 201


async def test_a_create_must_be_json(http: httpx.AsyncClient) -> None:
    answer = await http.post(ISSUE, content=b"fields=1", headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415


# -- search -----------------------------------------------------------------------------------


async def test_search_by_label_finds_the_issue(jira: FakeJira, http: httpx.AsyncClient) -> None:
    await create(http)
    await create(http, labels=["helpdesk", "helpdesk-MK-1002"])
    quoted = await http.get(
        SEARCH,
        params={
            "jql": f'project = EGOV AND labels = "{LABEL}"',
            "fields": "summary,status,labels,updated,comment",
        },
    )
    bare = await http.get(SEARCH, params={"jql": f"project = EGOV AND labels = {LABEL}"})
    assert quoted.status_code == 200
    body = quoted.json()
    assert (body["startAt"], body["maxResults"], body["total"]) == (0, 50, 1)
    [issue] = body["issues"]
    assert issue["key"] == "EGOV-1"
    assert issue["id"] == "10001"
    assert set(issue["fields"]) == {"summary", "status", "labels", "updated", "comment"}
    assert issue["fields"]["status"]["name"] == "To Do"
    assert issue["fields"]["labels"] == ["helpdesk", LABEL]
    assert issue["fields"]["updated"] == "2026-11-27T11:00:00.000+0530"
    assert issue["fields"]["comment"]["comments"] == []
    assert [i["key"] for i in bare.json()["issues"]] == ["EGOV-1"]
    assert (
        "GET",
        f'{SEARCH}?jql=project = EGOV AND labels = "{LABEL}"'
        "&fields=summary,status,labels,updated,comment",
        200,
    ) in jira.requests


async def test_search_by_updated_returns_the_recently_changed(
    jira: FakeJira, http: httpx.AsyncClient, clock: Clock
) -> None:
    for number in range(3):
        await create(http, labels=["helpdesk", f"helpdesk-MK-100{number}"])
    clock.now += timedelta(hours=1)
    jira.transition("EGOV-3", "In Progress")
    clock.now += timedelta(minutes=5)
    jira.add_comment("EGOV-1", "Looking into it")
    clock.now += timedelta(minutes=5)
    jql = 'project = EGOV AND labels = helpdesk AND updated >= "-15m" ORDER BY updated DESC'
    answer = await http.get(SEARCH, params={"jql": jql, "fields": "status,labels,updated"})
    assert [i["key"] for i in answer.json()["issues"]] == ["EGOV-1", "EGOV-3"]
    assert answer.json()["total"] == 2
    narrower = await http.get(SEARCH, params={"jql": jql.replace("-15m", "-7m")})
    assert [i["key"] for i in narrower.json()["issues"]] == ["EGOV-1"]
    everything = await http.get(SEARCH, params={"jql": "project = EGOV ORDER BY key ASC"})
    assert [i["key"] for i in everything.json()["issues"]] == ["EGOV-1", "EGOV-2", "EGOV-3"]


async def test_post_search_and_the_enhanced_search(jira: FakeJira, http: httpx.AsyncClient) -> None:
    await create(http)
    await create(http)
    jql = f'project = EGOV AND labels = "{LABEL}" ORDER BY created ASC'
    posted = await http.post(SEARCH, json={"jql": jql, "fields": ["status"], "maxResults": 1})
    assert posted.json()["total"] == 2
    assert [i["key"] for i in posted.json()["issues"]] == ["EGOV-1"]
    assert set(posted.json()["issues"][0]["fields"]) == {"status"}

    ids_only = await http.get(f"{SEARCH}/jql", params={"jql": jql})
    assert ids_only.json() == {"issues": [{"id": "10001"}, {"id": "10002"}], "isLast": True}
    paged = await http.get(
        f"{SEARCH}/jql", params={"jql": jql, "fields": "labels", "maxResults": 1}
    )
    assert paged.json()["isLast"] is False
    assert paged.json()["issues"][0]["key"] == "EGOV-1"
    rest = await http.post(
        f"{SEARCH}/jql",
        json={"jql": jql, "fields": ["labels"], "nextPageToken": paged.json()["nextPageToken"]},
    )
    assert [i["key"] for i in rest.json()["issues"]] == ["EGOV-2"]
    assert rest.json()["isLast"] is True
    unbounded = await http.get(f"{SEARCH}/jql", params={"jql": "ORDER BY created DESC"})
    assert unbounded.status_code == 400


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("colour = red", "Field 'colour' does not exist or you do not have permission to view it."),
        ('updated >= "yesterday"', "Date value 'yesterday' for field 'updated' is invalid."),
        ("project = EGOV AND", "Error in the JQL Query: Expecting a field name but got the end."),
    ],
)
async def test_bad_jql_is_a_400(http: httpx.AsyncClient, jql: str, message: str) -> None:
    answer = await http.get(SEARCH, params={"jql": jql})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {}
    assert answer.json()["errorMessages"][0].startswith(message)


async def test_jql_in_not_and_or(jira: FakeJira, http: httpx.AsyncClient) -> None:
    await create(http, labels=["a"])
    await create(http, labels=["b"])
    await create(http, labels=[])
    jira.transition("EGOV-2", "Done")

    async def keys(jql: str) -> list[str]:
        answer = await http.get(SEARCH, params={"jql": jql + " ORDER BY key ASC"})
        assert answer.status_code == 200, answer.text
        return [i["key"] for i in answer.json()["issues"]]

    assert await keys("labels in (a, b)") == ["EGOV-1", "EGOV-2"]
    assert await keys("labels is EMPTY") == ["EGOV-3"]
    assert await keys("status != Done AND (labels = a OR labels is empty)") == [
        "EGOV-1",
        "EGOV-3",
    ]
    assert await keys("NOT status = 'To Do'") == ["EGOV-2"]
    assert await keys("key in (EGOV-1, EGOV-3)") == ["EGOV-1", "EGOV-3"]


# -- issue and comments -----------------------------------------------------------------------


async def test_get_issue_and_404(jira: FakeJira, http: httpx.AsyncClient) -> None:
    await create(http)
    jira.add_comment("EGOV-1", "Fixed in build 42")
    answer = await http.get(f"{ISSUE}/EGOV-1", params={"fields": "status,comment,labels"})
    assert answer.status_code == 200
    issue = answer.json()
    assert (issue["id"], issue["key"]) == ("10001", "EGOV-1")
    assert set(issue["fields"]) == {"status", "comment", "labels"}
    assert issue["fields"]["comment"]["comments"][0]["body"] == "Fixed in build 42"
    assert issue["fields"]["comment"]["total"] == 1
    by_id = await http.get(f"{ISSUE}/10001")
    assert by_id.json()["fields"]["summary"].startswith("MK-1001")

    missing = await http.get(f"{ISSUE}/EGOV-99", params={"fields": "status"})
    assert missing.status_code == 404
    assert missing.json() == {"errorMessages": [NOT_FOUND], "errors": {}}
    assert ("GET", f"{ISSUE}/EGOV-99?fields=status", 404) in jira.requests


async def test_add_a_comment(jira: FakeJira, http: httpx.AsyncClient, clock: Clock) -> None:
    await create(http)
    clock.now += timedelta(minutes=3)
    answer = await http.post(
        f"{ISSUE}/EGOV-1/comment", json={"body": "The reporter added a photo."}
    )
    assert answer.status_code == 201
    comment = answer.json()
    assert comment["body"] == "The reporter added a photo."
    assert comment["author"]["displayName"] == jira.api_user
    assert comment["created"] == "2026-11-27T11:03:00.000+0530"
    assert "visibility" not in comment
    internal = await http.post(
        f"{ISSUE}/EGOV-1/comment",
        json={"body": "Staff only", "visibility": {"type": "role", "value": "Developers"}},
    )
    assert internal.json()["visibility"] == {"type": "role", "value": "Developers"}
    assert [c["body"] for c in jira.comments("EGOV-1")] == [
        "The reporter added a photo.",
        "Staff only",
    ]
    assert jira.issues["EGOV-1"]["fields"]["updated"] == "2026-11-27T11:03:00.000+0530"
    empty = await http.post(f"{ISSUE}/EGOV-1/comment", json={"body": " "})
    assert empty.status_code == 400
    assert empty.json()["errors"] == {"comment": "Comment body can not be empty!"}
    unknown = await http.post(f"{ISSUE}/EGOV-7/comment", json={"body": "hello"})
    assert unknown.status_code == 404


# -- webhook payloads -------------------------------------------------------------------------


async def test_transition_payload(jira: FakeJira, http: httpx.AsyncClient, clock: Clock) -> None:
    await create(http)
    clock.now += timedelta(minutes=30)
    payload = jira.transition("EGOV-1", "Done", author="Anita Das")
    assert payload["webhookEvent"] == "jira:issue_updated"
    assert payload["issue_event_type_name"] == "issue_generic"
    assert payload["timestamp"] == int(clock.now.timestamp() * 1000)
    assert payload["user"]["displayName"] == "Anita Das"
    assert payload["issue"]["key"] == "EGOV-1"
    assert payload["issue"]["fields"]["status"]["name"] == "Done"
    assert payload["issue"]["fields"]["status"]["statusCategory"]["key"] == "done"
    assert payload["issue"]["fields"]["labels"] == ["helpdesk", LABEL]
    assert payload["issue"]["fields"]["updated"] == "2026-11-27T11:30:00.000+0530"
    [item] = payload["changelog"]["items"]
    assert {k: item[k] for k in ("field", "fieldtype", "fromString", "toString")} == {
        "field": "status",
        "fieldtype": "jira",
        "fromString": "To Do",
        "toString": "Done",
    }
    assert isinstance(payload["changelog"]["id"], str)
    assert jira.issues["EGOV-1"]["fields"]["status"]["name"] == "Done"
    again = jira.transition("EGOV-1", "In Progress")
    assert again["changelog"]["items"][0]["fromString"] == "Done"
    assert again["user"]["displayName"] == "Kiran Rao"
    assert again["changelog"]["id"] != payload["changelog"]["id"]


async def test_comment_created_payloads(jira: FakeJira, http: httpx.AsyncClient) -> None:
    await create(http)
    public = jira.add_comment("EGOV-1", "Please re-upload the bill as PDF.")
    internal = jira.add_comment(
        "EGOV-1", "Vendor bug, see OPS-3", author="Anita Das", internal=True
    )
    assert public["webhookEvent"] == "comment_created"
    assert isinstance(public["timestamp"], int)
    assert public["comment"]["body"] == "Please re-upload the bill as PDF."
    assert public["comment"]["author"]["displayName"] == "Kiran Rao"
    assert "visibility" not in public["comment"]
    assert public["issue"]["key"] == "EGOV-1"
    assert public["issue"]["id"] == "10001"
    assert public["issue"]["fields"]["labels"] == ["helpdesk", LABEL]
    assert public["issue"]["fields"]["status"]["name"] == "To Do"
    assert public["issue"]["fields"]["summary"].startswith("MK-1001")
    assert internal["comment"]["visibility"] == {"type": "role", "value": "Developers"}
    assert internal["comment"]["author"]["displayName"] == "Anita Das"
    assert public["comment"]["id"] != internal["comment"]["id"]
    assert [c["id"] for c in jira.comments("EGOV-1")] == [
        public["comment"]["id"],
        internal["comment"]["id"],
    ]


# -- failures ---------------------------------------------------------------------------------


async def test_down_answers_503(jira: FakeJira, http: httpx.AsyncClient) -> None:
    jira.down = True
    answer = await create(http)
    search = await http.get(SEARCH, params={"jql": "project = EGOV"})
    assert [answer.status_code, search.status_code] == [503, 503]
    assert answer.json()["errorMessages"]
    assert jira.issues == {}
    jira.down = False
    assert (await create(http)).status_code == 201


async def test_fail_next(jira: FakeJira, http: httpx.AsyncClient) -> None:
    jira.fail_next("POST", ISSUE, 500, times=2)
    jira.fail_next("GET", SEARCH, 429)
    statuses = [(await create(http)).status_code for _ in range(3)]
    assert statuses == [500, 500, 201]
    limited = await http.get(SEARCH, params={"jql": "project = EGOV"})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert (await http.get(SEARCH, params={"jql": "project = EGOV"})).status_code == 200
    assert list(jira.issues) == ["EGOV-1"]


async def test_a_delayed_create_is_stored_although_the_client_times_out(
    jira: FakeJira, http: httpx.AsyncClient
) -> None:
    jira.delay_next_create(2)
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        await http.post(ISSUE, json={"fields": fields()}, timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert list(jira.issues) == ["EGOV-1"]
    found = await http.get(SEARCH, params={"jql": f'project = EGOV AND labels = "{LABEL}"'})
    assert [i["key"] for i in found.json()["issues"]] == ["EGOV-1"]
    # Only the next create is delayed.
    started = time.monotonic()
    assert (await create(http)).json()["key"] == "EGOV-2"
    assert time.monotonic() - started < 1.0


async def test_timestamps_round_trip() -> None:
    moment = datetime(2026, 11, 27, 5, 30, 0, 123000, tzinfo=UTC)
    text = jira_time(moment)
    assert text == "2026-11-27T11:00:00.123+0530"
    assert parse_jira_time(text) == moment
