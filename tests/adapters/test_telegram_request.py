"""The helpdesk's sends go to Telegram through aiohttp (adapters/telegram/request.py): the same
requests PTB makes, files uploaded, and the errors the sender acts on."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from adapters.telegram.request import AiohttpRequest
from tests.telegram_fake import FakeTelegram, Upload

USER = 4242
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def bot_for(base_url: str, token: str, request: AiohttpRequest) -> Bot:
    root = base_url.rstrip("/")
    return Bot(token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot", request=request)


async def test_messages_and_uploads_reach_telegram_as_ptb_builds_them(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    request = AiohttpRequest(connection_pool_size=4)
    bot = bot_for(fake.base_url, fake.token, request)
    chart = tmp_path / "weekly chart.png"
    chart.write_bytes(PNG)
    try:
        sent = await bot.send_message(USER, "ହେଲୋ & <b>MK-1001</b>")
        await bot.send_photo(USER, chart, caption="MK-1001")
        # Many chats at once over a pool of four connections.
        await asyncio.gather(*(bot.send_message(USER + n, f"n{n}") for n in range(1, 21)))
    finally:
        await request.shutdown()
    assert fake.message(USER, sent.message_id)["text"] == "ହେଲୋ & <b>MK-1001</b>"
    [photo] = fake.sent(USER, "sendPhoto")
    upload = photo["photo"]
    assert isinstance(upload, Upload)
    assert (upload.filename, upload.content_type, upload.content) == (
        "weekly chart.png",
        "image/png",
        PNG,
    )
    assert photo["caption"] == "MK-1001"
    assert sorted(str(m["text"]) for m in fake.sent(method="sendMessage"))[:3] == [
        "n1",
        "n10",
        "n11",
    ]


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """Accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_server_that_does_not_answer_is_a_timeout(silent_server: str) -> None:
    request = AiohttpRequest(read_timeout=0.3)
    try:
        with pytest.raises(TimedOut):
            await bot_for(silent_server, "1:abc", request).send_message(USER, "hi")
    finally:
        await request.shutdown()


async def test_a_server_that_is_not_there_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    try:
        with pytest.raises(NetworkError) as raised:
            await bot_for(f"http://127.0.0.1:{port}", "1:abc", request).send_message(USER, "hi")
        assert not isinstance(raised.value, TimedOut)
    finally:
        await request.shutdown()
