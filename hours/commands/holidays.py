"""`hours holidays`: close on a country's public holidays, stop, or list them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from hours.clikit import CONTEXT, App, at_option, pass_app, usage
from hours.errors import ConfigError, UsageError
from hours.toml_layout import add_section


@click.command(context_settings=CONTEXT)
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

        app.edit(drop)
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

    app.edit(change)
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
