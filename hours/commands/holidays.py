"""`hours holidays`: close on a country's public holidays, stop, or list them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from hours.clikit import CONTEXT, App, Arg, at_option, clock, pass_app, usage
from hours.describe import holidays_example
from hours.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from hours.public_holidays import Holiday


@click.command(context_settings=CONTEXT)
@click.argument("country", cls=Arg, required=False)
@click.option("--subdivision", "-s", help="A state, province or nation code, e.g. ENG, ON, CA.")
@click.option(
    "--keep-open",
    multiple=True,
    metavar="NAME",
    help="A public holiday you work anyway (repeatable).",
)
@click.option(
    "--include",
    multiple=True,
    metavar="NAME",
    help="An optional (or bank, ...) holiday that closes you too (repeatable).",
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
    include: tuple[str, ...],
    none_: bool,
    list_: bool,
    year: int | None,
    countries: bool,
    at: dt.datetime | None,
) -> None:
    """Close on a country's public holidays, stop doing so, or list them.

    A name given to --keep-open must be one of the country's public holidays, and one given to
    --include one of its other holidays (optional, bank, ...): `hours holidays --list` shows
    both kinds, and a name that is neither is refused with the names there are.

    \b
    Examples:
      hours holidays GB --subdivision ENG
      hours holidays CA -s ON --keep-open "Family Day" --include "Civic Holiday"
      hours holidays --list --year 2027
      hours holidays --none
      hours holidays --countries
    """
    from hours import public_holidays

    if countries:
        for code, subdivisions in sorted(public_holidays.countries().items()):
            if len(code) != 2:  # the package also knows three-letter aliases
                continue
            app.say(f"{code}  {' '.join(subdivisions)}".rstrip(), hang=4)
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
    # The year only picks which names to check against: the one in UTC will do, and needs no
    # config to tell the zone (there may be none yet).
    this_year = at.year if at is not None else clock(dt.UTC).year
    calendar = public_holidays.HolidayCalendar(code, sub, (), None)
    known = [h for y in (this_year, this_year + 1) for h in calendar.entries(y)]
    place = f"{code}-{sub}" if sub else code
    kept = [_checked(name, known, place, keep=True) for name in keep_open]
    included = [_checked(name, known, place, keep=False) for name in include]

    def change(doc: Any) -> None:
        import tomlkit

        from hours.config.toml_layout import add_section

        table = tomlkit.table()
        table["country"] = code
        if sub:
            table["subdivision"] = sub
        if kept:
            table["keep_open"] = kept
        if included:
            table["include"] = included
        if "holidays" in doc:
            doc["holidays"] = table
        else:
            add_section(doc, "holidays", table)

    app.edit(change)
    _list_holidays(app, app.now(at).year)


def _checked(name: str, known: Sequence[Holiday], place: str, *, keep: bool) -> str:
    """Return the calendar's own spelling of a holiday name, or refuse it naming the choices."""
    from hours.public_holidays import PUBLIC

    public = list(dict.fromkeys(name for _, name, category in known if category == PUBLIC))
    others = list(dict.fromkeys(name for _, name, category in known if category != PUBLIC))
    wanted, unwanted = (public, others) if keep else (others, public)
    for found in wanted:
        if found.casefold() == name.strip().casefold():
            return found
    quoted = f'"{name}"'
    if any(n.casefold() == name.strip().casefold() for n in unwanted):
        if keep:
            raise usage(
                f"{quoted} is not one of {place}'s public holidays, so it never closed you; "
                f"to close on it, use --include {quoted}"
            )
        raise usage(f"{quoted} is a public holiday of {place}: it closes you already")
    if keep:
        raise usage(
            f"{quoted} is not a public holiday of {place}; --keep-open takes one of: "
            + ", ".join(public)
        )
    if not others:
        raise usage(f"{place} has no holidays besides its public ones, so there is none to include")
    raise usage(
        f"{quoted} is not one of {place}'s other holidays; --include takes one of: "
        + ", ".join(others)
    )


def _list_holidays(app: App, year: int) -> None:
    h = app.config.holidays
    if h is None:
        example = holidays_example(app.config.timezone)
        app.say(f"No public holidays set. Close on them with `{example}`.")
        return
    from hours.files import state_dir
    from hours.public_holidays import PUBLIC, HolidayCalendar

    calendar = HolidayCalendar(h.country, h.subdivision, h.keep_open, state_dir(), h.include)
    place = f"{h.country}-{h.subdivision}" if h.subdivision else h.country
    app.say(f"Holidays of {place} in {year} (closed on each unless it says open):")
    others: dict[str, str] = {}  # name -> category, of those that do not close
    for holiday in calendar.entries(year):
        day, name, category = holiday
        closes = calendar.closes(holiday)
        if category == PUBLIC:
            mark = "" if closes else "  (open: kept open)"
        elif closes:
            mark = f"  ({category}; closed: included)"
        else:
            others.setdefault(name, category)
            continue
        app.say(f"  {day:%a %d %b %Y}  {name}{mark}", hang=19)
    if others:
        by_category: dict[str, list[str]] = {}
        for name, category in others.items():
            by_category.setdefault(category, []).append(name)
        groups = "; ".join(f"{', '.join(names)} ({c})" for c, names in by_category.items())
        app.say(f"Others you may --include: {groups}.")
