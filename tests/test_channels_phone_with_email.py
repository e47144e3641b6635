"""Twilio failing while a real email channel runs beside it: Dovecot, an SMTP server, the fake.

`hours autoreply sync` must report the phone channel's failure with exit status 4 and still
answer the email that came in, then answer the text at the next sync, once Twilio is back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.email_e2e import PASSWORD_ENV, at, imap_config
from tests.helpers import config_file, run
from tests.phone_helpers import ANN, NUMBER, bodies, phone_config
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.smtp import SmtpRecorder
from tests.servers.twilio_fake import TwilioFake

ZOE = "zoe@client.test"


@pytest.fixture
def smtp(mail_user: MailUser, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpRecorder]:
    """An SMTP server that takes the user's own login."""
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    recorder = SmtpRecorder(logins={mail_user.address: mail_user.password}).start()
    yield recorder
    recorder.stop()


def test_twilio_500_is_exit_4_and_the_real_email_channel_still_answers(
    twilio: TwilioFake, dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder
) -> None:
    # Dovecot takes no arrival time in the future: the week of 16 November 2026.
    imap_config(dovecot, mail_user, smtp)
    phone = phone_config(twilio)
    with config_file().open("a") as f:
        f.write(phone[phone.index("[autoreply.phone]") :])
    first = run("autoreply", "sync", "--json", "--at", at("2026-11-16T12:00").isoformat())
    assert first.exit_code == 0, first.output  # open: both channels start their cursors

    message = make_message(sender=ZOE, to=mail_user.address, subject="Nails on Tuesday?")
    dovecot.append(mail_user, [message], arrived=at("2026-11-16T18:30"))
    twilio.receive(ANN, NUMBER, "Can I book Tuesday?", at("2026-11-16T18:31"))
    twilio.fail("GET", "/Messages.json", 500, 20500)

    result = run("autoreply", "sync", "--json", "--at", at("2026-11-16T18:35").isoformat())

    assert result.exit_code == 4
    rows = json.loads(result.stdout)["channels"]
    assert [(c["channel"], c["action"], c["replied"], c["error"]) for c in rows] == [
        ("email", "polled", 1, None),
        (
            "phone",
            "failed",
            0,
            f"Twilio answered 500 (error 20500) while listing the messages to {NUMBER}: "
            "injected failure",
        ),
    ]
    assert result.stderr == (
        f"Error: phone: Twilio answered 500 (error 20500) while listing the messages to "
        f"{NUMBER}: injected failure\n"
    )
    assert [m.rcpt_tos for m in smtp.messages] == [(ZOE,)]
    assert twilio.sent() == []

    # Twilio is back: the text is answered now, and the email is not answered again.
    again = run("autoreply", "sync", "--json", "--at", at("2026-11-16T18:40").isoformat())
    assert again.exit_code == 0, again.output
    rows = json.loads(again.stdout)["channels"]
    assert [(c["channel"], c["replied"], c["error"]) for c in rows] == [
        ("email", 0, None),
        ("phone", 1, None),
    ]
    assert len(smtp.messages) == 1
    assert len(bodies(twilio, ANN)) == 1
