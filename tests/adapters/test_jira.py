"""The JIRA mirror against Jira Cloud's REST API v3 as Atlassian describes it (prism, behind a
recording pass-through: tests.blackbox.jira): created once when a ticket reaches eGov, comments
and statuses both ways, the issue moved through its workflow, JIRA down and back, refusals
told truthfully, a forged webhook."""

from __future__ import annotations

import contextlib
import dataclasses
import email.utils
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.jira import wire as adf
from adapters.memory import MemoryChannel
from bot.app import create_app
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.helpdesk import Helpdesk
from bot.settings import ROOT, Settings
from flows.messages import Address
from tests.blackbox.conftest import emulator_logs, jira, jira_prism
from tests.blackbox.jira import SEARCH, JiraCloud, Scripted
from tests.conftest import FixedClock
from tests.service.test_console import bot, environment
from tests.support import Person, file_ticket

__all__ = ["emulator_logs", "jira", "jira_prism"]  # fixtures

SECRET = "jira-hook-secret"
L1 = Address("console", "team-l1")
KEY = "ED-24"  # the key in Atlassian's example answer to a create
CREATE = r"^/rest/api/3/issue$"


def settings_for(url: str, database_url: str, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "jira_email": "helpdesk-bot@mukta.example.org",
        "jira_api_token": SecretStr("test-jira-api-token"),
        **more,
    }
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        jira_url=url,
        jira_project_key="EGOV",
        jira_webhook_secret=SecretStr(SECRET),
        jira_timeout_seconds=3,  # prism on a busy machine; a create "times out" after it
        **values,
    )


@contextlib.asynccontextmanager
async def helpdesk_on(
    url: str,
    database_url: str,
    config: HelpdeskConfig,
    clock: FixedClock,
    channel: MemoryChannel,
    **settings: Any,
) -> AsyncIterator[Helpdesk]:
    """The helpdesk, its chats in `channel`, mirroring into the JIRA at `url`."""
    helpdesk = build(
        settings_for(url, database_url, **settings),
        senders={"memory": channel, "console": channel},
        clock=clock,
        config=config,
    )
    try:
        yield helpdesk
    finally:
        if helpdesk.jira is not None:
            await helpdesk.jira.close()
        await helpdesk.close()


Opener = Callable[..., contextlib.AbstractAsyncContextManager[Helpdesk]]


@pytest.fixture
def open_desk(
    sqlite_url: str,
    config: HelpdeskConfig,
    clock: FixedClock,
    channel: MemoryChannel,
    jira: JiraCloud,
) -> Opener:
    """Opens the helpdesk mirroring into `jira`, with another configuration or
    settings if given."""

    def opened(
        config: HelpdeskConfig = config, **settings: Any
    ) -> contextlib.AbstractAsyncContextManager[Helpdesk]:
        return helpdesk_on(jira.url, sqlite_url, config, clock, channel, **settings)

    return opened


@pytest.fixture
async def desk(open_desk: Opener) -> AsyncIterator[Helpdesk]:
    async with open_desk() as helpdesk:
        yield helpdesk


async def deliver(helpdesk: Helpdesk) -> None:
    while await helpdesk.relay.deliver_due():
        pass


async def escalated_ticket(helpdesk: Helpdesk, channel: MemoryChannel) -> tuple[Person, str]:
    """A reporter's wage-bill error, escalated by L1 along its route (eGov technical team)."""
    reporter = Person(helpdesk, channel, "memory:ramesh")
    number = await file_ticket(reporter)
    anita = Person(helpdesk, channel, "console:anita")
    await anita.say("hi")
    await anita.say("1")
    await anita.say(f"escalate {number}")
    await deliver(helpdesk)
    return reporter, number


async def kiran(helpdesk: Helpdesk, channel: MemoryChannel) -> Person:
    """A member of the eGov technical team, signed in on the console."""
    member = Person(helpdesk, channel, "console:kiran")
    await member.say("hi")
    await member.say("1")
    return member


async def ticket_value(helpdesk: Helpdesk, number: str, name: str) -> Any:
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        return getattr(ticket, name)


def comments(jira: JiraCloud) -> list[str]:
    """The comments the helpdesk added, as JIRA shows them (their ADF bodies as text)."""
    sent = jira.sent("POST", r"/comment$")
    return [adf.plain(request.json()["body"]) for request in sent if request.status == 201]


