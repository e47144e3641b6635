"""Servers that echo what they were sent: no secret `hours` sends reaches any output, log,
journal or doctor line, in any encoding it was sent in or a server could quote it in.

Each echo server quotes the request back in its error: the IMAP LOGIN line (the password as an
IMAP quoted string, which imaplib then quotes as bytes), the SMTP AUTH PLAIN and LOGIN base64,
ManageSieve's AUTHENTICATE PLAIN base64, and Twilio's Authorization header (Basic, base64 of
SID:token) with the form in JSON \\u escapes and percent-encoding. What is checked is found
independently of the scrubber: every run of base64 in the output decoded, the output
percent-decoded, JSON- and bytes-unescaped, each searched for the secret.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import sqlite3
import urllib.parse
from pathlib import Path

import pytest

from tests.email_e2e import PASSWORD_ENV, WEEKDAYS, at
from tests.helpers import run, write_config
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.hostile import IMAP_GREETING, Hostile, HttpHostile, Link, Start

# A password with what IMAP quotes and escapes, and what JSON and URLs escape.
PASSWORD = 'Zq"9\\w0rd/+=%!x'
SID = "AC" + "f00dfeed" * 4
TOKEN = "t0k3n-f0r-tw1l10/+="


def _unescape(text: str) -> str:
    """Undo backslash escapes as JSON and IMAP quoted strings write them."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)
    return re.sub(r"\\(.)", r"\1", text)


def _bytes_unescaped(text: str) -> str:
    """Undo Python's bytes repr (`\\xc3\\xb6`, `\\\\`) as imaplib's errors show it."""
    try:
        raw = text.encode("latin-1", "backslashreplace").decode("unicode_escape")
        return raw.encode("latin-1").decode("utf-8", "replace")
    except (UnicodeError, ValueError):
        return text


def decodings(text: str) -> list[str]:
    """Return `text` and what it says when read as base64, percent-, JSON- or bytes-escaped."""
    out = []
    for base in (text, _bytes_unescaped(text)):
        out += [base, _unescape(base), urllib.parse.unquote(base), urllib.parse.unquote_plus(base)]
    for run_ in re.findall(r"[A-Za-z0-9+/_=-]{8,}", text):
        for start in range(4):
            piece = run_[start:].rstrip("=")
            piece += "=" * (-len(piece) % 4)
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                with contextlib.suppress(binascii.Error, ValueError):
                    out.append(decode(piece).decode("utf-8", "replace"))
    return out


def leaked(texts: list[str], secrets: tuple[str, ...]) -> list[str]:
    """Return the secrets found in any of `texts`, in any of their decodings."""
    return [s for s in secrets for t in texts for d in decodings(t) if s in d]


def everything_shown(*argvs: list[str]) -> list[str]:
    """Run each command; return all it printed, and every last_error the journal holds."""
    texts = []
    for argv in argvs:
        result = run(*argv)
        texts += [result.stdout, result.stderr]
    journal = Path(os.environ["HOURS_HOME"]) / "journal.sqlite3"
    if journal.exists():
        db = sqlite3.connect(journal)
        texts += [str(e) for (e,) in db.execute("SELECT last_error FROM channels")]
        db.close()
    return texts


# -- the echo servers --------------------------------------------------------------------------


class ImapEcho(Hostile):
    name = "IMAP echo"

    def handle(self, link: Link) -> None:
        link.send(IMAP_GREETING)
        while True:
            line = link.readline().rstrip(b"\r\n")
            tag, _, rest = line.partition(b" ")
            if rest.upper().startswith(b"CAPABILITY"):
                link.send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
            elif rest.upper().startswith(b"LOGIN"):
                link.send(tag + b" NO [AUTHENTICATIONFAILED] you sent: " + rest + b"\r\n")
            else:
                link.send(tag + b" OK done\r\n")


class SmtpEcho(Hostile):
    name = "SMTP echo"

    def handle(self, link: Link) -> None:
        link.send(b"220 echo.example ESMTP\r\n")
        while True:
            line = link.readline().rstrip(b"\r\n")
            words = line.split(b" ")
            verb = words[0].upper()
            if verb == b"EHLO":
                link.send(b"250-echo.example\r\n250 AUTH PLAIN LOGIN\r\n")
            elif verb == b"AUTH" and words[1].upper() == b"LOGIN":
                link.send(b"334 VXNlcm5hbWU6\r\n")
                user = link.readline().rstrip(b"\r\n")
                link.send(b"334 UGFzc3dvcmQ6\r\n")
                secret = link.readline().rstrip(b"\r\n")
                link.send(b"535 5.7.8 no such user " + user + b" with " + secret + b"\r\n")
            elif verb == b"AUTH":
                said = line[5:]
                decoded = base64.b64decode(words[-1]).replace(b"\0", b" ")
                link.send(b"535 5.7.8 you sent " + said + b" that is " + decoded + b"\r\n")
            elif verb == b"QUIT":
                link.send(b"221 bye\r\n")
                return
            else:
                link.send(b"250 OK\r\n")


class SieveEcho(Hostile):
    name = "ManageSieve echo"

    def handle(self, link: Link) -> None:
        link.send(b'"IMPLEMENTATION" "echo"\r\n"SASL" "PLAIN"\r\n"SIEVE" "vacation"\r\nOK\r\n')
        while True:
            line = link.readline().rstrip(b"\r\n")
            if line.upper().startswith(b"AUTHENTICATE"):
                echoed = line.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
                link.send(b'NO "you sent: ' + echoed + b'"\r\n')
            elif line.upper().startswith(b"LOGOUT"):
                link.send(b"OK bye\r\n")
                return
            else:
                link.send(b"OK\r\n")


