"""The fake Twilio server, driven by the real twilio client over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.twilio_fake import (
    ACCOUNT_SID,
    FakeTwilio,
    create_schema,
    incoming_message,
    signed,
    status_callback,
)

TO = "whatsapp:+919876543210"
FROM = "whatsapp:+14155238886"
SERVICE = "MG" + "0123456789abcdef" * 2
TEMPLATE = "HX" + "fedcba9876543210" * 2
CALLBACK = "https://helpdesk.example.org/whatsapp/status"
SID = re.compile(r"^SM[0-9a-f]{32}$")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


def _client(fake: FakeTwilio, http: AsyncTwilioHttpClient, token: str | None = None) -> Client:
    client = Client(fake.account_sid, token or fake.auth_token, http_client=http)
    client.api.base_url = fake.base_url
    return client


@pytest.fixture
async def http() -> AsyncIterator[AsyncTwilioHttpClient]:
    http_client = AsyncTwilioHttpClient()
    try:
        yield http_client
    finally:
        await http_client.close()


@pytest.fixture
def client(fake: FakeTwilio, http: AsyncTwilioHttpClient) -> Client:
    return _client(fake, http)


async def test_create_with_from_and_body(fake: FakeTwilio, client: Client) -> None:
    message = await client.messages.create_async(to=TO, from_=FROM, body="Ticket MK-1001 opened")

    assert SID.match(message.sid)
    assert message.sid == fake.resources[0]["sid"]
    assert message.status == "queued"
    assert (message.to, message.from_) == (TO, FROM)
    assert message.body == "Ticket MK-1001 opened"
    assert message.num_segments == "1"
    assert message.direction == "outbound-api"
    assert message.account_sid == fake.account_sid
    assert message.api_version == "2010-04-01"
    assert isinstance(message.date_created, datetime)
    assert message.uri == f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{message.sid}.json"
    assert fake.messages == [{"To": TO, "From": FROM, "Body": "Ticket MK-1001 opened"}]
    assert fake.bodies() == ["Ticket MK-1001 opened"]
    assert fake.bodies(to="whatsapp:+911111111111") == []
    assert fake.requests == [
        ("POST", f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json", 201)
    ]
    assert fake.invalid == []


async def test_sids_are_unique(fake: FakeTwilio, client: Client) -> None:
    sent = [await client.messages.create_async(to=TO, from_=FROM, body=f"{i}") for i in range(3)]

    assert len({message.sid for message in sent}) == 3
    assert fake.bodies(TO) == ["0", "1", "2"]


async def test_template_through_messaging_service(fake: FakeTwilio, client: Client) -> None:
    variables = json.dumps({"1": "MK-1001", "2": "ଆପଣଙ୍କ ଟିକେଟ୍ ବନ୍ଦ ହେଲା"})
    message = await client.messages.create_async(
        to=TO,
        messaging_service_sid=SERVICE,
        content_sid=TEMPLATE,
        content_variables=variables,
        status_callback=CALLBACK,
    )

    assert SID.match(message.sid)
    assert message.messaging_service_sid == SERVICE
    assert message.from_ is None
    assert fake.messages == [
        {
            "To": TO,
            "MessagingServiceSid": SERVICE,
            "ContentSid": TEMPLATE,
            "ContentVariables": variables,
            "StatusCallback": CALLBACK,
        }
    ]
    assert json.loads(fake.messages[0]["ContentVariables"])["2"] == "ଆପଣଙ୍କ ଟିକେଟ୍ ବନ୍ଦ ହେଲା"
    assert fake.bodies() == []  # a template has no Body


async def test_media_urls_repeat(fake: FakeTwilio, client: Client) -> None:
    urls = ["https://cdn.example.org/a.jpg", "https://cdn.example.org/b.pdf"]
    message = await client.messages.create_async(to=TO, from_=FROM, media_url=urls)

    assert message.num_media == "2"
    assert fake.messages[0]["MediaUrl"] == urls


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": "", "from_": FROM, "body": "hi"}, 21604),
        ({"to": TO, "body": "hi"}, 21603),
        ({"to": TO, "from_": FROM}, 21602),
        ({"to": TO, "messaging_service_sid": SERVICE, "body": ""}, 21602),
        ({"to": TO, "from_": FROM, "content_variables": '{"1": "x"}'}, 21602),
        ({"to": TO, "from_": FROM, "body": "hi", "status_callback": "not a url"}, 21609),
        ({"to": TO, "from_": FROM, "body": "hi", "status_callback": "ftp://x.org/s"}, 21609),
        ({"to": TO, "from_": FROM, "body": "x" * 1601}, 21617),
        ({"to": TO, "from_": "+14155238886", "body": "hi"}, 21910),
        ({"to": "whatsapp:9876543210", "from_": FROM, "body": "hi"}, 21211),
        ({"to": TO, "from_": "whatsapp:14155238886", "body": "hi"}, 21212),
        ({"to": TO, "messaging_service_sid": "MG123", "body": "hi"}, 20001),
        ({"to": TO, "from_": FROM, "content_sid": "HX-not-a-sid"}, 20001),
        ({"to": TO, "from_": FROM, "body": "hi", "validity_period": 1.5}, 20001),
        ({"to": TO, "from_": FROM, "body": "hi", "risk_check": "maybe"}, 20001),
        ({"to": TO, "from_": FROM, "content_sid": TEMPLATE, "content_variables": "{1: x}"}, 21656),
        ({"to": TO, "from_": FROM, "content_sid": TEMPLATE, "content_variables": "[]"}, 21656),
    ],
)
async def test_invalid_creates_are_rejected(
    fake: FakeTwilio, client: Client, fields: dict[str, Any], code: int
) -> None:
    with pytest.raises(TwilioRestException) as raised:
        await client.messages.create_async(**fields)

    assert (raised.value.status, raised.value.code) == (400, code)
    assert raised.value.msg.startswith("Unable to create record: ")
    assert fake.messages == []
    assert len(fake.invalid) == 1
    params, reason = fake.invalid[0]
    assert params["To"] == fields["to"]
    assert reason in raised.value.msg
    assert fake.requests[-1][2] == 400


async def test_unknown_parameter_is_rejected(fake: FakeTwilio, client: Client) -> None:
    # `MessageIntent` is a parameter of twilio-python 9.13 that the spec does not list.
    with pytest.raises(TwilioRestException) as raised:
        await client.messages.create_async(to=TO, from_=FROM, body="hi", message_intent="otp")
    assert (raised.value.status, raised.value.code) == (400, 20001)
    assert "MessageIntent" in raised.value.msg

    uri = f"/Accounts/{fake.account_sid}/Messages.json"
    data = {"To": TO, "From": FROM, "Body": "hi", "Colour": "blue"}
    with pytest.raises(TwilioRestException) as raised:
        await client.api.v2010.create_async("POST", uri, data=data)
    assert (raised.value.status, raised.value.code) == (400, 20001)
    assert fake.invalid[-1] == (data, "Unknown parameter `Colour`")
    assert fake.messages == []
    assert "MessageIntent" not in create_schema()["properties"]


async def test_wrong_credentials_401(fake: FakeTwilio, http: AsyncTwilioHttpClient) -> None:
    client = _client(fake, http, token="wrong-token")

    with pytest.raises(TwilioRestException) as raised:
        await client.messages.create_async(to=TO, from_=FROM, body="hi")

    assert (raised.value.status, raised.value.code) == (401, 20003)
    assert fake.messages == []
    assert fake.requests[-1][2] == 401


async def test_other_account_in_path_404(fake: FakeTwilio, client: Client) -> None:
    other = "AC" + "ab" * 16
    with pytest.raises(TwilioRestException) as raised:
        await client.api.v2010.accounts(other).messages.create_async(to=TO, from_=FROM, body="x")

    assert (raised.value.status, raised.value.code) == (404, 20404)
    assert fake.messages == []


async def test_fail_next_then_succeed(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(429, 20429, "Too Many Requests")

    with pytest.raises(TwilioRestException) as raised:
        await client.messages.create_async(to=TO, from_=FROM, body="first")
    assert (raised.value.status, raised.value.code) == (429, 20429)
    assert "Too Many Requests" in raised.value.msg

    message = await client.messages.create_async(to=TO, from_=FROM, body="second")
    assert SID.match(message.sid)
    assert fake.bodies() == ["second"]
    assert [status for _, _, status in fake.requests] == [429, 201]


async def test_fail_next_times(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(503, 20503, "Service Unavailable", times=2)

    for _ in range(2):
        with pytest.raises(TwilioRestException) as raised:
            await client.messages.create_async(to=TO, from_=FROM, body="x")
        assert (raised.value.status, raised.value.code) == (503, 20503)
    await client.messages.create_async(to=TO, from_=FROM, body="x")
    assert [status for _, _, status in fake.requests] == [503, 503, 201]


async def test_media_needs_basic_auth(fake: FakeTwilio) -> None:
    url = fake.add_media("photos/road.jpg", b"\xff\xd8jpeg-bytes", "image/jpeg")

    assert re.fullmatch(
        rf"{re.escape(fake.base_url)}/2010-04-01/Accounts/{fake.account_sid}"
        r"/Messages/MM[0-9a-f]{32}/Media/ME[0-9a-f]{32}",
        url,
    )
    async with httpx.AsyncClient(timeout=5, follow_redirects=True) as http:
        anonymous = await http.get(url)
        wrong = await http.get(url, auth=(fake.account_sid, "nope"))
        good = await http.get(url, auth=(fake.account_sid, fake.auth_token))
        missing = await http.get(url[:-4] + "0000", auth=(fake.account_sid, fake.auth_token))

    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == 20003
    assert wrong.status_code == 401
    assert good.status_code == 200 and good.history[0].status_code == 302
    assert good.url.path.startswith("/cdn/ME")
    assert good.content == b"\xff\xd8jpeg-bytes"
    assert good.headers["content-type"] == "image/jpeg"
    assert missing.status_code == 404
    assert fake.media[url.rsplit("/", 1)[1]].name == "road.jpg"


async def test_unknown_path_404(fake: FakeTwilio) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.get(f"{fake.base_url}/2010-04-01/Accounts.json")

    assert response.status_code == 404
    assert response.json() == {
        "code": 20404,
        "message": "The requested resource /2010-04-01/Accounts.json was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    assert fake.requests == [("GET", "/2010-04-01/Accounts.json", 404)]


async def test_wait_for_messages(fake: FakeTwilio, client: Client) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await client.messages.create_async(to=TO, from_=FROM, body="late")

    task = asyncio.create_task(later())
    found = await fake.wait_for_messages(1, to=TO, timeout=5)
    await task

    assert [m["Body"] for m in found] == ["late"]
    with pytest.raises(AssertionError, match="expected 2 message"):
        await fake.wait_for_messages(2, timeout=0.1)


def test_signed_headers_validate() -> None:
    url = "https://helpdesk.example.org/whatsapp/webhook"
    form = incoming_message(TO, "Road not repaired near ward 12")
    headers = signed(url, form, "test-auth-token")
    signature = headers["X-Twilio-Signature"]
    validator = RequestValidator("test-auth-token")

    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert validator.validate(url, form, signature)
    assert not validator.validate(url, {**form, "Body": "something else"}, signature)
    assert not validator.validate(url + "?x=1", form, signature)
    assert not RequestValidator("other-token").validate(url, form, signature)


def test_incoming_message_form() -> None:
    form = incoming_message(TO, "Bill pending", profile_name="Sita")

    assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"])
    assert form["SmsMessageSid"] == form["SmsSid"] == form["MessageSid"]
    assert form["AccountSid"] == ACCOUNT_SID
    assert (form["From"], form["To"], form["Body"]) == (TO, "whatsapp:+14155238886", "Bill pending")
    assert form["WaId"] == "919876543210"
    assert form["ProfileName"] == "Sita"
    assert form["NumMedia"] == "0"
    assert form["SmsStatus"] == "received"
    assert form["NumSegments"] == "1"
    assert form["ReferralNumMedia"] == "0"
    assert form["ApiVersion"] == "2010-04-01"
    assert "MessagingServiceSid" not in form
    assert incoming_message(TO, "x")["MessageSid"] != incoming_message(TO, "x")["MessageSid"]

    media = [("https://api.twilio.com/m/ME1", "image/jpeg"), ("https://x/ME2", "application/pdf")]
    with_media = incoming_message(
        TO, "", sid="MM" + "1" * 32, media=media, messaging_service_sid=SERVICE
    )
    assert with_media["MessageSid"] == "MM" + "1" * 32
    assert with_media["NumMedia"] == "2"
    assert with_media["MediaUrl1"] == "https://x/ME2"
    assert with_media["MediaContentType0"] == "image/jpeg"
    assert with_media["MessagingServiceSid"] == SERVICE


def test_status_callback_form() -> None:
    delivered = status_callback("SM" + "2" * 32, "delivered")
    failed = status_callback("SM" + "2" * 32, "undelivered", error_code="63016", to=TO)

    assert delivered["MessageSid"] == delivered["SmsSid"] == "SM" + "2" * 32
    assert delivered["MessageStatus"] == delivered["SmsStatus"] == "delivered"
    assert "ErrorCode" not in delivered
    assert delivered["ChannelPrefix"] == "whatsapp"
    assert delivered["AccountSid"] == ACCOUNT_SID
    assert failed["ErrorCode"] == "63016"
    assert failed["To"] == TO
    assert failed["ChannelToAddress"] == "+919876543210"
