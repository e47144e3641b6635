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
from tests.servers.crontab import stand_in_crontab

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


# -- the report: its grid shrinks to a cell an hour below 80 columns --------------------------

REPORT = ["report", "--week", "2026-W52"]  # Christmas: long reasons, a holiday in a vacation
DAY_ROW = re.compile(r"^(\w{3} [ \d]\d \w{3})  (\S+)  ( *[\d.]+ h|    \u2013)$")


def report_parts(text: str) -> tuple[list[str], list[str]]:
    """Split the text report into its grid (ruler, days, legend) and the lines around it."""
    lines = text.splitlines()
    ruler = next(i for i, line in enumerate(lines) if line.startswith(" " * 12 + "0 "))
    end = lines.index("", ruler)
    return lines[ruler:end], lines[:ruler] + lines[end:]


@pytest.mark.parametrize("audience", ["me", "clients"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_report_fits_the_width(
    width: int, audience: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [*REPORT, "--for", audience]
    wide = output(argv, 1000, monkeypatch)
    narrow = output(argv, width, monkeypatch)
    assert [line for line in narrow.splitlines() if len(line) > width] == []
    wide_grid, wide_rest = report_parts(wide)
    grid, rest = report_parts(narrow)
    # Around the grid only whitespace moved: no time, range, amount or word was split.
    assert Counter(" ".join(rest).split()) == Counter(" ".join(wide_rest).split())
    rows = [DAY_ROW.match(line) for line in grid]
    days = [m for m in rows if m]
    assert [m.group(1) for m in days] == [
        f"{d} {n} Dec"
        for d, n in zip(
            ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), range(21, 28), strict=True
        )
    ]
    hourly = width < 80
    assert {len(m.group(2)) for m in days} == {24 if hourly else 48}
    legend = " ".join(grid[8:])
    assert ("a cell an hour (a half hour from 80 columns)" in legend) is hourly
    assert ("part of the half hour" in legend) is not hourly
    if not hourly:
        assert grid == wide_grid


def test_the_hourly_grid_reads_as_the_half_hourly_one(monkeypatch: pytest.MonkeyPatch) -> None:
    half = [DAY_ROW.match(line) for line in report_parts(output(REPORT, 80, monkeypatch))[0]]
    hour = [DAY_ROW.match(line) for line in report_parts(output(REPORT, 60, monkeypatch))[0]]
    for h, f in zip([m for m in half if m], [m for m in hour if m], strict=True):
        pairs = [h.group(2)[i : i + 2] for i in range(0, 48, 2)]
        # an hour is open when both its halves are, a closure or closed when both are
        expected = "".join(p[0] if p[0] == p[1] and p[0] != "▌" else "▌" for p in pairs)
        assert f.group(2) == expected
        assert f.group(3) == h.group(3)


def test_the_report_needs_wrapping_at_sixty(monkeypatch: pytest.MonkeyPatch) -> None:
    # As for the commands above: the checks would hold vacuously for a report that always fits.
    _, rest = report_parts(output(REPORT, 1000, monkeypatch))
    assert max(len(line) for line in rest) > 80


def test_a_report_written_to_a_file_has_the_full_grid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert run("--config", "c.toml", *REPORT, "-o", "week.txt").exit_code == 0
    grid, _ = report_parts((tmp_path / "week.txt").read_text())
    assert grid[-1].endswith("░ closure or holiday")
    assert "part of the half hour" in grid[-1]


# -- errors and doctor ------------------------------------------------------------------------


@pytest.mark.parametrize("width", [60, 80])
def test_an_error_fits_the_width(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["--config", "c.toml", "cost", "--earnings", "1200/fortnight"]
    monkeypatch.delenv("COLUMNS", raising=False)
    whole = run(*argv).stderr
    monkeypatch.setenv("COLUMNS", str(width))
    result = run(*argv)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(whole.splitlines()) == 1 < len(lines)
    assert max(len(line) for line in lines) <= width
    assert lines[0].startswith("Error: ")
    assert all(line.startswith(" " * 7) for line in lines[1:])
    assert result.stderr.split() == whole.split()


def test_doctor_fits_the_width(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    phone = (
        '\n[autoreply.phone]\nnumber = "+15550001111"\n'
        'account_sid_env = "HOURS_TEST_UNSET_SID"\nauth_token_env = "HOURS_TEST_UNSET_TOKEN"\n'
    )
    (tmp_path / "c.toml").write_text(SALON + phone)
    stand_in_crontab(tmp_path, monkeypatch)
    wide = output_of(["doctor"], 1000, monkeypatch)
    narrow = output_of(["doctor"], 60, monkeypatch)
    assert max(len(line) for line in wide.splitlines()) > 60
    assert max(len(line) for line in narrow.splitlines()) <= 60
    assert Counter(narrow.split()) == Counter(wide.split())
    assert "[FAIL] secret [autoreply.phone] account_sid —" in narrow


def output_of(argv: list[str], columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    return run("--config", "c.toml", *argv).output
