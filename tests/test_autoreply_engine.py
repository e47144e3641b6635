"""The auto-reply engine: who gets a reply, journal-before-send, the lock, the sync loop."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hours import autoreply, config
from hours.autoreply import ChannelResult, Incoming, OptedOut, Reply, SyncRun
from hours.clients.mail import IncomingMail, parse_header_block
from hours.clikit import build_schedule
from hours.errors import ConfigError, LockedError, ProviderError
from hours.journal import Journal, count_replies, sync_lock

NY = ZoneInfo("America/New_York")
CONFIG = """\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
[autoreply]
min_interval = "12h"
max_age = "24h"
vip = ["+15551234567", "*@bigclient.com", "boss@example.org"]
[autoreply.emergency]
keyword = "URGENT"
forward_to = "+15557654321"
message = "Alerted; {business} will call."
[autoreply.email]
message = "Back {next_open}."
address = "sam@example.com"
aliases = ["bookings@example.com"]
password_env = "X"
imap = { host = "127.0.0.1", port = 1143, security = "none" }
smtp = { host = "127.0.0.1", port = 1025, security = "none" }
[autoreply.phone]
number = "+15550001111"
account_sid_env = "SID"
auth_token_env = "TOKEN"
"""


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Return a November 2026 instant in New York (the 23rd is a Monday)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=NY)


@pytest.fixture
def cfg() -> config.Config:
    return config.parse(CONFIG, Path("config.toml"))


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "state")
    yield j
    j.close()


class Outbox:
    """A channel's delivery side: records what the engine sends; can fail or crash on demand."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.forwarded: list[str] = []
        self.fail_with: BaseException | None = None

    def deliver(self, reply: Reply) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((reply.msg.sender, reply.kind, reply.text))

    def forward(self, msg: Incoming) -> None:
        self.forwarded.append(msg.sender)


def sync_items(
    cfg: config.Config,
    journal: Journal,
    now: dt.datetime,
    items: list[Incoming],
    outbox: Outbox,
    *,
    dry_run: bool = False,
) -> ChannelResult:
    assert cfg.autoreply is not None
    run = SyncRun(now, build_schedule(cfg), cfg.autoreply, cfg.name, journal, dry_run=dry_run)
    channel = items[0].channel if items else "email"
    result = ChannelResult(channel, "test")
    email = cfg.autoreply.email
    phone = cfg.autoreply.phone
    assert email is not None
    assert phone is not None
    policy = email.policy if channel == "email" else phone.policy
    own = email.addresses if channel == "email" else (phone.number,)
    autoreply.answer(
        run,
        result,
        items,
        policy,
        own,
        outbox,
        outbox.forward,
    )
    return result


