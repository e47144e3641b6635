"""Parse the small languages a user types: times, ranges, days, amounts, durations.

Each parser raises ValueError with a message that says what is allowed; the config loader adds
the file and key, the command line the argument.
"""

from __future__ import annotations

import datetime as dt
import re

from hours.schedule import DAYS, MINUTES_PER_DAY, Range

DAY_GROUPS = {
    "weekdays": DAYS[:5],
    "weekend": DAYS[5:],
    "daily": DAYS,
    "everyday": DAYS,
}
_DAY_ALIASES = {name: name for name in DAYS} | {
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_LOOSE_TIME = r"(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?"
PERIODS = {"week": 1.0, "month": 12 / 52, "year": 1 / 52}
_DURATION = r"(\d+)\s*([smhdw])"
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# A year: more than any wait between replies or age of a message worth answering needs.
MAX_DURATION = dt.timedelta(days=365)
# Before 1900 the time-zone database knows only local mean time (offsets like -5:17:32); after
# 9000 there is room for every search ahead (`next --count 1000`, ten years of `calendar
# export`) before Python's calendar ends in 9999.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(9000, 12, 31)


def parse_time(text: str, *, end: bool = False, loose: bool = False) -> int:
    """Parse a time of day to minutes after midnight; `24:00` only as an end."""
    text = text.strip()
    if loose:
        m = re.fullmatch(_LOOSE_TIME, text, re.IGNORECASE)
        groups = (m.group(1), m.group(2), m.group(3)) if m else None
    else:  # the config's HH:MM, read on every start: no regex to compile
        ok = len(text) == 5 and text[2] == ":" and (text[:2] + text[3:]).isdigit()
        groups = (text[:2], text[3:], None) if ok else None
    if groups is None:
        allowed = "like 9, 9:30, 17:00 or 5pm" if loose else "HH:MM, like 09:00 or 17:30"
        raise ValueError(f"{text!r} is not a time; use {allowed}")
    hour, minute = int(groups[0]), int(groups[1] or 0)
    meridiem = (groups[2] or "").lower().replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time: with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if minute > 59:
        raise ValueError(f"{text!r} is not a time: minutes run from 00 to 59")
    if hour == 24 and minute == 0 and end:
        return MINUTES_PER_DAY
    if hour > 23:
        limit = "00:00 to 24:00" if end else "00:00 to 23:59"
        raise ValueError(f"{text!r} is not a time: use {limit}")
    return hour * 60 + minute


def parse_range(text: str, *, loose: bool = False) -> Range:
    """Parse `HH:MM-HH:MM` (or, loose, `9-17`, `9:30-17`, `9am-5pm`) into a Range."""
    parts = text.split("-")
    if len(parts) != 2:
        example = "9-17, 9:30-17:30 or 9am-5pm" if loose else "09:00-17:00"
        raise ValueError(f"{text!r} is not a range of hours; use start-end, like {example}")
    start = parse_time(parts[0], loose=loose)
    end = parse_time(parts[1], end=True, loose=loose)
    if start == end:
        raise ValueError(
            f"{text!r} is empty: the end must differ from the start "
            "(an end before the start runs past midnight, like 22:00-02:00)"
        )
    return Range(start, end)


def parse_days(text: str) -> tuple[str, ...]:
    """Parse `mon`, `mon-fri`, `mon,wed,fri`, `weekdays`, `weekend` or `daily` into day keys."""
    out: list[str] = []
    for part in text.lower().split(","):
        part = part.strip()
        if part in DAY_GROUPS:
            out.extend(DAY_GROUPS[part])
        elif "-" in part:
            a, _, b = part.partition("-")
            i, j = DAYS.index(_day(a)), DAYS.index(_day(b))
            out.extend(DAYS[i : j + 1] if i <= j else DAYS[i:] + DAYS[: j + 1])
        else:
            out.append(_day(part))
    return tuple(d for d in DAYS if d in out)


def _day(text: str) -> str:
    try:
        return _DAY_ALIASES[text.strip().lower()]
    except KeyError:
        raise ValueError(
            f"{text!r} is not a day; use mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, "
            "a list like mon,wed,fri, or weekdays, weekend, daily"
        ) from None


def parse_amount(text: str) -> tuple[float, str]:
    """Parse earnings like `1200/week`, `4000/month`, `52000/year` (default per week)."""
    amount_text, _, period = text.partition("/")
    period = period.strip().lower() or "week"
    period = {"w": "week", "weekly": "week", "m": "month", "monthly": "month", "y": "year"}.get(
        period, period
    )
    period = {"yearly": "year", "annual": "year", "annually": "year"}.get(period, period)
    if period not in PERIODS:
        raise ValueError(f"{text!r}: the period must be week, month or year, like 1200/week")
    try:
        amount = float(amount_text.strip().replace(",", "").lstrip("$€£"))
    except ValueError:
        raise ValueError(f"{text!r} is not an amount; use a number like 1200/week") from None
    if not amount > 0 or amount == float("inf"):
        raise ValueError(f"{text!r}: earnings must be a positive number")
    return amount, period


def parse_duration(text: str) -> dt.timedelta:
    """Parse `12h`, `30m`, `1d12h`, `90s` into a timedelta of at most MAX_DURATION."""
    compact = text.replace(" ", "").lower()
    if not compact or re.sub(_DURATION, "", compact):
        raise ValueError(
            f"{text!r} is not a duration; use a number and a unit, like 30m, 12h or 1d"
        )
    parts = re.findall(_DURATION, compact)
    # Ten digits of seconds already pass a year; longer numbers are not even converted.
    seconds = sum(int(n) * _DURATION_UNITS[u] if len(n) < 10 else 10**10 for n, u in parts)
    if seconds > MAX_DURATION.total_seconds():
        shown = text if len(text) < 40 else f"{text[:20]}..."
        raise ValueError(f"{shown!r} is too long: a duration is at most {MAX_DURATION.days}d")
    return dt.timedelta(seconds=seconds)


def check_date(day: dt.date, text: str) -> None:
    """Raise ValueError unless `day` is within FIRST_DATE..LAST_DATE; `text` is what was typed."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"{text!r} is out of range: dates run from {FIRST_DATE} to {LAST_DATE}")
