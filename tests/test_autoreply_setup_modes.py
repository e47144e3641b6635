"""`hours autoreply setup email --mode gmail|outlook`: a newcomer at Google or Microsoft picks
the provider's own responder, and it holds the closed window with nothing else typed.

The runs are whole: the setup writes `[autoreply.email]` from the address and the choice; the
test adds only what points it at the loopback servers (the API fake's `api_base`, the OAuth2
server's endpoints); `hours login` signs in there; `install` and `sync` set the responder.
Re-running the setup keeps a mode that still fits and drops one that does not, so the config
it writes always loads.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import config_file, run, snapshot, write_config
from tests.oauth_e2e import MS_CLIENT_ID, google_client_file, login_google_process
from tests.servers.gmail_fake import GmailFake
from tests.servers.graph_fake import GraphFake
from tests.servers.oauth import OAuthServer

MONDAY_EVENING = dt.datetime(2026, 11, 23, 19, 0, tzinfo=ZoneInfo("America/New_York"))
WINDOW = ["2026-11-23T17:00:00-05:00", "2026-11-24T09:00:00-05:00"]


def init() -> None:
    result = run("init", "--timezone", "America/New_York", "--name", "Sam's Nails")
    assert result.exit_code == 0, result.output


def email_table() -> dict[str, object]:
    table = tomllib.loads(config_file().read_text())["autoreply"]["email"]
    assert isinstance(table, dict)
    return table


def add_lines(*lines: str) -> None:
    """Add keys to [autoreply.email] (the last table of the config setup wrote)."""
    path = config_file()
    path.write_text(path.read_text() + "".join(f"{line}\n" for line in lines))


def install_and_sync() -> dict[str, object]:
    result = run("autoreply", "install", "--channel", "email")
    assert result.exit_code == 0, result.output
    result = run("autoreply", "sync", "--json", "--at", MONDAY_EVENING.isoformat())
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["channels"]
    assert isinstance(row, dict)
    return row


# --- newcomers who let the provider answer ----------------------------------------------


def test_an_outlook_newcomer_picks_outlooks_automatic_replies(
    graph_fake: GraphFake, oauth_server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    init()
    result = run(
        "autoreply", "setup", "email", "--address", "sam@outlook.com", "--mode", "outlook",
        "--client-id", MS_CLIENT_ID,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Updated [autoreply.email] in {config_file()}.",
        "Outlook.com, outlook mode: after hours the answer comes from Outlook's automatic "
        "replies, set by each sync to the closed window of the moment.",
        "OAuth2: sign in once with `hours login microsoft`; it asks for "
        "MailboxSettings.ReadWrite (add that Microsoft Graph permission to your app "
        "registration).",
        "Next:",
        "  hours login microsoft",
        "  hours autoreply install --channel email",
        "  hours cron install",
    ]
    assert email_table() == {
        "provider": "outlook",
        "mode": "outlook",
        "address": "sam@outlook.com",
        "oauth_client_id": MS_CLIENT_ID,
    }

    add_lines(
        f'api_base = "{graph_fake.url}"',
        f'oauth_device_url = "{oauth_server.url("/devicecode")}"',
        f'oauth_token_url = "{oauth_server.url("/token")}"',
    )
    oauth_server.register_client(MS_CLIENT_ID)
    graph_fake.accepts = oauth_server.active
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # the device flow's polling
    login = run("login", "microsoft", "--json")
    assert login.exit_code == 0, login.output
    assert json.loads(login.stdout)["scopes"] == [
        "https://graph.microsoft.com/MailboxSettings.ReadWrite",
        "offline_access",
    ]

    row = install_and_sync()

    assert (row["action"], row["window"], row["error"]) == ("set", WINDOW, None)
    assert graph_fake.automatic_replies["status"] == "scheduled"
    assert graph_fake.take_violations() == []


@pytest.fixture
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hours.commands.setup.at_terminal", lambda: True)


@pytest.mark.usefixtures("at_a_terminal")
def test_a_gmail_newcomer_at_a_terminal_picks_gmails_responder(
    tmp_path: Path, gmail_fake: GmailFake, oauth_server: OAuthServer
) -> None:
    client = google_client_file(tmp_path / "Downloads", oauth_server)
    init()

    result = run("autoreply", "setup", "email", input=f"sam@gmail.com\ngmail\n{client}\n")

    assert result.exit_code == 0, result.output
    asked = result.output.splitlines()
    assert asked[:7] == [
        "Your email address (replies come from it): sam@gmail.com",
        "sam@gmail.com is at Gmail.",
        "Who answers mail that comes while you are closed?",
        "  imap: `hours`, at each sync while this computer is on; VIPs are left alone and the "
        "emergency keyword gets through",
        "  gmail: Gmail's vacation responder, set by each sync to the closed window of the "
        "moment: answers go out with this computer off, to VIPs too, and no keyword gets through",
        "Which? (imap, gmail) [imap]: gmail",
        "Gmail's vacation responder is set through an API that takes OAuth2: run `hours login "
        "google`, which asks for gmail.settings.basic (enable the Gmail API in your Cloud "
        "project).",
    ]
    # Neither "password or OAuth2?" nor an app password is asked: the mode takes neither.
    assert not any("password" in line.lower() for line in asked)
    assert email_table() == {
        "provider": "gmail",
        "mode": "gmail",
        "address": "sam@gmail.com",
        "oauth_client_file": str(client),
    }

    add_lines(f'api_base = "{gmail_fake.url}"')
    gmail_fake.accepts = oauth_server.active
    oauth_server.user = "sam@gmail.com"
    status, out, err = login_google_process(
        oauth_server,
        f"--endpoint=authorization={oauth_server.url('/authorize')}",
        f"--endpoint=token={oauth_server.url('/token')}",
    )
    assert status == 0, err
    assert "scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fgmail.settings.basic&" in out

    row = install_and_sync()

    assert (row["action"], row["window"], row["error"]) == ("set", WINDOW, None)
    assert gmail_fake.vacation["enableAutoReply"] is True
    assert gmail_fake.take_violations() == []


def test_init_at_a_terminal_asks_who_answers_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hours.commands.init.at_terminal", lambda: True)
    # Defaults for the zone, days, hours, holidays and earnings; then the email's questions.
    answers = "\nAmerica/New_York\n\n\n\n\nsam@hotmail.com\noutlook\n\n"
    result = run("init", input=answers)
    assert result.exit_code == 0, result.output
    assert "Which? (imap, outlook) [imap]: outlook" in result.output
    assert "  Outlook.com, outlook mode: after hours the answer comes from Outlook's" in (
        result.output
    )
    assert email_table() == {"provider": "outlook", "mode": "outlook", "address": "sam@hotmail.com"}


def test_your_own_domain_with_a_responder_mode_is_at_google_or_microsoft() -> None:
    init()
    for mode, provider in (("gmail", "gmail"), ("outlook", "microsoft365")):
        result = run(
            "autoreply", "setup", "email", "--address", "sam@salon.example", "--mode", mode,
            "--token-command", "oama access sam@salon.example",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert email_table() == {
            "provider": provider,
            "mode": mode,
            "address": "sam@salon.example",
            "token_command": "oama access sam@salon.example",
        }
    assert result.stdout.splitlines()[1:4] == [
        "Microsoft 365, outlook mode: after hours the answer comes from Outlook's automatic "
        "replies, set by each sync to the closed window of the moment.",
        "OAuth2 with the token your token_command prints, which needs the scope "
        "MailboxSettings.ReadWrite.",
        "Next:",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--address", "sam@gmail.com", "--mode", "outlook"], "--mode outlook is for a Microsoft "
         "account, and Gmail is not one"),
        (["--address", "sam@icloud.com", "--mode", "gmail"], "--mode gmail is for a Google "
         "account, and iCloud Mail is not one"),
        (["--address", "sam@salon.example", "--imap", "mail.salon.example", "--smtp",
          "mail.salon.example", "--mode", "gmail"], "--mode gmail is for a Google account; "
         "--imap and --smtp are for another provider's servers"),
        (["--address", "sam@gmail.com", "--mode", "gmail", "--auth", "xoauth2"], "--auth says "
         "how imap mode logs in to the mail servers; mode gmail signs in to Google's API with "
         "OAuth2 and uses no mail server"),
        (["--address", "sam@outlook.com", "--mode", "outlook", "--password-command", "pass x"],
         "--password-command is for a password; mode outlook signs in with OAuth2 (`hours "
         "login microsoft`, or --token-command)"),
        (["--address", "sam@gmail.com", "--mode", "gmail", "--client-id", "1234"], "--client-id "
         "is for Microsoft's sign-in; Gmail does not sign in with it"),
        (["--address", "sam@gmail.com", "--mode", "sieve"], "Invalid value for '--mode': "
         "'sieve' is not one of 'imap', 'gmail', 'outlook'."),
    ],
)  # fmt: skip
def test_bad_mode_flags_are_exit_2_and_nothing_is_written(args: list[str], message: str) -> None:
    path = write_config('timezone = "Europe/London"  # mine\n')
    result = run("autoreply", "setup", "email", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {message}")
    assert snapshot(path.parent) == {str(path): b'timezone = "Europe/London"  # mine\n'}


# --- setting up again -----------------------------------------------------------------------

GMAIL_MODE = """\
timezone = "Europe/London"

