"""Say instants and durations the way a person would."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hours.schedule import Covering, State


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def duration(delta: dt.timedelta) -> str:
    """Say a duration with its two largest units: "2 days 14 hours", "45 minutes"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [_plural(n, u) for n, u in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    if days:  # minutes do not matter days ahead
        parts = [p for p in parts if "minute" not in p] or parts
    return " ".join(parts[:2])


def day(target: dt.datetime, now: dt.datetime) -> str:
    """Say a date relative to now: "today", "tomorrow", "Monday 28 December" (with the year if other)."""
    d, n = target.date(), now.astimezone(target.tzinfo).date()
    if d == n:
        return "today"
    if d == n + dt.timedelta(days=1):
        return "tomorrow"
    text = f"{target:%A} {d.day} {target:%B}"
    return text if d.year == n.year else f"{text} {d.year}"


def when(target: dt.datetime, now: dt.datetime) -> str:
    """Say when: "today at 17:00", "Monday 28 December at 09:00"."""
    return f"{day(target, now)} at {target:%H:%M}"


def hours(value: float) -> str:
    """Say a number of hours compactly: 8, 7.5, 0.25."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def clock(target: dt.datetime) -> str:
    """Say a time of day as people write it in messages: "9:00 AM"."""
    hour = target.hour % 12 or 12
    return f"{hour}:{target.minute:02d} {'AM' if target.hour < 12 else 'PM'}"


def next_open(target: dt.datetime | None, now: dt.datetime, *, named: bool = False) -> str:
    """Say when you are back, for a message: "tomorrow at 9:00 AM", "Monday at 9:00 AM".

    `named` says the day by its name even today or tomorrow ("Tuesday at 9:00 AM"): for a
    text that stays the same past a midnight, as a provider's responder does all night.
    """
    if target is None:
        return "as soon as I can"
    days = (target.date() - now.astimezone(target.tzinfo).date()).days
    if days == 0 and not named:
        name = "today"
    elif days == 1 and not named:
        name = "tomorrow"
    elif days < 7:
        name = f"{target:%A}"
    else:
        name = f"{target:%A} {target.day} {target:%B}"
    return f"{name} at {clock(target)}"


def status_line(st: State, now: dt.datetime, covering: Covering | None = None) -> str:
    """Say the state in one line: "Closed (Christmas) — opens Monday 28 December at 09:00, in ...".

    While someone covers: "Closed (outside hours) — Jo is covering until 22:00; opens ...".
    """
    if st.open:
        if st.until is None:
            return "Open — with no closing in sight"
        return f"Open — closes {when(st.until, now)}, in {duration(st.until - now)}"
    head = f"Closed ({st.reason}) —"
    if covering is not None:
        head += f" {covering.cover.name} is covering"
        if covering.until is not None:
            head += f" until {when(covering.until, now).removeprefix('today at ')}"
        head += ";"
    if st.next_open is None:
        return f"{head} no opening in the next five years"
    return f"{head} opens {when(st.next_open, now)}, in {duration(st.next_open - now)}"
