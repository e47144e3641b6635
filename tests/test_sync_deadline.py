"""One deadline for the whole sync: against every hostile server, `hours autoreply sync` ends
within `sync_timeout` with exit 4, says what was left undone, and leaves the lock free.

Each sync runs as its own process, as cron runs it, with `sync_timeout = "5s"`; the servers are
those of tests/servers/hostile.py (trickling bytes, endless lines, floods, pages that point at
themselves, Retry-After past the deadline, answers that are not JSON), and for SMTP the real
Dovecot holds the message to answer. What no time limit reaches, a name lookup that never
answers, is stopped by the sync's backstop past the deadline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hours.commands.autoreply import BACKSTOP_SECONDS
from hours.journal import sync_lock
from tests.email_e2e import PASSWORD_ENV, WEEKDAYS, at
from tests.helpers import config_file, write_config
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.hostile import (
    Hostile,
    ImapFlood,
    NotJson,
    RetryAfterForever,
    SieveFlood,
    SlowSmtp,
    SmtpEndlessGreeting,
    Start,
    Trickle,
    TwilioSelfPaging,
)

TIMEOUT = 5.0
# What a process adds to its sync: starting Python and hours, and ending, on a busy machine.
STARTUP = 4.0
REPO = Path(__file__).resolve().parent.parent


def email_config(
    *, mode: str = "imap", imap: tuple[str, int], smtp: tuple[str, int], sieve: tuple[str, int]
) -> None:
    write_config(f"""\
timezone = "America/New_York"
[week]
{WEEKDAYS}
[autoreply]
sync_timeout = "{TIMEOUT:g}s"
[autoreply.email]
mode = "{mode}"
address = "sam@nails.test"
password_env = "{PASSWORD_ENV}"
imap = {{ host = "{imap[0]}", port = {imap[1]}, security = "none" }}
smtp = {{ host = "{smtp[0]}", port = {smtp[1]}, security = "none" }}
sieve = {{ host = "{sieve[0]}", port = {sieve[1]}, security = "none" }}
""")


def phone_config(api_base: str) -> None:
    write_config(f"""\
timezone = "America/New_York"
[autoreply]
sync_timeout = "{TIMEOUT:g}s"
[autoreply.phone]
number = "+15550001111"
account_sid_env = "HOURS_TEST_TWILIO_SID"
auth_token_env = "HOURS_TEST_TWILIO_TOKEN"
api_base = "{api_base}"
""")


def start_sync(*extra: str) -> subprocess.Popen[str]:
    """Start `hours autoreply sync --json` as its own process."""
    command = [sys.executable, "-m", "hours", "--config", str(config_file())]
    return subprocess.Popen(
        [*command, "autoreply", "sync", "--json", *extra],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, dict[str, Any], str, float]:
    """Wait for a sync; return its status, its one channel's row, its stderr, and how long."""
    started = time.monotonic()
    out, err = process.communicate(timeout=TIMEOUT + 60)
    took = time.monotonic() - started
    rows = json.loads(out)["channels"] if out else [{}]
    return process.returncode, rows[0], err, took


def timed_sync(*extra: str) -> tuple[int, dict[str, Any], str, float]:
    started = time.monotonic()
    status, row, err, _ = finish(start_sync(*extra))
    return status, row, err, time.monotonic() - started


def assert_lock_free() -> None:
    with sync_lock(Path(os.environ["HOURS_HOME"])):
        pass


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "secret")
    monkeypatch.setenv("HOURS_TEST_TWILIO_SID", "AC" + "0123456789abcdef" * 2)
    monkeypatch.setenv("HOURS_TEST_TWILIO_TOKEN", "a-twilio-token")


# (id, how to make the server, what the error says it was doing when it stopped)
MAIL = [
    (
        "imap trickle",
        lambda: Trickle("imap"),
        "the sync's 5 s (sync_timeout) ran out while reading IMAP {where}'s greeting",
    ),
    ("imap flood", ImapFlood, "IMAP {where}"),
    (
        "sieve trickle",
        lambda: Trickle("sieve"),
        "the sync's 5 s (sync_timeout) ran out while reading ManageSieve {where}'s greeting",
    ),
    (
        "sieve flood",
        SieveFlood,
        "a line longer than 65,536 bytes while reading ManageSieve {where}'s greeting",
    ),
]


