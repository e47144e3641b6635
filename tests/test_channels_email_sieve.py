"""The email channel in sieve mode, end to end: `hours autoreply install`, `sync` and
`uninstall` against a real Dovecot (ManageSieve), and Dovecot answering mail delivered through
LMTP by itself.

Dovecot compares the script's windows with its own clock, which is this machine's, so these
schedules are built around the real time: open from three to four hours from now (closed
now), or from two hours ago to two hours from now (open now), every day, in UTC.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hours.clients.managesieve import ManageSieve, ScriptList
from hours.clients.net import Endpoint
from tests.email_e2e import PASSWORD_ENV, sync
from tests.helpers import run, write_config
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.smtp import SmtpRecorder

ZOE = "zoe@client.test"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINE = 'require "fileinto";\r\n# Ma règle à moi\nif header :is "X-Spam" "yes" {\n  fileinto "Junk";\n}\n'


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def sieve_config(
    dovecot: Dovecot, user: MailUser, *, open_from: int, open_to: int, emergency: str = ""
) -> Path:
    """Write a sieve-mode config open every day from `open_from` to `open_to` hours from now."""
    start, end = now() + dt.timedelta(hours=open_from), now() + dt.timedelta(hours=open_to)
    week = "\n".join(f'{day} = "{start:%H:%M}-{end:%H:%M}"' for day in DAYS)
    return write_config(f"""\
name = "Sam's Nails"
timezone = "UTC"
[week]
{week}
{emergency}
[autoreply.email]
mode = "sieve"
address = "{user.address}"
password_env = "{PASSWORD_ENV}"
sieve = {{ host = "{dovecot.host}", port = {dovecot.sieve_port}, security = "none" }}
""")


@pytest.fixture
def user(mail_user: MailUser, monkeypatch: pytest.MonkeyPatch) -> MailUser:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    return mail_user


def sieve(dovecot: Dovecot, user: MailUser) -> ManageSieve:
    return ManageSieve(
        Endpoint(dovecot.host, dovecot.sieve_port, "none"), user.address, user.password
    )


def put_mine(dovecot: Dovecot, user: MailUser) -> None:
    with sieve(dovecot, user) as client:
        client.put_script("mine", MINE)
        client.set_active("mine")


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every ManageSieve command `hours` sends."""
    sent: list[str] = []
    original = ManageSieve._command

    def spy(self: ManageSieve, *words: str) -> object:
        sent.append(words[0])
        return original(self, *words)

    monkeypatch.setattr(ManageSieve, "_command", spy)
    return sent


