"""The channels: one module per (channel, mode), each implementing the engine's `Channel`.

`email_imap` polls IMAP and answers over SMTP; `email_sieve` keeps a Sieve script on the mail
server; `email_auth` says how both log in (a password, or an OAuth2 token and where it comes
from); `phone_twilio` polls Twilio or swaps the number's webhooks; `preview` shows what a
sender would get. This module is the factory: it builds the configured channels (a provider's
module loads only when it is configured) and the forwarder that takes emergencies to the
practitioner's phone. Channels import the engine (`hours.autoreply`), the config and the wire
clients (`hours.clients`); the engine never imports a channel.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, cast

from hours.autoreply import Channel, Forward
from hours.clients.net import Deadline
from hours.config.autoreply import Autoreply
from hours.errors import ConfigError, UsageError

# (channel, mode) -> "module:class"; each class takes (settings, config_dir).
PROVIDERS = {
    ("email", "imap"): "hours.channels.email_imap:ImapChannel",
    ("email", "sieve"): "hours.channels.email_sieve:SieveChannel",
    ("email", "gmail"): "hours.channels.email_gmail:GmailChannel",
    ("email", "outlook"): "hours.channels.email_outlook:OutlookChannel",
    ("phone", "poll"): "hours.channels.phone_twilio:PollChannel",
    ("phone", "swap"): "hours.channels.phone_twilio:SwapChannel",
}
CHANNELS = ("email", "phone")
# The email modes whose install leaves something at the provider that only their own
# `uninstall` puts back, and what it is.
LEFT_AT_PROVIDER = {
    "sieve": "Sieve script",
    "gmail": "Gmail vacation responder",
    "outlook": "Outlook automatic-replies setting",
}
# The modes in which the provider answers with one text fixed for everyone, made at sync: what
# each template field becomes there is `hours.config.autoreply.FIELDS`' `fixed`.
FIXED_TEXT_MODES = {
    ("email", "sieve"): "Sieve mode",
    ("phone", "swap"): "Swap mode",
    ("email", "gmail"): "Gmail mode",
    ("email", "outlook"): "Outlook mode",
}


def build(settings: Autoreply | None, config_dir: Path, only: str | None = None) -> list[Channel]:
    """Return the configured channels (or only one of them), in a fixed order."""
    if only is not None and only not in CHANNELS:
        raise UsageError(f"{only!r} is not a channel; use email or phone")
    out: list[Channel] = []
    for name in CHANNELS:
        channel_settings: Any = getattr(settings, name, None) if settings else None
        if channel_settings is None or only not in (None, name):
            continue
        module, _, cls = PROVIDERS[(name, channel_settings.mode)].partition(":")
        factory = getattr(importlib.import_module(module), cls)
        out.append(cast(Channel, factory(channel_settings, config_dir)))
    if only is not None and not out:
        # The user named a real channel that the config does not set up: the config must change.
        raise ConfigError(
            f"no [autoreply.{only}] in the config; `hours init --example` shows every key"
        )
    return out


def forwarder(settings: Autoreply, config_dir: Path, deadline: Deadline) -> Forward | None:
    """Return how emergencies from every channel reach the practitioner's phone, if they can.

    An SMS from the Twilio number, when [autoreply.phone] and a `forward_to` are configured;
    otherwise None (the IMAP channel then forwards by email where `forward_to` is an address).
    """
    if settings.phone is None:
        return None
    from hours.channels.phone_twilio import sms_forwarder

    return sms_forwarder(settings, config_dir, deadline)


def leftover_install(prior: Any, mode: str) -> ConfigError | None:
    """Return the error for an email install of another mode still at the provider, or None.

    Switching modes without `uninstall` would leave that mode's responder answering beside
    this one, and lose the record of what it replaced.
    """
    was = prior.get("mode") if isinstance(prior, dict) else None
    if was == mode or was not in LEFT_AT_PROVIDER:
        return None
    return ConfigError(
        f"the {LEFT_AT_PROVIDER[was]} installed in {was} mode is still on the server; set "
        f'mode = "{was}" again, run `hours autoreply uninstall --channel email`, then switch '
        f"to {mode}"
    )
