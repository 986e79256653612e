"""`serve` with its outbox relay in a process of its own (RELAY_PROCESS=on), as an operator
runs it: replies still go out, the relay is started again when it dies, stops with `serve`
(even a `serve` killed with -9), counts its sends in serve's /metrics, and slows WhatsApp down
when a receipt asks it to."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.recorder import Recorder
from tests.blackbox.service import Service, telegram_message

MEENA, ARJUN = 7101, 7102
RAMESH, LATA = "whatsapp:+919876500001", "whatsapp:+919876500002"


def relay_children(helpdesk: Service) -> list[int]:
    """The `python -m bot relay` processes `serve` started (Linux's /proc)."""
    assert helpdesk.process is not None
    pid = helpdesk.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children if b"relay" in _command_line(int(child))]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status").read_text()
    return "State:\tZ" not in status  # not a zombie its parent has yet to reap


def wait_until(condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)


def answered(helpdesk: Service, telegram: Recorder, chat: int) -> None:
    before = len(telegram.texts_to(chat))
    assert helpdesk.telegram_update(telegram_message(chat, "/start")).status_code == 200
    telegram.wait_for(lambda _: len(telegram.texts_to(chat)) > before)
    assert "Choose your language" in telegram.texts_to(chat)[-1]


def message_id(helpdesk: Service, address: str) -> str | None:
    """The provider's ID of the message sent to `address` (None: not kept yet)."""
    [(sid,)] = helpdesk.sql("SELECT provider_message_id FROM outbox WHERE address = ?", address)
    return str(sid) if sid else None


def sends_counted(helpdesk: Service) -> float:
    page = helpdesk.http.get("/metrics").text
    found = re.search(
        r'^helpdesk_outbox_sends_total\{channel="telegram",result="sent"\} (\S+)$', page, re.M
    )
    return float(found.group(1)) if found else 0.0


def test_replies_go_out_through_a_relay_process_restarted_when_it_dies(
    service: ServiceFactory, telegram: Recorder
) -> None:
    helpdesk = service(RELAY_PROCESS="on").start()
    wait_until(lambda: len(relay_children(helpdesk)) == 1)
    [first] = relay_children(helpdesk)
    assert helpdesk.http.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "relay": "running",
    }

    answered(helpdesk, telegram, MEENA)
    # Its log lines go where serve's go, marked as the relay process's.
    running = [e for e in helpdesk.log_entries() if e.get("message") == "outbox relay running"]
    assert running and all(entry.get("relay_process") is True for entry in running)
    # Sent by the child, counted where Prometheus scrapes: serve's /metrics.
    wait_until(lambda: sends_counted(helpdesk) >= 1)

    os.kill(first, signal.SIGKILL)
    wait_until(lambda: relay_children(helpdesk) not in ([], [first]))
    answered(helpdesk, telegram, ARJUN)
    assert "outbox relay process stopped; starting another" in helpdesk.log_text()

    [second] = relay_children(helpdesk)
    assert helpdesk.stop() == 0
    assert not alive(second)


def test_the_relay_process_does_not_outlive_a_killed_serve(service: ServiceFactory) -> None:
    helpdesk = service(RELAY_PROCESS="on").start()
    wait_until(lambda: len(relay_children(helpdesk)) == 1)
    [child] = relay_children(helpdesk)

    helpdesk.kill()

    wait_until(lambda: not alive(child), timeout=15)


def test_with_the_relay_process_off_serve_sends_itself(
    service: ServiceFactory, telegram: Recorder
) -> None:
    helpdesk = service(RELAY_PROCESS="off").start()
    answered(helpdesk, telegram, MEENA)
    assert relay_children(helpdesk) == []
    assert helpdesk.http.get("/healthz").json() == {"status": "ok", "database": "ok"}
    assert helpdesk.stop() == 0


def test_a_receipt_asking_to_slow_down_pauses_the_relay_process_whatsapp_sends(
    service: ServiceFactory, twilio: Recorder
) -> None:
    """Twilio's 63018 (the sandbox number's one message every 3 seconds) arrives at serve;
    the relay process sending WhatsApp messages holds every send that long, other chats'
    too."""
    helpdesk = service(RELAY_PROCESS="on").start()
    assert helpdesk.whatsapp(RAMESH, "hi").status_code == 200
    twilio.wait_for(lambda calls: len(calls) >= 1)
    # The relay keeps the message's ID a moment after Twilio answered it.
    wait_until(lambda: message_id(helpdesk, RAMESH) is not None)
    sid = str(message_id(helpdesk, RAMESH))

    receipt = {
        "MessageSid": sid,
        "MessageStatus": "failed",
        "ErrorCode": "63018",
        "AccountSid": "AC" + "0b" * 16,
        "From": "whatsapp:+14155238886",
        "To": RAMESH,
    }
    assert helpdesk.twilio_post("/whatsapp/status", receipt).status_code == 204
    paused_at = time.time()
    assert helpdesk.whatsapp(LATA, "hi").status_code == 200

    twilio.wait_for(lambda calls: any(c.form().get("To") == [LATA] for c in calls))
    [to_lata] = [c for c in twilio.calls() if c.form().get("To") == [LATA]]
    assert to_lata.at - paused_at > 2.5


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_serve_processes_on_postgresql_send_each_reply_once(
    service: ServiceFactory, telegram: Recorder, database_url: str
) -> None:
    """Two `serve` on one PostgreSQL database, each with its relay process: every chat is
    answered once, whichever server took its message and whichever relay sent the reply."""
    first = service(RELAY_PROCESS="on", DATABASE_URL=database_url).start()
    second = service(RELAY_PROCESS="on", DATABASE_URL=database_url).start()
    chats = range(7201, 7221)
    for index, chat in enumerate(chats):
        helpdesk = first if index % 2 else second
        assert helpdesk.telegram_update(telegram_message(chat, "/start")).status_code == 200

    telegram.wait_for(lambda _: all(telegram.texts_to(chat) for chat in chats))
    time.sleep(1.0)  # a reply sent twice would come by now
    assert all(len(telegram.texts_to(chat)) == 1 for chat in chats)
    assert first.stop() == 0 and second.stop() == 0
