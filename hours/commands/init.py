"""`hours init`: turn answers (from flags or prompts) into a first config file, and write it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from hours import config as configmod
from hours.clikit import (
    CONTEXT,
    App,
    at_terminal,
    clock,
    currency_option,
    earnings_option,
    pass_app,
    usage,
)
from hours.commands.setup import ask_email, check_address, report_email
from hours.config import guess_timezone, validate_timezone
from hours.describe import holidays_example, week_lines
from hours.errors import ConfigError, UsageError
from hours.money import currency_code
from hours.parsing import parse_amount, parse_days, read_ranges
from hours.schedule import DAYS

DEFAULTS = {"days": "mon-fri", "hours": "9-17"}
EXAMPLE_HINT = "`hours init --example` prints every key, explained."


def interactive_answers(given: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Ask, at a terminal, for every answer not given as a flag; defaults are sensible."""
    from hours.money import default_currency, territory_of_zone

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
    ask("days", "Days you work", DEFAULTS["days"], parse_days)
    if out.get("hours") is None:
        ask(
            "hours_text",
            "Hours (several ranges with spaces, e.g. 9-12 13-17)",
            DEFAULTS["hours"],
            _check_hours,
        )
        out["hours"] = (out.pop("hours_text") or DEFAULTS["hours"]).split()
    like = territory_of_zone(out["timezone"]) or "GB"
    ask(
        "country",
        f"Close on public holidays of (country code like {like}, empty to skip)",
        "",
        _check_country,
    )
    if out.get("country"):
        ask(
            "subdivision",
            "State or province code (empty for none)",
            "",
            lambda s: _check_country(out["country"], s),
        )
    ask("earnings", "What you earn, e.g. 1200/week (empty to skip)", "", parse_amount)
    if out.get("earnings"):
        currency = default_currency(out.get("country"), out["timezone"], on=today)
        ask("currency", "Currency", currency, currency_code)
    ask("email", "Email address for after-hours replies (empty to skip)", "", check_address)
    return out


def _check_hours(text: str) -> None:
    _ranges(text.split())


def _check_country(country: str, subdivision: str | None = None) -> None:
    from hours import public_holidays

    public_holidays.validate(country.upper(), subdivision.upper() if subdivision else None)


def _ranges(texts: list[str]) -> list[str]:
    ranges, _ = read_ranges(texts)
    return [str(r) for r in ranges]


def build_config_text(a: dict[str, Any], today: dt.date) -> str:
    """Return the text of a config from the answers, or raise UsageError naming the bad one."""
    import tomlkit

    try:
        timezone = validate_timezone(a.get("timezone") or guess_timezone())
        days = parse_days(a.get("days") or DEFAULTS["days"])
        ranges = _ranges(a.get("hours") or [DEFAULTS["hours"]])
        # A flag arrives parsed (EarningsParam, CurrencyParam); a prompt's answer as typed,
        # checked by the same parsers as it was typed.
        earnings = a.get("earnings") or None
        if isinstance(earnings, str):
            earnings = parse_amount(earnings)
        currency = currency_code(a["currency"]) if a.get("currency") else None
    except ValueError as e:
        raise UsageError(str(e)) from None
    if a.get("country"):
        try:
            _check_country(a["country"], a.get("subdivision"))
        except ConfigError as e:
            raise UsageError(e.message.removeprefix("[holidays] ")) from None

    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"hours: when you are available. {EXAMPLE_HINT}"))
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
        from hours.money import default_currency

        table = tomlkit.table()
        key = {"week": "weekly", "month": "monthly", "year": "yearly"}[earnings[1]]
        table[key] = int(earnings[0]) if earnings[0].is_integer() else earnings[0]
        table["currency"] = currency or default_currency(a.get("country"), timezone, on=today)
        doc["earnings"] = table
    return tomlkit.dumps(doc)


def defaults_taken(given: dict[str, Any], cfg: configmod.Config) -> list[tuple[str, str]]:
    """Say what each answer left out was taken to be, and how to change it."""
    from hours.money import territory_of_zone

    out = []
    if not given.get("timezone"):
        out.append(("time zone", f"{cfg.timezone} (this machine's; `hours set --timezone`)"))
    if not given.get("days"):
        out.append(("days", DEFAULTS["days"]))
    if not given.get("hours"):
        out.append(("hours", DEFAULTS["hours"]))
    if not given.get("name"):
        out.append(("name", 'none (`hours set --name "Sam\'s Nails"`)'))
    if cfg.earnings is None:
        out.append(("earnings", "none (`hours set --earnings 1200/week`)"))
    elif not given.get("currency"):
        country = given.get("country") or territory_of_zone(cfg.timezone)
        whose = f", the currency of {country.upper()}" if country else ""
        out.append(("currency", f"{cfg.earnings.currency}{whose} (`hours set --currency`)"))
    if cfg.holidays is None:
        out.append(("holidays", f"none (`{holidays_example(cfg.timezone)}`)"))
    if not given.get("email"):
        out.append(("email", "no auto-replies (`hours autoreply setup email`)"))
    return out


