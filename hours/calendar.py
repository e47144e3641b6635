"""iCalendar out (the open hours, closures and holidays, to publish) and in (events become closures).

Out: RFC 5545 with a VTIMEZONE for the zone shown, one event per open interval (TRANSP
TRANSPARENT: being open does not make anyone busy) and one per closure or holiday, all-day when
it takes whole days. UIDs are made from what an event is, so re-publishing the calendar updates
a subscriber's copy instead of doubling it.

In: every event in a window of dates, recurrences expanded (RRULE, RDATE, EXDATE, moved
occurrences) by recurring-ical-events, timed events in any TZID or UTC or floating, all-day
events as whole days, each cut at the config zone's midnights into closures. An event in a
time zone neither known nor described in the file is refused; summaries lose their control
characters and terminal escapes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from hours.errors import UsageError
from hours.humanize import printable
from hours.schedule import MINUTES_PER_DAY, Closure, Range, Schedule

PRODID = "-//hours//hours availability//EN"
KIND = "X-HOURS-KIND"  # open | closed: lets an import skip the open hours of an export
REASON = "X-HOURS-REASON"
FALLBACK_REASON = "Calendar event"
UTC = dt.UTC


def _tag(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:10]


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _is_midnight(at: dt.datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    return (local.hour, local.minute, local.second) == (0, 0, 0)


def export(
    schedule: Schedule,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime,
    name: str = "",
    zone: ZoneInfo | None = None,
    title: str | None = None,
) -> bytes:
    """Return an iCalendar of the open intervals in [start, end) and the closures touching it.

    Times are written in `zone` (default: the schedule's), which the VTIMEZONE describes;
    `title` names the calendar (default: "NAME — open hours").
    """
    import icalendar

    zone = zone or schedule.zone
    who = name or "Open hours"
    tag = _tag(name, schedule.zone.key)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", title or (f"{name} — open hours" if name else "Open hours"))
    cal.add("x-wr-timezone", zone.key)
    cal.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "P1D")

    def event(uid: str, summary: str, kind: str, begin: Any, finish: Any) -> Any:
        ev = icalendar.Event()
        ev.add("uid", uid)
        ev.add("dtstamp", now.astimezone(UTC))
        ev.add("dtstart", begin)
        ev.add("dtend", finish)
        ev.add("summary", summary)
        ev.add("transp", "TRANSPARENT")
        ev.add("categories", ["Open" if kind == "open" else "Closed"])
        ev.add(KIND, kind)
        return ev

    span = [start, end]  # what the VTIMEZONE must describe

    for s, e in schedule.open_intervals(start, end):
        uid = f"open-{_stamp(s)}-{_stamp(e)}-{tag}@hours"
        cal.add_component(
            event(uid, f"{who}: open", "open", s.astimezone(zone), e.astimezone(zone))
        )
    local = schedule.zone
    first = start.astimezone(local).date() - dt.timedelta(days=1)
    last = end.astimezone(local).date() + dt.timedelta(days=1)
    seen: set[str] = set()
    for s, e, reason in schedule.closures(first, last):
        if not (s < end and e > start):
            continue
        uid = f"closed-{_stamp(s)}-{_stamp(e)}-{_tag(reason)}-{tag}@hours"
        if uid in seen:
            continue
        seen.add(uid)
        span = [min(span[0], s), max(span[1], e)]
        if _is_midnight(s, local) and _is_midnight(e, local) and zone.key == local.key:
            begin: Any = s.astimezone(local).date()
            finish: Any = e.astimezone(local).date()
        else:
            begin, finish = s.astimezone(zone), e.astimezone(zone)
        ev = event(uid, f"{who}: closed — {reason}", "closed", begin, finish)
        ev.add(REASON, reason)
        ev.add("description", f"Closed: {reason}")
        cal.add_component(ev)
    cal.subcomponents.insert(
        0,
        icalendar.Timezone.from_tzinfo(
            zone,
            tzid=zone.key,
            first_date=span[0].astimezone(zone).date() - dt.timedelta(days=1),
            last_date=span[1].astimezone(zone).date() + dt.timedelta(days=1),
        ),
    )
    data: bytes = cal.to_ical()
    return data


# -- import ------------------------------------------------------------------------------


def parse(data: bytes, source: str) -> Any:
    """Parse iCalendar bytes, or raise UsageError naming `source` and what is wrong."""
    import icalendar

    def broken(detail: object) -> UsageError:
        return UsageError(f"{source} is not a valid iCalendar file ({detail}); nothing was changed")

    if not data.strip():
        raise broken("it is empty")
    try:
        data.decode()
    except UnicodeDecodeError:
        raise broken("it is not UTF-8 text") from None
    try:
        cal = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise broken(_detail(e)) from None
    if getattr(cal, "name", None) != "VCALENDAR":
        raise broken("it holds no VCALENDAR")
    if getattr(cal, "errors", None):
        where, message = cal.errors[0]
        raise broken(f"{where}: {message}")
    for ev in cal.walk("VEVENT"):
        if getattr(ev, "errors", None):
            where, message = ev.errors[0]
            raise broken(f"{where}: {message}")
        name = printable(str(ev.get("SUMMARY", ev.get("UID", "?"))))
        if "DTSTART" not in ev:
            raise broken(f"the event {name!r} has no DTSTART")
        tzid = _unknown_zone(ev)
        if tzid is not None:
            raise broken(
                f"the event {name!r} is in the time zone {printable(tzid)!r}, which is neither a "
                "known zone nor described by a VTIMEZONE in the file"
            )
    return cal


_TIMED = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")


def _unknown_zone(ev: Any) -> str | None:
    """Return a TZID of the event that icalendar could not resolve, or None.

    icalendar reads a TZID it neither knows (IANA, or a Windows name it maps) nor finds in a
    VTIMEZONE as floating time, which the import would take as the config's zone: hours off
    by the difference, silently.
    """
    for name in _TIMED:
        found = ev.get(name)
        for prop in found if isinstance(found, list) else [found]:
            tzid = getattr(prop, "params", {}).get("TZID")
            if not tzid:
                continue
            values = [prop.dt] if hasattr(prop, "dt") else [v.dt for v in getattr(prop, "dts", [])]
            if any(isinstance(v, dt.datetime) and v.tzinfo is None for v in values):
                return str(tzid)
    return None


def _detail(e: Exception) -> str:
    """Return the first line of a parser's complaint, without the raw bytes it may quote."""
    text = str(e).strip().split("\n", 1)[0].split(": b'", 1)[0]
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if text.startswith("Found no components"):
        return "it has no complete BEGIN:VCALENDAR ... END:VCALENDAR"
    if text.startswith("Content line could not be parsed into parts: '"):
        line = text.removeprefix("Content line could not be parsed into parts: '")
        return f"not an iCalendar line: {line.rsplit(chr(39) + ':', 1)[0][:60]!r}"
    return (text[:157] + "...") if len(text) > 160 else text or type(e).__name__


def closures(cal: Any, zone: ZoneInfo, first: dt.date, last: dt.date, source: str) -> list[Closure]:
    """Return the closures the calendar's events make on the dates [first, last), in `zone`.

    Each occurrence becomes whole-day closures (a `from`/`to` range) and partial ones (a date
    with hours), cut at the zone's midnights; the event's SUMMARY is the reason. The open hours
    of an `hours` export, cancelled events and empty ones make none.
    """
    import recurring_ical_events

    try:
        occurrences = list(recurring_ical_events.of(cal).between(first, last))
    except (ValueError, TypeError, recurring_ical_events.InvalidCalendar) as e:
        raise UsageError(
            f"{source} is not a valid iCalendar file ({e}); nothing was changed"
        ) from None
    durations = _durations(cal)
    out: list[Closure] = []
    for ev in occurrences:
        if (
            str(ev.get(KIND, "")).lower() == "open"
            or str(ev.get("STATUS", "")).upper() == "CANCELLED"
        ):
            continue
        reason = _reason(ev)
        begin, finish = _bounds(ev)
        duration = _duration_of(ev, durations)
        if duration is not None and isinstance(begin, dt.datetime):
            finish = _add_duration(_aware(begin, zone), duration)
        if isinstance(begin, dt.datetime):
            out += _timed(_aware(begin, zone), _aware(finish, zone), zone, reason)
        elif finish > begin:
            out.append(Closure(reason, begin, finish - dt.timedelta(days=1)))
    return unique(out)


def _reason(ev: Any) -> str:
    raw = ev.get(REASON) or ev.get("SUMMARY") or ""
    # Stored in the config and shown on terminals: a hostile invitation's escape sequences
    # must not travel with it.
    text = " ".join(printable(str(raw)).split())
    return text or FALLBACK_REASON


def _bounds(ev: Any) -> tuple[Any, Any]:
    begin = ev.decoded("DTSTART")
    if "DTEND" in ev:
        finish = ev.decoded("DTEND")
    elif "DURATION" in ev:
        finish = begin + ev.decoded("DURATION")
    elif isinstance(begin, dt.datetime):
        finish = begin  # RFC 5545: a timed event with neither takes no time
    else:
        finish = begin + dt.timedelta(days=1)  # ... and an all-day one takes its day
    if isinstance(begin, dt.datetime) != isinstance(finish, dt.datetime):
        if not isinstance(begin, dt.datetime):
            begin = dt.datetime.combine(begin, dt.time())
        else:
            finish = dt.datetime.combine(finish, dt.time())
    return begin, finish


# RFC 5545 3.3.6: weeks and days are nominal (the same wall-clock time so many days on), hours,
# minutes and seconds exact (elapsed) -- so PT8H from midnight on a night the clocks go back ends
# at 07:00. A timedelta cannot keep the two apart (it makes PT25H one day and an hour), and the
# recurrence expansion adds durations on the wall clock, so events with a DURATION are timed
# again here from its text.
_DURATION = re.compile(r"([+-]?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def _durations(cal: Any) -> dict[tuple[str, object], tuple[int, int] | None]:
    """Map each VEVENT (UID, RECURRENCE-ID or None) to its DURATION as (days, seconds)."""
    found: dict[tuple[str, object], tuple[int, int] | None] = {}
    for ev in cal.walk("VEVENT"):
        rid = ev.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in ev else None
        key = (str(ev.get("UID", "")), _instant(rid))
        raw = ev.get("DURATION")
        match = _DURATION.fullmatch(raw.to_ical().decode()) if raw is not None else None
        if match is None:
            found[key] = None
            continue
        sign = -1 if match[1] == "-" else 1
        w, d, h, m, sec = (int(g or 0) for g in match.groups()[1:])
        found[key] = (sign * (7 * w + d), sign * (3600 * h + 60 * m + sec))
    return found


def _instant(value: object) -> object:
    return value.astimezone(UTC) if isinstance(value, dt.datetime) and value.tzinfo else value


def _duration_of(
    ev: Any, durations: dict[tuple[str, object], tuple[int, int] | None]
) -> tuple[int, int] | None:
    """Return the DURATION of an occurrence: its own override's, else its series'."""
    uid = str(ev.get("UID", ""))
    rid = ev.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in ev else None
    key = (uid, _instant(rid))
    return durations[key] if key in durations else durations.get((uid, None))


def _add_duration(start: dt.datetime, duration: tuple[int, int]) -> dt.datetime:
    """Add (days, seconds): the days on the wall clock, then the seconds as elapsed time."""
    days, seconds = duration
    tz = start.tzinfo
    wall = start + dt.timedelta(days=days)  # aware + timedelta: the same wall-clock time
    return (wall.astimezone(UTC) + dt.timedelta(seconds=seconds)).astimezone(tz)


def _aware(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Return an event time as an aware instant: floating times are read in `zone`."""
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _timed(s: dt.datetime, e: dt.datetime, zone: ZoneInfo, reason: str) -> list[Closure]:
    """Cut the instants [s, e) at the zone's midnights into closures, rounding to the minute."""
    if e.astimezone(UTC) <= s.astimezone(UTC):
        return []
    a, z = s.astimezone(zone), e.astimezone(zone)
    end_day = (
        z.date()
        if (z.hour, z.minute, z.second, z.microsecond) != (0, 0, 0, 0)
        else z.date() - dt.timedelta(days=1)
    )
    out: list[Closure] = []
    whole_from: dt.date | None = None
    day = a.date()
    while day <= end_day:
        lo = (a.hour * 60 + a.minute) if day == a.date() else 0
        if day == z.date():
            hi = z.hour * 60 + z.minute + (1 if (z.second or z.microsecond) else 0)
        else:
            hi = MINUTES_PER_DAY
        if lo == 0 and hi == MINUTES_PER_DAY:
            whole_from = whole_from or day
        else:
            if whole_from is not None:
                out.append(Closure(reason, whole_from, day - dt.timedelta(days=1)))
                whole_from = None
            if hi > lo:
                out.append(Closure(reason, day, None, (Range(lo, hi),)))
        day += dt.timedelta(days=1)
    if whole_from is not None:
        out.append(Closure(reason, whole_from, end_day))
    return out


def key(c: Closure) -> tuple[object, ...]:
    """Return what makes two closures the same, however they were written."""
    return (c.reason, c.first, c.last or c.first, tuple(c.ranges), c.rrule)


def unique(items: Iterable[Closure]) -> list[Closure]:
    """Return the closures without repeats, in date order."""
    found: dict[tuple[object, ...], Closure] = {}
    for c in items:
        found.setdefault(key(c), c)
    return sorted(found.values(), key=lambda c: (c.first, c.last or c.first, c.ranges, c.reason))
