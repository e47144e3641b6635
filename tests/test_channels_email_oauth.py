"""The email channel logging in with OAuth2, end to end: `hours autoreply sync` against the
Dovecot that takes XOAUTH2 and OAUTHBEARER (IMAP and ManageSieve) and the SMTP server that
does too, each checking every token at the loopback OAuth2 server's introspection endpoint.

Tokens come from a `token_command` (a script of the test's) or from `hours login microsoft`,
run against the loopback OAuth2 server. Syncs run `--at` moments of the week of 16 November
2026 in New York, as the other email tests do.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hours.clients import oauth
from tests.email_e2e import at, journal_rows, sync
from tests.helpers import run, write_config
from tests.oauth_e2e import TokenCommand, leaks, login_microsoft, oauth_config, servers
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import SmtpRecorder

ZOE = "zoe@client.test"
MONDAY_NOON = at("2026-11-16T12:00")  # open: the first sync starts the cursor
EVENING = "2026-11-16T18:30"
AFTER = at("2026-11-16T18:35")


def state() -> Path:
    return Path(os.environ["HOURS_HOME"])


def mail(dovecot: Dovecot, user: MailUser, when: str = EVENING) -> None:
    message = make_message(sender=ZOE, to=user.address, subject="Nails on Tuesday?")
    dovecot.append(user, [message], arrived=at(when))


def started() -> None:
    first = sync(MONDAY_NOON)
    assert (first["action"], first["replied"], first["error"]) == ("started", 0, None)


def refreshes(server: OAuthServer) -> int:
    return sum(r.form.get("grant_type") == "refresh_token" for r in server.requests_to("/token"))


def sync_failing(status: int) -> str:
    """Run a sync `--at` AFTER that fails; return its one error line."""
    result = run("autoreply", "sync", "--at", AFTER.isoformat())
    assert result.exit_code == status, result.output
    (line,) = result.stderr.splitlines()
    return line


# --- IMAP mode: a reply after hours through XOAUTH2 and OAUTHBEARER -----------------------


@pytest.mark.parametrize("auth", ["xoauth2", "oauthbearer"])
def test_imap_mode_answers_with_a_token_from_the_token_command(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
    auth: str,
) -> None:
    user = oauth_mail_user
    token = oauth_server.issue_access_token(user.address)
    command = TokenCommand(tmp_path / "tool", token)
    oauth_config(dovecot_oauth, user, oauth_smtp, command.line, auth=auth)
    started()
    mail(dovecot_oauth, user)

    row = sync(AFTER)

    assert (row["action"], row["replied"], row["error"]) == ("polled", 1, None)
    (reply,) = oauth_smtp.messages
    assert reply.rcpt_tos == (ZOE,)
    assert reply.message["Subject"] == "Re: Nails on Tuesday?"
    assert [(a.mechanism, a.user, a.accepted) for a in oauth_smtp.oauth_attempts] == [
        (auth.upper(), user.address, True)
    ]
    # Once per sync, kept in memory: never written where hours keeps its state.
    assert command.count == 2
    assert leaks([token], [], state()) == []


@pytest.mark.parametrize("auth", ["xoauth2", "oauthbearer"])
def test_imap_mode_answers_with_the_login_hours_login_stored(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
    auth: str,
) -> None:
    user = oauth_mail_user
    oauth_config(dovecot_oauth, user, oauth_smtp, 'provider = "outlook"', auth=auth)
    login_microsoft(oauth_server, user)
    started()
    mail(dovecot_oauth, user)

    row = sync(AFTER)

    assert (row["action"], row["replied"], row["error"]) == ("polled", 1, None)
    assert [(a.mechanism, a.accepted) for a in oauth_smtp.oauth_attempts] == [(auth.upper(), True)]
    # One refresh per sync: IMAP and SMTP share the access token, held in memory only.
    assert refreshes(oauth_server) == 2
    scopes = {r.form["scope"] for r in oauth_server.requests_to("/token") if "scope" in r.form}
    assert scopes == {" ".join(oauth.scopes_for("microsoft", ("mail",)))}
    token_file = state() / "oauth" / "microsoft.json"
    assert leaks(oauth_server.secrets_issued(), [], tmp_path, token_file) == []


# --- Sieve mode over ManageSieve --------------------------------------------------------


@pytest.mark.parametrize(("auth", "source"), [("xoauth2", "command"), ("oauthbearer", "login")])
def test_sieve_mode_uploads_the_script_with_a_token(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_server: OAuthServer,
    auth: str,
    source: str,
) -> None:
    user = oauth_mail_user
    if source == "command":
        line = TokenCommand(tmp_path / "tool", oauth_server.issue_access_token(user.address)).line
    else:
        line = 'provider = "outlook"'
        login_microsoft(oauth_server, user)
    oauth_config(dovecot_oauth, user, None, line, mode="sieve", auth=auth)

    row = sync(at("2026-11-16T18:00"))

    assert (row["mode"], row["action"], row["error"]) == ("sieve", "uploaded", None)
    script = (user.home / "sieve" / "hours.sieve").read_text()
    assert 'vacation :handle "hours"' in script
    assert os.readlink(user.home / ".dovecot.sieve") == "sieve/hours.sieve"
    again = sync(at("2026-11-16T18:05"))
    assert again["action"] == "unchanged"


# --- tokens that expire, are refused, or cannot be had ----------------------------------


def test_an_expired_stored_token_is_refreshed_and_the_sync_succeeds(
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    oauth_config(dovecot_oauth, user, oauth_smtp, 'provider = "outlook"')
    login_microsoft(oauth_server, user)
    started()
    oauth_server.expire()  # every access token handed out so far is dead
    mail(dovecot_oauth, user)

    row = sync(AFTER)

    assert (row["replied"], row["error"]) == (1, None)
    assert refreshes(oauth_server) == 2


def test_a_refused_token_is_fetched_afresh_and_the_sync_succeeds(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    expired = oauth_server.issue_access_token(user.address)
    oauth_server.expire(expired)
    fresh = oauth_server.issue_access_token(user.address)
    command = TokenCommand(tmp_path / "tool", expired, fresh)
    oauth_config(dovecot_oauth, user, oauth_smtp, command.line)
    mail(dovecot_oauth, user, "2026-11-16T11:00")

    row = sync(MONDAY_NOON)

    assert (row["action"], row["error"]) == ("started", None)
    assert command.count == 2  # refused, then run once more
    introspected = [r.form["token"] for r in oauth_server.requests_to("/introspect")]
    assert introspected == [expired, fresh]


def test_a_token_refused_twice_is_exit_4_saying_what_to_run(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    other = dovecot_oauth.new_user()
    command = TokenCommand(tmp_path / "tool", oauth_server.issue_access_token(other.address))
    oauth_config(dovecot_oauth, user, oauth_smtp, command.line)

    line = sync_failing(4)

    where = f"{dovecot_oauth.host}:{dovecot_oauth.imap_port}"
    assert line.startswith(
        f"Error: email: IMAP {where} refused the OAuth2 access token for {user.address} "
        "(XOAUTH2), and a fresh one after it: "
    )
    assert line.endswith(
        "; run [autoreply.email] token_command yourself and check the token it prints"
    )
    assert command.count == 2
    assert oauth_smtp.messages == []


def test_a_stored_login_whose_tokens_are_refused_says_to_log_in_again(
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    oauth_config(dovecot_oauth, user, oauth_smtp, 'provider = "outlook"')
    # The login is someone else's: its tokens are good, but not for this mailbox.
    login_microsoft(oauth_server, dovecot_oauth.new_user())

    line = sync_failing(4)

    assert line.endswith("; run `hours login microsoft` again")
    assert refreshes(oauth_server) == 2  # the first token, then a fresh one: no more


def test_smtp_refusing_the_token_is_retried_once_then_exit_4_and_the_reply_waits(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    command = TokenCommand(tmp_path / "tool", oauth_server.issue_access_token(user.address))
    # An SMTP server that asks another authorization server, which knows none of the tokens.
    stranger = OAuthServer().start()
    refusing = SmtpRecorder(oauth_introspection_url=stranger.url("/introspect")).start()
    try:
        oauth_config(dovecot_oauth, user, refusing, command.line)
        started()
        mail(dovecot_oauth, user)

        line = sync_failing(4)

        where = f"{refusing.host}:{refusing.port}"
        assert line == (
            f"Error: email: SMTP {where} refused the OAuth2 access token for {user.address} "
            "(XOAUTH2), and a fresh one after it: the access token is invalid or has expired "
            "(it asks for scope https://mail.google.com/); run [autoreply.email] token_command "
            "yourself and check the token it prints"
        )
        assert [a.accepted for a in refusing.oauth_attempts] == [False, False]
        assert refusing.messages == []
    finally:
        refusing.stop()
        stranger.stop()
    # Nothing was sent, so nothing is lost: with a server that takes the token, it goes out.
    oauth_config(dovecot_oauth, user, oauth_smtp, command.line)
    row = sync(at("2026-11-16T18:40"))
    assert (row["replied"], row["error"]) == (1, None)
    assert [m.rcpt_tos for m in oauth_smtp.messages] == [(ZOE,)]
    assert journal_rows("SELECT COUNT(*) FROM replies WHERE sent_at IS NOT NULL") == [(1,)]


def test_a_revoked_login_is_exit_3_saying_to_log_in_again(
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    oauth_config(dovecot_oauth, user, oauth_smtp, 'provider = "outlook"')
    login_microsoft(oauth_server, user)
    oauth_server.revoke_refresh_tokens()  # the user removed the app's access

    line = sync_failing(3)

    assert line == (
        "Error: email: Microsoft no longer accepts the stored login (it was revoked or has "
        "expired); run `hours login microsoft` again"
    )
    assert oauth_server.requests_to("/introspect") == []  # no mail server was asked


def test_no_stored_login_is_exit_3_saying_to_log_in(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser, oauth_smtp: SmtpRecorder
) -> None:
    oauth_config(dovecot_oauth, oauth_mail_user, oauth_smtp, 'provider = "outlook"')
    line = sync_failing(3)
    path = state() / "oauth" / "microsoft.json"
    assert line == (
        f"Error: email: no Microsoft login is stored in {path}; run `hours login microsoft`"
    )


def test_a_login_without_the_mail_scopes_is_exit_3(
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    oauth_config(dovecot_oauth, user, oauth_smtp, 'provider = "outlook"')
    imap_only = "https://outlook.office.com/IMAP.AccessAsUser.All"
    login_microsoft(oauth_server, user, "--scopes", imap_only)
    line = sync_failing(3)
    path = state() / "oauth" / "microsoft.json"
    assert line == (
        f"Error: email: the Microsoft login in {path} does not grant "
        "https://outlook.office.com/SMTP.Send; run `hours login microsoft` again"
    )


@pytest.fixture
def quick_token_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give a token command 1 s instead of 30, so a hanging one is seen quickly."""
    monkeypatch.setattr(oauth, "TOKEN_COMMAND_TIME_LIMIT", 1.0)


