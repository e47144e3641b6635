"""Text a server sends back reaches no terminal as escapes: every error is one safe line.

A hostile mail server answers a login with terminal escape sequences (a window title, a
cleared screen, an 8-bit CSI) and a line break. Whatever quotes it, the `Error:` line, `hours
doctor`, `hours autoreply status` and the journal's last_error, shows its words and none of
its escapes.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from hours.errors import ConfigError, ProviderError, printable
from tests.helpers import run, write_config
from tests.servers.hostile import Hostile, Link, Start

PASSWORD_ENV = "HOURS_TEST_ESCAPES_PASSWORD"
# A window title (OSC ended by BEL), a cleared screen, colours, a carriage return.
ESCAPES = b"\x1b]0;pwned\x07\x1b[2J\x1b[31mgo away\x1b[0m\rnow"


class SmtpEscapes(Hostile):
    """SMTP refusing every login with escape sequences in its answer."""

    name = "SMTP escapes"

    def handle(self, link: Link) -> None:
        link.send(b"220 escapes.example ESMTP\r\n")
        while True:
            verb = link.readline().rstrip(b"\r\n").split(b" ")[0].upper()
            if verb == b"EHLO":
                link.send(b"250-escapes.example\r\n250 AUTH PLAIN\r\n")
            elif verb == b"AUTH":
                link.send(b"535 " + ESCAPES + b"\r\n")
            elif verb == b"QUIT":
                link.send(b"221 bye\r\n")
                return
            else:
                link.send(b"250 OK\r\n")


class SieveEscapes(Hostile):
    """ManageSieve refusing every login with escape sequences in its answer."""

    name = "ManageSieve escapes"

    def handle(self, link: Link) -> None:
        link.send(b'"IMPLEMENTATION" "escapes"\r\n"SASL" "PLAIN"\r\n"SIEVE" "vacation"\r\nOK\r\n')
        while True:
            line = link.readline().upper()
            if line.startswith(b"AUTHENTICATE"):
                link.send(b'NO "' + ESCAPES + b'"\r\n')
            elif line.startswith(b"LOGOUT"):
                link.send(b"OK bye\r\n")
                return
            else:
                link.send(b"OK\r\n")


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "secret-password")


def mail_config(server: Hostile, mode: str) -> None:
    """Write a config whose email channel, in `mode`, reaches `server` for every service."""
    where = f'{{ host = "{server.host}", port = {server.port}, security = "none" }}'
    write_config(f"""\
timezone = "UTC"
[autoreply.email]
mode = "{mode}"
address = "sam@nails.test"
password_env = "{PASSWORD_ENV}"
imap = {where}
smtp = {where}
sieve = {where}
""")


def test_an_smtp_answer_with_escapes_is_shown_without_them(hostile: Start) -> None:
    server = hostile(SmtpEscapes())
    mail_config(server, "imap")

    doctor = run("doctor")

    (line,) = [x for x in doctor.stdout.splitlines() if x.startswith("[FAIL] email SMTP")]
    assert line.endswith(
        "SMTP login to 127.0.0.1:"
        f"{server.port} as sam@nails.test failed (535): go away now. Check the username and "
        "password."
    )
    assert all(printable(line) == line for line in doctor.stdout.splitlines())
    assert doctor.exit_code == 4


def test_every_error_message_is_one_printable_line() -> None:
    raw = "IMAP said: " + ESCAPES.decode("latin-1") + "\nBcc: eve@evil.example"
    for error in (ProviderError(raw), ConfigError(raw)):
        assert error.message == "IMAP said: go away now Bcc: eve@evil.example"
        assert str(error) == error.message


def test_the_error_line_is_one_printable_line() -> None:
    """A usage error quoting what was typed shows no escapes and stays on one line."""
    result = run("status", "--at", "\x1b]0;pwned\x07x\ny")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "\x1b" not in result.stderr
    assert printable(result.stderr.rstrip("\n")) == result.stderr.rstrip("\n")


def test_a_stored_last_error_has_no_escapes(hostile: Start) -> None:
    server = hostile(SieveEscapes())
    mail_config(server, "sieve")
    synced = run("autoreply", "sync")
    status = run("autoreply", "status")

    assert synced.exit_code == 4
    journal = Path(os.environ["HOURS_HOME"]) / "journal.sqlite3"
    with sqlite3.connect(journal) as db:
        (stored,) = db.execute("SELECT last_error FROM channels").fetchone()
    assert synced.stderr == (
        f"Error: email: ManageSieve login to 127.0.0.1:{server.port} as sam@nails.test failed: "
        "go away now. Check the username and password.\n"
    )
    for text in (status.stdout, stored):
        assert "go away now" in text
        assert all(printable(line) == line for line in text.splitlines()), text
