"""Bare `hours`: where you stand now, today and tomorrow, this week, and what to do next.

As hot a path as `hours status`: nothing here imports more than the status line needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hours import humanize
from hours.clikit import App
from hours.config import Config
from hours.record import Record
from hours.schedule import Schedule


class Step(Record):
    """A next step, offered while `wanted` holds for the config."""

    command: str
    why: str
    wanted: Callable[[Config], bool]


# The first three that fit the config are offered, in this order.
STEPS = (
    Step("hours init", "make these hours yours: zone, days, hours", lambda c: c.is_default),
    Step(
        "hours set --earnings 1200/week",
        "then `hours cost` says what 24/7 really pays",
        lambda c: c.earnings is None,
    ),
    Step(
        "hours autoreply setup email",
        "answer clients' email after hours, once and warmly",
        lambda c: c.autoreply is None,
    ),
    Step(
        "hours holidays --countries", "close on your public holidays", lambda c: c.holidays is None
    ),
    Step("hours off DATE --reason TEXT", "a day off or a vacation", lambda c: not c.spec.closed),
    Step("hours cost", "what 24/7 really pays you an hour", lambda c: c.earnings is not None),
    Step("hours report", "this week at a glance, to print or send", lambda c: True),
    Step("hours next", "your next openings and closings", lambda c: True),
)


def next_steps(cfg: Config, count: int = 3) -> list[Step]:
    """Return the first `count` steps that fit the config."""
    return [s for s in STEPS if s.wanted(cfg)][:count]


def render(app: App, now: dt.datetime) -> None:
    """Print the dashboard for the moment `now`."""
    cfg, schedule = app.config, app.schedule
    source = " (built-in default)" if cfg.is_default else ""
    app.say(f"{cfg.name or 'Your hours'} — {cfg.timezone}{source}")
    app.say(humanize.status_line(schedule.state(now), now))
    app.echo()
    today = now.date()
    tomorrow = today + dt.timedelta(days=1)
    rows = [("Today", day_text(schedule, today)), ("Tomorrow", day_text(schedule, tomorrow))]
    monday = today - dt.timedelta(days=today.weekday())
    start, end = schedule.localize(monday), schedule.localize(monday + dt.timedelta(days=7))
    week = (end.timestamp() - start.timestamp()) / 3600  # 167 or 169 when the clocks change
    open_hours = schedule.open_hours(start, end)
    rows.append(
        (
            "This week",
            f"{humanize.hours(open_hours)} hours open of {humanize.hours(week)} "
            f"({humanize.hours(week - open_hours)} yours)",
        )
    )
    width = max(len(label) for label, _ in rows)
    for label, text in rows:
        app.say(f"  {label:<{width}}  {text}", hang=width + 4)
    app.echo()
    app.echo("Next steps:")
    steps = next_steps(cfg)
    width = max(len(s.command) for s in steps)
    for s in steps:
        app.say(f"  {s.command:<{width}}  {s.why}", hang=width + 4)


def day_text(schedule: Schedule, day: dt.date) -> str:
    """Say a date's open hours and what closes it: "Tue 24 Nov  09:00-12:00, 13:00-17:00"."""
    start = schedule.localize(day)
    end = schedule.localize(day + dt.timedelta(days=1))
    spans = [
        f"{a:%H:%M}-{'24:00' if b == end else f'{b:%H:%M}'}"
        for a, b in schedule.open_intervals(start, end)
    ]
    closures = schedule.closures(day, day + dt.timedelta(days=1))
    reasons = list(dict.fromkeys(reason for _, _, reason in closures))
    hours = ", ".join(spans) or "closed"
    why = f" ({'; '.join(reasons)})" if reasons else ""
    return f"{day:%a} {day.day} {day:%b}  {hours}{why}"
