"""Property tests: the schedule engine against a plain minute-by-minute reference.

The reference lays every interval of the definition (SPEC section 3) on a boolean array with
one cell per elapsed minute, using nothing but zoneinfo: the template's intervals each on the
date they start, an extra opening replacing its date's, minus every closure and holiday, each a
span of wall-clock time resolved with fold=0. The engine, which builds sorted epoch intervals
with prefix sums, must agree with it on every minute, in zones whose clocks change differently.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hours.schedule import (
    MEDIA,
    MINUTES_PER_DAY,
    Closure,
    Cover,
    Opening,
    Range,
    Schedule,
    Spec,
    cover_overlap,
    overlapping,
)

ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # a half-hour DST shift
    "Asia/Kolkata",  # a half-hour offset, no DST
    "Africa/Nairobi",  # no DST at all
)


def transitions(zone: str, year: int) -> list[dt.date]:
    """Return the dates on which the zone's UTC offset changes in `year`."""
    tz = ZoneInfo(zone)
    day, out = dt.date(year, 1, 1), []
    while day.year == year:
        noon = dt.datetime.combine(day, dt.time(12), tz)
        if noon.utcoffset() != (noon - dt.timedelta(days=1)).utcoffset():
            out.append(day)
        day += dt.timedelta(days=1)
    return out


# Windows start a few days before each zone's own clock changes (or on plain days), so
# gaps and repeated hours fall inside most windows.
PLAIN_DAYS = (dt.date(2026, 6, 17), dt.date(2027, 1, 1))
PIVOTS = {zone: (*transitions(zone, 2026), *PLAIN_DAYS) for zone in ZONES}
WINDOW_DAYS = 6
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- the reference ---------------------------------------------------------------------------


def wall(zone: ZoneInfo, day: dt.date, minutes: int) -> int:
    """Return the epoch second of a wall-clock time (minutes may pass 1440), with fold=0."""
    day += dt.timedelta(days=minutes // MINUTES_PER_DAY)
    minutes %= MINUTES_PER_DAY
    local = dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone)
    return int(local.timestamp())


@dataclass
class Reference:
    """Open or not for each elapsed minute from `origin` (epoch seconds, a whole minute)."""

    origin: int
    cells: list[bool]
    # Why each minute is closed: the reasons of the highest-ranked closures covering it (a
    # closure before a holiday); which of two overlapping closures names it is left open.
    reasons: list[set[str]]

    def index(self, t: int) -> int:
        return (t - self.origin) // 60

    def instant(self, i: int) -> int:
        return self.origin + 60 * i


