"""The open set of a weekly schedule with its exceptions, and fast queries on it.

Pure: this module imports no other module of the project but `record`. Callers pass instants in; nothing
here reads the clock.

The open time is the weekly template's intervals (each belonging to the date it starts on, an
`Opening` replacing the template on its date), minus every closure (`Closure`s and public
holidays), each a span of local wall-clock time. Wall-clock times resolve as zoneinfo does
with fold=0. Internally everything is integer UTC epoch seconds: a sorted list of disjoint open
intervals with prefix sums of their lengths, built for a window of dates and widened on demand,
so every query is a binary search.

Cover windows (`Cover`) say who takes the line instead while closed. They are clipped to closed
time here, once, when a window of dates is built: a cover is in force only where its window and
the closed time meet, so `cover_at` is None while open and every caller gets the same answer
without combining it with `is_open`. Where two windows overlap (the config refuses that, with
`cover_overlap`), the one listed first wins. The clipped cover intervals are kept beside the
open ones, sorted and disjoint, so "who covers at t" is a binary search too.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from hours.record import Record

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
OUTSIDE_HOURS = "outside hours"
MEDIA = ("sms", "voice")

# How far a query looks for the next change before concluding there is none.
_HORIZON = dt.timedelta(days=366 * 5)
# The window of dates built at the first query, and the least a widening adds. A building
# costs by the day, and the first is paid at every start: a week back and two weeks ahead hold
# what `hours status`, `hours next` and the dashboard ask (a week off before the next opening
# included); a query beyond widens it.
_FIRST_WINDOW = (dt.timedelta(days=8), dt.timedelta(days=15))
_MIN_GROWTH = dt.timedelta(days=180)

HolidaySource = Callable[[int], Sequence[tuple[dt.date, str]]]


# Value types are named tuples (`Record`) rather than dataclasses: `hours status` builds its
# classes at every start, and a named tuple class costs a tenth of a frozen dataclass to make.


class Range(Record):
    """A span of wall-clock minutes in a day; an end at or before the start runs past midnight.

    0 <= start < 1440, 0 <= end <= 1440, start != end (parsing.parse_range makes sure).
    """

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        """Whether the range runs past midnight into the next day."""
        return self.end <= self.start

    @property
    def minutes(self) -> int:
        """Return the wall-clock length in minutes."""
        return (
            self.end - self.start if not self.overnight else self.end + MINUTES_PER_DAY - self.start
        )

    def span(self) -> tuple[int, int]:
        """Return (start, end) in minutes from the start of its date; end may pass 1440."""
        return self.start, self.start + self.minutes

    def __str__(self) -> str:
        return f"{format_minutes(self.start)}-{format_minutes(self.end)}"


WHOLE_DAY = Range(0, MINUTES_PER_DAY)


def format_minutes(minutes: int) -> str:
    """Format minutes after midnight as HH:MM (1440 as 24:00)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def overlapping(ranges: Iterable[Range]) -> tuple[Range, Range] | None:
    """Return the first two ranges of one day that overlap, or None."""
    spans = sorted((r.span(), r) for r in ranges)
    for (a_span, a), (b_span, b) in itertools.pairwise(spans):
        if b_span[0] < a_span[1]:
            return a, b
    return None


class Closure(Record):
    """A closed span: a date or inclusive range of dates, or an RRULE's dates; whole days or ranges."""

    reason: str
    first: dt.date
    last: dt.date | None = None  # inclusive; None means the single date `first`
    ranges: tuple[Range, ...] = ()  # empty: the whole day
    rrule: str | None = None  # RFC 5545 RRULE; `first` is its start


class Opening(Record):
    """One-off hours replacing the template for one date."""

    date: dt.date
    ranges: tuple[Range, ...]
    reason: str | None = None


class Cover(Record):
    """Someone taking the line while closed: who, on which number, for which media, and when.

    When is one of three forms, as in the config: weekly (`days`, from `first` and until `last`
    inclusive when given), dated (the date `first`, or `first` to `last` inclusive), or
    recurring (`rrule`, RFC 5545, starting on `first`). On each of its dates it holds `ranges`
    of wall-clock time, overnight ones belonging to the date they start on; none means the
    whole day.
    """

    name: str
    number: str  # E.164; opaque here
    media: frozenset[str]  # which of MEDIA it takes
    days: tuple[int, ...] = ()  # weekdays, Monday 0: a weekly cover
    first: dt.date | None = None
    last: dt.date | None = None
    ranges: tuple[Range, ...] = ()  # empty: the whole day
    rrule: str | None = None


