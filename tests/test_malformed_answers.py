"""Servers that answer wrongly: each is one Error line (exit 4) or a courtesy ignored, never a
traceback; and a reply whose message reached the SMTP server is never sent a second time."""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage

import pytest

from hours.clients.imap import ImapReader
from hours.clients.managesieve import ManageSieve, SieveError
from hours.clients.net import Deadline, Endpoint
from hours.clients.smtp import SmtpSender
from hours.errors import MaybeSent, ProviderError
from tests.helpers import run, write_config
from tests.servers.hostile import IMAP_GREETING, Hostile, Link, Start


class SieveBadLiteral(Hostile):
    """A ManageSieve greeting with a literal whose length is not a number: `{abc}`."""

    name = "ManageSieve {abc}"

    def handle(self, link: Link) -> None:
        link.send(b'"IMPLEMENTATION" {abc}\r\n')
        link.pause(5)


class ImapLogoutNo(Hostile):
    """A working, empty IMAP mailbox, whose server answers LOGOUT with NO."""

    name = "IMAP LOGOUT NO"

    def handle(self, link: Link) -> None:
        link.send(IMAP_GREETING)
        while True:
            tag, _, rest = link.readline().rstrip(b"\r\n").partition(b" ")
            command = rest.split(b" ", 1)[0].upper()
            if command == b"CAPABILITY":
                link.send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
            elif command in (b"EXAMINE", b"SELECT"):
                link.send(
                    b"* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n"
                    b"* OK [UIDNEXT 1] ok\r\n" + tag + b" OK [READ-ONLY] done\r\n"
                )
            elif command == b"LOGOUT":
                link.send(tag + b" NO not today\r\n")
                link.pause(5)
            else:
                link.send(tag + b" OK done\r\n")


class SmtpSilentAfterData(Hostile):
    """An SMTP server that takes the whole message, then never says whether it kept it."""

    name = "SMTP silent after the message"

    def __init__(self) -> None:
        super().__init__()
        self.messages = 0

    def handle(self, link: Link) -> None:
        link.send(b"220 silent.example ESMTP\r\n")
        while True:
            verb = link.readline().split(b" ", 1)[0].strip().upper()
            if verb == b"EHLO":
                link.send(b"250-silent.example\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
            elif verb == b"AUTH":
                link.send(b"235 2.7.0 Authentication successful\r\n")
            elif verb == b"DATA":
                link.send(b"354 go ahead\r\n")
                while link.readline() not in (b".\r\n", b".\n"):
                    pass
                with self._lock:
                    self.messages += 1
                link.pause(60)  # the message is here; the answer never comes
            else:
                link.send(b"250 OK\r\n")


def test_a_managesieve_literal_that_is_not_a_number(hostile: Start) -> None:
    server = hostile(SieveBadLiteral())
    endpoint = Endpoint(server.host, server.port, "none")
    with pytest.raises(SieveError) as caught:
        ManageSieve(endpoint, "sam", "secret", deadline=Deadline.after(5)).connect()
    assert caught.value.message == (
        f"ManageSieve {server.host}:{server.port} sent a malformed literal '{{abc}}'; it does "
        "not speak ManageSieve as RFC 5804 says"
    )


def test_an_imap_server_answering_logout_with_no(hostile: Start) -> None:
    """Logging out is a courtesy: the poll's result stands, and nothing is raised."""
    server = hostile(ImapLogoutNo())
    reader = ImapReader(
        Endpoint(server.host, server.port, "none"), "sam", "secret", deadline=Deadline.after(5)
    )
    assert reader.check().uidvalidity == 7


def test_a_sync_against_an_imap_server_answering_logout_with_no(
    hostile: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = hostile(ImapLogoutNo())
    monkeypatch.setenv("HOURS_TEST_MAIL_PASSWORD", "secret")
    write_config(f"""\
timezone = "UTC"
[autoreply]
sync_timeout = "10s"
[autoreply.email]
address = "sam@nails.test"
password_env = "HOURS_TEST_MAIL_PASSWORD"
imap = {{ host = "{server.host}", port = {server.port}, security = "none" }}
smtp = {{ host = "127.0.0.1", port = 9, security = "none" }}
""")
    result = run("autoreply", "sync", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    [row] = json.loads(result.stdout)["channels"]
    assert (row["action"], row["error"]) == ("started", None)


def message() -> EmailMessage:
    out = EmailMessage()
    out["From"] = "sam@nails.test"
    out["To"] = "zoe@client.test"
    out["Subject"] = "Re: hi"
    out.set_content("Back Monday.\n")
    return out


def test_a_message_the_server_took_without_answering_may_have_been_sent(hostile: Start) -> None:
    server = hostile(SmtpSilentAfterData())
    sender = SmtpSender(Endpoint(server.host, server.port, "none"), deadline=Deadline.after(2))
    with pytest.raises(MaybeSent) as caught:
        sender.send(message())
    assert server.messages == 1
    assert caught.value.message == (
        f"SMTP {server.host}:{server.port}: no answer after the message was sent (the sync's 2 s "
        f"(sync_timeout) ran out while reading SMTP {server.host}:{server.port}'s answer to "
        "DATA; the next sync tries again); it may have been delivered, so it is not sent again"
    )


def test_a_message_refused_before_it_was_sent_is_not_taken_for_sent(hostile: Start) -> None:
    """A deadline that passes before the message went out: a plain failure, tried again."""
    server = hostile(SmtpSilentAfterData())
    deadline = Deadline.after(0.01)
    sender = SmtpSender(Endpoint(server.host, server.port, "none"), deadline=deadline)
    while not deadline.expired:
        pass
    with pytest.raises(ProviderError) as caught:
        sender.send(message())
    assert not isinstance(caught.value, MaybeSent)
    assert server.messages == 0


def test_a_reply_that_may_have_been_sent_is_not_sent_again(
    hostile: Start, dovecot: object, mail_user: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the engine: the journal keeps it, and the next sync leaves it alone."""
    from tests.email_e2e import PASSWORD_ENV, WEEKDAYS, at
    from tests.servers.dovecot import Dovecot, MailUser, make_message

    assert isinstance(dovecot, Dovecot)
    assert isinstance(mail_user, MailUser)
    server = hostile(SmtpSilentAfterData())
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    write_config(f"""\
timezone = "America/New_York"
[week]
{WEEKDAYS}
[autoreply]
sync_timeout = "3s"
[autoreply.email]
address = "{mail_user.address}"
password_env = "{PASSWORD_ENV}"
imap = {{ host = "{dovecot.host}", port = {dovecot.imap_port}, security = "none" }}
smtp = {{ host = "{server.host}", port = {server.port}, security = "none" }}
""")

    def sync(when: dt.datetime) -> tuple[int, dict[str, object]]:
        result = run("autoreply", "sync", "--json", "--at", when.isoformat())
        [row] = json.loads(result.stdout)["channels"]
        return result.exit_code, row

    assert sync(at("2026-11-16T12:00"))[0] == 0
    mail = make_message(sender="zoe@client.test", to=mail_user.address)
    dovecot.append(mail_user, [mail], arrived=at("2026-11-16T18:30"))
    status, row = sync(at("2026-11-16T18:35"))
    assert status == 4
    assert "it may have been delivered, so it is not sent again" in str(row["error"])
    assert server.messages == 1
    status, row = sync(at("2026-11-16T18:40"))
    assert (status, row["replied"], row["error"]) == (0, 0, None)
    assert server.messages == 1
