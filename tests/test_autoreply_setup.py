"""`hours autoreply setup email` and `hours init --email`: a newcomer types an address, and
after-hours mail is answered.

The newcomer runs are whole: the setup writes `[autoreply.email]` from the address alone; the
test then adds only what its loopback servers need (their hosts, which win over the
provider's, and the OAuth2 server's endpoints); `hours login` signs in against the loopback
OAuth2 server; `hours autoreply sync` answers through the real Dovecot and SMTP servers.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.email_e2e import at, sync
from tests.helpers import config_file, run, snapshot, write_config
from tests.oauth_e2e import (
    MS_CLIENT_ID,
    google_client_file,
    login_google_process,
    servers,
)
from tests.servers.dovecot import PASSWORD, Dovecot, MailUser, make_message
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import SmtpRecorder

ZOE = "zoe@client.test"


def state() -> Path:
    return Path(os.environ["HOURS_HOME"])


def init() -> None:
    result = run("init", "--timezone", "America/New_York")
    assert result.exit_code == 0, result.output


def add_test_servers(dovecot: Dovecot, smtp: SmtpRecorder) -> None:
    """Point the channel at the loopback servers: keys written in [autoreply.email] win."""
    path = config_file()
    path.write_text(path.read_text() + servers(dovecot, smtp) + "\n")


def answered_after_hours(dovecot: Dovecot, user: MailUser) -> dict[str, object]:
    """Start the cursor at Monday noon, store mail from 18:30, sync at 18:35."""
    first = sync(at("2026-11-16T12:00"))
    assert (first["action"], first["error"]) == ("started", None)
    message = make_message(sender=ZOE, to=user.address, subject="Nails on Tuesday?")
    dovecot.append(user, [message], arrived=at("2026-11-16T18:30"))
    return sync(at("2026-11-16T18:35"))


# --- newcomers: nothing but the address typed ------------------------------------------


def test_an_outlook_newcomer_is_answered_through_xoauth2(
    dovecot_oauth: Dovecot, oauth_server: OAuthServer, oauth_smtp: SmtpRecorder
) -> None:
    address = "sam.nails@outlook.com"
    user = dovecot_oauth.new_user(address)
    init()

    result = run("autoreply", "setup", "email", "--address", address, "--client-id", MS_CLIENT_ID)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Updated [autoreply.email] in {config_file()}.",
        "Outlook.com: outlook.office365.com:993 (ssl), smtp-mail.outlook.com:587 (starttls).",
        "OAuth2 (XOAUTH2): sign in once with `hours login microsoft`.",
        "Next:",
        '  hours set --name "Your Business"    (replies sign with it; none is set yet)',
        "  hours login microsoft",
        "  hours autoreply install --channel email",
        "  hours cron install",
    ]
    written = tomllib.loads(config_file().read_text())["autoreply"]["email"]
    assert written == {
        "provider": "outlook",
        "address": address,
        "oauth_client_id": MS_CLIENT_ID,
    }

    add_test_servers(dovecot_oauth, oauth_smtp)
    oauth_server.register_client(MS_CLIENT_ID)
    oauth_server.user = address
    oauth_server.device_interval = 0
    login = run(
        "login", "microsoft",
        "--endpoint", f"device={oauth_server.url('/devicecode')}",
        "--endpoint", f"token={oauth_server.url('/token')}",
    )  # fmt: skip
    assert login.exit_code == 0, login.output
    assert oauth_server.requests_to("/devicecode")[0].form["client_id"] == MS_CLIENT_ID

    row = answered_after_hours(dovecot_oauth, user)

    assert (row["replied"], row["error"]) == (1, None)
    assert [(a.mechanism, a.user, a.accepted) for a in oauth_smtp.oauth_attempts] == [
        ("XOAUTH2", address, True)
    ]
    assert [m.rcpt_tos for m in oauth_smtp.messages] == [(ZOE,)]


def test_a_gmail_newcomer_is_answered_after_hours_login_google(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_server: OAuthServer,
    oauth_smtp: SmtpRecorder,
) -> None:
    address = "sam.nails@gmail.com"
    user = dovecot_oauth.new_user(address)
    client = google_client_file(tmp_path / "Downloads", oauth_server)
    init()

    result = run(
        "autoreply", "setup", "email", "--address", address, "--auth", "xoauth2",
        "--client", str(client),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:4] == [
        "Gmail: imap.gmail.com:993 (ssl), smtp.gmail.com:465 (ssl).",
        "OAuth2 (XOAUTH2): sign in once with `hours login google`.",
        "Next:",
    ]
    add_test_servers(dovecot_oauth, oauth_smtp)
    oauth_server.user = address
    endpoints = [
        f"--endpoint=authorization={oauth_server.url('/authorize')}",
        f"--endpoint=token={oauth_server.url('/token')}",
    ]
    status, out, err = login_google_process(oauth_server, *endpoints)
    assert status == 0, err
    assert "Logged in to Google." in out

    row = answered_after_hours(dovecot_oauth, user)

    assert (row["replied"], row["error"]) == (1, None)
    assert [(a.mechanism, a.accepted) for a in oauth_smtp.oauth_attempts] == [("XOAUTH2", True)]


@pytest.fixture
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hours.commands.setup.at_terminal", lambda: True)


@pytest.fixture
def password_smtp() -> Iterator[SmtpRecorder]:
    """An SMTP server taking the newcomers' app passwords (each Dovecot user's password)."""
    logins = {f"sam.nails@{d}": PASSWORD for d in ("gmail.com", "icloud.com", "fastmail.com")}
    logins["sam.nails@yahoo.com"] = PASSWORD
    recorder = SmtpRecorder(logins=logins).start()
    yield recorder
    recorder.stop()


@pytest.mark.usefixtures("at_a_terminal")
@pytest.mark.parametrize(
    ("domain", "asked", "label", "advice"),
    [
        (
            "gmail.com",
            # Who answers: imap, the default; how to log in: the app password, the default.
            "\n\n",
            "Gmail",
            "Gmail takes an app password, not your Google password: with 2-Step Verification "
            "on, make one at https://myaccount.google.com/apppasswords. If your Workspace admin "
            'forbids app passwords, set auth = "xoauth2" and run `hours login google`.',
        ),
        (
            "icloud.com",
            "",
            "iCloud Mail",
            "iCloud Mail takes an app-specific password, not your Apple Account password: make "
            "one at https://account.apple.com (Sign-In and Security > App-Specific Passwords).",
        ),
        (
            "fastmail.com",
            "",
            "Fastmail",
            "Fastmail takes an app password, not your Fastmail password: make one under "
            "Settings > Privacy & Security > Manage app passwords and access "
            "(https://www.fastmail.help/hc/en-us/articles/360058752854).",
        ),
        (
            "yahoo.com",
            "",
            "Yahoo Mail",
            "Yahoo Mail takes an app password, not your Yahoo password: make one at "
            "https://login.yahoo.com/account/security (Generate app password).",
        ),
    ],
)
def test_an_app_password_newcomer_types_the_address_and_the_password(
    dovecot: Dovecot,
    password_smtp: SmtpRecorder,
    domain: str,
    asked: str,
    label: str,
    advice: str,
) -> None:
    address = f"sam.nails@{domain}"
    user = dovecot.new_user(address)
    init()

    result = run(
        "autoreply", "setup", "email", input=f"{address}\n{asked}{PASSWORD}\nSam's Nails\n"
    )

    assert result.exit_code == 0, result.output
    secrets = config_file().parent / "secrets.toml"
    out = result.stdout
    assert f"{address} is at {label}.\n" in out
    assert out.count(f"{advice}\n") == 1  # said once, before the password is asked
    assert f"The password is in {secrets} (mode 0600).\n" in out
    assert PASSWORD not in out
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert tomllib.loads(secrets.read_text()) == {"email": {"password": PASSWORD}}
    assert PASSWORD not in config_file().read_text()
    assert tomllib.loads(config_file().read_text())["name"] == "Sam's Nails"
    assert "hours set --name" not in out  # named at the prompt: no step left for it

    add_test_servers(dovecot, password_smtp)
    row = answered_after_hours(dovecot, user)

    assert (row["replied"], row["error"]) == (1, None)
    assert [m.rcpt_tos for m in password_smtp.messages] == [(ZOE,)]


@pytest.mark.usefixtures("at_a_terminal")
def test_at_a_terminal_a_custom_domain_is_asked_for_its_provider() -> None:
    init()
    result = run("autoreply", "setup", "email", input="sam@salon.example\nhotmail\noutlook\n\n\n\n")
    assert result.exit_code == 0, result.output
    who = (
        "Who hosts it? gmail, outlook, microsoft365, icloud, fastmail, yahoo (gmail for Google "
        "Workspace too), or other: "
    )
    client = (
        "Your app registration's Application (client) ID (empty to give it to `hours login "
        "microsoft --client-id` later): "
    )
    assert result.output.splitlines() == [
        "Your email address (replies come from it): sam@salon.example",
        f"{who}hotmail",
        "Error: 'hotmail' is not one of 'gmail', 'outlook', 'microsoft365', 'icloud', "
        "'fastmail', 'yahoo', 'other'.",
        f"{who}outlook",
        "Who answers mail that comes while you are closed?",
        "  imap: `hours`, at each sync while this computer is on; VIPs are left alone and the "
        "emergency keyword gets through",
        "  outlook: Outlook's automatic replies, set by each sync to the closed window of the "
        "moment: answers go out with this computer off, to VIPs too, and no keyword gets "
        "through",
        "Which? (imap, outlook) [imap]: ",
        "Outlook.com signs in with OAuth2: run `hours login microsoft`.",
        client,
        "Your business name, as replies sign it: ",
        f"Updated [autoreply.email] in {config_file()}.",
        "Outlook.com: outlook.office365.com:993 (ssl), smtp-mail.outlook.com:587 (starttls).",
        "OAuth2 (XOAUTH2): sign in once with `hours login microsoft`.",
        "Next:",
        '  hours set --name "Your Business"    (replies sign with it; none is set yet)',
        "  hours login microsoft --client-id ID",
        "  hours autoreply install --channel email",
        "  hours cron install",
    ]


def test_init_with_email_writes_the_table(tmp_path: Path) -> None:
    result = run("init", "--timezone", "Europe/London", "--email", "sam@hotmail.com")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-8:] == [
        "Email:",
        "  Outlook.com: outlook.office365.com:993 (ssl), smtp-mail.outlook.com:587 (starttls).",
        "  OAuth2 (XOAUTH2): sign in once with `hours login microsoft`.",
        "  Next:",
        '    hours set --name "Your Business"    (replies sign with it; none is set yet)',
        "    hours login microsoft --client-id ID",
        "    hours autoreply install --channel email",
        "    hours cron install",
    ]
    written = tomllib.loads(config_file().read_text())
    assert written["autoreply"]["email"] == {"provider": "outlook", "address": "sam@hotmail.com"}


def test_init_at_a_terminal_asks_for_the_email_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hours.commands.init.at_terminal", lambda: True)
    answers = "\nEurope/London\n\n\n\n\nsam@icloud.com\nthe-app-password\n"
    result = run("init", input=answers)
    assert result.exit_code == 0, result.output
    written = tomllib.loads(config_file().read_text())
    assert written["autoreply"]["email"] == {"provider": "icloud", "address": "sam@icloud.com"}
    secrets = tomllib.loads((config_file().parent / "secrets.toml").read_text())
    assert secrets == {"email": {"password": "the-app-password"}}


# --- the table is edited, not replaced ----------------------------------------------------


def test_setup_keeps_comments_and_other_keys_and_drops_stale_login_keys() -> None:
    path = write_config("""\
