"""A small ManageSieve client (RFC 5804): list, read, upload, activate and delete scripts.

Written here rather than taken from sievelib because a script read back must be byte-for-byte
what was stored, so that `uninstall` restores a user's own script exactly; sievelib's
GETSCRIPT rejoins lines with LF and drops the final newline.
"""

from __future__ import annotations

import base64
import functools
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

from hours.clients.net import (
    BoundedReader,
    Caps,
    Deadline,
    Endpoint,
    describe,
    require_safe,
    scrub,
    scrub_text,
    send_within,
)
from hours.clients.sasl import Credential, MailLogin, OAuthSasl, TokenLogin, offers
from hours.errors import ProviderError

# What `hours` writes into its script; a server lacking any of these cannot run it.
REQUIRED_EXTENSIONS = ("date", "envelope", "relational", "vacation")
# The longest wait for one answer, within what is left of the sync's deadline.
WAIT = 30.0
# One answer of the server: lines are capabilities and script names; the largest answer is a
# script read back (Pigeonhole stores at most 1 MiB by default) as a literal.
CAPS = Caps(line=64 << 10, lines=10_000, total=4 << 20)

T = TypeVar("T")
# RFC 5804 section 4: the longest quoted string; anything longer goes as a literal.
_QUOTED_MAX = 1024


@dataclass(frozen=True)
class ScriptList:
    """The scripts on the server, and which one (if any) is active."""

    names: tuple[str, ...]
    active: str | None


@dataclass(frozen=True)
class _Response:
    status: str  # OK, NO or BYE
    code: str  # the response code in parentheses, or ""
    text: str
    data: tuple[tuple[str, ...], ...]  # the lines before the status, as tokens


class SieveError(ProviderError):
    """The ManageSieve server refused a command or could not be reached."""


