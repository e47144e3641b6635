"""`hours init`: turn answers (from flags or prompts) into a first config file, and write it."""

from __future__ import annotations

from typing import Any

import click

from hours import config as configmod
from hours.clikit import (
    CONTEXT,
    App,
    at_terminal,
    currency_option,
    earnings_option,
    pass_app,
    usage,
)
from hours.commands.setup import ask_email, check_address, report_email
from hours.config import guess_timezone, validate_timezone
from hours.describe import week_lines
from hours.errors import ConfigError, UsageError
from hours.money import currency_code
from hours.parsing import parse_amount, parse_days, parse_range
from hours.schedule import DAYS, overlapping


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
        ask("currency", "Currency", "USD", currency_code)
    ask("country", "Close on public holidays of (country code, empty to skip)", "", _check_country)
    if out.get("country"):
        ask(
            "subdivision",
            "State or province code (empty for none)",
            "",
            lambda s: _check_country(out["country"], s),
        )
    ask("email", "Email address for after-hours replies (empty to skip)", "", check_address)
    return out


def _check_hours(text: str) -> None:
    _ranges(text.split())


def _check_country(country: str, subdivision: str | None = None) -> None:
    from hours import public_holidays

    public_holidays.validate(country.upper(), subdivision.upper() if subdivision else None)


def _ranges(texts: list[str]) -> list[str]:
    ranges = [parse_range(t, loose=True) for t in texts]
    clash = overlapping(ranges)
    if clash:
        raise ValueError(f"{clash[0]} and {clash[1]} overlap")
    return [str(r) for r in sorted(ranges)]


def build_config_text(a: dict[str, Any]) -> str:
    """Return the text of a config from the answers, or raise UsageError naming the bad one."""
    import tomlkit

    try:
        timezone = validate_timezone(a.get("timezone") or guess_timezone())
        days = parse_days(a.get("days") or "mon-fri")
        ranges = _ranges(a.get("hours") or ["9-17"])
        # A flag arrives parsed (EarningsParam, CurrencyParam); a prompt's answer as typed,
        # checked by the same parsers as it was typed.
        earnings = a.get("earnings") or None
        if isinstance(earnings, str):
            earnings = parse_amount(earnings)
        currency = currency_code(a.get("currency") or "USD")
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
        table["currency"] = currency
        doc["earnings"] = table
    return tomlkit.dumps(doc)


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
@click.option(
    "--email",
    metavar="ADDRESS",
    help="Auto-reply to email at this address (its provider guessed, as `hours autoreply "
    "setup email` does).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
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
    email: str | None,
    force: bool,
) -> None:
    """Create your config: asks at a terminal, takes flags anywhere.

    \b
    Examples:
      hours init
      hours init --timezone Europe/London --days mon-fri --hours 9-17
      hours init -t America/Toronto --hours 9-12 --hours 13-17 --earnings 1200/week --holidays CA
      hours init -t Europe/London --email sam@outlook.com
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
        "email": email,
    }
    interactive = at_terminal()
    if interactive:
        answers = interactive_answers(answers)
    text = build_config_text(answers)
    typed_password = None
    if answers.get("email"):
        import tomlkit

        from hours.config.email_table import apply

        email_answers, typed_password = ask_email(
            {"address": answers["email"]}, interactive=interactive
        )
        doc = tomlkit.parse(text)
        apply(doc, email_answers)
        text = tomlkit.dumps(doc)
    cfg = configmod.parse(text, path)
    configmod.save_text(path, text)
    app.echo(f"Wrote {path}")
    app.echo(f"{cfg.name or 'Your hours'} — {cfg.timezone}")
    for line in week_lines(cfg):
        app.echo(line)
    if cfg.autoreply is not None and cfg.autoreply.email is not None:
        secret_file = None
        if typed_password is not None:
            from hours.config import secrets

            secret_file = secrets.store(path.parent, "email", "password", typed_password)
        app.echo("Email:")
        for line in report_email(cfg.autoreply.email, path.parent, secret_file):
            app.echo(f"  {line}")
        return
    app.echo("Next: `hours status`, `hours off DATE --reason ...`, `hours show`.")
