"""Small hostile servers on loopback: what a sync must survive, and end on time against.

Each listens on 127.0.0.1 and serves every connection in a thread of this process until
stopped. They are bounded on their own side: a line read is kept to a few KiB (the rest of it
discarded), a request body is discarded as it arrives, and nothing grows but counters and a
short list of the latest request targets. Every wait and every blocked send wakes at least
every 50 ms to look at the stop flag, so `stop()` ends every thread within a second even when
a client has stopped reading; it fails loudly if one is left running.

- `Trickle`: one byte every `interval` seconds, for ever: an IMAP, ManageSieve or SMTP
  greeting, or (after a request) an HTTP response whose body never ends.
- `ImapFlood`: a plain IMAP greeting, then endless untagged lines once the client logs in.
- `SmtpEndlessGreeting`: `220-` continuation lines, for ever.
- `SieveFlood`: a ManageSieve greeting that never has a line break.
- `SlowSmtp`: a working SMTP server that waits `delay` seconds (10 by default) before each reply.
- `TwilioSelfPaging`: every Twilio list's `next_page_uri` is the page itself (or, with
  `fresh_pages`, an endless run of new pages, each record older than the last).
- `RetryAfterForever`: HTTP 429 with `Retry-After: 60` to every request.
- `NotJson`: HTTP 200 with the body `{not json`.

Fixtures: `hostile` starts any of them (`hostile(Trickle("imap"))`) and stops it at teardown;
the named fixtures below start each with the defaults the issue describes.
"""

from __future__ import annotations

import collections
import datetime as dt
import email.utils
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

TICK = 0.05  # how often a blocked thread looks at the stop flag
LINE_LIMIT = 4096  # bytes of one line kept; the rest is discarded
HEADER_LIMIT = 65536  # bytes of an HTTP request head
BODY_LIMIT = 1 << 20  # bytes of an HTTP request body


class Stopped(Exception):
    """The server is stopping, or the client went away: the connection's thread ends."""


class Link:
    """One client connection, read and written in small steps that notice the stop flag."""

    def __init__(self, sock: socket.socket, server: Hostile) -> None:
        self.sock = sock
        self.server = server
        self._pending = b""
        sock.settimeout(TICK)

    def _check(self) -> None:
        if self.server.stopping.is_set():
            raise Stopped

    def send(self, data: bytes) -> None:
        """Send all of `data`, however slowly the client reads, until stopped."""
        view = memoryview(data)
        while view:
            self._check()
            try:
                sent = self.sock.send(view)
            except TimeoutError:
                continue  # the client is not reading: wait, looking at the stop flag
            except OSError:
                raise Stopped from None
            view = view[sent:]
            self.server.count_sent(sent)

    def pause(self, seconds: float) -> None:
        """Wait `seconds`, or stop."""
        if self.server.stopping.wait(seconds):
            raise Stopped

    def _recv(self) -> bytes:
        while True:
            self._check()
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                raise Stopped from None
            if not chunk:
                raise Stopped  # the client closed the connection
            return chunk

    def readline(self, limit: int = LINE_LIMIT) -> bytes:
        """Return the next line with its line break, cut to `limit` bytes (the rest dropped)."""
        kept = b""
        while True:
            if not self._pending:
                self._pending = self._recv()
            head, found, rest = self._pending.partition(b"\n")
            kept = (kept + head + found)[:limit]
            self._pending = rest
            if found:
                return kept

    def discard(self, size: int) -> None:
        """Read and drop `size` bytes."""
        while size > 0:
            if not self._pending:
                self._pending = self._recv()
            taken = self._pending[:size]
            self._pending = self._pending[len(taken) :]
            size -= len(taken)

    def read_request(self) -> tuple[str, str, dict[str, str]]:
        """Read one HTTP request (its body discarded): method, target and headers."""
        line = self.readline()
        while line in (b"\r\n", b"\n"):  # stray line breaks between requests
            line = self.readline()
        parts = line.decode("latin-1").split()
        if len(parts) != 3:
            raise Stopped
        headers: dict[str, str] = {}
        size = len(line)
        while (header := self.readline()) not in (b"\r\n", b"\n"):
            size += len(header)
            if size > HEADER_LIMIT:
                raise Stopped
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length > BODY_LIMIT:
            raise Stopped
        self.discard(length)
        return parts[0], parts[1], headers

    def respond(
        self, status: int, reason: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        """Send a whole HTTP/1.1 response, keeping the connection open."""
        head = {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            "Connection": "keep-alive",
            **(headers or {}),
        }
        lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in head.items()), "", ""]
        self.send("\r\n".join(lines).encode("latin-1") + body)


