"""The email channel in imap mode, end to end: `hours autoreply sync` against a real Dovecot
(IMAP) and a real SMTP server (aiosmtpd) on loopback.

The schedule is Monday-Friday 09:00-17:00 in New York; messages are stored with a chosen
arrival time (IMAP APPEND sets INTERNALDATE; Dovecot takes none in the future, so the week of
16 November 2026) and every sync runs `--at` a moment of that week.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from hours.autoreply import Incoming, SyncRun
from hours.channels.email_imap import ImapChannel
from hours.clikit import build_schedule
from hours.config import load_or_default
from hours.journal import Journal
from tests.email_e2e import (
    PASSWORD_ENV,
    at,
    imap_config,
    journal_rows,
    sync,
    sync_process,
)
from tests.helpers import config_file, run
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.smtp import SmtpRecorder

ZOE = "zoe@client.test"
MONDAY_NOON = at("2026-11-16T12:00")  # open: the first sync, which starts the cursor
MONDAY_EVENING = at("2026-11-16T18:30")


@pytest.fixture
def smtp(mail_user: MailUser, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpRecorder]:
    """An SMTP server that takes the user's own login, as a provider's submission port does."""
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    recorder = SmtpRecorder(logins={mail_user.address: mail_user.password}).start()
    yield recorder
    recorder.stop()


@pytest.fixture
def configured(dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder) -> MailUser:
    """Write the config and run the first sync, which answers nothing and starts the cursor."""
    imap_config(dovecot, mail_user, smtp)
    first = sync(MONDAY_NOON)
    assert (first["action"], first["replied"], first["skipped"]) == ("started", 0, {})
    return mail_user


def mail(
    dovecot: Dovecot,
    user: MailUser,
    when: str,
    *,
    sender: str = ZOE,
    subject: str = "Nails on Tuesday?",
    to: str | None = None,
    extra: dict[str, str] | None = None,
) -> str:
    """Store a message that arrived at `when` (New York time); return its Message-ID."""
    message = make_message(sender=sender, to=to or user.address, subject=subject, extra=extra)
    dovecot.append(user, [message], arrived=at(when))
    return str(message["Message-ID"])


def replies_to(smtp: SmtpRecorder) -> Counter[str]:
    """Count what the SMTP server took, by envelope recipient."""
    return Counter(rcpt for m in smtp.messages for rcpt in m.rcpt_tos)


# --- who gets a reply -----------------------------------------------------------------


def test_a_message_at_1830_gets_one_reply_with_the_right_headers_and_stays_unread(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    message_id = mail(dovecot, configured, "2026-11-16T18:30")

    row = sync(at("2026-11-16T18:35"))

    assert row == {
        "channel": "email",
        "mode": "imap",
        "action": "polled",
        "replied": 1,
        "skipped": {},
        "error": None,
    }
    (reply,) = smtp.messages
    assert reply.mail_from == "<>"
    assert reply.rcpt_tos == (ZOE,)
    headers = reply.message
    assert headers["From"] == f"Sam's Nails <{configured.address}>"
    assert headers["To"] == ZOE
    assert headers["Subject"] == "Re: Nails on Tuesday?"
    assert headers["Auto-Submitted"] == "auto-replied"
    assert headers["In-Reply-To"] == message_id
    assert headers["References"] == message_id
    body = reply.message.get_content().replace("\r\n", "\n")
    assert body.startswith("Hi there,\n\nThank you for your message. It reached me while Sam's")
    assert "get back to you tomorrow at 9:00 AM — in 14 hours 25 minutes." in body
    assert "write again with URGENT in the subject" in body
    with dovecot.imap(configured) as client:
        client.select_folder("INBOX", readonly=True)
        # No \Seen; \Recent still there: not even a read-only selection claimed it.
        assert client.get_flags([1]) == {1: (b"\\Recent",)}
        assert [name for _, _, name in client.list_folders()] == ["INBOX"]


def test_status_shows_each_channel_and_the_replies_this_week(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    mail(dovecot, configured, "2026-11-16T18:30")
    sync(at("2026-11-16T18:35"))

    text = run("autoreply", "status", "--at", "2026-11-16T19:35")
    shown = run("autoreply", "status", "--json", "--at", "2026-11-16T19:35")

    assert (text.exit_code, text.stdout) == (
        0,
        "email (imap, not installed): last sync 1 hour ago, polled\nReplies this week: email 1\n",
    )
    assert json.loads(shown.stdout) == {
        "at": "2026-11-16T19:35:00-05:00",
        "channels": [
            {
                "channel": "email",
                "mode": "imap",
                "installed": False,
                "last_sync": "2026-11-16T18:35:00-05:00",
                "last_action": "polled",
                "last_error": None,
            }
        ],
        "replies_this_week": {"email": 1, "sms": 0, "voice": 0, "whatsapp": 0},
    }


def test_once_per_sender_per_night_and_again_the_next_night(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    mail(dovecot, configured, "2026-11-16T18:30")
    assert sync(at("2026-11-16T18:35"))["replied"] == 1
    mail(dovecot, configured, "2026-11-16T21:10", subject="Or Wednesday?")

    second = sync(at("2026-11-16T21:15"))

    assert (second["replied"], second["skipped"]) == (0, {"already_replied": 1})
    mail(dovecot, configured, "2026-11-17T18:30", subject="Still hoping")
    third = sync(at("2026-11-17T18:40"))
    assert (third["replied"], third["skipped"]) == (1, {})
    assert [m.message["Subject"] for m in smtp.messages] == [
        "Re: Nails on Tuesday?",
        "Re: Still hoping",
    ]


def test_a_message_that_arrived_while_open_gets_none_after_closing(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    mail(dovecot, configured, "2026-11-16T16:58")

    row = sync(at("2026-11-16T17:05"))

    assert (row["replied"], row["skipped"]) == (0, {"arrived_open": 1})
    assert smtp.messages == []


def test_lists_robots_vips_and_mail_not_to_me_get_none_each_counted(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    evening = "2026-11-16T19:00"
    mail(dovecot, configured, evening, sender="news@shop.test", extra={"List-Id": "<n.shop>"})
    mail(dovecot, configured, evening, sender="deals@shop.test", extra={"Precedence": "bulk"})
    auto = {"Auto-Submitted": "auto-replied"}
    mail(dovecot, configured, evening, sender="away@client.test", extra=auto)
    mail(dovecot, configured, evening, sender="noreply@shop.test")
    mail(dovecot, configured, evening, sender="MAILER-DAEMON@mx.client.test")
    mail(dovecot, configured, evening, sender="cc@client.test", to="someone@client.test")
    mail(dovecot, configured, evening, sender="boss@bigclient.test")
    mail(dovecot, configured, evening, sender="control@client.test")

    row = sync(at("2026-11-16T19:05"))

    assert row["replied"] == 1
    assert row["skipped"] == {
        "auto_submitted": 1,
        "bulk": 1,
        "mailing_list": 1,
        "not_addressed_to_me": 1,
        "robot_sender": 2,
        "vip": 1,
    }
    assert replies_to(smtp) == {"control@client.test": 1}


def append_raw(dovecot: Dovecot, user: MailUser, raw: bytes, when: str) -> None:
    """Store a message exactly as given (headers no email package would write)."""
    with dovecot.imap(user) as client:
        client.append("INBOX", raw, msg_time=at(when))


@pytest.mark.parametrize(
    "return_path",
    [
        b"<eve@client.test>\r\n Bcc: victim@evil.test",
        b"<eve@client.test>, <victim@evil.test>",
        b"eve@client.test victim@evil.test",
    ],
    ids=["folded with a Bcc line", "two addresses", "two words"],
)
def test_a_crafted_return_path_is_skipped_and_the_next_sender_answered(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder, return_path: bytes
) -> None:
    """The reply goes to exactly one address or nowhere; the message after it is answered."""
    crafted = (
        b"Return-Path: " + return_path + b"\r\n"
        b"From: Eve <eve@client.test>\r\nTo: " + configured.address.encode() + b"\r\n"
        b"Subject: Hi\r\nMessage-ID: <crafted@client.test>\r\n\r\nAre you open?\r\n"
    )
    append_raw(dovecot, configured, crafted, "2026-11-16T18:30")
    mail(dovecot, configured, "2026-11-16T18:31")

    row = sync(at("2026-11-16T18:35"))

    assert (row["replied"], row["skipped"], row["error"]) == (1, {"unparseable": 1}, None)
    assert replies_to(smtp) == Counter({ZOE: 1})
    assert all(b"evil" not in m.message.as_bytes() for m in smtp.messages)
    # Decided for good: the next sync neither answers nor counts it again.
    again = sync(at("2026-11-16T18:40"))
    assert (again["replied"], again["skipped"]) == (0, {})


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        (
            "=?utf-8?b?" + base64.b64encode(b"Hi\r\nBcc: victim@evil.test").decode() + "?=",
            "=?utf-8?b?" + base64.b64encode(b"Zoe\r\nBcc: victim@evil.test").decode() + "?=",
        ),
        (
            "=?utf-8?q?Hi=0D=0ABcc:_victim@evil.test?=",
            "=?utf-8?q?Zoe=0D=0ABcc=3A_victim=40evil.test?=",
        ),
    ],
    ids=["base64", "quoted-printable"],
)
def test_an_encoded_line_break_in_a_subject_or_name_adds_no_header(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder, subject: str, name: str
) -> None:
    """What a sender encodes into its Subject or name stays text of one header line."""
    crafted = (
        f"From: {name} <{ZOE}>\r\nTo: {configured.address}\r\nSubject: {subject}\r\n"
        "Message-ID: <encoded@client.test>\r\n\r\nAre you open?\r\n"
    ).encode()
    append_raw(dovecot, configured, crafted, "2026-11-16T18:30")

    row = sync(at("2026-11-16T18:35"))

    assert (row["replied"], row["skipped"], row["error"]) == (1, {}, None)
    (sent,) = smtp.messages
    assert sent.rcpt_tos == (ZOE,)
    assert sent.message.get_all("Bcc") is None
    assert sent.message["Subject"] == "Re: Hi Bcc: victim@evil.test"
    head = sent.message.as_bytes().split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
    assert [line for line in head.split(b"\r\n") if line.lower().startswith(b"bcc")] == []


def test_a_backlog_at_the_first_sync_gets_none(
    dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder
) -> None:
    imap_config(dovecot, mail_user, smtp)
    for i in range(3):
        mail(dovecot, mail_user, "2026-11-16T18:30", sender=f"early{i}@client.test")

    first = sync(at("2026-11-16T18:35"))
    again = sync(at("2026-11-16T18:40"))

    assert (first["action"], first["replied"], first["skipped"]) == ("started", 0, {})
    assert (again["action"], again["replied"], again["skipped"]) == ("polled", 0, {})
    assert smtp.messages == []


def test_a_uidvalidity_change_restarts_at_now(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    mail(dovecot, configured, "2026-11-16T18:30", sender="before@client.test")
    dovecot.change_uidvalidity(configured)

    restarted = sync(at("2026-11-16T18:35"))
    mail(dovecot, configured, "2026-11-16T18:50", sender="after@client.test")
    after = sync(at("2026-11-16T18:55"))

    assert (restarted["action"], restarted["replied"]) == ("restarted", 0)
    assert (after["action"], after["replied"]) == ("polled", 1)
    assert replies_to(smtp) == {"after@client.test": 1}


def test_dry_run_sends_nothing_and_moves_nothing(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    mail(dovecot, configured, "2026-11-16T18:30")
    result = run("autoreply", "sync", "--dry-run", "--at", "2026-11-16T18:35")
    assert result.stdout == (
        "Would sync at 2026-11-16 18:35 (closed):\n  email (imap): polled; replied 1; skipped 0\n"
    )
    assert smtp.messages == []

    assert sync(at("2026-11-16T18:36"))["replied"] == 1
    assert replies_to(smtp) == {ZOE: 1}


# --- emergencies -----------------------------------------------------------------------


def test_an_emergency_is_forwarded_by_email_when_no_phone_is_set_up(
    dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder
) -> None:
    imap_config(dovecot, mail_user, smtp, emergency='forward_to = "sam-cell@example.test"')
    sync(MONDAY_NOON)
    mail(dovecot, mail_user, "2026-11-16T22:00", subject="URGENT: my nail broke")

    row = sync(at("2026-11-16T22:05"))

    assert (row["replied"], row["skipped"]) == (1, {})
    forward, answer = smtp.messages
    assert forward.rcpt_tos == ("sam-cell@example.test",)
    assert forward.mail_from == mail_user.address
    assert forward.message["Subject"] == f"URGENT: {ZOE} wrote after hours"
    assert forward.message["Auto-Submitted"] == "auto-generated"
    assert forward.message.get_content().replace("\r\n", "\n") == (
        f"{ZOE} wrote at 2026-11-17 03:00 UTC with your emergency keyword URGENT:\n\n"
        "URGENT: my nail broke\n\nThey have been sent your emergency message.\n"
    )
    assert answer.rcpt_tos == (ZOE,)
    assert answer.message["Subject"] == "Re: URGENT: my nail broke"
    assert answer.message.get_content().startswith("Thank you. I've been alerted")


def test_an_emergency_goes_through_the_runs_forwarder_when_one_is_set(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    # What the phone channel plugs in: the email channel must use it, and mail nothing else.
    mail(dovecot, configured, "2026-11-16T22:00", subject="urgent!! help")
    cfg = load_or_default(config_file())
    assert cfg.autoreply is not None
    assert cfg.autoreply.email is not None
    forwarded: list[Incoming] = []
    journal = Journal(Path(os.environ["HOURS_HOME"]))
    try:
        run_ = SyncRun(
            at("2026-11-16T22:05"),
            build_schedule(cfg),
            cfg.autoreply,
            cfg.name,
            journal,
            forwarder=forwarded.append,
        )
        result = ImapChannel(cfg.autoreply.email, config_file().parent).sync(run_)
    finally:
        journal.close()

    assert result.replied == 1
    (msg,) = forwarded
    assert (msg.sender, msg.subject) == (ZOE, "urgent!! help")
    assert replies_to(smtp) == {ZOE: 1}


# --- failures, crashes and concurrency ---------------------------------------------------


def test_smtp_down_exits_4_journals_nothing_and_the_next_sync_sends(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    mail(dovecot, configured, "2026-11-16T18:30")
    smtp.stop()

    failed = run("autoreply", "sync", "-q", "--at", "2026-11-16T18:35")

    assert failed.exit_code == 4
    assert failed.stderr == (
        f"Error: email: SMTP {smtp.host}:{smtp.port}: connection refused "
        "(is the host and port right, and the server up?)\n"
    )
    assert journal_rows("SELECT * FROM replies") == []
    assert journal_rows("SELECT decision FROM seen") == []
    smtp.start()
    retried = sync(at("2026-11-16T18:40"))
    assert (retried["replied"], retried["error"]) == (1, None)
    assert replies_to(smtp) == {ZOE: 1}
    assert journal_rows("SELECT channel, kind, sender, status FROM replies") == [
        ("email", "reply", ZOE, "sent")
    ]


def test_a_recipient_refused_for_good_is_skipped_and_the_others_answered(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    smtp.refuse("gone@client.test")
    mail(dovecot, configured, "2026-11-16T18:30", sender="gone@client.test")
    mail(dovecot, configured, "2026-11-16T18:31")

    first = sync(at("2026-11-16T18:35"))
    again = sync(at("2026-11-16T18:40"))

    assert (first["replied"], first["skipped"], first["error"]) == (
        1,
        {"recipient_refused": 1},
        None,
    )
    assert (again["replied"], again["skipped"]) == (0, {})
    assert replies_to(smtp) == {ZOE: 1}
    assert journal_rows("SELECT decision FROM seen ORDER BY item") == [
        ("skipped:recipient_refused",),
        ("reply",),
    ]


def test_a_wrong_password_exits_4_without_showing_it(
    dovecot: Dovecot, configured: MailUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong-s3cret")

    result = run("autoreply", "sync", "--at", "2026-11-16T18:35")

    assert result.exit_code == 4
    assert result.stderr.startswith(
        f"Error: email: IMAP login to {dovecot.host}:{dovecot.imap_port} as {configured.address} "
        "failed"
    )
    assert "wrong-s3cret" not in result.output


@pytest.fixture
def slow_smtp(mail_user: MailUser, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpRecorder]:
    """An SMTP server that keeps each message, then waits before saying 250."""
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    recorder = SmtpRecorder(logins={mail_user.address: mail_user.password}, delay=0.05).start()
    yield recorder
    recorder.stop()


def many(dovecot: Dovecot, user: MailUser, count: int) -> list[str]:
    senders = [f"client{i}@client.test" for i in range(count)]
    messages = [make_message(sender=s, to=user.address, subject="Hi") for s in senders]
    dovecot.append(user, messages, arrived=at("2026-11-16T19:00"))
    return senders


def wait_until(condition: object, timeout: float = 20.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_kill_9_in_the_middle_of_a_sync_never_answers_anyone_twice(
    dovecot: Dovecot, mail_user: MailUser, slow_smtp: SmtpRecorder
) -> None:
    imap_config(dovecot, mail_user, slow_smtp)
    sync(MONDAY_NOON)
    senders = many(dovecot, mail_user, 50)

    process = sync_process(at("2026-11-16T19:05"))
    try:
        wait_until(lambda: len(slow_smtp.messages) >= 10)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=20)
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    killed_after = len(slow_smtp.messages)
    assert killed_after < 50

    after = sync(at("2026-11-16T19:10"))

    counts = replies_to(slow_smtp)
    assert max(counts.values()) == 1
    # The one being sent at the kill was taken by the server; none is lost, none doubled.
    assert sorted(counts) == sorted(senders)
    assert after["replied"] == 50 - killed_after


def test_two_syncs_at_once_one_exits_5(
    dovecot: Dovecot, mail_user: MailUser, slow_smtp: SmtpRecorder
) -> None:
    imap_config(dovecot, mail_user, slow_smtp)
    sync(MONDAY_NOON)
    senders = many(dovecot, mail_user, 5)

    process = sync_process(at("2026-11-16T19:05"))
    try:
        wait_until(lambda: len(slow_smtp.messages) >= 1)  # it holds the lock now
        second = run("autoreply", "sync", "--at", "2026-11-16T19:05")
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert second.exit_code == 5
    assert second.stderr.startswith("Error: another `hours autoreply sync` is running")
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["channels"][0]["replied"] == 5
    assert replies_to(slow_smtp) == dict.fromkeys(senders, 1)


# --- install, uninstall, status ----------------------------------------------------------


def test_install_checks_both_logins_and_uninstall_forgets_the_cursor(
    dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder
) -> None:
    imap_config(dovecot, mail_user, smtp)
    mail(dovecot, mail_user, "2026-11-16T18:30", sender="old@client.test")

    installed = run("autoreply", "install", "--channel", "email")

    assert installed.exit_code == 0, installed.output
    assert installed.stdout == (
        f"email (imap): IMAP {dovecot.host}:{dovecot.imap_port} and SMTP "
        f"{smtp.host}:{smtp.port} logins work; following INBOX after message 1, so nothing "
        "already there is answered\n"
        "Next: `hours cron install` so replies follow your hours.\n"
    )
    mail(dovecot, mail_user, "2026-11-16T18:40")
    assert sync(at("2026-11-16T18:45"))["replied"] == 1
    assert replies_to(smtp) == {ZOE: 1}
    assert run("autoreply", "uninstall", "--channel", "email").stdout.startswith(
        "email (imap): nothing to put back on the server"
    )
    assert journal_rows("SELECT value FROM cursors") == [("null",)]
    assert sync(at("2026-11-16T18:50"))["action"] == "started"


def test_install_with_a_wrong_smtp_password_fails(
    dovecot: Dovecot, mail_user: MailUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    strict = SmtpRecorder(logins={mail_user.address: "another password"}).start()
    try:
        imap_config(dovecot, mail_user, strict)
        result = run("autoreply", "install", "--channel", "email")
    finally:
        strict.stop()

    assert result.exit_code == 4
    assert result.stderr.startswith(
        f"Error: SMTP login to {strict.host}:{strict.port} as {mail_user.address} failed (535)"
    )
    assert mail_user.password not in result.output
    assert journal_rows("SELECT prior FROM channels") == []


# --- secrets ------------------------------------------------------------------------------


@pytest.mark.usefixtures("hours_crontab")
def test_the_password_never_appears_in_any_output_log_or_journal(
    dovecot: Dovecot, configured: MailUser, smtp: SmtpRecorder
) -> None:
    password = configured.password
    mail(dovecot, configured, "2026-11-16T18:30")
    outputs = [
        run("autoreply", "install", "--channel", "email"),
        run("autoreply", "sync", "--at", "2026-11-16T18:35"),
        run("autoreply", "sync", "--json", "--at", "2026-11-16T18:36"),
        run("autoreply", "status"),
        run("autoreply", "status", "--json"),
        run("autoreply", "preview", "--channel", "email"),
        run("doctor"),
    ]
    smtp.stop()
    mail(dovecot, configured, "2026-11-16T18:40", sender="ann@client.test")
    outputs.append(run("autoreply", "sync", "-q", "--at", "2026-11-16T18:45"))
    outputs.append(run("autoreply", "sync", "--json", "--at", "2026-11-16T18:46"))
    outputs.append(run("autoreply", "status", "--json"))
    outputs.append(run("doctor"))

    assert [r.exit_code for r in outputs] == [0, 0, 0, 0, 0, 0, 0, 4, 4, 0, 4]
    assert outputs[7].stderr.startswith("Error: email: SMTP ")
    for result in outputs:
        assert password not in result.output
        assert password not in result.stderr
    state = Path(os.environ["HOURS_HOME"])
    files = [p for p in state.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"journal.sqlite3", "sync.lock"}
    for path in files:
        assert password.encode() not in path.read_bytes(), path
    assert smtp.messages
    assert not [m for m in smtp.messages if password in m.message.as_string()]
