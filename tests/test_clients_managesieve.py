"""ManageSieve against a real Dovecot, and the vacation script answering (or not) by itself."""

from __future__ import annotations

import datetime as dt

import pytest

from hours.clients.managesieve import REQUIRED_EXTENSIONS, ManageSieve, ScriptList, SieveError
from hours.clients.net import Endpoint
from hours.clients.sieve_script import Segment, iso_utc, render_schedule_script, sieve_string
from hours.errors import Exit, ProviderError
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.smtp import SmtpRecorder

HOUR = dt.timedelta(hours=1)
# A user's own script, with mixed line endings and non-ASCII, must come back byte for byte.
MINE = (
    'require "fileinto";\r\n# Ma règle à moi\nif header :is "X-Spam" "yes" {\n'
    '  fileinto "Junk";\n}\n'
)


def sieve(dovecot: Dovecot, user: MailUser, *, password: str | None = None) -> ManageSieve:
    endpoint = Endpoint(dovecot.host, dovecot.sieve_port, "none")
    return ManageSieve(endpoint, user.address, password or user.password, timeout=5)


SUBJECT = 'Closed now: back "Monday" \\ 9:00'
BODY = "Thanks for your message!\n.\nSam is back Monday at 9:00.\n"


def segments(
    windows: list[tuple[dt.datetime, dt.datetime]], subject: str = SUBJECT, body: str = BODY
) -> list[Segment]:
    """Give every window the same reply."""
    return [Segment(start, end, subject, body) for start, end in windows]


def script(user: MailUser, windows: list[tuple[dt.datetime, dt.datetime]], **extra: object) -> str:
    options: dict[str, object] = {
        "addresses": [user.address],
        "from_address": f"Sam's Nails <{user.address}>",
        "interval": dt.timedelta(seconds=1),
    } | extra
    return render_schedule_script(segments(windows), **options)  # type: ignore[arg-type]


def install(dovecot: Dovecot, user: MailUser, text: str) -> None:
    with sieve(dovecot, user) as client:
        client.put_script("hours", text)
        client.set_active("hours")


def now() -> dt.datetime:
    # The window is compared with Dovecot's own clock, which is this machine's.
    return dt.datetime.now(dt.UTC)


# --- the renderer, alone ---------------------------------------------------------------


def test_strings_are_escaped_and_the_body_dot_stuffed() -> None:
    start = dt.datetime(2026, 11, 23, 22, 0, tzinfo=dt.UTC)
    toronto = dt.timezone(dt.timedelta(hours=-5))
    text = render_schedule_script(
        segments(
            [(start, dt.datetime(2026, 11, 24, 9, 0, tzinfo=toronto))],
            subject='Re: "hi" \\ there\nBcc: x@evil.test',
            body="line one\n.\n..two\n",
        ),
        addresses=["sam@nails.test"],
        interval=dt.timedelta(hours=12),
    )

    assert sieve_string('a "b" \\c') == '"a \\"b\\" \\\\c"'
    assert ':subject "Re: \\"hi\\" \\\\ there Bcc: x@evil.test"' in text
    assert "text:\r\nline one\r\n..\r\n...two\r\n.\r\n    ;\r\n" in text
    assert '"ge" "iso8601" "2026-11-23T22:00:00Z"' in text
    assert '"lt" "iso8601" "2026-11-24T14:00:00Z"' in text
    assert ":seconds 43200" in text
    assert '"vacation-seconds"' in text


def test_whole_days_need_no_extension_and_bounds_must_be_aware() -> None:
    start = dt.datetime(2026, 11, 23, 22, 0, tzinfo=dt.UTC)
    text = render_schedule_script(segments([(start, start + HOUR)]), addresses=["sam@nails.test"])

    assert ":days 1" in text
    assert "vacation-seconds" not in text
    nothing = render_schedule_script([], addresses=["sam@nails.test"])
    assert "vacation" not in nothing.split("require", 1)[1].split("\r\n", 1)[1]
    assert nothing.endswith("# No closed window ahead: nothing is answered.\r\n")
    with pytest.raises(ValueError, match="aware"):
        iso_utc(dt.datetime(2026, 11, 23, 22, 0))
    with pytest.raises(ValueError, match="address"):
        render_schedule_script([], addresses=[])


