"""Every command has help with an example, reachable with -h."""

from __future__ import annotations

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
