"""Webhooks under hostile and broken input: never a 500, never half-applied.

Every webhook route of one served helpdesk (Telegram in webhook mode, WhatsApp through
Twilio, the JIRA mirror) gets forged and broken requests: a 4xx, or a polite 2xx for what is
ignored, and nothing stored. With the database unreachable the answer is 503, so that the
provider delivers again, and a later delivery of the same message is handled once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.requests import Request

from adapters.http import MAX_BODY_BYTES, Refused, form_fields, read_body
from bot.app import create_app
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.engine import session_factory
from db.models import Conversation, InboundMessage, OutboxMessage, Ticket
from db.uow import UnitOfWork
from tests.conftest import FixedClock
from tests.telegram_fake import BOT_USER, FakeTelegram, next_id, private_text
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, incoming_message, signed, status_callback

PUBLIC_URL = "https://helpdesk.example.org"
TELEGRAM_SECRET = "hostile-test-secret_1"
JIRA_SECRET = "jira-hook-secret"
REPORTER = 5001
RAMESH = "whatsapp:+919876543210"
TOO_BIG = b"x" * (MAX_BODY_BYTES + 1)
JSONDict = dict[str, Any]


@dataclass
class Served:
    helpdesk: Helpdesk
    client: httpx.AsyncClient

    async def telegram(
        self,
        body: object = None,
        *,
        content: bytes | None = None,
        secret: str | None = TELEGRAM_SECRET,
        content_type: str | None = "application/json",
    ) -> httpx.Response:
        headers = {}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        if content_type is not None:
            headers["Content-Type"] = content_type
        raw = content if content is not None else json.dumps(body).encode()
        return await self.client.post("/telegram/webhook", content=raw, headers=headers)

    async def twilio(
        self,
        path: str,
        form: dict[str, str] | None = None,
        *,
        content: bytes | None = None,
        sign: bool = True,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> httpx.Response:
        """POST a form (or raw bytes), signed as Twilio signs what it sends."""
        raw = content if content is not None else urlencode(form or {}).encode()
        headers = {"Content-Type": content_type}
        if sign:
            parsed = form if form is not None else form_fields(raw)
            headers["X-Twilio-Signature"] = signed(f"{PUBLIC_URL}{path}", parsed, AUTH_TOKEN)[
                "X-Twilio-Signature"
            ]
        return await self.client.post(path, content=raw, headers=headers)

    async def jira(
        self,
        body: object = None,
        *,
        content: bytes | None = None,
        secret: str = JIRA_SECRET,
        content_type: str = "application/json",
    ) -> httpx.Response:
        raw = content if content is not None else json.dumps(body).encode()
        return await self.client.post(
            f"/jira/webhook?secret={secret}", content=raw, headers={"Content-Type": content_type}
        )


@pytest.fixture
async def served(
    database_url: str, config: HelpdeskConfig, clock: FixedClock, fake: FakeTelegram
) -> AsyncIterator[Served]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        public_url=PUBLIC_URL,
        telegram_bot_token=SecretStr(fake.token),
        telegram_api_base_url=fake.base_url,
        telegram_mode="webhook",
        telegram_webhook_secret=SecretStr(TELEGRAM_SECRET),
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=SecretStr(AUTH_TOKEN),
        twilio_whatsapp_from="whatsapp:+14155238886",
        # Nothing is sent in these tests (no relay), so JIRA itself is never called.
        jira_url="http://127.0.0.1:9",
        jira_email="helpdesk@example.org",
        jira_api_token=SecretStr("jira-api-token"),
        jira_project_key="EGOV",
        jira_webhook_secret=SecretStr(JIRA_SECRET),
    )
    helpdesk = build(settings, clock=clock, config=config)
    app = create_app(helpdesk, run_relay=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client,
    ):
        yield Served(helpdesk, client)


@dataclass
class Unreachable:
    """A database that cannot be opened (its directory does not exist)."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    def units(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)


@pytest.fixture
async def unreachable(tmp_path: Path) -> AsyncIterator[Unreachable]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'helpdesk.db'}")
    yield Unreachable(engine, session_factory(engine))
    await engine.dispose()