[autoreply.email]
provider = "gmail"
mode = "gmail"  # Gmail answers
address = "sam@gmail.com"
only_contacts = true
api_base = "https://gmail.googleapis.com"
"""


def setup_email(*args: str) -> None:
    result = run("autoreply", "setup", "email", *args)
    assert result.exit_code == 0, result.output
    assert run("show").exit_code == 0  # the config written loads


def test_setting_up_again_keeps_a_responder_mode_that_still_fits() -> None:
    path = write_config(GMAIL_MODE)
    # The OAuth client given later, without saying the mode again.
    setup_email("--address", "sam@gmail.com", "--client", "client.json")
    assert path.read_text() == (
        'timezone = "Europe/London"\n\n[autoreply.email]\nmode = "gmail"  # Gmail answers\n'
        'address = "sam@gmail.com"\nonly_contacts = true\n'
        'api_base = "https://gmail.googleapis.com"\n'
        'provider = "gmail"  # Gmail: fills imap, smtp and auth\n'
        'oauth_client_file = "client.json"\n'
    )


def test_setting_up_another_provider_or_a_password_leaves_the_responder_mode() -> None:
    path = write_config(GMAIL_MODE)
    setup_email("--address", "sam@icloud.com", "--password-env", "ICLOUD_PW")
    # gmail mode and the keys only it reads are gone: the config is in imap mode again.
    assert path.read_text() == (
        'timezone = "Europe/London"\n\n[autoreply.email]\naddress = "sam@icloud.com"\n'
        'provider = "icloud"  # iCloud Mail: fills imap, smtp and auth\n'
        'password_env = "ICLOUD_PW"\n'
    )
    write_config(GMAIL_MODE)
    setup_email("--address", "sam@gmail.com", "--password-env", "GMAIL_PW")
    assert "mode" not in email_table()


def test_switching_modes_drops_the_other_modes_keys() -> None:
    write_config(GMAIL_MODE)
    setup_email("--address", "sam@outlook.com", "--mode", "outlook")
    assert email_table() == {"provider": "outlook", "mode": "outlook", "address": "sam@outlook.com"}
    add_lines('external_audience = "contactsOnly"')
    setup_email("--address", "sam@outlook.com", "--mode", "imap")
    assert email_table() == {"provider": "outlook", "address": "sam@outlook.com"}


def test_setting_up_again_keeps_sieve_mode_and_its_server() -> None:
    sieve = (
        'timezone = "Europe/London"\n\n[autoreply.email]\nmode = "sieve"\n'
        'address = "sam@salon.example"\npassword_command = "pass show old"\n'
        'sieve = { host = "mail.salon.example", security = "ssl" }\n'
    )
    write_config(sieve)
    setup_email(
        "--address", "sam@salon.example", "--imap", "mail.salon.example", "--smtp",
        "mail.salon.example", "--password-command", "pass show mail",
    )  # fmt: skip
    table = email_table()
    assert (table["mode"], table["sieve"]) == (
        "sieve",
        {"host": "mail.salon.example", "security": "ssl"},
    )
    # A provider offers no ManageSieve: sieve mode and its server give way to imap.
    setup_email("--address", "sam@fastmail.com", "--password-command", "pass show mail")
    assert email_table() == {
        "address": "sam@fastmail.com",
        "provider": "fastmail",
        "password_command": "pass show mail",
    }
