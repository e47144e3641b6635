"""The report for a terminal: a grid of the week by the half hour, the days, and the totals.

Fits the width it is given, down to 60 columns: from 80 columns up the grid has a cell a half
hour, below 80 a cell an hour, as its legend says. Colour only adds to it: open, partly open,
closed and closed-for-a-reason cells are told apart by their characters alone, so it reads the
same piped or printed.
"""

from __future__ import annotations

import io
import itertools
import re

from hours.humanize import hours as hours_text
from hours.report import (
    DASH,
    WeekReport,
    autoreply_sentence,
    closure_notes,
    cover_notes,
    cover_sentence,
    day_hours,
    day_label,
    heading,
    opening_notes,
    totals_sentence,
    wage_sentence,
)

WIDTH = 80  # from this width up, a cell a half hour; below it, a cell an hour
OPEN, PART, CLOSURE, CLOSED, COVER = "█", "▌", "░", "·", "▒"
LABEL_WIDTH = 10  # "Mon 23 Nov"
PAD = " " * (LABEL_WIDTH + 2)


def _cell(open_part: float, closure_part: float, cover_part: float) -> str:
    if open_part >= 0.999:
        return OPEN
    if open_part > 0:
        return PART
    if cover_part > 0:
        return COVER
    return CLOSURE if closure_part > 0 else CLOSED


def cell_minutes(width: int) -> int:
    """Return how many minutes a cell of the grid stands for at `width` columns."""
    return 30 if width >= WIDTH else 60


def hour_ruler(minutes: int = 30) -> str:
    """Return the grid's header: the hours 0 to 24, every three hours."""
    per_hour = 60 // minutes
    ruler = [" "] * (24 * per_hour + 2)
    for hour in range(0, 25, 3):
        for i, ch in enumerate(str(hour)):
            ruler[hour * per_hour + i] = ch
    return "".join(ruler).rstrip()


def legend_lines(minutes: int, width: int, covered: list[str] | None = None) -> list[str]:
    """Return the legend, its entries wrapped between entries to fit `width`.

    `covered` names who covers this week; the cover's mark is in the legend only then.
    """
    part = "part of the half hour" if minutes == 30 else "part of the hour"
    entries = [
        f"{OPEN} open",
        f"{PART} {part}",
        f"{CLOSED} closed",
        f"{CLOSURE} closure or holiday",
    ]
    if covered:
        entries.append(f"{COVER} covered while closed: {', '.join(covered)}")
    if minutes == 60:
        entries.append(f"a cell an hour (a half hour from {WIDTH} columns)")
    lines = [PAD]
    for entry in entries:
        if lines[-1] != PAD and len(lines[-1]) + 2 + len(entry) > width:
            lines.append(PAD)
        lines[-1] += ("  " if lines[-1] != PAD else "") + entry
    return lines


def grid_lines(r: WeekReport, *, color: bool, width: int = WIDTH) -> list[str]:
    """Return the grid as plain lines (color=False) or as rich markup (color=True)."""
    styles = {OPEN: "green", PART: "green", CLOSURE: "red", CLOSED: "bright_black", COVER: "cyan"}
    minutes = cell_minutes(width)
    lines = [PAD + hour_ruler(minutes)]
    for d in r.days:
        triples = zip(
            d.open_cells(minutes), d.closed_cells(minutes), d.cover_cells(minutes), strict=True
        )
        cells = [_cell(o, c, v) for o, c, v in triples]
        runs = ["".join(run) for _, run in itertools.groupby(cells)]
        row = "".join(f"[{styles[run[0]]}]{run}[/]" if color else run for run in runs)
        total = f"{hours_text(d.hours):>5} h" if d.open else "    " + DASH
        lines.append(f"{day_label(d.date)}  {row}  {total}")
    covered = [name for name, _ in r.cover_by_name()]
    return lines + legend_lines(minutes, width, covered)


def render(r: WeekReport, *, color: bool = True, width: int = WIDTH) -> str:
    """Render the report as text `width` columns wide; with `color`, with ANSI colours.

    Click strips the colours where they are unwanted. Every line fits the width, wrapped
    between words: a time, a range or an amount is never split.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(Text(heading(r), style="bold"))
    console.print(Text(f"Times in {r.timezone}", style="bright_black"))
    console.print()
    for line in grid_lines(r, color=True, width=width):
        console.print(line, no_wrap=True, overflow="crop")
    console.print()
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column("day", no_wrap=True)
    table.add_column("hours", min_width=len("00:00-24:00,"))  # wraps between ranges only
    table.add_column("open", justify="right", no_wrap=True)
    table.add_column("notes", min_width=12)
    for d in r.days:
        table.add_row(
            Text(day_label(d.date)),
            Text(day_hours(d)) if d.open else Text("closed", style="bright_black"),
            Text(f"{hours_text(d.hours)} h" if d.open else ""),
            Text("; ").join(
                [Text(n, style="red") for n in closure_notes(d)]
                + [Text(n, style="green") for n in opening_notes(d)]
                + [Text(n, style="cyan") for n in cover_notes(d)]
            ),
        )
    console.print(table)
    console.print()
    console.print(Text(totals_sentence(r), style="bold"))
    covered = cover_sentence(r)
    if covered:
        console.print(Text(covered))
    if not r.for_clients:
        wage = wage_sentence(r)
        if wage:
            console.print(Text(wage))
        console.print(Text(autoreply_sentence(r)))
    # Rich pads table cells to the column's width; a line's trailing blanks help nobody.
    return "\n".join(_rstrip(line) for line in out.getvalue().split("\n"))


_TRAILING = re.compile(r"(?: |\x1b\[[0-9;]*m)+$")


def _rstrip(line: str) -> str:
    """Strip trailing blanks, keeping one reset of the style if the line had any."""
    return _TRAILING.sub("\x1b[0m" if "\x1b[" in line else "", line)