def test_install_sync_answer_in_a_closed_window_and_uninstall_restores(
    dovecot: Dovecot, user: MailUser, submission: SmtpRecorder, commands: list[str]
) -> None:
    sieve_config(dovecot, user, open_from=3, open_to=4)
    put_mine(dovecot, user)

    installed = run("autoreply", "install", "--channel", "email")
    assert installed.exit_code == 0, installed.output
    assert installed.stdout == (
        f"email (sieve): ManageSieve {dovecot.host}:{dovecot.sieve_port} login works and has "
        "the Sieve extensions needed; recorded that the active script was 'mine'. "
        "`hours autoreply sync` uploads the script 'hours', and `uninstall` puts things back\n"
        "Next: `hours cron install` so replies follow your hours.\n"
    )
    assert sync()["action"] == "uploaded"
    original = make_message(sender=ZOE, to=user.address, subject="Nails?")

    dovecot.deliver(user, original, mail_from=ZOE)

    (reply,) = submission.wait_for(1, to=ZOE)
    assert reply.mail_from == "<>"
    assert reply.message["From"] == f"Sam's Nails <{user.address}>"
    assert reply.message["Subject"] == "Re: Nails?"
    assert reply.message["Auto-Submitted"].startswith("auto-replied")
    assert reply.message["In-Reply-To"] == original["Message-ID"]
    body = reply.message.get_content().replace("\r\n", "\n")
    assert body.startswith("Hi there,\n\nThank you for your message. It reached me while Sam's")
    assert "get back to you today at " in body or "get back to you tomorrow at " in body

    # Nothing changed: the second sync reads, and writes nothing.
    script = user.home / "sieve" / "hours.sieve"
    before = script.stat()
    commands.clear()
    assert sync()["action"] == "unchanged"
    assert "PUTSCRIPT" not in commands
    assert "SETACTIVE" not in commands
    assert (script.stat().st_ino, script.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    uninstalled = run("autoreply", "uninstall", "--channel", "email")
    assert (
        uninstalled.stdout == "email (sieve): reactivated 'mine' and removed the script 'hours'\n"
    )
    with sieve(dovecot, user) as client:
        assert client.list_scripts() == ScriptList(("mine",), "mine")
        assert client.get_script("mine") == MINE
    status = json.loads(run("autoreply", "status", "--json").stdout)
    assert status["channels"][0]["installed"] is False


def test_mail_in_an_open_window_is_not_answered(
    dovecot: Dovecot, user: MailUser, submission: SmtpRecorder
) -> None:
    sieve_config(dovecot, user, open_from=-2, open_to=2)
    assert sync()["action"] == "uploaded"

    dovecot.deliver(user, make_message(sender=ZOE, to=user.address), mail_from=ZOE)

    # Pigeonhole sends a vacation reply before LMTP acknowledges the delivery.
    assert submission.sent_to(ZOE) == []
    with sieve(dovecot, user) as client:
        assert client.list_scripts() == ScriptList(("hours",), "hours")


def test_an_emergency_gets_its_own_reply_and_a_copy_to_the_practitioner(
    dovecot: Dovecot, user: MailUser, submission: SmtpRecorder
) -> None:
    emergency = '[autoreply.emergency]\nkeyword = "URGENT"\nforward_to = "sam-cell@example.test"'
    sieve_config(dovecot, user, open_from=3, open_to=4, emergency=emergency)
    assert sync()["action"] == "uploaded"
    original = make_message(sender=ZOE, to=user.address, subject="urgent: broken nail")

    dovecot.deliver(user, original, mail_from=ZOE)

    (copy,) = submission.wait_for(1, to="sam-cell@example.test")
    (reply,) = submission.wait_for(1, to=ZOE)
    assert copy.message["Message-ID"] == original["Message-ID"]
    assert reply.message["Subject"] == "Re: urgent: broken nail"
    assert reply.message.get_content().startswith("Thank you. I've been alerted")


def test_the_script_is_refreshed_only_when_its_windows_run_short_or_the_schedule_changes(
    dovecot: Dovecot, user: MailUser, commands: list[str]
) -> None:
    sieve_config(dovecot, user, open_from=3, open_to=4)
    start = now()

    assert sync(start)["action"] == "uploaded"
    assert sync(start + dt.timedelta(days=6))["action"] == "unchanged"
    commands.clear()
    assert sync(start + dt.timedelta(days=7, minutes=1))["action"] == "uploaded"
    assert commands.count("PUTSCRIPT") == 1
    assert sync(start + dt.timedelta(days=7, minutes=2))["action"] == "unchanged"
    sieve_config(dovecot, user, open_from=5, open_to=6)
    assert sync(start + dt.timedelta(days=7, minutes=3))["action"] == "uploaded"
    assert sync(start + dt.timedelta(days=7, minutes=4))["action"] == "unchanged"


def test_uninstall_without_a_prior_script_leaves_none_active(
    dovecot: Dovecot, user: MailUser
) -> None:
    sieve_config(dovecot, user, open_from=3, open_to=4)
    assert sync()["action"] == "uploaded"  # a sync before install records the prior state too

    result = run("autoreply", "uninstall", "--channel", "email")

    assert result.stdout == (
        "email (sieve): left no script active, as before and removed the script 'hours'\n"
    )
    with sieve(dovecot, user) as client:
        assert client.list_scripts() == ScriptList((), None)
    assert (
        run("autoreply", "uninstall").stdout
        == "email (sieve): nothing to put back: not installed\n"
    )


def test_dry_run_writes_nothing(dovecot: Dovecot, user: MailUser, commands: list[str]) -> None:
    sieve_config(dovecot, user, open_from=3, open_to=4)

    result = run("autoreply", "sync", "--dry-run", "--json")

    assert json.loads(result.stdout)["channels"][0]["action"] == "would upload"
    assert not {"PUTSCRIPT", "SETACTIVE", "DELETESCRIPT"} & set(commands)
    with sieve(dovecot, user) as client:
        assert client.list_scripts() == ScriptList((), None)


def test_switching_to_imap_while_the_script_is_installed_is_refused(
    dovecot: Dovecot, user: MailUser
) -> None:
    sieve_config(dovecot, user, open_from=3, open_to=4)
    assert sync()["action"] == "uploaded"
    imap = f'imap = {{ host = "{dovecot.host}", port = {dovecot.imap_port}, security = "none" }}'
    smtp = 'smtp = { host = "127.0.0.1", port = 25, security = "none" }'
    config = sieve_config(dovecot, user, open_from=3, open_to=4)
    config.write_text(
        config.read_text().replace('mode = "sieve"', f'mode = "imap"\n{imap}\n{smtp}')
    )

    result = run("autoreply", "install", "--channel", "email")

    assert result.exit_code == 3
    assert result.stderr == (
        "Error: the Sieve script installed in sieve mode is still on the server; set "
        'mode = "sieve" again, run `hours autoreply uninstall --channel email`, then switch to '
        "imap\n"
    )
    with sieve(dovecot, user) as client:
        assert client.list_scripts() == ScriptList(("hours",), "hours")
