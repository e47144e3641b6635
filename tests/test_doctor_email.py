"""`hours doctor` on each email mode, against the real Dovecot and SMTP servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hours import cron
from tests.email_e2e import PASSWORD_ENV, imap_config, sync
from tests.helpers import config_file, run, write_config
from tests.servers.dovecot import Dovecot, MailUser
from tests.servers.smtp import SmtpRecorder


@pytest.fixture
def smtp(mail_user: MailUser, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpRecorder]:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    recorder = SmtpRecorder(logins={mail_user.address: mail_user.password}).start()
    yield recorder
    recorder.stop()


def doctor_lines() -> tuple[int, list[str], str]:
    result = run("--no-color", "doctor")
    return result.exit_code, result.stdout.splitlines(), result.output


def test_imap_mode_all_well(
    dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder, hours_crontab: Path
) -> None:
    imap_config(dovecot, mail_user, smtp)

    status, lines, _ = doctor_lines()

    assert status == 0
    who = mail_user.address
    assert lines[-5:] == [
        "[  ok] secret [autoreply.email] password — present",
        f"[  ok] email IMAP {dovecot.host}:{dovecot.imap_port} — reachable, logged in as {who}",
        f"[  ok] email SMTP {smtp.host}:{smtp.port} — reachable, logged in as {who}",
        "[  ok] cron line — present",
        "All is well.",
    ]


def test_imap_mode_wrong_password_and_server_down(
    dovecot: Dovecot,
    mail_user: MailUser,
    smtp: SmtpRecorder,
    hours_crontab: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imap_config(dovecot, mail_user, smtp)
    monkeypatch.setenv(PASSWORD_ENV, "wrong-s3cret")
    smtp.stop()

    status, lines, output = doctor_lines()

    assert status == 4
    imap_line = next(line for line in lines if "email IMAP" in line)
    assert imap_line.startswith(
        f"[FAIL] email IMAP {dovecot.host}:{dovecot.imap_port} — IMAP login to "
        f"{dovecot.host}:{dovecot.imap_port} as {mail_user.address} failed"
    )
    assert (
        f"[FAIL] email SMTP {smtp.host}:{smtp.port} — SMTP {smtp.host}:{smtp.port}: "
        "connection refused (is the host and port right, and the server up?)"
    ) in lines
    assert "wrong-s3cret" not in output


def test_a_missing_cron_line_fails(
    dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder, hours_crontab: Path
) -> None:
    imap_config(dovecot, mail_user, smtp)
    hours_crontab.write_text("0 3 * * * backup.sh\n")

    status, lines, _ = doctor_lines()

    assert status == 3
    assert lines[-1] == "[FAIL] cron line — missing: run `hours cron install`"


def test_a_cron_line_for_another_config_fails_and_a_variable_cron_lacks_warns(
    dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder, hours_crontab: Path
) -> None:
    imap_config(dovecot, mail_user, smtp)
    other = cron.line(5, Path("/elsewhere/config.toml"), Path("/tmp"), ({}, ["/usr/bin/hours"]))
    hours_crontab.write_text(f"{other}\n")

    status, lines, _ = doctor_lines()

    assert status == 3
    assert (
        lines[-1] == f"[FAIL] cron line — not for {config_file()}: run `hours cron install` with it"
    )

    ours = cron.line(5, config_file(), Path("/tmp"), ({}, ["/usr/bin/hours"]))
    hours_crontab.write_text(f"{ours}\n")

    status, lines, _ = doctor_lines()

    assert status == 0
    assert lines[-3:] == [
        "[  ok] cron line — present",
        "[warn] secret [autoreply.email] password — "
        f"${PASSWORD_ENV} must be set for cron too (a line `{PASSWORD_ENV}=...` at the top of "
        "the crontab), or use a _command or secrets.toml",
        "All is well.",
    ]


def sieve_config(dovecot: Dovecot, user: MailUser, emergency: str = "") -> None:
    write_config(f"""\
