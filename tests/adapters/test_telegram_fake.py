"""The fake Telegram server, driven by the real python-telegram-bot client over loopback HTTP."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from tests.telegram_fake import (
    BOT_ID,
    NOT_MODIFIED,
    Call,
    FakeTelegram,
    Upload,
    callback,
    group_text,
    private_document,
    private_photo,
    private_text,
    private_voice,
)

USER = 4242
GROUP = -1001234567890
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Yes", callback_data="confirm:yes")],
        [InlineKeyboardButton("No", callback_data="confirm:no")],
    ]
)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(
        fake.token,
        base_url=f"http://127.0.0.1:{fake.port}/bot",
        base_file_url=f"http://127.0.0.1:{fake.port}/file/bot",
    ) as client:
        yield client


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def test_get_me_parses(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()

    assert me.id == BOT_ID
    assert me.is_bot is True
    assert me.username == "mukta_helpdesk_bot"
    assert me.first_name == "MUKTA Helpdesk"
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert bot.username == "mukta_helpdesk_bot"  # initialize() called getMe too
    assert [c.method for c in fake.calls] == ["getMe", "getMe"]
    assert fake.base_url == f"http://127.0.0.1:{fake.port}"


async def test_any_token_is_accepted_and_recorded(fake: FakeTelegram) -> None:
    async with fake.bot("555:OTHER") as other:
        await other.get_me()
    assert fake.token == "555:OTHER"
    assert "555:OTHER" in fake.tokens


async def test_send_message_round_trips_the_inline_keyboard(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Choose one", reply_markup=KEYBOARD)

    assert sent.message_id == 1
    assert sent.text == "Choose one"
    assert sent.chat.id == USER
    assert sent.chat.type == ChatType.PRIVATE
    assert sent.from_user is not None and sent.from_user.id == BOT_ID
    assert isinstance(sent.date, datetime)
    assert abs(sent.date.timestamp() - time.time()) < 5
    assert sent.reply_markup == KEYBOARD

    params = fake.sent(USER)
    assert len(params) == 1
    assert params[0]["chat_id"] == USER  # decoded to int
    assert params[0]["reply_markup"] == KEYBOARD.to_dict()  # decoded from the JSON string
    assert fake.message(USER, 1)["reply_markup"] == KEYBOARD.to_dict()

    second = await bot.send_message(USER, "42")
    assert second.message_id == 2
    assert fake.sent(USER)[1]["text"] == "42"  # a numeric text stays a string
    group = await bot.send_message(GROUP, "Team")
    assert group.message_id == 1  # ids count per chat
    assert group.chat.type == ChatType.SUPERGROUP
    assert group.chat.title


async def test_reply_keyboards_are_recorded_but_not_echoed(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Language?", reply_markup=ReplyKeyboardMarkup([["ଓଡ଼ିଆ"]]))

    assert sent.reply_markup is None  # Telegram echoes only inline keyboards
    assert fake.sent(USER)[0]["reply_markup"]["keyboard"] == [[{"text": "ଓଡ଼ିଆ"}]]


async def test_edit_message_text_changes_the_stored_message(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Ticket MK-1: open", reply_markup=KEYBOARD)

    edited = await bot.edit_message_text(
        "Ticket MK-1: closed", chat_id=USER, message_id=sent.message_id, reply_markup=KEYBOARD
    )

    assert not isinstance(edited, bool)
    assert edited.text == "Ticket MK-1: closed"
    assert edited.reply_markup == KEYBOARD
    assert edited.edit_date is not None
    stored = fake.message(USER, sent.message_id)
    assert stored["text"] == "Ticket MK-1: closed"
    assert stored["reply_markup"] == KEYBOARD.to_dict()

    with pytest.raises(BadRequest, match="not modified") as caught:
        await bot.edit_message_text(
            "Ticket MK-1: closed", chat_id=USER, message_id=sent.message_id, reply_markup=KEYBOARD
        )
    # PTB drops the "Bad Request: " prefix and capitalises the rest.
    assert caught.value.message == "M" + NOT_MODIFIED.removeprefix("Bad Request: m")
    assert fake.calls[-1].status == 400
    assert len(fake.sent(USER, "editMessageText")) == 1  # only the successful edit

    # Without reply_markup the keyboard goes, as on Telegram, so that is a modification.
    await bot.edit_message_text("Ticket MK-1: closed", chat_id=USER, message_id=sent.message_id)
    assert "reply_markup" not in fake.message(USER, sent.message_id)

    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)


async def test_edit_message_reply_markup(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Pick", reply_markup=KEYBOARD)
    smaller = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="confirm:yes")]])

    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=smaller)
    assert fake.message(USER, sent.message_id)["reply_markup"] == smaller.to_dict()
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=smaller)
    await bot.edit_message_reply_markup(USER, sent.message_id)
    assert "reply_markup" not in fake.message(USER, sent.message_id)
    assert fake.last_message(USER)["text"] == "Pick"
    assert [m["message_id"] for m in fake.messages(USER)] == [sent.message_id]


async def test_fail_next_429_raises_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)

    with warnings.catch_warnings():  # retry_after: an int in PTB 22, a timedelta later
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "first try")
        retry_after = caught.value.retry_after
    assert _seconds(retry_after) == 3

    await bot.send_message(USER, "second try")  # only the next call failed
    assert [(c.method, c.status) for c in fake.calls[-2:]] == [
        ("sendMessage", 429),
        ("sendMessage", 200),
    ]
    assert [p["text"] for p in fake.sent(USER)] == ["second try"]


async def test_fail_next_other_errors_and_times(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old", times=2)

    for _ in range(2):
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query("123")
    assert await bot.answer_callback_query("123", text="Done") is True
    assert fake.sent(method="answerCallbackQuery") == [{"callback_query_id": "123", "text": "Done"}]


async def test_blocked_chat_raises_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    fake.blocked_chats.add(USER)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hello")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER, "typing")
    assert fake.sent(USER) == []
    assert (await bot.send_message(USER + 1, "hello")).chat.id == USER + 1


async def test_private_text_update_parses(bot: Bot) -> None:
    update = Update.de_json({"update_id": 7, **private_text(USER, "/start ticket")}, bot)

    assert update.message is not None
    assert update.message.text == "/start ticket"
    assert update.message.chat.id == USER
    assert update.message.chat.type == ChatType.PRIVATE
    assert update.message.from_user is not None
    assert update.message.from_user.id == USER
    assert update.message.from_user.is_bot is False
    assert update.message.from_user.first_name == "Ramesh"
    assert update.message.parse_entities([MessageEntityType.BOT_COMMAND]) != {}
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, len("/start"))
    assert update.effective_user is not None and update.effective_user.id == USER

    plain = private_text(USER, "hello", message_id=5)["message"]
    assert plain["message_id"] == 5
    assert "entities" not in plain
    assert isinstance(plain["date"], int)


async def test_callback_update_parses(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Confirm?", reply_markup=KEYBOARD)
    payload = callback(USER, USER, fake.message(USER, sent.message_id), "confirm:yes")

    update = Update.de_json({"update_id": 8, **payload}, bot)

    query = update.callback_query
    assert query is not None
    assert query.data == "confirm:yes"
    assert query.from_user.id == USER
    assert query.from_user.is_bot is False
    assert query.chat_instance
    assert query.id
    assert query.message is not None
    assert query.message.chat.id == USER
    assert query.message.message_id == sent.message_id
    assert isinstance(query.message, Message)  # accessible: it has a date
    assert query.message.reply_markup == KEYBOARD
    other = callback(USER, USER, fake.message(USER, sent.message_id), "confirm:no")
    assert other["callback_query"]["id"] != payload["callback_query"]["id"]
    assert other["callback_query"]["chat_instance"] == payload["callback_query"]["chat_instance"]


async def test_group_text_and_media_updates_parse(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(GROUP, "New ticket MK-7")
    reply = Update.de_json(
        {
            "update_id": 1,
            **group_text(GROUP, 77, "/take@mukta_helpdesk_bot", reply_to=sent.to_dict()),
        },
        bot,
    )
    assert reply.message is not None
    assert reply.message.chat.type == ChatType.SUPERGROUP
    assert reply.message.chat.title
    assert reply.message.from_user is not None and reply.message.from_user.first_name == "Anita"
    assert reply.message.entities[0].length == len("/take@mukta_helpdesk_bot")
    assert reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.message_id == sent.message_id
    assert reply.message.reply_to_message.from_user is not None
    assert reply.message.reply_to_message.from_user.id == BOT_ID

    photo = Update.de_json({"update_id": 2, **private_photo(USER, "PH1", caption="ପାଇପ")}, bot)
    assert photo.message is not None and photo.message.photo[-1].file_id == "PH1"
    assert photo.message.caption == "ପାଇପ"
    document = Update.de_json(
        {"update_id": 3, **private_document(USER, "DOC1", "bill.pdf", "application/pdf")}, bot
    )
    assert document.message is not None and document.message.document is not None
    assert document.message.document.file_name == "bill.pdf"
    assert document.message.document.mime_type == "application/pdf"
    voice = Update.de_json({"update_id": 4, **private_voice(USER, "VO1", duration=9)}, bot)
    assert voice.message is not None and voice.message.voice is not None
    assert voice.message.voice.file_id == "VO1"


async def test_get_updates_honours_offset_and_long_polls(fake: FakeTelegram, bot: Bot) -> None:
    first = fake.push_update(private_text(USER, "one"))
    second = fake.push_update(private_text(USER, "two"))
    assert second == first + 1

    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [first, second]
    assert updates[0].message is not None and updates[0].message.text == "one"

    updates = await bot.get_updates(offset=second, timeout=1)
    assert [u.update_id for u in updates] == [second]

    started = time.monotonic()
    assert await bot.get_updates(offset=second + 1, timeout=1) == ()
    assert 0.8 < time.monotonic() - started < 3  # waited for the long-poll timeout

    async def push_soon() -> int:
        await asyncio.sleep(0.2)
        return fake.push_update(private_text(USER, "three"))

    pusher = asyncio.create_task(push_soon())
    started = time.monotonic()
    updates = await bot.get_updates(offset=second + 1, timeout=5)
    assert time.monotonic() - started < 0.9  # answered as soon as the update arrived
    assert [u.update_id for u in updates] == [await pusher]
    assert fake.push_update({"update_id": 100, **private_text(USER, "x")}) == 100
    assert fake.push_update(private_text(USER, "y")) == 101


async def test_enforce_limits_answers_429_to_a_burst(fake: FakeTelegram, bot: Bot) -> None:
    fake.enforce_limits()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        results = await asyncio.gather(
            *(bot.send_message(USER, f"burst {n}") for n in range(3)), return_exceptions=True
        )
        refused = [r for r in results if isinstance(r, RetryAfter)]
        assert all(_seconds(r.retry_after) >= 1 for r in refused)

    assert len(refused) == 2
    assert fake.rejected_429 == 2
    assert len(fake.sent(USER)) == 1
    assert (await bot.send_message(USER + 1, "another chat")).chat.id == USER + 1

    fake.stop_enforcing_limits()
    await bot.send_message(USER, "unlimited")


async def test_upload_is_decoded_from_multipart(fake: FakeTelegram, bot: Bot) -> None:
    content = b"\x89PNG\r\n\x1a\n\r\n--not-a-boundary\r\n\x00\xff"

    sent = await bot.send_photo(USER, content, caption='ଫଟୋ "quoted"', filename="a b.png")

    params = fake.sent(USER, "sendPhoto")[0]
    upload = params["photo"]
    assert isinstance(upload, Upload)
    assert upload.content == content
    assert upload.filename == "a b.png"
    assert params["caption"] == 'ଫଟୋ "quoted"'
    assert params["chat_id"] == USER
    assert sent.caption == 'ଫଟୋ "quoted"'
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == content

    document = await bot.send_document(USER, "DOC-ID", caption="bill")
    assert document.document is not None and document.document.file_id == "DOC-ID"
    voice = await bot.send_voice(USER, "VOICE-ID", duration=4)
    assert voice.voice is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        assert _seconds(voice.voice.duration) == 4


async def test_other_methods_answer_true_or_their_object(fake: FakeTelegram, bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Start"), ("help", "Help")]) is True
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert fake.sent(method="setMyCommands")[0]["commands"][0] == {
        "command": "start",
        "description": "Start",
    }
    assert await bot.delete_my_commands() is True
    assert await bot.set_webhook("https://example.invalid/hook", secret_token="s3") is True
    assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
    assert await bot.delete_webhook() is True
    assert await bot.send_chat_action(USER, "typing") is True
    assert (await bot.get_chat(GROUP)).id == GROUP
    assert await bot.do_api_request("someFutureMethod", {"x": 1}) is True


async def test_json_bodies_are_accepted(fake: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=fake.base_url) as client:
        response = await client.post(
            "/botTOKEN/sendMessage",
            json={"chat_id": str(USER), "text": "json", "reply_markup": KEYBOARD.to_json()},
        )
        body = response.json()
        assert body["ok"] is True
        assert body["result"]["reply_markup"] == KEYBOARD.to_dict()
        assert fake.sent(USER)[0]["chat_id"] == USER

        same = {
            "chat_id": USER,
            "message_id": 1,
            "text": "json",
            "reply_markup": KEYBOARD.to_dict(),
        }
        response = await client.post("/botTOKEN/editMessageText", json=same)
        assert response.status_code == 400
        assert response.json() == {"ok": False, "error_code": 400, "description": NOT_MODIFIED}

        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
        response = await client.post("/botTOKEN/sendMessage", data={"chat_id": "1", "text": "x"})
        assert response.status_code == 429
        assert response.json()["parameters"] == {"retry_after": 7}


async def test_wait_for_reports_what_was_sent(fake: FakeTelegram, bot: Bot) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(USER, "later")

    task = asyncio.create_task(send_later())
    await fake.wait_for(lambda calls: any(c.params.get("text") == "later" for c in calls))
    await task
    assert isinstance(fake.calls[-1], Call)
    assert (await fake.wait_for_sent(USER))[0]["text"] == "later"

    with pytest.raises(AssertionError, match="sendMessage chat=4242 text='later'"):
        await fake.wait_for(lambda calls: False, timeout=0.1)
