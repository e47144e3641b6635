"""The real hourly wage: a week's earnings over 168 hours, over your hours, and over a real year.

Pure: callers pass the schedule, the earnings and the moment in; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from hours.errors import ConfigError
from hours.schedule import Schedule

HOURS_PER_WEEK = 168.0
WEEKS_PER_YEAR = 52
ALWAYS_ON = "24/7"
YOUR_HOURS = "your hours"


@dataclass(frozen=True, slots=True)
class Rate:
    """An hourly rate; `hours_per_week` is what it takes, at that rate, to earn the week's pay."""

    label: str
    hours_per_week: float
    hourly: float


@dataclass(frozen=True, slots=True)
class Wage:
    """What the week's earnings pay per hour: always on, at your hours, and over a real year."""

    currency: str
    weekly_earnings: float
    always_on: Rate
    yours: Rate
    compare: tuple[Rate, ...]
    year_start: dt.datetime
    year_end: dt.datetime
    year_open_hours: float

    @property
    def rows(self) -> tuple[Rate, ...]:
        """Return 24/7, your hours, then each compared rate."""
        return (self.always_on, self.yours, *self.compare)

    @property
    def year_hourly(self) -> float:
        """Return a year's earnings over the year's real open hours."""
        return self.weekly_earnings * WEEKS_PER_YEAR / self.year_open_hours

    @property
    def hours_given_back(self) -> float:
        """Return the hours of the week your hours leave you (168 - your hours)."""
        return max(HOURS_PER_WEEK - self.yours.hours_per_week, 0.0)

    @property
    def better_paid(self) -> tuple[Rate, ...]:
        """Return the compared rates that pay more than being available 24/7."""
        return tuple(r for r in self.compare if r.hourly > self.always_on.hourly)


def real_wage(
    schedule: Schedule,
    weekly_earnings: float,
    currency: str,
    compare: Iterable[tuple[str, float]],
    *,
    today: dt.date,
) -> Wage:
    """Work out the real hourly wage, the year being the 52 weeks from `today` (local) on.

    Raises ConfigError when the schedule has no open hours to divide by.
    """
    if not weekly_earnings > 0:
        raise ValueError("weekly earnings must be positive")
    template = schedule.spec.template_minutes() / 60
    if template <= 0:
        raise ConfigError(
            "your week has no open hours, so there is no hourly wage to work out; "
            "set your hours with `hours set mon-fri 9-17`"
        )
    start = schedule.localize(today)
    end = schedule.localize(today + dt.timedelta(weeks=WEEKS_PER_YEAR))
    year_hours = schedule.open_hours(start, end)
    if year_hours <= 0:
        raise ConfigError(
            f"you have no open hours in the 52 weeks from {today}: closures and holidays "
            "cover them all, so there is no hourly wage to work out; see `hours off --list`"
        )
    return Wage(
        currency=currency,
        weekly_earnings=weekly_earnings,
        always_on=Rate(ALWAYS_ON, HOURS_PER_WEEK, weekly_earnings / HOURS_PER_WEEK),
        yours=Rate(YOUR_HOURS, template, weekly_earnings / template),
        compare=tuple(Rate(label, weekly_earnings / rate, rate) for label, rate in compare),
        year_start=start,
        year_end=end,
        year_open_hours=year_hours,
    )


def wage_json(w: Wage) -> dict[str, object]:
    """Return the JSON document of `hours cost --json` (SPEC section 4)."""
    return {
        "currency": w.currency,
        "weekly_earnings": round(w.weekly_earnings, 2),
        "rows": [
            {
                "label": r.label,
                "hours_per_week": round(r.hours_per_week, 2),
                "hourly": round(r.hourly, 2),
            }
            for r in w.rows
        ],
        "year": {"open_hours": round(w.year_open_hours, 2), "hourly": round(w.year_hourly, 2)},
    }
