"""Install an npm package into a gitignored folder of the repository, once per machine.

Two test processes may start at once (two pytest runs, or xdist workers): the install runs under
an exclusive file lock, and a stamp written after npm succeeded marks it done, so a run that was
killed halfway is finished by the next one instead of being taken for a complete install.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_TIMEOUT = 900.0


class NpmUnavailable(Exception):
    """The package cannot be installed here: the reason says what is missing."""


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (created if need be) for the block."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stamp(prefix: Path, package: str) -> Path:
    """Return the file that marks `package` fully installed under `prefix`."""
    return prefix / f".installed-{package.replace('/', '+')}"


def install(prefix: Path, package: str) -> Path:
    """Install `package` (name@version) under `prefix` unless done; return its node_modules."""
    done = stamp(prefix, package)
    if done.exists():
        return prefix / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise NpmUnavailable(f"npm is not installed, so {package} cannot be")
    with locked(prefix):
        if done.exists():  # another process installed it while this one waited for the lock
            return prefix / "node_modules"
        try:
            proc = subprocess.run(
                [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", package],
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise NpmUnavailable(
                f"`npm install {package}` took more than {INSTALL_TIMEOUT / 60:.0f} minutes"
            ) from None
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise NpmUnavailable(f"`npm install {package}` failed: {' / '.join(tail)}")
        done.write_text(package + "\n")
    return prefix / "node_modules"
