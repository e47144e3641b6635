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

from hours.errors import UsageError, printable
from hours.schedule import MINUTES_PER_DAY, Closure, Range, Schedule

PRODID = "-//hours//hours availability//EN"
KIND = "X-HOURS-KIND"  # open | closed | cover: lets an import skip all but the closures
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
    cover: bool = False,
) -> bytes:
    """Return an iCalendar of the open intervals in [start, end) and the closures touching it.

    Times are written in `zone` (default: the schedule's), which the VTIMEZONE describes;
    `title` names the calendar (default: "NAME — open hours"). With `cover`, who covers
    while closed too (the report's week; a calendar for clients leaves it out).
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
        ev.add("categories", [{"open": "Open", "cover": "Covered"}.get(kind, "Closed")])
        ev.add(KIND, kind)
        return ev

    span = [start, end]  # what the VTIMEZONE must describe

    for s, e in schedule.open_intervals(start, end):
        uid = f"open-{_stamp(s)}-{_stamp(e)}-{tag}@hours"
        cal.add_component(
            event(uid, f"{who}: open", "open", s.astimezone(zone), e.astimezone(zone))
        )
    for s, e, c in schedule.cover_intervals(start, end) if cover else ():
        uid = f"cover-{_stamp(s)}-{_stamp(e)}-{_tag(c.name)}-{tag}@hours"
        ev = event(uid, f"{who}: {c.name} covers", "cover", s.astimezone(zone), e.astimezone(zone))
        ev.add("description", f"Closed; {c.name} takes the line.")
        cal.add_component(ev)
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
        return UsageError(
            f"{source} is not a valid iCalendar file ({_one_line(str(detail))}); nothing was changed"
        )

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


def _one_line(text: str) -> str:
    """Return a complaint that may quote the file back as one line: its escapes and breaks gone."""
    text = " ".join(printable(text).split())
    return (text[:157] + "...") if len(text) > 160 else text


def closures(cal: Any, zone: ZoneInfo, first: dt.date, last: dt.date, source: str) -> list[Closure]:
    """Return the closures the calendar's events make on the dates [first, last), in `zone`.

    Each occurrence, cut to the window, becomes whole-day closures (a `from`/`to` range) and
    partial ones (a date with hours), cut at the zone's midnights; the event's SUMMARY is the
    reason, and occurrences of one reason that touch or overlap make one closure. The open hours
    of an `hours` export, cancelled events and empty ones make none. More than
    MAX_IMPORT_OCCURRENCES occurrences in the window is refused.
    """
    import recurring_ical_events

    lo = dt.datetime.combine(first, dt.time(), zone)
    hi = dt.datetime.combine(last, dt.time(), zone)
    _bound_rules(cal, lo, hi, source)
    try:
        occurrences = list(recurring_ical_events.of(cal).between(first, last))
    except OverflowError:
        raise UsageError(
            f"{source}: a repeating event lasts so long that its dates run off the calendar "
            "(past the year 1 or 9999); nothing was changed"
        ) from None
    except (ValueError, TypeError, recurring_ical_events.InvalidCalendar) as e:
        raise UsageError(
            f"{source} is not a valid iCalendar file ({_one_line(str(e))}); nothing was changed"
        ) from None
    durations = _durations(cal)
    timed: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    days: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for ev in occurrences:
        if (
            str(ev.get(KIND, "")).lower() in ("open", "cover")
            or str(ev.get("STATUS", "")).upper() == "CANCELLED"
        ):
            continue
        reason = _reason(ev)
        begin, finish = _bounds(ev)
        duration = _duration_of(ev, durations)
        if duration is not None and isinstance(begin, dt.datetime):
            finish = _add_duration(_aware(begin, zone), duration)
        if isinstance(begin, dt.datetime):
            # Cut to the window in UTC first: an event from the year 1 to 9999 must not be
            # walked day by day, nor moved into a zone past the ends of the calendar.
            a = max(_aware(begin, zone).astimezone(UTC), lo.astimezone(UTC))
            z = min(_aware(finish, zone).astimezone(UTC), hi.astimezone(UTC))
            if a < z:
                timed.setdefault(reason, []).append((a.astimezone(zone), z.astimezone(zone)))
        elif finish > begin:
            a_day, z_day = max(begin, first), min(finish, last)
            if a_day < z_day:
                days.setdefault(reason, []).append((a_day, z_day))
    out: list[Closure] = []
    for reason, spans in timed.items():
        for begin, end in _merged(spans):
            out += _timed(begin, end, zone, reason)
    for reason, dates in days.items():
        out += [Closure(reason, a, z - dt.timedelta(days=1)) for a, z in _merged(dates)]
    return unique(out)


# How many occurrences one import reads: a year of an hourly event fits, one repeating every
# minute does not (it would be half a million).
MAX_IMPORT_OCCURRENCES = 10_000


def _merged(spans: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Return spans that overlap or touch joined, in order."""
    out: list[tuple[Any, Any]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _bound_rules(cal: Any, lo: dt.datetime, hi: dt.datetime, source: str) -> None:
    """Make every event's RRULE cheap to expand over [lo, hi), or refuse the file.

    A daily or weekly series from long ago starts again near the window (the same
    occurrences); a rule that falls on no date at all (30 February) is refused, naming the
    event, since dateutil would walk up to the year 9999 looking for one; and more than
    MAX_IMPORT_OCCURRENCES occurrences in the window are refused before any is made.
    """
    from dateutil.rrule import rrulestr

    from hours.parsing import first_occurrence
    from hours.schedule import rephase

    start_at, end_at = lo.replace(tzinfo=None), hi.replace(tzinfo=None)
    total = 0
    for ev in cal.walk("VEVENT"):
        rules = ev.get("RRULE")
        if rules is None and "RDATE" not in ev and "RECURRENCE-ID" not in ev:
            _clip(ev, lo, hi)
        if rules is None or "RECURRENCE-ID" in ev:
            continue
        name = printable(str(ev.get("SUMMARY", ev.get("UID", "?"))))
        start = ev["DTSTART"].dt
        naive = start if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time())
        naive = naive.replace(tzinfo=None)
        texts = [r.to_ical().decode() for r in (rules if isinstance(rules, list) else [rules])]
        if len(texts) == 1:
            later = rephase(texts[0], naive, start_at)
            if later != naive:
                shift = dt.timedelta(days=(later - naive).days)
                ev["DTSTART"].dt = start + shift
                if "DTEND" in ev:
                    ev["DTEND"].dt = ev["DTEND"].dt + shift
                naive = later
        for text in texts:
            try:
                rule = rrulestr(text, dtstart=naive, ignoretz=True)
            except (ValueError, TypeError):
                continue  # recurring-ical-events says what is wrong with it
            if first_occurrence(rule, naive) is None:
                raise UsageError(
                    f"{source}: the event {name!r} repeats by a rule that falls on no date "
                    f"({printable(text)}); nothing was changed"
                )
            for when in rule.xafter(start_at, count=MAX_IMPORT_OCCURRENCES + 1, inc=True):
                if when >= end_at:
                    break
                total += 1
            if total > MAX_IMPORT_OCCURRENCES:
                raise UsageError(
                    f"{source} has more than {MAX_IMPORT_OCCURRENCES:,} event occurrences in "
                    f"those weeks (the event {name!r} repeats {_how_often(text)}); import fewer "
                    "weeks with --weeks, or leave that event out; nothing was changed"
                )