async def post_webhook(
    helpdesk: Helpdesk,
    payload: dict[str, Any],
    secret: str = SECRET,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(helpdesk, run_relay=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client:
        query = f"?secret={secret}" if secret else ""
        return await client.post(
            f"/jira/webhook{query}",
            content=json.dumps(payload),
            headers=headers or {"Content-Type": "application/json"},
        )


# What Jira Cloud's webhooks post when staff act on the issue (bodies as text, as webhooks
# send them).
def issue_of(key: str, number: str) -> dict[str, Any]:
    return {"id": "10000", "key": key, "fields": {"labels": ["helpdesk", f"helpdesk-{number}"]}}


def commented(
    key: str, number: str, body: str, comment_id: str, internal: bool = False
) -> dict[str, Any]:
    comment: dict[str, Any] = {
        "id": comment_id,
        "body": body,
        "author": {"displayName": "Prakash (eGov)"},
    }
    if internal:
        comment["visibility"] = {"type": "role", "value": "Developers"}
    return {
        "webhookEvent": "comment_created",
        "issue": issue_of(key, number),
        "comment": comment,
    }


def moved(key: str, number: str, status: str) -> dict[str, Any]:
    return {
        "webhookEvent": "jira:issue_updated",
        "user": {"displayName": "Prakash (eGov)"},
        "issue": issue_of(key, number),
        "changelog": {"items": [{"field": "status", "fromString": "To Do", "toString": status}]},
    }


async def test_an_escalation_to_egov_creates_the_jira_issue_once_on_jira(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud
) -> None:
    _, number = await escalated_ticket(desk, channel)
    (create,) = jira.sent("POST", CREATE)
    assert create.status == 201  # prism found it fits Atlassian's contract
    created = create.json()["fields"]
    assert created["summary"].startswith(f"[{number}] Wage bills and payments, Jatni")
    assert created["issuetype"] == {"name": "Task"}
    assert created["priority"] == {"name": "High"}
    assert set(created["labels"]) >= {
        "helpdesk",
        f"helpdesk-{number}",
        "ulb-jatni",
        "module-wage_bills",
        "category-app_error",
    }
    # v3 takes the description in Atlassian Document Format, not as text.
    description = created["description"]
    assert description["type"] == "doc" and description["version"] == 1
    text = adf.plain(description)
    assert "Reporter: Ramesh Sahu (ulb employee)" in text
    # Paragraphs of text and line breaks only, and no empty text, which Jira Cloud refuses.
    inline = [node for paragraph in description["content"] for node in paragraph["content"]]
    assert {p["type"] for p in description["content"]} == {"paragraph"}
    assert all(n["type"] == "hardBreak" or (n["type"] == "text" and n["text"]) for n in inline)
    assert len(description["content"]) >= 4  # the blank lines between parts are paragraphs
    assert "Wage bill shows error 500 on submit" in text
    # Before creating, the mirror looked for the ticket's issue with the enhanced search.
    (search,) = jira.sent("POST", SEARCH)
    assert f'labels = "helpdesk-{number}"' in search.json()["jql"]
    assert jira.calls(lambda r: r.path.startswith("/rest/api/2/")) == []
    assert await ticket_value(desk, number, "jira_key") == KEY
    # Staff see the key on the team's card once it exists.
    member = await kiran(desk, channel)
    replies = await member.say(f"ticket {number}")
    assert any(f"JIRA: {KEY}" in text for text in replies)


async def test_a_move_between_mirrored_teams_is_noted_on_the_issue(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud
) -> None:
    _, number = await escalated_ticket(desk, channel)  # to the eGov technical team
    member = await kiran(desk, channel)
    await member.say(f"escalate {number} egov")
    await deliver(desk)

    assert len(jira.sent("POST", CREATE)) == 1
    [note] = comments(jira)
    assert note.startswith(f"[Helpdesk {number}] escalate · ")


async def test_tickets_of_other_teams_are_not_mirrored(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud
) -> None:
    reporter = Person(desk, channel, "memory:sunita")
    number = await file_ticket(reporter)
    anita = Person(desk, channel, "console:anita")
    await anita.say("hi")
    await anita.say("1")
    await anita.say(f"escalate {number} master_trainers")
    await anita.say(f"comment {number} A Master Trainer will call you")
    await deliver(desk)
    assert jira.calls() == []
    assert await ticket_value(desk, number, "jira_key") == ""


async def test_a_create_that_timed_out_is_not_repeated(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud, clock: FixedClock
) -> None:
    # JIRA takes the create, and answers after the client gave up waiting.
    created = {"id": "10000", "key": KEY}
    jira.answer("POST", CREATE, Scripted(201, created, delay=4), Scripted(201, created))
    _, number = await escalated_ticket(desk, channel)
    assert await ticket_value(desk, number, "jira_key") == ""
    assert len(jira.sent("POST", CREATE)) == 1
    # The issue exists now, and the search finds it by the ticket's label once Jira Cloud's
    # index has caught up: the mirror gives it that time before it looks.
    jira.found([issue_of(KEY, number)])
    clock.advance(seconds=10)
    await deliver(desk)
    assert len(jira.sent("POST", SEARCH)) == 1
    clock.advance(seconds=25)
    await deliver(desk)
    assert len(jira.sent("POST", SEARCH)) == 2
    assert len(jira.sent("POST", CREATE)) == 1
    assert await ticket_value(desk, number, "jira_key") == KEY


async def test_comments_and_statuses_travel_both_ways(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud
) -> None:
    reporter, number = await escalated_ticket(desk, channel)
    await reporter.inbox()
    member = await kiran(desk, channel)
    await member.say(f"comment {number} Checking the iFIX logs for muster roll 42")
    await deliver(desk)
    (sent,) = jira.sent("POST", rf"/rest/api/3/issue/{KEY}/comment$")
    assert sent.json()["body"]["type"] == "doc"  # ADF, as v3 takes it
    assert comments(jira) == [
        f"[Helpdesk {number}] comment · Passed to a specialist team\n"
        "Checking the iFIX logs for muster roll 42"
    ]

    internal = commented(KEY, number, "[reporter] not for them", "20001", internal=True)
    public = commented(KEY, number, "[reporter] Please submit the bill again after 5 pm", "20002")
    team_only = commented(KEY, number, "Root cause: stale iFIX token", "20003")
    for payload in (internal, public, team_only, public):  # the last one: a redelivery
        assert (await post_webhook(desk, payload)).status_code == 204
    await deliver(desk)
    told = await reporter.inbox()
    assert [t for t in told if "Please submit the bill again after 5 pm" in t] == [
        f"Message from the helpdesk about ticket {number}:\nPlease submit the bill again after 5 pm"
    ]
    assert not any("not for them" in t or "stale iFIX token" in t for t in told)
    # JIRA's own comment is not echoed back into JIRA.
    assert len(comments(jira)) == 1

    done = moved(KEY, number, "Done")
    assert (await post_webhook(desk, done)).status_code == 204
    assert (await post_webhook(desk, done)).status_code == 204
    await deliver(desk)
    assert await ticket_value(desk, number, "status") == "resolved"
    told = await reporter.inbox()
    resolved = [t for t in told if "resolved" in t]
    assert len(resolved) == 1 and f"Resolved in JIRA ({KEY}: Done)." in resolved[0]
    assert resolved[0].endswith("Is your problem solved?")
    # Resolved in JIRA: the helpdesk does not move the issue again.
    assert jira.sent("POST", r"/transitions$") == []


async def test_a_resolution_in_jira_is_one_like_any_other(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud
) -> None:
    """Resolved in JIRA, a Problem takes its linked incidents along, and its reporter's "yes"
    answers the question they were asked, as after a resolution typed in a team's chat."""
    reporter, number = await escalated_ticket(desk, channel)
    follower = Person(desk, channel, "memory:sita")
    incident = await file_ticket(follower)
    anita = Person(desk, channel, "console:anita")
    await anita.say(f"link {incident} {number}")
    await deliver(desk)
    await reporter.inbox(), await follower.inbox()

    assert (await post_webhook(desk, moved(KEY, number, "Done"))).status_code == 204
    await deliver(desk)

    assert await ticket_value(desk, incident, "status") == "resolved"
    assert any(f"Resolved in JIRA ({KEY}: Done)." in t for t in await follower.inbox())
    assert (await reporter.inbox())[-1].endswith("Is your problem solved?")
    # Closed by the reporter's "yes": the issue is resolved in JIRA already (a status of
    # `resolved_statuses`, though not the "Done" that closing goes through): nothing to move.
    done = {"id": "10000", "key": KEY, "fields": {"status": {"name": "Resolved"}}}
    jira.answer("GET", rf"^/rest/api/3/issue/{KEY}$", Scripted(200, done))
    await reporter.say("yes")
    await deliver(desk)
    assert await ticket_value(desk, number, "status") == "closed"
    assert len(jira.sent("GET", r"/transitions$")) == 1
    assert jira.sent("POST", r"/transitions$") == []
    assert not any("JIRA" in t for t in channel.texts(L1))


async def test_resolving_closing_and_reopening_in_the_helpdesk_moves_the_issue(
    open_desk: Opener, config: HelpdeskConfig, channel: MemoryChannel, jira: JiraCloud
) -> None:
    # The transitions Atlassian's example workflow offers: "Close Issue" (id 2) and
    # "QA Review" (id 711); names are matched in any case.
    mapping = config.jira.model_copy(
        update={"transitions": {"resolved": "qa review", "reopened": "Close Issue"}}
    )
    async with open_desk(dataclasses.replace(config, jira=mapping)) as helpdesk:
        reporter, number = await escalated_ticket(helpdesk, channel)
        member = await kiran(helpdesk, channel)
        await member.say(f"resolve {number} Bill re-submitted after the iFIX fix")
        await deliver(helpdesk)
        (asked,) = jira.sent("GET", rf"/rest/api/3/issue/{KEY}/transitions$")
        assert asked.status == 200
        (resolved,) = jira.sent("POST", rf"/rest/api/3/issue/{KEY}/transitions$")
        assert resolved.json() == {"transition": {"id": "711"}} and resolved.status == 204

        await reporter.say("no")  # not solved: the ticket is reopened, and so is the issue
        await reporter.say("Still the same error")
        await deliver(helpdesk)
        assert await ticket_value(helpdesk, number, "status") == "reopened"
        posted = jira.sent("POST", rf"/rest/api/3/issue/{KEY}/transitions$")
        assert [request.json()["transition"]["id"] for request in posted] == ["711", "2"]
        # Closing has no transition here: the issue stays where it is.
        await member.say(f"close {number}")
        await deliver(helpdesk)
        assert len(jira.sent("POST", r"/transitions$")) == 2


async def test_a_transition_the_workflow_does_not_offer_is_told_once_not_retried(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud, clock: FixedClock
) -> None:
    # The shipped mapping resolves through "Done"; this issue's workflow has no such step.
    _, number = await escalated_ticket(desk, channel)
    member = await kiran(desk, channel)
    await member.say(f"resolve {number} Fixed in the iFIX release")
    await deliver(desk)
    for _ in range(3):
        clock.advance(minutes=30)
        await deliver(desk)
    assert len(jira.sent("GET", r"/transitions$")) == 1
    assert jira.sent("POST", r"/transitions$") == []
    alerts = [t for t in channel.texts(L1) if "JIRA refused" in t]
    assert len(alerts) == 1
    assert number in alerts[0] and "no transition named 'Done'" in alerts[0]
    assert "QA Review" in alerts[0]  # what the workflow does offer
    assert not any("cannot reach JIRA" in t for t in channel.texts(L1))
    assert await ticket_value(desk, number, "status") == "resolved"


async def test_jira_down_for_a_while_then_back(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud, clock: FixedClock
) -> None:
    jira.fail()
    reporter, number = await escalated_ticket(desk, channel)
    member = await kiran(desk, channel)
    await member.say(f"comment {number} We are on it")
    for _ in range(4):  # retries back off; the chat side carries on
        clock.advance(seconds=120)
        await deliver(desk)
    assert any("We are on it" in text for text in await reporter.inbox())
    alerts = [t for t in channel.texts(L1) if "cannot reach JIRA" in t]
    assert len(alerts) == 1
    assert jira.sent("POST", CREATE) == []

    jira.fail(False)
    clock.advance(minutes=70)
    await deliver(desk)
    assert len(jira.sent("POST", CREATE)) == 1
    assert [text.splitlines()[-1] for text in comments(jira)] == ["We are on it"]


async def test_a_rate_limit_is_waited_out_as_jira_asks(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud, clock: FixedClock
) -> None:
    limited = Scripted(429, {"errorMessages": ["Rate limit exceeded."]}, {"Retry-After": "90"})
    jira.answer("POST", SEARCH, limited, Scripted(200, {"issues": [], "isLast": True}))
    _, number = await escalated_ticket(desk, channel)
    clock.advance(seconds=60)
    await deliver(desk)
    assert len(jira.sent("POST", SEARCH)) == 1  # not before JIRA's 90 s
    clock.advance(seconds=31)
    await deliver(desk)
    assert await ticket_value(desk, number, "jira_key") == KEY
    assert not any("JIRA" in t for t in channel.texts(L1))  # a rate limit is no outage


async def test_an_outage_is_retried_when_jira_says(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud, clock: FixedClock
) -> None:
    """A 503 with Retry-After (here as an HTTP date): an outage, told to L1 once, tried again
    when JIRA said, not sooner as the usual backoff (2 s, 4 s, ...) would."""
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=600), usegmt=True)
    busy = Scripted(503, {"errorMessages": ["Service unavailable"]}, {"Retry-After": when})
    jira.answer("POST", SEARCH, busy, Scripted(200, {"issues": [], "isLast": True}))
    _, number = await escalated_ticket(desk, channel)
    assert len([t for t in channel.texts(L1) if "cannot reach JIRA" in t]) == 1
    clock.advance(seconds=500)
    await deliver(desk)
    assert len(jira.sent("POST", SEARCH)) == 1
    clock.advance(seconds=120)
    await deliver(desk)
    assert await ticket_value(desk, number, "jira_key") == KEY


