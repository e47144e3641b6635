"""The `hours` command line: parse, call the core, render. Nothing else.

Commands of the later chapters (cost, report, calendar, autoreply, cron, doctor) load lazily
from `hours.commands`, so `hours status` imports only what it uses.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from hours import config as configmod
from hours import humanize
from hours.clikit import (
    CONTEXT,
    App,
    DateParam,
    HoursGroup,
    at_option,
    iso,
    json_option,
    pass_app,
    print_json,
    usage,
)
from hours.errors import ConfigError, Exit, UsageError
from hours.parsing import parse_amount, parse_days, parse_range
from hours.schedule import DAYS, Closure, Range, Schedule

# name -> "module:command", imported only when that command runs (or for `hours --help`).
LAZY: dict[str, str] = {
    "autoreply": "hours.commands.autoreply:autoreply",
    "calendar": "hours.commands.calendar:calendar",
    "cost": "hours.commands.cost:cost",
    "cron": "hours.commands.cron:cron",
    "doctor": "hours.commands.doctor:doctor",
    "report": "hours.commands.report:report",
}


@click.group(cls=HoursGroup, lazy=LAZY, context_settings=CONTEXT)
@click.option(
    "--config",
    "config_option",
    type=click.Path(dir_okay=True),
    metavar="PATH",
    help="The config file (default: $HOURS_CONFIG, then your config directory).",
)
@click.option("--no-color", is_flag=True, help="No colour, as NO_COLOR does.")
@click.version_option(package_name="hours", message="hours %(version)s")
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, no_color: bool) -> None:
    """Say when you are available, see what 24/7 really costs, and auto-reply after hours.

    \b
    Examples:
      hours set mon-fri 9-17         weekly hours
      hours off 2026-12-24 2026-12-26 --reason Christmas
      hours status                   open or closed now (exit 0 open, 1 closed)
    """
    ctx.obj = App(config_option, no_color=no_color)


def main() -> None:
    """Run the command line (the console script)."""
    cli.main(prog_name="hours")


# -- reading -----------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@at_option
@json_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; only the exit status tells.")
@pass_app
def status(app: App, at: dt.datetime | None, as_json: bool, quiet: bool) -> None:
    """Say whether you are open now, why, and until when. Exit 0 open, 1 closed.

    \b
    Examples:
      hours status
      hours status --at 2026-12-25T10:00 --json
      hours status -q && echo "at work"
    """
    now = app.now(at)
    st = app.schedule.state(now)
    if as_json:
        print_json(
            {
                "open": st.open,
                "at": iso(now),
                "timezone": app.config.timezone,
                "since": iso(st.since),
                "until": iso(st.until),
                "next_open": iso(st.next_open),
                "reason": st.reason,
            }
        )
    elif not quiet:
        app.echo(status_line(st, now))
    sys.exit(Exit.OK if st.open else Exit.CLOSED)


def status_line(st: Any, now: dt.datetime) -> str:
    """Say the state in one line: "Closed (Christmas) — opens Monday 28 December at 09:00, in ..."."""
    if st.open:
        if st.until is None:
            return "Open — with no closing in sight"
        return (
            f"Open — closes {humanize.when(st.until, now)}, in {humanize.duration(st.until - now)}"
        )
    head = f"Closed ({st.reason})"
    if st.next_open is None:
        return f"{head} — no opening in the next five years"
    return (
        f"{head} — opens {humanize.when(st.next_open, now)}, "
        f"in {humanize.duration(st.next_open - now)}"
    )


@cli.command(name="next", context_settings=CONTEXT)
@click.option("-n", "--count", default=6, show_default=True, type=click.IntRange(1, 1000))
@at_option
@json_option
@pass_app
def next_(app: App, count: int, at: dt.datetime | None, as_json: bool) -> None:
    """List the next openings and closings.

    \b
    Examples:
      hours next
      hours next --count 4 --json
    """
    now = app.now(at)
    changes = app.schedule.changes(now, count)
    if as_json:
        print_json(
            {"changes": [{"at": iso(c.at), "open": c.open, "reason": c.reason} for c in changes]}
        )
        return
    if not changes:
        app.echo("No change in the next five years.")
    for c in changes:
        verb = app.style("opens", fg="green") if c.open else app.style("closes", fg="red")
        why = f" ({c.reason})" if c.reason else ""
        app.echo(f"{c.at:%a %d %b %Y %H:%M}  {verb}{why}, in {humanize.duration(c.at - now)}")


@cli.command(context_settings=CONTEXT)
@json_option
@pass_app
def show(app: App, as_json: bool) -> None:
    """Show the whole schedule, as hours understands it.

    \b
    Examples:
      hours show
      hours show --json
    """
    cfg = app.config
    if as_json:
        print_json(show_json(cfg))
        return
    for line in show_lines(cfg, app.schedule):
        app.echo(line)


def show_json(cfg: configmod.Config) -> dict[str, Any]:
    """Return the schedule in the JSON shape of `hours show --json`."""
    spec = cfg.spec
    return {
        "timezone": spec.timezone,
        "name": cfg.name or None,
        "week": {day: [_pair(r) for r in spec.week[i]] for i, day in enumerate(DAYS)},
        "closed": [_closure_json(c) for c in spec.closed],
        "open": [
            {"date": o.date.isoformat(), "hours": [_pair(r) for r in o.ranges], "reason": o.reason}
            for o in spec.open
        ],
        "holidays": None
        if cfg.holidays is None
        else {
            "country": cfg.holidays.country,
            "subdivision": cfg.holidays.subdivision,
            "keep_open": list(cfg.holidays.keep_open),
        },
        "template_hours_per_week": spec.template_minutes() / 60,
    }


def _pair(r: Range) -> list[str]:
    return str(r).split("-")


def _closure_json(c: Closure) -> dict[str, Any]:
    return {
        "from": c.first.isoformat(),
        "to": None if c.rrule else (c.last or c.first).isoformat(),
        "rrule": c.rrule,
        "hours": [_pair(r) for r in c.ranges] or None,
        "reason": c.reason,
    }


def week_lines(cfg: configmod.Config) -> list[str]:
    """Render the weekly template, a line a day, with the week's total."""
    lines = []
    for i, day in enumerate(DAYS):
        ranges = cfg.spec.week[i]
        day_hours = sum(r.minutes for r in ranges) / 60
        text = ", ".join(str(r) for r in ranges) or "closed"
        total = f"{humanize.hours(day_hours)} h" if ranges else ""
        lines.append(f"  {day.capitalize()}  {text:<36} {total}".rstrip())
    week = cfg.spec.template_minutes() / 60
    lines.append(
        f"  {humanize.hours(week)} hours a week of 168 ({humanize.hours(168 - week)} yours)"
    )
    return lines


