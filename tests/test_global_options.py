"""`--config` and `--no-color` before or after the command; `--json` and `-q` likewise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hours.cli import cli
from hours.clikit import _move_behind_command
from tests.helpers import config_file, run, snapshot, write_config

TOKYO = 'timezone = "Asia/Tokyo"\n\n[week]\nmon = "09:00-17:00"\n'
AT = ("--at", "2026-11-23T10:00")  # a Monday


@pytest.fixture
def other_config(tmp_path: Path) -> Path:
    path = tmp_path / "other.toml"
    path.write_text(TOKYO)
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{path}", "status", "--json", *AT],
        ["status", "--config", "{path}", "--json", *AT],
        ["status", "--json", *AT, "--config={path}"],
        ["--json", "--config", "{path}", "status", *AT],
        ["--config", "/no/such.toml", "status", "--json", *AT, "--config", "{path}"],  # last wins
    ],
)
def test_config_before_or_after(other_config: Path, argv: list[str]) -> None:
    result = run(*[a.format(path=other_config) for a in argv])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["timezone"] == "Asia/Tokyo"
    assert result.stderr == ""


def test_config_after_a_nested_command(other_config: Path) -> None:
    result = run("autoreply", "status", "--config", str(other_config))
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: {other_config}: no [autoreply.email] or [autoreply.phone]; "
        "add one (`hours init --example` shows every key)\n"
    )
    between = run("autoreply", "--config", str(other_config), "status")
    assert (between.exit_code, between.stderr) == (3, result.stderr)


@pytest.mark.parametrize(
    "argv",
    [["next", *AT], ["--no-color", "next", *AT], ["next", *AT, "--no-color"]],
)
def test_no_color_before_or_after(argv: list[str]) -> None:
    write_config(TOKYO)
    # color=True: what a terminal would get, so that only --no-color can take the colour away
    result = CliRunner().invoke(cli, argv, color=True, prog_name="hours")
    assert result.exit_code == 0
    assert ("\x1b[" in result.stdout) is ("--no-color" not in argv)


def test_json_and_quiet_before_the_command() -> None:
    write_config(TOKYO)
    before = run("--json", "status", *AT)
    assert before.exit_code == 0
    assert before.stdout == run("status", "--json", *AT).stdout
    assert json.loads(before.stdout)["open"] is True
    quiet = run("-q", "status", "--at", "2026-11-23T20:00")
    assert (quiet.exit_code, quiet.stdout) == (1, "")
    nested = run("--json", "--no-color", "next", "-n", "1", *AT)
    assert json.loads(nested.stdout)["changes"][0]["open"] is False


def test_json_before_a_command_without_it_is_a_usage_error() -> None:
    path = write_config(TOKYO)
    before = snapshot(path.parent)
    result = run("--json", "set", "mon", "9-5")
    assert result.exit_code == 2
    assert result.stderr == "Error: No such option '--json'. See 'hours set --help'.\n"
    assert snapshot(path.parent) == before


def test_status_quiet_wins_over_json() -> None:
    write_config(TOKYO)
    for argv in (["status", "--json", "-q"], ["-q", "status", "--json"]):
        result = run(*argv, *AT)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("given", "moved"),
    [
        (["--json", "status", "--at", "x"], ["status", "--at", "x", "--json"]),
        (["--config", "-q", "-q", "status"], ["--config", "-q", "status", "-q"]),  # a path "-q"
        (["-q", "off", "--", "-x"], ["off", "-q", "--", "-x"]),
        (["--json"], ["--json"]),  # no command: left for the group to refuse
        (["status", "--json"], ["status", "--json"]),
    ],
)
def test_what_moves_behind_the_command(given: list[str], moved: list[str]) -> None:
    assert _move_behind_command(given) == moved


def test_the_help_of_every_command_lists_config_and_no_color() -> None:
    for argv in (["status"], ["set"], ["autoreply", "sync"], ["cron", "show"]):
        text = run(*argv, "--help").stdout
        assert "--config PATH" in text
        assert "--no-color" in text


def test_a_missing_config_named_with_config_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such.toml"
    for argv in (["status"], ["show"], ["next"], ["cost"], []):
        result = run("--config", str(missing), *argv)
        assert result.exit_code == 3, argv
        assert result.stderr == (
            f"Error: no config at {missing} (given with --config); check the path, "
            f"or create it with `hours init --config {missing}`\n"
        )
    edited = run("set", "mon", "9-17", "--config", str(missing))
    assert edited.exit_code == 3
    assert not missing.parent.exists()
    # init is the command that makes it
    made = run("init", "--config", str(missing), "--timezone", "Europe/Paris")
    assert made.exit_code == 0, made.output
    assert run("status", "-q", "--config", str(missing), *AT).exit_code == 0


def test_a_missing_config_at_the_default_place_is_the_builtin_default() -> None:
    assert not config_file().exists()
    result = run("status", *AT)
    assert result.exit_code == 0
    assert result.stderr.startswith(f"Note: no config at {config_file()}; using the built-in")
