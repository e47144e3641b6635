"""Poll mode end to end: `hours autoreply sync` against a stateful fake of Twilio over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hours import channels
from hours.autoreply import ChannelResult, Incoming, SyncRun
from hours.clients.twilio import TwilioApi
from hours.journal import Journal
from tests.helpers import run, write_config
from tests.phone_helpers import (
    ANN,
    BOB,
    CAT,
    CELL,
    NUMBER,
    VIP,
    WHATSAPP,
    at,
    bodies,
    phone_config,
    sync,
)
from tests.servers.smtp import free_port
from tests.servers.twilio_fake import TwilioFake

REPLY_MONDAY = (
    "Hi! Thanks for your message. Sam's Nails is closed right now. I'll get back to you "
    "tomorrow at 9:00 AM. If it can't wait, reply URGENT."
)
EMERGENCY = "Thank you. I've been alerted and will get back to you as soon as I possibly can."


def test_an_after_hours_text_is_answered_once(twilio: TwilioFake) -> None:
    twilio.receive(ANN, NUMBER, "Can I book Thursday?", at(23, 19, 0))

    row = sync(at(23, 19, 5))

    assert row == {
        "channel": "phone",
        "mode": "poll",
        "action": "polled",
        "replied": 1,
        "skipped": {},
        "error": None,
    }
    [reply] = twilio.sent(ANN)
    assert (reply["from"], reply["body"]) == (NUMBER, REPLY_MONDAY)
    assert reply["_validity_period"] == 900  # 15 minutes, not Twilio's 10 hours
    # the next sync sees the same text again (the date filter is by day) and leaves it
    assert sync(at(23, 19, 10))["replied"] == 0
    assert len(twilio.sent(ANN)) == 1
    # the filter was given in UTC: 19:05 in New York is after midnight UTC
    # the date filter was given in UTC: from the start of the night (17:00 in New York), then
    # from an hour before the last sync
    dates = [r.query["DateSent>"] for r in twilio.seen("GET", "/Messages.json")]
    assert dates == ["2026-11-23T22:00:00Z"] * 2 + ["2026-11-23T23:05:00Z"] * 2


def test_the_same_sender_twice_in_a_night_then_the_next_night(twilio: TwilioFake) -> None:
    twilio.receive(ANN, NUMBER, "Hello?", at(23, 19, 0))
    assert sync(at(23, 19, 5))["replied"] == 1
    twilio.receive(ANN, NUMBER, "Hello again", at(23, 23, 30))
    row = sync(at(23, 23, 35))
    assert (row["replied"], row["skipped"]) == (0, {"already_replied": 1})
    # Tuesday night is another closed period, and more than min_interval later
    twilio.receive(ANN, NUMBER, "Tuesday evening", at(24, 19, 40))
    assert sync(at(24, 19, 45))["replied"] == 1
    assert len(twilio.sent(ANN)) == 2


def test_a_text_just_before_closing_is_not_answered(twilio: TwilioFake) -> None:
    sync(at(23, 16, 50))  # open: nothing to answer
    twilio.receive(ANN, NUMBER, "Quick question", at(23, 16, 58))
    row = sync(at(23, 17, 5))
    assert (row["replied"], row["skipped"]) == (0, {"arrived_open": 1})
    assert twilio.sent() == []


def test_a_text_just_before_closing_is_not_answered_by_the_first_sync(twilio: TwilioFake) -> None:
    twilio.receive(ANN, NUMBER, "Quick question", at(23, 16, 58))
    row = sync(at(23, 17, 5))
    assert (row["replied"], row["skipped"]) == (0, {"arrived_open": 1})
    assert twilio.sent() == []


def test_back_from_a_week_off_nothing_older_than_max_age_is_answered(twilio: TwilioFake) -> None:
    assert sync(at(23, 19, 0))["replied"] == 0  # the last sync before the machine went off
    twilio.receive(ANN, NUMBER, "Tuesday night", at(24, 20, 0))
    twilio.missed_call(BOB, NUMBER, at(26, 3, 0))
    twilio.receive(CAT, NUMBER, "Monday night", at(30, 18, 0))

    row = sync(at(30, 19, 0))

    assert (row["replied"], row["skipped"]) == (1, {"too_old": 2})
    assert (twilio.sent(ANN), twilio.sent(BOB), len(twilio.sent(CAT))) == ([], [], 1)
    # the cursor went back to the last sync: the week's texts were all read, by UTC date
    dates = [r.query["DateSent>"] for r in twilio.seen("GET", "/Messages.json")]
    assert dates[-2:] == ["2026-11-23T23:00:00Z"] * 2


def test_who_is_never_answered_is_skipped_and_counted(twilio: TwilioFake) -> None:
    for sender, body in [
        ("+15559990010", "STOP"),
        ("+15559990011", "help"),
        ("12345", "Your code is 1234"),
        ("AcmeBank", "Statement ready"),
        (VIP, "Are you around?"),
        (NUMBER, "a test from myself"),
        (CELL, "from my own cell"),
    ]:
        twilio.receive(sender, NUMBER, body, at(23, 19, 0))

    row = sync(at(23, 19, 5))

    assert (row["replied"], row["skipped"]) == (
        0,
        {
            "alphanumeric_sender": 1,
            "keyword": 2,
            "own_address": 2,
            "short_code": 1,
            "vip": 1,
        },
    )
    assert twilio.sent() == []


def test_urgent_is_forwarded_to_the_practitioner_and_answered(twilio: TwilioFake) -> None:
    twilio.receive(ANN, NUMBER, "URGENT my nail came off before the wedding!", at(23, 20, 0))

    row = sync(at(23, 20, 5))

    assert row["replied"] == 1
    assert bodies(twilio, CELL) == [
        f"URGENT text from {ANN}: URGENT my nail came off before the wedding!"
    ]
    assert bodies(twilio, ANN) == [EMERGENCY]
    assert twilio.sent(CELL)[0]["from"] == NUMBER
    # still worth hearing an hour late; the sender's reply, only until the queue goes stale
    assert [m["_validity_period"] for m in twilio.sent()] == [3600, 900]


def test_a_missed_call_after_hours_gets_a_text_back(twilio: TwilioFake) -> None:
    twilio.missed_call(ANN, NUMBER, at(23, 18, 0))
    twilio.missed_call(BOB, NUMBER, at(23, 18, 1), status="busy")
    twilio.missed_call(CAT, NUMBER, at(23, 18, 2), status="completed")  # answered: nothing
    twilio.missed_call("+266696687", NUMBER, at(23, 18, 3))  # caller ID withheld

    row = sync(at(23, 18, 5))

    assert (row["replied"], row["skipped"]) == (2, {"withheld_number": 1})
    assert bodies(twilio, ANN) == [REPLY_MONDAY]
    assert bodies(twilio, BOB) == [REPLY_MONDAY]
    assert twilio.sent(CAT) == []
    # a text from the same caller the same night: the phone channels share one limit
    twilio.receive(ANN, NUMBER, "Did you get my call?", at(23, 18, 10))
    assert sync(at(23, 18, 15))["skipped"] == {"already_replied": 1}


def test_missed_call_text_off(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio, extra="missed_call_text = false\n"))
    twilio.missed_call(ANN, NUMBER, at(23, 18, 0))
    assert sync(at(23, 18, 5))["replied"] == 0
    assert twilio.seen("GET", "/Calls.json") == []


def test_whatsapp_is_answered_from_the_whatsapp_sender(twilio: TwilioFake) -> None:
    twilio.receive(f"whatsapp:{ANN}", WHATSAPP, "Hola! Open tomorrow?", at(23, 21, 0))

    assert sync(at(23, 21, 5))["replied"] == 1

    [reply] = twilio.sent(f"whatsapp:{ANN}")
    assert (reply["from"], reply["body"]) == (WHATSAPP, REPLY_MONDAY)


def test_opted_out_and_landlines_are_skips_not_failures(twilio: TwilioFake) -> None:
    twilio.opted_out.add(ANN)
    twilio.unreachable[BOB] = 21614  # a landline: no texts
    twilio.receive(ANN, NUMBER, "hi", at(23, 19, 0))
    twilio.missed_call(BOB, NUMBER, at(23, 19, 1))
    twilio.receive(CAT, NUMBER, "hi", at(23, 19, 2))

    row = sync(at(23, 19, 5))

    assert (row["error"], row["replied"], row["skipped"]) == (
        None,
        1,
        {"opted_out": 1, "unreachable": 1},
    )
    assert sync(at(23, 19, 10))["skipped"] == {}  # decided once, never tried again


def test_429_is_retried(twilio: TwilioFake) -> None:
    twilio.fail("GET", "/Messages.json", 429, 20429, times=2, headers={"Retry-After": "0"})
    twilio.fail("POST", "/Messages.json", 429, 20429, headers={"Retry-After": "0"})
    twilio.receive(ANN, NUMBER, "hi", at(23, 19, 0))

    row = sync(at(23, 19, 5))

    assert (row["error"], row["replied"]) == (None, 1)
    assert len(twilio.sent(ANN)) == 1
    assert len(twilio.seen("POST", "/Messages.json")) == 2


def test_a_bad_auth_token_is_reported_without_it(
    twilio: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOURS_TEST_TWILIO_TOKEN", "wrong-token-s3cret")
    result = run("autoreply", "sync", "--at", at(23, 19, 5).isoformat())
    assert result.exit_code == 4
    assert "Twilio answered 401 (error 20003)" in result.stderr
    assert "check them in the Twilio console" in result.stderr
    assert "s3cret" not in result.output
    assert twilio.account_sid not in result.output


def test_a_missing_secret_is_a_config_error_and_asks_twilio_nothing(
    twilio: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOURS_TEST_TWILIO_TOKEN")
    twilio.receive(ANN, NUMBER, "Can I book Thursday?", at(23, 19, 0))
    result = run("autoreply", "sync", "--at", at(23, 19, 5).isoformat())
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: phone: [autoreply.phone] auth_token_env names $HOURS_TEST_TWILIO_TOKEN, which "
        "is not set; export it where `hours` runs (cron has its own environment)\n"
    )
    assert twilio.seen("GET", "/Messages.json") == []
    assert twilio.sent(ANN) == []


def test_the_auth_token_is_in_no_output_journal_or_error(
    twilio: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Twilio (or a proxy before it) echoing the credentials back in an error
    echo = f"bad credentials {twilio.account_sid}:{twilio.auth_token}"
    twilio.fail("GET", "/Messages.json", 400, 20001, message=echo)
    twilio.fail("GET", "/IncomingPhoneNumbers.json", 400, 20001, message=echo)
    twilio.receive(ANN, NUMBER, "URGENT hi", at(23, 19, 0))
    monkeypatch.setenv("PATH", "/nonexistent")  # doctor: no crontab

    outputs = [
        run("autoreply", "sync", "--at", at(23, 19, 5).isoformat()),
        run("autoreply", "sync", "--json", "--at", at(23, 19, 6).isoformat()),
        run("autoreply", "status"),
        run("autoreply", "status", "--json"),
        run("--no-color", "doctor"),
    ]

    assert [r.exit_code for r in outputs] == [4, 0, 0, 0, 4]
    assert "bad credentials AC…:…" in outputs[0].stderr
    state = Path(os.environ["HOURS_HOME"])
    files = b"".join(p.read_bytes() for p in state.rglob("*") if p.is_file())
    for secret in (twilio.auth_token, twilio.account_sid):
        assert all(secret not in r.output for r in outputs)
        assert secret.encode() not in files


def test_dry_run_sends_and_records_nothing(twilio: TwilioFake) -> None:
    twilio.receive(ANN, NUMBER, "hi", at(23, 19, 0))
    assert sync(at(23, 19, 5), "--dry-run")["replied"] == 1
    assert twilio.sent() == []
    assert sync(at(23, 19, 6))["replied"] == 1  # the real one still answers it


def test_paging_links_go_to_api_base_too(twilio: TwilioFake) -> None:
    twilio.max_page_size = 2
    senders = [f"+1555999{i:04d}" for i in range(5)]
    for i, sender in enumerate(senders):
        twilio.receive(sender, NUMBER, "hi", at(23, 19, i))

    assert sync(at(23, 19, 30))["replied"] == 5

    pages = [r.query.get("Page") for r in twilio.seen("GET", "/Messages.json")]
    assert pages[:3] == [None, "1", "2"]  # every page came here, none went to api.twilio.com
    assert all(len(twilio.sent(s)) == 1 for s in senders)


def test_the_first_sync_answers_no_earlier_night(twilio: TwilioFake) -> None:
    twilio.receive(ANN, NUMBER, "Sunday night", at(22, 22, 0))  # a closed period gone by
    twilio.receive(BOB, NUMBER, "Monday night", at(23, 18, 0))
    row = sync(at(23, 19, 0))
    assert row["replied"] == 1
    assert twilio.sent(ANN) == []


def test_the_email_channel_forwards_emergencies_by_sms(
    twilio: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(channels.PROVIDERS, ("email", "imap"), f"{__name__}:UrgentMailChannel")
    write_config(phone_config(twilio, email=True))
    sync(at(23, 19, 5))
    assert bodies(twilio, CELL) == [
        "URGENT email from Ann Client <ann@client.test>: URGENT: burst pipe in the salon"
    ]


class UrgentMailChannel:
    """An email channel that forwards one emergency through `run.forwarder`, as the real one does."""

    name, mode = "email", "imap"

    def __init__(self, settings: object, config_dir: Path) -> None:
        pass

    def sync(self, run: SyncRun) -> ChannelResult:
        assert run.forwarder is not None
        mail = Incoming(
            "email",
            "1:1",
            "ann@client.test",
            run.now,
            text="URGENT: burst pipe in the salon",
            sender_name="Ann Client",
        )
        run.forwarder(mail)
        return ChannelResult("email", "imap", "polled", replied=1)


def test_kill_9_mid_sync_then_sync_sends_nothing_twice(twilio: TwilioFake) -> None:
    for minute, sender in enumerate((ANN, BOB, CAT)):
        twilio.receive(sender, NUMBER, "hi", at(23, 19, minute))
    twilio.hang_on = 2  # Twilio takes BOB's reply, and the client dies before hearing so

    proc = subprocess.Popen(
        [sys.executable, "-m", "hours", "autoreply", "sync", "--at", at(23, 19, 5).isoformat()],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert twilio.hanging.wait(60), proc.stderr.read() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        twilio.release.set()
    assert proc.returncode == -signal.SIGKILL
    assert [len(twilio.sent(s)) for s in (ANN, BOB, CAT)] == [1, 1, 0]

    row = sync(at(23, 19, 10))

    assert row["replied"] == 1
    assert [len(twilio.sent(s)) for s in (ANN, BOB, CAT)] == [1, 1, 1]
    journal = Journal(Path(os.environ["HOURS_HOME"]))
    try:
        statuses = journal.db.execute("SELECT sender, status FROM replies ORDER BY id").fetchall()
    finally:
        journal.close()
    assert statuses == [(ANN, "sent"), (BOB, "sending"), (CAT, "sent")]


def test_a_reply_whose_answer_never_comes_is_not_sent_again(
    twilio: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hours.clients.twilio.HTTP_TIMEOUT", 0.5)
    for minute, sender in enumerate((ANN, BOB, CAT)):
        twilio.receive(sender, NUMBER, "hi", at(23, 19, minute))
    twilio.hang_on = 2  # Twilio takes BOB's reply, and its answer never comes back

    row = sync(at(23, 19, 5), code=4)

    twilio.release.set()
    assert row["error"] == (
        f"Twilio: no answer from {twilio.url.removeprefix('http://')} while sending a text to "
        f"{BOB} (ReadTimeout); it may have been sent, so it is not sent again"
    )
    assert [len(twilio.sent(s)) for s in (ANN, BOB, CAT)] == [1, 1, 0]
    assert sync(at(23, 19, 10))["replied"] == 1
    assert [len(twilio.sent(s)) for s in (ANN, BOB, CAT)] == [1, 1, 1]


def test_a_reply_that_could_not_connect_is_sent_at_the_next_sync(
    twilio: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    twilio.receive(ANN, NUMBER, "hi", at(23, 19, 0))
    # Twilio goes away after the listing: the text cannot have left
    real = TwilioApi.send

    def refused(self: TwilioApi, *args: Any, **kwargs: Any) -> str:
        self.http.rewrite = lambda url: f"http://127.0.0.1:{free_port()}/x"  # type: ignore[method-assign]
        return real(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(TwilioApi, "send", refused)
        row = sync(at(23, 19, 5), code=4)
    assert row["error"].startswith("Twilio: cannot reach")
    assert twilio.sent() == []
    assert sync(at(23, 19, 10))["replied"] == 1
    assert len(twilio.sent(ANN)) == 1
