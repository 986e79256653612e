"""Replies that fall due while nothing else happens still go out: after a provider outage
(the retry's backoff ends) and after `kill -9` (the dead process's lease ends), each is
handed to the provider within OUTBOX_POLL_SECONDS + 1 s of being due, with no other traffic.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.recorder import Recorder
from tests.blackbox.service import TWILIO_ACCOUNT_SID, Service

MESSAGES = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
POLL_SECONDS = 1.0
SLACK = 1.0
REPORTERS = [f"whatsapp:+9198765000{n:02d}" for n in range(6)]


def due_times(helpdesk: Service) -> dict[str, float]:
    """When each reporter's waiting reply falls due (its next_attempt_at), as time.time()."""
    rows = helpdesk.sql(
        "SELECT address, MAX(next_attempt_at) FROM outbox WHERE status = 'pending' "
        "AND channel = 'whatsapp' GROUP BY address"
    )
    return {
        f"whatsapp:{address.split(':', 1)[1]}": _epoch(value)
        for address, value in rows
        if address.startswith("whatsapp:")
    }


def _epoch(value: str) -> float:
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def first_accepted(twilio: Recorder, to: str) -> float | None:
    accepted = [r.at for r in twilio.to(MESSAGES) if r.form().get("To") == [to]]
    return min(accepted) if accepted else None


def wait_until(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def assert_each_sent_within_poll_of_due(twilio: Recorder, due: dict[str, float]) -> None:
    twilio.wait_for(lambda _: all(first_accepted(twilio, to) for to in due), timeout=60)
    late = {
        to: round(sent - due[to], 2)
        for to in due
        if (sent := first_accepted(twilio, to)) and sent - due[to] > POLL_SECONDS + SLACK
    }
    assert not late, f"seconds after falling due: {late}"


def test_replies_held_by_a_twilio_outage_go_out_when_their_retry_falls_due(
    service: ServiceFactory, twilio: Recorder
) -> None:
    helpdesk = service(OUTBOX_POLL_SECONDS=str(POLL_SECONDS)).start()
    twilio.fail()
    for reporter in REPORTERS:
        assert helpdesk.whatsapp(reporter, "hi").status_code == 200
    # Each reply was tried once, refused (503), and waits for its retry (backoff 2 s).
    twilio.wait_for(lambda seen: len([r for r in seen if r.status == 503]) >= len(REPORTERS))
    wait_until(lambda: len(due_times(helpdesk)) == len(REPORTERS))

    twilio.fail(False)  # Twilio is back; nobody writes
    due = due_times(helpdesk)

    assert set(due) == set(REPORTERS)
    assert_each_sent_within_poll_of_due(twilio, due)


def test_replies_held_by_a_killed_process_go_out_when_its_lease_ends(
    service: ServiceFactory, twilio: Recorder
) -> None:
    helpdesk = service(OUTBOX_POLL_SECONDS=str(POLL_SECONDS), OUTBOX_LEASE_SECONDS="10")
    helpdesk.start()
    twilio.hang()  # the relay's sends get no answer: their rows stay leased
    for reporter in REPORTERS:
        assert helpdesk.whatsapp(reporter, "hi").status_code == 200
    wait_until(lambda: len(due_times(helpdesk)) == len(REPORTERS))
    time.sleep(0.5)  # the sends are on their way to Twilio
    helpdesk.kill()
    twilio.hang(False)
    twilio.clear()
    due = due_times(helpdesk)  # when the dead process's leases end

    helpdesk.start()  # a quiet restart: nobody writes

    assert set(due) == set(REPORTERS)
    assert all(when > time.time() for when in due.values()), "leases ended before the restart"
    assert_each_sent_within_poll_of_due(twilio, due)
