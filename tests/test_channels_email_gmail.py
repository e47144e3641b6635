"""The email channel in gmail mode against the Gmail fake: what `install`, `sync` and `uninstall`
write, a change made in Gmail adopted, a sync killed mid-write, the sign-in (a token command, or
`hours login`'s stored login refreshed at the loopback OAuth server) and every failure's exit
status and message. Every body sent is checked against Gmail's own description by the fake."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hours.clients import oauth
from hours.clients.gmail import GmailClient
from tests.helpers import run
from tests.responder_e2e import TokenCommand, at, cli, epoch_ms, responder_config, sync
from tests.servers.gmail_fake import DEFAULTS, TOKEN, GmailFake
from tests.servers.oauth import OAuthServer

SCOPE = "https://www.googleapis.com/auth/gmail.settings.basic"
MONDAY_EVENING = at("2026-11-23T18:00")
TUESDAY_EVENING = at("2026-11-24T18:00")
HOLIDAY = {
    "enableAutoReply": True,
    "responseSubject": "Away",
    "responseBodyPlainText": "Back in January.",
    "startTime": epoch_ms("2026-12-24T00:00"),
    "endTime": epoch_ms("2027-01-04T00:00"),
}


@pytest.fixture
def tokens(tmp_path: Path) -> TokenCommand:
    return TokenCommand(tmp_path / "token", TOKEN)


@pytest.fixture
def gmail(gmail_fake: GmailFake, tokens: TokenCommand) -> GmailFake:
    """The fake, with a config in gmail mode pointing at it and signing in by token_command."""
    responder_config("gmail", gmail_fake, token_command=tokens.command)
    return gmail_fake


def journal() -> dict[str, Any]:
    """Return the email channel's prior and applied records, as the journal holds them."""
    db = sqlite3.connect(Path(os.environ["HOURS_HOME"]) / "journal.sqlite3")
    try:
        row = db.execute("SELECT prior, applied FROM channels WHERE channel = 'email'").fetchone()
    finally:
        db.close()
    if row is None:  # the channel never recorded anything
        return {"prior": None, "applied": None}
    return {"prior": json.loads(row[0] or "null"), "applied": json.loads(row[1] or "null")}


# -- install, sync, uninstall ------------------------------------------------------------


def test_install_records_the_responder_and_writes_nothing(gmail: GmailFake) -> None:
    out = cli("autoreply", "install", "--channel", "email")
    assert out == (
        "email (gmail): Gmail sign-in works; recorded Gmail's vacation responder as it is "
        "(off). `hours autoreply sync` sets it to each closed window in turn, and `uninstall` "
        "puts this back.\n"
        "Next: `hours cron install` so replies follow your hours.\n"
    )
    assert [r.method for r in gmail.seen()] == ["GET"]
    assert journal()["prior"]["settings"] == {
        "enableAutoReply": False,
        "restrictToContacts": False,
        "restrictToDomain": False,
    }


def test_install_warns_of_a_holiday_responder_that_hours_will_replace(gmail: GmailFake) -> None:
    gmail.set_vacation(**HOLIDAY)
    out = cli("autoreply", "install")
    assert (
        "recorded Gmail's vacation responder as it is (on for Thu 24 Dec 00:00 to Mon 04 Jan" in out
    )
    assert out.endswith(
        " Warning: it is on for Thu 24 Dec 00:00 to Mon 04 Jan 00:00; while `hours` holds the "
        "responder it is not, so add those dates as a closure (`hours off`) and `hours` "
        "answers for them.\nNext: `hours cron install` so replies follow your hours.\n"
    )
    # Installed twice: the first record is kept.
    assert cli("autoreply", "install").startswith("email (gmail): already installed on ")
    assert journal()["prior"]["settings"]["responseSubject"] == "Away"


def test_the_first_sync_records_what_was_there_when_install_was_never_run(
    gmail: GmailFake,
) -> None:
    gmail.set_vacation(**HOLIDAY)
    assert sync(MONDAY_EVENING)["action"] == "set"
    assert cli("autoreply", "uninstall").startswith(
        "email (gmail): put back Gmail's vacation responder as recorded (on for Thu 24 Dec"
    )
    assert gmail.vacation == {**DEFAULTS, **HOLIDAY}


