"""`hours cron`: one marked line, replaced not doubled, other lines untouched.

No test may touch the machine's real crontab, so a stand-in `crontab` on PATH keeps the table
in a file, with the real command's `-l` and `-` behaviour (including "no crontab for user").
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hours import cron
from tests.helpers import run, write_config

STAND_IN = """#!/bin/sh
table="$CRONTAB_FILE"
case "$1" in
  -l) if [ -f "$table" ]; then cat "$table"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > "$table" ;;
  *) echo "usage" >&2; exit 2 ;;
esac
"""


def stand_in_crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a stand-in crontab on PATH; return the file that holds the table."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "crontab"
    exe.write_text(STAND_IN)
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    table = tmp_path / "crontab.txt"
    monkeypatch.setenv("CRONTAB_FILE", str(table))
    return table


@pytest.fixture
def crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in crontab, and a config to schedule."""
    table = stand_in_crontab(tmp_path, monkeypatch)
    write_config('timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n')
    return table


def test_install_twice_leaves_one_line_and_keeps_the_others(crontab: Path) -> None:
    crontab.write_text("MAILTO=me@example.com\n0 3 * * * backup.sh\n")
    first = run("cron", "install")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Added the crontab line:\n  */5 * * * * ")
    second = run("cron", "install", "--every", "1")
    assert second.stdout.startswith("Replaced the crontab line:\n  * * * * * ")
    lines = crontab.read_text().splitlines()
    assert lines[:2] == ["MAILTO=me@example.com", "0 3 * * * backup.sh"]
    assert len(lines) == 3
    ours = lines[2]
    config, state = os.environ["HOURS_CONFIG"], os.environ["HOURS_HOME"]
    assert ours.startswith(f"* * * * * HOURS_HOME={state} ")
    assert f" --config {config} autoreply sync -q >> {state}/sync.log 2>&1 # hours:" in ours
    assert ours.split()[6].startswith("/")  # hours by absolute path
    assert ours.endswith("# hours: after-hours auto-replies (managed by `hours cron`)")
    shown = run("cron", "show")
    assert (shown.exit_code, shown.stdout) == (0, ours + "\n")


def test_install_into_an_empty_crontab_and_remove(crontab: Path) -> None:
    none = run("cron", "show")
    assert (none.exit_code, none.stdout, none.stderr) == (
        0,
        "No hours line in your crontab; add one with `hours cron install`.\n",
        "",
    )
    assert run("cron", "install").exit_code == 0
    assert len(crontab.read_text().splitlines()) == 1
    removed = run("cron", "remove")
    assert removed.stdout == "Removed the hours line from your crontab.\n"
    assert crontab.read_text() == ""
    again = run("cron", "remove")
    assert again.stdout == "There is no hours line in your crontab.\n"


def test_install_refuses_a_broken_config(crontab: Path) -> None:
    write_config('timezone = "Nowhere"\n')
    result = run("cron", "install")
    assert result.exit_code == 3
    assert not crontab.exists()


def test_no_crontab_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("cron", "show")
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: crontab is not installed;")


def cron_command(entry: str) -> str:
    """Return the command cron runs for a crontab line: after the 5 time fields, `\\%` -> `%`."""
    command = entry.split(" ", 5)[5]
    out, escaped = [], False
    for ch in command:  # what cron does before handing the command to /bin/sh
        if escaped:
            out.append(ch if ch in "%\\" else "\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            break
        else:
            out.append(ch)
    return "".join(out)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_line_runs_from_crons_bare_environment(tmp_path: Path) -> None:
    """No PATH, no HOME, no HOURS_*: the line alone finds hours, the config and the journal."""
    odd = tmp_path / "it's 100% mine"  # a space, a quote and a percent sign
    config = odd / "my config" / "config.toml"
    config.parent.mkdir(parents=True)
    port = closed_port()
    config.write_text(
        'timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n[autoreply.email]\n'
        'address = "sam@example.com"\n'
        f'imap = {{ host = "127.0.0.1", port = {port}, security = "none" }}\n'
        f'smtp = {{ host = "127.0.0.1", port = {port}, security = "none" }}\n'
    )
    secrets = config.parent / "secrets.toml"
    secrets.write_text('[email]\npassword = "Zq9-never-shown"\n')
    secrets.chmod(0o600)
    state = odd / "state dir"
    state.mkdir()  # as `hours cron install` does
    package_parent = str(Path(cron.__file__).resolve().parent.parent)
    command = ({"PYTHONPATH": package_parent}, [sys.executable, "-m", "hours"])
    entry = cron.line(5, config, state, command)

    proc = subprocess.run(
        ["/bin/sh", "-c", cron_command(entry)], env={}, cwd="/", capture_output=True, text=True
    )

    assert (proc.returncode, proc.stdout, proc.stderr) == (4, "", "")
    log = (state / "sync.log").read_text()
    assert log == (
        f"Error: email: IMAP 127.0.0.1:{port}: connection refused "
        "(is the host and port right, and the server up?)\n"
    )
    with sqlite3.connect(state / "journal.sqlite3") as db:
        rows = db.execute("SELECT channel, last_action FROM channels").fetchall()
    assert rows == [("email", "failed")]


def test_the_running_hours_script_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "venv bin" / "hours"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "argv", [str(script), "cron", "install"])
    assert cron.hours_command() == ({}, [str(script)])
    entry = cron.line(10, tmp_path / "c.toml", tmp_path / "s")
    assert entry.startswith(f"*/10 * * * * HOURS_HOME={tmp_path}/s '{script}' --config ")