class ManageSieve(MailLogin):
    """One logged-in ManageSieve session; use it as a context manager.

    >>> with ManageSieve(endpoint, user, password) as sieve:
    ...     sieve.put_script("hours", text)
    ...     sieve.set_active("hours")
    """

    def __init__(
        self,
        endpoint: Endpoint,
        username: str,
        password: Credential,
        *,
        timeout: float = WAIT,
        deadline: Deadline | None = None,
    ) -> None:
        super().__init__(endpoint, password, timeout=timeout, deadline=deadline)
        self.username = username
        # A session alone (install, doctor) gets four waits in all.
        self.deadline: Deadline = deadline or Deadline.after(timeout * 4)
        self.capabilities: dict[str, str] = {}
        self._sock: socket.socket | None = None
        self._reader = BoundedReader(
            self._socket,
            self.deadline,
            cap=timeout,
            caps=CAPS,
            service=f"ManageSieve {describe(endpoint)}",
        )

    def __enter__(self) -> ManageSieve:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def extensions(self) -> frozenset[str]:
        """Return the Sieve extensions the server supports, lowercased."""
        return frozenset(self.capabilities.get("SIEVE", "").lower().split())

    def connect(self) -> None:
        """Connect, secure the connection as configured, and log in (PLAIN, or OAuth2)."""
        require_safe(self.endpoint, service="ManageSieve")
        where = describe(self.endpoint)
        try:
            sock = socket.create_connection(
                (self.endpoint.host, self.endpoint.port),
                timeout=self.deadline.timeout(self.timeout, f"connecting to ManageSieve {where}"),
            )
        except OSError as exc:
            raise self._error(exc) from None
        self._sock = sock
        if self.endpoint.security == "ssl":
            self._wrap_tls()
        self._guard(self._read_capabilities)
        if self.endpoint.security == "starttls":
            if "STARTTLS" not in self.capabilities:
                raise SieveError(f"ManageSieve {describe(self.endpoint)} does not offer STARTTLS.")
            self._command("STARTTLS")
            self._wrap_tls()
            # RFC 5804 section 2.2: the server sends its capabilities again over TLS.
            self._reader.start("capabilities after STARTTLS")
            self._guard(self._read_capabilities)
        self._login()

    def close(self) -> None:
        """Log out (politely, if the connection still works) and close the socket."""
        if self._sock is None:
            return
        try:
            self._send(b"LOGOUT\r\n")
            self._reader.start("answer to LOGOUT")
            self._read_response()
        except (OSError, ProviderError):
            pass  # logging out is a courtesy; the socket closes either way
        finally:
            self._sock.close()
            self._sock = None
            self._reader.close()

    def list_scripts(self) -> ScriptList:
        """Return the script names and the active one."""
        response = self._command("LISTSCRIPTS")
        names: list[str] = []
        active: str | None = None
        for tokens in response.data:
            names.append(tokens[0])
            if len(tokens) > 1 and tokens[1].upper() == "ACTIVE":
                active = tokens[0]
        return ScriptList(tuple(names), active)

    def get_script(self, name: str) -> str:
        """Return a script's exact text."""
        response = self._command("GETSCRIPT", _quote(name))
        if not response.data:
            return ""
        return response.data[0][0]

    def put_script(self, name: str, content: str) -> None:
        """Upload (create or replace) a script; the server checks it first."""
        self._command("PUTSCRIPT", _quote(name), _literal(content))

    def check_script(self, content: str) -> None:
        """Ask the server to validate a script without storing it (raises SieveError)."""
        self._command("CHECKSCRIPT", _literal(content))

    def set_active(self, name: str | None) -> None:
        """Make `name` the active script, or deactivate every script with None."""
        self._command("SETACTIVE", _quote(name or ""))

    def delete_script(self, name: str) -> None:
        """Delete a script (the server refuses to delete the active one)."""
        self._command("DELETESCRIPT", _quote(name))

    def _login(self) -> None:
        mechanisms = self.capabilities.get("SASL", "").upper().split()
        if isinstance(self._credential, TokenLogin):
            self._token_login(self._credential, mechanisms)
            return
        if "PLAIN" not in mechanisms:
            raise SieveError(
                f"ManageSieve {describe(self.endpoint)} offers no PLAIN login "
                f"(it offers: {', '.join(mechanisms) or 'none'})."
            )
        token = f"\0{self.username}\0{self._password}".encode()
        initial = base64.b64encode(token).decode("ascii")
        response = self._exchange("AUTHENTICATE", '"PLAIN"', _quote(initial))
        if response.status != "OK":
            said = scrub_text(response.text, self._password).rstrip(".")
            raise SieveError(
                f"ManageSieve login to {describe(self.endpoint)} as {self.username} failed: "
                f"{said or response.status}. Check the username and password."
            )
        # A server may send capabilities again after login; they are read with the response.

    def _token_login(self, login: TokenLogin, mechanisms: list[str]) -> None:
        """Log in with an access token; a refused one is fetched afresh and tried once more."""
        where = describe(self.endpoint)
        problem = offers(login.mechanism, mechanisms, service="ManageSieve", where=where)
        if problem is not None:
            raise SieveError(problem)
        why = ""
        for token in self._tokens(login):
            exchange = OAuthSasl(
                login.mechanism,
                self.username,
                token,
                host=self.endpoint.host,
                port=self.endpoint.port,
            )
            response = self._guard(functools.partial(self._authenticate, exchange))
            if response.status == "OK":
                return
            why = (
                exchange.failure.describe()
                if exchange.failure
                else response.text.rstrip(".") or response.status
            )
        raise SieveError(login.refused("ManageSieve", where, self.username, why))

    def _authenticate(self, exchange: OAuthSasl) -> _Response:
        """Send AUTHENTICATE with the initial response; answer a failure challenge if one comes.

        RFC 7628 section 3.2.2: a server refusing a token first sends why, as a challenge (a
        string), and waits for the client's answer before its NO.
        """
        initial = exchange.initial_base64()
        self._send(f'AUTHENTICATE "{exchange.mechanism}" {_string(initial)}\r\n'.encode())
        tokens = self._read_tokens()
        if tokens and tokens[0].upper() not in ("OK", "NO", "BYE"):
            self._send(f"{_quote(exchange.respond_base64(tokens[0]))}\r\n".encode())
            return self._read_response()
        return self._read_response(tokens)

    def _wrap_tls(self) -> None:
        assert self._sock is not None
        context = ssl.create_default_context()
        try:
            self._sock = context.wrap_socket(self._sock, server_hostname=self.endpoint.host)
        except (OSError, ssl.SSLError) as exc:
            raise self._error(exc) from None

    def _read_capabilities(self) -> None:
        response = self._read_response()
        if response.status != "OK":
            said = scrub_text(response.text, self._password)
            raise SieveError(f"ManageSieve {describe(self.endpoint)}: {said}")
        self.capabilities = {
            tokens[0].upper(): (tokens[1] if len(tokens) > 1 else "") for tokens in response.data
        }

    def _command(self, *words: str) -> _Response:
        response = self._exchange(*words)
        if response.status != "OK":
            code = f" ({response.code})" if response.code else ""
            said = scrub_text(response.text, self._password)
            raise SieveError(
                f"ManageSieve {describe(self.endpoint)} refused {words[0]}{code}: {said}"
            )
        return response

    def _exchange(self, *words: str) -> _Response:
        line = " ".join(words).encode("utf-8", errors="surrogateescape") + b"\r\n"

        def exchange() -> _Response:
            self._reader.start(f"answer to {words[0]}")
            self._send(line)
            return self._read_response()

        return self._guard(exchange)

    def _guard(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: BaseException) -> SieveError:
        text = scrub(exc, self._password, self.timeout)
        return SieveError(f"ManageSieve {describe(self.endpoint)}: {text}")

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise SieveError(f"ManageSieve {describe(self.endpoint)}: not connected")
        return self._sock

    def _send(self, data: bytes) -> None:
        send_within(self._socket(), data, self.deadline, self.timeout, self._reader.doing)

    def _read_line(self) -> bytes:
        line = self._reader.readline()
        if not line.endswith(b"\n"):
            raise SieveError(f"ManageSieve {describe(self.endpoint)} closed the connection.")
        return line.removesuffix(b"\n").removesuffix(b"\r")

    def _read_exact(self, size: int) -> bytes:
        data = self._reader.read(size)
        if len(data) < size:
            raise SieveError(f"ManageSieve {describe(self.endpoint)} closed the connection.")
        return data

    def _read_response(self, first: list[str] | None = None) -> _Response:
        """Read lines up to the final OK, NO or BYE (RFC 5804 section 4), from `first` if given."""
        data: list[tuple[str, ...]] = []
        while True:
            tokens = first if first is not None else self._read_tokens()
            first = None
            if tokens and tokens[0].upper() in ("OK", "NO", "BYE"):
                status = tokens[0].upper()
                rest = tokens[1:]
                code = rest[0][1:-1] if rest and rest[0].startswith("(") else ""
                text = rest[-1] if rest and not rest[-1].startswith("(") else ""
                return _Response(status, code, text, tuple(data))
            data.append(tuple(tokens))

    def _read_tokens(self) -> list[str]:
        """Read one logical line as tokens: atoms, quoted strings, literals, (codes)."""
        tokens: list[str] = []
        line = self._read_line()
        i = 0
        while True:
            if i >= len(line):
                return tokens
            char = line[i : i + 1]
            if char == b" ":
                i += 1
            elif char == b'"':
                value, i = _parse_quoted(line, i)
                tokens.append(value)
            elif char == b"{" and line.endswith(b"}"):
                digits = line[i + 1 : -1].removesuffix(b"+")
                if not digits.isdigit():
                    raise SieveError(
                        f"ManageSieve {describe(self.endpoint)} sent a malformed literal "
                        f"{_shown(line[i:])}; it does not speak ManageSieve as RFC 5804 says"
                    )
                size = int(digits)
                tokens.append(self._read_exact(size).decode("utf-8", errors="surrogateescape"))
                # The line goes on after the literal, up to its own CRLF.
                line, i = self._read_line(), 0
            elif char == b"(":
                end = _closing_paren(line, i)
                tokens.append(line[i : end + 1].decode("utf-8", errors="replace"))
                i = end + 1
            else:
                end = line.find(b" ", i)
                end = len(line) if end < 0 else end
                tokens.append(line[i:end].decode("utf-8", errors="replace"))
                i = end