def test_a_dry_run_reads_and_writes_nothing_else(gmail: GmailFake) -> None:
    row = sync(MONDAY_EVENING, dry_run=True)
    assert (row["action"], row["window"]) == (
        "would set",
        ["2026-11-23T17:00:00-05:00", "2026-11-24T09:00:00-05:00"],
    )
    assert [r.method for r in gmail.seen()] == ["GET"]
    assert journal() == {"prior": None, "applied": None}


def test_sync_says_the_window_it_set(gmail: GmailFake) -> None:
    result = run("autoreply", "sync", "--at", MONDAY_EVENING.isoformat())
    assert result.stdout == (
        "Synced at 2026-11-23 18:00 (closed):\n"
        "  email (gmail): set; window Mon 23 Nov 17:00 to Tue 24 Nov 09:00\n"
    )
    status = run("autoreply", "status", "--at", "2026-11-23T18:30")
    assert status.stdout == (
        "email (gmail, installed): last sync 30 minutes ago, set\n"
        "  window set at the provider: Mon 23 Nov 17:00 to Tue 24 Nov 09:00 (answering now)\n"
        "Replies this week: none\n"
    )
    data = json.loads(run("autoreply", "status", "--json", "--at", "2026-11-24T10:00").stdout)
    assert data["channels"][0]["window"] == [
        "2026-11-23T17:00:00-05:00",
        "2026-11-24T09:00:00-05:00",
    ]
    later = run("autoreply", "status", "--at", "2026-11-24T10:00").stdout
    assert (
        "  the window set was Mon 23 Nov 17:00 to Tue 24 Nov 09:00: over (is cron running "
        "`hours autoreply sync`?)\n" in later
    )


def test_the_subject_template_and_who_is_answered(
    gmail_fake: GmailFake, tokens: TokenCommand
) -> None:
    responder_config(
        "gmail",
        gmail_fake,
        token_command=tokens.command,
        extra='subject = "About {subject}: back {next_open}"\n'
        "only_contacts = true\nonly_domain = true",
    )
    sync(MONDAY_EVENING)
    (put,) = gmail_fake.seen("PUT")
    assert put.body["responseSubject"] == "About your message: back Tuesday at 9:00 AM"
    assert (put.body["restrictToContacts"], put.body["restrictToDomain"]) == (True, True)


# -- the user's own settings -------------------------------------------------------------


def test_a_change_made_in_gmail_is_taken_as_the_users_and_put_back(gmail: GmailFake) -> None:
    cli("autoreply", "install")
    assert sync(MONDAY_EVENING)["action"] == "set"
    # The user sets a responder of their own in Gmail, over the evening's window.
    mine = {"enableAutoReply": True, "responseBodyPlainText": "At a conference all week."}
    gmail.set_vacation(**mine)

    row = sync(at("2026-11-23T19:00"))

    assert row["action"] == "adopted yours, set"
    assert gmail.vacation["startTime"] == epoch_ms("2026-11-23T17:00")
    assert journal()["prior"]["settings"] == {
        "enableAutoReply": True,
        "restrictToContacts": False,
        "restrictToDomain": False,
        "responseBodyPlainText": "At a conference all week.",
    }
    cli("autoreply", "uninstall")
    assert gmail.vacation == {**DEFAULTS, **mine}


def test_uninstall_leaves_a_setting_the_user_made_since(gmail: GmailFake) -> None:
    cli("autoreply", "install")
    sync(MONDAY_EVENING)
    gmail.set_vacation(enableAutoReply=False, responseSubject="mine now")
    out = cli("autoreply", "uninstall")
    assert out == (
        "email (gmail): Gmail's vacation responder was changed since `hours` last set it; left "
        "as you set it (off), nothing written\n"
    )
    assert gmail.seen("PUT")[-1].body["enableAutoReply"] is True  # the window: nothing after
    assert journal() == {"prior": None, "applied": None}


