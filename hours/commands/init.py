"""`hours init`: turn answers (from flags or prompts) into a first config file, and write it."""

from __future__ import annotations

import sys
from typing import Any

import click

from hours import config as configmod
from hours.clikit import CONTEXT, App, pass_app, usage
from hours.config import guess_timezone, validate_timezone
from hours.describe import week_lines
from hours.errors import ConfigError, UsageError
from hours.parsing import parse_amount, parse_days, read_ranges
from hours.schedule import DAYS


def interactive_answers(given: dict[str, Any]) -> dict[str, Any]:
    """Ask, at a terminal, for every answer not given as a flag; defaults are sensible."""
    out = dict(given)

    def ask(key: str, text: str, default: str, check: Any) -> None:
        if out.get(key) is not None:
            return
        while True:
            value = click.prompt(text, default=default, show_default=bool(default))
            try:
                if value.strip():
                    check(value.strip())
            except (ValueError, UsageError, ConfigError) as e:
                click.echo(f"  {getattr(e, 'message', e)}", err=True)
                continue
            out[key] = value.strip() or None
            return

    ask("name", "Business name (shown in auto-replies)", "", str)
    ask("timezone", "Time zone", guess_timezone(), validate_timezone)
    ask("days", "Days you work", "mon-fri", parse_days)
    if out.get("hours") is None:
        ask(
            "hours_text",
            "Hours (several ranges with spaces, e.g. 9-12 13-17)",
            "9-17",
            _check_hours,
        )
        out["hours"] = (out.pop("hours_text") or "9-17").split()
    ask("earnings", "What you earn, e.g. 1200/week (empty to skip)", "", parse_amount)
    if out.get("earnings"):
        ask("currency", "Currency", "USD", str)
    ask("country", "Close on public holidays of (country code, empty to skip)", "", _check_country)
    if out.get("country"):
        ask(
            "subdivision",
            "State or province code (empty for none)",
            "",
            lambda s: _check_country(out["country"], s),
        )
    return out


def _check_hours(text: str) -> None:
    _ranges(text.split())


def _check_country(country: str, subdivision: str | None = None) -> None:
    from hours import public_holidays

    public_holidays.validate(country.upper(), subdivision.upper() if subdivision else None)


def _ranges(texts: list[str]) -> list[str]:
    ranges, _ = read_ranges(texts)
    return [str(r) for r in ranges]


def build_config_text(a: dict[str, Any]) -> str:
    """Return the text of a config from the answers, or raise UsageError naming the bad one."""
    import tomlkit

    try:
        timezone = validate_timezone(a.get("timezone") or guess_timezone())
        days = parse_days(a.get("days") or "mon-fri")
        ranges = _ranges(a.get("hours") or ["9-17"])
        earnings = parse_amount(a["earnings"]) if a.get("earnings") else None
    except ValueError as e:
        raise UsageError(str(e)) from None
    if a.get("country"):
        try:
            _check_country(a["country"], a.get("subdivision"))
        except ConfigError as e:
            raise UsageError(e.message.removeprefix("[holidays] ")) from None

    doc = tomlkit.document()
    doc.add(tomlkit.comment("hours: when you are available. config.example.toml shows every key."))
    if a.get("name"):
        doc["name"] = a["name"]
    doc["timezone"] = timezone
    week = tomlkit.table()
    week.comment('a day left out, or "closed", is closed; "22:00-02:00" runs overnight')
    for day in DAYS:
        if day in days:
            week[day] = ranges[0] if len(ranges) == 1 else ranges
        else:
            week[day] = "closed"
    doc["week"] = week
    if a.get("country"):
        hol = tomlkit.table()
        hol["country"] = a["country"].upper()
        if a.get("subdivision"):
            hol["subdivision"] = a["subdivision"].upper()
        doc["holidays"] = hol
    if earnings is not None:
        table = tomlkit.table()
        key = {"week": "weekly", "month": "monthly", "year": "yearly"}[earnings[1]]
        table[key] = int(earnings[0]) if earnings[0].is_integer() else earnings[0]
        table["currency"] = (a.get("currency") or "USD").upper()
        doc["earnings"] = table
    return tomlkit.dumps(doc)


def at_terminal() -> bool:
    """Tell whether a person can answer prompts."""
    return sys.stdin.isatty()


@click.command(context_settings=CONTEXT)
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
