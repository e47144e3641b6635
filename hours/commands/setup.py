"""`hours autoreply setup email`: from an address to a working `[autoreply.email]` table.

It asks at a terminal (flags answer the same questions anywhere): the address, then the provider
guessed from its domain, who answers after hours at Google and Microsoft (`hours` over IMAP, or
the provider's own responder: the gmail and outlook modes), how to log in, and what that
provider needs (an app password and the page to make one, or `hours login ...`). `hours init`
asks the same questions through `ask_email` and `report_email`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hours import config as configmod
from hours.clikit import CONTEXT, App, at_terminal, pass_app
from hours.config.autoreply import RESPONDER_LABELS, RESPONDER_MODES, EmailSettings
from hours.config.email_providers import PROVIDERS, MailProvider, by_address
from hours.config.email_table import EmailAnswers, apply
from hours.errors import HoursError, UsageError

OTHER = "other"
AUTH_CHOICES = ("password", "xoauth2", "oauthbearer")
# Who answers after hours: `hours` itself (imap), or the provider's own responder. Sieve mode
# needs a ManageSieve server of your own, which none of the providers offers: set it by hand.
MODE_CHOICES = ("imap", *RESPONDER_MODES)
# The responder mode of each `hours login`, and the provider its own domain is at.
RESPONDER_OF_LOGIN = {login: mode for mode, login in RESPONDER_MODES.items()}
DOMAIN_PROVIDER_OF_MODE = {"gmail": "gmail", "outlook": "microsoft365"}
# What the provider's own responder is, the scope `hours login` asks for in that mode, and what
# the OAuth client needs for it.
RESPONDERS = {
    "gmail": (
        "Gmail's vacation responder",
        "gmail.settings.basic",
        "enable the Gmail API in your Cloud project",
    ),
    "outlook": (
        "Outlook's automatic replies",
        "MailboxSettings.ReadWrite",
        "add that Microsoft Graph permission to your app registration",
    ),
}


# Replies say {business} where a name goes ("while Sam's Nails is closed"); without one they
# fall back to "I", which reads badly: the name is the first thing to set.
NAME_STEP = 'hours set --name "Your Business"    (replies sign with it; none is set yet)'


def check_address(text: str) -> str:
    address = text.strip()
    local, at, domain = address.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in address):
        raise UsageError(f"{text!r} is not an email address; write it like sam@example.com")
    return address


def ask_email(given: dict[str, Any], *, interactive: bool) -> tuple[EmailAnswers, str | None]:
    """Turn flags (and, at a terminal, answers to prompts) into EmailAnswers.

    Returns the answers and an app password typed at the prompt (for secrets.toml), if any.
    Raises UsageError for flags that contradict each other or the provider.
    """
    address = given.get("address")
    while address is None and interactive:
        try:
            address = check_address(click.prompt("Your email address (replies come from it)"))
        except UsageError as e:
            click.echo(f"  {e.message}", err=True)
    if address is None:
        raise UsageError("--address is needed when no one is at a terminal to type it")
    address = check_address(address)

    name = given.get("provider")
    mode = given.get("mode")
    if name is None:
        guess = by_address(address)
        if guess is not None:
            name = guess.name
            if interactive:
                click.echo(f"{address} is at {guess.label}.")
        elif given.get("imap_host") or given.get("smtp_host"):
            name = OTHER
        elif mode in DOMAIN_PROVIDER_OF_MODE:
            # Your own domain answered by Gmail's or Outlook's responder: it is at Google
            # Workspace, or at Microsoft 365.
            name = DOMAIN_PROVIDER_OF_MODE[mode]
        elif interactive:
            name = click.prompt(
                f"Who hosts it? {', '.join(PROVIDERS)} (gmail for Google Workspace too), or "
                f"{OTHER}",
                type=click.Choice([*PROVIDERS, OTHER]),
                show_choices=False,
            )
        else:
            domain = address.rpartition("@")[2]
            raise UsageError(
                f"cannot tell who hosts {domain}: pass --provider ({', '.join(PROVIDERS)}), or "
                "--imap HOST and --smtp HOST for another provider"
            )
    preset = PROVIDERS.get(name)
    imap_host, smtp_host = given.get("imap_host"), given.get("smtp_host")
    if preset is not None and (imap_host or smtp_host):
        raise UsageError(
            f"--imap and --smtp are for another provider; {preset.label}'s servers are known"
        )
    if preset is None:
        if interactive:
            imap_host = imap_host or click.prompt("Its IMAP server (like imap.example.com)")
            smtp_host = smtp_host or click.prompt("Its SMTP server (like smtp.example.com)")
        if not imap_host or not smtp_host:
            raise UsageError("another provider needs --imap HOST and --smtp HOST")

    responder = RESPONDER_OF_LOGIN.get(preset.login or "") if preset is not None else None
    if mode is None and interactive and responder is not None and not given.get("auth"):
        mode = _ask_mode(responder)
    if mode in RESPONDER_MODES:
        _check_responder_flags(given, preset, mode)
    auth = given.get("auth")
    if mode in RESPONDER_MODES:
        auth = "xoauth2"  # the provider's API takes an OAuth2 token; `auth` is not written
    elif auth is None:
        auth = preset.auth if preset is not None else "password"
        if interactive and (preset is None or (preset.login and preset.app_password)):
            auth = click.prompt(
                "Log in with an app password, or with OAuth2? (password, xoauth2, oauthbearer)",
                type=click.Choice(AUTH_CHOICES),
                default=auth,
                show_choices=False,
            )
    _check_flags(given, preset, auth)
    login = preset.login if preset is not None else None
    if interactive and preset is not None:
        if mode in RESPONDER_MODES:
            responder_label, scope, client_needs = RESPONDERS[mode]
            click.echo(
                f"{responder_label} is set through an API that takes OAuth2: run `hours login "
                f"{login}`, which asks for {scope} ({client_needs})."
            )
        else:
            click.echo(preset.needs(auth) + ".")

    typed_password = None
    client_file, client_id = given.get("client_file"), given.get("client_id")
    password_given = given.get("password_command") or given.get("password_env")
    if interactive and auth == "password" and not password_given:
        typed = click.prompt(
            "The app password (hidden; kept in secrets.toml, mode 0600; empty to set it up "
            "yourself)",
            default="",
            show_default=False,
            hide_input=True,
        )
        typed_password = typed.strip() or None
    if interactive and auth != "password" and not given.get("token_command"):
        if login == "google" and client_file is None:
            client_file = (
                click.prompt(
                    "Your Desktop app client's JSON file (empty to give it to `hours login "
                    "google --client` later)",
                    default="",
                    show_default=False,
                ).strip()
                or None
            )
        if login == "microsoft" and client_id is None:
            client_id = (
                click.prompt(
                    "Your app registration's Application (client) ID (empty to give it to "
                    "`hours login microsoft --client-id` later)",
                    default="",
                    show_default=False,
                ).strip()
                or None
            )
    answers = EmailAnswers(
        address=address,
        provider=preset.name if preset is not None else None,
        auth=auth,
        password_command=given.get("password_command"),
        password_env=given.get("password_env"),
        token_command=given.get("token_command"),
        client_file=client_file,
        client_id=client_id,
        tenant=given.get("tenant"),
        imap_host=imap_host,
        smtp_host=smtp_host,
        mode=mode,
    )
    return answers, typed_password


def _ask_mode(responder: str) -> str:
    """Ask who answers after hours: `hours` over IMAP, or the provider's own responder."""
    label = RESPONDERS[responder][0]
    click.echo("Who answers mail that comes while you are closed?")
    click.echo(
        "  imap: `hours`, at each sync while this computer is on; VIPs are left alone and the "
        "emergency keyword gets through"
    )
    click.echo(
        f"  {responder}: {label}, set by each sync to the closed window of the moment: answers "
        "go out with this computer off, to VIPs too, and no keyword gets through"
    )
    return str(
        click.prompt(
            f"Which? (imap, {responder})",
            type=click.Choice(["imap", responder]),
            default="imap",
            show_choices=False,
        )
    )