def test_uninstall_when_not_installed_and_when_already_as_recorded(gmail: GmailFake) -> None:
    assert cli("autoreply", "uninstall") == "email (gmail): nothing to put back: not installed\n"
    cli("autoreply", "install")
    assert cli("autoreply", "uninstall") == (
        "email (gmail): Gmail's vacation responder is already as recorded (off); nothing written\n"
    )
    assert gmail.seen("PUT") == []


# -- a sync killed mid-write ---------------------------------------------------------------


class Killed(BaseException):
    """What a `kill -9` is to the code that runs: nothing after it happens."""


def kill_on_update(monkeypatch: pytest.MonkeyPatch, *, after_sending: bool) -> None:
    """Kill the next write to Gmail, before its request leaves or once Gmail has stored it."""
    original = GmailClient.update_vacation

    def killed(self: GmailClient, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(GmailClient, "update_vacation", original)
        if after_sending:
            original(self, *args, **kwargs)
        raise Killed

    monkeypatch.setattr(GmailClient, "update_vacation", killed)


@pytest.mark.parametrize("after_sending", [False, True], ids=["before sending", "after sending"])
def test_a_sync_killed_while_moving_to_the_next_window_loses_nothing(
    gmail: GmailFake, monkeypatch: pytest.MonkeyPatch, after_sending: bool
) -> None:
    gmail.set_vacation(**HOLIDAY)
    cli("autoreply", "install")
    sync(MONDAY_EVENING)
    kill_on_update(monkeypatch, after_sending=after_sending)
    with pytest.raises(Killed):
        run("autoreply", "sync", "--at", TUESDAY_EVENING.isoformat(), catch=False)
    monday, tuesday = epoch_ms("2026-11-23T17:00"), epoch_ms("2026-11-24T17:00")
    assert gmail.vacation["startTime"] == (tuesday if after_sending else monday)

    # Whichever window is there, it is known as hours's own: nothing is adopted.
    row = sync(TUESDAY_EVENING)
    assert row["action"] == ("unchanged" if after_sending else "set")
    assert gmail.vacation["startTime"] == tuesday
    assert journal()["prior"]["settings"]["responseSubject"] == "Away"
    cli("autoreply", "uninstall")
    assert gmail.vacation == {**DEFAULTS, **HOLIDAY}


def test_a_first_sync_killed_before_sending_leaves_the_users_settings_theirs(
    gmail: GmailFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    gmail.set_vacation(**HOLIDAY)
    kill_on_update(monkeypatch, after_sending=False)
    with pytest.raises(Killed):
        run("autoreply", "sync", "--at", MONDAY_EVENING.isoformat(), catch=False)
    assert sync(MONDAY_EVENING)["action"] == "set"  # not "adopted": it was recorded already
    cli("autoreply", "uninstall")
    assert gmail.vacation == {**DEFAULTS, **HOLIDAY}


# -- signing in, and failures --------------------------------------------------------------


def test_a_refused_token_is_fetched_again_once(gmail: GmailFake, tokens: TokenCommand) -> None:
    gmail.expire_token()
    assert sync(MONDAY_EVENING)["action"] == "set"
    assert tokens.runs == 2
    assert [r.method for r in gmail.seen()] == ["GET", "GET", "PUT"]


def test_a_token_refused_twice_fails_the_channel_saying_what_to_do(
    gmail: GmailFake, tokens: TokenCommand
) -> None:
    gmail.expire_token(times=2)
    result = run("autoreply", "sync", "--at", MONDAY_EVENING.isoformat())
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: email: Gmail refused the access token (401) while reading the vacation "
        "responder: Request had invalid authentication credentials. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential.; run [autoreply.email] "
        "token_command yourself and check the token it prints: it must sign in to the Gmail "
        f"account with the scope {SCOPE}\n"
    )
    assert tokens.runs == 2
    assert gmail.seen("PUT") == []


def test_a_token_without_the_scope_is_a_configuration_error(
    gmail: GmailFake, tokens: TokenCommand
) -> None:
    gmail.scopes = {"https://mail.google.com/"}  # reads the responder, cannot set it
    result = run("autoreply", "sync", "--json", "--at", MONDAY_EVENING.isoformat())
    assert result.exit_code == 3
    (row,) = json.loads(result.stdout)["channels"]
    assert row["window"] is None  # it failed: nothing is said to be set
    assert result.stderr == (
        "Error: email: Gmail refused setting the vacation responder (403): the token lacks the "
        f"scope {SCOPE}; sign in again granting it. Make token_command ask for the scope "
        f"{SCOPE}.\n"
    )


def test_gmail_busy_is_waited_for_within_the_sync(gmail: GmailFake) -> None:
    gmail.fail(429, method="PUT", retry_after="1")
    assert sync(MONDAY_EVENING)["action"] == "set"
    put, retried = gmail.seen("PUT")
    assert retried.at - put.at >= 1


def test_gmail_busy_past_the_syncs_time_limit_fails_until_the_next_run(gmail: GmailFake) -> None:
    gmail.fail(503, method="PUT", retry_after="120")
    result = run("autoreply", "sync", "--at", MONDAY_EVENING.isoformat())
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: email: Gmail answered 503 while setting the vacation responder (it asked to "
        "wait 120 s, longer than a run waits (60 s)): injected failure; the next run tries again.\n"
    )
    assert len(gmail.seen("PUT")) == 1
    assert sync(MONDAY_EVENING)["action"] == "set"  # the next run


def test_a_failed_write_leaves_nothing_half_done(gmail: GmailFake) -> None:
    gmail.set_vacation(**HOLIDAY)
    gmail.fail(400, method="PUT", message="Invalid vacation settings.")
    result = run("autoreply", "sync", "--at", MONDAY_EVENING.isoformat())
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: email: Gmail answered 400 INVALID_ARGUMENT while setting the vacation "
        "responder: Invalid vacation settings.\n"
    )
    assert gmail.vacation == {**DEFAULTS, **HOLIDAY}
    status = json.loads(cli("autoreply", "status", "--json"))
    assert status["channels"][0]["window"] is None  # nothing is said to be set
    assert sync(MONDAY_EVENING)["action"] == "set"
    # Moving on to the next window fails: the one set before is still the one said.
    gmail.fail(400, method="PUT", message="Invalid vacation settings.")
    sync(TUESDAY_EVENING, expect=4)
    status = json.loads(cli("autoreply", "status", "--json"))
    assert status["channels"][0]["window"][0] == "2026-11-23T17:00:00-05:00"
    assert sync(TUESDAY_EVENING)["action"] == "set"
    cli("autoreply", "uninstall")
    assert gmail.vacation == {**DEFAULTS, **HOLIDAY}