async def stored(helpdesk: Helpdesk) -> dict[str, int]:
    counts = {}
    async with helpdesk.unit_of_work() as uow:
        for model in (InboundMessage, OutboxMessage, Conversation, Ticket):
            query = select(func.count()).select_from(model)
            counts[model.__tablename__] = (await uow.session.execute(query)).scalar_one()
    return counts


NOTHING = {"inbound_messages": 0, "outbox": 0, "conversations": 0, "tickets": 0}


async def inbound_texts(helpdesk: Helpdesk) -> list[tuple[str, str]]:
    async with helpdesk.unit_of_work() as uow:
        rows = await uow.session.execute(
            select(InboundMessage.text, InboundMessage.status).order_by(InboundMessage.id)
        )
        return [(text, status) for text, status in rows]


def update(payload: JSONDict) -> JSONDict:
    return {"update_id": next_id(), **payload}


def user(user_id: int = REPORTER, is_bot: bool = False) -> JSONDict:
    return {"id": user_id, "is_bot": is_bot, "first_name": "Ramesh"}


def private_message(**content: Any) -> JSONDict:
    return {
        "message_id": next_id(),
        "from": user(),
        "chat": {"id": REPORTER, "first_name": "Ramesh", "type": "private"},
        "date": 1_795_000_000,
        **content,
    }


# -- reading the body ---------------------------------------------------------------------------


def request_with(headers: list[tuple[bytes, bytes]], receive: Any) -> Request:
    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": headers}
    return Request(scope, receive)


async def test_a_declared_oversized_body_is_refused_without_reading_it() -> None:
    async def receive() -> JSONDict:
        raise AssertionError("the body was read")

    declared = str(MAX_BODY_BYTES + 1).encode()
    with pytest.raises(Refused) as refused:
        await read_body(request_with([(b"content-length", declared)], receive))
    assert refused.value.status == 413


async def test_an_undeclared_body_is_read_only_until_it_is_too_big() -> None:
    pulled = 0

    async def receive() -> JSONDict:  # an endless chunked body
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 65_536, "more_body": True}

    with pytest.raises(Refused) as refused:
        await read_body(request_with([], receive))
    assert refused.value.status == 413
    assert pulled == MAX_BODY_BYTES // 65_536 + 1


async def test_a_nonsense_content_length_is_refused() -> None:
    async def receive() -> JSONDict:
        raise AssertionError("the body was read")

    for value in (b"-1", b"ten", b"1e9", b"", "٣".encode()):
        with pytest.raises(Refused) as refused:
            await read_body(request_with([(b"content-length", value)], receive))
        assert refused.value.status == 400


# -- Telegram -------------------------------------------------------------------------------------


