"""Reporters' photos, documents and voice notes at Twilio: where a media URL may be fetched
from, with which credentials, and how much of it is read.

A webhook's `MediaUrl` is only what the form says. It is fetched when it is on the REST API's
own origin (TWILIO_API_BASE_URL: scheme, host and port exactly, HTTPS for Twilio's), and that
one request carries the account's credentials. Twilio answers it with a redirect to its media
CDN (`mms.twiliocdn.com` and the like): redirects are followed without credentials, each
target checked first (HTTPS on `*.twiliocdn.com` or the API's own origin). A
TWILIO_API_BASE_URL that is not Twilio's, a test server, is the only other origin trusted.
Nothing past `max_bytes` is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

TWILIO_API = "https://api.twilio.com"
TWILIO_DOMAIN = "twilio.com"
CDN_DOMAIN = "twiliocdn.com"
MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 30.0

Origin = tuple[str, str, int]


class MediaRefused(Exception):
    """The media is not fetched (or not kept): the reason says why, without the URL."""


@dataclass(frozen=True)
class Media:
    content: bytes
    content_type: str


def origin(url: httpx.URL) -> Origin:
    default = 443 if url.scheme == "https" else 80
    return (url.scheme, url.host, url.port or default)


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith(f".{domain}")


class TwilioMedia:
    def __init__(
        self, api_base_url: str, account_sid: str, auth_token: str, max_bytes: int
    ) -> None:
        base = httpx.URL(api_base_url)
        self.auth = (account_sid, auth_token)
        self.max_bytes = max_bytes
        # Twilio's own API is spoken to over HTTPS only; any other base is a test server.
        self.testing = not _under(base.host, TWILIO_DOMAIN)
        own = {origin(base)} if self.testing or base.scheme == "https" else set()
        if not self.testing:
            own.add(origin(httpx.URL(TWILIO_API)))
        self.api_origins = frozenset(own)

    def credentialed(self, url: httpx.URL) -> bool:
        """Whether `url` is the API's own: the only kind fetched first, with credentials."""
        return not url.userinfo and origin(url) in self.api_origins

    def followed(self, url: httpx.URL) -> bool:
        """Whether a redirect to `url` is followed (without credentials)."""
        if self.credentialed(url):
            return True
        return (
            not url.userinfo
            and origin(url) == ("https", url.host, 443)
            and _under(url.host, CDN_DOMAIN)
        )

    async def fetch(self, address: str) -> Media:
        """The media at `address`; `MediaRefused` when it may not be fetched or is too large,
        `httpx.HTTPError` when Twilio cannot give it."""
        try:
            url = httpx.URL(address)
        except httpx.InvalidURL as error:
            raise MediaRefused("not a URL") from error
        if not self.credentialed(url):
            raise MediaRefused("not on Twilio's API host")
        auth: tuple[str, str] | None = self.auth
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, trust_env=False) as http:
            for _ in range(MAX_REDIRECTS + 1):
                async with http.stream("GET", url, auth=auth) as response:
                    if not response.is_redirect:
                        response.raise_for_status()
                        return await self._read(response)
                    url = url.join(response.headers.get("location", ""))
                # The credentials went to the API host; the CDN's signed URL needs none.
                auth = None
                if not self.followed(url):
                    raise MediaRefused("redirected away from Twilio's hosts")
        raise MediaRefused("too many redirects")

    async def _read(self, response: httpx.Response) -> Media:
        declared = response.headers.get("content-length", "")
        # A length too long to be a size is not converted: it is more than allowed anyway.
        if declared.isdecimal() and (len(declared) > 18 or int(declared) > self.max_bytes):
            raise MediaRefused(f"larger than {self.max_bytes} bytes")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise MediaRefused(f"larger than {self.max_bytes} bytes")
            chunks.append(chunk)
        return Media(b"".join(chunks), response.headers.get("content-type", ""))