def _check_responder_flags(given: dict[str, Any], preset: MailProvider | None, mode: str) -> None:
    """Refuse flags that a gmail or outlook mode cannot take, naming the flag (exit 2)."""
    account = RESPONDER_LABELS[mode]
    login = RESPONDER_MODES[mode]
    if preset is None:
        raise UsageError(
            f"--mode {mode} is for a {account} account; --imap and --smtp are for another "
            "provider's servers"
        )
    if preset.login != login:
        raise UsageError(f"--mode {mode} is for a {account} account, and {preset.label} is not one")
    if given.get("auth"):
        raise UsageError(
            f"--auth says how imap mode logs in to the mail servers; mode {mode} signs in to "
            f"{account}'s API with OAuth2 and uses no mail server"
        )
    for flag in ("password_command", "password_env"):
        if given.get(flag):
            raise UsageError(
                f"--{flag.replace('_', '-')} is for a password; mode {mode} signs in with OAuth2 "
                f"(`hours login {login}`, or --token-command)"
            )


def _check_flags(given: dict[str, Any], preset: MailProvider | None, auth: str) -> None:
    """Refuse flags that cannot go together, naming the flag (exit 2)."""
    login = preset.login if preset is not None else None
    label = preset.label if preset is not None else "another provider"
    if given.get("password_command") and given.get("password_env"):
        raise UsageError("give --password-command or --password-env, not both")
    if auth == "password" and given.get("token_command"):
        raise UsageError("--token-command is for --auth xoauth2 or oauthbearer")
    for flag in ("password_command", "password_env"):
        if auth != "password" and given.get(flag):
            refusal = (
                preset.refuses_passwords()
                if preset is not None and preset.app_password is None
                else f"--auth {auth} logs in with an OAuth2 token"
            )
            raise UsageError(f"--{flag.replace('_', '-')} is for a password; {refusal}")
    if auth != "password" and login is None and not given.get("token_command"):
        raise UsageError(
            f"--auth {auth} with {label} needs --token-command (a command that prints an access "
            "token); `hours login` signs in to Google and Microsoft only"
        )
    if given.get("client_file") and login != "google":
        raise UsageError(f"--client is for Google's sign-in; {label} does not sign in with it")
    for flag in ("client_id", "tenant"):
        if given.get(flag) and login != "microsoft":
            raise UsageError(
                f"--{flag.replace('_', '-')} is for Microsoft's sign-in; {label} does not "
                "sign in with it"
            )