class Spec(Record):
    """Everything the schedule is made of, as validated values."""

    timezone: str
    week: tuple[tuple[Range, ...], ...]  # seven entries, Monday first
    closed: tuple[Closure, ...] = ()
    open: tuple[Opening, ...] = ()
    cover: tuple[Cover, ...] = ()

    def template_minutes(self) -> int:
        """Return the template week's wall-clock open minutes (what a plain week holds)."""
        return sum(r.minutes for day in self.week for r in day)


class Change(Record):
    """A change of state: at `at` it becomes open or closed, and why."""

    at: dt.datetime
    open: bool
    reason: str | None


class State(Record):
    """Whether it is open at an instant, since when, until when, and why."""

    at: dt.datetime
    open: bool
    since: dt.datetime | None
    until: dt.datetime | None
    next_open: dt.datetime | None
    reason: str | None  # why it is closed; None when open


class Covering(Record):
    """The cover in force at an instant, and when it stops (it ends, another takes over, or it opens)."""

    cover: Cover
    until: dt.datetime | None  # None: it goes on past the horizon


class CoverChange(Record):
    """A change of cover: from `at`, `cover` takes the line (None: nobody does)."""

    at: dt.datetime
    cover: Cover | None


class Turn(Record):
    """A moment something changes: from `at` it is open or closed (and why), and who covers."""

    at: dt.datetime
    open: bool
    reason: str | None
    cover: Cover | None
    state_changes: bool  # it opens or closes at `at` (else only the cover changes)


class CoverOverlap(Record):
    """Two cover windows sharing time, in the order they are listed, and the first instant shared."""

    first: Cover
    second: Cover
    at: dt.datetime


class _Built:
    """The open set of a window of dates, exact for boundaries strictly inside (lo, hi)."""

    __slots__ = (
        "closures",
        "cover_ends",
        "cover_found",
        "cover_starts",
        "cover_who",
        "cum",
        "ends",
        "first_date",
        "hi",
        "last_date",
        "lo",
        "openings",
        "starts",
    )

    def __init__(self, lo: int, hi: int, first_date: dt.date, last_date: dt.date) -> None:
        self.lo, self.hi = lo, hi
        self.first_date, self.last_date = first_date, last_date
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cum: list[int] = []  # open seconds before interval i
        self.closures: list[tuple[int, int, str, int]] = []  # start, end, reason, rank
        self.openings: dict[int, str] = {}  # start of an opened interval -> its reason
        # Cover intervals, clipped to closed time: sorted, disjoint, each its cover's index.
        self.cover_starts: list[int] = []
        self.cover_ends: list[int] = []
        self.cover_who: list[int] = []
        # cover_at's answer for each interval, made at its first query: an answer is immutable,
        # and making the `until` datetime would cost as much again as the search.
        self.cover_found: list[Covering | None] = []


