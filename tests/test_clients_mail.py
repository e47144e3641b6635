"""Header parsing and robot senders, without a server."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from hours.clients.mail import is_robot_sender, never_answer, parse_header_block
from hours.clients.net import Endpoint, check_url, is_loopback, require_safe
from hours.errors import ProviderError
from tests.servers.plugin import unavailable

ARRIVED = dt.datetime(2026, 11, 23, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


@pytest.mark.parametrize(
    "address",
    [
        "MAILER-DAEMON@mx.client.test",
        "postmaster@client.test",
        "noreply@shop.test",
        "no-reply+track@shop.test",
        "DoNotReply@bank.test",
        "owner-parents@school.test",
        "parents-request@school.test",
    ],
)
def test_robot_senders(address: str) -> None:
    assert is_robot_sender(address) is True


@pytest.mark.parametrize(
    "address", ["zoe@client.test", "noreplyguy@client.test", "requests@client.test"]
)
def test_people_are_not_robots(address: str) -> None:
    assert is_robot_sender(address) is False


def test_malformed_headers_do_not_raise_and_arrival_is_utc() -> None:
    raw = (
        b"From: <<broken@@client.test\r\n"
        b"To: ,,, sam@nails.test\r\n"
        b"Subject: =?bogus-charset?q?caf=E9?=\r\n"
        b"Message-ID: not-an-id\r\n"
        b"Auto-Submitted: no\r\n"
        b"\r\n"
    )

    mail = parse_header_block(1, ARRIVED, raw)

    assert mail.arrived == dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
    assert mail.to == ("sam@nails.test",)
    assert mail.subject == "=?bogus-charset?q?caf=E9?="
    assert mail.message_id is None
    assert mail.auto_submitted == "no"
    assert mail.return_path is None


@pytest.mark.parametrize(
    ("headers", "return_path", "reply_to", "why"),
    [
        (b"Return-Path: <eve@client.test>\r\n", "eve@client.test", "eve@client.test", None),
        (b"Return-Path: eve@client.test\r\n", "eve@client.test", "eve@client.test", None),
        (b"", None, "eve@client.test", None),
        (b"Return-Path: <>\r\n", "", "", "no_return_path"),
        (
            b"Return-Path: <eve@client.test>, <victim@evil.test>\r\n",
            None,
            "eve@client.test",
            "unparseable",
        ),
        (
            b"Return-Path: <eve@client.test>\r\n Bcc: victim@evil.test\r\n",
            None,
            "eve@client.test",
            "unparseable",
        ),
        (b"Return-Path: <a b@client.test>\r\n", None, "eve@client.test", "unparseable"),
        # The delivering server's Return-Path comes first; one the message carried is ignored.
        (
            b"Return-Path: <eve@client.test>\r\nReturn-Path: <x@evil.test>\r\n",
            "eve@client.test",
            "eve@client.test",
            None,
        ),
    ],
    ids=[
        "angle brackets",
        "bare",
        "none: From",
        "null",
        "two",
        "folded Bcc",
        "a space",
        "two headers",
    ],
)
def test_a_reply_goes_to_exactly_one_address(
    headers: bytes, return_path: str | None, reply_to: str, why: str | None
) -> None:
    raw = headers + b"From: Eve <eve@client.test>\r\nTo: sam@nails.test\r\n\r\n"
    mail = parse_header_block(1, ARRIVED, raw)
    assert (mail.return_path, mail.reply_address, never_answer(mail)) == (
        return_path,
        reply_to,
        why,
    )


def test_a_from_that_is_not_one_plain_address_is_unparseable_without_a_return_path() -> None:
    raw = b'From: "Eve" <e ve@client.test>\r\nTo: sam@nails.test\r\n\r\n'
    assert never_answer(parse_header_block(1, ARRIVED, raw)) == "unparseable"


@pytest.mark.parametrize(
    "sender",
    [
        b"Eve <eve@client.test>, victim@evil.test",
        b"Friends: eve@client.test, victim@evil.test;",
        b"=?utf-8?q?Eve=0ABcc:_victim@evil.test?= <eve@client.test>",
        b"eve@client.test\r\nFrom: victim@evil.test",
    ],
    ids=["two addresses", "a group", "an encoded colon", "two From headers"],
)
def test_a_from_listing_two_addresses_is_unparseable_without_a_return_path(sender: bytes) -> None:
    """Without a Return-Path the reply would go to From: which of its addresses is not ours to pick."""
    raw = b"From: " + sender + b"\r\nTo: sam@nails.test\r\n\r\n"
    assert never_answer(parse_header_block(1, ARRIVED, raw)) == "unparseable"
    with_return_path = b"Return-Path: <eve@client.test>\r\n" + raw
    assert never_answer(parse_header_block(1, ARRIVED, with_return_path)) is None


def test_loopback_names_and_the_plaintext_rule() -> None:
    assert [is_loopback(h) for h in ("127.0.0.1", "127.9.9.9", "::1", "[::1]", "LocalHost")] == [
        True
    ] * 5
    assert [is_loopback(h) for h in ("10.0.0.1", "localhost.evil.test", "imap.test")] == [False] * 3
    require_safe(Endpoint("127.0.0.1", 143, "none"), service="IMAP")
    with pytest.raises(ProviderError, match="only on loopback"):
        require_safe(Endpoint("10.0.0.1", 143, "none"), service="IMAP")
    with pytest.raises(ProviderError, match="is not one of"):
        require_safe(Endpoint("127.0.0.1", 143, "tls"), service="IMAP")  # type: ignore[arg-type]


def test_a_missing_server_skips_unless_real_servers_are_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HOURS_REQUIRE_REAL_SERVERS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no dovecot"):
        unavailable("no dovecot")

    monkeypatch.setenv("HOURS_REQUIRE_REAL_SERVERS", "1")
    with pytest.raises(pytest.fail.Exception, match="HOURS_REQUIRE_REAL_SERVERS=1 but no dovecot"):
        unavailable("no dovecot")


@pytest.mark.parametrize(
    "url",
    ["https://api.example.com/v1", "http://127.0.0.1:8080", "HTTP://[::1]/x", "http://localhost"],
)
def test_a_url_may_carry_a_secret_over_https_or_to_this_machine(url: str) -> None:
    assert check_url(url, secret="token") == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://api.example.com", "'http://api.example.com' would send the token in clear; use"),
        ("HTTP://10.0.0.1", "'HTTP://10.0.0.1' would send the token in clear; use https"),
        ("http://localhost.evil.test", "'http://localhost.evil.test' would send the token"),
        ("ftp://127.0.0.1", "'ftp://127.0.0.1' is not an http(s) URL"),
        ("https://", "'https://' is not an http(s) URL"),
        ("api.example.com", "'api.example.com' is not an http(s) URL"),
    ],
)
def test_a_url_that_would_show_a_secret_is_refused(url: str, why: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(why)):
        check_url(url, secret="token")
