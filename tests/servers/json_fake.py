"""A provider's JSON API faked at the HTTP level on 127.0.0.1: what the Gmail and Graph fakes share.

Bearer tokens and their scopes are checked as the provider does, every request is recorded,
faults are injected by method (401, 403, 429 with Retry-After, 5xx, each a given number of
times), and EVERY request body is checked against the provider's published description: a
body the description does not allow is answered 400 and kept in `violations`, which the
fixtures demand be empty when the test that sent it ends.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

from tests.servers import http_thread


@dataclass(frozen=True)
class Answer:
    """What the fake answers: a status, a JSON body, headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    method: str
    path: str
    query: str
    authorization: str
    body: Any  # the parsed JSON body; None when there was none
    at: float  # time.monotonic()


@dataclass
class Fault:
    """An injected failure: the next `times` requests with `method` (any, if None) get `answer`."""

    method: str | None
    answer: Answer
    times: int


class JsonFake:
    """The state every fake keeps, and the server that serves it; subclasses are the provider."""

    service: ClassVar[str]

    def __init__(self, token: str, scopes: set[str]) -> None:
        self.token = token
        self.scopes = set(scopes)  # what the token was granted
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        # Which bearer tokens are good: the one `token`, unless a test hands the check to an
        # authorization server (tokens it issued and has not expired).
        self.accepts: Callable[[str], bool] | None = None

    # -- what a provider defines ---------------------------------------------------------

    def route(self, method: str, path: str, body: Any) -> Answer:
        """Answer an authorized request whose body is in the contract."""
        raise NotImplementedError

    def body_violations(self, method: str, path: str, body: Any) -> list[str]:
        """Return what the description finds wrong with a request's body."""
        raise NotImplementedError

    def required_scopes(self, method: str, path: str) -> set[str]:
        """Return the scopes of which the token must hold one for this request."""
        raise NotImplementedError

    def error(self, status: int, message: str, code: str | None = None) -> Answer:
        """Return the provider's error answer."""
        raise NotImplementedError

    def token_refused(self) -> Answer:
        """Return the provider's 401."""
        raise NotImplementedError

    def scope_refused(self, needed: set[str]) -> Answer:
        """Return the provider's 403 for a token without any of `needed`."""
        raise NotImplementedError

    # -- faults --------------------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        method: str | None = None,
        times: int = 1,
        retry_after: str | None = None,
        message: str = "injected failure",
        code: str | None = None,
    ) -> None:
        """Answer the next `times` requests (with `method`) with this error."""
        answer = self.error(status, message, code)
        if retry_after is not None:
            answer = Answer(
                answer.status, answer.body, {**answer.headers, "Retry-After": retry_after}
            )
        with self.lock:
            self.faults.append(Fault(method, answer, times))

    def expire_token(self, *, times: int = 1) -> None:
        """Refuse the token (401) for the next `times` requests, as with one that expired."""
        with self.lock:
            self.faults.append(Fault(None, self.token_refused(), times))

    # -- reading what happened -----------------------------------------------------------

    def seen(self, method: str | None = None) -> list[Seen]:
        """Return the requests received (with `method`), oldest first."""
        with self.lock:
            return [r for r in self.requests if method in (None, r.method)]

    def take_violations(self) -> list[str]:
        """Return the contract violations seen so far, and forget them."""
        with self.lock:
            found, self.violations = self.violations, []
        return found

    # -- running -------------------------------------------------------------------------

    def start(self) -> JsonFake:
        """Serve on a free port of 127.0.0.1, in a thread."""
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = http_thread.serve(Handler)
        return self

    def stop(self) -> None:
        """Stop serving."""
        http_thread.stop(self._server)

    @property
    def url(self) -> str:
        """Return the base URL, for `api_base`."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, method: str, path: str, query: str, authorization: str, raw: bytes) -> Answer:
        """Record one request, check its body, and answer it."""
        problems: list[str] = []
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                problems = ["(body): not JSON"]
        if not problems and method in ("PUT", "PATCH", "POST"):
            problems = self.body_violations(method, path, body)
        with self.lock:
            self.requests.append(Seen(method, path, query, authorization, body, time.monotonic()))
            self.violations.extend(f"{method} {path} {p}" for p in problems)
            fault = next(
                (f for f in self.faults if f.times > 0 and f.method in (None, method)), None
            )
            if fault is not None:
                fault.times -= 1
                return fault.answer
        if not self._good(authorization):
            return self.token_refused()
        needed = self.required_scopes(method, path)
        if needed and not needed & self.scopes:
            return self.scope_refused(needed)
        if problems:
            return self.error(400, "; ".join(problems))
        with self.lock:
            return self.route(method, path, body)

    def _good(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer":
            return False
        return self.accepts(token) if self.accepts is not None else token == self.token


class _Handler(BaseHTTPRequestHandler):
    fake: JsonFake
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        answer = self.fake.answer(
            self.command, parts.path, parts.query, self.headers.get("Authorization", ""), raw
        )
        data = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        # A client that stops reading (an answer over its size cap) hangs up.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _handle


class ManualClock:
    """A monotonic clock that moves only when a client sleeps: deadlines without waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """Move the clock on instead of waiting."""
        self.slept.append(seconds)
        self.now += seconds


@contextmanager
def silent_server() -> Iterator[str]:
    """Listen on 127.0.0.1 and never answer; yield the base URL (for time limits)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