# --- ManageSieve ----------------------------------------------------------------------


def test_capabilities_include_what_the_script_needs(dovecot: Dovecot, mail_user: MailUser) -> None:
    with sieve(dovecot, mail_user) as client:
        extensions = client.extensions
        listing = client.list_scripts()

    assert set(REQUIRED_EXTENSIONS) <= extensions
    assert "vacation-seconds" in extensions
    assert listing == ScriptList((), None)


def test_rendered_scripts_pass_the_servers_check(dovecot: Dovecot, mail_user: MailUser) -> None:
    start = dt.datetime(2026, 11, 23, 22, 0, tzinfo=dt.UTC)
    variants = [
        script(mail_user, []),
        script(mail_user, [(start, start + HOUR), (start + 24 * HOUR, start + 30 * HOUR)]),
        script(mail_user, [(start, start + HOUR)], never_reply=["*@bigclient.test", "a@b.test"]),
        script(mail_user, [(start, start + HOUR)], interval=dt.timedelta(days=2)),
    ]

    with sieve(dovecot, mail_user) as client:
        for text in variants:
            client.check_script(text)
        with pytest.raises(SieveError, match="CHECKSCRIPT"):
            client.check_script('vacation :nonsense "x";')


def test_scripts_round_trip_exactly_and_the_prior_one_can_be_restored(
    dovecot: Dovecot, mail_user: MailUser
) -> None:
    with sieve(dovecot, mail_user) as client:
        client.put_script("mine", MINE)
        client.set_active("mine")
    ours = script(mail_user, [(now() - HOUR, now() + HOUR)])

    with sieve(dovecot, mail_user) as client:
        before = client.list_scripts()
        saved = {name: client.get_script(name) for name in before.names}
        client.put_script("hours", ours)
        client.set_active("hours")
        during = client.list_scripts()
        fetched = client.get_script("hours")
    with sieve(dovecot, mail_user) as client:
        client.set_active(before.active)
        client.delete_script("hours")
        after = client.list_scripts()
        restored = client.get_script("mine")

    assert before == ScriptList(("mine",), "mine")
    assert saved == {"mine": MINE}
    assert during == ScriptList(("mine", "hours"), "hours")
    assert fetched == ours
    assert after == ScriptList(("mine",), "mine")
    assert restored == MINE


def test_deactivating_leaves_no_active_script(dovecot: Dovecot, mail_user: MailUser) -> None:
    with sieve(dovecot, mail_user) as client:
        client.put_script("mine", MINE)
        client.set_active("mine")
        client.set_active(None)
        assert client.list_scripts() == ScriptList(("mine",), None)
        with pytest.raises(SieveError, match="NONEXISTENT"):
            client.get_script("absent")


def test_wrong_password_and_refused_connection_are_provider_errors(
    dovecot: Dovecot, mail_user: MailUser
) -> None:
    with pytest.raises(ProviderError, match="login") as caught:
        sieve(dovecot, mail_user, password="wrong-s3cret").connect()
    assert "wrong-s3cret" not in caught.value.message
    assert caught.value.exit_status == Exit.PROVIDER

    remote = ManageSieve(Endpoint("mail.example.com", 4190, "none"), "sam", "pw")
    with pytest.raises(ProviderError, match="only on loopback"):
        remote.connect()

    dead = ManageSieve(Endpoint("127.0.0.1", dovecot.lmtp_port, "none"), "sam", "pw", timeout=0.5)
    with pytest.raises(ProviderError, match="ManageSieve"):
        dead.connect()


# --- Dovecot answering by itself -------------------------------------------------------


