"""Where the email channel's OAuth2 access token comes from: a command, or `hours login`.

In the order CLI mail tools have settled on: `token_command` (a command that prints a fresh
access token: oama, mutt_oauth2.py, `gcloud auth print-access-token`) when the config names one,
else the login `hours login google|microsoft` stored in the state directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hours.clients.oauth import (
    STORE_DIRNAME,
    CommandTokens,
    StoredLoginTokens,
    TokenSource,
    TokenStore,
)
from hours.config.autoreply import RESPONDER_MODES, EmailSettings
from hours.files import state_dir


def token_source(
    settings: EmailSettings, config_dir: Path, *, purposes: Sequence[str] = ("mail",)
) -> TokenSource | None:
    """Return where the channel's access tokens come from, or None when it logs in otherwise.

    `purposes` names what the token is for (the scope table's rows in clients/oauth.py); the
    stored login must have been made with those scopes, which `hours doctor` checks.
    """
    if settings.token_command:
        return CommandTokens(settings.token_command, label="[autoreply.email] token_command")
    login = RESPONDER_MODES.get(settings.mode)
    if login is None:
        return None
    return StoredLoginTokens(TokenStore(state_dir() / STORE_DIRNAME), login)
