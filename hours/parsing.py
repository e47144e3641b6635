"""Parse the small languages a user types: times, ranges, days, amounts, durations, numbers.

Each parser raises ValueError with a message that says what is allowed; the config loader adds
the file and key, the command line the argument.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from hours.schedule import DAYS, MINUTES_PER_DAY, Range, overlapping

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
LONG_RANGE_MINUTES = 16 * 60  # a longer range gets a notice: "9-5" meant as 09:00-05:00?
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Earnings (a week, month or year) and compared hourly rates: a billion is past any
# practitioner's, and keeps every figure `hours cost` works out within what money formats.
MAX_AMOUNT = 1_000_000_000
# A year: more than any wait between replies or age of a message worth answering needs.
MAX_DURATION = dt.timedelta(days=365)
# Before 1900 the time-zone database knows only local mean time (offsets like -5:17:32); after
# 9000 there is room for every search ahead (`next --count 1000`, ten years of `calendar
# export`) before Python's calendar ends in 9999.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(9000, 12, 31)
# E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def parse_time(text: str, *, end: bool = False, loose: bool = False) -> int:
    """Parse a time of day to minutes after midnight; `24:00` only as an end."""
    return _time(text, end=end, loose=loose)[0]


def _time(text: str, *, end: bool, loose: bool) -> tuple[int, bool, bool]:
    """Return minutes after midnight, whether am/pm was written, and whether the hour is bare.

    A bare hour could be on either clock: 1 to 12, with no am/pm and no leading zero.
    """
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
    bare = not meridiem and 1 <= hour <= 12 and not groups[0].startswith("0")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time: with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if minute > 59:
        raise ValueError(f"{text!r} is not a time: minutes run from 00 to 59")
    if hour == 24 and minute == 0 and end:
        return MINUTES_PER_DAY, False, False
    if hour > 23:
        limit = "00:00 to 24:00" if end else "00:00 to 23:59"
        raise ValueError(f"{text!r} is not a time: use {limit}")
    return hour * 60 + minute, bool(meridiem), bare


def parse_range(text: str, *, loose: bool = False) -> Range:
    """Parse `HH:MM-HH:MM` (or, loose, `9-17`, `9:30-17`, `9am-5pm`, `9-5`) into a Range."""
    return read_range(text)[0] if loose else _range(text, loose=False)


def read_range(text: str) -> tuple[Range, str | None]:
    """Parse a range typed on the command line, reading `9-5` as nine to five.

    Return the range, and a note saying how it was read ("read 9-5 as 09:00-17:00") when the
    12-hour clock was assumed, else None.

    An end at or before the start that is a bare hour of the 12-hour clock (1 to 12, no am/pm,
    no leading zero), after a start that is one too or has am/pm, is read as that hour in the
    afternoon when this comes after the start on the same day: `9-5` and `9am-5` are
    09:00-17:00, `12-8` is 12:00-20:00, `11-11` is 11:00-23:00. Anything else is read as
    written, an end at or before the start running past midnight: `22-6`, `9pm-5am`, `9pm-5`
    (21:00-05:00), `09:00-05:00`. The config file is never read this way.
    """
    parts = text.split("-")
    if len(parts) == 2:
        start, start_meridiem, start_bare = _time(parts[0], end=False, loose=True)
        end, _, end_bare = _time(parts[1], end=True, loose=True)
        if end_bare and end <= start and (start_bare or start_meridiem):
            afternoon = end + 12 * 60
            if start < afternoon:
                read = Range(start, afternoon)
                return read, f"read {text.strip()} as {read}"
    return _range(text, loose=True), None


def _range(text: str, *, loose: bool) -> Range:
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


def read_ranges(texts: Iterable[str]) -> tuple[list[Range], list[str]]:
    """Parse the ranges of one day typed on the command line; return them sorted, with notes.

    The notes say how a range was read (`read 9-5 as 09:00-17:00`) and which ranges are
    unusually long. Raises ValueError for a bad range or two that overlap.
    """
    reads = [read_range(t) for t in texts]
    ranges = [r for r, _ in reads]
    clash = overlapping(ranges)
    if clash:
        raise ValueError(f"{clash[0]} and {clash[1]} overlap; give separate ranges or join them")
    notes = [note for _, note in reads if note]
    notes += [note for r in ranges if (note := long_range_note(r))]
    return sorted(ranges), notes


def long_range_note(r: Range) -> str | None:
    """Say that a range is unusually long (over 16 hours), which is more often a slip than meant."""
    if r.minutes <= LONG_RANGE_MINUTES:
        return None
    past_midnight = ", past midnight into the next day" if r.overnight else ""
    return f"{r} runs {r.minutes / 60:g} hours{past_midnight}"


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
    if not amount > 0:
        raise ValueError(f"{text!r}: earnings must be a positive number")
    check_amount(amount, text)
    return amount, period


def check_amount(amount: float, text: object) -> None:
    """Raise ValueError if a positive `amount` is past MAX_AMOUNT; `text` is what was written."""
    if not amount <= MAX_AMOUNT:
        shown = text if len(str(text)) <= 40 else f"{str(text)[:20]}..."
        raise ValueError(f"{shown!r} is too large: amounts are at most {MAX_AMOUNT:,}")


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


def is_e164(text: str) -> bool:
    """Tell whether `text` is a phone number in E.164, like +15550001111."""
    return _E164.fullmatch(text) is not None


def check_date(day: dt.date, text: str) -> None:
    """Raise ValueError unless `day` is within FIRST_DATE..LAST_DATE; `text` is what was typed."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"{text!r} is out of range: dates run from {FIRST_DATE} to {LAST_DATE}")