class Hostile:
    """A TCP server on 127.0.0.1 serving each connection in its own thread until stopped."""

    name: ClassVar[str] = "hostile server"
    host = "127.0.0.1"

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._listener = socket.create_server((self.host, 0))
        self._listener.settimeout(TICK)
        self.port: int = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.connections = 0
        self.bytes_sent = 0

    @property
    def url(self) -> str:
        """Return the server's base URL, for HTTP clients (Twilio's `api_base`)."""
        return f"http://{self.host}:{self.port}"

    def start(self: H) -> H:
        """Start accepting connections, in a thread."""
        self._spawn(self._accept)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop: close the listener, end every connection; fail if a thread outlives `timeout`."""
        self.stopping.set()
        self._listener.close()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in threads if t.is_alive()]
        assert not alive, f"{self.name}: still running {timeout:g} s after stop: {alive}"

    def count_sent(self, size: int) -> None:
        """Add to the bytes sent (called by the connections' threads)."""
        with self._lock:
            self.bytes_sent += size

    def handle(self, link: Link) -> None:
        """Serve one connection until it ends (raise Stopped to end it)."""
        raise NotImplementedError

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(
            target=target, args=args, name=f"{self.name} :{self.port}", daemon=True
        )
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed by stop()
            with self._lock:
                self.connections += 1
            self._spawn(self._serve, sock)

    def _serve(self, sock: socket.socket) -> None:
        try:
            self.handle(Link(sock, self))
        except Stopped:
            pass
        finally:
            sock.close()


H = TypeVar("H", bound=Hostile)


# -- mail servers --------------------------------------------------------------------------

IMAP_GREETING = b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile IMAP ready\r\n"
SIEVE_GREETING = b'"IMPLEMENTATION" "hostile"\r\n"SASL" "PLAIN"\r\n"VERSION" "1.0"\r\nOK\r\n'
SMTP_GREETING = b"220 hostile.example ESMTP ready\r\n"
HTTP_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
)


class Trickle(Hostile):
    """Answer one byte every `interval` seconds, for ever, as the protocol's greeting says.

    IMAP, ManageSieve and SMTP greet on connecting, then keep trickling lines of a reply that
    never ends; HTTP waits for a request, then trickles a response whose body never ends. Every
    byte comes well within any per-read time limit, so only an overall deadline ends it.
    """

    name = "trickle"
    FIRST: ClassVar[dict[str, bytes]] = {
        "imap": IMAP_GREETING,
        "sieve": SIEVE_GREETING,
        "smtp": SMTP_GREETING,
        "http": HTTP_HEAD,
    }
    THEN: ClassVar[dict[str, bytes]] = {
        "imap": b"* OK still here\r\n",
        "sieve": b'"NOTIFY" "still here"\r\n',
        "smtp": b"250-still here\r\n",
        "http": b" ",  # JSON whitespace: the body is never done
    }

    def __init__(self, protocol: str, interval: float = 5.0) -> None:
        if protocol not in self.FIRST:
            raise ValueError(f"protocol is one of {sorted(self.FIRST)}, not {protocol!r}")
        super().__init__()
        self.protocol = protocol
        self.interval = interval
        self.name = f"trickling {protocol}"

    def handle(self, link: Link) -> None:
        if self.protocol == "http":
            link.read_request()
        for byte in self.FIRST[self.protocol]:
            link.send(bytes([byte]))
            link.pause(self.interval)
        while True:
            for byte in self.THEN[self.protocol]:
                link.send(bytes([byte]))
                link.pause(self.interval)


class ImapFlood(Hostile):
    """An IMAP server that answers LOGIN with untagged lines, for ever, as fast as they are read.

    Before that it answers CAPABILITY, and any other command with OK, as a server would.
    """

    name = "IMAP flood"

    def __init__(self) -> None:
        super().__init__()
        self.logins = 0

    def handle(self, link: Link) -> None:
        link.send(IMAP_GREETING)
        while True:
            tag, _, rest = link.readline().rstrip(b"\r\n").partition(b" ")
            command = rest.split(b" ", 1)[0].upper()
            if command == b"LOGIN":
                with self._lock:
                    self.logins += 1
                flood = b"".join(b"* OK flooding, line %d\r\n" % n for n in range(100))
                while True:
                    link.send(flood)
            elif command == b"CAPABILITY":
                link.send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
            elif command == b"LOGOUT":
                link.send(b"* BYE\r\n" + tag + b" OK bye\r\n")
                return
            else:
                link.send(tag + b" OK done\r\n")


