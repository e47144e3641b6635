"""`hours autoreply` and `hours doctor` commands, with a fake channel behind the engine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hours import channels
from hours.journal import sync_lock
from tests.fake_channel import FakeChannel
from tests.helpers import run, write_config

CONFIG = """\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
[autoreply.emergency]
keyword = "URGENT"
[autoreply.email]
address = "sam@example.com"
password_env = "HOURS_TEST_PASSWORD"
imap = { host = "127.0.0.1", port = 1143, security = "none" }
smtp = { host = "127.0.0.1", port = 1025, security = "none" }
[autoreply.phone]
number = "+15550001111"
account_sid_env = "HOURS_TEST_SID"
auth_token_env = "HOURS_TEST_TOKEN"
"""


@pytest.fixture(autouse=True)
def fake_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = "tests.fake_channel:FakeChannel"
    monkeypatch.setattr(channels, "PROVIDERS", dict.fromkeys(channels.PROVIDERS, fake))
    FakeChannel.calls = []
    FakeChannel.fail = None
    FakeChannel.unreadable_secret = None
    write_config(CONFIG)


def test_sync_json() -> None:
    result = run("autoreply", "sync", "--json", "--at", "2026-11-23T19:00")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "open": False,
        "at": "2026-11-23T19:00:00-05:00",
        "dry_run": False,
        "channels": [
            {
                "channel": "email",
                "mode": "imap",
                "action": "polled",
                "replied": 1,
                "skipped": {"vip": 2},
                "error": None,
            },
            {
                "channel": "phone",
                "mode": "poll",
                "action": "polled",
                "replied": 1,
                "skipped": {"vip": 2},
                "error": None,
            },
        ],
    }


def test_sync_human_and_quiet() -> None:
    result = run("autoreply", "sync", "--at", "2026-11-23T10:00")
    assert result.stdout == (
        "Synced at 2026-11-23 10:00 (open):\n"
        "  email (imap): polled; replied 1; skipped 2 (vip 2)\n"
        "  phone (poll): polled; replied 1; skipped 2 (vip 2)\n"
    )
    quiet = run("autoreply", "sync", "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_a_failing_channel_exits_4_and_the_other_still_runs() -> None:
    FakeChannel.fail = "email"
    result = run("autoreply", "sync", "-q", "--at", "2026-11-23T19:00")
    assert result.exit_code == 4
    assert result.stderr == "Error: email: email server said no\n"
    assert FakeChannel.calls == [
        "sync email 2026-11-23T19:00:00-05:00 dry=False",
        "sync phone 2026-11-23T19:00:00-05:00 dry=False",
    ]
    status = json.loads(run("autoreply", "status", "--json", "--at", "2026-11-23T19:01").stdout)
    assert [(c["channel"], c["last_error"]) for c in status["channels"]] == [
        ("email", "email server said no"),
        ("phone", None),
    ]


def test_an_unreadable_secret_exits_3_and_the_other_channel_still_runs() -> None:
    FakeChannel.unreadable_secret = "email"
    FakeChannel.fail = "phone"
    result = run("autoreply", "sync", "-q", "--at", "2026-11-23T19:00")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        "Error: email: [autoreply.email] password_command failed (exit status 1)\n"
        "Error: phone: phone server said no\n"
    )
    FakeChannel.fail = None
    again = run("autoreply", "sync", "--json", "--at", "2026-11-23T19:05")
    assert again.exit_code == 3
    rows = json.loads(again.stdout)["channels"]
    assert [(c["channel"], c["action"], c["replied"]) for c in rows] == [
        ("email", "failed", 0),
        ("phone", "polled", 1),
    ]


def test_a_second_sync_exits_5_at_once() -> None:
    with sync_lock(Path(os.environ["HOURS_HOME"])):
        result = run("autoreply", "sync")
    assert result.exit_code == 5
    assert result.stderr.startswith("Error: another `hours autoreply sync` is running")
    assert FakeChannel.calls == []


def test_dry_run_is_passed_down() -> None:
    result = run("autoreply", "sync", "--dry-run", "--at", "2026-11-23T19:00")
    assert result.stdout.startswith("Would sync at 2026-11-23 19:00 (closed):\n")
    assert FakeChannel.calls[0].endswith("dry=True")


def test_install_and_uninstall_one_channel() -> None:
    result = run("autoreply", "install", "--channel", "email")
    assert result.stdout == (
        "email (imap): recorded the provider's settings\n"
        "Next: `hours cron install` so replies follow your hours.\n"
    )
    status = json.loads(run("autoreply", "status", "--json").stdout)
    assert [(c["channel"], c["installed"]) for c in status["channels"]] == [
        ("email", True),
        ("phone", False),
    ]
    assert run("autoreply", "uninstall", "--channel", "email").stdout == (
        "email (imap): put back what was there\n"
    )
    assert FakeChannel.calls == ["install email", "uninstall email"]


def test_no_autoreply_configured_is_a_config_error() -> None:
    path = write_config('timezone = "UTC"\n')
    result = run("autoreply", "sync")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: {path}: no [autoreply.email] or [autoreply.phone]; add one "
        "(`hours init --example` shows every key)\n"
    )


def test_preview_email_and_sms() -> None:
    email = run("autoreply", "preview", "--at", "2026-11-23T19:00")
    assert email.exit_code == 0, email.output
    assert email.stdout.splitlines()[:3] == [
        "From: Sam's Nails <sam@example.com>",
        "To: Alex Client <alex@example.org>",
        "Subject: Re: Appointment next week?",
    ]
    assert "get back to you tomorrow at 9:00 AM — in 14 hours." in email.stdout
    assert "write again with URGENT in the subject" in email.stdout
    sms = run("autoreply", "preview", "--channel", "sms", "--at", "2026-11-23T19:00")
    assert sms.stdout.startswith(
        "Hi! Thanks for your message. Sam's Nails is closed right now. I'll get back to you "
        "tomorrow at 9:00 AM. If it can't wait, reply URGENT."
    )


def test_doctor_reports_each_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no crontab: that check fails
    monkeypatch.setenv("HOURS_TEST_PASSWORD", "s3cret-pw")
    result = run("--no-color", "doctor")
    assert result.exit_code == 3
    out = result.stdout
    assert "[  ok] secret [autoreply.email] password — present" in out
    assert (
        "[FAIL] secret [autoreply.phone] account_sid — [autoreply.phone] account_sid_env names $HOURS_TEST_SID, which is not set"
        in out
    )
    assert "[  ok] email server — reachable, logged in" in out
    assert "[FAIL] cron line — crontab is not installed" in out
    assert "s3cret-pw" not in result.output
    # Without --no-color (and not on a terminal) the columns line up the same.
    assert run("doctor").stdout == out


def test_doctor_provider_failure_exits_4(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOURS_TEST_PASSWORD", "HOURS_TEST_SID", "HOURS_TEST_TOKEN"):
        monkeypatch.setenv(name, "x")
    FakeChannel.fail = "phone"
    result = run("--no-color", "doctor")
    assert "[FAIL] phone server — reachable, logged in" in result.stdout
    assert result.exit_code == 4