class TwilioEcho(HttpHostile):
    """Twilio answering 401 with the request's Authorization header and form quoted back."""

    name = "Twilio echo"

    def handle(self, link: Link) -> None:
        while True:
            _, target, headers = link.read_request()
            said = {
                "authorization": headers.get("authorization", ""),
                "target": target,
                "header, percent-encoded": urllib.parse.quote(headers.get("authorization", "")),
            }
            body = {
                "code": 20003,
                "status": 401,
                "message": f"Authenticate: you sent {json.dumps(said)}",
            }
            link.respond(401, "Unauthorized", json.dumps(body, ensure_ascii=True).encode())


# -- the tests -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("HOURS_TEST_TWILIO_SID", SID)
    monkeypatch.setenv("HOURS_TEST_TWILIO_TOKEN", TOKEN)


def mail_config(mode: str, server: Hostile) -> None:
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


@pytest.mark.parametrize(
    ("make", "mode"), [(ImapEcho, "imap"), (SieveEcho, "sieve")], ids=["imap", "sieve"]
)
def test_a_mail_server_echoing_the_login(hostile: Start, make: type[Hostile], mode: str) -> None:
    server = hostile(make())
    mail_config(mode, server)

    texts = everything_shown(
        ["autoreply", "sync"], ["autoreply", "status"], ["doctor"], ["autoreply", "install"]
    )

    assert leaked(texts, (PASSWORD,)) == []
    assert any("***" in t for t in texts)  # the echo was shown, without the secret


def test_smtp_echoing_auth_plain_and_login(hostile: Start) -> None:
    from hours.clients.net import Endpoint
    from hours.clients.smtp import SmtpSender
    from hours.errors import ProviderError

    server = hostile(SmtpEcho())
    sender = SmtpSender(Endpoint(server.host, server.port, "none"), "sam@nails.test", PASSWORD)
    with pytest.raises(ProviderError) as caught:
        sender.check()
    assert leaked([caught.value.message], (PASSWORD,)) == []
    assert "***" in caught.value.message


def test_a_sync_replying_through_smtp_that_echoes_the_login(
    hostile: Start, dovecot: Dovecot, mail_user: MailUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    server = hostile(SmtpEcho())
    write_config(f"""\
timezone = "America/New_York"
[week]
{WEEKDAYS}
[autoreply.email]
address = "{mail_user.address}"
password_env = "{PASSWORD_ENV}"
imap = {{ host = "{dovecot.host}", port = {dovecot.imap_port}, security = "none" }}
smtp = {{ host = "{server.host}", port = {server.port}, security = "none" }}
""")
    assert run("autoreply", "sync", "--at", at("2026-11-16T12:00").isoformat()).exit_code == 0
    message = make_message(sender="zoe@client.test", to=mail_user.address)
    dovecot.append(mail_user, [message], arrived=at("2026-11-16T18:30"))

    texts = everything_shown(
        ["autoreply", "sync", "--at", at("2026-11-16T18:35").isoformat()],
        ["autoreply", "status"],
        ["doctor"],
    )

    assert leaked(texts, (mail_user.password,)) == []
    assert any("535" in t and "***" in t for t in texts)


def test_twilio_echoing_the_authorization_header(hostile: Start) -> None:
    server = hostile(TwilioEcho())
    write_config(f"""\
timezone = "UTC"
[autoreply.phone]
number = "+15550001111"
account_sid_env = "HOURS_TEST_TWILIO_SID"
auth_token_env = "HOURS_TEST_TWILIO_TOKEN"
api_base = "{server.url}"
""")

    texts = everything_shown(
        ["autoreply", "sync"], ["autoreply", "status"], ["doctor"], ["autoreply", "install"]
    )

    assert leaked(texts, (SID, TOKEN, f"{SID}:{TOKEN}")) == []
    assert any("Authenticate: you sent" in t and "***" in t for t in texts)


def test_the_leak_check_finds_each_encoding() -> None:
    """The check itself: each form an echo could take is found."""
    header = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    plain = base64.b64encode(f"\0sam\0{PASSWORD}".encode()).decode()
    quoted = '"' + PASSWORD.replace("\\", "\\\\").replace('"', '\\"') + '"'
    for text in (
        header,
        f"x{plain}y",
        urllib.parse.quote(TOKEN, safe=""),
        json.dumps({"m": PASSWORD}),
        str([quoted.encode()]),
    ):
        assert leaked([text], (SID, TOKEN, PASSWORD)), text


def test_a_password_login_cannot_send_is_one_error(hostile: Start) -> None:
    """imaplib and smtplib send only ASCII: a password with ö is one line, never a traceback."""
    from hours.clients.imap import ImapReader
    from hours.clients.net import Endpoint
    from hours.clients.smtp import SmtpSender
    from hours.errors import ProviderError

    imap, smtp = hostile(ImapEcho()), hostile(SmtpEcho())
    with pytest.raises(ProviderError, match="IMAP LOGIN cannot send"):
        ImapReader(Endpoint(imap.host, imap.port, "none"), "sam", "wörd").check()
    with pytest.raises(ProviderError, match="SMTP AUTH cannot send"):
        SmtpSender(Endpoint(smtp.host, smtp.port, "none"), "sam", "wörd").check()
