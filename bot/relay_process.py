"""The outbox relay in a process of its own, so that sending replies has a core of its own.

Sending a reply costs about as much CPU as taking the message it answers, and one Python
process runs on one core: with the relay beside the webhooks, a busy helpdesk accepts
messages twice as fast as it answers them. So `serve` (where RELAY_PROCESS says so) starts
`python -m bot relay` as its child, and the two talk over the child's standard streams:

- down its stdin, one line each: `wake` after a commit put messages in the outbox (none while
  one is still waiting to be written: it wakes the relay for all the commits before it), and
  `pause whatsapp <code>` when Twilio's receipt asked to slow down (error 63018);
- up its stdout, once a second when there were sends: `sends <channel> <result> <count>`,
  the sends it counted, which `serve` adds to its /metrics (unless PROMETHEUS_MULTIPROC_DIR
  has every process write its own counts).

The child stops when its stdin closes: `serve` stopping, or dying (its pipe closes with it),
so no relay outlives its server. When the child stops on its own, `serve` logs it and starts
another, a little later each time; meanwhile messages wait in the outbox, and the new relay
sends them. Several relays may serve one outbox (claims are leased and atomic), so a child
still finishing its sends while the next starts sends nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from bot import metrics
from bot import server as http_server
from bot.configwatch import ConfigWatcher
from bot.helpdesk import Helpdesk

log = logging.getLogger(__name__)

WAKE = b"wake\n"
# A child that ran this long before it stopped was steady: the next starts after the first
# pause again, not after one doubled at each restart.
STEADY_SECONDS = 60.0
FIRST_RESTART_SECONDS = 1.0
LONGEST_RESTART_SECONDS = 30.0
# How long `serve`, stopping, waits for its relay to finish the sends under way (Twilio
# answers within 30 s) before it kills it; the rows it held are sent again after their lease.
STOP_SECONDS = 45.0
REPORT_SECONDS = 1.0


def wanted(
    setting: Literal["auto", "on", "off"], sends: bool = True, cores: int | None = None
) -> bool:
    """Whether `serve` runs its relay in a process of its own: "auto" when it `sends` on some
    channel (not only to console chats, which chat sessions read) and there is a second core
    for it (on one core the two processes would only take turns)."""
    if setting != "auto":
        return setting == "on"
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return sends and cores >= 2


class RelayProcess:
    """`serve`'s side: starts the child, keeps it running, and tells it what it must know."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "bot", "relay"]
        self._process: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        """Whether a relay process runs now (not between one stopping and the next)."""
        return self._process is not None and self._process.returncode is None

    def wake(self) -> None:
        """Messages were committed to the outbox. A wake-up still unread in the pipe wakes
        the relay for these ones too, so none is added behind it."""
        stdin = self._stdin()
        if stdin is not None and stdin.transport.get_write_buffer_size() == 0:
            stdin.write(WAKE)

    def pause(self, channel: str, code: int) -> None:
        """The channel's provider asked, in a receipt, to slow down (`code`)."""
        stdin = self._stdin()
        if stdin is not None:
            stdin.write(f"pause {channel} {code}\n".encode())

    def _stdin(self) -> asyncio.StreamWriter | None:
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            return None
        if process.stdin.is_closing():
            return None
        return process.stdin

    async def run(self, stop: asyncio.Event) -> None:
        """Keep a relay process running until `stop`; then close its stdin and wait for it."""
        pause = FIRST_RESTART_SECONDS
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            started = loop.time()
            try:
                code: int | str | None = await self._run_once(stop)
            except OSError as error:  # it could not be started (the interpreter gone?)
                code = repr(error)
            if stop.is_set():
                return
            if loop.time() - started > STEADY_SECONDS:
                pause = FIRST_RESTART_SECONDS
            log.error(
                "outbox relay process stopped; starting another",
                extra={"exit_code": code, "restart_in_s": pause},
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            pause = min(pause * 2, LONGEST_RESTART_SECONDS)

    async def _run_once(self, stop: asyncio.Event) -> int | None:
        process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=_child_environment(),
        )
        self._process = process
        log.info("outbox relay process started", extra={"pid": process.pid})
        reports = asyncio.create_task(_take_reports(process))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([reports, stopping], return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                await self._close(process)
            return await process.wait()
        finally:
            stopping.cancel()
            await reports
            self._process = None

    @staticmethod
    async def _close(process: asyncio.subprocess.Process) -> None:
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            log.error("outbox relay process did not stop in time; killed")
            process.kill()


def _child_environment() -> dict[str, str]:
    """This process's environment (the settings come from it, and `.env`), with the folder
    that holds `bot` first on the module path, wherever `serve` was started from."""
    source = str(Path(__file__).resolve().parent.parent)
    environment = dict(os.environ)
    path = environment.get("PYTHONPATH", "")
    environment["PYTHONPATH"] = f"{source}{os.pathsep}{path}" if path else source
    return environment


async def _take_reports(process: asyncio.subprocess.Process) -> None:
    """Add the sends the child reports to this process's counters, until it stops."""
    assert process.stdout is not None
    while line := await process.stdout.readline():
        match line.split():
            case [b"sends", channel, result, count] if count.isdigit():
                metrics.count_sends(channel.decode(), result.decode(), int(count))
            case _:
                log.warning("outbox relay process said something unexpected")


# -- the child's side -----------------------------------------------------------------------


async def run_relay(helpdesk: Helpdesk) -> int:
    """`python -m bot relay`: deliver the outbox until stdin closes, taking `serve`'s lines."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for handler in logging.getLogger().handlers:  # its lines beside serve's, told apart
        handler.addFilter(_from_relay)
    # Ctrl-C reaches the whole process group: `serve` stops its relay itself, by closing
    # its stdin once its own requests are done.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    settings = helpdesk.settings
    work = [helpdesk.relay.run(stop), _obey(reader, helpdesk, stop)]
    if settings.config_check_seconds > 0:
        work.append(ConfigWatcher(helpdesk, settings.config_check_seconds).run(stop))
    sent = asyncio.Event()  # the relay's last sends are done, and can be reported
    reporting = None
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        reporting = asyncio.create_task(_report_sends(_to_serve, sent))
    http_server.settle_after_start_up()
    log.info("outbox relay running", extra={"senders": sorted(helpdesk.relay.senders)})
    try:
        await asyncio.gather(*work)
    finally:
        sent.set()
        if reporting is not None:
            await reporting
        await helpdesk.close()
    return 0


def _from_relay(record: logging.LogRecord) -> bool:
    record.relay_process = True
    return True


async def _obey(reader: asyncio.StreamReader, helpdesk: Helpdesk, stop: asyncio.Event) -> None:
    """Take `serve`'s lines until its end of the pipe closes; then stop."""
    while line := await reader.readline():
        match line.split():
            case [b"wake"]:
                helpdesk.relay.wake()
            case [b"pause", b"whatsapp", code] if code.isdigit() and helpdesk.whatsapp:
                helpdesk.whatsapp.sender.pause(int(code))
            case _:
                log.warning("outbox relay: an unexpected line from serve", extra={"line": line})
    stop.set()


def _to_serve(lines: bytes) -> None:
    with contextlib.suppress(OSError):  # serve is gone: its counts with it
        sys.stdout.buffer.write(lines)
        sys.stdout.buffer.flush()


async def _report_sends(write: Callable[[bytes], None], sent: asyncio.Event) -> None:
    """Every `REPORT_SECONDS`, and once more when `sent`: the sends counted since the last."""
    told: Mapping[tuple[str, str], int] = {}
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sent.wait(), REPORT_SECONDS)
        counted = metrics.sends_counted()
        lines = [
            f"sends {channel} {result} {count - told.get((channel, result), 0)}\n"
            for (channel, result), count in counted.items()
            if count > told.get((channel, result), 0)
        ]
        if lines:
            write("".join(lines).encode())
        told = counted
        if sent.is_set():
            return