@pytest.mark.parametrize(
    ("path", "status", "errors"),
    [
        (CREATE, 400, {"errors": {"project": "valid project is required"}}),
        (SEARCH, 410, {"errorMessages": ["The requested API has been removed."]}),
        (CREATE, 401, {"errorMessages": ["Client must be authenticated."]}),
    ],
)
async def test_a_refusal_is_told_as_one_and_the_chat_goes_on(
    desk: Helpdesk,
    channel: MemoryChannel,
    jira: JiraCloud,
    path: str,
    status: int,
    errors: dict[str, Any],
) -> None:
    """A 4xx says the request is wrong (the project key, the credentials, an API JIRA no
    longer has): L1 hears that, not that JIRA is unreachable, and it is not retried."""
    jira.answer("POST", path, Scripted(status, errors, checked=False))
    _, number = await escalated_ticket(desk, channel)
    assert jira.sent("POST", CREATE + "|" + SEARCH)[-1].status == status
    alerts = [t for t in channel.texts(L1) if "JIRA" in t]
    assert len(alerts) == 1
    assert f"JIRA refused the mirror's update of {number}" in alerts[0]
    assert f"({status} " in alerts[0]
    assert "cannot reach" not in alerts[0] and "contact the reporter" not in alerts[0]
    anita = Person(desk, channel, "console:anita")
    replies = await anita.say(f"comment {number} We will call you today")
    assert f"{number}: message sent to the reporter" in replies