async def test_telegram_refuses_requests_that_are_not_updates(served: Served) -> None:
    hello = update(private_text(REPORTER, "hello"))
    assert (await served.telegram(hello, secret=None)).status_code == 403
    assert (await served.telegram(hello, secret="guess")).status_code == 403
    assert (await served.telegram(hello, content_type="text/plain")).status_code == 415
    assert (
        await served.telegram(hello, content_type="application/x-www-form-urlencoded")
    ).status_code == 415

    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 8192 + 2):
            yield b" " * 8192

    oversized = await served.client.post(
        "/telegram/webhook",
        content=chunked(),
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    assert oversized.status_code == 413
    assert (await served.telegram(content=TOO_BIG)).status_code == 413

    broken: list[bytes] = [
        b"",
        b"{",
        b'{"update_id": 1,',
        b"\xff\xfe{}",  # not UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # nests deeper than a parser's stack
        json.dumps({"update_id": 1, "message": _nested(200)}).encode(),
    ]
    shapes: list[object] = [
        [],
        [hello],
        42,
        "update",
        None,
        True,
        {},  # no update_id
        {"update_id": 1, "message": "hello"},
        {"update_id": 1, "message": {}},
        update({"message": private_message(text=12345)}),
        update({"message": private_message(text=["a"])}),
        update({"message": {**private_message(text="hi"), "chat": 5}}),
        update({"message": {**private_message(text="hi"), "chat": {"id": "x", "type": "private"}}}),
        update({"message": {**private_message(text="hi"), "from": 7}}),
        update({"message": private_message(text="hi", date=10**13)}),
        update({"message": private_message(photo="not a list")}),
        update({"callback_query": {"id": "1", "from": user(), "data": "x"}}),
    ]
    for body in broken:
        answer = await served.telegram(content=body)
        assert answer.status_code == 400, (body[:40], answer.status_code, answer.text)
    for shape in shapes:
        answer = await served.telegram(shape)
        assert answer.status_code == 400, (shape, answer.status_code, answer.text)
    assert await stored(served.helpdesk) == NOTHING


def _nested(depth: int) -> JSONDict:
    value: JSONDict = {}
    for _ in range(depth):
        value = {"reply_to_message": value}
    return value


STICKER = {
    "file_id": "CAACAgIAAxkBAAIBY2",
    "file_unique_id": "AgADmQADUomRIw",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}
CHANNEL = {"id": -1001234567890, "title": "MUKTA news", "type": "channel"}


# Updates the bot does not take: other kinds, bots, and messages with nothing to read.
IGNORED_UPDATES: dict[str, JSONDict] = {
    "edited": {"edited_message": private_message(text="hi", edit_date=1)},
    "channel_post": {
        "channel_post": {
            "message_id": 7,
            "sender_chat": CHANNEL,
            "chat": CHANNEL,
            "date": 1_795_000_000,
            "text": "status MK-1001",
        }
    },
    "my_chat_member": {
        "my_chat_member": {
            "chat": {"id": REPORTER, "first_name": "Ramesh", "type": "private"},
            "from": user(),
            "date": 1_795_000_000,
            "old_chat_member": {"user": BOT_USER, "status": "member"},
            "new_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
        }
    },
    "inline_query": {"inline_query": {"id": "42", "from": user(), "query": "MK", "offset": ""}},
    "poll": {
        "poll": {
            "id": "5",
            "question": "Lunch?",
            "options": [{"text": "Yes", "voter_count": 0, "persistent_id": "0"}],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    },
    "from_a_bot": {"message": {**private_message(text="hi"), "from": user(4242, is_bot=True)}},
    "sticker": {"message": private_message(sticker=STICKER)},
    "location": {"message": private_message(location={"latitude": 20.29, "longitude": 85.82})},
    "blank_text": {"message": private_message(text="   ")},
    "for_another_bot": {"message": private_message(text="/start@another_bot")},
    "nothing_in_it": {"unknown_kind": {"x": 1}},
}


async def test_telegram_acknowledges_updates_it_does_not_take_and_stores_nothing(
    served: Served,
) -> None:
    for kind, payload in IGNORED_UPDATES.items():
        answer = await served.telegram(update(payload))
        assert answer.status_code == 200, (kind, answer.status_code, answer.text)
    assert (await served.telegram({"update_id": "one"})).status_code == 200
    assert await stored(served.helpdesk) == NOTHING


async def test_telegram_with_the_database_down_answers_503_then_takes_the_redelivery(
    served: Served, unreachable: Unreachable
) -> None:
    dispatcher = served.helpdesk.dispatcher
    working = dispatcher.units
    hello = update(private_text(REPORTER, "hello"))
    dispatcher.units = unreachable.units
    answer = await served.telegram(hello)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()

    dispatcher.units = working
    assert await stored(served.helpdesk) == NOTHING
    assert (await served.telegram(hello)).status_code == 200
    assert (await served.telegram(hello)).status_code == 200  # delivered once more: ignored
    assert await inbound_texts(served.helpdesk) == [("hello", "processed")]


async def test_telegram_text_the_database_cannot_store_is_kept_readable(served: Served) -> None:
    # NUL (which PostgreSQL refuses) and a lone surrogate (not UTF-8) arrive as JSON escapes …
    answer = await served.telegram(update(private_text(REPORTER, "bill\u0000 42 \ud83d ok")))
    assert answer.status_code == 200
    # … or a surrogate as the raw bytes of one, or the escapes in JSON sent as UTF-16.
    raw = json.dumps(update(private_text(REPORTER, "raw SURROGATE bytes"))).encode()
    answer = await served.telegram(content=raw.replace(b"SURROGATE", b"\xed\xa0\xbd"))
    assert answer.status_code == 200
    wide = json.dumps(update(private_text(REPORTER, "wide \u0000 \udc00")))
    answer = await served.telegram(content=wide.encode("utf-16"))
    assert answer.status_code == 200
    # (And UTF-8 that starts with a byte-order mark, as JSON parsers take it.)
    marked = json.dumps(update(private_text(REPORTER, "marked")), ensure_ascii=False)
    answer = await served.telegram(content=marked.encode("utf-8-sig"))
    assert answer.status_code == 200
    assert await inbound_texts(served.helpdesk) == [
        ("bill\ufffd 42 \ufffd ok", "processed"),
        ("raw \ufffd bytes", "processed"),
        ("wide \ufffd \ufffd", "processed"),
        ("marked", "processed"),
    ]


# -- WhatsApp (Twilio) ----------------------------------------------------------------------------


async def test_whatsapp_refuses_forged_and_broken_forms(served: Served) -> None:
    hello = incoming_message(RAMESH, "hello")
    path = "/whatsapp/webhook"
    assert (await served.twilio(path, hello, sign=False)).status_code == 403
    forged = dict(hello, Body="status MK-1001")
    tampered = await served.client.post(
        path,
        content=urlencode(forged).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signed(f"{PUBLIC_URL}{path}", hello, AUTH_TOKEN)[
                "X-Twilio-Signature"
            ],
        },
    )
    assert tampered.status_code == 403
    assert (await served.twilio(path, hello, content_type="application/json")).status_code == 415
    assert (await served.twilio(path, content=TOO_BIG)).status_code == 413
    too_many = {f"Field{n}": "x" for n in range(500)}
    assert (await served.twilio(path, too_many)).status_code == 400

    # Signed, but not a message the helpdesk can read.
    for broken in (
        dict(hello, From="whatsapp:"),  # no number
        dict(hello, From="whatsapp:+-"),
        dict(hello, NumMedia="lots"),
        dict(hello, NumMedia="1.5"),
    ):
        answer = await served.twilio(path, broken)
        assert answer.status_code == 400, (broken, answer.status_code)
    # Signed, and not a WhatsApp message at all: acknowledged, ignored.
    for ignored in (
        {},
        dict(hello, From="+919876543210"),  # SMS, not WhatsApp
        dict(hello, MessageSid=""),
    ):
        answer = await served.twilio(path, ignored)
        assert answer.status_code == 200, (ignored, answer.status_code)
    for garbage in (b"%zz&&==&=&%", b"\xff\xfe\x00\x01", b"Body=" + b"%" * 100):
        answer = await served.twilio(path, content=garbage)
        assert answer.status_code == 200, (garbage, answer.status_code)
    assert await stored(served.helpdesk) == NOTHING


async def test_whatsapp_status_refuses_forged_and_broken_callbacks(served: Served) -> None:
    path = "/whatsapp/status"
    receipt = status_callback("SM" + "0" * 32, "failed", "63024")
    assert (await served.twilio(path, receipt, sign=False)).status_code == 403
    assert (await served.twilio(path, receipt, content_type="text/plain")).status_code == 415
    assert (await served.twilio(path, content=TOO_BIG)).status_code == 413
    # Signed, about no message the helpdesk sent: nothing to do.
    assert (await served.twilio(path, receipt)).status_code == 204
    assert (await served.twilio(path, {})).status_code == 204
    assert (await served.twilio(path, content=b"\xff%zz")).status_code == 204
    assert await stored(served.helpdesk) == NOTHING


async def test_whatsapp_with_the_database_down_answers_503_then_takes_the_redelivery(
    served: Served, unreachable: Unreachable
) -> None:
    dispatcher, helpdesk = served.helpdesk.dispatcher, served.helpdesk
    working_units, working_sessions = dispatcher.units, helpdesk.sessions
    hello = incoming_message(RAMESH, "hello")
    dispatcher.units = unreachable.units
    helpdesk.sessions = unreachable.sessions
    assert (await served.twilio("/whatsapp/webhook", hello)).status_code == 503
    receipt = status_callback("SM" + "1" * 32, "delivered")
    assert (await served.twilio("/whatsapp/status", receipt)).status_code == 503

    dispatcher.units, helpdesk.sessions = working_units, working_sessions
    assert await stored(helpdesk) == NOTHING
    assert (await served.twilio("/whatsapp/webhook", hello)).status_code == 200
    assert (await served.twilio("/whatsapp/webhook", hello)).status_code == 200
    assert await inbound_texts(helpdesk) == [("hello", "processed")]


async def test_whatsapp_text_the_database_cannot_store_is_kept_readable(served: Served) -> None:
    answer = await served.twilio("/whatsapp/webhook", incoming_message(RAMESH, "bill\x00 42"))
    assert answer.status_code == 200
    assert await inbound_texts(served.helpdesk) == [("bill\ufffd 42", "processed")]


# -- JIRA ----------------------------------------------------------------------------------------

REPORTER_COMMENT = {
    "webhookEvent": "comment_created",
    "issue": {"key": "EGOV-1", "fields": {"labels": ["helpdesk", "helpdesk-MK-1001"]}},
    "comment": {"id": "10001", "body": "[reporter] Fixed", "author": {"displayName": "Kiran"}},
}


async def test_jira_refuses_forged_and_broken_events(served: Served) -> None:
    assert (await served.jira(REPORTER_COMMENT, secret="")).status_code == 403
    assert (await served.jira(REPORTER_COMMENT, secret="guess")).status_code == 403
    answer = await served.jira(REPORTER_COMMENT, content_type="text/plain")
    assert answer.status_code == 415
    assert (await served.jira(content=TOO_BIG)).status_code == 413
    for body in (b"", b"{", b"\xff", b"[" * 100_000 + b"]" * 100_000):
        assert (await served.jira(content=body)).status_code == 400, body[:20]
    shapes: list[object] = [
        [],
        [REPORTER_COMMENT],
        7,
        "event",
        None,
        {"webhookEvent": "jira:issue_updated", "issue": ["EGOV-1"]},
        {"webhookEvent": "jira:issue_updated", "issue": {"key": "EGOV-1", "fields": "x"}},
        {"webhookEvent": "jira:issue_updated", "issue": {"fields": {"labels": 5}}},
        {"webhookEvent": "jira:issue_updated", "changelog": {"items": ["status"]}},
        {"webhookEvent": "jira:issue_updated", "changelog": "status"},
        {"webhookEvent": "comment_created", "comment": ["[reporter] hi"]},
        {"webhookEvent": "comment_created", "comment": {"body": "[reporter] x", "author": 3}},
    ]
    for shape in shapes:
        answer = await served.jira(shape)
        assert answer.status_code == 400, (shape, answer.status_code)
    # Events the mirror does not act on, and comments on issues it does not know.
    for ignored in ({}, {"webhookEvent": "jira:issue_deleted"}, REPORTER_COMMENT):
        assert (await served.jira(ignored)).status_code == 204
    assert await stored(served.helpdesk) == NOTHING


async def test_webhooks_take_only_posts(served: Served) -> None:
    """Providers only POST; anything else at a webhook's address is refused by the router
    (the webhooks' own lane takes POSTs only), and nothing is stored."""
    hello = json.dumps(update(private_text(REPORTER, "hello"))).encode()
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    for path in ("/telegram/webhook", "/whatsapp/webhook", "/whatsapp/status", "/jira/webhook"):
        for method in ("GET", "PUT", "DELETE"):
            answer = await served.client.request(method, path, content=hello, headers=headers)
            assert answer.status_code == 405, (method, path)
    assert await stored(served.helpdesk) == NOTHING


async def test_jira_with_the_database_down_answers_503(
    served: Served, unreachable: Unreachable
) -> None:
    jira = served.helpdesk.jira
    assert jira is not None
    working = jira.units
    jira.units = unreachable.units
    answer = await served.jira(REPORTER_COMMENT)
    assert answer.status_code == 503
    jira.units = working
    assert (await served.jira(REPORTER_COMMENT)).status_code == 204


async def test_health_reports_an_unreachable_database_as_503(
    served: Served, unreachable: Unreachable
) -> None:
    assert (await served.client.get("/healthz")).status_code == 200
    working = served.helpdesk.engine
    served.helpdesk.engine = unreachable.engine
    try:
        answer = await served.client.get("/healthz")
    finally:
        served.helpdesk.engine = working
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "unreachable"}