# my salon
timezone = "Europe/London"

[autoreply.email]
# where clients write
address = "old@example.com"
message = "Back soon, {sender_name}."  # short and sweet
password_command = "pass show old"
imap = { host = "imap.example.com" }
smtp = { host = "smtp.example.com" }
vip = ["*@family.example"]
""")
    result = run(
        "autoreply", "setup", "email", "--address", "sam@gmail.com", "--password-env", "GMAIL_PW"
    )
    assert result.exit_code == 0, result.output
    assert (
        path.read_text()
        == """\
# my salon
timezone = "Europe/London"

[autoreply.email]
# where clients write
address = "sam@gmail.com"
message = "Back soon, {sender_name}."  # short and sweet
vip = ["*@family.example"]
provider = "gmail"  # Gmail: fills imap, smtp and auth
password_env = "GMAIL_PW"
"""
    )


def test_another_provider_is_named_by_its_servers() -> None:
    init()
    result = run(
        "autoreply", "setup", "email", "--address", "sam@salon.example",
        "--imap", "mail.salon.example", "--smtp", "mail.salon.example",
        "--password-command", "pass show mail",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = tomllib.loads(config_file().read_text())["autoreply"]["email"]
    assert written == {
        "address": "sam@salon.example",
        "imap": {"host": "mail.salon.example", "security": "ssl"},
        "smtp": {"host": "mail.salon.example", "security": "ssl"},
        "auth": "password",
        "password_command": "pass show mail",
    }
    assert "Your provider: mail.salon.example:993 (ssl), mail.salon.example:465 (ssl)." in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--address", "sam@salon.example"], "cannot tell who hosts salon.example: pass "
         "--provider (gmail, outlook, microsoft365, icloud, fastmail, yahoo), or --imap HOST "
         "and --smtp HOST for another provider"),
        (["--address", "sam at example"], "'sam at example' is not an email address; write it "
         "like sam@example.com"),
        ([], "--address is needed when no one is at a terminal to type it"),
        (["--address", "sam@outlook.com", "--client", "c.json"], "--client is for Google's "
         "sign-in; Outlook.com does not sign in with it"),
        (["--address", "sam@gmail.com", "--client-id", "1234"], "--client-id is for "
         "Microsoft's sign-in; Gmail does not sign in with it"),
        (["--address", "sam@outlook.com", "--password-command", "pass x"], "--password-command "
         'is for a password; Outlook.com refuses passwords: set auth = "xoauth2" and run '
         "`hours login microsoft`"),
        (["--address", "sam@gmail.com", "--token-command", "oama"], "--token-command is for "
         "--auth xoauth2 or oauthbearer"),
        (["--address", "sam@icloud.com", "--auth", "xoauth2"], "--auth xoauth2 with iCloud "
         "Mail needs --token-command (a command that prints an access token); `hours login` "
         "signs in to Google and Microsoft only"),
        (["--address", "sam@gmail.com", "--imap", "imap.example.com"], "--imap and --smtp are "
         "for another provider; Gmail's servers are known"),
        (["--address", "sam@yahoo.com", "--password-env", "A", "--password-command", "b"],
         "give --password-command or --password-env, not both"),
    ],
)  # fmt: skip
def test_bad_flags_are_exit_2_and_nothing_is_written(args: list[str], message: str) -> None:
    path = write_config('timezone = "Europe/London"  # mine\n')
    result = run("autoreply", "setup", "email", *args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert path.read_text() == 'timezone = "Europe/London"  # mine\n'
    assert snapshot(path.parent) == {str(path): b'timezone = "Europe/London"  # mine\n'}


def test_init_with_an_address_it_cannot_place_writes_nothing() -> None:
    result = run("init", "--timezone", "Europe/London", "--email", "sam@salon.example")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot tell who hosts salon.example: pass --provider")
    assert not config_file().exists()


# --- the README keeps telling the truth ------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_presets_table_is_the_presets() -> None:
    from hours.config.email_providers import PROVIDERS

    rows = [
        line
        for line in README.read_text().splitlines()
        if line.startswith("| `") and line.count("|") == 5 and " ssl |" in line
    ]
    expected = [
        f"| `{p.name}` | `{p.imap.host}` {p.imap.port} {p.imap.security} | "
        f"`{p.smtp.host}` {p.smtp.port} {p.smtp.security} | `{p.auth}` |"
        for p in PROVIDERS.values()
    ]
    assert rows == expected


def test_the_readme_setup_example_is_what_setup_prints() -> None:
    text = README.read_text()
    command = "hours autoreply setup email --address sam@outlook.com --client-id "
    start = text.index(f"$ {command}")
    block = text[start : text.index("$ hours", start + 1)].splitlines()
    init()
    assert run("set", "--name", "Sam's Nails").exit_code == 0  # as the README's salon is
    result = run(*block[0].removeprefix("$ hours ").split())
    assert result.exit_code == 0, result.output
    shown = [line.replace("/home/sam/salon.toml", str(config_file())) for line in block[1:]]
    assert result.stdout.splitlines() == shown


def test_the_readme_provider_example_loads() -> None:
    from hours import config

    text = README.read_text()
    start = text.index("```toml\n", text.index("With a provider, the servers can be left out"))
    block = text[start + len("```toml\n") : text.index("```", start + 8)]
    cfg = config.parse(f'timezone = "UTC"\n{block}', Path("c.toml"))
    assert cfg.warnings == ()
    assert cfg.autoreply is not None
    email = cfg.autoreply.email
    assert email is not None
    assert (email.provider, email.auth, email.login) == ("outlook", "xoauth2", "microsoft")
    assert email.oauth.client_id == "00000000-0000-0000-0000-000000000000"


def which_setup_rows() -> dict[str, list[str]]:
    """Return the README's "Which email setup is mine?" table: `provider =` -> its @domains."""
    text = README.read_text()
    start = text.index("#### Which email setup is mine?")
    table = text[start : text.index("\n\n", text.index("| --- |", start))]
    rows = {}
    for line in table.splitlines()[4:]:  # after the heading, a blank line, the head row
        addresses, provider, _ = line.strip("|").split(" | ", 2)
        rows[provider.strip(" `")] = re.findall(r"`@([a-z.]+)`", addresses)
    return rows


def test_the_readme_says_which_setup_is_whose_as_the_code_guesses() -> None:
    from hours.config.email_providers import PROVIDERS

    assert which_setup_rows() == {
        **{name: list(p.domains) for name, p in PROVIDERS.items()},
        "(none)": [],
    }
    # Every domain there is guessed as that provider by the setup.
    init()
    for name, domains in which_setup_rows().items():
        for domain in domains:
            result = run(
                "autoreply", "setup", "email", "--address", f"sam@{domain}",
                "--token-command" if name in ("outlook", "microsoft365") else "--password-env",
                "X",
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            assert tomllib.loads(config_file().read_text())["autoreply"]["email"]["provider"] == (
                name
            )


def test_the_which_setup_check_can_fail() -> None:
    rows = which_setup_rows()
    rows["outlook"] = rows["outlook"][:-1]  # as if the README forgot @msn.com
    from hours.config.email_providers import PROVIDERS

    assert rows != {**{n: list(p.domains) for n, p in PROVIDERS.items()}, "(none)": []}
