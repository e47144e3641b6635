"""`hours cost`: what being available 24/7 really pays an hour, beside your hours and other jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from hours.clikit import (
    CONTEXT,
    App,
    at_option,
    currency_option,
    earnings_option,
    json_option,
    pass_app,
    print_json,
)
from hours.errors import ConfigError
from hours.parsing import PERIODS

PERIOD_WORDS = {"week": "a week", "month": "a month", "year": "a year"}


@click.command(context_settings=CONTEXT)
@earnings_option("What you earn, instead of [earnings]: 1200/week, 5200/month or 62400/year.")
@currency_option
@at_option
@json_option
@pass_app
def cost(
    app: App,
    earnings: tuple[float, str] | None,
    currency: str | None,
    at: dt.datetime | None,
    as_json: bool,
) -> None:
    """Show what 24/7 really pays an hour, beside your hours and a real year.

    Your weekly earnings (a monthly figure is x12/52, a yearly one /52) divided by the 168 hours
    of a week, by your weekly hours, and a year's earnings by the open hours of the coming 52
    weeks with holidays and closures taken out; each [[earnings.compare]] rate beside them.

    \b
    Examples:
      hours cost
      hours cost --earnings 1200/week --currency GBP
      hours cost --json
    """
    from hours.wage import real_wage, wage_json

    cfg = app.config
    configured = cfg.earnings
    if earnings is None and configured is None:
        where = f"no config at {cfg.path}" if cfg.is_default else f"no [earnings] in {cfg.path}"
        raise ConfigError(
            f"no earnings set ({where}); set them with `hours set --earnings 1200/week`, "
            "or pass --earnings 1200/week"
        )
    if earnings is not None:
        amount, period = earnings
    else:
        assert configured is not None
        amount, period = configured.amount, configured.period
    code = currency or app.currency
    compare = configured.compare if configured else ()
    now = app.now(at)
    wage = real_wage(app.schedule, amount * PERIODS[period], code, compare, today=now.date())
    if as_json:
        print_json(wage_json(wage))
        return
    for line in cost_lines(app, wage, amount, period):
        app.echo(line)


def cost_lines(app: App, wage: Any, amount: float, period: str) -> list[str]:
    """Render the wage as a small table and a plain sentence or two, fitted to the width."""
    from hours.humanize import hours as hours_text
    from hours.money import money
    from hours.wage import YOUR_HOURS

    cur = wage.currency
    head = f"{money(amount, cur)} {PERIOD_WORDS[period]}"
    if period != "week":
        head += f" ({money(wage.weekly_earnings, cur)} a week)"
    name = app.config.name
    lines = [app.fit(f"{name + ' earns' if name else 'You earn'} {head}."), ""]
    rows: list[tuple[str, str, str]] = [("", "hours a week", "per hour")]
    labels = {"24/7": "available 24/7", YOUR_HOURS: "your hours"}
    for r in wage.rows[:2]:
        rows.append((labels[r.label], hours_text(r.hours_per_week), money(r.hourly, cur)))
    year_avg = wage.year_open_hours / 52
    rows.append(("your real year*", hours_text(year_avg), money(wage.year_hourly, cur)))
    for r in wage.compare:
        rows.append((r.label, hours_text(r.hours_per_week) + "†", money(r.hourly, cur)))
    lines += _table(app, rows)
    start, end = wage.year_start, wage.year_end - dt.timedelta(days=1)
    lines.append("")
    lines.append(
        app.fit(
            f"  * {hours_text(wage.year_open_hours)} open hours from {start.day} {start:%b %Y} "
            f"to {end.day} {end:%b %Y}, holidays and closures taken out",
            hang=4,
        )
    )
    if wage.compare:
        lines.append(app.fit("  † the hours a week that rate needs to pay what you earn", hang=4))
    lines.append("")
    always = money(wage.always_on.hourly, cur)
    better = wage.better_paid
    if better:
        jobs = _and([f"{r.label} at {money(r.hourly, cur)}" for r in better])
        verdict = app.fit(f"Available 24/7 you earn {always} an hour — less than {jobs}.")
        lines.append(app.style(verdict, bold=True))
    else:
        lines.append(app.fit(f"Available 24/7 you earn {always} an hour."))
    lines.append(
        app.fit(
            f"Keeping to your hours you earn {money(wage.yours.hourly, cur)} an hour, and "
            f"{hours_text(wage.hours_given_back)} of the week's 168 hours are yours again."
        )
    )
    return lines


def _table(app: App, rows: list[tuple[str, str, str]]) -> list[str]:
    """Lay out the label, hours and rate columns; labels wrap within theirs when room is short."""
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    w0 = max(len(r[0]) for r in rows)
    if app.width is not None:  # what is left of the width for the labels, down to a word
        w0 = max(min(w0, app.width - (2 + 2 + w1 + 2 + w2)), 10)
    out = []
    for i, (label, hours, rate) in enumerate(rows):
        parts = _wrap_label(label, w0)
        line = f"  {parts[0]:<{w0}}  {hours:>{w1}}  {rate:>{w2}}"
        out.append(app.style(line, bold=True) if i == 0 else line)
        out += [f"  {part}" for part in parts[1:]]
    return out


def _wrap_label(label: str, width: int) -> list[str]:
    if len(label) <= width:
        return [label]
    import textwrap

    return textwrap.wrap(label, width, break_long_words=False) or [label]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