def example_text() -> str:
    """Return config.example.toml, installed with the package: every key, commented."""
    from importlib.resources import files

    return files("hours").joinpath("config.example.toml").read_text(encoding="utf-8")


@click.command(context_settings=CONTEXT)
@click.option("--timezone", "-t", help="Your IANA time zone (default: this machine's).")
@click.option("--days", help="Days you work, e.g. mon-fri (default), or mon,tue,thu.")
@click.option(
    "--hours", "hours_", multiple=True, metavar="RANGE", help="Your hours, e.g. 9-17 (repeatable)."
)
@earnings_option("What you earn, e.g. 1200/week.")
@currency_option
@click.option("--holidays", "country", help="Close on this country's public holidays, e.g. GB.")
@click.option("--subdivision", help="The state or province for --holidays, e.g. ENG.")
@click.option("--name", help="Your business name, as messages show it.")
@click.option("--interactive", "-i", is_flag=True, help="Ask for what the flags leave out.")
@click.option(
    "--email",
    metavar="ADDRESS",
    help="Auto-reply to email at this address (its provider guessed, as `hours autoreply "
    "setup email` does).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
@click.option(
    "--example", is_flag=True, help="Print an example config with every key, and write nothing."
)
@pass_app
def init(
    app: App,
    timezone: str | None,
    days: str | None,
    hours_: tuple[str, ...],
    earnings: tuple[float, str] | None,
    currency: str | None,
    country: str | None,
    subdivision: str | None,
    name: str | None,
    interactive: bool,
    email: str | None,
    force: bool,
    example: bool,
) -> None:
    """Create your config: with flags it asks nothing; with none, it asks at a terminal.

    What the flags leave out takes its default, and the summary says which; --interactive
    asks for it instead. The currency is your holidays country's, else your time zone's.

    \b
    Examples:
      hours init
      hours init --timezone Europe/London --days mon-fri --hours 9-17
      hours init -t America/Toronto --hours 9-12 --hours 13-17 --earnings 1200/week --holidays CA
      hours init -t Europe/London --email sam@outlook.com
      hours init --holidays GB --interactive
      hours init --example
    """
    if example:
        click.echo(example_text(), nl=False)
        return
    path = app.config_path
    if (path.exists() or path.is_symlink()) and not force:
        raise usage(
            f"{path} already exists; pass --force to overwrite it, or edit it with `hours set`"
        )
    given = {
        "timezone": timezone,
        "days": days,
        "hours": list(hours_) or None,
        "earnings": earnings,
        "currency": currency,
        "country": country,
        "subdivision": subdivision,
        "name": name,
        "email": email,
    }
    flags = any(v is not None for v in given.values())
    today = clock(dt.UTC).date()  # only to tell which currency is in use: UTC's day will do
    asked = interactive or (not flags and at_terminal())
    answers = interactive_answers(given, today) if asked else given
    text = build_config_text(answers, today)
    typed_password = None
    if answers.get("email"):
        import tomlkit

        from hours.config.email_table import apply

        email_answers, typed_password = ask_email({"address": answers["email"]}, interactive=asked)
        doc = tomlkit.parse(text)
        apply(doc, email_answers)
        text = tomlkit.dumps(doc)
    cfg = configmod.parse(text, path)
    configmod.save_text(path, text)
    app.echo(f"Wrote {path}")
    app.echo(f"{cfg.name or 'Your hours'} — {cfg.timezone}")
    for line in week_lines(cfg):
        app.say(line)
    taken = [] if asked else defaults_taken(given, cfg)
    if taken:
        app.echo("Left out, so taken as:")
        width = max(len(key) for key, _ in taken)
        for key, value in taken:
            app.say(f"  {key:<{width}}  {value}", hang=width + 4)
    if cfg.autoreply is not None and cfg.autoreply.email is not None:
        secret_file = None
        if typed_password is not None:
            from hours.config import secrets

            secret_file = secrets.store(path.parent, "email", "password", typed_password)
        app.echo("Email:")
        for line in report_email(
            cfg.autoreply.email, path.parent, secret_file, named=bool(cfg.name)
        ):
            app.say(f"  {line}", hang=4)
        return  # the email's own next steps end the summary
    app.say("Next: `hours`, `hours status`, `hours off DATE --reason ...`, `hours show`.")
