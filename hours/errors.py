"""The errors `hours` expects, each with the exit status the README documents.

Every error's message is one printable line (`printable`): it may quote what a server, a file
or a sender said, and must neither break the `Error:` line nor reach a terminal as escapes.
"""

from __future__ import annotations

import enum
import functools
import re


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
        message = printable(message)
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


class OutOfTime(ProviderError):
    """The sync's deadline passed with work left: the next sync does what this one could not."""


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


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compile, on first use only, what `printable` removes (`hours status` never needs them)."""
    # Terminal escape sequences, whole: CSI (ESC [ ... final, or the 8-bit CSI), OSC (ESC ] ...
    # BEL or ST: titles, hyperlinks, clipboard writes), DCS, SOS, PM and APC strings up to ST,
    # and the two-character escapes. Removing only the ESC would leave "[31m" in the text.
    escape = re.compile(
        r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
        r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
        r"|\x1b[ -/]*[0-~]?"
    )
    # What is left: C0, DEL and C1 controls, and the bidirectional embeddings, overrides and
    # isolates, which reorder what follows them on a terminal and can hide text.
    control = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    space = re.compile(r"[\t\n\v\f\r]")
    return escape, space, control


def printable(text: str) -> str:
    """Return `text` safe to show on a terminal or store as one line.

    Escape sequences and control characters are removed; tabs and line breaks become spaces.
    """
    escape, space, control = _patterns()
    return control.sub("", space.sub(" ", escape.sub("", text)))
