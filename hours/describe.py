"""The schedule in words and in JSON: the week a line a day, a closure, all of `hours show`.

Shared by the commands that print the week after changing it (`set`, `init`), by `show`, and by
the closures' listings (`off --list`, `calendar import`). Pure: no click, no rich.
"""

from __future__ import annotations

from typing import Any

from hours import config as configmod
from hours import humanize
from hours.schedule import DAYS, Closure, Range, Schedule


def show_json(cfg: configmod.Config) -> dict[str, Any]:
    """Return the schedule in the JSON shape of `hours show --json`."""
    spec = cfg.spec
    return {
        "timezone": spec.timezone,
        "name": cfg.name or None,
        "week": {day: [_pair(r) for r in spec.week[i]] for i, day in enumerate(DAYS)},
        "closed": [_closure_json(c) for c in spec.closed],
        "open": [
            {"date": o.date.isoformat(), "hours": [_pair(r) for r in o.ranges], "reason": o.reason}
            for o in spec.open
        ],
        "holidays": None
        if cfg.holidays is None
        else {
            "country": cfg.holidays.country,
            "subdivision": cfg.holidays.subdivision,
            "keep_open": list(cfg.holidays.keep_open),
            "include": list(cfg.holidays.include),
        },
        "template_hours_per_week": spec.template_minutes() / 60,
    }


def _pair(r: Range) -> list[str]:
    return str(r).split("-")


def _closure_json(c: Closure) -> dict[str, Any]:
    return {
        "from": c.first.isoformat(),
        "to": None if c.rrule else (c.last or c.first).isoformat(),
        "rrule": c.rrule,
        "hours": [_pair(r) for r in c.ranges] or None,
        "reason": c.reason,
    }


def week_lines(cfg: configmod.Config) -> list[str]:
    """Render the weekly template, a line a day, with the week's total."""
    lines = []
    for i, day in enumerate(DAYS):
        ranges = cfg.spec.week[i]
        day_hours = sum(r.minutes for r in ranges) / 60
        text = ", ".join(str(r) for r in ranges) or "closed"
        total = f"{humanize.hours(day_hours)} h" if ranges else ""
        lines.append(f"  {day.capitalize()}  {text:<36} {total}".rstrip())
    week = cfg.spec.template_minutes() / 60
    lines.append(
        f"  {humanize.hours(week)} hours a week of 168 ({humanize.hours(168 - week)} yours)"
    )
    return lines


def closure_text(c: Closure) -> str:
    """Say one closure: its dates or rule, hours, and reason."""
    if c.rrule:
        when = f"{c.rrule} from {c.first}"
    elif c.last and c.last != c.first:
        when = f"{c.first} to {c.last}"
    else:
        when = str(c.first)
    hours = ", ".join(str(r) for r in c.ranges) or "all day"
    return f"{when}, {hours}: {c.reason}"


def show_lines(cfg: configmod.Config, schedule: Schedule) -> list[str]:
    """Render the whole schedule for `hours show`."""
    source = "built-in default" if cfg.is_default else str(cfg.path)
    lines = [f"{cfg.name or 'Your hours'} — {cfg.timezone} ({source})", "", "Week:"]
    lines += week_lines(cfg)
    lines += ["", "Closed:"]
    lines += [f"  {n}. {closure_text(c)}" for n, c in enumerate(cfg.spec.closed, 1)] or [
        "  nothing"
    ]
    lines += ["", "Extra openings:"]
    lines += [
        f"  {o.date}: {', '.join(str(r) for r in o.ranges)}"
        + (f" ({o.reason})" if o.reason else "")
        for o in cfg.spec.open
    ] or ["  none"]
    lines += ["", "Public holidays:"]
    h = cfg.holidays
    if h is None:
        lines.append("  none (`hours holidays GB` to close on them)")
    else:
        sub = f"-{h.subdivision}" if h.subdivision else ""
        kept = f", open on {', '.join(h.keep_open)}" if h.keep_open else ""
        also = f", also closed on {', '.join(h.include)}" if h.include else ""
        lines.append(f"  {h.country}{sub}{kept}{also}")
    return lines