def write_email(
    app: App, answers: EmailAnswers, typed_password: str | None, name: str | None = None
) -> None:
    """Write the table (validated first: nothing is written if it would not load), then say
    what the user does next. `name`, if given, becomes the business name replies sign with."""
    path = app.config_path

    def change(doc: Any) -> None:
        apply(doc, answers)
        if name:
            doc["name"] = name

    existed = path.exists() or path.is_symlink()
    cfg = configmod.edit(path, change)
    assert cfg.autoreply is not None
    assert cfg.autoreply.email is not None
    if existed:
        app.say(f"Updated [autoreply.email] in {path}.")
    else:
        app.say(
            f"Wrote {path} with [autoreply.email], and the default hours (Monday-Friday "
            "09:00-17:00): `hours set` changes them."
        )
    secret_file = None
    if typed_password is not None:
        from hours.config import secrets

        secret_file = secrets.store(path.parent, "email", "password", typed_password)
    for line in report_email(cfg.autoreply.email, path.parent, secret_file, named=bool(cfg.name)):
        app.say(line)


def report_email(
    settings: EmailSettings, config_dir: Path, secret_file: Path | None, *, named: bool = True
) -> list[str]:
    """Say how the email channel will log in, what the provider needs, and what to run next.

    Without a business name (`named` false) the first step is to set one: replies sign with it.
    """
    preset = PROVIDERS.get(settings.provider or "")
    label = preset.label if preset is not None else "Your provider"
    if settings.mode in RESPONDERS:
        responder, scope, client_needs = RESPONDERS[settings.mode]
        lines = [
            f"{label}, {settings.mode} mode: after hours the answer comes from {responder}, set "
            "by each sync to the closed window of the moment.",
            f"OAuth2 with the token your token_command prints, which needs the scope {scope}."
            if settings.token_command is not None
            else f"OAuth2: sign in once with `hours login {settings.login}`; it asks for {scope} "
            f"({client_needs}).",
        ]
    else:
        servers = ", ".join(
            f"{s.host}:{s.port} ({s.security})" for s in (settings.imap, settings.smtp) if s
        )
        lines = [f"{label}: {servers}.", *_login_lines(settings, preset, config_dir, secret_file)]
    steps = [] if named else [NAME_STEP]
    if settings.auth != "password" and settings.token_command is None:
        written, flag = {
            "google": (settings.oauth.client_file, " --client FILE"),
            "microsoft": (settings.oauth.client_id, " --client-id ID"),
        }.get(settings.login or "", (None, ""))
        steps.append(f"hours login {settings.login}{'' if written else flag}")
    steps += ["hours autoreply install --channel email", "hours cron install"]
    return [*lines, "Next:", *(f"  {step}" for step in steps)]


