"""A config naming a command is refused, as ssh refuses its files, when someone else could have
written it: owned by another user, or writable by group or others (the file or its directory)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import run, write_config


def config_running(marker: Path) -> str:
    """Return a config whose password command leaves `marker` behind when it runs."""
    return f"""\
timezone = "UTC"
[week]
mon = "09:00-17:00"
[autoreply.email]
address = "sam@example.com"
password_command = "touch {marker} && echo secret"
imap = {{ host = "127.0.0.1", port = 9, security = "none" }}
smtp = {{ host = "127.0.0.1", port = 9, security = "none" }}
"""


@pytest.mark.parametrize("mode", [0o666, 0o646, 0o620], ids=oct)
def test_a_config_others_can_write_runs_no_command(tmp_path: Path, mode: int) -> None:
    marker = tmp_path / "ran"
    path = write_config(config_running(marker))
    path.chmod(mode)
    result = run("autoreply", "sync")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: {path} names a command to run ([autoreply.email] password_command), but it "
        f"can be written by others (mode {mode:04o}), who could change that command; run: "
        f"chmod go-w {path}\n"
    )
    assert not marker.exists()


def test_a_directory_others_can_write_is_refused_too(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_config(config_running(marker))
    path.parent.chmod(0o777)
    result = run("autoreply", "sync")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: {path} names a command to run ([autoreply.email] password_command), but its "
        f"directory {path.parent} can be written by others (mode 0777), who could change that "
        f"command; run: chmod go-w {path.parent}\n"
    )
    assert not marker.exists()
    path.parent.chmod(0o1777)  # sticky, as /tmp: others cannot replace the file
    assert run("autoreply", "sync", "--dry-run").exit_code == 4  # got as far as the servers
    assert marker.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_config_another_user_owns_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_config(config_running(marker))
    os.chown(path, 12345, 12345)
    result = run("autoreply", "sync")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: {path} names a command to run ([autoreply.email] password_command), but it "
        "belongs to another user (uid 12345), who could change that command; make it yours: "
        f"sudo chown $(id -un) {path}\n"
    )
    assert not marker.exists()


def test_doctor_reports_it(tmp_path: Path) -> None:
    path = write_config(config_running(tmp_path / "ran"))
    path.chmod(0o666)
    result = run("doctor")
    assert result.exit_code == 3
    assert result.stdout.startswith(f"[FAIL] config — {path} names a command to run")
    assert "All is well" not in result.stdout


def test_a_config_naming_no_command_may_be_shared() -> None:
    path = write_config('timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n')
    path.chmod(0o664)
    assert run("status", "--at", "2026-11-23T10:00").exit_code == 0


def test_a_safe_config_runs_its_command(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_config(config_running(marker))
    path.chmod(0o600)
    assert run("autoreply", "sync", "--dry-run").exit_code == 4  # no server on port 9
    assert marker.exists()
