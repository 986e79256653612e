"""The JIRA mirror of the running service against Jira Cloud as Atlassian describes it (prism on
the REST API v3 description, behind the recording pass-through): a ticket escalated to eGov
becomes an issue, its resolution in the helpdesk moves the issue through its workflow, and
the poll brings JIRA's answers back, page by page."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.jira import wire as adf
from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.jira import JiraCloud
from tests.blackbox.recorder import Recorder
from tests.blackbox.service import Service, telegram_message

REPORTER, ANITA, KIRAN = 7101, 8101, 8102
KEY = "ED-24"  # the key in Atlassian's example answer to a create
# Atlassian's example workflow offers "Close Issue" (id 2) and "QA Review" (id 711).
TRANSITIONS = 'transitions = { resolved = "QA Review", reopened = "close issue" }'


def helpdesk_with_staff_on_telegram(service: ServiceFactory, **env: str) -> Service:
    """Telegram only (and JIRA), with Anita (L1) and Kiran (eGov technical) writing from
    their Telegram chats, and the transitions of Atlassian's example workflow."""
    helpdesk = service(TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="", TWILIO_WHATSAPP_FROM="", **env)
    config = Path(helpdesk.env["HELPDESK_CONFIG"])
    text = config.read_text(encoding="utf-8")
    text = text.replace('"console:anita"', f'"telegram:{ANITA}"')
    text = text.replace('"console:kiran"', f'"telegram:{KIRAN}"')
    text = re.sub(r"^transitions = .*$", TRANSITIONS, text, flags=re.MULTILINE)
    config.write_text(text, encoding="utf-8")
    return helpdesk.start()


def say(helpdesk: Service, telegram: Recorder, chat: int, *texts: str, until: str) -> str:
    """`chat` writes `texts` to the bot (each handled before the webhook answers); returns the
    first answer containing `until`, once it has been sent."""

    def answered() -> list[str]:
        return [text for text in telegram.texts_to(chat) if until in text]

    before = len(answered())
    for text in texts:
        assert helpdesk.telegram_update(telegram_message(chat, text)).status_code == 200
    telegram.wait_for(lambda _: len(answered()) > before)
    return answered()[before]


def escalated_ticket(helpdesk: Service, telegram: Recorder) -> str:
    """A reporter's wage-bill error over Telegram, escalated by L1 along its route (the eGov
    technical team, mirrored into JIRA); returns its number."""
    intake = ("hi", "1", "1", "Jatni", "1", "Ramesh Sahu", "wage", "2")
    description = "Wage bill shows error 500 on submit"
    registered = say(
        helpdesk, telegram, REPORTER, *intake, description, "1", "1", until="registered as"
    )
    found = re.search(r"ticket ([A-Z]+-\d+)", registered)
    assert found is not None, registered
    number = found.group(1)
    say(helpdesk, telegram, ANITA, "hi", "1", f"escalate {number}", until=number)
    return number


def test_an_escalated_ticket_becomes_a_jira_cloud_issue_and_moves_when_resolved(
    service: ServiceFactory, telegram: Recorder, jira: JiraCloud
) -> None:
    helpdesk = helpdesk_with_staff_on_telegram(service)
    number = escalated_ticket(helpdesk, telegram)

    jira.wait_for(lambda _: bool(jira.sent("POST", r"^/rest/api/3/issue$")))
    (create,) = jira.sent("POST", r"^/rest/api/3/issue$")
    assert create.status == 201  # prism: it fits Atlassian's contract
    fields = create.json()["fields"]
    assert fields["project"] == {"key": "MK"}
    assert f"helpdesk-{number}" in fields["labels"]
    assert fields["description"]["type"] == "doc"  # Atlassian Document Format, as v3 takes it
    assert "Wage bill shows error 500 on submit" in adf.plain(fields["description"])
    # The search before the create: the enhanced one, not the classic search Cloud removed.
    assert [r.status for r in jira.sent("POST", r"^/rest/api/3/search/jql$")] == [200]
    assert jira.calls(lambda r: r.path.startswith("/rest/api/2/")) == []
    assert helpdesk.sql("SELECT jira_key FROM tickets WHERE number = ?", number) == [(KEY,)]

    resolve = f"resolve {number} Bill re-submitted after the fix"
    say(helpdesk, telegram, KIRAN, "hi", "1", resolve, until=f"{number}: resolved")
    jira.wait_for(lambda _: bool(jira.sent("POST", rf"/issue/{KEY}/transitions$")))
    (moved,) = jira.sent("POST", rf"^/rest/api/3/issue/{KEY}/transitions$")
    assert moved.json() == {"transition": {"id": "711"}} and moved.status == 204
    notes = [adf.plain(r.json()["body"]) for r in jira.sent("POST", rf"/issue/{KEY}/comment$")]
    assert any("Bill re-submitted after the fix" in note for note in notes)
    assert helpdesk.stop() == 0


def test_the_poll_reads_every_page_of_jiras_enhanced_search(
    service: ServiceFactory, telegram: Recorder, jira: JiraCloud
) -> None:
    helpdesk = helpdesk_with_staff_on_telegram(service, JIRA_POLL_SECONDS="1")
    number = escalated_ticket(helpdesk, telegram)
    jira.wait_for(lambda _: bool(jira.sent("POST", r"^/rest/api/3/issue$")))

    # eGov answers the reporter in JIRA and resolves the issue; the poll finds it on two pages.
    answer = adf.document("[reporter] The fix is deployed.\nPlease submit the bill again.")
    labels = ["helpdesk", f"helpdesk-{number}"]
    commented = {
        "id": "10000",
        "key": KEY,
        "fields": {
            "labels": labels,
            "status": {"name": "In Progress"},
            "comment": {"comments": [{"id": "30001", "body": answer, "author": {}}]},
        },
    }
    resolved = {"id": "10000", "key": KEY, "fields": {"labels": labels, "status": {"name": "Done"}}}
    jira.found([commented], [resolved])

    texts = telegram.wait_for(
        lambda _: any("Please submit the bill again" in t for t in telegram.texts_to(REPORTER))
    )
    assert texts
    telegram.wait_for(
        lambda _: any("Is your problem solved?" in t for t in telegram.texts_to(REPORTER))
    )
    searches = [r.json() for r in jira.sent("POST", r"^/rest/api/3/search/jql$")]
    polls = [s for s in searches if "updated >=" in s["jql"]]
    assert any(s.get("nextPageToken") == "page-2" for s in polls)
    assert all(set(s["fields"]) >= {"status", "comment", "labels"} for s in polls)
    assert helpdesk.sql("SELECT status FROM tickets WHERE number = ?", number) == [("resolved",)]
    assert helpdesk.stop() == 0
