"""A stand-in `crontab` on PATH that keeps the table in a file: no test touches the real one.

It behaves as the real command does for `-l` (including "no crontab for user") and `-`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