def _shown(raw: bytes) -> str:
    """Return a few bytes a server sent, printable, for a message."""
    text = raw[:40].decode("ascii", "replace")
    return repr("".join(c if c.isprintable() else "?" for c in text))


def _quote(value: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise ValueError(f"{value!r} cannot be sent as a quoted string")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _string(value: str) -> str:
    """Return a quoted string, or a literal past the 1024 octets a quoted one may hold.

    RFC 5804 section 4: an access token in base64 (Microsoft's run to a few thousand octets)
    is too long to be quoted.
    """
    return _quote(value) if len(value.encode()) <= _QUOTED_MAX else _literal(value)


def _literal(value: str) -> str:
    # Client-to-server literals are non-synchronizing ({n+}): no server round trip.
    size = len(value.encode("utf-8", errors="surrogateescape"))
    return f"{{{size}+}}\r\n{value}"


def _parse_quoted(line: bytes, start: int) -> tuple[str, int]:
    out = bytearray()
    i = start + 1
    while i < len(line):
        byte = line[i : i + 1]
        if byte == b"\\" and i + 1 < len(line):
            out += line[i + 1 : i + 2]
            i += 2
        elif byte == b'"':
            return out.decode("utf-8", errors="replace"), i + 1
        else:
            out += byte
            i += 1
    return out.decode("utf-8", errors="replace"), i


def _closing_paren(line: bytes, start: int) -> int:
    depth, i, quoted = 0, start, False
    while i < len(line):
        byte = line[i : i + 1]
        if quoted:
            if byte == b"\\":
                i += 1
            elif byte == b'"':
                quoted = False
        elif byte == b'"':
            quoted = True
        elif byte == b"(":
            depth += 1
        elif byte == b")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(line) - 1
