"""A signed WhatsApp webhook says where its media are (`NumMedia`, `MediaUrl0`…): the running
service fetches them only from Twilio, reads at most Twilio's 10, and keeps the reporter's
message whatever the form claims."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest

from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.recorder import Recorder, recording
from tests.blackbox.service import TWILIO_ACCOUNT_SID, Service

RAMESH = "whatsapp:+919876543210"
MEDIA_PATH = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages/MM{'1' * 32}/Media/ME"


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    """A loopback listener that is not Twilio: it records whatever reaches it (and answers
    503, forwarding nothing)."""
    with recording("http://127.0.0.1:9") as listener:
        listener.fail()
        yield listener


def kept_attachments(helpdesk: Service, text: str) -> list[str]:
    """The media URLs stored with the reporter's message that reads `text`."""
    [(stored,)] = helpdesk.sql("SELECT attachments FROM inbound_messages WHERE text = ?", text)
    return [item["ref"] for item in json.loads(stored)]


def wait_until(condition: Callable[[], object], timeout: float = 30.0) -> object:
    """`condition()` once it is true (an assertion error after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {found!r}"
        time.sleep(0.1)
    return found


def refusals(helpdesk: Service, count: int) -> list[dict[str, object]]:
    """The log's "media copy not kept" entries, once there are `count` of them."""

    def logged() -> list[dict[str, object]]:
        found = [e for e in helpdesk.log_entries() if e.get("message") == "media copy not kept"]
        return found if len(found) >= count else []

    found = wait_until(logged)
    assert isinstance(found, list)
    return found


def test_a_webhook_claiming_countless_media_holds_nobody_up(
    service: ServiceFactory, elsewhere: Recorder
) -> None:
    helpdesk = service(TWILIO_KEEP_MEDIA="true").start()
    url = f"{elsewhere.url}{MEDIA_PATH}1"

    answered = helpdesk.whatsapp(
        RAMESH,
        "photos of the wage bill",
        NumMedia="99999999999999999999",
        MediaUrl0=url,
        MediaContentType0="image/jpeg",
    )

    assert answered.status_code == 200
    assert helpdesk.http.get("/healthz").status_code == 200
    assert kept_attachments(helpdesk, "photos of the wage bill") == [url]
    refusals(helpdesk, 1)
    assert elsewhere.calls() == []
    assert helpdesk.stop() == 0


def test_media_anywhere_but_twilio_are_never_fetched_and_the_message_is_kept(
    service: ServiceFactory, twilio: Recorder, elsewhere: Recorder
) -> None:
    helpdesk = service(TWILIO_KEEP_MEDIA="true").start()
    port = elsewhere.url.rsplit(":", 1)[1]
    assert twilio.url.startswith("http://127.0.0.1:")
    urls = {
        "another host": f"http://localhost:{port}{MEDIA_PATH}1",
        "the API's host, another port": f"http://127.0.0.1:{port}{MEDIA_PATH}2",
        "a private address": f"http://10.255.255.1{MEDIA_PATH}3",
        "a link-local address": "http://169.254.169.254/latest/meta-data/iam/",
    }

    for where, url in urls.items():
        answered = helpdesk.whatsapp(
            RAMESH, f"on {where}", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg"
        )
        assert answered.status_code == 200

    logged = refusals(helpdesk, len(urls))
    assert {entry["reason"] for entry in logged} == {"not on Twilio's API host"}
    for where, url in urls.items():
        assert kept_attachments(helpdesk, f"on {where}") == [url]
    # Nothing reached the listener, with the account's credentials or without; nor Twilio.
    assert elsewhere.calls() == []
    assert twilio.calls(lambda r: r.method == "GET") == []
    assert "9876543210" not in helpdesk.log_text()
    assert helpdesk.stop() == 0
