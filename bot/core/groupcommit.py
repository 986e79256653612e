"""Group commit: messages of different conversations that arrive together, handled in one
transaction (one BEGIN, one COMMIT and one connection for many messages)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from enum import StrEnum

from db.uow import UnitOfWork

log = logging.getLogger(__name__)


class Handled(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"


Work = Callable[[UnitOfWork], Awaitable[Handled]]
# Most messages one group commit takes at once (the rest go in the next). On SQLite a group's
# statements run on the event loop's thread (db.onestep), so a group is one stretch in which
# the loop does nothing else: 32 messages keep it to 10-20 ms. Each group has its own session,
# BEGIN and COMMIT; since a group runs without savepoints, 32 a group answered ~20% more
# messages a second than 8 at saturation, with a lower tail (measured alternately: 16 between
# the two, 64 like 32). A group takes only what is waiting, so at an easy pace groups are small.
GROUP_LIMIT = 32


class _RunAgain(Exception):
    """A message failed in a group run without savepoints: run the group again with them."""


class GroupCommit:
    """Messages of different conversations that arrive together, handled in one transaction.

    A group is first run straight through, with no savepoints (they were a tenth of what a
    message cost the event loop). Should a message fail in it, the whole transaction is rolled
    back and the group run again with each message's work in a SAVEPOINT of its own: the one
    that fails rolls back only its own work and is handed back to its caller (who keeps it as
    failed, as with a transaction of its own); the rest are committed together, once, and only
    then answered. A message's work is its effect on the database and what it returns, so
    running it a second time after a rollback is running it once. A message that
    arrives while a group is being handled goes in the next group; a message alone is handled
    alone (no savepoint), as before. Callers keep their conversation's lock while they wait,
    so a group never holds two messages of one conversation, nor two groups one conversation.

    On SQLite every write transaction waits its turn for the one write lock and holds it across
    its round trips to the driver's thread: one transaction for many messages takes that turn,
    and its commit, once instead of once each. On PostgreSQL a group saves each message its
    own BEGIN, COMMIT and pooled connection (at a busy time, a connection opened beyond the
    pool and closed again). Its row locks are held until the group commits: the conversations'
    are taken in the order of their addresses in every process; should two processes still
    wait on each other (the same conversation in both, one of them also numbering a ticket),
    PostgreSQL ends one wait as a deadlock and that group runs again with savepoints; a
    message that meets one there too is handed back with it, and the dispatcher tries it
    again (`bot.core.dispatcher.TRANSIENT_TRIES`).
    """

    def __init__(
        self, units: Callable[[], UnitOfWork], limit: int = GROUP_LIMIT, at_once: int = 1
    ) -> None:
        """`at_once`: how many groups may be in their transactions at the same time (1 on
        SQLite, whose writers take turns anyway; more on PostgreSQL, so that one group's
        round trips to the server do not hold up the next)."""
        self.units = units
        self.limit = limit
        self.at_once = at_once
        self._pending: deque[tuple[str, Work, asyncio.Future[Handled]]] = deque()
        self._running: set[asyncio.Task[None]] = set()

    async def run(self, work: Work, key: str = "") -> Handled:
        """`work` done and committed with the group it joined; what it raised, if it did (or
        what the group's commit raised: then nothing of the group was kept). A group does its
        messages in the order of their `key` (the conversation's address): every process
        then takes the conversations' row locks in one order, never the other way round."""
        future: asyncio.Future[Handled] = asyncio.get_running_loop().create_future()
        self._pending.append((key, work, future))
        if len(self._running) < self.at_once:
            self._running.add(asyncio.create_task(self._drain()))
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                taken: list[tuple[str, Work, asyncio.Future[Handled]]] = []
                while self._pending and len(taken) < self.limit:
                    key, work, future = self._pending.popleft()
                    if not future.done():  # its caller gave up waiting (cancelled)
                        taken.append((key, work, future))
                taken.sort(key=lambda item: item[0])
                if taken:
                    await self._handle([(work, future) for _key, work, future in taken])
        finally:
            # Gone from the count in the same step as the last look at `_pending` (a done
            # callback would come later: a message arriving in between would wait for good).
            this = asyncio.current_task()
            if this is not None:
                self._running.discard(this)

    async def _handle(self, group: list[tuple[Work, asyncio.Future[Handled]]]) -> None:
        try:
            try:
                results = await self._attempt(group, savepoints=False)
            except _RunAgain as again:
                # Said here, as the message may not fail a second time (a passing fault).
                log.warning(
                    "a message failed in a group; running the group again, each message on "
                    "its own savepoint",
                    exc_info=again.__cause__,
                    extra={"messages": len(group)},
                )
                results = await self._attempt(group, savepoints=True)
        except Exception as error:  # the transaction itself failed: nothing of it was kept
            for _work, future in group:
                if not future.done():
                    future.set_exception(error)
            return
        except BaseException:
            for _work, future in group:
                future.cancel()
            raise
        for (_work, future), result in zip(group, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _attempt(
        self, group: list[tuple[Work, asyncio.Future[Handled]]], savepoints: bool
    ) -> list[Handled | Exception]:
        """The group's work in one transaction, committed unless a message alone failed.
        Without savepoints, `_RunAgain` as soon as one of several fails (all rolled back); a
        message alone is never run again, so never with a savepoint."""
        results: list[Handled | Exception] = []
        async with self.units() as uow:
            alone = len(group) == 1
            for work, _future in group:
                mark = uow.after_commit_mark()
                try:
                    if savepoints:
                        async with uow.session.begin_nested():
                            results.append(await work(uow))
                    else:
                        results.append(await work(uow))
                except Exception as error:
                    if not (alone or savepoints):
                        raise _RunAgain from error
                    results.append(error)
                    uow.forget_after_commit(mark)
                    # Nothing the failed message's work loaded or wrote (rolled back with
                    # it) stays in the next one's way: a ticket it wrote may share its row
                    # ID with the next message's. What the others did is flushed already.
                    uow.session.expunge_all()
            if not (alone and isinstance(results[0], Exception)):
                await uow.commit()
        return results
