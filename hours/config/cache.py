"""Keep what tomllib made of the config file in the state directory, for the next start.

Importing `tomllib` costs `hours status` more than reading and checking the whole config
(its regular expressions are compiled as it loads), so the last config read is kept, parsed,
in `marshal`'s format, which Python reads at no cost. An entry holds the config's text itself
and is used only when that is exactly the text just read, by the same `hours` and the same
Python (whose tomllib made it): it cannot stand for an edited file, whatever its size or
time stamps say. Only the parsing is kept: the config is validated at every start, since
that also depends on the world around the file (its owner and mode, the time-zone database).

The entry is trusted as the config file is: only a regular file of this user's that no one
else may write is read, else the config is parsed as if there were no entry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hours import __version__
from hours.files import write_atomic

FILE_NAME = "config.toml.parsed"
# What an entry must have been made by, besides its text: this format, this hours, this Python.
_STAMP = ("hours parsed config 1", __version__, sys.version)
# TOML's dates and times, which marshal cannot hold, are kept as (type name, ISO 8601) pairs:
# TOML makes no tuples, so every tuple in an entry is one of them.
_FROM_ISO: dict[str, Callable[[str], Any]] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
}


def read(cache_dir: Path, text: str) -> dict[str, Any] | None:
    """Return the parsed TOML of `text` kept in `cache_dir`, or None if it holds none."""
    try:
        fd = os.open(cache_dir / FILE_NAME, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        found = os.fstat(fd)
        mine = found.st_uid == os.geteuid() and not found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        if not (stat.S_ISREG(found.st_mode) and mine):
            return None
        try:
            stamp, kept_text, kept = marshal.loads(f.read())
            if stamp != _STAMP or kept_text != text:
                return None
            raw: dict[str, Any] = _decode(kept)
        except (OSError, EOFError, ValueError, TypeError, KeyError):
            return None  # damaged: the config is only parsed again
    return raw


def write(cache_dir: Path, text: str, raw: dict[str, Any]) -> None:
    """Keep the parsed TOML `raw` of `text` in `cache_dir`, if it is a directory already.

    The state directory is not made for this: a command that fails after loading the config
    must leave none behind, and one that leaves it (the journal, the holiday cache) makes it.
    """
    if not cache_dir.is_dir():
        return
    data = marshal.dumps((_STAMP, text, _encode(raw)))
    with contextlib.suppress(OSError):  # the state directory may be read-only: only slower
        write_atomic(cache_dir / FILE_NAME, data, mode=0o600)


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _encode(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dt.date | dt.time):  # a datetime is a date too
        return (type(value).__name__, value.isoformat())
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _decode(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, tuple):
        name, iso = value
        return _FROM_ISO[name](iso)
    return value