# A closure recurs by the day; its hours are given apart. Finer rules would expand into
# thousands of closures a day.
CLOSURE_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_SUB_DAILY_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
# How long the check of a rule may look for its first date. dateutil walks day by day up to
# the year 9999 when a rule can never match (30 February), with no way to stop it: a rule that
# finds no date in this time is refused rather than hang every command that reads it.
RRULE_SEARCH_SECONDS = 1.0


def rrule_parts(text: str) -> dict[str, str]:
    """Return an RRULE's parts by name, upper-cased: {"FREQ": "WEEKLY", "INTERVAL": "2"}."""
    body = text.strip().removeprefix("RRULE:")
    parts = (p.partition("=") for p in body.split(";") if p.strip())
    return {name.strip().upper(): value.strip().upper() for name, _, value in parts}


def check_closure_rrule(text: str, start: dt.date) -> str:
    """Return the RRULE of a recurring closure or cover, without `RRULE:`, or raise ValueError.

    It must be an RFC 5545 RRULE that dateutil expands, repeat at most daily (DAILY, WEEKLY,
    MONTHLY or YEARLY, no BYHOUR, BYMINUTE or BYSECOND), and fall on a date from `start` on.
    """
    from dateutil.rrule import rrulestr

    body = text.strip().removeprefix("RRULE:")
    example = "use e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    try:
        rule = rrulestr(body, dtstart=dt.datetime.combine(start, dt.time()))
    except (ValueError, TypeError) as e:
        raise ValueError(f"{text!r} is not an RRULE ({e}); {example}") from None
    parts = rrule_parts(body)
    if parts.get("FREQ") not in CLOSURE_FREQUENCIES:
        raise ValueError(
            f"{text!r} repeats more often than daily; closures and covers recur by the day "
            "(FREQ=DAILY, WEEKLY, MONTHLY or YEARLY), their hours given apart"
        )
    finer = [p for p in _SUB_DAILY_PARTS if p in parts]
    if finer:
        raise ValueError(
            f"{text!r}: closures and covers recur by the day, so {finer[0]} does not apply; "
            "give their hours apart"
        )
    start_at = dt.datetime.combine(start, dt.time())
    # A rule sure to find its date at once needs no thread to stop its search.
    first = (
        rule.after(start_at, inc=True)
        if _finds_promptly(parts)
        else first_occurrence(rule, start_at)
    )
    if first is None:
        why = (
            f"its UNTIL ({parts['UNTIL']}) comes first?"
            if "UNTIL" in parts
            else "a day that does not exist, like 30 February?"
        )
        raise ValueError(f"{text!r} falls on no date from {start} on ({why})")
    return body


# RFC 5545 weekdays, Monday first as `datetime.weekday()` counts.
RRULE_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _finds_promptly(parts: dict[str, str]) -> bool:
    """Tell whether a rule with these parts has its first date by its second period.

    So it is without any BY part, and with plain weekdays at a frequency whose period holds
    every weekday (not DAILY: FREQ=DAILY;INTERVAL=7;BYDAY=FR from a Monday is never a Friday).
    Any other part may rule out every date (BYMONTHDAY=30;BYMONTH=2).
    """
    rest = parts.keys() - {"FREQ", "INTERVAL", "WKST", "UNTIL", "COUNT"}
    if not rest:
        return True
    weekly_or_longer = parts.get("FREQ") in ("WEEKLY", "MONTHLY", "YEARLY")
    plain_weekdays = all(day in RRULE_WEEKDAYS for day in parts.get("BYDAY", "").split(","))
    return rest == {"BYDAY"} and weekly_or_longer and plain_weekdays


def first_occurrence(rule: object, start: dt.datetime) -> dt.datetime | None:
    """Return the first date of a dateutil rule at or after `start`, or None if it has none.

    The search runs in a thread given RRULE_SEARCH_SECONDS: one not done by then is taken as
    finding nothing (the thread, a daemon, is left to end with the process).
    """
    import threading

    found: list[dt.datetime | None] = []

    def search() -> None:
        found.append(rule.after(start, inc=True))  # type: ignore[attr-defined]

    thread = threading.Thread(target=search, name="rrule search", daemon=True)
    thread.start()
    thread.join(RRULE_SEARCH_SECONDS)
    return found[0] if found else None
