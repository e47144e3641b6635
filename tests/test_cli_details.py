"""The smaller points a newcomer meets: suggestions, names in errors, exit statuses."""

from __future__ import annotations

import pytest

from tests.helpers import run


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("stauts", "No such command 'stauts'. Did you mean 'status'?"),
        ("reprot", "No such command 'reprot'. Did you mean 'report'?"),  # a lazy command too
        ("holiday", "No such command 'holiday'. Did you mean 'holidays'?"),
        ("xyzzy", "No such command 'xyzzy'."),
    ],
)
def test_a_mistyped_command_gets_a_suggestion(typed: str, said: str) -> None:
    result = run(typed)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {said} See 'hours --help'.\n"


def test_a_mistyped_subcommand_gets_one_too() -> None:
    result = run("cron", "shwo")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: No such command 'shwo'. Did you mean 'show'? See 'hours cron --help'.\n"
    )


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["off", "2026-13-01"], "Invalid value for 'FROM': '2026-13-01' is not a date"),
        (["off", "2026-12-24", "soon"], "Invalid value for 'TO': 'soon' is not a date"),
        (["open", "Monday", "9-17"], "Invalid value for 'DATE': 'Monday' is not a date"),
        (["open", "2026-12-24"], "Missing argument 'HOURS'."),
    ],
)
def test_errors_name_the_argument_as_the_usage_line_does(argv: list[str], said: str) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {said}")
    assert "[" not in result.stderr.split("See")[0]


def test_usage_lines_show_which_arguments_are_optional() -> None:
    assert run("off", "--help").stdout.startswith("Usage: hours off [OPTIONS] [FROM] [TO]\n")
    assert run("open", "--help").stdout.startswith("Usage: hours open [OPTIONS] DATE HOURS...\n")
