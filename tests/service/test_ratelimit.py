"""Per-chat limit on inbound messages: a flood is kept but not acted on, the person is asked
once per window to slow down, and staff and team chats are never limited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.memory import MemoryChannel
from bot.app import create_app
from bot.core.groupcommit import Handled
from bot.core.ratelimit import DEFAULT_PER_MINUTE, InboundLimiter, Verdict
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.engine import session_factory
from db.models import InboundMessage
from db.uow import UnitOfWork
from flows import i18n
from flows.messages import Address, Inbound
from tests.conftest import FixedClock
from tests.support import Person

T0 = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)
SLOW_DOWN = i18n.text("en", "slow_down")


# -- the limiter on its own -------------------------------------------------------------------


def test_the_limit_allows_that_many_then_tells_once_then_keeps_quiet() -> None:
    limiter = InboundLimiter(limit=3)
    verdicts = [limiter.check("memory:a", T0) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.TELL] + [Verdict.QUIET] * 2


def test_the_window_slides_rather_than_resetting_on_the_minute() -> None:
    limiter = InboundLimiter(limit=4, window=timedelta(seconds=60))
    for _ in range(2):
        assert limiter.check("memory:a", T0) is Verdict.ALLOW
    for _ in range(2):
        assert limiter.check("memory:a", T0 + timedelta(seconds=30)) is Verdict.ALLOW
    assert limiter.check("memory:a", T0 + timedelta(seconds=59)) is Verdict.TELL
    # At 60 s the first two have left the window; the two from 30 s have not.
    later = T0 + timedelta(seconds=60)
    assert [limiter.check("memory:a", later) for _ in range(3)] == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.QUIET,  # told at 59 s: still the same window for the notice
    ]


def test_refused_messages_do_not_extend_the_flood() -> None:
    limiter = InboundLimiter(limit=2)
    limiter.check("memory:a", T0)
    limiter.check("memory:a", T0)
    for second in range(1, 60):
        assert limiter.check("memory:a", T0 + timedelta(seconds=second)) is not Verdict.ALLOW
    assert limiter.check("memory:a", T0 + timedelta(seconds=60)) is Verdict.ALLOW


def test_addresses_are_limited_separately() -> None:
    limiter = InboundLimiter(limit=1)
    assert limiter.check("memory:a", T0) is Verdict.ALLOW
    assert limiter.check("memory:b", T0) is Verdict.ALLOW
    assert limiter.check("memory:a", T0) is Verdict.TELL


def test_quiet_addresses_are_forgotten() -> None:
    limiter = InboundLimiter(limit=1)
    for n in range(1000):
        limiter.check(f"memory:{n}", T0)
    limiter.check("memory:late", T0 + timedelta(minutes=2))
    assert set(limiter._seen) == {"memory:late"}
    assert limiter._told == {}


def test_a_message_taken_back_frees_its_place_and_an_unsent_notice_is_sent_later() -> None:
    limiter = InboundLimiter(limit=2)
    assert limiter.check("memory:a", T0) is Verdict.ALLOW
    assert limiter.check("memory:a", T0) is Verdict.ALLOW
    limiter.forget("memory:a", T0)  # a redelivery after all
    assert limiter.check("memory:a", T0) is Verdict.ALLOW
    assert limiter.check("memory:a", T0) is Verdict.TELL
    limiter.untell("memory:a", T0)  # that one was a redelivery too: nobody was told
    assert limiter.check("memory:a", T0) is Verdict.TELL
    assert limiter.check("memory:a", T0) is Verdict.QUIET
    limiter.forget("memory:unknown", T0)  # harmless
    limiter.untell("memory:a", T0 - timedelta(seconds=1))  # not the notice decided: kept
    assert limiter.check("memory:a", T0) is Verdict.QUIET


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        InboundLimiter(limit=0)


def test_the_setting_defaults_to_the_limiters_default() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.inbound_per_minute == DEFAULT_PER_MINUTE == 20
    assert Settings(_env_file=None, inbound_per_minute=5).inbound_per_minute == 5  # type: ignore[call-arg]


# -- in the dispatcher, as served ---------------------------------------------------------------


def served(helpdesk: Helpdesk) -> Helpdesk:
    """The helpdesk as `serve` runs it: the app switches the limit on from the settings."""
    create_app(helpdesk, run_relay=False)
    assert helpdesk.dispatcher.limiter is not None
    assert helpdesk.dispatcher.limiter.limit == helpdesk.settings.inbound_per_minute
    return helpdesk


async def statuses(helpdesk: Helpdesk, address: str) -> dict[str, int]:
    async with helpdesk.unit_of_work() as uow:
        rows = await uow.session.execute(
            select(InboundMessage.status, func.count(InboundMessage.id))
            .where(InboundMessage.address == address)
            .group_by(InboundMessage.status)
        )
        return {status: count for status, count in rows}


def outcome(person: Person) -> Handled | None:
    """What the dispatcher made of the person's last message (read anew each time)."""
    return person.last_handled


async def state_of(helpdesk: Helpdesk, address: str) -> str | None:
    async with helpdesk.unit_of_work() as uow:
        conversation = await uow.conversations.lock(address, helpdesk.clock())
        state = conversation.state
        await uow.commit()
        return state