@pytest.mark.parametrize(("make", "said"), [c[1:] for c in MAIL], ids=[c[0] for c in MAIL])
def test_a_mail_sync_against_a_hostile_server_ends_on_time(
    hostile: Start, make: Callable[[], Hostile], said: str
) -> None:
    server = hostile(make())
    where = (server.host, server.port)
    mode = "sieve" if "sieve" in server.name.lower() else "imap"
    email_config(mode=mode, imap=where, smtp=("127.0.0.1", 9), sieve=where)

    status, row, err, took = timed_sync()

    assert status == 4, err
    assert took < TIMEOUT + STARTUP
    assert said.format(where=f"{server.host}:{server.port}") in row["error"]
    assert err.startswith("Error: email: ")
    assert_lock_free()


SMTP = [
    (
        "smtp trickle",
        lambda: Trickle("smtp"),
        "the sync's 5 s (sync_timeout) ran out while reading SMTP {where}'s greeting",
    ),
    (
        "smtp 220- for ever",
        SmtpEndlessGreeting,
        "more than 100 lines while reading SMTP {where}'s greeting",
    ),
    (
        "smtp 10 s a reply",
        SlowSmtp,
        "the sync's 5 s (sync_timeout) ran out while reading SMTP {where}'s greeting",
    ),
]