def parsed(
    sender: str,
    arrived: dt.datetime,
    headers: dict[str, str],
    recipients: tuple[str, ...],
    subject: str = "Booking",
) -> IncomingMail:
    """Return a mail's header block as the IMAP channel reads it, parsed the one way."""
    lines = [f"From: {sender}", f"To: {', '.join(recipients)}", f"Subject: {subject}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return parse_header_block(1, arrived, ("\r\n".join(lines) + "\r\n\r\n").encode())


def mail(item: str, sender: str, arrived: dt.datetime, **headers: str) -> Incoming:
    recipients = ("sam@example.com",)
    return Incoming(
        "email",
        item,
        sender,
        arrived,
        text="hello",
        subject="Booking",
        mail=parsed(
            sender, arrived, {k.replace("_", "-"): v for k, v in headers.items()}, recipients
        ),
        recipients=recipients,
    )


def text(item: str, sender: str, arrived: dt.datetime, body: str = "hi") -> Incoming:
    return Incoming("sms", item, sender, arrived, text=body)


def test_once_per_sender_per_closed_period(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    r = sync_items(cfg, journal, at(23, 18, 35), [mail("1", "ann@x.org", at(23, 18, 30))], out)
    assert (r.replied, out.sent) == (1, [("ann@x.org", "reply", "Back tomorrow at 9:00 AM.")])
    r = sync_items(cfg, journal, at(23, 22, 5), [mail("2", "ann@x.org", at(23, 22, 0))], out)
    assert (r.replied, dict(r.skipped)) == (0, {"already_replied": 1})
    r = sync_items(cfg, journal, at(24, 18, 35), [mail("3", "ann@x.org", at(24, 18, 30))], out)
    assert r.replied == 1
    assert len(out.sent) == 2


def test_min_interval_holds_across_periods(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    sync_items(cfg, journal, at(23, 16, 59), [], out)
    # Monday 08:50 is the end of one closed period; 17:05 the start of the next, 8h15 later.
    assert (
        sync_items(cfg, journal, at(23, 8, 51), [mail("1", "a@x.org", at(23, 8, 50))], out).replied
        == 1
    )
    r = sync_items(cfg, journal, at(23, 17, 6), [mail("2", "a@x.org", at(23, 17, 5))], out)
    assert dict(r.skipped) == {"min_interval": 1}


def test_arrived_while_open_or_too_old_or_open_now(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    items = [
        mail("1", "a@x.org", at(23, 16, 58)),  # arrived open, synced after closing
        mail("2", "b@x.org", at(21, 12, 0)),  # Saturday noon: closed but two days old
    ]
    r = sync_items(cfg, journal, at(23, 17, 5), items, out)
    assert dict(r.skipped) == {"arrived_open": 1, "too_old": 1}
    r = sync_items(cfg, journal, at(24, 9, 5), [mail("3", "c@x.org", at(24, 8, 59))], out)
    assert dict(r.skipped) == {"open_now": 1}
    assert out.sent == []


@pytest.mark.parametrize(
    ("sender", "headers", "recipients", "reason"),
    [
        ("boss@example.org", {}, None, "vip"),
        ("Pat@BigClient.com", {}, None, "vip"),
        ("bookings@example.com", {}, None, "own_address"),
        ("a@x.org", {"auto-submitted": "auto-generated"}, None, "auto_submitted"),
        ("a@x.org", {"precedence": "bulk"}, None, "bulk"),
        ("a@x.org", {"precedence": "junk"}, None, "bulk"),
        ("a@x.org", {"list-id": "<news.x.org>"}, None, "mailing_list"),
        ("a@x.org", {"list-unsubscribe": "<mailto:u@x.org>"}, None, "mailing_list"),
        ("a@x.org", {"return-path": "<>"}, None, "no_return_path"),
        ("MAILER-DAEMON@x.org", {}, None, "robot_sender"),
        ("postmaster@x.org", {}, None, "robot_sender"),
        ("no-reply@x.org", {}, None, "robot_sender"),
        ("noreply@x.org", {}, None, "robot_sender"),
        ("donotreply@x.org", {}, None, "robot_sender"),
        ("owner-list@x.org", {}, None, "robot_sender"),
        ("list-request@x.org", {}, None, "robot_sender"),
        ("a@x.org", {"return-path": "<noreply@mailer.x.org>"}, None, "robot_sender"),
        ("a@x.org", {}, ("someone@else.org",), "not_addressed_to_me"),
    ],
)
def test_email_never_answered(
    cfg: config.Config,
    journal: Journal,
    sender: str,
    headers: dict[str, str],
    recipients: tuple[str, ...] | None,
    reason: str,
) -> None:
    to = recipients or ("Sam@Example.com",)
    msg = Incoming(
        "email",
        "1",
        sender.lower() if "@" in sender else sender,
        at(23, 19, 0),
        mail=parsed(sender, at(23, 19, 0), headers, to),
        recipients=to,
    )
    out = Outbox()
    r = sync_items(cfg, journal, at(23, 19, 5), [msg], out)
    assert (r.replied, dict(r.skipped), out.sent) == (0, {reason: 1}, [])


def test_auto_submitted_no_is_answered(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    r = sync_items(
        cfg, journal, at(23, 19, 5), [mail("1", "a@x.org", at(23, 19, 0), auto_submitted="no")], out
    )
    assert r.replied == 1


@pytest.mark.parametrize(
    ("sender", "body", "reason"),
    [
        ("+15551234567", "hi", "vip"),
        ("+15550001111", "hi", "own_address"),
        ("12345", "hi", "short_code"),
        ("AcmeBank", "hi", "alphanumeric_sender"),
        ("+15559990000", "STOP", "keyword"),
        ("+15559990000", " help ", "keyword"),
        ("+15559990000", "Unsubscribe", "keyword"),
    ],
)
def test_texts_never_answered(
    cfg: config.Config, journal: Journal, sender: str, body: str, reason: str
) -> None:
    out = Outbox()
    r = sync_items(cfg, journal, at(23, 19, 5), [text("SM1", sender, at(23, 19, 0), body)], out)
    assert (r.replied, dict(r.skipped)) == (0, {reason: 1})


def test_emergency_is_forwarded_and_answered_once_per_period(
    cfg: config.Config, journal: Journal
) -> None:
    out = Outbox()
    r = sync_items(
        cfg,
        journal,
        at(23, 19, 5),
        [text("SM1", "+15559990000", at(23, 19, 0), "urgent: pipe burst!")],
        out,
    )
    assert r.replied == 1
    assert out.forwarded == ["+15559990000"]
    assert out.sent == [("+15559990000", "emergency", "Alerted; Sam's Nails will call.")]
    r = sync_items(
        cfg,
        journal,
        at(23, 20, 5),
        [text("SM2", "+15559990000", at(23, 20, 0), "URGENT again")],
        out,
    )
    assert dict(r.skipped) == {"emergency_already_answered": 1}
    assert out.forwarded == ["+15559990000", "+15559990000"]
    # "urgently" is not the keyword as a whole word
    r = sync_items(
        cfg,
        journal,
        at(23, 19, 5),
        [text("SM3", "+15558880000", at(23, 19, 0), "need it urgently")],
        out,
    )
    assert out.sent[-1][1] == "reply"


def test_a_failed_send_is_retried_next_sync(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    out.fail_with = ProviderError("SMTP server refused")
    items = [mail("1", "a@x.org", at(23, 19, 0))]
    with pytest.raises(ProviderError):
        sync_items(cfg, journal, at(23, 19, 5), items, out)
    assert journal.replies_between(at(23, 0), at(24, 0)) == {}
    out.fail_with = None
    assert sync_items(cfg, journal, at(23, 19, 10), items, out).replied == 1
    assert journal.replies_between(at(23, 0), at(24, 0)) == {"email": 1}


def test_an_emergency_whose_reply_failed_is_forwarded_once(
    cfg: config.Config, journal: Journal
) -> None:
    out = Outbox()
    out.fail_with = ProviderError("SMTP server refused")
    items = [
        Incoming(
            "email",
            "1",
            "a@x.org",
            at(23, 19, 0),
            subject="URGENT: leak",
            mail=parsed("a@x.org", at(23, 19, 0), {}, ("sam@example.com",), "URGENT: leak"),
            recipients=("sam@example.com",),
        )
    ]
    with pytest.raises(ProviderError):
        sync_items(cfg, journal, at(23, 19, 5), items, out)
    out.fail_with = None
    r = sync_items(cfg, journal, at(23, 19, 10), items, out)
    assert (r.replied, out.forwarded, [k for _, k, _ in out.sent]) == (
        1,
        ["a@x.org"],
        ["emergency"],
    )


def test_a_crash_mid_send_never_sends_twice(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    out.fail_with = KeyboardInterrupt()  # stands for the process dying after the journal write
    items = [mail("1", "a@x.org", at(23, 19, 0))]
    with pytest.raises(KeyboardInterrupt):
        sync_items(cfg, journal, at(23, 19, 5), items, out)
    out.fail_with = None
    r = sync_items(cfg, journal, at(23, 19, 10), [*items, mail("2", "a@x.org", at(23, 19, 7))], out)
    assert (r.replied, dict(r.skipped), out.sent) == (0, {"already_replied": 1}, [])


def test_opted_out_is_a_skip(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    out.fail_with = OptedOut()
    r = sync_items(cfg, journal, at(23, 19, 5), [text("SM1", "+15559990000", at(23, 19, 0))], out)
    assert (r.replied, dict(r.skipped)) == (0, {"opted_out": 1})


def test_dry_run_writes_nothing(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    items = [mail("1", "a@x.org", at(23, 19, 0)), mail("2", "a@x.org", at(23, 19, 1))]
    r = sync_items(cfg, journal, at(23, 19, 5), items, out, dry_run=True)
    assert (r.replied, dict(r.skipped), out.sent) == (1, {"already_replied": 1}, [])
    assert journal.decided("email", "1") is None


def test_phone_channels_share_one_limit(cfg: config.Config, journal: Journal) -> None:
    out = Outbox()
    call = Incoming("voice", "CA1", "+15559990000", at(23, 19, 0))
    assert sync_items(cfg, journal, at(23, 19, 5), [call], out).replied == 1
    wa = Incoming("whatsapp", "SM9", "whatsapp:+15559990000", at(23, 19, 30), text="hi")
    r = sync_items(cfg, journal, at(23, 19, 35), [wa], out)
    assert dict(r.skipped) == {"already_replied": 1}


def test_the_lock_refuses_a_second_sync(tmp_path: Path) -> None:
    with sync_lock(tmp_path), pytest.raises(LockedError) as e, sync_lock(tmp_path):
        pass
    assert e.value.exit_status == 5
    with sync_lock(tmp_path):  # released
        pass


def test_a_failing_channel_does_not_stop_the_others(cfg: config.Config, journal: Journal) -> None:
    assert cfg.autoreply is not None

    class Broken:
        name, mode = "phone", "poll"

        def sync(self, run: SyncRun) -> ChannelResult:
            raise ProviderError("Twilio answered 500")

    class Fine:
        name, mode = "email", "imap"

        def sync(self, run: SyncRun) -> ChannelResult:
            return ChannelResult("email", "imap", "polled", replied=2)

    run = SyncRun(at(23, 19, 0), build_schedule(cfg), cfg.autoreply, cfg.name, journal)
    report = autoreply.sync([Broken(), Fine()], run)
    assert [c.as_json() for c in report.channels] == [
        {
            "channel": "phone",
            "mode": "poll",
            "action": "failed",
            "replied": 0,
            "skipped": {},
            "error": "Twilio answered 500",
        },
        {
            "channel": "email",
            "mode": "imap",
            "action": "polled",
            "replied": 2,
            "skipped": {},
            "error": None,
        },
    ]
    assert report.exit_status == 4
    assert journal.channel("phone").last_error == "Twilio answered 500"


def test_templates_with_unknown_fields_fail_at_load() -> None:
    bad = CONFIG.replace("[autoreply]\n", '[autoreply]\nmessage = "Back {when}"\n')
    with pytest.raises(
        ConfigError, match=r"\[autoreply\] message: \{when\} is not a field you can use"
    ):
        config.parse(bad, Path("config.toml"))
    sms_subject = CONFIG + 'sms_message = "Re {subject}"\n'
    with pytest.raises(ConfigError, match=r"sms_message: \{subject\} is not a field"):
        config.parse(sms_subject, Path("config.toml"))


def test_default_messages_say_when_and_how_to_get_through(cfg: config.Config) -> None:
    assert cfg.autoreply is not None
    assert cfg.autoreply.phone is not None
    schedule = build_schedule(cfg)
    values = autoreply.fields(schedule, at(27, 18, 0), cfg.name, cfg.autoreply.emergency)
    sms = autoreply.render(cfg.autoreply.phone.sms_message, values)
    assert sms == (
        "Hi! Thanks for your message. Sam's Nails is closed right now. I'll get back to you "
        "Monday at 9:00 AM. If it can't wait, reply URGENT."
    )
    assert values["next_open_relative"] == "in 2 days 15 hours"


def test_count_replies_reads_without_creating(tmp_path: Path) -> None:
    state = tmp_path / "fresh"
    counts = count_replies(state, at(23, 0), at(30, 0))
    assert counts == {"email": 0, "sms": 0, "voice": 0, "whatsapp": 0}
    assert not state.exists()
    j = Journal(state)
    rid = j.begin_reply("sms", "reply", "+15559990000", "SM1", at(23, 17), at(23, 19))
    j.reply_sent(rid, at(23, 19))
    j.begin_reply("email", "reply", "a@x.org", "1:5", at(23, 17), at(23, 19))  # never sent
    fwd = j.begin_reply("sms", "forward", "+15559990000", "SM1", at(23, 17), at(23, 19))
    j.reply_sent(fwd, at(23, 19))
    j.close()
    assert count_replies(state, at(23, 0), at(30, 0)) == {
        "email": 0,
        "sms": 1,
        "voice": 0,
        "whatsapp": 0,
    }
    assert count_replies(state, at(24, 0), at(30, 0))["sms"] == 0


def test_the_journal_is_wal_with_a_schema_version(journal: Journal) -> None:
    assert journal.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert journal.db.execute("PRAGMA user_version").fetchone() == (1,)
    journal.db.execute("PRAGMA user_version = 99")
    with pytest.raises(ConfigError, match=r"written by a newer hours \(schema 99\)"):
        Journal(journal.path.parent)


class FileOutbox(Outbox):
    """An Outbox whose sends survive the process: one line per send in a file."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def deliver(self, reply: Reply) -> None:
        with self.path.open("a") as f:
            f.write(f"{reply.msg.sender} {reply.kind}\n")
            f.flush()
            os.fsync(f.fileno())

    def lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []


def _die(*_: object) -> None:
    os._exit(137)  # no cleanup, no finally: as `kill -9` would leave it


@pytest.mark.parametrize("step", ["decide", "begin_reply", "send", "reply_sent"])
def test_a_crash_after_each_step_never_sends_twice(
    cfg: config.Config, tmp_path: Path, step: str
) -> None:
    """The process dies right after `step` for the first message; a new process syncs again."""
    state = tmp_path / "state"
    outbox = FileOutbox(tmp_path / "sent.txt")
    first = [mail("1", "a@x.org", at(23, 19, 0))]
    pid = os.fork()
    if pid == 0:  # the child: sync, and die at the step
        try:
            j = Journal(state)
            if step == "send":
                real_deliver = outbox.deliver

                def deliver_then_die(reply: Reply) -> None:
                    real_deliver(reply)
                    _die()

                outbox.deliver = deliver_then_die  # type: ignore[method-assign]
            else:
                real = getattr(j, step)

                def then_die(*args: object) -> object:
                    if step == "reply_sent":
                        _die()  # the provider took it; the journal never heard
                    done = real(*args)
                    if step != "decide" or args[2] in ("reply", "emergency"):
                        _die()
                    return done

                setattr(j, step, then_die)
            sync_items(cfg, j, at(23, 19, 5), first, outbox)
        finally:
            os._exit(1)  # the step was never reached: the test fails below
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 137
    sent_before = outbox.lines()
    assert sent_before == ([] if step in ("decide", "begin_reply") else ["a@x.org reply"])

    j = Journal(state)  # a new process opens the journal the dead one left
    try:
        again = [*first, mail("2", "a@x.org", at(23, 19, 7)), mail("3", "b@x.org", at(23, 19, 8))]
        r = sync_items(cfg, j, at(23, 19, 10), again, outbox)
    finally:
        j.close()

    sends = outbox.lines()
    assert sends.count("a@x.org reply") <= 1, sends
    assert sends.count("b@x.org reply") == 1
    # After `decide` alone, no reply was journalled: the sender's next message gets the one reply.
    assert sends.count("a@x.org reply") == (0 if step == "begin_reply" else 1)
    assert r.replied == (2 if step == "decide" else 1)


def test_the_engine_renders_each_reply_from_its_channels_template(
    cfg: config.Config, journal: Journal
) -> None:
    """Decision and rendering are one place: the outbox gets the finished text and subject."""
    assert cfg.autoreply is not None
    run = SyncRun(at(23, 19, 5), build_schedule(cfg), cfg.autoreply, cfg.name, journal)
    email = mail("1", "ann@x.org", at(23, 19, 0))
    sms = text("SM1", "+15559990000", at(23, 19, 0))
    whatsapp = Incoming("whatsapp", "SM2", "whatsapp:+15559990000", at(23, 19, 0), text="hi")
    call = Incoming("voice", "CA1", "+15559990000", at(23, 19, 0))
    phone = cfg.autoreply.phone
    assert phone is not None
    values = autoreply.fields(run.schedule, run.now, cfg.name, cfg.autoreply.emergency)
    assert autoreply.reply_to(email, "reply", run) == Reply(
        email, "reply", "Back tomorrow at 9:00 AM.", "Re: Booking"
    )
    assert autoreply.reply_to(sms, "reply", run).text == autoreply.render(phone.sms_message, values)
    assert autoreply.reply_to(call, "reply", run).text == autoreply.render(
        phone.sms_message, values
    )
    assert autoreply.reply_to(whatsapp, "reply", run).text == autoreply.render(
        phone.whatsapp_message, values
    )
    for msg in (email, sms, whatsapp):
        assert autoreply.reply_to(msg, "emergency", run).text == "Alerted; Sam's Nails will call."
    assert autoreply.reply_to(sms, "reply", run).subject == ""