name = "Sam's Nails"
timezone = "UTC"
[week]
mon = "09:00-17:00"
{emergency}
[autoreply.email]
mode = "sieve"
address = "{user.address}"
password_env = "{PASSWORD_ENV}"
sieve = {{ host = "{dovecot.host}", port = {dovecot.sieve_port}, security = "none" }}
""")


def test_sieve_mode_login_extensions_and_script(
    dovecot: Dovecot, mail_user: MailUser, hours_crontab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    sieve_config(dovecot, mail_user)
    where = f"{dovecot.host}:{dovecot.sieve_port}"

    before_status, before, _ = doctor_lines()
    sync()
    after_status, after, _ = doctor_lines()

    assert before_status == 0
    assert before[-5:] == [
        f"[  ok] email ManageSieve {where} — reachable, logged in as {mail_user.address}",
        "[  ok] email Sieve extensions — date, envelope, relational, vacation, "
        "vacation-seconds present",
        "[warn] email Sieve script 'hours' — not active yet: run `hours autoreply sync`",
        "[  ok] cron line — present",
        "All is well.",
    ]
    assert after_status == 0
    assert "[  ok] email Sieve script 'hours' — active" in after


def test_sieve_mode_warns_that_the_server_cannot_text_a_phone(
    dovecot: Dovecot, mail_user: MailUser, hours_crontab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    sieve_config(
        dovecot, mail_user, '[autoreply.emergency]\nkeyword = "URGENT"\nforward_to = "+15557654321"'
    )

    status, lines, _ = doctor_lines()

    assert status == 0
    assert (
        "[warn] email emergencies — in sieve mode the server cannot text your phone; emergency "
        "mail gets the emergency message but is only forwarded to an email address"
    ) in lines


def test_sieve_mode_wrong_password(
    dovecot: Dovecot, mail_user: MailUser, hours_crontab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong-s3cret")
    sieve_config(dovecot, mail_user)

    status, lines, output = doctor_lines()

    assert status == 4
    assert any(
        line.startswith(
            f"[FAIL] email ManageSieve {dovecot.host}:{dovecot.sieve_port} — ManageSieve login"
        )
        for line in lines
    )
    assert "wrong-s3cret" not in output


@pytest.mark.parametrize(("every", "warned"), [(5, False), (4, True), (1, True)])
def test_a_sync_timeout_as_long_as_the_cron_interval_warns(
    dovecot: Dovecot,
    mail_user: MailUser,
    smtp: SmtpRecorder,
    hours_crontab: Path,
    every: int,
    warned: bool,
) -> None:
    imap_config(dovecot, mail_user, smtp)  # sync_timeout: the default, 4 minutes
    line = cron.line(every, config_file(), Path("/tmp"), ({}, ["/usr/bin/hours"]))
    hours_crontab.write_text(f"{PASSWORD_ENV}=x\n{line}\n")

    status, lines, _ = doctor_lines()

    assert status == 0
    minutes = "1 minute" if every == 1 else f"{every} minutes"
    warning = (
        f"[warn] sync_timeout — a sync may take 4 minutes (sync_timeout), and cron starts one "
        f"every {minutes}: a slow server makes the next one exit 5; set sync_timeout under the "
        "cron interval"
    )
    assert (warning in lines) is warned


def test_a_config_without_a_name_warns_that_replies_say_i(
    dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder, hours_crontab: Path
) -> None:
    path = imap_config(dovecot, mail_user, smtp)
    warning = (
        '[warn] business name — none: replies say "I" where your name goes ("while I is '
        'closed"); set one with `hours set --name "Sam\'s Nails"`'
    )

    _, named, _ = doctor_lines()
    path.write_text(path.read_text().replace('name = "Sam\'s Nails"\n', ""))
    status, unnamed, _ = doctor_lines()

    assert warning not in named
    assert warning in unnamed
    assert status == 0  # a warning: the channel still works