def _clip(ev: Any, lo: dt.datetime, hi: dt.datetime) -> None:
    """Cut a one-off event to a day either side of [lo, hi): only that part makes closures.

    recurring-ical-events subtracts an event's length from the window's start, which for an
    event from the year 1 to 9999 falls off the calendar.
    """
    begin, finish = _bounds(ev)
    if isinstance(begin, dt.datetime):
        zone = lo.tzinfo
        assert isinstance(zone, ZoneInfo)
        floating = begin.tzinfo is None
        a = _aware(begin, zone).astimezone(UTC)
        z = _aware(finish, zone).astimezone(UTC)
        a_min = (lo - dt.timedelta(days=1)).astimezone(UTC)
        z_max = (hi + dt.timedelta(days=1)).astimezone(UTC)
        if a >= a_min and z <= z_max:
            return
        a, z = max(a, a_min), max(min(z, z_max), max(a, a_min))
        tz = zone if floating else begin.tzinfo
        new_begin, new_end = a.astimezone(tz), z.astimezone(tz)
        if floating:
            new_begin, new_end = new_begin.replace(tzinfo=None), new_end.replace(tzinfo=None)
    else:
        first, last = lo.date() - dt.timedelta(days=1), hi.date() + dt.timedelta(days=1)
        if begin >= first and finish <= last:
            return
        new_begin = max(begin, first)
        new_end = max(min(finish, last), new_begin)
    ev["DTSTART"].dt = new_begin
    if "DURATION" in ev:
        del ev["DURATION"]
    if "DTEND" in ev:
        ev["DTEND"].dt = new_end
    else:
        ev.add("DTEND", new_end)


def _how_often(rule: str) -> str:
    freq = rrule_freq(rule)
    return {"SECONDLY": "every second", "MINUTELY": "every minute", "HOURLY": "every hour"}.get(
        freq, "often"
    )


def rrule_freq(rule: str) -> str:
    from hours.parsing import rrule_parts

    return rrule_parts(rule).get("FREQ", "")


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