async def test_a_forged_webhook_is_refused_and_a_signed_one_accepted(
    desk: Helpdesk, channel: MemoryChannel
) -> None:
    _, number = await escalated_ticket(desk, channel)
    done = moved(KEY, number, "Done")
    assert (await post_webhook(desk, done, secret="")).status_code == 403
    assert (await post_webhook(desk, done, secret="guess")).status_code == 403
    assert await ticket_value(desk, number, "status") == "escalated"

    body = json.dumps(done).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    transport = httpx.ASGITransport(app=create_app(desk, run_relay=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client:
        answer = await client.post(
            "/jira/webhook",
            content=body,
            headers={"X-Hub-Signature": signature, "Content-Type": "application/json"},
        )
    assert answer.status_code == 204
    assert await ticket_value(desk, number, "status") == "resolved"


async def test_without_webhooks_a_poll_reads_every_page_of_the_enhanced_search(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud
) -> None:
    reporter, number = await escalated_ticket(desk, channel)
    await reporter.inbox()
    # Two pages: a reporter's comment (its body in ADF, as v3 gives it), then the status.
    answer = adf.document("[reporter] The fix is deployed;\nplease try again")
    comment = {"id": "30001", "body": answer, "author": {"displayName": "Prakash"}}
    first = {**issue_of(KEY, number), "fields": {"labels": ["helpdesk"]}}
    first["fields"]["comment"] = {"comments": [comment]}
    first["fields"]["status"] = {"name": "In Progress"}
    second = issue_of("ED-25", number)
    second["fields"]["status"] = {"name": "Resolved"}
    jira.found([first], [second])
    assert desk.jira is not None
    assert await desk.jira.poll_once() == 2
    pages = [request.json() for request in jira.sent("POST", SEARCH)][-2:]
    assert [page.get("nextPageToken") for page in pages] == [None, "page-2"]
    assert all(set(page["fields"]) >= {"status", "comment", "labels"} for page in pages)
    assert "updated >=" in pages[0]["jql"]

    jira.found([first, second])
    assert await desk.jira.poll_once() == 0  # seen already
    await deliver(desk)
    assert await ticket_value(desk, number, "status") == "resolved"
    told = await reporter.inbox()
    assert any("The fix is deployed;\nplease try again" in text for text in told)


async def test_data_center_keeps_rest_api_v2(
    open_desk: Opener, channel: MemoryChannel, jira: JiraCloud
) -> None:
    """With a personal access token (Data Center, which has no v3): the classic search, text
    bodies. Atlassian's description is of Cloud, so here the answers are scripted."""
    jira.answer(
        "GET", r"^/rest/api/2/search$", Scripted(200, {"issues": [], "total": 0}, checked=False)
    )
    jira.answer(
        "POST", r"^/rest/api/2/issue$", Scripted(201, {"id": "1", "key": "EGOV-1"}, checked=False)
    )
    token = SecretStr("dc-token")
    async with open_desk(jira_api_token=None, jira_personal_access_token=token) as helpdesk:
        _, number = await escalated_ticket(helpdesk, channel)
        assert await ticket_value(helpdesk, number, "jira_key") == "EGOV-1"
    (search,) = jira.sent("GET", r"^/rest/api/2/search$")
    assert "startAt=0" in search.query
    (create,) = jira.sent("POST", r"^/rest/api/2/issue$")
    assert isinstance(create.json()["fields"]["description"], str)
    assert jira.calls(lambda r: "/rest/api/3/" in r.path) == []


def test_check_config_names_the_api_and_checks_the_transitions(tmp_path: Path) -> None:
    shipped = (ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8")
    jira = {
        "JIRA_URL": "https://mukta.atlassian.net",
        "JIRA_EMAIL": "helpdesk-bot@mukta.example.org",
        "JIRA_API_TOKEN": "test-jira-api-token",
        "JIRA_PROJECT_KEY": "EGOV",
    }
    done = bot(["check-config"], environment(**jira))
    assert done.returncode == 0, done.stderr
    assert "JIRA mirror: https://mukta.atlassian.net (Cloud, REST API v3), project EGOV" in (
        done.stdout
    )
    assert "resolved -> 'Done', closed -> 'Done', reopened -> 'To Do'" in done.stdout

    for wrong, problem in (
        ('resolve = "Done"', "'resolve' is not a status the helpdesk moves an issue for"),
        ('resolved = " "', "the transition for 'resolved' has no name"),
    ):
        broken = tmp_path / "helpdesk.toml"
        broken.write_text(shipped.replace('resolved = "Done"', wrong), encoding="utf-8")
        done = bot(["check-config"], environment(HELPDESK_CONFIG=str(broken), **jira))
        assert done.returncode == 2
        assert "Configuration error:" in done.stderr and problem in done.stderr
        assert "Traceback" not in done.stderr


async def test_a_poll_jira_refuses_is_told_to_l1_once(
    desk: Helpdesk, channel: MemoryChannel, jira: JiraCloud
) -> None:
    """Polling is how JIRA's answers reach reporters where webhooks cannot: when JIRA refuses
    it (here the search API is gone), L1 hears so, once, and why."""
    gone = {"errorMessages": ["The requested API has been removed. Please migrate."]}
    jira.answer("POST", SEARCH, Scripted(410, gone, checked=False))
    assert desk.jira is not None
    await desk.jira.poll_and_tell()
    await desk.jira.poll_and_tell()
    await deliver(desk)
    alerts = [t for t in channel.texts(L1) if "JIRA" in t]
    assert len(alerts) == 1
    assert alerts[0].startswith("JIRA refused the mirror's look for changes")
    assert "(410 Gone)" in alerts[0] and "Please migrate" in alerts[0]
    assert len(jira.sent("POST", SEARCH)) == 2