@pytest.mark.usefixtures("quick_token_limit")
@pytest.mark.parametrize(
    ("script", "message"),
    [
        (
            "echo ya29.half-printed; exit 7",
            "[autoreply.email] token_command failed (exit status 7); run it yourself to see why",
        ),
        ("true", "[autoreply.email] token_command printed nothing; it must print one access token"),
        (
            "echo ya29.first; echo ya29.second",
            "[autoreply.email] token_command printed more than one line; it must print only "
            "the access token",
        ),
        (
            "sleep 30; echo ya29.late",
            "[autoreply.email] token_command did not finish within 1 seconds and was stopped; "
            "run it yourself to see why",
        ),
    ],
    ids=["fails", "prints-nothing", "two-lines", "too-slow"],
)
def test_a_token_command_that_fails_is_exit_3_and_nothing_is_sent(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
    script: str,
    message: str,
) -> None:
    tool = tmp_path / "tool.sh"
    tool.write_text(script + "\n")
    oauth_config(dovecot_oauth, oauth_mail_user, oauth_smtp, f"token_command = \"sh '{tool}'\"")

    result = run("autoreply", "sync", "--at", AFTER.isoformat())

    assert result.exit_code == 3
    assert result.stderr == f"Error: email: {message}\n"
    assert "ya29" not in result.output
    assert oauth_smtp.messages == []
    assert oauth_server.requests_to("/introspect") == []  # no token reached a server


