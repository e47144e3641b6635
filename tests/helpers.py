"""Small helpers for CLI tests."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hours.cli import cli


def run(*args: str, input: str | None = None, catch: bool = True) -> Result:
    """Run `hours ARGS` through the real entry point (with its error boundary)."""
    runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, catch_exceptions=catch, prog_name="hours")


def freeze_clock(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    """Make `hours` read the instant `when` (ISO 8601 with its offset) from the clock."""
    instant = dt.datetime.fromisoformat(when)
    assert instant.tzinfo is not None
    monkeypatch.setattr("hours.clikit.clock", lambda zone: instant.astimezone(zone))


def config_file() -> Path:
    """Return the test's config path (set by the autouse fixture)."""
    return Path(os.environ["HOURS_CONFIG"])


def write_config(text: str) -> Path:
    """Write a config file for the test and return its path."""
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def snapshot(directory: Path) -> dict[str, bytes]:
    """Return every file under `directory` with its bytes."""
    if not directory.exists():
        return {}
    return {str(p): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
