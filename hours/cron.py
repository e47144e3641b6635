"""The crontab line that runs `hours autoreply sync`: built, found by its mark, never doubled."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from hours.errors import ConfigError

MARK = "# hours: after-hours auto-replies (managed by `hours cron`)"
# C0, DEL and C1: a newline or carriage return would end the crontab line and start another
# job; no quoting survives that, and none of them belongs in a path a person chose.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def hours_command() -> tuple[dict[str, str], list[str]]:
    """Return how to run this very `hours` from cron: (environment, argv), by absolute paths.

    Cron's PATH is bare, so the script that is running now comes first (a virtualenv or pipx
    install is kept even when it is not on PATH). A Python interpreter is never resolved
    through its symlink, which would leave its virtualenv behind.
    """
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "hours" and argv0.is_file():
        return {}, [str(argv0.absolute())]
    found = shutil.which("hours")
    if found:
        return {}, [str(Path(found).absolute())]
    # Run as `python -m hours` from a checkout: cron must import the same package.
    package_parent = Path(__file__).resolve().parent.parent
    return {"PYTHONPATH": str(package_parent)}, [
        str(Path(sys.executable).absolute()),
        "-m",
        "hours",
    ]


def line(
    every: int,
    config: Path,
    state_dir: Path,
    command: tuple[dict[str, str], list[str]] | None = None,
) -> str:
    """Return the crontab line: every N minutes, the config by absolute path, a log file.

    The state directory is passed as $HOURS_HOME so cron's run uses the journal `install`
    wrote, whatever cron's environment lacks. Every path is shell-quoted (spaces, quotes, `$()`,
    backticks), and `%` and `\\`, which cron itself rewrites before the shell sees them, are
    escaped; a path holding a control character is refused (ConfigError), as no quoting keeps a
    newline from starting a second crontab line.
    """
    env, argv = command or hours_command()
    for word in [*argv, *env.values()]:
        _refuse_control("the hours command", word, "install hours in a directory without one")
    state = state_dir.resolve()
    config = config.resolve()
    _refuse_control("the config", str(config), "move it to a path without one and pass --config")
    _refuse_control(
        "the state directory", str(state), "move it to a path without one and set HOURS_HOME"
    )
    env = {"HOURS_HOME": str(state), **env}
    words = [
        *(f"{name}={shlex.quote(value)}" for name, value in env.items()),
        *map(shlex.quote, argv),
        "--config",
        shlex.quote(str(config)),
        "autoreply sync -q >>",
        shlex.quote(str(state / "sync.log")),
        "2>&1",
    ]
    text = " ".join(words).replace("\\", "\\\\").replace("%", "\\%")
    schedule = "* * * * *" if every == 1 else f"*/{every} * * * *"
    return f"{schedule} {text} {MARK}"


def _refuse_control(what: str, path: str, fix: str) -> None:
    found = _CONTROL.search(path)
    if found is not None:
        raise ConfigError(
            f"cannot run {what} {path!r} from cron: its path holds a control character "
            f"({found.group()!r}); {fix}"
        )


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