def _login_lines(
    settings: EmailSettings,
    preset: MailProvider | None,
    config_dir: Path,
    secret_file: Path | None,
) -> list[str]:
    """Say how imap or sieve mode logs in to the mail servers, and what is still to do."""
    from hours.config.secrets import SECRETS_FILE

    if settings.auth == "password" and secret_file is not None:
        return [f"The password is in {secret_file} (mode 0600)."]
    if settings.auth == "password":
        lines = []
        if preset is not None and preset.app_password is not None:
            lines.append(preset.app_password + ".")
        if settings.password.env is None and settings.password.command is None:
            lines.append(
                f'Put it in {config_dir / SECRETS_FILE} as [email] password = "..." (mode '
                "0600), or set password_command in [autoreply.email]."
            )
        return lines
    if settings.token_command is not None:
        return [f"OAuth2 ({settings.auth.upper()}) with the token your token_command prints."]
    return [f"OAuth2 ({settings.auth.upper()}): sign in once with `hours login {settings.login}`."]


@click.group(context_settings=CONTEXT)
def setup() -> None:
    """Set up a channel by answering a few questions.

    \b
    Examples:
      hours autoreply setup email
    """


@setup.command(context_settings=CONTEXT)
@click.option("--address", metavar="ADDRESS", help="Your email address: replies come from it.")
@click.option(
    "--provider",
    type=click.Choice(list(PROVIDERS)),
    help="Who hosts it (default: guessed from the address).",
)
@click.option(
    "--mode",
    type=click.Choice(MODE_CHOICES),
    help="Who answers after hours: imap (`hours` itself, the default), or gmail or outlook (the "
    "provider's own responder, set to each closed window).",
)
@click.option("--imap", "imap_host", metavar="HOST", help="Another provider: its IMAP server.")
@click.option("--smtp", "smtp_host", metavar="HOST", help="Another provider: its SMTP server.")
@click.option(
    "--auth",
    type=click.Choice(AUTH_CHOICES),
    help="password (an app password), or xoauth2/oauthbearer (OAuth2); default: the provider's.",
)
@click.option("--password-command", metavar="CMD", help="A command that prints the password.")
@click.option("--password-env", metavar="VAR", help="The variable that holds the password.")
@click.option("--token-command", metavar="CMD", help="A command that prints an access token.")
@click.option(
    "--client", "client_file", metavar="FILE", help="Google: your Desktop app client's JSON."
)
@click.option("--client-id", metavar="ID", help="Microsoft: your app registration's client ID.")
@click.option("--tenant", metavar="TENANT", help="Microsoft: consumers, organizations, ...")
@click.option("--name", metavar="NAME", help="Your business name, as replies sign it.")
@pass_app
def email(app: App, /, **given: Any) -> None:
    """Write [autoreply.email] from your address; say what your provider needs.

    Asks at a terminal, takes flags anywhere. The provider is guessed from the address
    (gmail.com, outlook.com, icloud.com, ...) and its servers filled in; it says what the
    provider needs: an app password and where to make one, or `hours login google|microsoft`.
    At Google and Microsoft, --mode gmail or outlook has the provider's own responder answer,
    set by each sync to the closed window of the moment, even while this computer is off.
    Other keys of the table and your comments are kept.

    \b
    Examples:
      hours autoreply setup email
      hours autoreply setup email --address sam@outlook.com
      hours autoreply setup email --address sam@icloud.com --password-command "pass show icloud"
      hours autoreply setup email --address sam@gmail.com --auth xoauth2 --client client.json
      hours autoreply setup email --address sam@salon.example --provider microsoft365
      hours autoreply setup email --address sam@gmail.com --mode gmail --client client.json
      hours autoreply setup email --address sam@icloud.com --name "Sam's Nails" --password-env PW
    """
    name = given.pop("name", None)
    interactive = at_terminal()
    answers, typed = ask_email(given, interactive=interactive)
    if name is None and interactive and not _named(app):
        name = click.prompt(
            "Your business name, as replies sign it", default="", show_default=False
        )
    write_email(app, answers, typed, (name or "").strip() or None)


def _named(app: App) -> bool:
    """Tell whether the config already names the business (a config that does not load: no)."""
    path = app.config_path
    if not (path.exists() or path.is_symlink()):
        return False
    try:
        return bool(configmod.load(path).name)
    except HoursError:
        return False
