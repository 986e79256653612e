"""Where a reporter's media may be fetched from: Twilio's API host (the only one given the
account's credentials) and its media CDN over HTTPS, or the configured test server."""

from __future__ import annotations

import httpx
import pytest

from adapters.whatsapp.media import MediaRefused, TwilioMedia
from adapters.whatsapp.wire import attachments_of, media_count

TWILIO = TwilioMedia("https://api.twilio.com", "AC1", "token", 1000)
TEST_SERVER = TwilioMedia("http://127.0.0.1:8099", "AC1", "token", 1000)
MEDIA = "/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


@pytest.mark.parametrize(
    ("url", "credentialed"),
    [
        (f"https://api.twilio.com{MEDIA}", True),
        (f"https://API.twilio.com:443{MEDIA}", True),
        (f"https://api.twilio.com.example.org{MEDIA}", False),
        (f"https://api.twilio.com@example.org{MEDIA}", False),
        (f"https://AC1:token@api.twilio.com{MEDIA}", False),
        (f"http://api.twilio.com{MEDIA}", False),
        (f"https://api.twilio.com:8443{MEDIA}", False),
        (f"https://mms.twiliocdn.com{MEDIA}", False),
        ("http://169.254.169.254/latest/meta-data/", False),
        ("http://10.0.0.7/Media/ME1", False),
        ("http://127.0.0.1:8099/Media/ME1", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_twilios_api_host_is_given_the_credentials(url: str, credentialed: bool) -> None:
    assert TWILIO.credentialed(httpx.URL(url)) is credentialed


@pytest.mark.parametrize(
    ("url", "followed"),
    [
        ("https://mms.twiliocdn.com/AC1/abc?Expires=1", True),
        ("https://media.twiliocdn.com/abc", True),
        (f"https://api.twilio.com{MEDIA}", True),
        ("http://mms.twiliocdn.com/abc", False),
        ("https://mms.twiliocdn.com:8443/abc", False),
        ("https://twiliocdn.com.example.org/abc", False),
        ("https://eviltwiliocdn.com/abc", False),
        ("https://s3.amazonaws.com/abc", False),
        ("http://169.254.169.254/latest/meta-data/", False),
    ],
)
def test_redirects_are_followed_only_to_twilios_hosts(url: str, followed: bool) -> None:
    assert TWILIO.followed(httpx.URL(url)) is followed


def test_a_test_server_is_the_only_other_origin_trusted() -> None:
    assert TEST_SERVER.credentialed(httpx.URL("http://127.0.0.1:8099/Media/ME1"))
    assert not TEST_SERVER.credentialed(httpx.URL("http://127.0.0.1:8098/Media/ME1"))
    assert not TEST_SERVER.credentialed(httpx.URL(f"https://api.twilio.com{MEDIA}"))
    # Twilio's own API spoken to over plain HTTP is no test server: nothing is trusted.
    plain = TwilioMedia("http://api.twilio.com", "AC1", "token", 1000)
    assert not plain.credentialed(httpx.URL(f"http://api.twilio.com{MEDIA}"))


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.1.2.3/Media/ME1",
        "https://api.twilio.com.example.org/Media/ME1",
        "not a url at all",
    ],
)
async def test_other_urls_are_refused_before_any_connection(url: str) -> None:
    with pytest.raises(MediaRefused):
        await TWILIO.fetch(url)


@pytest.mark.parametrize(
    ("given", "count"),
    [("", 0), ("0", 0), ("3", 3), ("10", 10), ("11", 10), ("0007", 7), ("9" * 5000, 10)],
)
def test_the_media_count_is_read_up_to_twilios_limit(given: str, count: int) -> None:
    assert media_count(given) == count


def test_a_huge_media_count_reads_only_the_media_there_are() -> None:
    form = {"NumMedia": "99999999999999999999", "MediaUrl0": "https://api.twilio.com/m/ME1"}
    assert [item.ref for item in attachments_of(form)] == ["https://api.twilio.com/m/ME1"]


@pytest.mark.parametrize("given", ["x", "-1", "١", "1e3"])
def test_a_media_count_that_is_no_number_is_refused(given: str) -> None:
    with pytest.raises(ValueError):
        media_count(given)
