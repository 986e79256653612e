"""The JIRA mirror end to end against a local JIRA-REST-compatible server: created once when a
ticket reaches eGov, comments and statuses both ways, JIRA down and back, a forged webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.memory import MemoryChannel
from bot.app import create_app
from bot.build import Helpdesk, build
from bot.config import HelpdeskConfig
from bot.settings import Settings
from flows.messages import Address
from tests.conftest import FixedClock
from tests.jira_fake import API_TOKEN, EMAIL, FakeJira
from tests.support import Person, file_ticket

SECRET = "jira-hook-secret"
L1 = Address("console", "team-l1")
EGOV_TECH = Address("console", "team-egov-tech")


@pytest.fixture
async def jira(clock: FixedClock) -> AsyncIterator[FakeJira]:
    async with FakeJira(clock=clock) as server:
        yield server


@pytest.fixture
async def desk(
    sqlite_url: str,
    config: HelpdeskConfig,
    clock: FixedClock,
    channel: MemoryChannel,
    jira: FakeJira,
) -> AsyncIterator[Helpdesk]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        jira_url=jira.base_url,
        jira_email=EMAIL,
        jira_api_token=SecretStr(API_TOKEN),
        jira_project_key="EGOV",
        jira_webhook_secret=SecretStr(SECRET),
        jira_timeout_seconds=0.5,
    )
    helpdesk = build(
        settings, senders={"memory": channel, "console": channel}, clock=clock, config=config
    )
    yield helpdesk
    if helpdesk.jira is not None:
        await helpdesk.jira.close()
    await helpdesk.close()


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


async def jira_key_of(helpdesk: Helpdesk, number: str) -> str:
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        return ticket.jira_key


async def status_of(helpdesk: Helpdesk, number: str) -> str:
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        return ticket.status


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


async def test_an_escalation_to_egov_creates_the_jira_issue_once(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira
) -> None:
    _, number = await escalated_ticket(desk, channel)
    (created,) = jira.created("EGOV")
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
    assert "Reporter: Ramesh Sahu (ulb employee)" in created["description"]
    assert "Wage bill shows error 500 on submit" in created["description"]
    assert await jira_key_of(desk, number) == "EGOV-1"
    # Staff see the key on the team's card once it exists.
    kiran = Person(desk, channel, "console:kiran")
    await kiran.say("hi")
    replies = await kiran.say("1")
    replies = await kiran.say(f"ticket {number}")
    assert any("JIRA: EGOV-1" in text for text in replies)


async def test_a_move_between_mirrored_teams_is_noted_on_the_issue(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira
) -> None:
    _, number = await escalated_ticket(desk, channel)  # to the eGov technical team: EGOV-1
    kiran = Person(desk, channel, "console:kiran")
    await kiran.say("hi")
    await kiran.say("1")
    await kiran.say(f"escalate {number} egov")
    await deliver(desk)

    assert len(jira.created("EGOV")) == 1
    [note] = [c["body"] for c in jira.comments("EGOV-1")]
    assert note.startswith(f"[Helpdesk {number}] escalate · ")


async def test_tickets_of_other_teams_are_not_mirrored(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira
) -> None:
    reporter = Person(desk, channel, "memory:sunita")
    number = await file_ticket(reporter)
    anita = Person(desk, channel, "console:anita")
    await anita.say("hi")
    await anita.say("1")
    await anita.say(f"escalate {number} master_trainers")
    await anita.say(f"comment {number} A Master Trainer will call you")
    await deliver(desk)
    assert jira.created() == []
    assert await jira_key_of(desk, number) == ""


async def test_a_create_that_timed_out_is_not_repeated(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira, clock: FixedClock
) -> None:
    jira.delay_next_create(2)  # stored at once, answered after the client gave up
    _, number = await escalated_ticket(desk, channel)
    assert await jira_key_of(desk, number) == ""
    clock.advance(seconds=5)
    await deliver(desk)
    assert len(jira.created()) == 1
    assert await jira_key_of(desk, number) == "EGOV-1"


async def test_comments_and_statuses_travel_both_ways(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira
) -> None:
    reporter, number = await escalated_ticket(desk, channel)
    await reporter.inbox()
    kiran = Person(desk, channel, "console:kiran")
    await kiran.say("hi")
    await kiran.say("1")
    await kiran.say(f"comment {number} Checking the iFIX logs for muster roll 42")
    await deliver(desk)
    helpdesk_notes = [c["body"] for c in jira.comments("EGOV-1")]
    assert helpdesk_notes == [
        f"[Helpdesk {number}] comment · Passed to a specialist team\n"
        "Checking the iFIX logs for muster roll 42"
    ]

    internal = jira.add_comment("EGOV-1", "[reporter] not for them", internal=True)
    public = jira.add_comment("EGOV-1", "[reporter] Please submit the bill again after 5 pm")
    team_only = jira.add_comment("EGOV-1", "Root cause: stale iFIX token")
    for payload in (internal, public, team_only, public):  # the last one: a redelivery
        assert (await post_webhook(desk, payload)).status_code == 204
    await deliver(desk)
    told = await reporter.inbox()
    assert [t for t in told if "Please submit the bill again after 5 pm" in t] == [
        f"Message from the helpdesk about ticket {number}:\nPlease submit the bill again after 5 pm"
    ]
    assert not any("not for them" in t or "stale iFIX token" in t for t in told)
    # JIRA's own comment is not echoed back into JIRA.
    assert len(jira.comments("EGOV-1")) == 4

    done = jira.transition("EGOV-1", "Done")
    assert (await post_webhook(desk, done)).status_code == 204
    assert (await post_webhook(desk, done)).status_code == 204
    await deliver(desk)
    assert await status_of(desk, number) == "resolved"
    told = await reporter.inbox()
    resolved = [t for t in told if "resolved" in t]
    assert len(resolved) == 1 and "Resolved in JIRA (EGOV-1: Done)." in resolved[0]
    assert resolved[0].endswith("Is your problem solved?")


async def test_a_resolution_in_jira_is_one_like_any_other(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira
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

    assert (await post_webhook(desk, jira.transition("EGOV-1", "Done"))).status_code == 204
    await deliver(desk)

    assert await status_of(desk, incident) == "resolved"
    assert any("Resolved in JIRA (EGOV-1: Done)." in t for t in await follower.inbox())
    assert (await reporter.inbox())[-1].endswith("Is your problem solved?")
    await reporter.say("yes")
    assert await status_of(desk, number) == "closed"


async def test_jira_down_for_a_while_then_back(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira, clock: FixedClock
) -> None:
    jira.down = True
    reporter, number = await escalated_ticket(desk, channel)
    kiran = Person(desk, channel, "console:kiran")
    await kiran.say("hi")
    await kiran.say("1")
    await kiran.say(f"comment {number} We are on it")
    for _ in range(4):  # retries back off; the chat side carries on
        clock.advance(seconds=120)
        await deliver(desk)
    assert any("We are on it" in text for text in await reporter.inbox())
    alerts = [t for t in channel.texts(L1) if "cannot reach JIRA" in t]
    assert len(alerts) == 1
    assert jira.created() == []

    jira.down = False
    clock.advance(minutes=70)
    await deliver(desk)
    assert len(jira.created()) == 1
    assert [c["body"].splitlines()[-1] for c in jira.comments("EGOV-1")] == ["We are on it"]


async def test_a_field_jira_rejects_is_reported_and_the_chat_goes_on(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira, config: HelpdeskConfig
) -> None:
    jira.projects.clear()  # the configured project key is wrong: JIRA refuses every call
    _, number = await escalated_ticket(desk, channel)
    assert jira.created() == []
    assert any("JIRA refused it (400)" in t and number in t for t in channel.texts(L1))
    anita = Person(desk, channel, "console:anita")
    replies = await anita.say(f"comment {number} We will call you today")
    assert f"{number}: message sent to the reporter" in replies


async def test_a_forged_webhook_is_refused_and_a_signed_one_accepted(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira
) -> None:
    _, number = await escalated_ticket(desk, channel)
    done = jira.transition("EGOV-1", "Done")
    assert (await post_webhook(desk, done, secret="")).status_code == 403
    assert (await post_webhook(desk, done, secret="guess")).status_code == 403
    assert await status_of(desk, number) == "escalated"

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
    assert await status_of(desk, number) == "resolved"


async def test_without_webhooks_a_poll_brings_jiras_changes(
    desk: Helpdesk, channel: MemoryChannel, jira: FakeJira
) -> None:
    reporter, number = await escalated_ticket(desk, channel)
    await reporter.inbox()
    jira.add_comment("EGOV-1", "[reporter] The fix is deployed; please try again")
    jira.transition("EGOV-1", "Resolved")
    assert desk.jira is not None
    assert await desk.jira.poll_once() == 2
    assert await desk.jira.poll_once() == 0  # seen already
    await deliver(desk)
    assert await status_of(desk, number) == "resolved"
    told = await reporter.inbox()
    assert any("The fix is deployed; please try again" in text for text in told)
