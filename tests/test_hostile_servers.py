"""The hostile servers themselves: each does what it says, within bounds on its own side, and
stops promptly even with a client still attached (tests/servers/hostile.py)."""

from __future__ import annotations

import imaplib
import itertools
import json
import smtplib
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests

from tests.servers.hostile import (
    IMAP_GREETING,
    Hostile,
    ImapFlood,
    Link,
    NotJson,
    RetryAfterForever,
    SieveFlood,
    SlowSmtp,
    SmtpEndlessGreeting,
    Start,
    Trickle,
    TwilioSelfPaging,
)

MESSAGES = "/2010-04-01/Accounts/AC0123/Messages.json"
GET = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def connect(server: Hostile) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    return sock


def read_at_least(sock: socket.socket, size: int) -> bytes:
    """Read `size` bytes or more; only the first 4 KiB and the last 4 KiB are kept."""
    head, tail, total = b"", b"", 0
    while total < size:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        total += len(chunk)
        head = head or chunk[:4096]
        tail = (tail + chunk)[-4096:]
    return head + tail


def flood_lines(sock: socket.socket, size: int) -> set[bytes]:
    """Read `size` bytes of lines; return the distinct line beginnings (first 4 bytes)."""
    starts: set[bytes] = set()
    pending, total = b"", 0
    while total < size:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        total += len(chunk)
        *lines, pending = (pending + chunk).split(b"\n")
        starts.update(line[:4] for line in lines)
        assert len(pending) < 4096, "a line without an end"
    return starts


# -- trickling -------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["imap", "sieve", "smtp", "http"])
def test_trickle_answers_one_byte_per_interval(hostile: Start, protocol: str) -> None:
    server = hostile(Trickle(protocol, interval=0.2))
    with connect(server) as sock:
        if protocol == "http":
            sock.sendall(GET)
        got, times = [], []
        for _ in range(4):
            got.append(sock.recv(100))
            times.append(time.monotonic())
    assert got == [bytes([b]) for b in Trickle.FIRST[protocol][:4]]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.15, gaps


@pytest.mark.parametrize("protocol", ["imap", "sieve", "smtp", "http"])
def test_trickle_never_ends(hostile: Start, protocol: str) -> None:
    server = hostile(Trickle(protocol, interval=0.001))
    first, then = Trickle.FIRST[protocol], Trickle.THEN[protocol]
    with connect(server) as sock:
        if protocol == "http":
            sock.sendall(GET)
        data = b""
        while len(data) < len(first) + 3 * len(then):
            data += sock.recv(100)
    assert data.startswith(first + then * 3)


def test_a_per_read_time_limit_does_not_stop_a_trickle(hostile: Start) -> None:
    """Each byte comes within smtplib's 0.5 s limit: the greeting takes 30 times the interval."""
    server = hostile(Trickle("smtp", interval=0.05))
    start = time.monotonic()
    smtp = smtplib.SMTP(server.host, server.port, timeout=0.5)
    took = time.monotonic() - start
    smtp.sock.close()  # type: ignore[union-attr]
    assert took >= 0.05 * (len(Trickle.FIRST["smtp"]) - 1) > 1.5


def test_trickle_knows_its_protocols() -> None:
    with pytest.raises(ValueError, match="protocol is one of"):
        Trickle("gopher")


# -- floods ----------------------------------------------------------------------------------


