"""The crontab line that runs `hours autoreply sync`: built, found by its mark, never doubled."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from hours.errors import ConfigError

MARK = "# hours: after-hours auto-replies (managed by `hours cron`)"


def hours_executable() -> str:
    """Return the absolute path of the installed `hours` command (cron has a bare PATH)."""
    found = shutil.which("hours")
    if found:
        return str(Path(found).resolve())
    return f"{Path(sys.executable).resolve()} -m hours"


def line(every: int, config: Path, state_dir: Path, executable: str | None = None) -> str:
    """Return the crontab line: every N minutes, the config by absolute path, a log file."""
    exe = executable or hours_executable()
    schedule = "* * * * *" if every == 1 else f"*/{every} * * * *"
    command = (
        f"{exe} --config {shlex.quote(str(config.resolve()))} autoreply sync -q "
        f">> {shlex.quote(str(state_dir.resolve() / 'sync.log'))} 2>&1"
    )
    return f"{schedule} {command} {MARK}"


def with_line(crontab: str, new_line: str | None) -> str:
    """Return `crontab` with our marked line replaced by `new_line` (or removed if None)."""
    kept = [entry for entry in crontab.splitlines() if not entry.rstrip().endswith(MARK)]
    if new_line is not None:
        kept.append(new_line)
    return "".join(f"{entry}\n" for entry in kept)


def find(crontab: str) -> str | None:
    """Return our line in `crontab`, or None."""
    return next((e for e in crontab.splitlines() if e.rstrip().endswith(MARK)), None)


def _crontab() -> str:
    exe = shutil.which("crontab")
    if exe is None:
        raise ConfigError(
            "crontab is not installed; install cron (e.g. `apt install cron`) or run "
            "`hours autoreply sync` from another scheduler"
        )
    return exe


def read() -> str:
    """Return the user's crontab ("" when there is none)."""
    proc = subprocess.run([_crontab(), "-l"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        if "no crontab" in proc.stderr.lower():
            return ""
        raise ConfigError(f"`crontab -l` failed: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout


def write(text: str) -> None:
    """Replace the user's crontab with `text`."""
    proc = subprocess.run(
        [_crontab(), "-"], input=text, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise ConfigError(f"`crontab -` refused the new crontab: {proc.stderr.strip()}")
