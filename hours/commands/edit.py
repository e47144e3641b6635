"""`hours set`, `hours off` and `hours open`: the commands that change the schedule.

Each edits the config with its comments and layout kept, writes it only when the result is
valid, and prints what it now says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from hours import config as configmod
from hours.clikit import (
    CONTEXT,
    App,
    Arg,
    DateParam,
    clock,
    currency_option,
    earnings_option,
    pass_app,
    usage,
)
from hours.config.toml_layout import append_tables, ensure_table
from hours.describe import closure_text, week_lines
from hours.parsing import parse_days, read_ranges
from hours.schedule import Range


def typed_ranges(texts: tuple[str, ...] | list[str]) -> tuple[list[Range], list[str]]:
    """Return the ranges of one day as typed (or none for `closed`), and notes on how they read."""
    if [t.lower() for t in texts] == ["closed"]:
        return [], []
    try:
        return read_ranges(texts)
    except ValueError as e:
        raise usage(str(e)) from None


def _range_value(ranges: list[Range]) -> Any:
    if not ranges:
        return "closed"
    return str(ranges[0]) if len(ranges) == 1 else [str(r) for r in ranges]


@click.command(name="set", context_settings=CONTEXT)
@click.argument("days", cls=Arg, metavar="[DAYS]", required=False)
@click.argument("hours", cls=Arg, metavar="[HOURS]...", nargs=-1)
@click.option("--timezone", "-t", help="Your IANA time zone, e.g. Europe/London.")
@earnings_option("What you earn: 1200/week, 5200/month or 62400/year.")
@currency_option
@click.option("--name", help="Your business name, as messages show it.")
@pass_app
def set_(
    app: App,
    days: str | None,
    hours: tuple[str, ...],
    timezone: str | None,
    earnings: tuple[float, str] | None,
    currency: str | None,
    name: str | None,
) -> None:
    """Set the weekly hours for some days, or your time zone, earnings, or name.

    DAYS is mon, mon-fri, mon,wed,fri, weekdays, weekend or daily; HOURS one or more ranges
    like 9-17, 9:30-17:30, 9am-5pm or 22-2 (overnight), or `closed`. 9-5 is nine to five
    (09:00-17:00), and the command says so; a night needs a 24-hour start or am/pm: 22-6,
    9pm-5am.

    \b
    Examples:
      hours set mon-fri 9-17
      hours set tue 9-12 13-17
      hours set sun closed
      hours set --timezone Europe/London --earnings 1200/week
    """
    if days is None and not (timezone or earnings or currency or name):
        raise usage("say which days and hours, like `hours set mon-fri 9-17`, or give an option")
    changes: list[tuple[str, Any]] = []
    notes: list[str] = []
    if days is not None:
        try:
            day_keys = parse_days(days)
        except ValueError as e:
            raise usage(str(e)) from None
        if not hours:
            raise usage("give hours after the days, like `hours set mon-fri 9-17`, or `closed`")
        ranges, notes = typed_ranges(hours)
        value = _range_value(ranges)
        changes += [(day, value) for day in day_keys]
    if timezone is not None:
        try:
            configmod.validate_timezone(timezone)
        except ValueError as e:
            raise usage(str(e)) from None
    amount = earnings

    def change(doc: Any) -> None:
        if name is not None:
            doc["name"] = name
        if timezone is not None:
            doc["timezone"] = timezone
        if changes:
            week = ensure_table(doc, "week")
            for day, value in changes:
                week[day] = value
        if amount is not None or currency is not None:
            table = ensure_table(doc, "earnings")
            if amount is not None:
                for key in ("weekly", "monthly", "yearly"):
                    if key in table:
                        del table[key]
                key = {"week": "weekly", "month": "monthly", "year": "yearly"}[amount[1]]
                table[key] = int(amount[0]) if amount[0].is_integer() else amount[0]
            if currency is not None:
                table["currency"] = currency
            elif "currency" not in table:  # written out, so the file says what is assumed
                table["currency"] = _country_currency(doc)

    created = not app.config_path.exists()
    cfg = app.edit(change, timezone=timezone)
    if created:
        app.echo(f"Created {app.config_path}", err=True)
    for note in notes:
        app.note(note)
    app.echo(f"{cfg.name or 'Your hours'} — {cfg.timezone}")
    for line in week_lines(cfg):
        app.say(line)
    if amount is not None and cfg.earnings:
        from hours.money import money

        earned = money(cfg.earnings.amount, app.currency)
        app.echo(f"  Earnings: {earned} a {cfg.earnings.period}")


def _country_currency(doc: Any) -> str:
    """Return the currency of the config's holidays country, else of its time zone's country."""
    from zoneinfo import ZoneInfo

    from hours.money import default_currency

    holidays = doc.get("holidays")
    country = holidays.get("country") if isinstance(holidays, dict) else None
    zone = str(doc["timezone"])
    today = clock(ZoneInfo(zone)).date()
    return default_currency(country if isinstance(country, str) else None, zone, on=today)


@click.command(context_settings=CONTEXT)
@click.argument("first", cls=Arg, metavar="[FROM]", type=DateParam(), required=False)
@click.argument("last", cls=Arg, metavar="[TO]", type=DateParam(), required=False)
@click.option(
    "--hours", "hours_", multiple=True, metavar="RANGE", help="Only these hours (repeatable)."
)
@click.option("--every", metavar="RRULE", help="Recurring, from FROM: an RFC 5545 RRULE.")
@click.option("--reason", default="Day off", show_default=True, help="Shown in status and replies.")
@click.option("--list", "list_", is_flag=True, help="List the closures, numbered.")
@click.option("--remove", type=click.IntRange(1), metavar="N", help="Remove closure N of --list.")
@pass_app
def off(
    app: App,
    first: dt.date | None,
    last: dt.date | None,
    hours_: tuple[str, ...],
    every: str | None,
    reason: str,
    list_: bool,
    remove: int | None,
) -> None:
    """Add a closure: a day off, a vacation, a partial day, or a recurring day off.

    \b
    Examples:
      hours off 2026-12-24 2026-12-26 --reason Christmas
      hours off 2026-11-25 --hours 15-24 --reason "Early close"
      hours off 2026-01-09 --every "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR" --reason "Every other Friday"
      hours off --list
      hours off --remove 2
    """
    if list_:
        closed = app.config.spec.closed
        for n, c in enumerate(closed, 1):
            app.say(f"{n}. {closure_text(c)}", hang=len(f"{n}. "))
        if not closed:
            app.say("No closures. Add one with `hours off 2026-12-24 --reason Christmas`.")
        return
    if remove is not None:
        _remove_closure(app, remove)
        return
    if first is None:
        raise usage("give the first day off, like `hours off 2026-12-24`")
    if last is not None and last < first:
        raise usage(f"TO ({last}) is before FROM ({first}); swap them")
    if every is not None and last is not None:
        raise usage("--every repeats from FROM; give no TO with it")
    ranges, notes = typed_ranges(hours_) if hours_ else ([], [])
    if every is not None:
        from hours.parsing import check_closure_rrule

        try:
            every = check_closure_rrule(every, first)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="'--every'") from None

    def change(doc: Any) -> None:
        import tomlkit

        entry = tomlkit.table()
        if every is not None:
            entry["rrule"] = every
            entry["start"] = first
        elif last is not None and last != first:
            entry["from"] = first
            entry["to"] = last
        else:
            entry["date"] = first
        if ranges:
            entry["hours"] = _range_value(ranges)
        entry["reason"] = reason
        append_tables(doc, "closed", [entry])

    cfg = app.edit(change)
    for note in notes:
        app.note(note)
    app.say(f"Added closure {len(cfg.spec.closed)}: {closure_text(cfg.spec.closed[-1])}")
    if every is None:
        _warn_if_past(app, last or first, "closure")


def _remove_closure(app: App, n: int) -> None:
    count = len(app.config.spec.closed)
    if n > count:
        raise usage(f"there is no closure {n}; `hours off --list` shows {count}")
    gone = app.config.spec.closed[n - 1]

    def change(doc: Any) -> None:
        del doc["closed"][n - 1]
        if not doc["closed"]:
            del doc["closed"]

    app.edit(change)
    app.say(f"Removed closure {n}: {closure_text(gone)}")


@click.command(name="open", context_settings=CONTEXT)
@click.argument("day", cls=Arg, metavar="DATE", type=DateParam())
@click.argument("hours", cls=Arg, metavar="HOURS...", nargs=-1, required=True)
@click.option("--reason", help="Shown in `hours next` and the report.")
@pass_app
def open_(app: App, day: dt.date, hours: tuple[str, ...], reason: str | None) -> None:
    """Add one-off hours for a date; they replace the weekly hours of that date.

    \b
    Examples:
      hours open 2026-12-20 10-16 --reason "Holiday rush"
      hours open 2026-12-21 9-12 13-18
    """
    ranges, notes = typed_ranges(hours)
    if not ranges:
        raise usage("give the hours to open, like 10-16; to close a date use `hours off`")

    def change(doc: Any) -> None:
        import tomlkit

        entry = tomlkit.table()
        entry["date"] = day
        entry["hours"] = [str(r) for r in ranges]
        if reason:
            entry["reason"] = reason
        append_tables(doc, "open", [entry])

    cfg = app.edit(change)
    opening = next(o for o in cfg.spec.open if o.date == day)
    for note in notes:
        app.note(note)
    app.echo(f"Open on {day:%A %d %B %Y}: {', '.join(str(r) for r in opening.ranges)}")
    _warn_if_past(app, day, "opening")


def _warn_if_past(app: App, last: dt.date, what: str) -> None:
    """Warn when the last day of what was just added is already past: likely a typo."""
    today = app.now().date()
    if last < today:
        app.warn(
            f"{last} is past (today is {today}); the {what} is saved but changes nothing ahead"
        )
