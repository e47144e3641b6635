"""The report as Markdown, to paste into a message: a table of the days and the plain grid."""

from __future__ import annotations

from hours.humanize import hours as hours_text
from hours.report import (
    DASH,
    WeekReport,
    autoreply_sentence,
    cover_sentence,
    day_hours,
    day_label,
    day_notes,
    heading,
    totals_sentence,
    wage_sentence,
)
from hours.report.text import grid_lines


def render(r: WeekReport) -> str:
    """Render the report as Markdown, to paste into a message."""
    lines = [
        f"## {heading(r)}",
        "",
        f"Times in {r.timezone}.",
        "",
        "| Day | Hours | Open | Notes |",
        "| --- | --- | ---: | --- |",
    ]
    for d in r.days:
        notes = "; ".join(day_notes(d))
        open_hours = f"{hours_text(d.hours)} h" if d.open else DASH
        lines.append(
            f"| {day_label(d.date)} | {day_hours(d)} | {open_hours} | {notes} |".replace("  ", " ")
        )
    lines += ["", f"**{totals_sentence(r)}**", ""]
    covered = cover_sentence(r)
    if covered:
        lines += [covered, ""]
    if not r.for_clients:
        wage = wage_sentence(r)
        if wage:
            lines += [wage, ""]
        lines += [autoreply_sentence(r), ""]
    lines += ["```", *grid_lines(r, color=False), "```", ""]
    return "\n".join(lines)
