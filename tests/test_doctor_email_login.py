"""`hours doctor` on how the email channel logs in: the provider's needs in its own words, the
OAuth2 token, and the logins themselves against the real servers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hours.config import parse
from hours.config.autoreply import EmailSettings
from hours.doctor import email_login_checks, recognise
from tests.email_e2e import PASSWORD_ENV
from tests.helpers import run
from tests.oauth_e2e import login_microsoft, oauth_config
from tests.servers.dovecot import Dovecot, MailUser
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import SmtpRecorder


def doctor() -> tuple[int, list[str]]:
    result = run("--no-color", "doctor")
    return result.exit_code, result.stdout.splitlines()


def test_all_well_with_hours_login(
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
    hours_crontab: Path,
) -> None:
    user = oauth_mail_user
    oauth_config(dovecot_oauth, user, oauth_smtp, 'provider = "outlook"')
    login_microsoft(oauth_server, user)

    status, lines = doctor()

    assert status == 0, lines
    assert lines[-6:] == [
        "[  ok] email provider Outlook.com — OAuth2 (XOAUTH2)",
        "[  ok] email OAuth2 token — `hours login microsoft` is stored",
        f"[  ok] email IMAP {dovecot_oauth.host}:{dovecot_oauth.imap_port} — reachable, logged "
        f"in as {user.address}",
        f"[  ok] email SMTP {oauth_smtp.host}:{oauth_smtp.port} — reachable, logged in as "
        f"{user.address}",
        "[  ok] cron line — present",
        "All is well.",
    ]


def test_outlook_with_a_password_is_told_in_its_words(
    dovecot: Dovecot, mail_user: MailUser, hours_crontab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    smtp = SmtpRecorder(logins={mail_user.address: mail_user.password}).start()
    try:
        oauth_config(
            dovecot, mail_user, smtp, f'provider = "outlook"\npassword_env = "{PASSWORD_ENV}"',
            auth="password",
        )  # fmt: skip
        status, lines = doctor()
    finally:
        smtp.stop()

    assert status == 3
    assert (
        "[FAIL] email provider Outlook.com — Outlook.com refuses passwords: set auth = "
        '"xoauth2" and run `hours login microsoft`'
    ) in lines


def test_no_stored_login_fails_saying_what_to_run(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser, oauth_smtp: SmtpRecorder
) -> None:
    oauth_config(dovecot_oauth, oauth_mail_user, oauth_smtp, 'provider = "microsoft365"')

    status, lines = doctor()

    assert status == 3
    stored = Path(os.environ["HOURS_HOME"]) / "oauth" / "microsoft.json"
    start = lines.index("[  ok] email provider Microsoft 365 — OAuth2 (XOAUTH2)")
    assert lines[start : start + 2] == [
        "[  ok] email provider Microsoft 365 — OAuth2 (XOAUTH2)",
        f"[FAIL] email OAuth2 token — no Microsoft login is stored in {stored}; run "
        "`hours login microsoft`",
    ]


def settings(text: str) -> EmailSettings | None:
    cfg = parse(
        f'timezone = "UTC"\n[autoreply.email]\naddress = "sam@example.com"\n{text}', Path("c")
    )
    assert cfg.autoreply is not None
    return cfg.autoreply.email


@pytest.mark.parametrize(
    ("text", "ok", "detail"),
    [
        (
            'provider = "outlook"\nauth = "oauthbearer"\ntoken_command = "oama"',
            False,
            'Outlook.com takes XOAUTH2, not OAUTHBEARER: set auth = "xoauth2"',
        ),
        (
            'imap = { host = "outlook.office365.com" }\nsmtp = { host = "smtp.office365.com" }\n'
            'password_command = "pass m365"',
            False,
            'Microsoft 365 refuses passwords: set auth = "xoauth2" and run `hours login microsoft`',
        ),
        (
            'imap = { host = "imap.gmail.com" }\nsmtp = { host = "smtp.gmail.com" }\n'
            'password_command = "pass gmail"',
            True,
            "Gmail takes an app password, not your Google password: with 2-Step Verification "
            "on, make one at https://myaccount.google.com/apppasswords. If your Workspace "
            'admin forbids app passwords, set auth = "xoauth2" and run `hours login google`',
        ),
        (
            'provider = "yahoo"\npassword_command = "pass yahoo"',
            True,
            "Yahoo Mail takes an app password, not your Yahoo password: make one at "
            "https://login.yahoo.com/account/security (Generate app password)",
        ),
    ],
    ids=["outlook-oauthbearer", "m365-hosts-password", "gmail-hosts", "yahoo"],
)
def test_the_provider_is_recognised_by_name_or_hosts(text: str, ok: bool, detail: str) -> None:
    email = settings(text)
    assert email is not None
    (check, *_) = email_login_checks(email, Path("/nonexistent"))
    assert (check.ok, check.detail) == (ok, detail)


def test_servers_of_no_known_provider_get_no_provider_line() -> None:
    email = settings(
        'imap = { host = "mail.salon.example" }\nsmtp = { host = "mail.salon.example" }\n'
        'password_command = "pass mail"'
    )
    assert email is not None
    assert recognise(email) is None
    assert email_login_checks(email, Path("/nonexistent")) == []