def reference(
    spec: Spec, holidays: Sequence[tuple[dt.date, str]], first: dt.date, days: int
) -> Reference:
    """Lay the definition of the open set on minutes, from `first` 00:00 for `days` days."""
    zone = ZoneInfo(spec.timezone)
    origin = wall(zone, first, 0)
    size = (wall(zone, first, days * MINUTES_PER_DAY) - origin) // 60
    cells = [False] * size
    reasons: list[set[str]] = [{"outside hours"} for _ in range(size)]
    rank = [9] * size

    def paint(day: dt.date, r: Range, value: bool, reason: str, prio: int) -> None:
        start, end = r.span()
        a = max((wall(zone, day, start) - origin) // 60, 0)
        z = min((wall(zone, day, end) - origin) // 60, size)
        for i in range(a, z):
            cells[i] = value
            if value:
                continue
            if prio < rank[i]:
                rank[i], reasons[i] = prio, {reason}
            elif prio == rank[i]:
                reasons[i].add(reason)

    openings = {o.date: o for o in spec.open}
    for n in range(-2, days + 1):
        day = first + dt.timedelta(days=n)
        opening = openings.get(day)
        for r in opening.ranges if opening else spec.week[day.weekday()]:
            paint(day, r, True, "", 9)
    whole = (Range(0, MINUTES_PER_DAY),)
    for n in range(-2, days + 1):
        day = first + dt.timedelta(days=n)
        for c in spec.closed:
            if c.rrule is not None:
                start = dt.datetime.combine(c.first, dt.time())
                hits = {
                    d.date()
                    for d in rrulestr(c.rrule, dtstart=start).between(
                        dt.datetime.combine(day, dt.time()),
                        dt.datetime.combine(day, dt.time()),
                        inc=True,
                    )
                }
                closes = day in hits
            else:
                closes = c.first <= day <= (c.last or c.first)
            if closes:
                for r in c.ranges or whole:
                    paint(day, r, False, c.reason, 0)
        for holiday, name in holidays:
            if holiday == day:
                paint(day, whole[0], False, name, 1)
    return Reference(origin, cells, reasons)


# -- random schedules ------------------------------------------------------------------------

STEP = 30  # minutes; half hours meet Lord Howe's and Kolkata's half-hour offsets
# Boundaries drawn half the time from the small hours, where the clocks of these zones change
# (00:00-03:30 local), so gaps and repeated hours are hit often rather than by luck.
SMALL_HOURS = st.integers(0, 7).map(lambda n: n * STEP)
ANY_START = st.integers(0, MINUTES_PER_DAY // STEP - 1).map(lambda n: n * STEP)
ANY_END = st.integers(1, MINUTES_PER_DAY // STEP).map(lambda n: n * STEP)


@st.composite
def ranges_of_a_day(draw: st.DrawFn, most: int = 2) -> tuple[Range, ...]:
    """Draw up to `most` non-overlapping ranges, overnight ones and 24:00 ends included."""
    out: list[Range] = []
    for _ in range(draw(st.integers(0, most))):
        start = draw(st.one_of(SMALL_HOURS, ANY_START))
        end = draw(st.one_of(SMALL_HOURS.filter(bool), ANY_END))
        if start == end:
            continue
        candidate = Range(start, end)
        if overlapping([*out, candidate]) is None:
            out.append(candidate)
    return tuple(sorted(out))


@st.composite
def closures(draw: st.DrawFn, first: dt.date) -> Closure:
    """Draw a closure near the window: a day, a range of days, part of a day, or an RRULE."""
    day = first + dt.timedelta(days=draw(st.integers(-1, WINDOW_DAYS)))
    kind = draw(st.sampled_from(["day", "range", "partial", "rrule"]))
    if kind == "day":
        return Closure("Day off", day)
    if kind == "range":
        return Closure("Vacation", day, day + dt.timedelta(days=draw(st.integers(0, 3))))
    if kind == "partial":
        ranges = draw(ranges_of_a_day(most=1).filter(bool))
        return Closure("Early close", day, ranges=ranges)
    weekday = draw(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]))
    interval = draw(st.integers(1, 2))
    ranges = draw(st.one_of(st.just(()), ranges_of_a_day(most=1)))
    return Closure(
        "Every other", day, ranges=ranges, rrule=f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={weekday}"
    )


@dataclass(frozen=True)
class Case:
    spec: Spec
    holidays: tuple[tuple[dt.date, str], ...]
    first: dt.date

    def schedule(self) -> Schedule:
        return Schedule(self.spec, lambda year: [h for h in self.holidays if h[0].year == year])


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(ZONES))
    first = draw(st.sampled_from(PIVOTS[zone])) - dt.timedelta(days=draw(st.integers(0, 3)))
    week = tuple(draw(ranges_of_a_day()) for _ in range(7))
    closed = tuple(draw(st.lists(closures(first), max_size=2)))
    opened: tuple[Opening, ...] = ()
    if draw(st.booleans()):
        day = first + dt.timedelta(days=draw(st.integers(0, WINDOW_DAYS - 1)))
        opened = (Opening(day, draw(ranges_of_a_day(most=2).filter(bool)), "Extra"),)
    holidays: tuple[tuple[dt.date, str], ...] = ()
    if draw(st.booleans()):
        day = first + dt.timedelta(days=draw(st.integers(0, WINDOW_DAYS - 1)))
        holidays = ((day, "Public holiday"),)
    return Case(Spec(zone, week, closed, opened), holidays, first)


def at(t: int, zone: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, ZoneInfo(zone))


# -- properties ------------------------------------------------------------------------------


@SETTINGS
@given(case=cases())
def test_is_open_agrees_with_the_reference_on_every_minute(case: Case) -> None:
    ref = reference(case.spec, case.holidays, case.first, WINDOW_DAYS)
    schedule = case.schedule()
    zone = case.spec.timezone
    for i, expected in enumerate(ref.cells):
        t = ref.instant(i)
        assert schedule.is_open(at(t, zone)) is expected, at(t, zone)
        # Half a minute in: the state holds between whole minutes too.
        assert schedule.is_open(at(t + 30, zone)) is expected


@SETTINGS
@given(case=cases(), data=st.data())
def test_next_change_is_the_first_minute_the_reference_changes(
    case: Case, data: st.DataObject
) -> None:
    ref = reference(case.spec, case.holidays, case.first, WINDOW_DAYS)
    schedule = case.schedule()
    zone = case.spec.timezone
    for _ in range(20):
        i = data.draw(st.integers(0, len(ref.cells) - 1))
        change = schedule.next_change(at(ref.instant(i) + data.draw(st.integers(0, 59)), zone))
        j = next((k for k in range(i + 1, len(ref.cells)) if ref.cells[k] != ref.cells[i]), None)
        if j is None:
            # Nothing changes within the window: the engine's change, if any, lies beyond it.
            assert change is None or change.at >= at(ref.instant(len(ref.cells)), zone)
            continue
        assert change is not None
        assert change.at == at(ref.instant(j), zone)
        assert change.open is ref.cells[j]
        if not change.open:
            assert change.reason in ref.reasons[j]
        assert change.at.utcoffset() == ZoneInfo(zone).utcoffset(change.at.replace(tzinfo=None))


@SETTINGS
@given(case=cases(), data=st.data())
def test_open_seconds_count_the_reference_minutes_and_add_up(
    case: Case, data: st.DataObject
) -> None:
    ref = reference(case.spec, case.holidays, case.first, WINDOW_DAYS)
    schedule = case.schedule()
    zone = case.spec.timezone
    a, b, c = sorted(data.draw(st.integers(0, len(ref.cells))) for _ in range(3))
    ta, tb, tc = (at(ref.instant(k), zone) for k in (a, b, c))
    assert schedule.open_seconds(ta, tc) == 60 * sum(ref.cells[a:c])
    assert schedule.open_seconds(ta, tc) == schedule.open_seconds(ta, tb) + schedule.open_seconds(
        tb, tc
    )
    assert schedule.open_seconds(tc, ta) == -schedule.open_seconds(ta, tc)
    intervals = schedule.open_intervals(ta, tc)
    # Elapsed time: subtracting datetimes of one tzinfo would give wall-clock time.
    elapsed = sum(e.timestamp() - s.timestamp() for s, e in intervals)
    assert elapsed == schedule.open_seconds(ta, tc)
    # Disjoint, sorted, each inside [ta, tc), and never two that touch (they would be one).
    for (_, e1), (s2, _) in itertools.pairwise(intervals):
        assert e1 < s2
    assert all(ta <= s < e <= tc for s, e in intervals)


@SETTINGS
@given(case=cases(), data=st.data())
def test_state_since_and_until_bracket_the_instant(case: Case, data: st.DataObject) -> None:
    ref = reference(case.spec, case.holidays, case.first, WINDOW_DAYS)
    schedule = case.schedule()
    zone = case.spec.timezone
    i = data.draw(st.integers(0, len(ref.cells) - 1))
    now = at(ref.instant(i), zone)
    state = schedule.state(now)
    assert state.open is ref.cells[i]
    if state.open:
        assert state.reason is None
    else:
        assert state.reason in ref.reasons[i]
    if state.since is not None:
        assert state.since <= now
        k = ref.index(int(state.since.timestamp()))
        if k > 0:
            # The state began exactly there: the minute before was the other state.
            assert ref.cells[k - 1] is not ref.cells[i]
            assert all(ref.cells[m] is ref.cells[i] for m in range(k, i + 1))
    if state.until is not None:
        assert state.until > now
        assert schedule.is_open(state.until) is not state.open
    if not state.open:
        assert state.next_open == state.until
    elif state.until is not None and state.next_open is not None:
        assert state.next_open > state.until


@SETTINGS
@given(case=cases())
def test_changes_alternate_and_a_week_never_holds_more_than_it_elapses(case: Case) -> None:
    schedule = case.schedule()
    zone = ZoneInfo(case.spec.timezone)
    start = dt.datetime.combine(case.first, dt.time(), zone)
    changes = schedule.changes(start, 12)
    opens = [c.open for c in changes]
    assert all(x is not y for x, y in itertools.pairwise(opens))
    assert all(c1.at < c2.at for c1, c2 in itertools.pairwise(changes))
    if changes:
        assert changes[0].open is not schedule.is_open(start)
    end = dt.datetime.combine(case.first + dt.timedelta(days=7), dt.time(), zone)
    elapsed = (end.timestamp() - start.timestamp()) / 3600
    assert 0 <= schedule.open_hours(start, end) <= elapsed <= 169


@settings(max_examples=25, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    week=st.tuples(*[ranges_of_a_day() for _ in range(7)]),
    offset=st.integers(0, 365 * 24 * 60),
    span=st.integers(0, 365 * 24 * 60),
)
def test_hours_between_instants_a_year_apart_add_up(
    zone: str, week: tuple[tuple[Range, ...], ...], offset: int, span: int
) -> None:
    """Far-apart queries widen the built window; they must agree with short ones summed."""
    schedule = Schedule(Spec(zone, week))
    a = dt.datetime(2026, 1, 1, tzinfo=ZoneInfo(zone)) + dt.timedelta(minutes=offset)
    c = a + dt.timedelta(minutes=span)
    b = a + (c - a) / 2
    whole = schedule.open_seconds(a, c)
    assert whole == schedule.open_seconds(a, b) + schedule.open_seconds(b, c)
    # A fresh schedule built only around b gives the same answers.
    fresh = Schedule(Spec(zone, week))
    assert fresh.open_seconds(b, c) + fresh.open_seconds(a, b) == whole
    assert 0 <= whole <= c.timestamp() - a.timestamp()


# -- cover windows ---------------------------------------------------------------------------
#
# The reference lays each cover's window on the same minutes, plainly: on every date the
# window falls on, its ranges (the whole day when none) from that date, resolved with fold=0.
# A minute is covered by the first cover listed whose window holds it, and only while closed.


@dataclass
class CoverReference:
    """For each elapsed minute from `origin`: which covers' windows hold it, and who covers."""

    windows: list[list[int]]  # indexes of the covers whose (unclipped) windows hold the minute
    who: list[int | None]  # the cover in force: the first listed, and only while closed
    # The first minute after each one whose cover differs (len(who) when none in the window).
    change: list[int]


def cover_falls_on(cover: Cover, day: dt.date) -> bool:
    """Say whether a cover's window is laid on `day`, from its form."""
    if cover.rrule is not None:
        assert cover.first is not None
        start = dt.datetime.combine(cover.first, dt.time())
        midnight = dt.datetime.combine(day, dt.time())
        return bool(rrulestr(cover.rrule, dtstart=start).between(midnight, midnight, inc=True))
    if cover.days:
        return (
            day.weekday() in cover.days
            and (cover.first is None or cover.first <= day)
            and (cover.last is None or day <= cover.last)
        )
    assert cover.first is not None
    return cover.first <= day <= (cover.last or cover.first)


def cover_reference(spec: Spec, ref: Reference, first: dt.date, days: int) -> CoverReference:
    """Lay the cover windows on the minutes of `ref` (from `first` 00:00 for `days` days)."""
    zone = ZoneInfo(spec.timezone)
    size = len(ref.cells)
    windows: list[list[int]] = [[] for _ in range(size)]
    for n in range(-2, days + 1):
        day = first + dt.timedelta(days=n)
        for k, cover in enumerate(spec.cover):
            if not cover_falls_on(cover, day):
                continue
            for r in cover.ranges or (Range(0, MINUTES_PER_DAY),):
                start, end = r.span()
                a = max((wall(zone, day, start) - ref.origin) // 60, 0)
                z = min((wall(zone, day, end) - ref.origin) // 60, size)
                for i in range(a, z):
                    if k not in windows[i]:
                        windows[i].append(k)
    who = [None if ref.cells[i] or not windows[i] else min(windows[i]) for i in range(size)]
    change = [size] * size
    for i in range(size - 2, -1, -1):
        change[i] = i + 1 if who[i + 1] != who[i] else change[i + 1]
    return CoverReference(windows, who, change)


@st.composite
def cover_windows(draw: st.DrawFn, first: dt.date, name: str, number: str) -> Cover:
    """Draw a cover near the window: weekly (perhaps bounded), dated, or an RRULE's."""
    day = first + dt.timedelta(days=draw(st.integers(-1, WINDOW_DAYS)))
    kind = draw(st.sampled_from(["weekly", "bounded", "date", "range", "rrule"]))
    ranges = draw(st.one_of(st.just(()), ranges_of_a_day(most=2).filter(bool)))
    media = draw(st.sampled_from([frozenset({"sms"}), frozenset({"voice"}), frozenset(MEDIA)]))
    if kind in ("weekly", "bounded"):
        days = tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1))))
        if kind == "weekly":
            return Cover(name, number, media, days=days, ranges=ranges)
        last = day + dt.timedelta(days=draw(st.integers(0, 3)))
        return Cover(name, number, media, days=days, first=day, last=last, ranges=ranges)
    if kind == "date":
        return Cover(name, number, media, first=day, ranges=ranges)
    if kind == "range":
        last = day + dt.timedelta(days=draw(st.integers(0, 3)))
        return Cover(name, number, media, first=day, last=last, ranges=ranges)
    weekday = draw(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]))
    interval = draw(st.integers(1, 2))
    rule = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={weekday}"
    return Cover(name, number, media, first=day, ranges=ranges, rrule=rule)


