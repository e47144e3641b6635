"""Where files live, and writing them so a crash never leaves half a file."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from hours.errors import StateError

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


def make_state_dir(path: Path) -> Path:
    """Create the state directory if need be (mode 0700), or raise StateError saying why not."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise state_problem(path, path, e) from None
    return path


def state_problem(state: Path, where: Path, e: OSError) -> StateError:
    """Return the StateError (exit 3) for an OSError met at `where` in the state directory."""
    if isinstance(e, FileExistsError | NotADirectoryError) and where == state:
        found = "is a file" if state.exists() else "has a file in place of a directory above it"
        return StateError(
            f"the state directory {state} {found}; point $HOURS_HOME at a directory, or move "
            "the file aside"
        )
    if isinstance(e, PermissionError):
        return StateError(f"{where}: permission denied; {own_hint(state)}")
    return StateError(f"cannot use {where}: {e.strerror or e}")


def own_hint(state: Path) -> str:
    """Say how to take back a state directory another user (root, after `sudo`) owns."""
    return (
        f"check that you own {state} and the files in it (after a `sudo hours`: "
        f"`sudo chown -R $(id -un) {state}`)"
    )


def write_atomic(
    path: Path, data: str | bytes, *, mode: int = 0o600, through: bool = False
) -> None:
    """Write `data` to `path` so that a reader sees the old content or the new, never half.

    Regular files are written to a temporary file, fsynced and renamed over the old one, with
    `mode`. What is at the path is never replaced by something else: a symlink is followed and
    its target replaced; anything else but a regular file is refused with an OSError saying
    what it is, except that with `through` (for `-o`, as the shell's `>` does) a character
    device or a named pipe is written into (`/dev/null`; a pipe waits for its reader). A
    directory, a socket or a block device is always refused.
    """
    raw = data.encode() if isinstance(data, str) else data
    try:
        found = os.stat(path)  # through every symlink
    except FileNotFoundError:
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        _write_through(path, raw, found.st_mode, through=through)
        return
    target = Path(os.path.realpath(path))
    if found is not None and not _is_file(target, found):
        # A name only the kernel resolves, like /proc/self/fd/1 onto a deleted file: the file
        # has no name to rename onto, so it is written in place.
        _write_through(path, raw, found.st_mode, through=True, truncate=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    import tempfile  # not at the top: `hours status` never writes, and tempfile is slow to load

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFBLK: "a block device",  # a disk: a report written onto it would destroy it
}
_WRITTEN_THROUGH = (stat.S_IFCHR, stat.S_IFIFO)


def _write_through(
    path: Path, raw: bytes, st_mode: int, *, through: bool, truncate: bool = False
) -> None:
    """Write `raw` into what is at `path` without replacing it, or refuse what it is."""
    if stat.S_ISDIR(st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    kind = stat.S_IFMT(st_mode)
    if kind != stat.S_IFREG and not (through and kind in _WRITTEN_THROUGH):
        what = _KINDS.get(kind, "not a regular file")
        raise OSError(errno.EINVAL, f"it is {what}, not a file", str(path))
    fd = os.open(path, os.O_WRONLY | (os.O_TRUNC if truncate else 0) | os.O_CLOEXEC)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _is_file(target: Path, found: os.stat_result) -> bool:
    """Tell whether `target` names the very file `found` describes."""
    try:
        here = os.stat(target)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (found.st_dev, found.st_ino)
