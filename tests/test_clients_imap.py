"""The IMAP reader against a real Dovecot: cursors, headers, arrival times, flags untouched."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest

from hours.clients.imap import Cursor, ImapReader
from hours.clients.net import Endpoint
from hours.errors import Exit, ProviderError
from tests.servers.dovecot import Dovecot, MailUser, make_message

CLIENT = "client@client.test"


def reader(dovecot: Dovecot, user: MailUser, *, password: str | None = None) -> ImapReader:
    endpoint = Endpoint(dovecot.host, dovecot.imap_port, "none")
    return ImapReader(endpoint, user.address, password or user.password, timeout=5)


def deliver(dovecot: Dovecot, user: MailUser, count: int, *, sender: str = CLIENT) -> None:
    for i in range(count):
        message = make_message(sender=sender, to=user.address, subject=f"message {i}")
        dovecot.deliver(user, message, mail_from=sender)


def test_first_poll_answers_no_backlog_and_starts_at_now(
    dovecot: Dovecot, mail_user: MailUser
) -> None:
    deliver(dovecot, mail_user, 3)

    result = reader(dovecot, mail_user).poll(None)

    with dovecot.imap(mail_user) as client:
        status = client.folder_status("INBOX", ["UIDVALIDITY", "UIDNEXT"])
    assert result.messages == ()
    assert result.restarted is True
    assert result.cursor == Cursor(status[b"UIDVALIDITY"], 3)


def test_first_poll_of_an_empty_mailbox(dovecot: Dovecot, mail_user: MailUser) -> None:
    result = reader(dovecot, mail_user).poll(None)

    assert result.messages == ()
    assert result.cursor.last_uid == 0


def test_new_mail_is_returned_with_its_headers_and_arrival_time(
    dovecot: Dovecot, mail_user: MailUser
) -> None:
    imap = reader(dovecot, mail_user)
    deliver(dovecot, mail_user, 1)
    cursor = imap.poll(None).cursor
    # Dovecot ignores an INTERNALDATE in the future, so a past one.
    arrived = dt.datetime(2025, 11, 21, 18, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    original = make_message(
        sender='"Zoë Client" <zoe@client.test>',
        to=f"Sam <{mail_user.address}>",
        subject="Café tomorrow?",
        extra={
            "Cc": "other@client.test",
            "References": "<a@client.test> <b@client.test>",
            "In-Reply-To": "<b@client.test>",
            "Return-Path": "<bounces@client.test>",
        },
    )
    dovecot.append(mail_user, [original], arrived=arrived)
    deliver(dovecot, mail_user, 1, sender="second@client.test")

    result = imap.poll(cursor)

    assert result.restarted is False
    assert [m.uid for m in result.messages] == [2, 3]
    assert result.cursor == Cursor(cursor.uidvalidity, 3)
    first, second = result.messages
    assert first.arrived == dt.datetime(2025, 11, 21, 23, 30, 5, tzinfo=dt.UTC)
    assert first.arrived.utcoffset() == dt.timedelta(0)
    assert first.sender == "zoe@client.test"
    assert first.sender_name == "Zoë Client"
    assert first.subject == "Café tomorrow?"
    assert first.to == (mail_user.address,)
    assert first.cc == ("other@client.test",)
    assert first.message_id == original["Message-ID"]
    assert first.references == ("<a@client.test>", "<b@client.test>")
    assert first.in_reply_to == "<b@client.test>"
    assert first.return_path == "bounces@client.test"
    assert first.reply_address == "bounces@client.test"
    assert first.auto_submitted is None
    assert first.list_headers == ()
    # LMTP delivery records the envelope sender as Return-Path.
    assert second.return_path == "second@client.test"
    assert second.arrived.tzinfo is dt.UTC
    assert imap.poll(result.cursor).messages == ()


def test_exclusion_headers_are_read(dovecot: Dovecot, mail_user: MailUser) -> None:
    imap = reader(dovecot, mail_user)
    cursor = imap.poll(None).cursor
    extra = {
        "Auto-Submitted": "Auto-Replied (vacation)",
        "Precedence": "Bulk",
        "List-Id": "News <news.client.test>",
        "List-Unsubscribe": "<mailto:leave@client.test>",
    }
    message = make_message(sender="news@client.test", to=mail_user.address, extra=extra)
    dovecot.deliver(mail_user, message, mail_from="")

    (mail,) = imap.poll(cursor).messages

    assert mail.auto_submitted == "auto-replied"
    assert mail.precedence == "bulk"
    assert mail.list_headers == ("List-Id", "List-Unsubscribe")
    assert mail.return_path == ""
    assert mail.reply_address == ""


def test_polling_leaves_flags_and_mailbox_untouched(dovecot: Dovecot, mail_user: MailUser) -> None:
    imap = reader(dovecot, mail_user)
    cursor = imap.poll(None).cursor
    deliver(dovecot, mail_user, 2)

    assert len(imap.poll(cursor).messages) == 2

    with dovecot.imap(mail_user) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags([1, 2])
        folders = [name for _, _, name in client.list_folders()]
    # \Recent still there: not even the read-only selection claimed the messages.
    assert flags == {1: (b"\\Recent",), 2: (b"\\Recent",)}
    assert folders == ["INBOX"]
    # The check above would see it: a plain BODY[HEADER] fetch does set \Seen.
    with dovecot.imap(mail_user) as client:
        client.select_folder("INBOX")
        client.fetch([2], ["BODY[HEADER]"])
        assert b"\\Seen" in client.get_flags([2])[2]


def test_uidvalidity_change_restarts_at_now(dovecot: Dovecot, mail_user: MailUser) -> None:
    imap = reader(dovecot, mail_user)
    deliver(dovecot, mail_user, 1)
    cursor = imap.poll(None).cursor
    deliver(dovecot, mail_user, 2)

    dovecot.change_uidvalidity(mail_user)
    result = imap.poll(cursor)

    assert result.messages == ()
    assert result.restarted is True
    assert result.cursor.uidvalidity != cursor.uidvalidity
    assert result.cursor.last_uid == 3
    deliver(dovecot, mail_user, 1)
    assert [m.uid for m in imap.poll(result.cursor).messages] == [4]


def test_uid_range_star_quirk_returns_nothing_old(dovecot: Dovecot, mail_user: MailUser) -> None:
    imap = reader(dovecot, mail_user)
    deliver(dovecot, mail_user, 2)
    cursor = imap.poll(None).cursor
    # Two messages arrive and are deleted before the next poll: UIDNEXT moves on, and the
    # server answers `UID SEARCH UID 3:*` with message 2, the highest there is.
    deliver(dovecot, mail_user, 2)
    with dovecot.imap(mail_user) as client:
        client.select_folder("INBOX")
        client.delete_messages([3, 4])
        client.expunge()
        assert client.search(["UID", "3:*"]) == [2]

    result = imap.poll(cursor)

    assert result.messages == ()
    assert result.cursor == Cursor(cursor.uidvalidity, 4)


def test_plaintext_to_a_remote_host_is_refused() -> None:
    imap = ImapReader(Endpoint("imap.example.com", 143, "none"), "sam", "s3cret-pw")

    with pytest.raises(ProviderError, match="only on loopback") as caught:
        imap.poll(None)

    assert caught.value.exit_status == Exit.PROVIDER


def test_wrong_password_is_a_provider_error_without_the_password(
    dovecot: Dovecot, mail_user: MailUser
) -> None:
    imap = reader(dovecot, mail_user, password="wrong-s3cret")

    with pytest.raises(ProviderError, match="login") as caught:
        imap.poll(None)

    assert "wrong-s3cret" not in caught.value.message
    assert mail_user.address in caught.value.message


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Listen on a port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield listener.getsockname()[1]


def test_unreachable_and_silent_servers_are_provider_errors(silent_port: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # bound, not listening: refused
        refused = ImapReader(Endpoint("127.0.0.1", closed_port, "none"), "sam", "pw")
        with pytest.raises(ProviderError, match="connection refused"):
            refused.poll(None)

    silent = ImapReader(Endpoint("127.0.0.1", silent_port, "none"), "sam", "pw", timeout=0.3)
    with pytest.raises(ProviderError, match=r"no answer within 0.3 s"):
        silent.poll(None)