class SmtpEndlessGreeting(Hostile):
    """An SMTP server whose greeting is `220-` continuation lines that never end."""

    name = "SMTP endless 220-"

    def handle(self, link: Link) -> None:
        lines = b"".join(b"220-hostile.example and one more line\r\n" for _ in range(100))
        while True:
            link.send(lines)


class SieveFlood(Hostile):
    """A ManageSieve server whose greeting is one line that never ends."""

    name = "ManageSieve flood"

    def handle(self, link: Link) -> None:
        link.send(b'"IMPLEMENTATION" "')
        chunk = b"x" * 65536
        while True:
            link.send(chunk)


class SlowSmtp(Hostile):
    """A working SMTP server that waits `delay` seconds before each of its replies."""

    name = "slow SMTP"

    def __init__(self, delay: float = 10.0) -> None:
        super().__init__()
        self.delay = delay
        self.messages = 0
        self.replies = 0

    def handle(self, link: Link) -> None:
        def reply(text: bytes) -> None:
            link.pause(self.delay)
            with self._lock:  # counted before it is sent: never behind what a client saw
                self.replies += 1
            link.send(text)

        reply(b"220 hostile.example ESMTP slow\r\n")
        while True:
            line = link.readline()
            words = line.rstrip(b"\r\n").split()
            verb = words[0].upper() if words else b""
            if verb == b"EHLO":
                reply(b"250-hostile.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif verb == b"AUTH":
                mechanism = words[1].upper() if len(words) > 1 else b""
                if mechanism == b"LOGIN":
                    reply(b"334 VXNlcm5hbWU6\r\n")
                    link.readline()
                    reply(b"334 UGFzc3dvcmQ6\r\n")
                    link.readline()
                elif len(words) == 2:  # PLAIN without the initial response
                    reply(b"334 \r\n")
                    link.readline()
                reply(b"235 2.7.0 Authentication successful\r\n")
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                reply(b"250 OK\r\n")
            elif verb == b"DATA":
                reply(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                while link.readline() not in (b".\r\n", b".\n"):
                    pass
                with self._lock:
                    self.messages += 1
                reply(b"250 OK queued\r\n")
            elif verb == b"QUIT":
                reply(b"221 Bye\r\n")
                return
            else:
                reply(b"502 5.5.2 Command not recognized\r\n")


# -- HTTP servers (Twilio's REST API, misbehaving) -----------------------------------------

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2


class HttpHostile(Hostile):
    """An HTTP/1.1 server with keep-alive; `answer` says what each request gets."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.targets: collections.deque[str] = collections.deque(maxlen=100)  # the latest

    def handle(self, link: Link) -> None:
        while True:
            method, target, _ = link.read_request()
            with self._lock:
                self.requests += 1
                self.targets.append(target)
            self.answer(link, method, target)

    def answer(self, link: Link, method: str, target: str) -> None:
        """Send the response to one request."""
        raise NotImplementedError


def _rfc2822(value: dt.datetime) -> str:
    return email.utils.format_datetime(value.astimezone(dt.UTC)).replace("-0000", "+0000")


class TwilioSelfPaging(HttpHostile):
    """Twilio lists whose `next_page_uri` is the page itself: a client that trusts it never ends.

    Each page holds one record of the list asked for (messages, calls, phone numbers), received
    at `at` (default: when the server started). With `fresh_pages`, each next page is new
    instead, its record a minute older than the last: paging never ends either, unless the
    client stops at records older than what it has already seen.
    """

    name = "Twilio self-paging"
    KEYS: ClassVar[dict[str, str]] = {
        "Messages.json": "messages",
        "Calls.json": "calls",
        "IncomingPhoneNumbers.json": "incoming_phone_numbers",
    }

    def __init__(self, *, at: dt.datetime | None = None, fresh_pages: bool = False) -> None:
        super().__init__()
        self.at = at or dt.datetime.now(dt.UTC)
        self.fresh_pages = fresh_pages

    def answer(self, link: Link, method: str, target: str) -> None:
        parts = urlsplit(target)
        key = self.KEYS.get(parts.path.rsplit("/", 1)[-1])
        if key is None:
            link.respond(404, "Not Found", b'{"code": 20404, "message": "not found"}')
            return
        query = dict(parse_qsl(parts.query))
        page = int(query.get("Page", "0"))
        record = self._record(key, page if self.fresh_pages else 0, query)
        if method == "POST":
            link.respond(201, "Created", json.dumps(record).encode())
            return
        following = target
        if self.fresh_pages:
            following = f"{parts.path}?{urlencode(query | {'Page': str(page + 1)})}"
        body = {
            key: [record],
            "page": page,
            "page_size": 1,
            "start": page,
            "end": page,
            "uri": target,
            "first_page_uri": target,
            "next_page_uri": following,
            "previous_page_uri": None,
        }
        link.respond(200, "OK", json.dumps(body).encode())

    def _record(self, key: str, n: int, query: dict[str, str]) -> dict[str, Any]:
        when = _rfc2822(self.at - dt.timedelta(minutes=n))
        number = query.get("To") or query.get("PhoneNumber") or "+15550001111"
        if key == "incoming_phone_numbers":
            return {"sid": f"PN{n:032x}", "phone_number": number, "date_created": when}
        common = {
            "account_sid": ACCOUNT_SID,
            "from": f"+1555{n % 10**7:07d}",
            "to": number,
            "direction": "inbound",
            "date_created": when,
            "date_updated": when,
            "api_version": "2010-04-01",
        }
        if key == "calls":
            return common | {
                "sid": f"CA{n:032x}",
                "status": query.get("Status", "no-answer"),
                "start_time": when,
                "end_time": when,
                "duration": "0",
            }
        return common | {
            "sid": f"SM{n:032x}",
            "body": "Are you open?",
            "status": "received",
            "date_sent": when,
            "num_segments": "1",
            "num_media": "0",
        }


class RetryAfterForever(HttpHostile):
    """HTTP 429 with `Retry-After: 60` to every request, as Twilio's rate limit says it."""

    name = "429 for ever"

    def answer(self, link: Link, method: str, target: str) -> None:
        body = {
            "code": 20429,
            "message": "Too Many Requests",
            "more_info": "https://www.twilio.com/docs/errors/20429",
            "status": 429,
        }
        link.respond(429, "Too Many Requests", json.dumps(body).encode(), {"Retry-After": "60"})


class NotJson(HttpHostile):
    """HTTP 200, `Content-Type: application/json`, and the body `{not json`."""

    name = "not JSON"

    def answer(self, link: Link, method: str, target: str) -> None:
        link.respond(200, "OK", b"{not json")


# -- fixtures ------------------------------------------------------------------------------


class Start(Protocol):
    """Start a hostile server for the test, and return it."""

    def __call__(self, server: H) -> H: ...


@pytest.fixture
def hostile() -> Iterator[Start]:
    """Start hostile servers for one test (`hostile(Trickle("imap", 1.0))`); stop them after.

    Teardown fails the test if a server's threads do not all end promptly.
    """
    started: list[Hostile] = []

    def start(server: H) -> H:
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def trickling_imap(hostile: Start) -> Trickle:
    """An IMAP server answering one byte every 5 seconds."""
    return hostile(Trickle("imap"))


@pytest.fixture
def trickling_sieve(hostile: Start) -> Trickle:
    """A ManageSieve server answering one byte every 5 seconds."""
    return hostile(Trickle("sieve"))


@pytest.fixture
def trickling_smtp(hostile: Start) -> Trickle:
    """An SMTP server answering one byte every 5 seconds."""
    return hostile(Trickle("smtp"))


@pytest.fixture
def trickling_http(hostile: Start) -> Trickle:
    """An HTTP server (Twilio's `api_base`) answering one byte every 5 seconds."""
    return hostile(Trickle("http"))


@pytest.fixture
def imap_flood(hostile: Start) -> ImapFlood:
    """An IMAP server sending endless untagged lines after login."""
    return hostile(ImapFlood())


@pytest.fixture
def smtp_endless_greeting(
    hostile: Start,
) -> SmtpEndlessGreeting:
    """An SMTP server sending endless `220-` continuation lines."""
    return hostile(SmtpEndlessGreeting())


@pytest.fixture
def sieve_flood(hostile: Start) -> SieveFlood:
    """A ManageSieve server flooding without line breaks."""
    return hostile(SieveFlood())


@pytest.fixture
def slow_smtp(hostile: Start) -> SlowSmtp:
    """An SMTP server taking 10 seconds per response."""
    return hostile(SlowSmtp())


@pytest.fixture
def twilio_self_paging(hostile: Start) -> TwilioSelfPaging:
    """A Twilio API whose lists' `next_page_uri` points at the page itself."""
    return hostile(TwilioSelfPaging())


@pytest.fixture
def twilio_retry_after(hostile: Start) -> RetryAfterForever:
    """A Twilio API answering 429 with `Retry-After: 60`, for ever."""
    return hostile(RetryAfterForever())


@pytest.fixture
def twilio_not_json(hostile: Start) -> NotJson:
    """A Twilio API answering 200 with `{not json`."""
    return hostile(NotJson())