def test_a_server_that_offers_no_such_mechanism_is_exit_4(
    tmp_path: Path, dovecot: Dovecot, mail_user: MailUser
) -> None:
    command = TokenCommand(tmp_path / "tool", "ya29.anything")
    write_config(f"""\
timezone = "America/New_York"
[autoreply.email]
address = "{mail_user.address}"
auth = "oauthbearer"
{command.line}
{servers(dovecot)}
smtp = {{ host = "127.0.0.1", port = 1, security = "none" }}
""")
    line = sync_failing(4)
    assert line == (
        f"Error: email: IMAP {dovecot.host}:{dovecot.imap_port} offers no OAUTHBEARER login "
        "(it offers: PLAIN, LOGIN)"
    )
    assert command.count == 0  # no token is fetched for a server that cannot take it


def test_a_token_command_failing_while_replying_is_exit_3_and_the_reply_waits(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    good = TokenCommand(tmp_path / "tool", oauth_server.issue_access_token(user.address))
    oauth_config(dovecot_oauth, user, oauth_smtp, good.line)
    started()
    mail(dovecot_oauth, user)
    # The IMAP login takes the first token; SMTP refuses it, and the command then fails.
    flaky = tmp_path / "flaky.sh"
    flaky.write_text(
        f"[ -e '{tmp_path}/ran' ] && exit 1\ntouch '{tmp_path}/ran'\nsh '{good.script}'\n"
    )
    stranger = OAuthServer().start()
    refusing = SmtpRecorder(oauth_introspection_url=stranger.url("/introspect")).start()
    try:
        oauth_config(dovecot_oauth, user, refusing, f"token_command = \"sh '{flaky}'\"")
        line = sync_failing(3)
    finally:
        refusing.stop()
        stranger.stop()
    assert line == (
        "Error: email: [autoreply.email] token_command failed (exit status 1); run it yourself "
        "to see why"
    )
    assert journal_rows("SELECT COUNT(*) FROM replies") == [(0,)]  # not taken as perhaps sent
    oauth_config(dovecot_oauth, user, oauth_smtp, good.line)
    row = sync(at("2026-11-16T18:40"))
    assert (row["replied"], row["error"]) == (1, None)
    assert [m.rcpt_tos for m in oauth_smtp.messages] == [(ZOE,)]


def test_install_checks_both_logins_with_the_stored_login(
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
) -> None:
    user = oauth_mail_user
    oauth_config(dovecot_oauth, user, oauth_smtp, 'provider = "outlook"')
    login_microsoft(oauth_server, user)

    result = run("autoreply", "install", "--channel", "email")

    assert result.exit_code == 0, result.output
    imap = f"{dovecot_oauth.host}:{dovecot_oauth.imap_port}"
    smtp = f"{oauth_smtp.host}:{oauth_smtp.port}"
    assert result.stdout.splitlines()[0] == (
        f"email (imap): IMAP {imap} and SMTP {smtp} logins work; following INBOX after "
        "message 0, so nothing already there is answered"
    )
    assert [(a.mechanism, a.accepted) for a in oauth_smtp.oauth_attempts] == [("XOAUTH2", True)]
    assert refreshes(oauth_server) == 1