@pytest.mark.parametrize(("make", "said"), [c[1:] for c in SMTP], ids=[c[0] for c in SMTP])
def test_a_reply_through_a_hostile_smtp_server_ends_on_time(
    hostile: Start,
    dovecot: Dovecot,
    mail_user: MailUser,
    monkeypatch: pytest.MonkeyPatch,
    make: Callable[[], Hostile],
    said: str,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    server = hostile(make())
    imap = (dovecot.host, dovecot.imap_port)
    write_config(
        f"""\
timezone = "America/New_York"
[week]
{WEEKDAYS}
[autoreply]
sync_timeout = "{TIMEOUT:g}s"
[autoreply.email]
address = "{mail_user.address}"
password_env = "{PASSWORD_ENV}"
imap = {{ host = "{imap[0]}", port = {imap[1]}, security = "none" }}
smtp = {{ host = "{server.host}", port = {server.port}, security = "none" }}
"""
    )
    status, row, err, _ = timed_sync("--at", at("2026-11-16T12:00").isoformat())
    assert (status, row["action"]) == (0, "started"), err
    message = make_message(sender="zoe@client.test", to=mail_user.address)
    dovecot.append(mail_user, [message], arrived=at("2026-11-16T18:30"))

    status, row, err, took = timed_sync("--at", at("2026-11-16T18:35").isoformat())

    assert status == 4, err
    assert took < TIMEOUT + STARTUP
    assert said.format(where=f"{server.host}:{server.port}") in row["error"]
    assert_lock_free()
    # Nothing was sent, so nothing is kept as answered: the next sync tries the reply again.
    assert row["replied"] == 0


PHONE = [
    (
        "http trickle",
        lambda: Trickle("http"),
        "the sync's 5 s (sync_timeout) ran out while listing the messages to +15550001111",
    ),
    (
        "self-paging",
        TwilioSelfPaging,
        "Twilio's next page is one it already gave while listing the messages to +15550001111",
    ),
    (
        "fresh pages for ever",
        lambda: TwilioSelfPaging(fresh_pages=True),
        "the sync's 5 s (sync_timeout) ran out while",
    ),
    ("429 for ever", RetryAfterForever, "it asked to wait 60 s, past this sync's deadline"),
    ("not JSON", NotJson, "could not be read while listing the messages"),
]


@pytest.mark.parametrize(("make", "said"), [c[1:] for c in PHONE], ids=[c[0] for c in PHONE])
def test_a_phone_sync_against_a_hostile_twilio_ends_on_time(
    hostile: Start, make: Callable[[], Hostile], said: str
) -> None:
    server = hostile(make())
    phone_config(server.url)

    status, row, err, took = timed_sync()

    assert status == 4, err
    assert took < TIMEOUT + STARTUP
    assert said in row["error"]
    assert "Traceback" not in err
    assert_lock_free()


def test_paging_back_in_time_stops_at_what_was_read_before(hostile: Start) -> None:
    """Pages of ever older texts: paging ends at the cursor, not at the deadline."""
    server = hostile(TwilioSelfPaging(at=dt.datetime.now(dt.UTC), fresh_pages=True))
    phone_config(server.url)
    write_config(
        config_file()
        .read_text()
        .replace('sync_timeout = "5s"', 'sync_timeout = "60s"\nmax_age = "10m"')
    )
    status, row, err, _ = timed_sync()
    assert (status, row["error"]) == (0, None), err
    # The first sync reads back max_age (10 minutes), a page a minute, and one page past it,
    # in each of its three lists: texts, unanswered calls, busy calls.
    listed = [t for t in server.targets if "Page=" in t or "PageSize=" in t]
    assert 3 * 10 <= len(listed) <= 3 * 12, listed


def test_a_second_sync_is_not_locked_out_past_the_first_ones_deadline(hostile: Start) -> None:
    server = hostile(Trickle("imap"))
    where = (server.host, server.port)
    email_config(imap=where, smtp=("127.0.0.1", 9), sieve=where)

    first = start_sync()
    time.sleep(1.5)  # the first holds the lock, waiting on the trickle
    status, _, err, _ = finish(start_sync())
    lock = Path(os.environ["HOURS_HOME"]) / "sync.lock"
    assert (status, err) == (
        5,
        f"Error: another `hours autoreply sync` is running (it holds {lock}); this one stops "
        "here\n",
    )
    first_status, row, _, _ = finish(first)
    assert first_status == 4
    assert "ran out" in row["error"]

    # Straight after the first one's deadline, the next sync runs (and ends on time too).
    status, row, err, took = timed_sync()
    assert status == 4, err
    assert "ran out" in row["error"]
    assert took < TIMEOUT + STARTUP


STUCK_RESOLVER = """\
import socket
import time

_lookup = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if host == "stuck.resolver.test":
        time.sleep(3600)
    return _lookup(host, *args, **kwargs)


socket.getaddrinfo = getaddrinfo
"""


def test_a_name_lookup_that_never_answers_is_stopped_past_the_deadline(tmp_path: Path) -> None:
    # The one fake of this file: a resolver that never answers cannot run here without changing
    # the machine's resolv.conf, so the sync's process is given a lookup that waits an hour.
    site = tmp_path / "stuck-resolver"
    site.mkdir()
    (site / "sitecustomize.py").write_text(STUCK_RESOLVER)
    write_config(f"""\
timezone = "America/New_York"
[autoreply]
sync_timeout = "{TIMEOUT:g}s"
[autoreply.email]
address = "sam@nails.test"
password_env = "{PASSWORD_ENV}"
imap = {{ host = "stuck.resolver.test", port = 993, security = "ssl" }}
smtp = {{ host = "stuck.resolver.test", port = 465, security = "ssl" }}
""")

    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "hours", "--config", str(config_file()), "autoreply", "sync"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT + 60)
    finally:
        process.kill()  # a sync never stopped would otherwise wait out its hour
    took = time.monotonic() - started

    assert (process.returncode, out) == (4, ""), err
    assert err == (
        f"Error: the sync was still going 15 s past its {TIMEOUT:g} s (sync_timeout), "
        "held up where no time limit reaches (a name lookup that never answers?); stopped so "
        "that the next sync can run\n"
    )
    assert TIMEOUT + BACKSTOP_SECONDS <= took < TIMEOUT + BACKSTOP_SECONDS + STARTUP
    assert_lock_free()
