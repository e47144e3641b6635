"""Fixtures shared by every test: no test touches the real home, config or state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hours import cron
from hours.clients import net
from tests.email_e2e import PASSWORD_ENV
from tests.helpers import config_file
from tests.servers.crontab import stand_in_crontab

pytest_plugins = [
    "tests.servers.plugin",
    "tests.servers.twilio_plugin",
    "tests.servers.mail_api_plugin",
    "tests.servers.hostile",
]


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
    # The secrets a command read are the process's; each test is a process of its own here.
    monkeypatch.setattr(net, "_hidden", set())
    return tmp_path


@pytest.fixture
def hours_crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in crontab already holding the `hours` line (and another one)."""
    table = stand_in_crontab(tmp_path, monkeypatch)
    ours = cron.line(5, config_file(), Path(os.environ["HOURS_HOME"]), ({}, ["/usr/bin/hours"]))
    table.write_text(f"{PASSWORD_ENV}=kept-in-crontab\n0 3 * * * backup.sh\n{ours}\n")
    return table
