"""The errors `hours` expects, each with the exit status the README documents."""

from __future__ import annotations

import enum


class Exit(enum.IntEnum):
    """Exit statuses, as tabled in the README."""

    OK = 0
    CLOSED = 1  # `hours status` only, as `test` does
    USAGE = 2
    CONFIG = 3
    PROVIDER = 4
    LOCKED = 5
    INTERRUPTED = 130


class HoursError(Exception):
    """An expected failure: one line for the user, saying what to do, and an exit status."""

    exit_status: Exit = Exit.USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(HoursError):
    """Bad arguments on the command line."""

    exit_status = Exit.USAGE


class ConfigError(HoursError):
    """The config file is missing, unreadable, invalid, or cannot be written."""

    exit_status = Exit.CONFIG


class ProviderError(HoursError):
    """A mail server or Twilio failed or refused; other channels still run."""

    exit_status = Exit.PROVIDER


class MaybeSent(ProviderError):
    """A reply's request went out but no answer came back: it may have been delivered.

    The engine keeps such a reply journalled, so no later sync sends it a second time.
    """


class StateError(ConfigError):
    """The state directory or the journal cannot be used (owner, mode, a full disk, ...).

    Its owner or mode, a file where the directory should be, a journal `hours` does not know,
    a full disk: exit 3 before anything was done; once a sync is under way (a provider may already have
    been written to), exit 4, as a provider's failure is.
    """

    exit_status = Exit.CONFIG

    def __init__(self, message: str, *, exit_status: Exit = Exit.CONFIG) -> None:
        super().__init__(message)
        self.exit_status = exit_status


class LockedError(HoursError):
    """Another `hours autoreply sync` holds the lock."""

    exit_status = Exit.LOCKED
