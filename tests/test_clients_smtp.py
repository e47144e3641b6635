"""Auto-reply messages as RFC 3834 wants them, and sending them to a real SMTP server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from hours.clients.mail import IncomingMail, parse_header_block
from hours.clients.net import Endpoint
from hours.clients.smtp import SmtpSender, build_reply
from hours.errors import Exit, ProviderError
from tests.servers.smtp import SmtpRecorder

NOW = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
HEADERS = (
    b"Return-Path: <zoe@client.test>\r\n"
    b"From: =?utf-8?q?Zo=C3=AB?= <zoe@client.test>\r\n"
    b"To: sam@nails.test\r\n"
    b"Subject: Appointment\r\n"
    b"Message-ID: <m3@client.test>\r\n"
    b"In-Reply-To: <m2@nails.test>\r\n"
    b"References: <m1@client.test> <m2@nails.test>\r\n"
    b"\r\n"
)


def incoming(raw: bytes = HEADERS) -> IncomingMail:
    return parse_header_block(7, NOW, raw)


def reply_to(original: IncomingMail, **overrides: str) -> EmailMessage:
    fields = {"subject": "Re: Appointment", "body": "Back Monday at 9.\n"} | overrides
    return build_reply(
        original,
        from_address="sam@nails.test",
        business="Sam's Nails",
        now=NOW,
        message_id="<reply1@nails.test>",
        **fields,
    )


def test_reply_has_rfc_3834_headers_and_threads_under_the_original() -> None:
    reply = reply_to(incoming())

    assert reply["From"] == "Sam's Nails <sam@nails.test>"
    assert reply["To"] == "zoe@client.test"
    assert reply["Subject"] == "Re: Appointment"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<m3@client.test>"
    assert reply["References"] == "<m1@client.test> <m2@nails.test> <m3@client.test>"
    assert reply["Message-ID"] == "<reply1@nails.test>"
    assert reply["Date"] == "Mon, 23 Nov 2026 23:30:00 +0000"
    assert reply.get_content() == "Back Monday at 9.\n"


def test_reply_goes_to_return_path_then_from_never_reply_to() -> None:
    bounce_path = HEADERS.replace(b"<zoe@client.test>\r\nFrom", b"<b+zoe@client.test>\r\nFrom")
    with_reply_to = b"Reply-To: tickets@client.test\r\n" + bounce_path
    no_return_path = HEADERS.split(b"\r\n", 1)[1]

    assert reply_to(incoming(with_reply_to))["To"] == "b+zoe@client.test"
    assert reply_to(incoming(no_return_path))["To"] == "zoe@client.test"


def test_null_return_path_is_never_answered() -> None:
    bounce = HEADERS.replace(b"Return-Path: <zoe@client.test>", b"Return-Path: <>")

    with pytest.raises(ValueError, match="null return path"):
        reply_to(incoming(bounce))


def test_references_fall_back_to_in_reply_to_and_stay_bounded() -> None:
    lone = HEADERS.replace(b"References: <m1@client.test> <m2@nails.test>\r\n", b"")
    ids = " ".join(f"<t{i}@client.test>" for i in range(40)).encode()
    long_thread = HEADERS.replace(b"<m1@client.test> <m2@nails.test>", ids)

    assert reply_to(incoming(lone))["References"] == "<m2@nails.test> <m3@client.test>"
    references = reply_to(incoming(long_thread))["References"].split()
    assert len(references) == 20
    assert references[0] == "<t0@client.test>"
    assert references[-2:] == ["<t39@client.test>", "<m3@client.test>"]


def test_a_built_reply_arrives_with_its_headers_and_a_null_envelope_sender(
    smtp_server: SmtpRecorder,
) -> None:
    reply = reply_to(incoming())
    sender = SmtpSender(Endpoint(smtp_server.host, smtp_server.port, "none"), timeout=5)

    sender.send(reply)

    (received,) = smtp_server.wait_for(1)
    assert received.mail_from == "<>"
    assert received.rcpt_tos == ("zoe@client.test",)
    for name in ("From", "To", "Subject", "Auto-Submitted", "In-Reply-To", "References"):
        assert received.message[name] == reply[name], name


@pytest.fixture
def smtp_with_login() -> Iterator[SmtpRecorder]:
    recorder = SmtpRecorder(logins={"sam@nails.test": "s3cret-pw"}).start()
    yield recorder
    recorder.stop()


def test_login_when_a_username_is_given(smtp_with_login: SmtpRecorder) -> None:
    endpoint = Endpoint(smtp_with_login.host, smtp_with_login.port, "none")
    good = SmtpSender(endpoint, "sam@nails.test", "s3cret-pw", timeout=5)
    bad = SmtpSender(endpoint, "sam@nails.test", "wrong-pw", timeout=5)

    good.send(reply_to(incoming()), envelope_from="sam@nails.test")
    with pytest.raises(ProviderError, match="login") as caught:
        bad.send(reply_to(incoming()))

    (received,) = smtp_with_login.wait_for(1)
    assert received.mail_from == "sam@nails.test"
    assert "wrong-pw" not in caught.value.message


def test_server_down_is_a_provider_error(smtp_server: SmtpRecorder) -> None:
    sender = SmtpSender(Endpoint(smtp_server.host, smtp_server.port, "none"), timeout=5)
    smtp_server.stop()

    with pytest.raises(ProviderError, match="connection refused") as caught:
        sender.send(reply_to(incoming()))

    assert caught.value.exit_status == Exit.PROVIDER
    assert smtp_server.messages == []


def test_plaintext_to_a_remote_server_is_refused_before_connecting() -> None:
    sender = SmtpSender(Endpoint("smtp.example.com", 25, "none"), "sam", "pw")

    with pytest.raises(ProviderError, match="only on loopback"):
        sender.send(reply_to(incoming()))
