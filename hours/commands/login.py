"""`hours login` and `hours logout`: sign in to Google or Microsoft for mail, or forget it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hours.clikit import CONTEXT, App, json_option, pass_app, print_json
from hours.errors import UsageError

if TYPE_CHECKING:
    # The OAuth client (and requests) load only when a login or logout runs.
    from hours.clients.oauth import Provider, TokenStore
    from hours.config.autoreply import EmailSettings

PROVIDER = click.Choice(["google", "microsoft"])


class EndpointParam(click.ParamType):  # type: ignore[type-arg]
    """NAME=URL: one endpoint of the authorization server, replaced."""

    name = "NAME=URL"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        from hours.clients.oauth import ENDPOINT_NAMES, check_endpoint_url

        name, sep, url = str(value).partition("=")
        if not sep or name not in ENDPOINT_NAMES:
            self.fail(
                f"{value!r} is not NAME=URL with NAME one of {', '.join(ENDPOINT_NAMES)}",
                param,
                ctx,
            )
        try:
            return name, check_endpoint_url(url)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def _store() -> TokenStore:
    from hours.clients.oauth import STORE_DIRNAME, TokenStore
    from hours.files import state_dir

    return TokenStore(state_dir() / STORE_DIRNAME)


@click.command(context_settings=CONTEXT)
@click.argument("provider", type=PROVIDER, metavar="google|microsoft")
@click.option(
    "--client",
    "client_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Google: the Desktop app client JSON downloaded from the Google Cloud console.",
)
@click.option(
    "--client-id",
    metavar="ID",
    help="The OAuth client ID (Microsoft: the Application (client) ID of your app registration).",
)
@click.option(
    "--tenant",
    metavar="TENANT",
    help="Microsoft: common (default), consumers, organizations, or your directory's ID or domain.",
)
@click.option(
    "--scopes",
    metavar="SCOPES",
    help="Ask for these scopes instead of the mail ones (space- or comma-separated).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    metavar="PORT",
    help="Google: wait for the browser on this port of 127.0.0.1 (default: any free port).",
)
@click.option("--no-browser", is_flag=True, help="Google: print the address; open no browser.")
@click.option(
    "--timeout",
    "time_limit",
    type=click.IntRange(1, 3600),
    metavar="SECONDS",
    help="Give up after this long (default: 5 minutes for Google, the code's life for Microsoft).",
)
@click.option(
    "--endpoint",
    "endpoint_overrides",
    type=EndpointParam(),
    multiple=True,
    help="Use another authorization, token, device or revocation URL (a test server, a "
    "national cloud). Repeatable.",
)
@json_option
@pass_app
def login(
    app: App,
    provider: str,
    client_file: Path | None,
    client_id: str | None,
    tenant: str | None,
    scopes: str | None,
    port: int | None,
    no_browser: bool,
    time_limit: int | None,
    endpoint_overrides: tuple[tuple[str, str], ...],
    as_json: bool,
) -> None:
    """Sign in to Google or Microsoft, so email can log in with OAuth2 instead of a password.

    Google signs in through your browser on this computer (--client: your Desktop app
    client's JSON). Microsoft shows a code to type at microsoft.com/devicelogin on any device
    (--client-id: your app registration's ID), which works over SSH. The refresh token is kept
    in the state directory (oauth/PROVIDER.json, mode 0600) and never printed; nothing is
    stored unless the sign-in succeeds.

    A flag left out is read from [autoreply.email] in your config when its provider signs in
    here (oauth_client_file, oauth_client_id, oauth_tenant, oauth_*_url), and the scopes are
    those its mode needs.

    Exit 2 for bad flags or a port in use, 3 when the client file is missing, unreadable or a
    Web client, or the sign-in is declined or runs out of time, 4 when the provider fails,
    130 on Ctrl-C.

    \b
    Examples:
      hours login google --client ~/Downloads/client_secret_1234.apps.googleusercontent.com.json
      hours login microsoft --client-id 00000000-0000-0000-0000-000000000000
      hours login microsoft          (the client ID from oauth_client_id in your config)
      hours login microsoft --client-id 00000000-0000-0000-0000-000000000000 --tenant consumers
      hours login google --client client.json --no-browser --port 8765
    """
    from hours.clients import oauth

    p = oauth.provider(provider)
    if p.flow == "device":
        for flag, given in (
            ("--client", client_file),
            ("--port", port),
            ("--no-browser", no_browser),
        ):
            if given:
                hint = (
                    "pass --client-id (the Application (client) ID of your app registration)"
                    if flag == "--client"
                    else "it signs in with a code typed at microsoft.com/devicelogin"
                )
                raise UsageError(f"{flag} is not for {p.label}: {hint}")
    if client_file is not None and client_id is not None:
        raise UsageError("give --client FILE or --client-id ID, not both")
    configured = _configured(app, provider)
    if client_file is None and client_id is None and configured is not None:
        client_file = _client_file(app, configured.oauth.client_file)
        client_id = configured.oauth.client_id
    if client_file is None and client_id is None:
        wanted = (
            "--client FILE (your Desktop app client's JSON), or oauth_client_file"
            if p.flow == "loopback"
            else "--client-id ID, or oauth_client_id"
        )
        raise UsageError(
            f"`hours login {provider}` needs {wanted} in [autoreply.email]; "
            "see `hours login --help`"
        )
    if configured is not None:
        tenant = tenant if tenant is not None else configured.oauth.tenant
        endpoint_overrides = (*configured.oauth.endpoints, *endpoint_overrides)
    try:
        ends = oauth.endpoints(provider, tenant=tenant, overrides=dict(endpoint_overrides))
        wanted_scopes = _scopes(p, scopes, configured)
    except ValueError as e:
        raise UsageError(str(e)) from None
    client = (
        oauth.read_google_client_file(client_file)
        if client_file is not None
        else oauth.Client(str(client_id))
    )

    # With --json, stdout carries only the JSON document; the instructions go to stderr.
    def say(line: str) -> None:
        app.say(line, err=as_json)

    if p.flow == "loopback":
        grant = oauth.authorization_code_login(
            provider,
            ends,
            client,
            wanted_scopes,
            say=say,
            port=port or 0,
            open_browser=not no_browser,
            time_limit=float(time_limit or oauth.BROWSER_TIME_LIMIT),
        )
    else:
        grant = oauth.device_code_login(
            provider,
            ends,
            client,
            wanted_scopes,
            say=say,
            time_limit=None if time_limit is None else float(time_limit),
        )
    store = _store()
    replaced = store.path(provider).exists()
    path = store.save(oauth.stored_login(provider, client, ends, grant, wanted_scopes))
    if as_json:
        print_json({"provider": provider, "token_file": str(path), "scopes": list(wanted_scopes)})
        return
    app.say(
        f"Logged in to {p.label}{' (the earlier login is replaced)' if replaced else ''}. "
        f"The refresh token is in {path} (mode 0600); `hours logout {provider}` forgets it."
    )


def _configured(app: App, provider: str) -> EmailSettings | None:
    """Return [autoreply.email] when a config exists and its login is `provider`'s."""
    path = app.config_path
    if not path.exists() and not path.is_symlink():
        return None  # no config: the flags say it all (and no note about the default)
    settings = app.config.autoreply
    email = settings.email if settings is not None else None
    return email if email is not None and email.login == provider else None


def _client_file(app: App, written: str | None) -> Path | None:
    """Return the client file named in the config: `~` expanded, relative to the config."""
    if written is None:
        return None
    return app.config_path.parent / Path(written).expanduser()


def _scopes(p: Provider, text: str | None, configured: EmailSettings | None) -> tuple[str, ...]:
    from hours.clients import oauth

    if text is None:
        if configured is None:
            return oauth.scopes_for(p.name)
        from hours.channels.email_auth import purposes_for

        return oauth.scopes_for(p.name, purposes_for(configured))
    scopes = tuple(dict.fromkeys(text.replace(",", " ").split()))
    if not scopes:
        raise ValueError("--scopes is empty; leave it out for the mail scopes")
    # Microsoft gives a refresh token only with offline_access: without it, no lasting login.
    if p.name == "microsoft" and "offline_access" not in scopes:
        scopes += ("offline_access",)
    return scopes


@click.command(context_settings=CONTEXT)
@click.argument("provider", type=PROVIDER, metavar="google|microsoft")
@json_option
@pass_app
def logout(app: App, provider: str, as_json: bool) -> None:
    """Forget the Google or Microsoft login, revoking it where the provider allows.

    Google's token is revoked, then deleted here. Microsoft has no way for an app to revoke
    its token: it is deleted here, and the message says where to remove the app's access.
    Exit 4 (with the token deleted all the same) when the revocation fails.

    \b
    Examples:
      hours logout google
      hours logout microsoft --json
    """
    from hours.clients import oauth

    store = _store()
    path = store.path(provider)
    label = oauth.provider(provider).label
    result = oauth.logout(store, provider)
    if as_json:
        print_json(
            {
                "provider": provider,
                "token_file": str(path),
                "forgotten": result.forgotten,
                "revoked": result.revoked,
            }
        )
        return
    if not result.forgotten:
        app.say(f"No {label} login is stored; nothing to forget.")
    elif result.revoked:
        app.say(f"Revoked the {label} login and deleted {path}.")
    else:
        app.say(f"Deleted {path}. {result.advice}".rstrip())
