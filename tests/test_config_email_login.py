"""[autoreply.email]: provider presets, auth, token_command and what `hours login` reads.

The presets are checked against the servers each provider documents (written out here by
hand, not read from the code); every refusal is one line naming the file and the key, exit 3,
with nothing written.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hours import config
from hours.config.autoreply import OAuthClient, Server
from hours.config.email_providers import PROVIDERS, by_address, by_host
from tests.helpers import run, snapshot, write_config

HEAD = 'timezone = "Europe/London"\n[autoreply.email]\naddress = "sam@example.com"\n'

# provider: (IMAP, SMTP, default auth, `hours login` provider), as each provider documents it.
DOCUMENTED = {
    "gmail": (
        Server("imap.gmail.com", 993, "ssl"),
        Server("smtp.gmail.com", 465, "ssl"),
        "password",
        "google",
    ),
    "outlook": (
        Server("outlook.office365.com", 993, "ssl"),
        Server("smtp-mail.outlook.com", 587, "starttls"),
        "xoauth2",
        "microsoft",
    ),
    "microsoft365": (
        Server("outlook.office365.com", 993, "ssl"),
        Server("smtp.office365.com", 587, "starttls"),
        "xoauth2",
        "microsoft",
    ),
    "icloud": (
        Server("imap.mail.me.com", 993, "ssl"),
        Server("smtp.mail.me.com", 587, "starttls"),
        "password",
        None,
    ),
    "fastmail": (
        Server("imap.fastmail.com", 993, "ssl"),
        Server("smtp.fastmail.com", 465, "ssl"),
        "password",
        None,
    ),
    "yahoo": (
        Server("imap.mail.yahoo.com", 993, "ssl"),
        Server("smtp.mail.yahoo.com", 465, "ssl"),
        "password",
        None,
    ),
}


def email(text: str) -> config.autoreply.EmailSettings:
    cfg = config.parse(HEAD + text, Path("c.toml"))
    assert cfg.autoreply is not None
    assert cfg.autoreply.email is not None
    return cfg.autoreply.email


def test_every_provider_is_documented_here() -> None:
    assert set(DOCUMENTED) == set(PROVIDERS)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_a_provider_fills_the_servers_and_auth_it_documents(name: str) -> None:
    imap, smtp, auth, login = DOCUMENTED[name]
    settings = email(f'provider = "{name}"\n')
    assert (settings.imap, settings.smtp, settings.sieve) == (imap, smtp, None)
    assert (settings.provider, settings.auth, settings.login) == (name, auth, login)
    assert settings.mode == "imap"


def test_keys_written_in_the_config_win_over_the_provider() -> None:
    settings = email(
        'provider = "gmail"\nauth = "xoauth2"\nsmtp = { port = 587, security = "starttls" }\n'
        'imap = { host = "127.0.0.1", port = 1143, security = "none" }\n'
    )
    assert settings.imap == Server("127.0.0.1", 1143, "none")
    assert settings.smtp == Server("smtp.gmail.com", 587, "starttls")
    assert (settings.auth, settings.login) == ("xoauth2", "google")
    # Another security without a port: that security's usual port, not the provider's.
    assert email('provider = "gmail"\nsmtp = { security = "starttls" }\n').smtp == Server(
        "smtp.gmail.com", 587, "starttls"
    )


def test_the_login_is_recognised_from_the_hosts_without_a_provider() -> None:
    settings = email(
        'auth = "xoauth2"\nimap = { host = "outlook.office365.com" }\n'
        'smtp = { host = "smtp.office365.com", port = 587, security = "starttls" }\n'
    )
    assert (settings.provider, settings.login) == (None, "microsoft")


def test_a_token_command_needs_no_provider() -> None:
    settings = email(
        'auth = "oauthbearer"\ntoken_command = "oama access sam@example.com"\n'
        'imap = { host = "mail.example.com" }\nsmtp = { host = "mail.example.com" }\n'
    )
    assert (settings.auth, settings.token_command, settings.login) == (
        "oauthbearer",
        "oama access sam@example.com",
        None,
    )


def test_what_hours_login_reads() -> None:
    settings = email(
        'provider = "outlook"\noauth_client_id = "00000000-0000-0000-0000-000000000000"\n'
        'oauth_tenant = "consumers"\noauth_token_url = "http://127.0.0.1:9/token"\n'
        'oauth_device_url = "https://login.example.com/devicecode"\n'
    )
    assert settings.oauth == OAuthClient(
        None,
        "00000000-0000-0000-0000-000000000000",
        "consumers",
        (("token", "http://127.0.0.1:9/token"), ("device", "https://login.example.com/devicecode")),
    )
    google = email('provider = "gmail"\nauth = "xoauth2"\noauth_client_file = "~/c.json"\n')
    assert google.oauth == OAuthClient("~/c.json")


def test_providers_are_guessed_from_addresses_and_hosts() -> None:
    guesses = {
        a: (p.name if (p := by_address(a)) else None)
        for a in (
            "sam@gmail.com",
            "sam@GoogleMail.com",
            "sam@outlook.com",
            "sam@hotmail.com",
            "sam@live.com",
            "sam@icloud.com",
            "sam@me.com",
            "sam@mac.com",
            "sam@fastmail.com",
            "sam@yahoo.com",
            "sam@salon.example",
        )
    }
    assert guesses == {
        "sam@gmail.com": "gmail",
        "sam@GoogleMail.com": "gmail",
        "sam@outlook.com": "outlook",
        "sam@hotmail.com": "outlook",
        "sam@live.com": "outlook",
        "sam@icloud.com": "icloud",
        "sam@me.com": "icloud",
        "sam@mac.com": "icloud",
        "sam@fastmail.com": "fastmail",
        "sam@yahoo.com": "yahoo",
        "sam@salon.example": None,
    }
    assert [
        getattr(by_host(h), "name", None)
        for h in ("IMAP.gmail.com", "smtp-mail.outlook.com", "smtp.office365.com", "mail.x.org")
    ] == ["gmail", "outlook", "microsoft365", None]


OAUTH_ERROR = (
    'xoauth2 needs token_command = "..." (a command that prints an access token), or '
    'provider = "gmail", "outlook" or "microsoft365" to sign in with `hours login`'
)
SERVERS = 'imap = { host = "imap.example.com" }\nsmtp = { host = "smtp.example.com" }\n'

BAD = [
    ('auth = "plain"\n' + SERVERS, "auth", "'plain': use password, xoauth2 or oauthbearer"),
    (
        'auth = "password"\ntoken_command = "oama access sam"\n' + SERVERS,
        "token_command",
        'is for auth = "xoauth2" or "oauthbearer"; set one of them, or give password_command '
        "or password_env for a password",
    ),
    (
        'provider = "gmail"\ntoken_command = "oama access sam"\n',
        "token_command",
        'is for auth = "xoauth2" or "oauthbearer"; set one of them, or give password_command '
        "or password_env for a password",
    ),
    (
        'auth = "xoauth2"\npassword_command = "pass mail"\ntoken_command = "oama access sam"\n'
        + SERVERS,
        "token_command",
        "give password_command (a password) or token_command (an OAuth2 token), not both",
    ),
    (
        'provider = "outlook"\npassword_command = "pass mail"\n',
        "password_command",
        'Outlook.com refuses passwords: set auth = "xoauth2" and run `hours login microsoft`',
    ),
    (
        'auth = "xoauth2"\npassword_env = "PW"\n' + SERVERS,
        "password_env",
        'auth = "xoauth2" logs in with an OAuth2 access token, not a password: remove '
        'password_env, or set auth = "password"',
    ),
    ('auth = "xoauth2"\n' + SERVERS, "auth", OAUTH_ERROR),
    (
        'provider = "icloud"\nauth = "xoauth2"\n',
        "auth",
        "iCloud Mail has no `hours login`: give a token_command that prints an access token, "
        'or set auth = "password" and use an app password',
    ),
    (
        'provider = "hotmail"\n',
        "provider",
        "'hotmail': use gmail, outlook, microsoft365, icloud, fastmail or yahoo",
    ),
    (
        'provider = "gmail"\nmode = "sieve"\n',
        "mode",
        'Gmail offers no ManageSieve: use mode = "imap", or give sieve = { host = ... } for a '
        "server of your own",
    ),
    (
        'provider = "gmail"\nauth = "xoauth2"\noauth_client_id = "1234"\n',
        "oauth_client_id",
        "Google signs in with the Desktop app client's JSON: use oauth_client_file",
    ),
    (
        'provider = "gmail"\noauth_tenant = "consumers"\n',
        "oauth_tenant",
        "is Microsoft's; Google has no tenants",
    ),
    (
        'provider = "outlook"\noauth_client_file = "client.json"\n',
        "oauth_client_file",
        "is Google's; Microsoft signs in with oauth_client_id (the app registration's "
        "Application (client) ID)",
    ),
    (
        'provider = "outlook"\noauth_token_url = "http://login.example.com/token"\n',
        "oauth_token_url",
        "'http://login.example.com/token' is not an https URL (plain http is allowed only on "
        "127.0.0.1, ::1, localhost)",
    ),
    (
        'provider = "outlook"\noauth_tenant = "../evil"\n',
        "oauth_tenant",
        "'../evil' is not a tenant: use common, consumers, organizations, a directory ID (a "
        "GUID) or a domain like contoso.onmicrosoft.com",
    ),
    (
        'oauth_client_id = "1234"\n' + SERVERS,
        "oauth_client_id",
        'is for `hours login`: set provider = "gmail", "outlook" or "microsoft365"',
    ),
    ("auth = 2\n" + SERVERS, "auth", "2: use password, xoauth2 or oauthbearer"),
    ('provider = "gmail"\ntoken_command = 7\n', "token_command", "must be text, in quotes"),
]


@pytest.mark.parametrize(("text", "key", "message"), BAD)
def test_bad_login_settings_are_one_line_exit_3_and_nothing_is_written(
    text: str, key: str, message: str
) -> None:
    path = write_config(HEAD + text)
    before = path.read_text()

    result = run("autoreply", "sync")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}: [autoreply.email] {key}: {message}\n"
    assert path.read_text() == before
    assert snapshot(Path(os.environ["HOURS_HOME"])) == {}
