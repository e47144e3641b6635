"""An SMTP server on loopback (aiosmtpd) that records every message with its envelope."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """One message as the server took it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class _Recorder:
    """The aiosmtpd handler: keep what arrives, in order, for the tests to read."""

    def __init__(self, delay: float) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.delay = delay
        self.refused: set[str] = set()  # recipients answered "550 no such user"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower() in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), message),
            )
        if self.delay:
            # Kept before the client hears 250: a client killed now never learns it was sent.
            await asyncio.sleep(self.delay)
        return "250 OK"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SmtpRecorder:
    """Run an aiosmtpd server on 127.0.0.1 and keep every message it receives."""

    host = "127.0.0.1"

    def __init__(self, *, logins: dict[str, str] | None = None, delay: float = 0.0) -> None:
        """Accept these logins (any AUTH fails when None); wait `delay` s before each 250."""
        self.port = free_port()
        self._handler = _Recorder(delay)
        self._controller: Controller | None = None
        self._logins = logins

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self._logins is None:
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        return AuthResult(success=self._logins.get(login) == password, handled=False)

    def start(self) -> SmtpRecorder:
        """Start listening (on the same port after a stop)."""
        auth: dict[str, Any] = {}
        if self._logins is not None:
            # Loopback only, so AUTH without TLS is acceptable here.
            auth = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self._handler, hostname=self.host, port=self.port, **auth)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening; a client connecting afterwards is refused."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str) -> None:
        """Answer RCPT TO for `address` with a permanent failure from now on."""
        self._handler.refused.add(address.lower())

    @property
    def messages(self) -> list[Received]:
        """Return a snapshot of what has arrived so far."""
        with self._handler.lock:
            return list(self._handler.received)

    def sent_to(self, address: str) -> list[Received]:
        """Return what has arrived so far for one envelope recipient."""
        return [m for m in self.messages if address in m.rcpt_tos]

    def clear(self) -> None:
        """Forget what has arrived so far."""
        with self._handler.lock:
            self._handler.received.clear()

    def wait_for(
        self, count: int, *, timeout: float = 10.0, to: str | None = None
    ) -> list[Received]:
        """Return the messages (to `to`, if given) once at least `count` have arrived.

        Raises AssertionError at the deadline, with what did arrive, so a test fails plainly.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages if to is None or to in m.rcpt_tos]
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert len(found) >= count, f"expected {count} message(s), got {found!r}"
        return found