def closure_text(c: Closure) -> str:
    """Say one closure: its dates or rule, hours, and reason."""
    if c.rrule:
        when = f"{c.rrule} from {c.first}"
    elif c.last and c.last != c.first:
        when = f"{c.first} to {c.last}"
    else:
        when = str(c.first)
    hours = ", ".join(str(r) for r in c.ranges) or "all day"
    return f"{when}, {hours}: {c.reason}"


def show_lines(cfg: configmod.Config, schedule: Schedule) -> list[str]:
    """Render the whole schedule for `hours show`."""
    source = "built-in default" if cfg.is_default else str(cfg.path)
    lines = [f"{cfg.name or 'Your hours'} — {cfg.timezone} ({source})", "", "Week:"]
    lines += week_lines(cfg)
    lines += ["", "Closed:"]
    lines += [f"  {n}. {closure_text(c)}" for n, c in enumerate(cfg.spec.closed, 1)] or [
        "  nothing"
    ]
    lines += ["", "Extra openings:"]
    lines += [
        f"  {o.date}: {', '.join(str(r) for r in o.ranges)}"
        + (f" ({o.reason})" if o.reason else "")
        for o in cfg.spec.open
    ] or ["  none"]
    lines += ["", "Public holidays:"]
    h = cfg.holidays
    if h is None:
        lines.append("  none (`hours holidays GB` to close on them)")
    else:
        sub = f"-{h.subdivision}" if h.subdivision else ""
        kept = f", open on {', '.join(h.keep_open)}" if h.keep_open else ""
        lines.append(f"  {h.country}{sub}{kept}")
    return lines


