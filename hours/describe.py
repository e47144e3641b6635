"""The schedule in words and in JSON: the week a line a day, a closure, all of `hours show`.

Shared by the commands that print the week after changing it (`set`, `init`), by `show`, and by
the closures' listings (`off --list`, `calendar import`). Pure: no click, no rich.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hours import config as configmod
from hours import humanize
from hours.parsing import RRULE_WEEKDAYS, rrule_parts
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
            "include": list(cfg.holidays.include),
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
        when = rrule_text(c.rrule, c.first)
    elif c.last and c.last != c.first:
        when = f"{c.first} to {c.last}"
    else:
        when = str(c.first)
    hours = ", ".join(str(r) for r in c.ranges) or "all day"
    return f"{when}, {hours}: {c.reason}"


_WEEKDAYS = dict(
    zip(
        RRULE_WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
_NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_NTH[-2] = "second to last"
_UNIT = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
# What the words below can say; a rule with any other part is shown as written.
_SAID = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"}


def rrule_text(rule: str, start: dt.date) -> str:
    """Say a recurring closure in words: "every other Friday from 2026-01-09".

    Common rules (daily, weekly on some days, monthly on a day or an nth weekday, yearly on a
    date; an interval, a count or an end) are said in words; any other is shown as its RRULE.
    """
    raw = f"{rule} from {start}"
    try:
        parts = rrule_parts(rule)
        if not set(parts) <= _SAID or parts.get("FREQ") not in _UNIT:
            return raw
        every = _every(parts["FREQ"], int(parts.get("INTERVAL", "1")), parts, start)
    except (ValueError, KeyError):
        return raw
    if every is None:
        return raw
    tail = ""
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        tail = ", once" if count == 1 else f", {count} times"
    elif "UNTIL" in parts:
        until = dt.date(int(parts["UNTIL"][:4]), int(parts["UNTIL"][4:6]), int(parts["UNTIL"][6:8]))
        tail = f", until {until}"
    return f"{every} from {start}{tail}"


def _every(freq: str, interval: int, parts: dict[str, str], start: dt.date) -> str | None:
    unit = _UNIT[freq]
    if interval < 1:
        return None
    period = {1: f"every {unit}", 2: f"every other {unit}"}.get(
        interval, f"every {interval} {unit}s"
    )
    days = [d.strip() for d in parts.get("BYDAY", "").split(",") if d.strip()]
    if freq == "DAILY":
        return None if {"BYDAY", "BYMONTHDAY", "BYMONTH"} & parts.keys() else period
    if freq == "WEEKLY":
        if "BYMONTHDAY" in parts or "BYMONTH" in parts:
            return None
        names = [_WEEKDAYS[d] for d in days] if days else [f"{start:%A}"]
        listed = _and(names)
        if interval == 1:
            return f"every {listed}"
        if interval == 2 and len(names) == 1:
            return f"every other {listed}"
        return f"{period} on {listed}"
    if "BYMONTH" in parts and freq == "MONTHLY":
        return None
    on = _day_of_month(parts, days, start)
    if on is None:
        return None
    if freq == "MONTHLY":
        return f"{on} of {period}"
    months = [int(m) for m in parts.get("BYMONTH", str(start.month)).split(",")]
    month_names = _and([dt.date(2000, m, 1).strftime("%B") for m in months])
    if on.startswith("on the ") and not days and len(months) == 1:  # every 24 December
        day = parts.get("BYMONTHDAY", str(start.day))
        if day.isdigit():
            return f"{period} on {int(day)} {month_names}"
    return f"{on} of {month_names}, {period}"


def _day_of_month(parts: dict[str, str], days: list[str], start: dt.date) -> str | None:
    if days and "BYMONTHDAY" in parts:
        return None
    if days:
        if len(days) != 1 or len(days[0]) < 3:
            return None
        n, weekday = int(days[0][:-2]), days[0][-2:]
        if n not in _NTH:
            return None
        return f"on the {_NTH[n]} {_WEEKDAYS[weekday]}"
    monthday = int(parts.get("BYMONTHDAY", str(start.day)))
    if monthday == -1:
        return "on the last day"
    if not 1 <= monthday <= 31:
        return None
    return f"on the {_ordinal(monthday)}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


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
        lines.append(f"  none (`{holidays_example(cfg.timezone)}` to close on them)")
    else:
        sub = f"-{h.subdivision}" if h.subdivision else ""
        kept = f", open on {', '.join(h.keep_open)}" if h.keep_open else ""
        also = f", also closed on {', '.join(h.include)}" if h.include else ""
        lines.append(f"  {h.country}{sub}{kept}{also}")
    return lines


def holidays_example(timezone: str) -> str:
    """Return the command that closes on the zone's country's holidays (or lists countries)."""
    from hours.money import territory_of_zone

    country = territory_of_zone(timezone)
    return f"hours holidays {country}" if country else "hours holidays --countries"