class Schedule:
    """The open set of a `Spec`, with holidays, queried in microseconds."""

    def __init__(self, spec: Spec, holidays: HolidaySource | None = None) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._holidays = holidays
        self._holiday_years: dict[int, Sequence[tuple[dt.date, str]]] = {}
        self._openings = {o.date: o for o in spec.open}
        self._rrules: dict[tuple[str, dt.datetime], object] = {}
        self._built: _Built | None = None
        for cover in spec.cover:
            _check_cover(cover)

    # -- queries -------------------------------------------------------------------------

    def is_open(self, at: dt.datetime) -> bool:
        """Return whether it is open at the instant `at` (an aware datetime)."""
        t = _epoch(at)
        b = self._built_for(t, t)
        i = bisect.bisect_right(b.starts, t) - 1
        return i >= 0 and t < b.ends[i]

    def next_change(self, at: dt.datetime) -> Change | None:
        """Return the first change of state after `at`, or None if nothing changes for years."""
        found = self._next_boundary(_epoch(at))
        return None if found is None else self._change(*found)

    def changes(self, at: dt.datetime, count: int) -> list[Change]:
        """Return the next `count` changes after `at`."""
        out: list[Change] = []
        t = _epoch(at)
        while len(out) < count:
            found = self._next_boundary(t)
            if found is None:
                break
            out.append(self._change(*found))
            t = found[0]
        return out

    def next_open(self, at: dt.datetime) -> dt.datetime | None:
        """Return when it next opens after `at` (or `at` itself if open then: its interval's start is past)."""
        t = _epoch(at)
        horizon = t + int(_HORIZON.total_seconds())
        b = self._built_for(t, t)
        while True:
            i = bisect.bisect_right(b.starts, t)
            if i < len(b.starts) and b.starts[i] < b.hi:
                return self._dt(b.starts[i]) if b.starts[i] <= horizon else None
            if b.hi > horizon:
                return None
            b = self._built_for(t, b.hi + 1)

    def state(self, at: dt.datetime) -> State:
        """Return the state at `at`: open or closed, since, until, next opening, and why."""
        t = _epoch(at)
        b = self._built_for(t, t)
        i = bisect.bisect_right(b.starts, t) - 1
        is_open = i >= 0 and t < b.ends[i]
        since = self._previous_boundary(t)
        nxt = self._next_boundary(t)
        until = None if nxt is None else self._dt(nxt[0])
        if is_open:
            return State(at, True, since, until, until and self.next_open(until), None)
        return State(at, False, since, until, until, self._closed_reason(t))

    def open_intervals(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Return the open intervals clipped to [start, end), as aware datetimes in the zone."""
        a, z = _epoch(start), _epoch(end)
        if z <= a:
            return []
        b = self._built_for(a, z)
        return [(self._dt(s), self._dt(e)) for _, s, e in _clipped(b.starts, b.ends, a, z)]

    def open_seconds(self, start: dt.datetime, end: dt.datetime) -> int:
        """Return the elapsed open seconds in [start, end) (negative if end is before start)."""
        a, z = _epoch(start), _epoch(end)
        b = self._built_for(min(a, z), max(a, z))
        return _open_before(b, z) - _open_before(b, a)

    def open_hours(self, start: dt.datetime, end: dt.datetime) -> float:
        """Return the elapsed open hours in [start, end)."""
        return self.open_seconds(start, end) / 3600

    def closed_reason(self, at: dt.datetime) -> str:
        """Return why it is closed at `at`: a closure's reason, a holiday, or "outside hours"."""
        return self._closed_reason(_epoch(at))

    def closures(self, start: dt.date, end: dt.date) -> list[tuple[dt.datetime, dt.datetime, str]]:
        """Return closures and holidays touching the dates [start, end), with their reasons."""
        a, z = self._local(start, 0), self._local(end, 0)
        b = self._built_for(a, z)
        return [
            (self._dt(s), self._dt(e), reason) for s, e, reason, _ in b.closures if s < z and e > a
        ]

    def holidays(self, year: int) -> Sequence[tuple[dt.date, str]]:
        """Return the public holidays of `year` that close (kept-open ones left out)."""
        if self._holidays is None:
            return ()
        if year not in self._holiday_years:
            self._holiday_years[year] = self._holidays(year)
        return self._holiday_years[year]

    def localize(self, day: dt.date, minutes: int = 0) -> dt.datetime:
        """Return the instant of a wall-clock time on a date, resolved with fold=0."""
        return self._dt(self._local(day, minutes))

    # -- cover ---------------------------------------------------------------------------

    def cover_at(self, at: dt.datetime) -> Covering | None:
        """Return who covers at the instant `at` and until when, or None.

        None while open: cover windows are clipped to closed time, so a caller needs no
        `is_open` of its own, and `until` is the earliest of the window's end, the opening,
        and another cover taking over.
        """
        t = _epoch(at)
        b = self._built_for(t, t)
        i = bisect.bisect_right(b.cover_starts, t) - 1
        if i < 0 or t >= b.cover_ends[i]:
            return None
        found = b.cover_found[i]
        if found is not None:
            return found
        cover = self.spec.cover[b.cover_who[i]]
        end = b.cover_ends[i]
        if end < b.hi:
            found = b.cover_found[i] = Covering(cover, self._dt(end))
            return found
        # The interval reaches the edge of the built window and may go on beyond it: its
        # end is found by widening, and not kept, since a wider window replaces this one.
        boundary = self._next_cover_boundary(t)
        return Covering(cover, None if boundary is None else self._dt(boundary[0]))

    def cover_changes(self, at: dt.datetime, count: int) -> list[CoverChange]:
        """Return the next `count` changes of cover after `at`, clipped to closed time like `cover_at`."""
        out: list[CoverChange] = []
        if not self.spec.cover:
            return out  # nothing to look for, however far
        t = _epoch(at)
        while len(out) < count:
            found = self._next_cover_boundary(t)
            if found is None:
                break
            t, who = found
            out.append(CoverChange(self._dt(t), None if who is None else self.spec.cover[who]))
        return out

    def turns(self, at: dt.datetime, count: int) -> list[Turn]:
        """Return the next `count` openings, closings and changes of cover after `at`, merged.

        An opening or closing on the instant a cover starts or stops is one turn.
        """
        states = {c.at: c for c in self.changes(at, count)}
        covers = {c.at: c for c in self.cover_changes(at, count)} if self.spec.cover else {}
        out = []
        for when in sorted(states.keys() | covers.keys())[:count]:
            state, cover = states.get(when), covers.get(when)
            if state is not None:
                who = cover.cover if cover is not None else None
                out.append(Turn(when, state.open, state.reason, who, True))
            else:
                assert cover is not None
                out.append(Turn(when, False, self.closed_reason(when), cover.cover, False))
        return out

    def cover_intervals(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime, Cover]]:
        """Return the cover intervals clipped to [start, end) and to closed time, with their covers."""
        a, z = _epoch(start), _epoch(end)
        if z <= a:
            return []
        b = self._built_for(a, z)
        return [
            (self._dt(s), self._dt(e), self.spec.cover[b.cover_who[i]])
            for i, s, e in _clipped(b.cover_starts, b.cover_ends, a, z)
        ]

    # -- building ------------------------------------------------------------------------

    def _built_for(self, a: int, z: int) -> _Built:
        """Return built intervals whose exact window holds [a, z], widening it if needed."""
        b = self._built
        if b is not None and b.lo < a and z < b.hi:
            return b
        day_a = dt.datetime.fromtimestamp(a, self.zone).date()
        day_z = dt.datetime.fromtimestamp(z, self.zone).date()
        if b is None:
            first, last = day_a - _FIRST_WINDOW[0], day_z + _FIRST_WINDOW[1]
        else:
            grow = max(b.last_date - b.first_date, _MIN_GROWTH)
            first = min(
                b.first_date,
                day_a - (grow if day_a <= b.first_date + dt.timedelta(2) else dt.timedelta(8)),
            )
            last = max(
                b.last_date,
                day_z + (grow if day_z >= b.last_date - dt.timedelta(2) else dt.timedelta(8)),
            )
        self._built = self._build(first, last)
        return self._built

    def _build(self, first: dt.date, last: dt.date) -> _Built:
        """Build the open set exact for the instants between `first` and `last` 00:00."""
        one = dt.timedelta(days=1)
        b = _Built(self._local(first, 0), self._local(last, 0), first, last)
        raw: list[tuple[int, int]] = []
        day = first - one
        while day <= last + one:
            opening = self._openings.get(day)
            ranges = opening.ranges if opening else self.spec.week[day.weekday()]
            for r in ranges:
                lo, hi = r.span()
                s, e = self._local(day, lo), self._local(day, hi)
                if s < e:
                    raw.append((s, e))
                    if opening is not None and opening.reason:
                        b.openings[s] = opening.reason
            day += one
        b.closures = self._closure_spans(first - 2 * one, last + 2 * one)
        closed = _union((s, e) for s, e, _, _ in b.closures)
        total = 0
        for s, e in _subtract(_union(raw), closed):
            b.starts.append(s)
            b.ends.append(e)
            b.cum.append(total)
            total += e - s
        if self.spec.cover:
            self._build_cover(b, first - one, last + one)
        return b

    def _build_cover(self, b: _Built, first: dt.date, last: dt.date) -> None:
        """Lay the cover windows of the dates [first, last] on `b`, minus its open time."""
        opened = list(zip(b.starts, b.ends, strict=True))
        earlier: list[tuple[int, int]] = []  # the windows of the covers listed before
        labelled: list[tuple[int, int, int]] = []
        for who, cover in enumerate(self.spec.cover):
            own = _union(self._cover_spans(cover, first, last))
            labelled.extend((s, e, who) for s, e in _subtract(_subtract(own, earlier), opened))
            earlier = _union([*earlier, *own])
        labelled.sort()
        for s, e, who in labelled:
            b.cover_starts.append(s)
            b.cover_ends.append(e)
            b.cover_who.append(who)
        b.cover_found = [None] * len(labelled)

    def _cover_spans(self, cover: Cover, first: dt.date, last: dt.date) -> list[tuple[int, int]]:
        """Return the epoch spans of a cover's window on its dates among [first, last]."""
        return self._dated_spans(self._cover_dates(cover, first, last), cover.ranges)

    def _dated_spans(
        self, dates: Iterable[dt.date], ranges: tuple[Range, ...]
    ) -> list[tuple[int, int]]:
        return [span for day in dates for span in self._day_spans(day, ranges)]

    def _cover_dates(self, cover: Cover, first: dt.date, last: dt.date) -> list[dt.date]:
        """Return the dates among [first, last] on which a cover's window starts."""
        if cover.rrule is not None:
            assert cover.first is not None  # _check_cover makes sure
            return self._rrule_dates(cover.rrule, cover.first, first, last)
        lo = first if cover.first is None else max(first, cover.first)
        bound = cover.last if cover.days else cover.last or cover.first
        hi = last if bound is None else min(last, bound)
        return [
            lo + dt.timedelta(n)
            for n in range((hi - lo).days + 1)
            if not cover.days or (lo + dt.timedelta(n)).weekday() in cover.days
        ]

    def _day_spans(self, day: dt.date, ranges: tuple[Range, ...]) -> list[tuple[int, int]]:
        """Return the epoch spans of `ranges` on `day` (none: the whole day), empty ones left out."""
        out = []
        for r in ranges or (WHOLE_DAY,):
            lo, hi = r.span()
            s, e = self._local(day, lo), self._local(day, hi)
            if s < e:
                out.append((s, e))
        return out

    def _cover_overlap(self, start: dt.date, end: dt.date) -> CoverOverlap | None:
        lo, hi = self._local(start, 0), self._local(end, 0)
        covers = self.spec.cover
        # From the day before: an overnight range started then may run into `start`.
        dates = [self._cover_dates(c, start - dt.timedelta(1), end) for c in covers]
        if len(covers) == 2:
            # A window starting on a date ends before the second day after it, so two covers
            # can meet only on dates at most a day apart: the sparser one's dates pick the
            # other's. A weekly cover beside a monthly rule is then laid out on a few dates.
            sparse = min(dates, key=len)
            near = {d + dt.timedelta(k) for d in sparse for k in (-1, 0, 1)}
            dates = [[d for d in found if d in near] for found in dates]
        spans: list[tuple[int, int, int]] = []
        for who, cover in enumerate(covers):
            for s, e in _union(self._dated_spans(dates[who], cover.ranges)):
                if max(s, lo) < min(e, hi):
                    spans.append((max(s, lo), min(e, hi), who))
        spans.sort()
        # Sweep by start, keeping the span that reaches furthest: a span starting before that
        # reach shares time with it, and no earlier instant is shared by any pair. The furthest
        # span is never of the same cover, whose own spans were merged into disjoint ones.
        reach, holder = lo, -1
        for s, e, who in spans:
            if s < reach:
                a, z = sorted((holder, who))
                return CoverOverlap(self.spec.cover[a], self.spec.cover[z], self._dt(s))
            if e > reach:
                reach, holder = e, who
        return None

    def _closure_spans(self, first: dt.date, last: dt.date) -> list[tuple[int, int, str, int]]:
        """Return (start, end, reason, rank) of every closure on the dates [first, last]."""
        spans: list[tuple[int, int, str, int]] = []

        def add(day: dt.date, ranges: tuple[Range, ...], reason: str, rank: int) -> None:
            spans.extend((s, e, reason, rank) for s, e in self._day_spans(day, ranges))

        for c in self.spec.closed:
            if c.rrule is not None:
                for day in self._rrule_dates(c.rrule, c.first, first, last):
                    add(day, c.ranges, c.reason, 0)
            elif c.last is not None and not c.ranges:
                a, z = max(c.first, first), min(c.last, last)
                if a <= z:
                    spans.append(
                        (self._local(a, 0), self._local(z + dt.timedelta(1), 0), c.reason, 0)
                    )
            else:
                # Only the dates in the window: a closure of some hours from 1900 to 9000
                # must not cost a walk through every day of it.
                day, end = max(c.first, first), min(c.last or c.first, last)
                while day <= end:
                    add(day, c.ranges, c.reason, 0)
                    day += dt.timedelta(1)
        for year in range(first.year, last.year + 1):
            for day, name in self.holidays(year):
                if first <= day <= last:
                    add(day, (), name, 1)
        spans.sort()
        return spans

    def _rrule_dates(
        self, text: str, start: dt.date, first: dt.date, last: dt.date
    ) -> list[dt.date]:
        """Return the dates among [first, last] of the RRULE `text` starting on `start`."""
        from dateutil.rrule import rrule, rrulestr  # only schedules that recur pay for it

        lo = dt.datetime.combine(first, dt.time())
        # Begun as late as the window allows: the walk costs the window, not the years since.
        begin = rephase(text, dt.datetime.combine(start, dt.time()), lo)
        rule = self._rrules.get((text, begin))
        if rule is None:
            rule = rrulestr(text, dtstart=begin)
            self._rrules[text, begin] = rule
        assert isinstance(rule, rrule)
        hi = dt.datetime.combine(last, dt.time())
        return [d.date() for d in rule.between(lo, hi, inc=True)]

    # -- helpers -------------------------------------------------------------------------

    def _local(self, day: dt.date, minutes: int) -> int:
        """Return the epoch second of a wall-clock time (minutes may pass 1440) with fold=0."""
        extra, minutes = divmod(minutes, MINUTES_PER_DAY)
        if extra:
            day += dt.timedelta(days=extra)
        wall = dt.datetime(
            day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.zone
        )
        return int(wall.timestamp())

    def _dt(self, t: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(t, self.zone)

    def _next_boundary(self, t: int) -> tuple[int, bool] | None:
        """Return (instant, opens) of the first boundary strictly after t."""
        horizon = t + int(_HORIZON.total_seconds())
        b = self._built_for(t, t)
        while True:
            i = bisect.bisect_right(b.starts, t) - 1
            found: tuple[int, bool] | None = None
            if i >= 0 and t < b.ends[i]:
                if b.ends[i] < b.hi:
                    found = b.ends[i], False
            elif i + 1 < len(b.starts) and b.starts[i + 1] < b.hi:
                found = b.starts[i + 1], True
            if found is not None:  # beyond the horizon, whatever the window built reaches
                return found if found[0] <= horizon else None
            if b.hi > horizon:
                return None
            b = self._built_for(t, b.hi + 1)

    def _next_cover_boundary(self, t: int) -> tuple[int, int | None] | None:
        """Return (instant, index of the cover from then, or None) of the first cover change after t."""
        horizon = t + int(_HORIZON.total_seconds())
        b = self._built_for(t, t)
        while True:
            starts = b.cover_starts
            i = bisect.bisect_right(starts, t) - 1
            found: tuple[int, int | None] | None = None
            if i >= 0 and t < b.cover_ends[i]:
                end = b.cover_ends[i]
                if end < b.hi:
                    # Another cover may take over on the very second this one stops.
                    handover = i + 1 < len(starts) and starts[i + 1] == end
                    found = end, b.cover_who[i + 1] if handover else None
            elif i + 1 < len(starts) and starts[i + 1] < b.hi:
                found = starts[i + 1], b.cover_who[i + 1]
            if found is not None:
                return found if found[0] <= horizon else None
            if b.hi > horizon:
                return None
            b = self._built_for(t, b.hi + 1)

    def _previous_boundary(self, t: int) -> dt.datetime | None:
        """Return the last boundary at or before t, looking back as far as the horizon."""
        horizon = t - int(_HORIZON.total_seconds())
        b = self._built_for(t, t)
        while True:
            i = bisect.bisect_right(b.starts, t) - 1
            if i >= 0:
                candidate = b.starts[i] if t < b.ends[i] else b.ends[i]
                if candidate > b.lo:
                    return self._dt(candidate) if candidate >= horizon else None
            if b.lo < horizon:
                return None
            b = self._built_for(b.lo - 1, t)

    def _change(self, t: int, opens: bool) -> Change:
        if opens:
            b = self._built
            return Change(self._dt(t), True, b.openings.get(t) if b else None)
        return Change(self._dt(t), False, self._closed_reason(t))

    def _closed_reason(self, t: int) -> str:
        b = self._built_for(t, t)
        best: tuple[int, str] | None = None
        for s, e, reason, rank in b.closures:
            if s > t:
                break
            if t < e and (best is None or rank < best[0]):
                best = (rank, reason)
        return best[1] if best else OUTSIDE_HOURS


def rephase(rule: str, start: dt.datetime, lo: dt.datetime) -> dt.datetime:
    """Return a start for `rule` as late as `lo` allows that gives the same dates from `lo` on.

    dateutil walks every period from the start, so a daily rule begun in 1900 would cost a
    walk through each day since. A daily or weekly rule without COUNT repeats every INTERVAL
    days or weeks from its start, so it can begin a whole number of those later (on the same
    wall-clock time, and so the same weekday).
    """
    parts = dict(p.partition("=")[::2] for p in rule.upper().removeprefix("RRULE:").split(";"))
    step = {"DAILY": 1, "WEEKLY": 7}.get(parts.get("FREQ", "").strip())
    interval = parts.get("INTERVAL", "1").strip()
    if step is None or "COUNT" in parts or not interval.isdigit() or lo <= start:
        return start
    period = step * max(int(interval), 1)
    periods = (lo - start).days // period - 1
    return start + dt.timedelta(days=max(periods, 0) * period)


def cover_overlap(spec: Spec, start: dt.date, end: dt.date) -> CoverOverlap | None:
    """Return the first two cover windows sharing an instant on the dates [start, end), or None.

    Whole windows are compared, open time included, so whether a config is refused does not
    depend on the hours of the week it is checked against. A weekly window repeats within a
    week; dated and recurring ones need the dates they fall on inside [start, end).
    """
    return Schedule(spec)._cover_overlap(start, end)


def _check_cover(cover: Cover) -> None:
    """Refuse a cover whose window is not exactly one of the three forms."""
    if cover.rrule is not None and (cover.first is None or cover.days or cover.last is not None):
        problem = "an RRULE needs its start date and takes no days or end date"
    elif cover.rrule is None and not cover.days and cover.first is None:
        problem = "needs days, a date or an RRULE"
    elif not all(0 <= day <= 6 for day in cover.days):
        problem = "days run from 0 (Monday) to 6"
    elif cover.first is not None and cover.last is not None and cover.last < cover.first:
        problem = "ends before it starts"
    else:
        return
    raise ValueError(f"cover {cover.name!r}: {problem}")


def _clipped(starts: list[int], ends: list[int], a: int, z: int) -> Iterator[tuple[int, int, int]]:
    """Yield (index, start, end) of each sorted, disjoint interval that meets [a, z), cut to it."""
    i = max(bisect.bisect_right(starts, a) - 1, 0)
    while i < len(starts) and starts[i] < z:
        s, e = max(starts[i], a), min(ends[i], z)
        if s < e:
            yield i, s, e
        i += 1


def _epoch(at: dt.datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("an instant must be an aware datetime")
    return int(at.timestamp() // 1)


def _open_before(b: _Built, t: int) -> int:
    i = bisect.bisect_right(b.starts, t) - 1
    if i < 0:
        return 0
    return b.cum[i] + min(t, b.ends[i]) - b.starts[i]


def _union(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge spans that overlap or touch into a sorted disjoint list."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _subtract(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return sorted disjoint `spans` minus sorted disjoint `holes`."""
    out: list[tuple[int, int]] = []
    j = 0
    for s, e in spans:
        while j < len(holes) and holes[j][1] <= s:
            j += 1
        k = j
        while s < e:
            if k >= len(holes) or holes[k][0] >= e:
                out.append((s, e))
                break
            if holes[k][0] > s:
                out.append((s, holes[k][0]))
            s = max(s, holes[k][1])
            k += 1
    return out
