"""The third-party emulators, each in its own process: `prism mock` (npm
@stoplight/prism-cli) on Twilio's and Atlassian's OpenAPI descriptions, and the npm package
telegram-test-api for Telegram's Bot API. scripts/ensure-emulators.sh installs them."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.settings import ROOT

EMULATORS = ROOT / "tests" / "emulators"
BIN = EMULATORS / "node_modules" / ".bin"
START_TIMEOUT = 90.0  # prism reads a 10 MB description: tens of seconds on a busy machine


def shared_specs() -> Path:
    """The providers' OpenAPI descriptions: shared/specs beside the clone (as CI lays it out),
    or wherever BLACKBOX_SPECS_DIR says."""
    named = os.environ.get("BLACKBOX_SPECS_DIR")
    folder = Path(named) if named else ROOT.parent / "shared" / "specs"
    if not (folder / "twilio_api_v2010.json").is_file():
        folder = Path("/work/shared/specs")
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Emulator:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _wait_until_answering(emulator: Emulator, probe: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while True:
            if emulator.process.poll() is not None:
                raise RuntimeError(
                    f"{emulator.name} exited with {emulator.process.returncode}: "
                    f"{emulator.log.read_text(errors='replace')[-2000:]}"
                )
            try:
                client.get(emulator.url + probe)
                return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                emulator.stop()
                raise RuntimeError(f"{emulator.name} did not answer within {START_TIMEOUT} s")
            time.sleep(0.2)


@contextmanager
def running(name: str, command: list[str], log: Path, probe: str = "/") -> Iterator[Emulator]:
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            cwd=EMULATORS,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    emulator = Emulator(name, process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_answering(emulator, probe)
        yield emulator
    finally:
        emulator.stop()


def prism(spec: Path, log: Path, dynamic: bool = False) -> Any:
    """`prism mock` on `spec`: it checks each request against the description (422 with the
    violations when it does not fit, 401 without credentials) and answers with its examples,
    or (`dynamic`) with answers made up from the description's schemas: a new ID each."""
    return running(
        f"prism {spec.name}",
        [
            str(BIN / "prism"),
            "mock",
            *(["--dynamic"] if dynamic else []),
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            str(spec),
        ],
        log,
    )


def telegram_test_api(log: Path) -> Any:
    return running("telegram-test-api", ["node", "telegram-server.js", "{port}"], log)


def twilio_spec_for_prism(folder: Path) -> Path:
    """A copy of Twilio's description that prism reads as Twilio's servers do: an array field
    of a form body (MediaUrl, ...) is the field repeated (`encoding: form, explode`). Without
    it prism refuses every message with media (shared/specs/SOURCE.md)."""
    spec = json.loads((shared_specs() / "twilio_api_v2010.json").read_text(encoding="utf-8"))
    derived = copy.deepcopy(spec)
    for item in derived["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            form = content.get("application/x-www-form-urlencoded")
            if form is None:
                continue
            properties = form.get("schema", {}).get("properties", {})
            arrays = [key for key, value in properties.items() if value.get("type") == "array"]
            if arrays:
                encoding = form.setdefault("encoding", {})
                for key in arrays:
                    encoding[key] = {"style": "form", "explode": True}
    path = folder / "twilio_api_v2010.prism.json"
    path.write_text(json.dumps(derived), encoding="utf-8")
    return path


# The calls the JIRA mirror makes: Atlassian's description is cut to them, so that prism
# starts in seconds rather than reading all of Jira's 10 MB.
JIRA_MIRROR_PATHS = (
    "/rest/api/3/issue",
    "/rest/api/3/issue/{issueIdOrKey}",
    "/rest/api/3/issue/{issueIdOrKey}/comment",
    "/rest/api/3/issue/{issueIdOrKey}/transitions",
    "/rest/api/3/search/jql",
    "/rest/api/3/myself",
)


def jira_spec_for_prism(folder: Path) -> Path:
    """A copy of Atlassian's description of Jira Cloud's REST API v3 with the paths the
    mirror calls, their examples as objects: Atlassian gives most of them as JSON text, which
    prism would answer as one JSON string instead of the object Jira Cloud answers. A path
    the description lacks (the removed `/rest/api/2/search`, any v2 call) is prism's 404."""
    spec = json.loads((shared_specs() / "jira_platform_v3.json").read_text(encoding="utf-8"))
    derived = {**spec, "paths": {path: _parsed(spec["paths"][path]) for path in JIRA_MIRROR_PATHS}}
    path = folder / "jira_platform_v3.prism.json"
    path.write_text(json.dumps(derived), encoding="utf-8")
    return path


def _parsed(node: Any) -> Any:
    if isinstance(node, list):
        return [_parsed(item) for item in node]
    if not isinstance(node, dict):
        return node
    parsed = {key: _parsed(value) for key, value in node.items()}
    example = node.get("example")
    if isinstance(example, str) and example[:1] in "{[":
        with contextlib.suppress(ValueError):
            parsed["example"] = json.loads(example)
    return parsed
