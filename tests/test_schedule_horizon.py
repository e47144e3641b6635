"""A change further off than the horizon (five years) is none, however wide the built window."""

from __future__ import annotations

import datetime as dt

from hours.schedule import Closure, Range, Schedule, Spec

NINE_TO_FIVE = (Range(9 * 60, 17 * 60),)
MONDAY_EVENING = dt.datetime.fromisoformat("2026-11-23T18:00-05:00")


def retired(last: str) -> Schedule:
    """Open weekdays 09:00-17:00 in Toronto, closed from 2026-11-24 to `last`."""
    closed = Closure("Retired", dt.date(2026, 11, 24), dt.date.fromisoformat(last))
    return Schedule(Spec("America/Toronto", (NINE_TO_FIVE,) * 5 + ((), ()), closed=(closed,)))


def test_an_opening_past_the_horizon_is_none_at_the_first_query_and_after_widening() -> None:
    first = retired("2033-01-01")
    assert first.next_open(MONDAY_EVENING) is None
    assert first.state(MONDAY_EVENING).until is None
    wide = retired("2033-01-01")
    # A query over eight years builds past the opening of 2033-01-03 first.
    assert wide.open_hours(MONDAY_EVENING, MONDAY_EVENING + dt.timedelta(days=8 * 366)) > 0
    assert wide.next_open(MONDAY_EVENING) is None
    assert wide.state(MONDAY_EVENING).until is None


def test_an_opening_within_the_horizon_is_found() -> None:
    schedule = retired("2031-01-01")
    expected = dt.datetime.fromisoformat("2031-01-02T09:00-05:00")
    assert schedule.next_open(MONDAY_EVENING) == expected
    assert schedule.state(MONDAY_EVENING).until == expected
