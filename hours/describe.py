"""The schedule in words and in JSON: the week a line a day, a closure, all of `hours show`.

Shared by the commands that print the week after changing it (`set`, `init`), by `show`, and by
the closures' listings (`off --list`, `calendar import`). Pure: no click, no rich.
"""

from __future__ import annotations

from typing import Any

from hours import config as configmod
from hours import humanize
from hours.schedule import DAYS, Closure, Cover, Range, Schedule


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
        },
        "cover": [_cover_json(c) for c in spec.cover],
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


def _cover_json(c: Cover) -> dict[str, Any]:
    last = c.last if c.days or c.rrule else c.last or c.first  # a dated cover always ends
    return {
        "name": c.name,
        "number": c.number,
        "sms": "sms" in c.media,
        "voice": "voice" in c.media,
        "days": [DAYS[d] for d in c.days] or None,
        "from": None if c.first is None else c.first.isoformat(),
        "to": None if last is None else last.isoformat(),
        "rrule": c.rrule,
        "hours": [_pair(r) for r in c.ranges] or None,
    }


def days_text(days: tuple[int, ...]) -> str:
    """Say weekdays (Monday 0) compactly: "Mon-Fri", "Sat, Sun", "Mon, Wed-Fri"."""
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    names = [DAYS[d].capitalize() for d in range(7)]
    # Three days or more make a range; "Sat, Sun" reads better than "Sat-Sun".
    return ", ".join(
        f"{names[r[0]]}-{names[r[-1]]}" if len(r) > 2 else ", ".join(names[d] for d in r)
        for r in runs
    )


def cover_text(c: Cover) -> str:
    """Say one cover: who, their number, what they take, and when."""
    takes = {
        frozenset({"sms", "voice"}): "texts and calls",
        frozenset({"sms"}): "texts",
        frozenset({"voice"}): "calls",
    }[c.media]
    hours = ", ".join(str(r) for r in c.ranges) or "all day"
    if c.rrule:
        when = f"{c.rrule} from {c.first}, {hours}"
    elif c.days:
        when = f"{days_text(c.days)} {hours}"
        when += f" from {c.first}" if c.first else ""
        when += f" until {c.last}" if c.last else ""
    elif c.last and c.last != c.first:
        when = f"{c.first} to {c.last}, {hours}"
    else:
        when = f"{c.first}, {hours}"
    return f"{c.name} ({c.number}), {takes}: {when}"


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
    lines += ["", "Cover while you are closed:"]
    lines += [f"  {n}. {cover_text(c)}" for n, c in enumerate(cfg.spec.cover, 1)] or ["  nobody"]
    lines += ["", "Public holidays:"]
    h = cfg.holidays
    if h is None:
        lines.append("  none (`hours holidays GB` to close on them)")
    else:
        sub = f"-{h.subdivision}" if h.subdivision else ""
        kept = f", open on {', '.join(h.keep_open)}" if h.keep_open else ""
        lines.append(f"  {h.country}{sub}{kept}")
    return lines