@st.composite
def cover_cases(draw: st.DrawFn) -> Case:
    """Draw a schedule as `cases` does, with one to three cover windows, overlapping or not."""
    case = draw(cases())
    count = draw(st.integers(1, 3))
    covers = tuple(
        draw(cover_windows(case.first, name, f"+1555010000{k}"))
        for k, name in enumerate(("Jo", "Kim", "Ann")[:count])
    )
    return Case(case.spec._replace(cover=covers), case.holidays, case.first)


def with_cover_reference(case: Case) -> tuple[Reference, CoverReference]:
    ref = reference(case.spec, case.holidays, case.first, WINDOW_DAYS)
    return ref, cover_reference(case.spec, ref, case.first, WINDOW_DAYS)


@SETTINGS
@given(case=cover_cases())
def test_cover_at_agrees_with_the_reference_on_every_minute(case: Case) -> None:
    ref, cover = with_cover_reference(case)
    schedule = case.schedule()
    zone = case.spec.timezone
    end_of_window = at(ref.instant(len(ref.cells)), zone)
    for i, expected in enumerate(cover.who):
        t = ref.instant(i)
        for instant in (at(t, zone), at(t + 30, zone)):
            found = schedule.cover_at(instant)
            if expected is None:
                assert found is None, instant
                continue
            assert found is not None, instant
            assert found.cover == case.spec.cover[expected]
            if cover.change[i] < len(ref.cells):
                assert found.until == at(ref.instant(cover.change[i]), zone)
            else:
                assert found.until is None or found.until >= end_of_window
        # Cover is clipped to closed time: nobody covers while open.
        assert not (schedule.is_open(at(t, zone)) and expected is not None)