# -- the stored login of `hours login google` ----------------------------------------------


def store_login(server: OAuthServer, scopes: tuple[str, ...]) -> None:
    """Store a Google login as `hours login google` would, its tokens from the OAuth server."""
    client = oauth.Client("client-1.apps.googleusercontent.com", "client-secret")
    server.register_client(client.client_id, client.client_secret)
    store = oauth.TokenStore(Path(os.environ["HOURS_HOME"]) / oauth.STORE_DIRNAME)
    refresh = server.issue_refresh_token(client.client_id, scope=" ".join(scopes))
    store.save(
        oauth.StoredLogin(
            provider="google",
            client=client,
            refresh_token=refresh,
            scopes=scopes,
            token_url=server.url("/token"),
            revocation_url=server.url("/revoke"),
        )
    )


def test_the_stored_login_is_refreshed_and_its_token_taken(
    gmail_fake: GmailFake, oauth_server: OAuthServer
) -> None:
    responder_config("gmail", gmail_fake, token_command=None)
    gmail_fake.accepts = oauth_server.active
    store_login(oauth_server, (SCOPE,))
    cli("autoreply", "install")
    gmail_fake.expire_token()  # the first token refused: a second refresh, then it works
    assert sync(MONDAY_EVENING)["action"] == "set"
    assert len(oauth_server.requests_to("/token")) == 3  # install, the sync, its retry


def test_a_stored_login_without_the_scope_is_refused_at_install(
    gmail_fake: GmailFake, oauth_server: OAuthServer
) -> None:
    responder_config("gmail", gmail_fake, token_command=None)
    gmail_fake.accepts = oauth_server.active
    store_login(oauth_server, ("https://mail.google.com/",))
    result = run("autoreply", "install")
    assert result.exit_code == 3
    store = Path(os.environ["HOURS_HOME"]) / "oauth" / "google.json"
    assert result.stderr == (
        f"Error: the Google login in {store} does not grant {SCOPE}; run `hours login google` "
        "again\n"
    )
    assert gmail_fake.seen() == []
    assert journal() == {"prior": None, "applied": None}