def test_mail_inside_a_window_gets_dovecots_vacation_reply(
    dovecot: Dovecot, mail_user: MailUser, submission: SmtpRecorder
) -> None:
    install(dovecot, mail_user, script(mail_user, [(now() - HOUR, now() + HOUR)]))
    original = make_message(sender="zoe@client.test", to=mail_user.address, subject="Nails?")

    dovecot.deliver(mail_user, original, mail_from="zoe@client.test")

    (reply,) = submission.wait_for(1, to="zoe@client.test")
    assert reply.mail_from == "<>"
    assert reply.message["To"] == "zoe@client.test"
    assert reply.message["From"] == f"Sam's Nails <{mail_user.address}>"
    assert reply.message["Subject"] == 'Closed now: back "Monday" \\ 9:00'
    assert reply.message["Auto-Submitted"].startswith("auto-replied")
    assert reply.message["In-Reply-To"] == original["Message-ID"]
    body = reply.message.get_content().replace("\r\n", "\n")
    assert body == "Thanks for your message!\n.\nSam is back Monday at 9:00.\n\n"


def test_mail_outside_every_window_gets_no_reply(
    dovecot: Dovecot, mail_user: MailUser, submission: SmtpRecorder
) -> None:
    t = now()
    windows = [(t - 2 * HOUR, t - dt.timedelta(seconds=1)), (t + dt.timedelta(minutes=1), t + HOUR)]
    install(dovecot, mail_user, script(mail_user, windows))
    sender = "outside@client.test"

    dovecot.deliver(mail_user, make_message(sender=sender, to=mail_user.address), mail_from=sender)

    # Pigeonhole sends a vacation reply before LMTP acknowledges the delivery, so had one
    # been sent it would be here by now.
    assert submission.sent_to(sender) == []
    assert "saved mail to INBOX" in dovecot.log or "stored mail into mailbox" in dovecot.log


@pytest.mark.parametrize(
    ("sender", "envelope", "extra", "to"),
    [
        ("news@client.test", "news@client.test", {"List-Id": "<news.client.test>"}, None),
        ("deals@client.test", "deals@client.test", {"List-Unsubscribe": "<mailto:x@y>"}, None),
        ("bulk@client.test", "bulk@client.test", {"Precedence": "bulk"}, None),
        ("auto@client.test", "auto@client.test", {"Auto-Submitted": "auto-generated"}, None),
        ("noreply@client.test", "noreply@client.test", {}, None),
        ("zoe@client.test", "no-reply+bounce@client.test", {}, None),
        ("MAILER-DAEMON@client.test", "", {}, None),
        ("owner-list@client.test", "owner-list@client.test", {}, None),
        ("list-request@client.test", "list-request@client.test", {}, None),
        ("vip@bigclient.test", "vip@bigclient.test", {}, None),
        ("cc@client.test", "cc@client.test", {}, "someone-else@client.test"),
    ],
)
def test_mail_that_must_not_be_answered_gets_no_reply(
    dovecot: Dovecot,
    mail_user: MailUser,
    submission: SmtpRecorder,
    sender: str,
    envelope: str,
    extra: dict[str, str],
    to: str | None,
) -> None:
    text = script(mail_user, [(now() - HOUR, now() + HOUR)], never_reply=["*@bigclient.test"])
    install(dovecot, mail_user, text)
    excluded = make_message(sender=sender, to=to or mail_user.address, extra=extra)
    control = "control@client.test"

    dovecot.deliver(mail_user, excluded, mail_from=envelope)
    dovecot.deliver(
        mail_user, make_message(sender=control, to=mail_user.address), mail_from=control
    )

    # Deliveries are processed in order: once the control is answered, the first was decided.
    submission.wait_for(1, to=control)
    assert submission.sent_to(envelope or sender) == []
    assert submission.sent_to(sender) == []


def test_mail_from_the_user_themselves_gets_no_reply(
    dovecot: Dovecot, mail_user: MailUser, submission: SmtpRecorder
) -> None:
    install(dovecot, mail_user, script(mail_user, [(now() - HOUR, now() + HOUR)]))
    control = "control2@client.test"
    own = make_message(sender=mail_user.address, to=mail_user.address)

    dovecot.deliver(mail_user, own, mail_from=mail_user.address)
    dovecot.deliver(
        mail_user, make_message(sender=control, to=mail_user.address), mail_from=control
    )

    submission.wait_for(1, to=control)
    assert submission.sent_to(mail_user.address) == []
