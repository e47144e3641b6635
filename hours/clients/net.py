"""What every wire client shares: where a server is and how to reach it safely, the one
deadline of a sync, and reading a socket within it.

A sync has one Deadline. Every wait on the network is given what is left of it, at most a
per-wait cap (`Deadline.timeout`), and every read from a server goes through a `BoundedReader`,
which gives each socket read only the time left (so a server trickling one byte every few
seconds cannot stretch a sync past its deadline) and caps how long a line, how many lines and
how many bytes one answer may have (so a flood cannot fill memory).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import ipaddress
import json
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import quote, quote_plus, urlsplit

from hours.errors import OutOfTime, ProviderError

Security = Literal["ssl", "starttls", "none"]
SECURITY_CHOICES: tuple[str, ...] = get_args(Security)


@dataclass(frozen=True)
class Endpoint:
    """A server's host, port and transport security."""

    host: str
    port: int
    security: Security


def is_loopback(host: str) -> bool:
    """Tell whether `host` names this machine without asking DNS."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, secret: str) -> str:
    """Return `url` if it may carry `secret`: https, or plain http to this machine (a test double).

    Raise ValueError saying why not: it is not an http(s) URL with a host, or it is plain http
    to another machine, where anyone on the way could read the secret.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"{url!r} would send the {secret} in clear; use https (plain http only on "
            "loopback: 127.0.0.1, ::1, localhost)"
        )
    return url


def require_safe(endpoint: Endpoint, *, service: str) -> None:
    """Refuse a plaintext connection anywhere but loopback, where no one can listen in."""
    if endpoint.security not in SECURITY_CHOICES:
        raise ProviderError(
            f"{service}: security {endpoint.security!r} is not one of "
            f"{', '.join(SECURITY_CHOICES)}."
        )
    if endpoint.security == "none" and not is_loopback(endpoint.host):
        raise ProviderError(
            f'{service}: security = "none" would send the password in clear to '
            f"{endpoint.host}; it is allowed only on loopback (127.0.0.1, ::1, localhost). "
            'Use "ssl" or "starttls".'
        )


def describe(endpoint: Endpoint) -> str:
    """Name the server for an error message: host and port, never credentials."""
    return f"{endpoint.host}:{endpoint.port}"


def scrub(exc: BaseException, password: str | None, timeout: float, detail: str = "") -> str:
    """Describe a network error for a one-line message, with no secret in it in any form.

    `detail` is the server's own words when the caller has them (an SMTP reply, say).
    """
    if isinstance(exc, socket.timeout | TimeoutError):
        text = f"no answer within {timeout:g} s"
    elif isinstance(exc, ConnectionRefusedError):
        text = "connection refused (is the host and port right, and the server up?)"
    else:
        text = detail or str(exc) or type(exc).__name__
    return scrub_text(text, password)


# -- secrets in messages -----------------------------------------------------------------------

# Every secret this process sends (passwords, tokens, Account SIDs): no message may hold one.
# A process is one command, so this is what that command has read.
_hidden: set[str] = set()
# A secret, or a form of one, shorter than this would match ordinary words in messages (a
# password "ab" would cut every "ab" out of an error); it is left as it is.
_SHORTEST_FORM = 4


def hide(*secrets: str | None) -> None:
    """Remember secrets this process sends: `scrub_text` takes them out of every message."""
    _hidden.update(s for s in secrets if s and len(s) >= _SHORTEST_FORM)


