"""An SMTP server on loopback (aiosmtpd) that records every message with its envelope.

With `oauth_introspection_url` it also takes XOAUTH2 and OAUTHBEARER logins, asking that
RFC 7662 endpoint whether the token is active and whose it is, as Dovecot's oauth2 passdb does.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import socket
import threading
import time
import urllib.parse
import urllib.request
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


@dataclass(frozen=True)
class OAuthAttempt:
    """One XOAUTH2 or OAUTHBEARER login: who, whether the token passed, what came after."""

    mechanism: str
    user: str
    accepted: bool
    # What the client sent after the failure challenge (b"" for XOAUTH2, b"\x01" for
    # OAUTHBEARER, as the mechanisms require); None when the token was accepted.
    after_failure: bytes | None


class _OAuthRecorder(_Recorder):
    """The recorder, also taking OAuth2 logins checked by an introspection endpoint."""

    def __init__(self, delay: float, introspection_url: str) -> None:
        super().__init__(delay)
        self.introspection_url = introspection_url
        self.attempts: list[OAuthAttempt] = []

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        return await self._oauth(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: Any, args: list[str]) -> AuthResult:
        return await self._oauth(server, args, "OAUTHBEARER")

    async def _oauth(self, server: Any, args: list[str], mechanism: str) -> AuthResult:
        if len(args) > 1:
            raw = base64.b64decode(args[1], validate=True)
        else:
            answer = await server.challenge_auth("")
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=True)
            raw = answer
        parsed = _parse_oauth(mechanism, raw)
        if parsed is None:
            await server.push("501 5.5.2 Malformed initial response")
            return AuthResult(success=False, handled=True)
        user, token = parsed
        owner = await asyncio.to_thread(self._introspect, token)
        if owner == user:
            with self.lock:
                self.attempts.append(OAuthAttempt(mechanism, user, True, None))
            return AuthResult(success=True, auth_data=user)
        # RFC 7628 section 3.2.2 (and Google's XOAUTH2): a JSON challenge says why, and the
        # client must answer it (empty, or ^A) before the server says no.
        status = "invalid_token" if mechanism == "OAUTHBEARER" else "401"
        error = {"status": status, "schemes": "bearer", "scope": "https://mail.google.com/"}
        after = await server.challenge_auth(json.dumps(error))
        with self.lock:
            self.attempts.append(
                OAuthAttempt(mechanism, user, False, after if isinstance(after, bytes) else None)
            )
        await server.push("535 5.7.8 Username and Password not accepted")
        return AuthResult(success=False, handled=True)

    def _introspect(self, token: str) -> str | None:
        body = urllib.parse.urlencode({"token": token}).encode()
        with urllib.request.urlopen(self.introspection_url, data=body, timeout=10) as response:
            data = json.load(response)
        return data.get("username") if data.get("active") is True else None


def _parse_oauth(mechanism: str, raw: bytes) -> tuple[str, str] | None:
    """Return (user, token) from an XOAUTH2 or OAUTHBEARER initial response, None if malformed."""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return None
    if not text.endswith("\x01\x01"):
        return None
    if mechanism == "OAUTHBEARER":
        gs2, sep, text = text.partition(",\x01")
        if not sep or not gs2.startswith("n,a="):
            return None
        user = gs2[4:].replace("=2C", ",").replace("=3D", "=")
    fields = dict(f.partition("=")[::2] for f in text[:-2].split("\x01") if f)
    if mechanism == "XOAUTH2":
        user = fields.get("user", "")
    auth = fields.get("auth", "")
    if not user or not auth.startswith("Bearer "):
        return None
    return user, auth.removeprefix("Bearer ")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SmtpRecorder:
    """Run an aiosmtpd server on 127.0.0.1 and keep every message it receives."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        logins: dict[str, str] | None = None,
        delay: float = 0.0,
        oauth_introspection_url: str | None = None,
    ) -> None:
        """Accept these logins (any AUTH fails when None); wait `delay` s before each 250.

        With `oauth_introspection_url`, XOAUTH2 and OAUTHBEARER logins are taken too, each
        token checked at that RFC 7662 endpoint.
        """
        self.port = free_port()
        self._oauth: _OAuthRecorder | None = None
        if oauth_introspection_url is not None:
            self._oauth = _OAuthRecorder(delay, oauth_introspection_url)
        self._handler = self._oauth or _Recorder(delay)
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
        if self._logins is not None or self._oauth is not None:
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

    @property
    def oauth_attempts(self) -> list[OAuthAttempt]:
        """Return every XOAUTH2 and OAUTHBEARER login so far."""
        assert self._oauth is not None, "started without oauth_introspection_url"
        with self._oauth.lock:
            return list(self._oauth.attempts)

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
