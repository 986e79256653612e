"""`python -m bot serve` as an operator runs it: migrates, answers /healthz, stops on SIGTERM,
and logs one JSON object a line."""

from __future__ import annotations

import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from starlette.types import Receive, Scope, Send

from bot.settings import ROOT, Settings, environment_without_settings
from db.migrate import alembic_config

START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    database: Path
    log: Path

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()

    def stop(self) -> int:
        """SIGTERM, as systemd or Docker stops a service; the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_TIMEOUT)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(server: Server) -> httpx.Response:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while True:
            if server.process.poll() is not None:
                pytest.fail(f"serve exited with {server.process.returncode}:\n{server.log_lines()}")
            try:
                response = client.get(f"{server.url}/healthz")
                if response.status_code == 200:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"/healthz did not answer 200 within {START_TIMEOUT} s")
            time.sleep(0.05)


@contextmanager
def serving(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    database = tmp_path / "serve" / "helpdesk.db"  # does not exist yet: serve creates it
    env = environment_without_settings()
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(port),
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        PYTHONUTF8="1",
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Server(process, f"http://127.0.0.1:{port}", database, log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def test_serve_migrates_answers_healthz_and_stops_gracefully(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        response = wait_until_healthy(server)

        assert response.json() in (
            {"status": "ok", "database": "ok"},
            {"status": "ok", "database": "ok", "relay": "running"},  # RELAY_PROCESS=auto
        )
        with sqlite3.connect(server.database) as db:
            versions = db.execute("SELECT version_num FROM alembic_version").fetchall()
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            counter = db.execute("SELECT value FROM counters WHERE name = 'ticket'").fetchone()
        head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
        assert versions == [(head,)]
        assert {"tickets", "conversations", "inbound_messages", "outbox"} <= tables
        assert counter == (1000,)

        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=STOP_TIMEOUT)
        assert time.monotonic() - started < STOP_TIMEOUT

        messages = [json.loads(line)["message"] for line in server.log_lines()]
        assert "serving" in messages
        assert "Application shutdown complete." in messages


def test_serve_exits_0_on_sigterm(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        wait_until_healthy(server)
        assert server.stop() == 0


def test_serve_logs_are_json_lines_without_phone_numbers(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        wait_until_healthy(server)
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            assert client.get(f"{server.url}/webhook/+919876543210").status_code == 404
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=STOP_TIMEOUT)

    lines = [line for line in server.log_lines() if line.strip()]
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert {"at", "level", "logger", "message"} <= set(entry), line
        assert not re.search(r"\d{10,}", line), line


@pytest.mark.parametrize(
    ("env_line", "seen"),
    [
        ("", "10.0.0.5"),  # a proxy not named: its own address, whatever it forwards
        ("FORWARDED_ALLOW_IPS=10.0.0.5\n", "203.0.113.9"),  # named in .env: the browser's
    ],
)
async def test_a_proxy_named_in_the_env_file_has_its_forwarded_address_believed(
    tmp_path: Path, env_line: str, seen: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign-in limits count per address: behind a proxy the helpdesk must see browsers'."""
    from bot.server import uvicorn_config

    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(env_line, encoding="utf-8")
    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    clients: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        clients.append(scope["client"][0])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    config = uvicorn_config(app, settings)
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=("10.0.0.5", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk") as client:
        await client.get("/console/login", headers={"X-Forwarded-For": "203.0.113.9"})

    assert clients == [seen]
