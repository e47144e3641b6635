"""Every command has help with an example, reachable with -h."""

from __future__ import annotations

import re

import click
import pytest

from hours.cli import cli
from tests.helpers import run


def all_commands() -> list[tuple[str, ...]]:
    """Return the path of every command and subcommand."""
    ctx = click.Context(cli)
    paths: list[tuple[str, ...]] = []

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            paths.append((*prefix, name))
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))

    walk(cli, ())
    return paths


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = run(*path, "-h")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"hours {' '.join(path)}" in result.stdout.split("Example", 1)[1]


def test_top_level_help() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "hours set mon-fri 9-17" in result.stdout


def command_at(path: tuple[str, ...]) -> click.Command:
    """Return the command at `path`, e.g. ("calendar", "import")."""
    ctx = click.Context(cli)
    command: click.Command | None = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(ctx, name)
    assert command is not None
    return command


def leaked_names(command: click.Command, text: str) -> set[str]:
    """Return the inner names of arguments that `text` uses though its usage line does not."""
    usage = next(line for line in text.splitlines() if line.startswith("Usage:"))
    return {
        p.name.upper()
        for p in command.params
        if isinstance(p, click.Argument) and p.name and p.name.upper() not in usage
        if re.search(rf"\b{p.name.upper()}\b", text)
    }


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_help_names_the_arguments_as_the_usage_line_does(path: tuple[str, ...]) -> None:
    # e.g. `hours off [FROM] [TO]` with "--every: recurring, from FIRST", a name shown nowhere else
    command = command_at(path)
    assert leaked_names(command, run(*path, "-h").stdout) == set()


def test_a_leaked_argument_name_is_found() -> None:
    off = command_at(("off",))
    usage = "Usage: hours off [OPTIONS] [FROM] [TO]\n"
    assert leaked_names(off, f"{usage}  --every RRULE  Recurring, from FIRST.") == {"FIRST"}
    assert leaked_names(off, f"{usage}  --every RRULE  Recurring, from FROM.") == set()