def test_no_stored_login_says_which_to_make(gmail_fake: GmailFake) -> None:
    responder_config("gmail", gmail_fake, token_command=None)
    result = run("autoreply", "sync", "--at", MONDAY_EVENING.isoformat())
    assert result.exit_code == 3
    store = Path(os.environ["HOURS_HOME"]) / "oauth" / "google.json"
    assert result.stderr == (
        f"Error: email: no Google login is stored in {store}; run `hours login google`\n"
    )
    assert gmail_fake.seen() == []


# -- switching modes -----------------------------------------------------------------------


def test_another_mode_cannot_take_over_while_gmail_holds_the_responder(
    gmail: GmailFake, tokens: TokenCommand
) -> None:
    cli("autoreply", "install")
    sync(MONDAY_EVENING)
    responder_config(
        "imap",
        None,
        token_command=None,
        extra='password_env = "X"\nimap = { host = "127.0.0.1" }\nsmtp = { host = "127.0.0.1" }',
    )
    result = run("autoreply", "install", "--channel", "email")
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: the Gmail vacation responder installed in gmail mode is still on the server; "
        'set mode = "gmail" again, run `hours autoreply uninstall --channel email`, then switch '
        "to imap\n"
    )


def test_no_token_secret_or_refresh_token_is_ever_shown_or_kept(
    gmail_fake: GmailFake, oauth_server: OAuthServer
) -> None:
    responder_config("gmail", gmail_fake, token_command=None)
    gmail_fake.accepts = oauth_server.active
    store_login(oauth_server, (SCOPE,))
    said = [
        run("autoreply", "install"),
        run("autoreply", "sync", "--json", "--at", "2026-11-23T18:00"),
    ]
    gmail_fake.expire_token(times=2)
    said.append(run("autoreply", "sync", "--at", "2026-11-24T18:00"))
    gmail_fake.scopes = set()
    said += [run("doctor"), run("autoreply", "status", "--json"), run("autoreply", "uninstall")]
    assert [r.exit_code for r in said] == [0, 0, 4, 4, 0, 3]
    state = Path(os.environ["HOURS_HOME"])
    kept = [p.read_bytes() for p in state.rglob("*") if p.is_file() and p.parent.name != "oauth"]
    secrets = oauth_server.secrets_issued()
    assert len(secrets) >= 4  # the refresh token, the client secret, access tokens
    for secret in secrets:
        assert all(secret not in r.output for r in said), secret
        assert all(secret.encode() not in blob for blob in kept), secret


def test_doctor_warns_of_a_message_that_every_window_says_alike(
    gmail_fake: GmailFake, tokens: TokenCommand
) -> None:
    responder_config(
        "gmail",
        gmail_fake,
        token_command=tokens.command,
        extra='message = "Closed now ({reason}). I answer in the morning."',
    )
    lines = [
        ln for ln in run("doctor").stdout.splitlines() if ln.startswith("[warn] email (gmail)")
    ]
    assert lines == [
        "[warn] email (gmail) — your message has no {next_open}, so one evening's text can be "
        "the next one's, and Gmail answers a sender again only when the text changes (or after "
        "4 days); put {next_open} in it"
    ]
    responder_config("gmail", gmail_fake, token_command=tokens.command)
    assert not [ln for ln in run("doctor").stdout.splitlines() if "{next_open}" in ln]


def test_the_gmail_provider_preset_names_the_account_not_the_servers(
    gmail_fake: GmailFake, tokens: TokenCommand
) -> None:
    responder_config("gmail", gmail_fake, token_command=tokens.command, extra='provider = "gmail"')
    assert sync(MONDAY_EVENING)["action"] == "set"
    doctor = run("doctor").stdout
    assert "[  ok] email Gmail — Gmail's vacation responder: on for Mon 23 Nov" in doctor
    assert "email provider" not in doctor  # IMAP and SMTP are not used in this mode