def stuck_client(target: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    """Run a client call in a thread; return the thread and what it raised, once it has."""
    raised: list[BaseException] = []

    def call() -> None:
        try:
            target()
        except BaseException as e:  # what the client says when the server goes away
            raised.append(e)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, raised


def test_imap_flood_sends_untagged_lines_after_login_without_end(hostile: Start) -> None:
    server = hostile(ImapFlood())
    with connect(server) as sock:
        assert sock.recv(4096) == IMAP_GREETING
        sock.sendall(b"a1 CAPABILITY\r\n")
        assert sock.recv(4096) == b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK done\r\n"
        sock.sendall(b'a2 LOGIN "sam" "secret"\r\n')
        assert flood_lines(sock, 4 << 20) == {b"* OK"}  # untagged, never a2's answer
    assert server.logins == 1


def test_imaplib_is_stuck_in_login_until_the_flood_stops() -> None:
    server = ImapFlood().start()
    try:
        client = imaplib.IMAP4(server.host, server.port, timeout=5)
        thread, raised = stuck_client(lambda: client.login("sam", "secret"))
        time.sleep(0.5)
        assert thread.is_alive()  # a per-read time limit never fires: lines keep coming
    finally:
        server.stop(timeout=2)
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(raised[0], imaplib.IMAP4.abort | OSError)


def test_smtp_endless_greeting_is_only_continuation_lines(hostile: Start) -> None:
    server = hostile(SmtpEndlessGreeting())
    with connect(server) as sock:
        assert flood_lines(sock, 4 << 20) == {b"220-"}


def test_smtplib_never_gets_past_the_endless_greeting() -> None:
    server = SmtpEndlessGreeting().start()
    try:
        thread, raised = stuck_client(lambda: smtplib.SMTP(server.host, server.port, timeout=5))
        time.sleep(1.0)
        assert thread.is_alive()
    finally:
        server.stop(timeout=2)
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(raised[0], smtplib.SMTPException | OSError)


def test_sieve_flood_never_breaks_its_line(hostile: Start) -> None:
    server = hostile(SieveFlood())
    with connect(server) as sock:
        data = read_at_least(sock, 4 << 20)
    assert data.startswith(b'"IMPLEMENTATION" "xxx')
    assert b"\n" not in data
    assert server.bytes_sent >= 3 << 20  # its count may lag what the client has read


@pytest.mark.parametrize(
    ("make", "hello"),
    [
        (ImapFlood, b'a1 LOGIN "sam" "secret"\r\n'),
        (SmtpEndlessGreeting, b""),
        (SieveFlood, b""),
    ],
    ids=["imap", "smtp", "sieve"],
)
def test_a_flood_holds_no_more_memory_than_a_few_buffers(
    hostile: Start, make: Callable[[], Hostile], hello: bytes
) -> None:
    server = hostile(make())
    tracemalloc.start()
    try:
        with connect(server) as sock:
            sock.sendall(hello)
            read_at_least(sock, 16 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert server.bytes_sent >= 15 << 20  # its count may lag what the client has read
    assert peak < 2 << 20  # 16 MiB went through; the server kept no more than its buffers


# -- slow SMTP -------------------------------------------------------------------------------


def test_slow_smtp_works_and_waits_before_every_reply(hostile: Start) -> None:
    server = hostile(SlowSmtp(delay=0.2))
    start = time.monotonic()
    with smtplib.SMTP(server.host, server.port, timeout=2) as smtp:
        smtp.login("sam", "secret")
        smtp.sendmail("sam@example.com", ["ann@example.com"], b"Subject: hi\r\n\r\nhello\r\n")
    took = time.monotonic() - start
    assert server.messages == 1
    # greeting, EHLO, AUTH, MAIL, RCPT, DATA, the end of data, QUIT
    assert server.replies == 8
    assert took >= 8 * 0.2


def test_slow_smtp_defaults_to_ten_seconds(slow_smtp: SlowSmtp) -> None:
    assert slow_smtp.delay == 10.0
    with connect(slow_smtp) as sock:
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(100)


# -- HTTP ------------------------------------------------------------------------------------


def test_twilio_self_paging_points_every_page_at_itself(
    twilio_self_paging: TwilioSelfPaging,
) -> None:
    target = f"{MESSAGES}?To=%2B15550001111&PageSize=50"
    with requests.Session() as session:
        pages = [session.get(twilio_self_paging.url + target, timeout=5).json()]
        for _ in range(5):
            pages.append(
                session.get(twilio_self_paging.url + pages[-1]["next_page_uri"], timeout=5).json()
            )
    assert pages[0]["next_page_uri"] == target
    assert all(page == pages[0] for page in pages)
    [message] = pages[0]["messages"]
    assert (message["to"], message["direction"]) == ("+15550001111", "inbound")
    assert twilio_self_paging.requests == 6
    assert twilio_self_paging.connections == 1  # kept alive, as Twilio's client does


def test_twilio_fresh_pages_go_back_in_time_for_ever(hostile: Start) -> None:
    server = hostile(TwilioSelfPaging(fresh_pages=True))
    target = f"{MESSAGES}?To=%2B15550001111"
    seen, dates = set(), []
    with requests.Session() as session:
        for _ in range(20):
            page = session.get(server.url + target, timeout=5).json()
            [message] = page["messages"]
            seen.add(message["sid"])
            dates.append(email_date(message["date_sent"]))
            target = page["next_page_uri"]
    assert len(seen) == 20
    assert dates == sorted(dates, reverse=True)
    assert urlsplit(target).query.endswith("Page=20")


def email_date(text: str) -> float:
    import email.utils

    return email.utils.parsedate_to_datetime(text).timestamp()


def test_twilio_self_paging_serves_calls_and_numbers(twilio_self_paging: TwilioSelfPaging) -> None:
    base = twilio_self_paging.url + "/2010-04-01/Accounts/AC0123/"
    calls = requests.get(base + "Calls.json?To=%2B15550001111&Status=no-answer", timeout=5).json()
    assert calls["calls"][0]["status"] == "no-answer"
    numbers = requests.get(base + "IncomingPhoneNumbers.json?PhoneNumber=%2B1555", timeout=5)
    assert numbers.json()["incoming_phone_numbers"][0]["phone_number"] == "+1555"
    assert requests.get(base + "Other.json", timeout=5).status_code == 404


def test_retry_after_forever(twilio_retry_after: RetryAfterForever) -> None:
    with requests.Session() as session:
        answers = [session.get(twilio_retry_after.url + MESSAGES, timeout=5) for _ in range(3)]
    assert [(a.status_code, a.headers["Retry-After"]) for a in answers] == [(429, "60")] * 3
    assert answers[0].json()["code"] == 20429


def test_not_json(twilio_not_json: NotJson) -> None:
    answer = requests.post(twilio_not_json.url + MESSAGES, data={"Body": "x" * 5000}, timeout=5)
    assert (answer.status_code, answer.headers["Content-Type"]) == (200, "application/json")
    assert answer.text == "{not json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.text)


# -- stopping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "hello"),
    [
        (lambda: Trickle("imap", 5.0), b""),
        (lambda: Trickle("http", 5.0), GET),
        (ImapFlood, b'a1 LOGIN "sam" "secret"\r\n'),
        (SmtpEndlessGreeting, b""),
        (SieveFlood, b""),
        (lambda: SlowSmtp(10.0), b""),
        (TwilioSelfPaging, b"GET / HTTP/1.1\r\nHost: x\r\n"),  # a request head never finished
    ],
    ids=["trickle", "trickle http", "imap flood", "smtp 220-", "sieve flood", "slow smtp", "http"],
)
def test_stop_ends_every_thread_with_a_client_that_stopped_reading(
    make: Callable[[], Hostile], hello: bytes
) -> None:
    server = make().start()
    clients = [connect(server) for _ in range(3)]
    for sock in clients:
        sock.sendall(hello)
    time.sleep(0.3)  # the floods fill the socket buffers; the server's sends block
    start = time.monotonic()
    server.stop(timeout=2)
    assert time.monotonic() - start < 1.0
    for sock in clients:
        sock.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.port), timeout=1)
    assert server.connections == 3


class Deaf(Hostile):
    """A server that ignores the stop flag: what `stop` must catch."""

    name = "deaf"

    def handle(self, link: Link) -> None:
        time.sleep(1.0)


def test_stop_fails_when_a_thread_outlives_it() -> None:
    server = Deaf().start()
    with connect(server):
        time.sleep(0.2)
        with pytest.raises(AssertionError, match=r"deaf: still running 0.1 s after stop"):
            server.stop(timeout=0.1)