# -- editing -----------------------------------------------------------------------------


def _loose_ranges(texts: tuple[str, ...] | list[str]) -> list[Range]:
    if [t.lower() for t in texts] == ["closed"]:
        return []
    try:
        ranges = [parse_range(t, loose=True) for t in texts]
    except ValueError as e:
        raise usage(str(e)) from None
    from hours.schedule import overlapping

    clash = overlapping(ranges)
    if clash:
        raise usage(f"{clash[0]} and {clash[1]} overlap; give separate ranges or join them")
    return sorted(ranges)


def _range_value(ranges: list[Range]) -> Any:
    if not ranges:
        return "closed"
    return str(ranges[0]) if len(ranges) == 1 else [str(r) for r in ranges]


def _table(doc: Any, key: str) -> Any:
    import tomlkit

    if key not in doc:
        add_section(doc, key, tomlkit.table())
    return doc[key]


def add_section(doc: Any, key: str, value: Any) -> None:
    """Add a table or array of tables at the end, after a blank line, as a person would."""
    import tomlkit

    if doc.as_string().strip() and not doc.as_string().endswith("\n\n"):
        doc.add(tomlkit.nl())
    doc[key] = value


def append_tables(doc: Any, key: str, tables: list[Any]) -> None:
    """Append tables to the array of tables `key`, a blank line between each, as a person would."""
    import tomlkit

    if key not in doc:  # a new array: tomlkit puts the blank lines between its tables itself
        add_section(doc, key, tomlkit.aot())
        for t in tables:
            doc[key].append(t)
        return
    aot = doc[key]
    for t in tables:
        if len(aot) and not aot[-1].as_string().endswith("\n\n"):
            aot[-1].add(tomlkit.nl())
        aot.append(t)
    if list(doc.keys())[-1] != key and not aot[-1].as_string().endswith("\n\n"):
        aot[-1].add(tomlkit.nl())  # something follows the array: keep a blank line before it


