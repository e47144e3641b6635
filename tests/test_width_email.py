"""What the email setup, the logins and the Gmail and Outlook modes print fits $COLUMNS.

Each command runs narrow (60 columns) and wide (1000) from the same state: every line of the
narrow run fits, and only whitespace moved (no word, path, URL or `command` was broken).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import run, write_config
from tests.oauth_e2e import MS_CLIENT_ID
from tests.responder_e2e import TokenCommand, responder_config
from tests.servers.gmail_fake import TOKEN, GmailFake
from tests.servers.oauth import OAuthServer

NARROW = 60
MONDAY_EVENING = dt.datetime(2026, 11, 23, 19, 0, tzinfo=ZoneInfo("America/New_York"))


def output(monkeypatch: pytest.MonkeyPatch, columns: int, *args: str, expect: int = 0) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    result = run(*args)
    assert result.exit_code == expect, result.output
    return result.output


def assert_fits(narrow: str, wide: str) -> None:
    # A word longer than the width (the test's own long paths) overflows rather than breaks.
    assert [s for s in narrow.splitlines() if len(s) > NARROW and len(s.split()) > 1] == []
    assert Counter(narrow.split()) == Counter(wide.split())
    # The check would hold vacuously for output that always fits.
    assert max(len(line) for line in wide.splitlines()) > NARROW


def test_setup_email_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config('timezone = "Europe/London"\n')
    for args in (
        ["--address", "sam@icloud.com"],
        ["--address", "sam@gmail.com", "--mode", "gmail"],
        ["--address", "sam@outlook.com", "--client-id", MS_CLIENT_ID],
    ):
        wide = output(monkeypatch, 1000, "autoreply", "setup", "email", *args)
        narrow = output(monkeypatch, NARROW, "autoreply", "setup", "email", *args)
        assert_fits(narrow, wide)


def test_login_and_logout_fit(monkeypatch: pytest.MonkeyPatch, oauth_server: OAuthServer) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # the device flow's polling
    oauth_server.register_client(MS_CLIENT_ID)
    login = [
        "login", "microsoft", "--client-id", MS_CLIENT_ID,
        "--endpoint", f"device={oauth_server.url('/devicecode')}",
        "--endpoint", f"token={oauth_server.url('/token')}",
    ]  # fmt: skip
    wide = output(monkeypatch, 1000, *login)
    wide_logout = output(monkeypatch, 1000, "logout", "microsoft")
    narrow = output(monkeypatch, NARROW, *login)
    narrow_logout = output(monkeypatch, NARROW, "logout", "microsoft")
    # Each sign-in has its own code: the narrow run's stands in for it in the wide one.
    code = next(w for w in wide.split() if w.count("-") == 1 and len(w) == 9)
    new_code = next(w for w in narrow.split() if w.count("-") == 1 and len(w) == 9)
    assert_fits(narrow, wide.replace(code, new_code))
    assert_fits(narrow_logout, wide_logout)


def test_the_gmail_modes_install_status_sync_and_uninstall_fit(
    monkeypatch: pytest.MonkeyPatch, gmail_fake: GmailFake, tmp_path: Path
) -> None:
    tokens = TokenCommand(tmp_path / "token", TOKEN)
    responder_config("gmail", gmail_fake, token_command=tokens.command)
    at = ["--at", MONDAY_EVENING.isoformat()]
    later = ["--at", (MONDAY_EVENING + dt.timedelta(days=1)).isoformat()]

    def evening(columns: int) -> list[str]:
        """Install, set the evening's window, look, and put the responder back."""
        return [
            output(monkeypatch, columns, *args)
            for args in (
                ["autoreply", "install"],
                ["autoreply", "sync", *at],
                ["autoreply", "status", *later],
                ["autoreply", "uninstall"],
            )
        ]

    for narrow, wide in zip(evening(NARROW), evening(1000), strict=True):
        assert_fits(narrow, wide)


def test_a_failing_channels_error_line_fits(
    monkeypatch: pytest.MonkeyPatch, gmail_fake: GmailFake
) -> None:
    responder_config("gmail", gmail_fake, token_command=None)  # no login stored
    at = ["--at", MONDAY_EVENING.isoformat()]
    assert_fits(
        output(monkeypatch, NARROW, "autoreply", "sync", *at, expect=3),
        output(monkeypatch, 1000, "autoreply", "sync", *at, expect=3),
    )
