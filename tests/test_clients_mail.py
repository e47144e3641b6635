"""Header parsing and robot senders, without a server."""

from __future__ import annotations

import datetime as dt

import pytest

from hours.clients.mail import is_robot_sender, parse_header_block
from hours.clients.net import Endpoint, is_loopback, require_safe
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