@SETTINGS
@given(case=cover_cases(), data=st.data())
def test_cover_changes_are_the_minutes_the_reference_changes(
    case: Case, data: st.DataObject
) -> None:
    ref, cover = with_cover_reference(case)
    schedule = case.schedule()
    zone = case.spec.timezone
    for _ in range(10):
        i = data.draw(st.integers(0, len(ref.cells) - 1))
        changes = schedule.cover_changes(
            at(ref.instant(i) + data.draw(st.integers(0, 59)), zone), 4
        )
        assert all(c1.at < c2.at for c1, c2 in itertools.pairwise(changes))
        for change in changes:
            j = cover.change[i]
            if j == len(ref.cells):
                # No change left inside the window: the engine's lies beyond it.
                assert change.at >= at(ref.instant(j), zone)
                break
            assert change.at == at(ref.instant(j), zone)
            expected = cover.who[j]
            assert change.cover == (None if expected is None else case.spec.cover[expected])
            i = j
        else:
            # Four changes found: the reference has at least as many.
            assert len(changes) == 4 or cover.change[i] == len(ref.cells)


@SETTINGS
@given(case=cover_cases(), data=st.data())
def test_cover_intervals_are_disjoint_and_hold_the_reference_minutes(
    case: Case, data: st.DataObject
) -> None:
    ref, cover = with_cover_reference(case)
    schedule = case.schedule()
    zone = case.spec.timezone
    a, c = sorted(data.draw(st.integers(0, len(ref.cells))) for _ in range(2))
    ta, tc = at(ref.instant(a), zone), at(ref.instant(c), zone)
    intervals = schedule.cover_intervals(ta, tc)
    assert all(ta <= s < e <= tc for s, e, _ in intervals)
    for (_, e1, c1), (s2, _, c2) in itertools.pairwise(intervals):
        # Sorted and disjoint; two meet only where one cover hands over to another.
        assert e1 < s2 or (e1 == s2 and c1 != c2)
    elapsed = sum(e.timestamp() - s.timestamp() for s, e, _ in intervals)
    assert elapsed == 60 * sum(who is not None for who in cover.who[a:c])
    for s, e, covering in intervals:
        minutes = range(ref.index(int(s.timestamp())), ref.index(int(e.timestamp())))
        assert all(cover.who[m] == case.spec.cover.index(covering) for m in minutes)
        assert schedule.open_seconds(s, e) == 0


