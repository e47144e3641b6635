"""`hours cron`: one marked line, replaced not doubled, other lines untouched.

No test may touch the machine's real crontab, so a stand-in `crontab` on PATH keeps the table
in a file, with the real command's `-l` and `-` behaviour (including "no crontab for user").
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import run, write_config

STAND_IN = """#!/bin/sh
table="$CRONTAB_FILE"
case "$1" in
  -l) if [ -f "$table" ]; then cat "$table"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > "$table" ;;
  *) echo "usage" >&2; exit 2 ;;
esac
"""


@pytest.fixture
def crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a stand-in crontab on PATH; return the file that holds the table."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "crontab"
    exe.write_text(STAND_IN)
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    table = tmp_path / "crontab.txt"
    monkeypatch.setenv("CRONTAB_FILE", str(table))
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
    config = os.environ["HOURS_CONFIG"]
    assert f"--config {config} autoreply sync -q >> " in ours
    assert ours.split()[5].startswith("/")  # hours by absolute path
    assert ours.endswith("# hours: after-hours auto-replies (managed by `hours cron`)")
    shown = run("cron", "show")
    assert (shown.exit_code, shown.stdout) == (0, ours + "\n")


def test_install_into_an_empty_crontab_and_remove(crontab: Path) -> None:
    assert run("cron", "show").exit_code == 1
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
