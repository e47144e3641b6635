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
from hours.errors import ConfigError
from tests.helpers import run, write_config
from tests.servers.crontab import stand_in_crontab


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


# A newline would end the crontab line and start another: a second job, run every minute.
CONTROL = ["\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\x9b"]


@pytest.mark.parametrize("char", CONTROL, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_in_the_config_path_is_refused(
    crontab: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, char: str
) -> None:
    config = tmp_path / f"a{char}* * * * * touch /tmp/PWNED #" / "config.toml"
    monkeypatch.setenv("HOURS_CONFIG", str(config))
    write_config('timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n')
    crontab.write_text("0 3 * * * backup.sh\n")
    result = run("cron", "install")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: cannot run the config {str(config.resolve())!r} from cron: its path holds a control "
        f"character ({char!r}); move it to a path without one and pass --config\n"
    )
    assert crontab.read_text() == "0 3 * * * backup.sh\n"


def test_a_newline_in_the_state_directory_is_refused(
    crontab: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path.resolve() / "state\n* * * * * touch /tmp/PWNED #"
    monkeypatch.setenv("HOURS_HOME", str(state))
    result = run("cron", "install")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: cannot run the state directory {str(state)!r} from cron: its path holds a "
        "control character ('\\n'); move it to a path without one and set HOURS_HOME\n"
    )
    assert not crontab.exists()


def test_a_control_character_in_the_hours_command_is_refused(tmp_path: Path) -> None:
    command = ({}, [f"{tmp_path}/venv\r/bin/hours"])
    with pytest.raises(ConfigError) as refused:
        cron.line(5, tmp_path / "config.toml", tmp_path / "state", command)
    assert refused.value.message == (
        f"cannot run the hours command {command[1][0]!r} from cron: its path holds a control "
        "character ('\\r'); install hours in a directory without one"
    )


def test_shell_and_cron_specials_in_paths_still_work(tmp_path: Path) -> None:
    """Spaces, quotes, `$()`, backticks and `%` are quoted, not refused."""
    odd = tmp_path / "a b 'c' \"d\" $(touch x) `touch y` 100%"
    entry = cron.line(5, odd / "config.toml", odd / "state", ({}, ["/usr/bin/hours"]))
    assert entry.count("\n") == 0
    assert "$(touch x)" in cron_command(entry)
