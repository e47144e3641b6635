"""Human output fits $COLUMNS (or the terminal), word-wrapped, never inside a number or command."""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from hours.clikit import App, wrap
from tests.helpers import freeze_clock, run

# Long on purpose: a long name, a split day, long reasons, a long compared job.
SALON = """\
name = "Sam's Nails and Beauty Bar of the Danforth"
timezone = "America/Toronto"

[week]
mon = "09:00-17:00"
tue = ["08:00-09:00", "09:30-10:00", "10:30-11:00", "11:30-12:00", "13:00-17:00"]
wed = "09:00-17:00"
fri = "22:00-02:00"
sat = "10:00-14:00"

[holidays]
country = "CA"
subdivision = "ON"
keep_open = ["Family Day"]
include = ["Civic Holiday"]

[[closed]]
rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
start = 2026-01-09
reason = "Every other Friday off, for the children's swimming lessons and the errands"

[[closed]]
from = 2026-12-24
to = 2026-12-26
reason = "Christmas with the family in Kingston, back on Monday"

[[open]]
date = 2026-12-20
hours = ["10:00-16:00"]
reason = "Holiday rush"

[earnings]
weekly = 1200
currency = "CAD"
[[earnings.compare]]
label = "newspaper delivery on the early morning route"
hourly = 12.50
"""
COMMANDS = {
    "status": ["status", "--at", "2026-12-25T10:00"],
    "next": ["next", "-n", "20", "--at", "2026-12-23T10:00"],
    "cost": ["cost", "--at", "2026-11-23T10:00"],
    "show": ["show"],
    "holidays --list": ["holidays", "--list", "--year", "2026"],
    "holidays --countries": ["holidays", "--countries"],
    "dashboard": [],
}
BACKQUOTED = re.compile(r"`[^`]*`")


@pytest.fixture(autouse=True)
def salon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in a folder holding the salon's config as c.toml, at a fixed moment."""
    (tmp_path / "c.toml").write_text(SALON)
    monkeypatch.chdir(tmp_path)  # so the path shown is short: c.toml
    freeze_clock(monkeypatch, "2026-12-01T10:45:00-05:00")


def output(argv: list[str], columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    result = run("--config", "c.toml", *argv, catch=False)
    assert result.exit_code in (0, 1)  # status says closed with 1
    return result.output


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("name", COMMANDS)
def test_output_fits_the_width(name: str, width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = COMMANDS[name]
    wide = output(argv, 1000, monkeypatch)
    narrow = output(argv, width, monkeypatch)
    too_long = [line for line in narrow.splitlines() if len(line) > width]
    assert too_long == []
    # Only whitespace moved (a table's label may wrap below its figures): no number, range,
    # word or path was broken ...
    assert Counter(narrow.split()) == Counter(wide.split())
    # ... nor a `command` in backquotes
    lines = narrow.splitlines()
    for command in BACKQUOTED.findall(wide):
        assert any(command in line for line in lines), command


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_here_needs_wrapping_at_sixty(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check above would hold vacuously for output that always fits.
    wide = output(COMMANDS[name], 1000, monkeypatch)
    assert max(len(line) for line in wide.splitlines()) > 60


def test_cost_at_eighty_columns_keeps_its_figures_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = output(COMMANDS["cost"], 80, monkeypatch)
    assert narrow.splitlines()[-2:] == [
        "Keeping to your hours you earn CA$39.34 an hour, and 137.5 of the week's 168",
        "  hours are yours again.",
    ]
    assert "  newspaper delivery on the early morning route           96†  CA$12.50" in narrow


def test_without_columns_or_a_terminal_lines_are_left_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    result = run("--config", "c.toml", "status", "--at", "2026-12-25T10:00")
    assert result.stdout.count("\n") == 1  # piped, with nothing to fit: one line


def test_the_terminals_width_when_columns_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

        def fileno(self) -> int:
            return 1

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("sys.stdout", Terminal())
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((72, 24)))
    assert App(None, no_color=True).width == 72
    monkeypatch.setenv("COLUMNS", "64")
    assert App(None, no_color=True).width == 64


def test_wrap_keeps_commands_and_figures_whole() -> None:
    text = "Set them with `hours set --earnings 1200/week`, worth CA$1,200.00 a week, 09:00-17:00."
    assert wrap(text, 30) == (
        "Set them with\n"
        "  `hours set --earnings 1200/week`,\n"
        "  worth CA$1,200.00 a week,\n"
        "  09:00-17:00."
    )
    assert wrap("  1. a closure with a reason", 20, hang=5) == "  1. a closure with\n     a reason"