async def test_twenty_go_through_the_next_is_kept_and_answered_once_and_later_it_works(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    served(helpdesk)
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    await ramesh.say("hi")
    await ramesh.say("1")  # English
    for _ in range(DEFAULT_PER_MINUTE - 2):
        answered = await ramesh.say("help")
        assert answered and SLOW_DOWN not in answered
    before = await state_of(helpdesk, "memory:ramesh")

    assert await ramesh.say("help") == [SLOW_DOWN]
    assert outcome(ramesh) is Handled.RATE_LIMITED
    for text in ("status MK-1001", "1", "cancel"):
        assert await ramesh.say(text) == []  # told once in this window: nothing more
        assert outcome(ramesh) is Handled.RATE_LIMITED
    assert await state_of(helpdesk, "memory:ramesh") == before
    assert await statuses(helpdesk, "memory:ramesh") == {"processed": 20, "rate_limited": 4}

    # A provider delivering a kept message again changes nothing.
    assert await ramesh.say("again", provider_id="flood-1") == []
    assert await ramesh.say("again", provider_id="flood-1") == []
    assert outcome(ramesh) is Handled.DUPLICATE

    clock.advance(seconds=61)
    answered = await ramesh.say("help")
    assert outcome(ramesh) is Handled.PROCESSED
    assert any("Pick options by their number" in text for text in answered)
    assert (await statuses(helpdesk, "memory:ramesh"))["processed"] == 21


async def test_the_notice_comes_in_the_persons_language_and_again_in_a_new_window(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    served(helpdesk)
    sunita = Person(helpdesk, channel, "memory:sunita")
    await sunita.say("ନମସ୍କାର")
    await sunita.say("୨")  # Odia
    for _ in range(DEFAULT_PER_MINUTE - 2):
        await sunita.say("ସାହାଯ୍ୟ")
    assert await sunita.say("ସାହାଯ୍ୟ") == [i18n.text("or", "slow_down")]
    clock.advance(seconds=61)
    for _ in range(DEFAULT_PER_MINUTE):
        await sunita.say("ସାହାଯ୍ୟ")
    assert await sunita.say("ସାହାଯ୍ୟ") == [i18n.text("or", "slow_down")]


async def test_redeliveries_do_not_use_up_the_limit_nor_the_notice(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    served(helpdesk)
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    # Every message delivered three times (the provider missed our answer): 15 new ones.
    for n in range(15):
        for _ in range(3):
            await ramesh.say("hi" if n == 0 else "help", provider_id=f"sent-{n}")
    assert await statuses(helpdesk, "memory:ramesh") == {"processed": 15}
    assert SLOW_DOWN not in channel.texts(ramesh.address)

    for n in range(15, 20):
        await ramesh.say("help", provider_id=f"sent-{n}")
    # Over the limit now, a redelivery is still only a duplicate, and spends no notice ...
    assert await ramesh.say("help", provider_id="sent-3") == []
    assert outcome(ramesh) is Handled.DUPLICATE
    # ... so the first new message over the limit is the one answered with it.
    assert await ramesh.say("help", provider_id="sent-20") == [SLOW_DOWN]
    assert await statuses(helpdesk, "memory:ramesh") == {"processed": 20, "rate_limited": 1}


async def test_messages_not_taken_for_want_of_a_database_do_not_count(
    helpdesk: Helpdesk, channel: MemoryChannel, tmp_path: Path
) -> None:
    served(helpdesk)
    working = helpdesk.dispatcher.units
    gone = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'helpdesk.db'}")
    helpdesk.dispatcher.units = lambda: UnitOfWork(session_factory(gone))
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    for _ in range(DEFAULT_PER_MINUTE + 5):
        with pytest.raises(OperationalError):
            await ramesh.say("hi")
    await gone.dispose()
    helpdesk.dispatcher.units = working
    assert any("Choose your language" in text for text in await ramesh.say("hi"))


async def test_one_flooding_chat_does_not_hold_up_another(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    served(helpdesk)
    flooder = Person(helpdesk, channel, "memory:flooder")
    for _ in range(DEFAULT_PER_MINUTE + 5):
        await flooder.say("hi")
    other = Person(helpdesk, channel, "memory:other")
    assert any("Choose your language" in text for text in await other.say("hi"))


async def test_staff_and_team_chats_are_not_limited(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    served(helpdesk)
    anita = Person(helpdesk, channel, "console:anita")  # L1 operator (config/helpdesk.toml)
    for _ in range(DEFAULT_PER_MINUTE + 5):
        await anita.say("help")
        assert outcome(anita) is Handled.PROCESSED
    team_chat = Address("console", "team-l1")
    for n in range(DEFAULT_PER_MINUTE + 5):
        handled = await helpdesk.dispatcher.handle(
            Inbound(
                team_chat,
                f"team-{n}",
                "queue",
                helpdesk.clock(),
                sender_name="Anita",
                sender=Address("console", "anita"),
            )
        )
        assert handled is Handled.PROCESSED


async def test_the_configured_limit_applies(
    database_url: str, helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    helpdesk.settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, inbound_per_minute=3
    )
    served(helpdesk)
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    for _ in range(3):
        await ramesh.say("hi")
        assert outcome(ramesh) is Handled.PROCESSED
    assert await ramesh.say("hi") == [SLOW_DOWN]
