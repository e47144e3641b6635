"""Named DST cases: overnight shifts across the nights the clocks change, and ranges in the gap.

Each instant is written out with its UTC offset, so a reader can check the arithmetic by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from hours.schedule import Range, Schedule, Spec
from tests.helpers import run, write_config

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
CLOSED = ()


def saturday_night(zone: str) -> Schedule:
    """Open Saturday 22:00 until Sunday 06:00, and nothing else."""
    week = (CLOSED,) * 5 + ((Range(22 * 60, 6 * 60),), CLOSED)
    return Schedule(Spec(zone, week))


def iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("zone", "saturday", "opens", "closes", "hours"),
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
def test_an_overnight_shift_across_the_change_lasts_the_hours_that_pass(
    zone: str, saturday: str, opens: str, closes: str, hours: int
) -> None:
    schedule = saturday_night(zone)
    noon = dt.datetime.combine(dt.date.fromisoformat(saturday), dt.time(12), ZoneInfo(zone))
    monday = noon + dt.timedelta(days=2)

    assert schedule.open_intervals(noon, monday) == [(iso(opens), iso(closes))]
    assert schedule.open_hours(noon, monday) == hours
    first, second = schedule.changes(noon, 2)
    assert (first.at, first.open) == (iso(opens), True)
    assert (second.at, second.open, second.reason) == (iso(closes), False, "outside hours")
    # The offsets shown are the zone's own on each side of the change.
    assert first.at.utcoffset() != second.at.utcoffset()
    # Open right up to the last second, closed from the first.
    assert schedule.is_open(iso(closes) - dt.timedelta(seconds=1))
    assert not schedule.is_open(iso(closes))
    state = schedule.state(iso(opens) + dt.timedelta(hours=3))
    assert (state.open, state.since, state.until) == (True, iso(opens), iso(closes))


def test_a_range_starting_inside_the_gap_starts_when_the_clock_resumes() -> None:
    # 02:30 does not exist in New York on 8 March 2026: fold=0 moves it forward by the gap,
    # to 03:30 EDT. The range then runs to 05:00 EDT: an hour and a half.
    week = (CLOSED,) * 6 + ((Range(2 * 60 + 30, 5 * 60),),)
    schedule = Schedule(Spec(NEW_YORK, week))
    saturday = iso("2026-03-07T12:00-05:00")
    monday = iso("2026-03-09T12:00-04:00")
    assert schedule.open_intervals(saturday, monday) == [
        (iso("2026-03-08T03:30-04:00"), iso("2026-03-08T05:00-04:00"))
    ]
    assert schedule.open_hours(saturday, monday) == 1.5
    assert not schedule.is_open(iso("2026-03-08T03:29-04:00"))


def test_a_range_ending_inside_the_gap_is_cut_short_by_it() -> None:
    # 22:00-02:30 on Saturday 7 March: 02:30 Sunday becomes 03:30 EDT, which is 07:30 UTC,
    # so the night lasts 4.5 elapsed hours (22:00 EST is 03:00 UTC).
    week = (CLOSED,) * 5 + ((Range(22 * 60, 2 * 60 + 30),), CLOSED)
    schedule = Schedule(Spec(NEW_YORK, week))
    saturday = iso("2026-03-07T12:00-05:00")
    ((start, end),) = schedule.open_intervals(saturday, saturday + dt.timedelta(days=2))
    assert (start, end) == (iso("2026-03-07T22:00-05:00"), iso("2026-03-08T03:30-04:00"))
    assert schedule.open_hours(saturday, saturday + dt.timedelta(days=2)) == 4.5


def test_a_range_in_the_repeated_hour_starts_at_its_first_occurrence() -> None:
    # 01:30 happens twice in New York on 1 November 2026; fold=0 takes the first (EDT).
    week = (CLOSED,) * 6 + ((Range(60 + 30, 3 * 60),),)
    schedule = Schedule(Spec(NEW_YORK, week))
    saturday = iso("2026-10-31T12:00-04:00")
    ((start, end),) = schedule.open_intervals(saturday, saturday + dt.timedelta(days=2))
    # Compared as instants: Python never calls a time in a repeated hour equal across zones.
    assert start.timestamp() == iso("2026-11-01T01:30-04:00").timestamp()
    assert end.timestamp() == iso("2026-11-01T03:00-05:00").timestamp()
    assert start.utcoffset() == dt.timedelta(hours=-4)
    assert schedule.open_hours(saturday, saturday + dt.timedelta(days=2)) == 2.5
    # Both 01:45s are open: the first (EDT) and the second (EST).
    assert schedule.is_open(iso("2026-11-01T01:45-04:00"))
    assert schedule.is_open(iso("2026-11-01T01:45-05:00"))


def test_a_week_with_the_change_holds_its_real_elapsed_hours() -> None:
    # Every hour of the week open: the week of the fall-back holds 169 hours, of spring 167.
    week = ((Range(0, 24 * 60),),) * 7
    schedule = Schedule(Spec(LONDON, week))
    zone = ZoneInfo(LONDON)

    def monday(day: int, month: int) -> dt.datetime:
        return dt.datetime(2026, month, day, tzinfo=zone)

    assert schedule.open_hours(monday(23, 3), monday(30, 3)) == 167
    assert schedule.open_hours(monday(19, 10), monday(26, 10)) == 169
    assert schedule.open_hours(monday(8, 6), monday(15, 6)) == 168


def test_next_across_the_spring_forward_night_through_the_command() -> None:
    write_config('timezone = "America/New_York"\n\n[week]\nsat = "22:00-06:00"\n')
    result = run("next", "--count", "2", "--json", "--at", "2026-03-07T12:00", catch=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "changes": [
            {"at": "2026-03-07T22:00:00-05:00", "open": True, "reason": None, "cover": None},
            {
                "at": "2026-03-08T06:00:00-04:00",
                "open": False,
                "reason": "outside hours",
                "cover": None,
            },
        ]
    }
    result = run("status", "--at", "2026-03-08T05:00", catch=False)
    assert result.exit_code == 0
    assert result.stdout == "Open — closes today at 06:00, in 1 hour\n"
