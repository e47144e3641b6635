"""Write the `[autoreply.email]` table from a few answers, the user's other keys and comments kept.

`hours autoreply setup email` and `hours init` ask for an address, guess the provider, and hand
the answers here. The keys that say how the channel logs in are replaced as a whole (a stale
`password_command` beside a new `token_command` would not load); every other key of the table
(aliases, message, vip, ...) and every comment stays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from hours.config.email_providers import PROVIDERS

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


class EmailAnswers(NamedTuple):
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


def apply(doc: Any, answers: EmailAnswers) -> None:
    """Set `[autoreply.email]` of a tomlkit document to the answers."""
    import tomlkit

    from hours.config.toml_layout import ensure_table

    autoreply = ensure_table(doc, "autoreply")
    if "email" not in autoreply:
        autoreply["email"] = tomlkit.table()
    table = autoreply["email"]
    for key in LOGIN_KEYS:
        if key in table:
            del table[key]
    if table.get("mode") == "sieve" and answers.provider is not None:
        del table["mode"]  # none of the providers offers ManageSieve
    preset = PROVIDERS.get(answers.provider or "")
    wanted: dict[str, Any] = {}
    if preset is not None:
        wanted["provider"] = answers.provider
    wanted["address"] = answers.address
    if preset is None:
        wanted["imap"] = {"host": answers.imap_host, "security": "ssl"}
        wanted["smtp"] = {"host": answers.smtp_host, "security": "ssl"}
    if preset is None or answers.auth != preset.auth:
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
