"""The shipped configuration's console team chats under `serve`: their messages wait for a
chat session a while (OUTBOX_UNSERVED_MINUTES), then are marked expired and counted, rather
than left pending for ever; check-config names those chats."""

from __future__ import annotations

from bot.settings import ROOT
from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.recorder import Recorder
from tests.blackbox.test_channels import INTAKE, RAMESH, say_on_whatsapp
from tests.blackbox.test_media import wait_until

SHIPPED = ROOT / "config" / "helpdesk.toml"
EXPIRED = "messages expired: no channel of this service sends to their chats"


def test_messages_for_console_chats_expire_under_serve(
    service: ServiceFactory, twilio: Recorder
) -> None:
    helpdesk = service(HELPDESK_CONFIG=str(SHIPPED), OUTBOX_UNSERVED_MINUTES="0.05")
    checked = helpdesk.command("check-config")
    assert checked.returncode == 0, checked.stderr
    assert "team l1: console:team-l1 (read only by `python -m bot chat` sessions)" in (
        checked.stdout
    )
    helpdesk.start()

    say_on_whatsapp(helpdesk, twilio, "hi", "Choose your language")
    for answer in INTAKE[:-1]:
        assert helpdesk.whatsapp(RAMESH, answer).status_code == 200
    say_on_whatsapp(helpdesk, twilio, INTAKE[-1], "Please check your report")
    say_on_whatsapp(helpdesk, twilio, "1", "registered as ticket")

    def console_rows() -> list[tuple[str, str]]:
        return helpdesk.sql("SELECT address, status FROM outbox WHERE channel = 'console'")

    wait_until(lambda: console_rows() and all(s == "expired" for _, s in console_rows()))
    assert ("console:team-l1", "expired") in console_rows()

    def counted() -> int:
        warned = [e for e in helpdesk.log_entries() if e.get("message", "").startswith(EXPIRED)]
        return sum(entry["expired"]["console"] for entry in warned)

    wait_until(lambda: counted() == len(console_rows()))
    assert helpdesk.stop() == 0
