"""Stoplight Prism serving Twilio's own OpenAPI description on 127.0.0.1: Twilio's contract.

Prism is installed with npm into `.prism/` at the repository root the first time (gitignored),
and started once per test session with `--errors`, so that a request the description does not
allow is answered with a 4xx (422, or 401 for missing credentials) naming what is wrong.

The description is ../shared/twilio-oai/twilio_api_v2010.json beside the repository, or the file
(or directory) that $HOURS_TWILIO_OAI names.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.servers.smtp import free_port

REPO = Path(__file__).resolve().parents[2]
PRISM_DIR = REPO / ".prism"
PACKAGE = "@stoplight/prism-cli@5"
SPEC_NAME = "twilio_api_v2010.json"
START_TIMEOUT = 180.0


class PrismUnavailable(Exception):
    """Prism cannot run here: the reason says what is missing."""


def spec_path() -> Path:
    """Return Twilio's OpenAPI description: beside the repository, else $HOURS_TWILIO_OAI."""
    beside = REPO.parent / "shared" / "twilio-oai" / SPEC_NAME
    if beside.is_file():
        return beside
    env = os.environ.get("HOURS_TWILIO_OAI")
    if env:
        path = Path(env)
        path = path / SPEC_NAME if path.is_dir() else path
        if path.is_file():
            return path
        raise PrismUnavailable(f"$HOURS_TWILIO_OAI names {env}, which has no {SPEC_NAME}")
    raise PrismUnavailable(
        f"Twilio's OpenAPI description is neither at {beside} nor named by $HOURS_TWILIO_OAI"
    )


def prism_binary() -> Path:
    """Return the prism executable, installing it with npm into .prism/ if need be."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise PrismUnavailable("npm is not installed, so Prism (@stoplight/prism-cli) cannot be")
    PRISM_DIR.mkdir(exist_ok=True)
    try:
        proc = subprocess.run(
            [npm, "install", "--prefix", str(PRISM_DIR), "--no-audit", "--no-fund", PACKAGE],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PrismUnavailable(f"`npm install {PACKAGE}` took more than 15 minutes") from None
    if proc.returncode != 0 or not binary.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise PrismUnavailable(f"`npm install {PACKAGE}` failed: {' / '.join(tail)}")
    return binary


class Prism:
    """A running `prism mock --errors` on 127.0.0.1."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    @property
    def url(self) -> str:
        """Return the base URL, for `api_base`."""
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls) -> Prism:
        """Install if need be, start, and wait until Prism listens."""
        spec = spec_path()
        binary = prism_binary()
        port = free_port()
        log = PRISM_DIR / "prism.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", str(spec)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=PRISM_DIR,
            )
        server = cls(process, port, log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise PrismUnavailable(f"Prism exited at start: {server.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return server
            except OSError:
                time.sleep(0.2)
        server.stop()
        raise PrismUnavailable(f"Prism did not listen within {START_TIMEOUT:.0f}s")

    def log_tail(self, lines: int = 5) -> str:
        """Return the end of Prism's log, for a failure message."""
        try:
            return " / ".join(self.log.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop Prism."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
