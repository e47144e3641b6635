"""How the email channel logs in to its servers: a password, or an OAuth2 access token.

`token_source` is the one place that decides where a token comes from, for every email mode:
`token_command` first (run when a sync needs a token, which is kept in memory only), else the
login `hours login google|microsoft` stored (refreshed in memory; the refresh token stays in its
0600 file). `credential` turns the settings into what the wire clients take: the password, or a
TokenLogin saying the mechanism and what to run when the server refuses the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from hours.clients.sasl import Credential, Mechanism, TokenLogin
from hours.config import secrets
from hours.config.autoreply import EmailSettings
from hours.errors import Exit, ProviderError
from hours.files import state_dir

if TYPE_CHECKING:  # the OAuth client (and requests) load only for an OAuth2 login
    from hours.clients.net import Deadline
    from hours.clients.oauth import TokenSource

# The OAuth2 purposes (scope sets in hours.clients.oauth) each email mode needs: the mail
# servers' for imap and sieve, the provider's API for gmail and outlook.
PURPOSES: dict[str, tuple[str, ...]] = {
    "imap": ("mail",),
    "sieve": ("mail",),
    "gmail": ("gmail_settings",),
    "outlook": ("graph_mailbox",),
}


class LoginNeeded(ProviderError):
    """A reply was not sent because the login needs the user (exit 3); the next sync retries it.

    A ProviderError, so the engine forgets it was decided: nothing went out.
    """

    exit_status = Exit.CONFIG


def purposes_for(settings: EmailSettings) -> tuple[str, ...]:
    """Return the OAuth2 purposes the configured mode needs (what `hours login` asks for)."""
    return PURPOSES.get(settings.mode, ("mail",))


def token_source(
    settings: EmailSettings, config_dir: Path, *, purposes: Sequence[str] = ("mail",)
) -> TokenSource | None:
    """Return where access tokens come from for these purposes, or None for a password.

    `token_command` runs in `config_dir` (so a script beside the config may be named by a
    relative path). A stored login must hold the scopes of `purposes`. Raises LoginRequired
    (exit 3) when there is no stored login, or one without those scopes.
    """
    if settings.auth == "password":
        return None
    from hours.clients import oauth

    if settings.token_command is not None:
        return oauth.CommandTokens(
            settings.token_command,
            label="[autoreply.email] token_command",
            # Read now, not when the module loaded, so the limit is the module's current one.
            time_limit=oauth.TOKEN_COMMAND_TIME_LIMIT,
            cwd=config_dir,
        )
    name = settings.login
    assert name is not None  # an OAuth2 login without a token command has one (config check)
    store = oauth.TokenStore(state_dir() / oauth.STORE_DIRNAME)
    stored = store.load(name)
    label = oauth.provider(name).label
    if stored is None:
        raise oauth.LoginRequired(
            f"no {label} login is stored in {store.path(name)}; run `hours login {name}`"
        )
    wanted = oauth.scopes_for(name, purposes)
    missing = [scope for scope in wanted if scope not in stored.scopes]
    if missing:
        raise oauth.LoginRequired(
            f"the {label} login in {store.path(name)} does not grant {', '.join(missing)}; "
            f"run `hours login {name}` again"
        )
    return oauth.StoredLoginTokens(store, name, scopes=wanted)


def advice(settings: EmailSettings) -> str:
    """Say what the user runs when the server refuses the access tokens."""
    if settings.token_command is not None:
        return "run [autoreply.email] token_command yourself and check the token it prints"
    return f"run `hours login {settings.login}` again"


def credential(
    settings: EmailSettings,
    config_dir: Path,
    *,
    purposes: Sequence[str] = ("mail",),
    deadline: Deadline | None = None,
) -> Credential:
    """Return what the wire clients log in with: the password, or OAuth2 tokens.

    A `password_command` runs within `deadline`, the sync's.
    """
    tokens = token_source(settings, config_dir, purposes=purposes)
    if tokens is None:
        return secrets.resolve(settings.password, config_dir, deadline)
    return TokenLogin(cast(Mechanism, settings.auth.upper()), tokens, advice(settings))
