"""Fixtures shared by every test: no test touches the real home, config or state."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.servers.plugin", "tests.servers.twilio_plugin"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point config and state at tmp_path, and clear what would leak from the real environment."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("HOURS_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("HOURS_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TZ", "UTC")
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "HOURS_REQUIRE_REAL_SERVERS_OVERRIDE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
