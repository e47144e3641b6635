"""Edits at once: each reads, changes and writes the config under its edit lock, so none is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from hours import config
from hours.errors import ConfigError
from hours.schedule import DAYS
from tests.helpers import run, write_config

CONFIG = '# my hours\ntimezone = "Europe/London"\n[week]\nmon = "09:00-17:00"\n'


def hours_at_once(argvs: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start `hours ARGV` for each argv at once, as separate processes, and wait for them all."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "hours", *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    done = []
    for proc, argv in zip(procs, argvs, strict=True):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(argv, proc.returncode, out, err))
    return done


def test_twenty_closures_added_at_once_are_all_kept() -> None:
    path = write_config(CONFIG)
    days = [f"2026-12-{n:02d}" for n in range(1, 21)]
    done = hours_at_once([["off", day, "--reason", f"day {day}"] for day in days])
    assert [(p.returncode, p.stderr) for p in done] == [(0, "")] * 20
    cfg = config.load(path)
    assert sorted(str(c.first) for c in cfg.spec.closed) == days
    assert path.read_text().startswith("# my hours\n")


def test_days_set_at_once_are_all_kept() -> None:
    path = write_config(CONFIG)
    hours = {day: f"{8 + i}-{16 + i}" for i, day in enumerate(DAYS)}
    done = hours_at_once([["set", day, span] for day, span in hours.items()])
    assert [p.returncode for p in done] == [0] * 7, [p.stderr for p in done]
    week = config.load(path).spec.week
    assert [str(r) for day in week for r in day] == [
        f"{8 + i:02d}:00-{16 + i:02d}:00" for i in range(7)
    ]


def test_an_edit_waits_for_the_one_holding_the_lock() -> None:
    path = write_config(CONFIG)
    released = threading.Event()

    def hold() -> None:
        with config.edit_lock(path):
            released.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    start = time.monotonic()
    threading.Timer(0.5, released.set).start()
    result = run("off", "2026-12-24", "--reason", "Christmas")
    holder.join()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start >= 0.3  # it waited for the lock, then edited
    assert "Christmas" in path.read_text()


def test_an_edit_gives_up_on_a_lock_held_too_long(tmp_path: Path) -> None:
    path = write_config(CONFIG)
    with config.edit_lock(path):
        result = subprocess.run(
            [sys.executable, "-c", _EDIT_WITH_SHORT_WAIT, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"{path} is being edited by another hours (it holds {config.lock_path(path)}) for more "
        "than 0.3 s; try again\n"
    )
    assert path.read_text() == CONFIG


_EDIT_WITH_SHORT_WAIT = """
import sys
from pathlib import Path
from hours import config
from hours.errors import ConfigError
try:
    with config.edit_lock(Path(sys.argv[1]), wait=0.3):
        print("locked")
except ConfigError as e:
    print(e.message)
"""


def test_the_lock_is_beside_the_file_a_symlink_names(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "hours.toml"
    real.parent.mkdir()
    real.write_text(CONFIG)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    assert config.lock_path(link) == real.with_name(".hours.toml.lock")
    # Through the file's own name, the same lock.
    with (
        config.edit_lock(link),
        pytest.raises(ConfigError, match="being edited"),
        config.edit_lock(real, wait=0.1),
    ):
        pass


def _die(*_: object) -> None:
    os._exit(137)  # no cleanup, no finally: as `kill -9` would leave it


@pytest.mark.parametrize(
    ("module", "step", "after"),
    [
        (tempfile, "mkstemp", True),
        (os, "fsync", False),
        (os, "replace", False),
        (os, "replace", True),
    ],
    ids=["temp file made", "written, not synced", "synced, not renamed", "renamed"],
)
def test_an_edit_killed_at_any_step_leaves_the_old_config_or_the_new(
    module: object, step: str, *, after: bool
) -> None:
    """The process dies at a step of writing the config: it is then the old one or the new."""
    path = write_config(CONFIG)
    path.chmod(0o600)
    pid = os.fork()
    if pid == 0:  # the child: edit, and die at the step
        try:
            real = getattr(module, step)

            def then_die(*args: object, **kwargs: object) -> object:
                if not after:
                    _die()
                done = real(*args, **kwargs)
                _die()
                return done

            setattr(module, step, then_die)
            sys.argv = ["hours", "off", "2026-12-24", "--reason", "Christmas"]
            from hours.cli import main

            main()
        finally:
            os._exit(1)  # the step was never reached
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 137

    added = step == "replace" and after
    text = path.read_text()
    assert text.startswith(CONFIG) if added else text == CONFIG
    assert [str(c.first) for c in config.load(path).spec.closed] == (
        ["2026-12-24"] if added else []
    )
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    # A temporary file a killed write left behind does not stop the next edit.
    assert run("off", "2026-12-31", "--reason", "New Year's Eve").exit_code == 0
    assert len(config.load(path).spec.closed) == 1 + added
