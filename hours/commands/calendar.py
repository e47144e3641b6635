"""`hours calendar export|import`: your hours as a calendar to publish, and events as closures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from hours.clikit import CONTEXT, App, at_option, pass_app
from hours.commands.report import output_option, write_output


@click.group(context_settings=CONTEXT)
def calendar() -> None:
    """Publish your hours as an iCalendar, or close on the events of one.

    \b
    Examples:
      hours calendar export -o hours.ics
      hours calendar import vacation.ics --dry-run
    """


@calendar.command(context_settings=CONTEXT)
@output_option
@click.option(
    "--weeks",
    default=8,
    show_default=True,
    type=click.IntRange(1, 520),
    help="How many weeks, from this one.",
)
@at_option
@pass_app
def export(app: App, output: str | None, weeks: int, at: dt.datetime | None) -> None:
    """Write your open hours, closures and holidays as an iCalendar (RFC 5545).

    The weeks start on this week's Monday. Publish the file where your clients' calendars can
    subscribe to it; the events keep their UIDs from one export to the next.

    \b
    Examples:
      hours calendar export -o hours.ics
      hours calendar export --weeks 4 > hours.ics
    """
    from hours import calendar as calmod

    now = app.now(at)
    monday = now.date() - dt.timedelta(days=now.weekday())
    start = app.schedule.localize(monday)
    end = app.schedule.localize(monday + dt.timedelta(weeks=weeks))
    data = calmod.export(app.schedule, start, end, now=now, name=app.config.name)
    write_output(app, output, data)


@calendar.command(name="import", context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="List what would be added; change nothing.")
@click.option(
    "--weeks",
    default=52,
    show_default=True,
    type=click.IntRange(1, 520),
    help="How far ahead to take events (recurring ones are expanded up to there).",
)
@at_option
@pass_app
def import_(app: App, file: str, dry_run: bool, weeks: int, at: dt.datetime | None) -> None:
    """Add the events of an .ics file as closures, the event's summary as the reason.

    Events from today up to --weeks ahead are taken: recurring ones expanded (RRULE, EXDATE),
    all-day ones as whole days, timed ones in any time zone cut at your midnights. Closures
    already in your config are not added again, so importing twice adds nothing.

    \b
    Examples:
      hours calendar import vacation.ics --dry-run
      hours calendar import vacation.ics
    """
    from hours import calendar as calmod
    from hours.config.toml_layout import append_tables
    from hours.describe import closure_text

    path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise click.BadParameter(f"cannot read {path}: {e.strerror}", param_hint="'FILE'") from None
    cfg = app.config
    cal = calmod.parse(data, str(path))
    today = app.now(at).date()
    found = calmod.closures(cal, app.zone, today, today + dt.timedelta(weeks=weeks), str(path))
    have = {calmod.key(c) for c in cfg.spec.closed}
    new = [c for c in found if calmod.key(c) not in have]
    already = len(found) - len(new)
    there = f" ({already} already in your config)" if already else ""
    if not new:
        app.echo(f"Nothing to add from {path}{there}.")
        return
    verb = "Would add" if dry_run else "Added"
    if dry_run:
        _list(app, verb, new, there, path, closure_text)
        return

    def change(doc: Any) -> None:
        append_tables(doc, "closed", [_entry(c) for c in new])

    app.edit(change, timezone=cfg.timezone)
    _list(app, verb, new, there, path, closure_text)


def _list(app: App, verb: str, new: list[Any], there: str, path: Path, text: Any) -> None:
    noun = "closure" if len(new) == 1 else "closures"
    app.echo(f"{verb} {len(new)} {noun} from {path}{there}:")
    for c in new:
        app.echo(f"  {text(c)}")


def _entry(c: Any) -> Any:
    import tomlkit

    entry = tomlkit.table()
    if c.last is not None and c.last != c.first:
        entry["from"] = c.first
        entry["to"] = c.last
    else:
        entry["date"] = c.first
    if c.ranges:
        entry["hours"] = str(c.ranges[0]) if len(c.ranges) == 1 else [str(r) for r in c.ranges]
    entry["reason"] = c.reason
    return entry
