"""Write the `[autoreply.email]` table from a few answers, the user's other keys and comments kept.

`hours autoreply setup email` and `hours init` ask for an address, guess the provider, and hand
the answers here. The keys that say how the channel logs in are replaced as a whole (a stale
`password_command` beside a new `token_command` would not load); every other key of the table
(aliases, message, vip, ...) and every comment stays. So does the table's `mode` when the
answers do not name one and it still fits them (a Sieve server of your own, a Gmail or Outlook
responder at that provider), with the keys only that mode reads.
"""

from __future__ import annotations

from typing import Any

from hours.config.autoreply import RESPONDER_MODES
from hours.config.email_providers import PROVIDERS
from hours.record import Record

# The keys the answers decide; any of them not set by the answers is removed.
LOGIN_KEYS = (
    "provider",
    "username",
    "auth",
    "password_env",
    "password_command",
    "token_command",
    "oauth_client_file",
    "oauth_client_id",
    "oauth_tenant",
    "imap",
    "smtp",
    "sieve",
)
# Keys that only some modes read (a config with one in another mode does not load).
MODE_KEYS = {
    "only_contacts": ("gmail",),
    "only_domain": ("gmail",),
    "external_audience": ("outlook",),
    "api_base": ("gmail", "outlook"),
}


class EmailAnswers(Record):
    """What a newcomer told `hours` about their email."""

    address: str
    provider: str | None  # a name of PROVIDERS, or None for another provider's servers
    auth: str  # password | xoauth2 | oauthbearer
    password_command: str | None = None
    password_env: str | None = None
    token_command: str | None = None
    client_file: str | None = None  # Google's Desktop app client JSON
    client_id: str | None = None  # Microsoft's app registration
    tenant: str | None = None
    imap_host: str | None = None  # another provider: its servers, over SSL on the usual ports
    smtp_host: str | None = None
    # imap, gmail or outlook; None keeps the table's mode where it still fits (kept_mode)
    mode: str | None = None


def kept_mode(current: str, answers: EmailAnswers) -> str:
    """Return the mode for answers that name none: the table's, where it still fits them.

    A Sieve server is one of your own, so sieve mode stays only without a provider; a Gmail or
    Outlook responder stays at that provider, unless the answers give a password (which those
    modes never take). Anything else falls back to imap, the default.
    """
    preset = PROVIDERS.get(answers.provider or "")
    if current == "sieve" and preset is None:
        return current
    password = answers.password_command or answers.password_env
    if current in RESPONDER_MODES and preset is not None and not password:
        return current if preset.login == RESPONDER_MODES[current] else "imap"
    return "imap"


def _drop_keys_of_other_modes(table: Any, mode: str, current: str) -> None:
    for key, modes in MODE_KEYS.items():
        # api_base names one provider's API host: not the next mode's, even if it reads one.
        if key in table and (mode not in modes or (key == "api_base" and mode != current)):
            del table[key]


def apply(doc: Any, answers: EmailAnswers) -> None:
    """Set `[autoreply.email]` of a tomlkit document to the answers."""
    import tomlkit

    from hours.config.toml_layout import ensure_table

    autoreply = ensure_table(doc, "autoreply")
    if "email" not in autoreply:
        autoreply["email"] = tomlkit.table()
    table = autoreply["email"]
    current = str(table.get("mode", "imap"))
    mode = answers.mode or kept_mode(current, answers)
    for key in LOGIN_KEYS:
        # A Sieve server of your own stays with sieve mode: the answers never name one.
        if key in table and not (key == "sieve" and mode == "sieve"):
            del table[key]
    _drop_keys_of_other_modes(table, mode, current)
    if mode == "imap" and "mode" in table:
        del table["mode"]  # the default
    preset = PROVIDERS.get(answers.provider or "")
    wanted: dict[str, Any] = {}
    if preset is not None:
        wanted["provider"] = answers.provider
    if mode != "imap":
        wanted["mode"] = mode
    wanted["address"] = answers.address
    if preset is None:
        wanted["imap"] = {"host": answers.imap_host, "security": "ssl"}
        wanted["smtp"] = {"host": answers.smtp_host, "security": "ssl"}
    # The gmail and outlook modes sign in to the provider's API with OAuth2 whatever `auth`
    # would say of the mail servers, which they never use.
    if mode not in RESPONDER_MODES and (preset is None or answers.auth != preset.auth):
        wanted["auth"] = answers.auth
    for key, value in (
        ("password_command", answers.password_command),
        ("password_env", answers.password_env),
        ("token_command", answers.token_command),
        ("oauth_client_file", answers.client_file),
        ("oauth_client_id", answers.client_id),
        ("oauth_tenant", answers.tenant),
    ):
        if value is not None:
            wanted[key] = value
    # Set in place: a key already there keeps its place and its comment; new ones follow.
    for key, value in wanted.items():
        if isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update(value)
            table[key] = inline
        else:
            table[key] = value
    if preset is not None:
        table["provider"].comment(f"{preset.label}: fills imap, smtp and auth")
        table["provider"].trivia.comment_ws = "  "
