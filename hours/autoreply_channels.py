"""Build the configured channels. Each provider's module loads only when it is configured."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, cast

from hours.autoreply import Channel
from hours.autoreply_settings import Autoreply
from hours.errors import ConfigError, UsageError

# (channel, mode) -> "module:class"; each class takes (settings, config_dir).
PROVIDERS = {
    ("email", "imap"): "hours.email_imap:ImapChannel",
    ("email", "sieve"): "hours.email_sieve:SieveChannel",
    ("phone", "poll"): "hours.phone_twilio:PollChannel",
    ("phone", "swap"): "hours.phone_twilio:SwapChannel",
}
CHANNELS = ("email", "phone")


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
        raise ConfigError(f"no [autoreply.{only}] in the config; see config.example.toml")
    return out