@SETTINGS
@given(case=cover_cases())
def test_cover_overlap_names_the_first_minute_two_windows_share(case: Case) -> None:
    ref, cover = with_cover_reference(case)
    zone = case.spec.timezone
    last = case.first + dt.timedelta(days=WINDOW_DAYS)
    overlap = cover_overlap(case.spec, case.first, last)
    shared = next((i for i, held in enumerate(cover.windows) if len(held) > 1), None)
    if shared is None:
        assert overlap is None
        return
    assert overlap is not None
    assert overlap.at == at(ref.instant(shared), zone)
    first, second = (case.spec.cover.index(c) for c in (overlap.first, overlap.second))
    assert first < second
    assert {first, second} <= set(cover.windows[shared])


@SETTINGS
@given(case=cover_cases(), data=st.data())
def test_turns_merge_the_changes_of_state_and_of_cover(case: Case, data: st.DataObject) -> None:
    ref = reference(case.spec, case.holidays, case.first, WINDOW_DAYS)
    schedule = case.schedule()
    start = at(ref.instant(data.draw(st.integers(0, len(ref.cells) - 1))), case.spec.timezone)
    states = {c.at: c for c in schedule.changes(start, 6)}
    covers = {c.at for c in schedule.cover_changes(start, 6)}
    turns = schedule.turns(start, 6)
    assert [t.at for t in turns] == sorted(states.keys() | covers)[:6]
    for turn in turns:
        # Each says what holds from its instant on: open or not, why, and who covers.
        change = states.get(turn.at)
        assert turn.state_changes == (change is not None)
        if change is not None:
            assert (turn.open, turn.reason) == (change.open, change.reason)
        else:
            assert (turn.open, turn.reason) == (False, schedule.closed_reason(turn.at))
        covering = schedule.cover_at(turn.at)
        assert turn.cover == (None if covering is None else covering.cover)
