"""Where files live, and writing them so a crash never leaves half a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

APP = "hours"


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the config file: `--config`, then $HOURS_CONFIG, then the platform's config dir."""
    if explicit:
        return Path(explicit).expanduser()
    if env := os.environ.get("HOURS_CONFIG"):
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False) / "config.toml"


def state_dir() -> Path:
    """Return the state directory (journal, lock, caches, log): $HOURS_HOME or the platform's."""
    if env := os.environ.get("HOURS_HOME"):
        return Path(env).expanduser()
    from platformdirs import user_state_path

    return user_state_path(APP, appauthor=False)


def write_atomic(path: Path, data: str | bytes, *, mode: int = 0o600) -> None:
    """Write `data` to `path` through a temporary file, fsync and rename, with `mode`."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