@cli.command(name="set", context_settings=CONTEXT)
@click.argument("days", required=False)
@click.argument("hours", nargs=-1)
@click.option("--timezone", "-t", help="Your IANA time zone, e.g. Europe/London.")
@click.option("--earnings", help="What you earn: 1200/week, 5200/month or 62400/year.")
@click.option("--currency", help="Three-letter currency code, e.g. USD, EUR, GBP.")
@click.option("--name", help="Your business name, as messages show it.")
@pass_app
def set_(
    app: App,
    days: str | None,
    hours: tuple[str, ...],
    timezone: str | None,
    earnings: str | None,
    currency: str | None,
    name: str | None,
) -> None:
    """Set the weekly hours for some days, or your time zone, earnings, or name.

    DAYS is mon, mon-fri, mon,wed,fri, weekdays, weekend or daily; HOURS one or more ranges
    like 9-17, 9:30-17:30, 9am-5pm or 22-2 (overnight), or `closed`.

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
    if days is not None:
        try:
            day_keys = parse_days(days)
        except ValueError as e:
            raise usage(str(e)) from None
        if not hours:
            raise usage("give hours after the days, like `hours set mon-fri 9-17`, or `closed`")
        value = _range_value(_loose_ranges(hours))
        changes += [(day, value) for day in day_keys]
    if timezone is not None:
        try:
            configmod.validate_timezone(timezone)
        except ValueError as e:
            raise usage(str(e)) from None
    amount = None
    if earnings is not None:
        try:
            amount = parse_amount(earnings)
        except ValueError as e:
            raise usage(str(e)) from None

    def change(doc: Any) -> None:
        if name is not None:
            doc["name"] = name
        if timezone is not None:
            doc["timezone"] = timezone
        if changes:
            week = _table(doc, "week")
            for day, value in changes:
                week[day] = value
        if amount is not None or currency is not None:
            table = _table(doc, "earnings")
            if amount is not None:
                for key in ("weekly", "monthly", "yearly"):
                    if key in table:
                        del table[key]
                key = {"week": "weekly", "month": "monthly", "year": "yearly"}[amount[1]]
                table[key] = int(amount[0]) if amount[0].is_integer() else amount[0]
            if currency is not None:
                table["currency"] = currency.upper()

    created = not app.config_path.exists()
    cfg = configmod.edit(app.config_path, change, timezone=timezone)
    if created:
        app.echo(f"Created {app.config_path}", err=True)
    app.echo(f"{cfg.name or 'Your hours'} — {cfg.timezone}")
    for line in week_lines(cfg):
        app.echo(line)
    if amount is not None and cfg.earnings:
        app.echo(
            f"  Earnings: {cfg.earnings.amount:g} {cfg.earnings.currency} a {cfg.earnings.period}"
        )


@cli.command(context_settings=CONTEXT)
@click.argument("first", type=DateParam(), required=False)
@click.argument("last", type=DateParam(), required=False)
@click.option(
    "--hours", "hours_", multiple=True, metavar="RANGE", help="Only these hours (repeatable)."
)
@click.option("--every", metavar="RRULE", help="Recurring, from FIRST: an RFC 5545 RRULE.")
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
            app.echo(f"{n}. {closure_text(c)}")
        if not closed:
            app.echo("No closures. Add one with `hours off 2026-12-24 --reason Christmas`.")
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
    ranges = _loose_ranges(hours_) if hours_ else []

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

    cfg = configmod.edit(app.config_path, change)
    app.echo(f"Added closure {len(cfg.spec.closed)}: {closure_text(cfg.spec.closed[-1])}")


def _remove_closure(app: App, n: int) -> None:
    count = len(app.config.spec.closed)
    if n > count:
        raise usage(f"there is no closure {n}; `hours off --list` shows {count}")
    gone = app.config.spec.closed[n - 1]

    def change(doc: Any) -> None:
        del doc["closed"][n - 1]
        if not doc["closed"]:
            del doc["closed"]

    configmod.edit(app.config_path, change)
    app.echo(f"Removed closure {n}: {closure_text(gone)}")


@cli.command(name="open", context_settings=CONTEXT)
@click.argument("day", type=DateParam())
@click.argument("hours", nargs=-1, required=True)
@click.option("--reason", help="Shown in `hours next` and the report.")
@pass_app
def open_(app: App, day: dt.date, hours: tuple[str, ...], reason: str | None) -> None:
    """Add one-off hours for a date; they replace the weekly hours of that date.

    \b
    Examples:
      hours open 2026-12-20 10-16 --reason "Holiday rush"
      hours open 2026-12-21 9-12 13-18
    """
    ranges = _loose_ranges(hours)
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

    cfg = configmod.edit(app.config_path, change)
    opening = next(o for o in cfg.spec.open if o.date == day)
    app.echo(f"Open on {day:%A %d %B %Y}: {', '.join(str(r) for r in opening.ranges)}")


@cli.command(context_settings=CONTEXT)
@click.argument("country", required=False)
@click.option("--subdivision", "-s", help="A state, province or nation code, e.g. ENG, ON, CA.")
@click.option(
    "--keep-open", multiple=True, metavar="NAME", help="A holiday you work anyway (repeatable)."
)
@click.option("--none", "none_", is_flag=True, help="Stop closing on public holidays.")
@click.option("--list", "list_", is_flag=True, help="List the holidays of a year.")
@click.option(
    "--year", type=click.IntRange(1900, 2200), help="The year for --list (default: this year)."
)
@click.option("--countries", is_flag=True, help="List the country codes and their subdivisions.")
@at_option
@pass_app
def holidays(
    app: App,
    country: str | None,
    subdivision: str | None,
    keep_open: tuple[str, ...],
    none_: bool,
    list_: bool,
    year: int | None,
    countries: bool,
    at: dt.datetime | None,
) -> None:
    """Close on a country's public holidays, stop doing so, or list them.

    \b
    Examples:
      hours holidays GB --subdivision ENG
      hours holidays CA -s ON --keep-open "Civic Holiday"
      hours holidays --list --year 2027
      hours holidays --none
      hours holidays --countries
    """
    from hours import public_holidays

    if countries:
        for code, subdivisions in sorted(public_holidays.countries().items()):
            if len(code) != 2:  # the package also knows three-letter aliases
                continue
            app.echo(f"{code}  {' '.join(subdivisions)}".rstrip())
        return
    if list_:
        _list_holidays(app, year or app.now(at).year)
        return
    if none_:

        def drop(doc: Any) -> None:
            if "holidays" in doc:
                del doc["holidays"]

        configmod.edit(app.config_path, drop)
        app.echo("Public holidays no longer close you.")
        return
    if country is None:
        raise usage("give a country code like GB or US, or --list, or --none")
    code, sub = country.strip().upper(), subdivision.strip().upper() if subdivision else None
    try:
        public_holidays.validate(code, sub)
    except ConfigError as e:
        raise UsageError(e.message.removeprefix("[holidays] ")) from None

    def change(doc: Any) -> None:
        import tomlkit

        table = tomlkit.table()
        table["country"] = code
        if sub:
            table["subdivision"] = sub
        if keep_open:
            table["keep_open"] = list(keep_open)
        if "holidays" in doc:
            doc["holidays"] = table
        else:
            add_section(doc, "holidays", table)

    configmod.edit(app.config_path, change)
    app.__dict__.pop("config", None)
    app.__dict__.pop("schedule", None)
    app.echo(f"Closed on the public holidays of {code}{'-' + sub if sub else ''}:")
    _list_holidays(app, app.now(at).year)


def _list_holidays(app: App, year: int) -> None:
    h = app.config.holidays
    if h is None:
        app.echo(
            "No public holidays set. Close on them with `hours holidays GB` (your country code)."
        )
        return
    from hours.files import state_dir
    from hours.public_holidays import HolidayCalendar

    calendar = HolidayCalendar(h.country, h.subdivision, h.keep_open, state_dir())
    closing = dict(calendar(year))
    for day, name in calendar.all_names(year):
        mark = "" if day in closing else "  (open: keep_open)"
        app.echo(f"  {day:%a %d %b %Y}  {name}{mark}")


# -- init --------------------------------------------------------------------------------


def at_terminal() -> bool:
    """Tell whether a person can answer prompts."""
    return sys.stdin.isatty()


@cli.command(context_settings=CONTEXT)
@click.option("--timezone", "-t", help="Your IANA time zone (default: this machine's).")
@click.option("--days", help="Days you work, e.g. mon-fri (default), or mon,tue,thu.")
@click.option(
    "--hours", "hours_", multiple=True, metavar="RANGE", help="Your hours, e.g. 9-17 (repeatable)."
)
@click.option("--earnings", help="What you earn, e.g. 1200/week.")
@click.option("--currency", help="Three-letter currency code, e.g. USD.")
@click.option("--holidays", "country", help="Close on this country's public holidays, e.g. GB.")
@click.option("--subdivision", help="The state or province for --holidays, e.g. ENG.")
@click.option("--name", help="Your business name, as messages show it.")
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
@pass_app
def init(
    app: App,
    timezone: str | None,
    days: str | None,
    hours_: tuple[str, ...],
    earnings: str | None,
    currency: str | None,
    country: str | None,
    subdivision: str | None,
    name: str | None,
    force: bool,
) -> None:
    """Create your config: asks at a terminal, takes flags anywhere.

    \b
    Examples:
      hours init
      hours init --timezone Europe/London --days mon-fri --hours 9-17
      hours init -t America/Toronto --hours 9-12 --hours 13-17 --earnings 1200/week --holidays CA
    """
    from hours.commands.init import build_config_text, interactive_answers

    path = app.config_path
    if (path.exists() or path.is_symlink()) and not force:
        raise usage(
            f"{path} already exists; pass --force to overwrite it, or edit it with `hours set`"
        )
    answers = {
        "timezone": timezone,
        "days": days,
        "hours": list(hours_) or None,
        "earnings": earnings,
        "currency": currency,
        "country": country,
        "subdivision": subdivision,
        "name": name,
    }
    if at_terminal():
        answers = interactive_answers(answers)
    text = build_config_text(answers)
    cfg = configmod.parse(text, path)
    configmod.save_text(path, text)
    app.echo(f"Wrote {path}")
    app.echo(f"{cfg.name or 'Your hours'} — {cfg.timezone}")
    for line in week_lines(cfg):
        app.echo(line)
    app.echo("Next: `hours status`, `hours off DATE --reason ...`, `hours show`.")
