"""Named cases for cover windows: across the nights the clocks change, clipped to closed time.

Each instant is written out with its UTC offset, so a reader can check the arithmetic by hand.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import pytest

from hours.schedule import (
    MEDIA,
    Closure,
    Cover,
    CoverChange,
    Opening,
    Range,
    Schedule,
    Spec,
    cover_overlap,
)

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
CLOSED = ()
NINE_TO_FIVE = (Range(9 * 60, 17 * 60),)
WEEKDAYS = (NINE_TO_FIVE,) * 5 + (CLOSED, CLOSED)
BOTH = frozenset(MEDIA)


def hours(a: int, b: int) -> Range:
    return Range(a * 60, b * 60)


def iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# Jo takes texts and calls; Kim calls only. Each test says when.
jo = functools.partial(Cover, "Jo", "+15551230001", BOTH)
kim = functools.partial(Cover, "Kim", "+15551230002", frozenset({"voice"}))


# -- the nights the clocks change ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "saturday", "starts", "ends", "elapsed"),
    [
        # New York springs forward on Sunday 8 March 2026 at 02:00 EST to 03:00 EDT.
        (NEW_YORK, "2026-03-07", "2026-03-07T22:00-05:00", "2026-03-08T06:00-04:00", 7),
        # ...and falls back on Sunday 1 November 2026 at 02:00 EDT to 01:00 EST.
        (NEW_YORK, "2026-10-31", "2026-10-31T22:00-04:00", "2026-11-01T06:00-05:00", 9),
        # London springs forward on Sunday 29 March 2026 at 01:00 GMT to 02:00 BST.
        (LONDON, "2026-03-28", "2026-03-28T22:00+00:00", "2026-03-29T06:00+01:00", 7),
        # ...and falls back on Sunday 25 October 2026 at 02:00 BST to 01:00 GMT.
        (LONDON, "2026-10-24", "2026-10-24T22:00+01:00", "2026-10-25T06:00+00:00", 9),
    ],
)
def test_an_overnight_cover_across_the_change_lasts_the_hours_that_pass(
    zone: str, saturday: str, starts: str, ends: str, elapsed: int
) -> None:
    cover = jo(days=(5,), ranges=(hours(22, 6),))
    schedule = Schedule(Spec(zone, WEEKDAYS, cover=(cover,)))
    noon = dt.datetime.combine(dt.date.fromisoformat(saturday), dt.time(12), ZoneInfo(zone))
    monday = noon + dt.timedelta(days=2)

    intervals = schedule.cover_intervals(noon, monday)
    assert intervals == [(iso(starts), iso(ends), cover)]
    assert sum(e.timestamp() - s.timestamp() for s, e, _ in intervals) == elapsed * 3600
    assert schedule.cover_changes(noon, 2) == [
        CoverChange(iso(starts), cover),
        CoverChange(iso(ends), None),
    ]
    # Covered right up to the last second, by nobody from the first.
    last_second = schedule.cover_at(iso(ends) - dt.timedelta(seconds=1))
    assert last_second is not None
    assert last_second.cover == cover
    assert last_second.until == iso(ends)
    assert schedule.cover_at(iso(ends)) is None
    assert schedule.cover_at(iso(starts) - dt.timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    ("zone", "saturday", "starts", "opens", "elapsed"),
    [
        (NEW_YORK, "2026-03-07", "2026-03-07T22:00-05:00", "2026-03-08T04:00-04:00", 5),
        (NEW_YORK, "2026-10-31", "2026-10-31T22:00-04:00", "2026-11-01T04:00-05:00", 7),
        (LONDON, "2026-03-28", "2026-03-28T22:00+00:00", "2026-03-29T04:00+01:00", 5),
        (LONDON, "2026-10-24", "2026-10-24T22:00+01:00", "2026-10-25T04:00+00:00", 7),
    ],
)
def test_an_overnight_cover_stops_when_the_business_opens_on_the_changing_night(
    zone: str, saturday: str, starts: str, opens: str, elapsed: int
) -> None:
    # Open early on Sunday, 04:00-12:00: the cover runs from 22:00 until the opening only.
    week = (*WEEKDAYS[:6], (hours(4, 12),))
    cover = jo(days=(5,), ranges=(hours(22, 6),))
    schedule = Schedule(Spec(zone, week, cover=(cover,)))
    noon = dt.datetime.combine(dt.date.fromisoformat(saturday), dt.time(12), ZoneInfo(zone))

    intervals = schedule.cover_intervals(noon, noon + dt.timedelta(days=1))
    assert intervals == [(iso(starts), iso(opens), cover)]
    assert sum(e.timestamp() - s.timestamp() for s, e, _ in intervals) == elapsed * 3600
    found = schedule.cover_at(iso(starts) + dt.timedelta(hours=3))
    assert found is not None
    assert found.until == iso(opens)
    assert schedule.is_open(iso(opens))
    assert schedule.cover_at(iso(opens)) is None


# -- clipped to closed time ------------------------------------------------------------------


def test_nobody_covers_while_open_and_the_cover_starts_at_the_closing() -> None:
    # Jo's window is 16:00-22:00 on weekdays; the business is open until 17:00.
    cover = jo(days=(0, 1, 2, 3, 4), ranges=(hours(16, 22),))
    schedule = Schedule(Spec(NEW_YORK, WEEKDAYS, cover=(cover,)))
    half_past_four = iso("2026-06-17T16:30-04:00")

    assert schedule.is_open(half_past_four)
    assert schedule.cover_at(half_past_four) is None
    assert schedule.cover_changes(half_past_four, 2) == [
        CoverChange(iso("2026-06-17T17:00-04:00"), cover),
        CoverChange(iso("2026-06-17T22:00-04:00"), None),
    ]
    # The cover change and the closing fall on the same instant.
    closing = schedule.next_change(half_past_four)
    assert closing is not None
    assert (closing.at, closing.open) == (iso("2026-06-17T17:00-04:00"), False)
    found = schedule.cover_at(iso("2026-06-17T17:00-04:00"))
    assert found is not None
    assert (found.cover.name, found.cover.number, found.cover.media) == ("Jo", "+15551230001", BOTH)
    assert found.until == iso("2026-06-17T22:00-04:00")


def test_a_closure_or_holiday_lets_the_whole_window_be_covered_and_an_opening_carves_it() -> None:
    cover = jo(days=(0, 5), ranges=(hours(12, 22),))
    spec = Spec(
        NEW_YORK,
        WEEKDAYS,
        closed=(Closure("Dentist", dt.date(2026, 6, 15), ranges=(hours(12, 14),)),),
        open=(Opening(dt.date(2026, 6, 20), (hours(10, 14),), "Saturday rush"),),
        cover=(cover,),
    )
    # Monday 22 June is a public holiday here: closed all day.
    holiday = [(dt.date(2026, 6, 22), "Made-up Day")]
    schedule = Schedule(spec, lambda year: holiday if year == 2026 else [])
    intervals = schedule.cover_intervals(
        iso("2026-06-15T00:00-04:00"), iso("2026-06-23T00:00-04:00")
    )
    assert [(s.isoformat(), e.isoformat()) for s, e, _ in intervals] == [
        # Monday 15th: closed 12:00-14:00 for the dentist, open 14:00-17:00, closed after.
        ("2026-06-15T12:00:00-04:00", "2026-06-15T14:00:00-04:00"),
        ("2026-06-15T17:00:00-04:00", "2026-06-15T22:00:00-04:00"),
        # Saturday 20th: open 10:00-14:00 that day only.
        ("2026-06-20T14:00:00-04:00", "2026-06-20T22:00:00-04:00"),
        # Monday 22nd, the holiday: the whole window.
        ("2026-06-22T12:00:00-04:00", "2026-06-22T22:00:00-04:00"),
    ]


# -- the three forms, and how covers meet ----------------------------------------------------


def test_a_cover_for_a_vacation_runs_until_its_last_day_beyond_the_first_built_window() -> None:
    # Closed all summer, and Kim covers all of it: three months in one piece.
    vacation = Closure("Summer", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    cover = kim(first=dt.date(2026, 7, 1), last=dt.date(2026, 9, 30))
    schedule = Schedule(Spec(NEW_YORK, WEEKDAYS, closed=(vacation,), cover=(cover,)))

    found = schedule.cover_at(iso("2026-07-01T00:00-04:00"))
    assert found is not None
    assert found.until == iso("2026-10-01T00:00-04:00")
    assert schedule.cover_at(iso("2026-06-30T23:59:59-04:00")) is None
    assert schedule.cover_changes(iso("2026-06-30T12:00-04:00"), 2) == [
        CoverChange(iso("2026-07-01T00:00-04:00"), cover),
        CoverChange(iso("2026-10-01T00:00-04:00"), None),
    ]


def test_a_cover_that_never_ends_has_no_until() -> None:
    cover = jo(days=(0, 1, 2, 3, 4, 5, 6))
    schedule = Schedule(Spec(LONDON, (CLOSED,) * 7, cover=(cover,)))
    found = schedule.cover_at(iso("2026-06-17T12:00+01:00"))
    assert found == (cover, None)
    assert schedule.cover_changes(iso("2026-06-17T12:00+01:00"), 3) == []


def test_a_weekly_cover_holds_only_between_its_first_and_last_dates() -> None:
    cover = jo(
        days=(0, 2), first=dt.date(2026, 6, 10), last=dt.date(2026, 6, 15), ranges=(hours(18, 20),)
    )
    schedule = Schedule(Spec(NEW_YORK, WEEKDAYS, cover=(cover,)))
    intervals = schedule.cover_intervals(
        iso("2026-06-01T00:00-04:00"), iso("2026-06-30T00:00-04:00")
    )
    # Wednesday 10th and Monday 15th; not Monday 8th before it, nor Wednesday 17th after.
    assert [s.date().isoformat() for s, _, _ in intervals] == ["2026-06-10", "2026-06-15"]


def test_a_recurring_cover_falls_on_its_rule_dates_only() -> None:
    every_other_friday = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    cover = kim(first=dt.date(2026, 1, 9), rrule=every_other_friday, ranges=(hours(18, 23),))
    schedule = Schedule(Spec(NEW_YORK, WEEKDAYS, cover=(cover,)))
    intervals = schedule.cover_intervals(
        iso("2026-01-01T00:00-05:00"), iso("2026-02-01T00:00-05:00")
    )
    assert [(s.isoformat(), e.isoformat()) for s, e, _ in intervals] == [
        ("2026-01-09T18:00:00-05:00", "2026-01-09T23:00:00-05:00"),
        ("2026-01-23T18:00:00-05:00", "2026-01-23T23:00:00-05:00"),
    ]


def test_one_cover_hands_over_to_the_next_on_the_second() -> None:
    first, second = jo(days=(2,), ranges=(hours(18, 22),)), kim(days=(2,), ranges=(hours(22, 2),))
    schedule = Schedule(Spec(NEW_YORK, WEEKDAYS, cover=(first, second)))
    found = schedule.cover_at(iso("2026-06-17T21:00-04:00"))
    assert found == (first, iso("2026-06-17T22:00-04:00"))
    assert schedule.cover_changes(iso("2026-06-17T21:00-04:00"), 2) == [
        CoverChange(iso("2026-06-17T22:00-04:00"), second),
        CoverChange(iso("2026-06-18T02:00-04:00"), None),
    ]
    assert cover_overlap(schedule.spec, dt.date(2026, 6, 1), dt.date(2026, 7, 1)) is None


def test_where_windows_overlap_the_cover_listed_first_wins() -> None:
    # The config refuses this; the engine still answers one way, the listed order.
    first, second = jo(days=(2,), ranges=(hours(18, 22),)), kim(days=(2,), ranges=(hours(20, 23),))
    schedule = Schedule(Spec(NEW_YORK, WEEKDAYS, cover=(first, second)))
    intervals = schedule.cover_intervals(
        iso("2026-06-17T00:00-04:00"), iso("2026-06-18T00:00-04:00")
    )
    assert [(s.hour, e.hour, c.name) for s, e, c in intervals] == [(18, 22, "Jo"), (22, 23, "Kim")]


def test_without_covers_nobody_ever_covers() -> None:
    schedule = Schedule(Spec(NEW_YORK, WEEKDAYS))
    assert schedule.spec.cover == ()
    night = iso("2026-06-17T23:00-04:00")
    assert schedule.cover_at(night) is None
    assert schedule.cover_changes(night, 5) == []
    assert schedule.cover_intervals(night, night + dt.timedelta(days=30)) == []


# -- overlaps, for the config to refuse ------------------------------------------------------


def test_an_overlap_names_both_in_listed_order_and_its_first_shared_instant() -> None:
    # Kim (listed second) starts first; Jo joins at 20:00 on the first Wednesday.
    spec = Spec(
        NEW_YORK,
        WEEKDAYS,
        cover=(jo(days=(2,), ranges=(hours(20, 23),)), kim(days=(2, 3), ranges=(hours(18, 22),))),
    )
    overlap = cover_overlap(spec, dt.date(2026, 6, 15), dt.date(2026, 6, 22))
    assert overlap is not None
    assert (overlap.first.name, overlap.second.name) == ("Jo", "Kim")
    assert overlap.at == iso("2026-06-17T20:00-04:00")


def test_an_overlap_in_open_time_is_still_an_overlap() -> None:
    spec = Spec(
        NEW_YORK,
        WEEKDAYS,
        cover=(jo(days=(0,), ranges=(hours(10, 12),)), kim(first=dt.date(2026, 6, 15))),
    )
    overlap = cover_overlap(spec, dt.date(2026, 6, 1), dt.date(2026, 7, 1))
    assert overlap is not None
    assert overlap.at == iso("2026-06-15T10:00-04:00")


def test_an_overnight_window_from_the_day_before_overlaps_the_first_day() -> None:
    spec = Spec(
        LONDON,
        WEEKDAYS,
        cover=(jo(days=(6,), ranges=(hours(22, 3),)), kim(days=(0,), ranges=(hours(1, 5),))),
    )
    # Looking at Monday 15 June alone: Jo's Sunday range runs into it until 03:00.
    overlap = cover_overlap(spec, dt.date(2026, 6, 15), dt.date(2026, 6, 16))
    assert overlap is not None
    assert overlap.at == iso("2026-06-15T01:00+01:00")


def test_an_overlap_outside_the_dates_looked_at_is_not_found() -> None:
    spec = Spec(
        NEW_YORK,
        WEEKDAYS,
        cover=(jo(days=(4,), ranges=(hours(18, 22),)), kim(first=dt.date(2027, 1, 8))),
    )
    assert cover_overlap(spec, dt.date(2026, 1, 1), dt.date(2027, 1, 8)) is None
    overlap = cover_overlap(spec, dt.date(2026, 1, 1), dt.date(2027, 1, 9))
    assert overlap is not None
    assert overlap.at == iso("2027-01-08T18:00-05:00")


@pytest.mark.parametrize(
    ("cover", "problem"),
    [
        (jo(rrule="FREQ=WEEKLY;BYDAY=FR"), "an RRULE needs its start date"),
        (jo(rrule="FREQ=WEEKLY", first=dt.date(2026, 1, 2), days=(4,)), "takes no days"),
        (jo(), "needs days, a date or an RRULE"),
        (jo(days=(7,)), "days run from 0 (Monday) to 6"),
        (jo(first=dt.date(2026, 1, 2), last=dt.date(2026, 1, 1)), "ends before it starts"),
    ],
)
def test_a_cover_of_no_clear_form_is_refused(cover: Cover, problem: str) -> None:
    with pytest.raises(ValueError, match="cover 'Jo': ") as refused:
        Schedule(Spec(NEW_YORK, WEEKDAYS, cover=(cover,)))
    assert problem in str(refused.value)
