"""The emulators hold the helpdesk to the providers' contracts: prism refuses a Twilio call
that does not fit Twilio's description (or comes without credentials), and the recorder
passes its answers through. (The description is served with its form arrays as repeated
fields, as Twilio reads them: a message with several MediaUrl fits.)"""

from __future__ import annotations

import httpx

from tests.blackbox.recorder import Recorder
from tests.blackbox.service import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN

MESSAGES = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
AUTH = (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)


def test_prism_checks_message_creates_against_twilios_description(twilio: Recorder) -> None:
    with httpx.Client(base_url=twilio.url, trust_env=False, timeout=30) as client:
        fits = {"To": "whatsapp:+919876543210", "From": "whatsapp:+14155238886", "Body": "Hi"}
        media = {"MediaUrl": ["https://example.org/a.jpg", "https://example.org/b.pdf"]}
        assert client.post(MESSAGES, data=fits, auth=AUTH).status_code == 201
        with_media = client.post(MESSAGES, data={**fits, **media}, auth=AUTH)
        assert with_media.status_code == 201, with_media.text
        assert client.post(MESSAGES, data={"Body": "no To"}, auth=AUTH).status_code == 422
        assert client.post(MESSAGES, data=fits).status_code == 401

    assert [r.status for r in twilio.to(MESSAGES, ok=False)] == [201, 201, 422, 401]