def secret_forms(secret: str) -> list[str]:
    """Return `secret` as a server might echo it: raw, and in every encoding `hours` sends it in
    or a server's error could quote it in, longest first.

    - base64, standard and URL-safe: the part of any base64 text made from the secret alone,
      wherever it sits in what was encoded (three alignments), so an echo of a whole
      `Authorization: Basic ...` header, a SASL PLAIN or XOAUTH2 string, or any piece of it
      is found;
    - percent-encoding (either case of hex digits, `+` or `%20` for a space), JSON escapes
      (`\u00e9`, `\\/`), HTML escapes, hex;
    - an IMAP quoted string (`\\` and `\"`) and Python's bytes repr of either (imaplib
      quotes a server's answer as `[b'...']`).
    """
    if not secret:
        return []
    raw = secret.encode()
    forms = {secret}
    quoted = secret.replace("\\", "\\\\").replace('"', '\\"')
    forms |= {quoted, repr(raw)[2:-1], repr(quoted.encode())[2:-1]}
    forms |= {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms |= {f.replace("/", "\\/") for f in list(forms) if "/" in f}
    forms.add(html.escape(secret))
    for encoded in (quote(secret, safe=""), quote_plus(secret), quote(secret, safe="/")):
        forms |= {encoded, _PERCENT.sub(lambda m: m[0].lower(), encoded)}
    forms |= {raw.hex(), raw.hex().upper()}
    for k in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * k + raw).decode()
            # The characters made of the secret's bits alone: not the first ones, which hold
            # the k bytes before it, nor a last one mixing in the bits that come after it.
            core = text[-(-8 * k // 6) : 8 * (k + len(raw)) // 6]
            if len(core) >= _SHORTEST_FORM:
                forms.add(core)
    keep = {f for f in forms if len(f) >= _SHORTEST_FORM}
    return sorted(keep, key=len, reverse=True)


_PERCENT = re.compile(r"%[0-9A-F]{2}")


@functools.lru_cache(maxsize=32)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    forms = sorted({f for s in secrets for f in secret_forms(s)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, forms))) if forms else None


def scrub_text(text: str, *secrets: str | None) -> str:
    """Return `text` with every form of every hidden secret, and of `secrets`, as `***`."""
    pattern = _pattern(frozenset(_hidden | {s for s in secrets if s}))
    return text if pattern is None else pattern.sub("***", text)


# -- the deadline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """The instant (on the monotonic clock) by which a sync must be done, and its length."""

    at: float
    seconds: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """Return the deadline `seconds` from now."""
        return cls(clock() + seconds, seconds, clock)

    def remaining(self) -> float:
        """Return the seconds left (0 once passed)."""
        return max(self.at - self.clock(), 0.0)

    @property
    def expired(self) -> bool:
        """Tell whether the deadline has passed."""
        return self.clock() >= self.at

    def timeout(self, cap: float, doing: str = "") -> float:
        """Return how long one wait may take: `cap`, or what is left if less.

        Raise OutOfTime, saying what was being done, when nothing is left.
        """
        left = self.at - self.clock()
        if left <= 0:
            raise self.out_of_time(doing)
        return min(cap, left)

    def out_of_time(self, doing: str = "") -> OutOfTime:
        """Return the OutOfTime error for work cut short while `doing` something."""
        what = f" while {doing}" if doing else ""
        return OutOfTime(
            f"the sync's {self.seconds:g} s (sync_timeout) ran out{what}; the next sync tries again"
        )


class NoAnswer(ProviderError):
    """A server said nothing for `wait` seconds, with time left before the deadline."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message)
        self.wait = wait


class TooLarge(ProviderError):
    """A server's answer passed a cap: a line too long, too many lines, too many bytes."""


@dataclass(frozen=True)
class Caps:
    """How much one answer of a server may hold."""

    line: int  # bytes in one line
    lines: int  # lines in one answer
    total: int  # bytes in one answer, literals included


class DeadlineIO(io.RawIOBase):
    """A socket's incoming bytes, each read given only the time left of the deadline.

    With `limit`, more than that many bytes in all is TooLarge.
    """

    def __init__(
        self,
        sock: socket.socket,
        deadline: Deadline,
        cap: float,
        doing: str,
        limit: int | None = None,
    ) -> None:
        super().__init__()
        self.sock = sock
        self.deadline = deadline
        self.cap = cap
        self.doing = doing
        self.limit = limit
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        wait = self.deadline.timeout(self.cap, self.doing)
        self.sock.settimeout(wait)
        try:
            size = self.sock.recv_into(buffer)
        except TimeoutError:
            if self.deadline.expired:
                raise self.deadline.out_of_time(self.doing) from None
            raise NoAnswer(
                f"no answer within {wait:g} s while {self.doing}; the next sync tries again", wait
            ) from None
        self.received += size
        if self.limit is not None and self.received > self.limit:
            raise TooLarge(
                f"more than {self.limit >> 20} MiB while {self.doing}; that is not an answer a "
                "server gives"
            )
        return size


class BoundedReader:
    """Read a server's answers from a socket within a deadline and caps; a file to the libraries.

    `sock` is asked for the socket at each read: a connection secured with STARTTLS reads the
    new socket from then on, and anything read before it is dropped. `start` begins a new
    answer: the line and byte counts start again.
    """

    def __init__(
        self,
        sock: Callable[[], socket.socket],
        deadline: Deadline,
        *,
        cap: float,
        caps: Caps,
        service: str,
    ) -> None:
        self._sock = sock
        self.deadline = deadline
        self.cap = cap
        self.caps = caps
        self.service = service
        self.doing = f"reading {service}'s greeting"
        self.lines = 0
        self.bytes = 0
        self._raw: DeadlineIO | None = None
        self._file: io.BufferedReader | None = None

    def start(self, what: str) -> None:
        """Begin reading a new answer: `what` it is, like "answer to LOGIN"."""
        self.doing = f"reading {self.service}'s {what}"
        self.lines = 0
        self.bytes = 0

    def _reader(self) -> io.BufferedReader:
        sock = self._sock()
        if self._file is None or self._raw is None or self._raw.sock is not sock:
            self._raw = DeadlineIO(sock, self.deadline, self.cap, self.doing)
            self._file = io.BufferedReader(self._raw)
        self._raw.doing = self.doing
        return self._file

    def _count(self, data: bytes, *, line: bool) -> bytes:
        self.bytes += len(data)
        if line:
            self.lines += 1
            if self.lines > self.caps.lines:
                raise TooLarge(
                    f"more than {self.caps.lines:,} lines while {self.doing}; that is not an "
                    "answer a server gives"
                )
        if self.bytes > self.caps.total:
            raise TooLarge(
                f"more than {self.caps.total >> 20} MiB while {self.doing}; that is not an "
                "answer a server gives"
            )
        return data

    def readline(self, limit: int = -1) -> bytes:
        """Return the next line, its end included; one longer than the cap is TooLarge."""
        most = self.caps.line + 1 if limit < 0 else min(limit, self.caps.line + 1)
        line = self._reader().readline(most)
        if len(line) > self.caps.line and not line.endswith(b"\n"):
            raise TooLarge(
                f"a line longer than {self.caps.line:,} bytes while {self.doing}; that is not an "
                "answer a server gives"
            )
        return self._count(line, line=True)

    def read(self, size: int = -1) -> bytes:
        """Return `size` bytes (fewer at the end of the stream), counted against the caps."""
        if size < 0 or size > self.caps.total:
            raise TooLarge(
                f"{size:,} bytes announced while {self.doing}, more than "
                f"{self.caps.total >> 20} MiB; that is not an answer a server gives"
            )
        return self._count(self._reader().read(size), line=False)

    def close(self) -> None:
        """Forget the buffer; the socket is its owner's to close."""
        self._file = None
        self._raw = None


def send_within(
    sock: socket.socket, data: bytes, deadline: Deadline, cap: float, doing: str
) -> None:
    """Send all of `data` within what is left of the deadline (at most `cap`)."""
    sock.settimeout(deadline.timeout(cap, doing))
    sock.sendall(data)
