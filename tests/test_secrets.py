"""Secrets: from the environment, a command, or a 0600 secrets.toml, and never shown; OAuth2
tokens, refresh tokens and client secrets never shown or written outside their own files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hours.config import secrets
from hours.config.autoreply import Secret
from hours.errors import ConfigError
from tests.email_e2e import at, sync_process
from tests.helpers import run
from tests.oauth_e2e import (
    GOOGLE_CLIENT_SECRET,
    TokenCommand,
    google_client_file,
    leaks,
    login_google_process,
    oauth_config,
)
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import SmtpRecorder

SECRET = "Zq9!distinctive-s3cret"
LABEL = "[autoreply.email] password"


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOURS_T_PW", SECRET)
    assert secrets.resolve(Secret(LABEL, env="HOURS_T_PW"), tmp_path) == SECRET
    monkeypatch.delenv("HOURS_T_PW")
    with pytest.raises(ConfigError) as e:
        secrets.resolve(Secret(LABEL, env="HOURS_T_PW"), tmp_path)
    assert e.value.message == (
        f"{LABEL}_env names $HOURS_T_PW, which is not set; export it where `hours` runs "
        "(cron has its own environment)"
    )


def test_from_a_command_stripped(tmp_path: Path) -> None:
    command = f"printf '  {SECRET}\\n\\n'"
    assert secrets.resolve(Secret(LABEL, command=command), tmp_path) == SECRET


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (f"echo {SECRET}; echo {SECRET} >&2; exit 3", f"{LABEL}_command failed (exit status 3)"),
        ("true", f"{LABEL}_command printed nothing"),
    ],
)
def test_a_failing_command_is_a_clear_error_without_its_output(
    tmp_path: Path, command: str, message: str
) -> None:
    with pytest.raises(ConfigError) as e:
        secrets.resolve(Secret(LABEL, command=command), tmp_path)
    assert e.value.message.startswith(message)
    assert SECRET not in e.value.message
    assert e.value.__context__ is None  # no chained output in a traceback either


def test_from_a_0600_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(f'[email]\npassword = "{SECRET}"\n')
    path.chmod(0o600)
    secret = Secret(LABEL, file_key=("email", "password"))
    assert secrets.resolve(secret, tmp_path) == SECRET
    path.chmod(0o644)
    with pytest.raises(ConfigError) as e:
        secrets.resolve(secret, tmp_path)
    assert e.value.message == (
        f"{path} is readable by others; it must be mode 0600 (chmod 600 {path})"
    )
    path.write_text(f'[email]\npassword = "{SECRET}\n')  # unterminated: a TOML error
    path.chmod(0o600)
    with pytest.raises(ConfigError) as e:
        secrets.resolve(secret, tmp_path)
    assert e.value.message.startswith(f"cannot read {path}: ")
    assert SECRET not in e.value.message


def test_no_secret_anywhere_says_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        secrets.resolve(Secret(LABEL, file_key=("email", "password")), tmp_path)
    assert e.value.message == (
        f"no secret for {LABEL}: set password_env or password_command, or put [email] password "
        f"into {tmp_path / 'secrets.toml'} (mode 0600)"
    )


# --- OAuth2: tokens, refresh tokens and client secrets ------------------------------------


def test_no_token_refresh_token_or_client_secret_shows_anywhere(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_mail_user: MailUser,
    oauth_smtp: SmtpRecorder,
    oauth_server: OAuthServer,
    hours_crontab: Path,
) -> None:
    """A whole life of a Google login: sign in, syncs (one as cron runs it, into sync.log),
    doctor and status, a token command refused twice, the login revoked, logout. Nothing
    secret is in any output or error, in the journal, the log or any other file; only the
    token file (until logout) and the client file the user downloaded hold them."""
    user = oauth_mail_user
    client = google_client_file(tmp_path / "Downloads", oauth_server)
    login_line = f'provider = "gmail"\noauth_client_file = "{client}"'
    oauth_config(dovecot_oauth, user, oauth_smtp, login_line)
    oauth_server.user = user.address
    status, out, err = login_google_process(
        oauth_server,
        *(f"--endpoint={name}={url}" for name, url in oauth_server.endpoint_overrides().items()),
    )
    assert status == 0, err
    texts = [out, err]

    def hours(*args: str, expect: int = 0) -> None:
        result = run(*args)
        assert result.exit_code == expect, result.output
        texts.append(result.output)

    hours("autoreply", "sync", "--at", at("2026-11-16T12:00").isoformat())
    message = make_message(sender="zoe@client.test", to=user.address, subject="Tuesday?")
    dovecot_oauth.append(user, [message], arrived=at("2026-11-16T18:30"))
    # As cron runs it: its own process, everything it prints appended to sync.log.
    log = Path(os.environ["HOURS_HOME"]) / "sync.log"
    with log.open("a") as sink:
        cron_run = sync_process(at("2026-11-16T18:35"))
        stdout, stderr = cron_run.communicate(timeout=60)
        sink.write(stdout + stderr)
    assert cron_run.returncode == 0, stderr
    assert len(oauth_smtp.messages) == 1
    hours("doctor")
    hours("autoreply", "status", "--json")

    # Tokens the servers refuse: the error names the server, never the token.
    someone_else = oauth_server.issue_access_token(dovecot_oauth.new_user().address)
    command = TokenCommand(tmp_path / "tool", someone_else)
    oauth_config(dovecot_oauth, user, oauth_smtp, command.line)
    hours("autoreply", "sync", "--at", at("2026-11-16T18:40").isoformat(), expect=4)

    oauth_config(dovecot_oauth, user, oauth_smtp, login_line)
    oauth_server.revoke_refresh_tokens()
    hours("autoreply", "sync", "--at", at("2026-11-16T18:45").isoformat(), expect=3)
    hours("doctor", expect=3)
    hours("logout", "google")

    secrets = [*oauth_server.secrets_issued(), GOOGLE_CLIENT_SECRET]
    assert len(secrets) > 5
    assert log.read_text().strip()  # the log was written, and is looked through
    assert leaks(secrets, texts, tmp_path, client, command.directory) == []
