"""What every command shares: the group with its one error boundary, the app context, options.

Kept free of rich and of everything heavy: `hours status` goes through here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
from collections.abc import Callable
from functools import cached_property
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import click

from hours import config as configmod
from hours.errors import Exit, HoursError, UsageError
from hours.files import config_path, state_dir
from hours.parsing import check_date
from hours.schedule import Schedule

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class HoursGroup(click.Group):
    """A group whose subcommands may load lazily, with the one error boundary of `hours`."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def main(  # type: ignore[override]
        self, args: list[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        """Run, turning every expected failure into one `Error:` line and its exit status."""
        if extra.pop("standalone_mode", True) is False:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, standalone_mode=False, **extra)
        except HoursError as e:
            _fail(e.message, e.exit_status)
        except click.UsageError as e:
            where = f". See '{e.ctx.command_path} --help'." if e.ctx else ""
            _fail(f"{e.format_message().rstrip('.')}{where}", Exit.USAGE)
        except click.ClickException as e:
            _fail(e.format_message(), e.exit_code)
        except (click.Abort, KeyboardInterrupt):
            _fail("interrupted", Exit.INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else 0)


def _fail(message: str, status: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


class App:
    """The state of one invocation: where the config is, how to print, what time it is."""

    def __init__(self, config_option: str | None, *, no_color: bool) -> None:
        self.config_path = config_path(config_option)
        self.color: bool | None = False if no_color or "NO_COLOR" in os.environ else None

    @cached_property
    def config(self) -> configmod.Config:
        """Return the loaded config, or the built-in default with a notice on stderr."""
        cfg = configmod.load_or_default(self.config_path)
        for warning in cfg.warnings:
            click.echo(f"Warning: {warning}", err=True)
        if cfg.is_default:
            click.echo(
                f"Note: no config at {self.config_path}; using the built-in default "
                f"(Monday-Friday 09:00-17:00, {cfg.timezone}). Run `hours init` to make it yours.",
                err=True,
            )
        return cfg

    @cached_property
    def zone(self) -> ZoneInfo:
        """Return the config's time zone."""
        return ZoneInfo(self.config.timezone)

    @cached_property
    def schedule(self) -> Schedule:
        """Return the schedule of the config, with its public holidays."""
        return build_schedule(self.config)

    def now(self, at: dt.datetime | None = None) -> dt.datetime:
        """Return `--at` resolved in the config's zone, or the current time there."""
        if at is None:
            return dt.datetime.now(self.zone)
        if at.tzinfo is None:
            return at.replace(tzinfo=self.zone, fold=0)
        return at.astimezone(self.zone)

    def echo(self, text: str = "", **kwargs: Any) -> None:
        """Print a line, in colour only where colour is wanted."""
        click.echo(text, color=self.color, **kwargs)

    def style(self, text: str, **styles: Any) -> str:
        """Return `text` styled, unless colour is off."""
        return text if self.color is False else click.style(text, **styles)


def build_schedule(cfg: configmod.Config) -> Schedule:
    """Return the Schedule of a config, its holidays read through the state directory's cache."""
    calendar = None
    if cfg.holidays is not None:
        from hours.public_holidays import HolidayCalendar

        h = cfg.holidays
        calendar = HolidayCalendar(h.country, h.subdivision, h.keep_open, state_dir())
    return Schedule(cfg.spec, calendar)


pass_app = click.make_pass_decorator(App)


class DateTimeParam(click.ParamType):  # type: ignore[type-arg]
    """An ISO 8601 date-time from 1900 to 9000; without an offset, in the config's zone."""

    name = "DATETIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        try:
            if "T" not in text.upper() and " " not in text:
                raise ValueError
            at = dt.datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            self.fail(
                f"{value!r} is not a date-time; use ISO 8601 like 2026-12-25T10:00 "
                "or 2026-12-25T10:00+01:00",
                param,
                ctx,
            )
        try:
            check_date(at.date(), text)
        except ValueError as e:
            self.fail(str(e), param, ctx)
        return at


class DateParam(click.ParamType):  # type: ignore[type-arg]
    """An ISO 8601 date from 1900 to 9000."""

    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            self.fail(f"{value!r} is not a date; use YYYY-MM-DD like 2026-12-24", param, ctx)
        try:
            check_date(day, text)
        except ValueError as e:
            self.fail(str(e), param, ctx)
        return day


class EarningsParam(click.ParamType):  # type: ignore[type-arg]
    """Earnings like 1200/week, 5200/month or 62400/year (a bare number is per week)."""

    name = "AMOUNT[/PERIOD]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[float, str]:
        if isinstance(value, tuple):
            return value
        from hours.parsing import parse_amount

        try:
            return parse_amount(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


class CurrencyParam(click.ParamType):  # type: ignore[type-arg]
    """An ISO 4217 currency code that Babel knows, like USD, EUR or GBP (any case)."""

    name = "CODE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from hours.money import currency_code

        try:
            return currency_code(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


def at_option(f: F) -> F:
    """Add `--at WHEN`."""
    return click.option(
        "--at",
        type=DateTimeParam(),
        help="Answer as if it were this moment (ISO 8601; without an offset, in your zone).",
    )(f)


def earnings_option(help: str) -> Callable[[F], F]:
    """Add `--earnings AMOUNT[/PERIOD]`, read by EarningsParam."""
    return click.option("--earnings", type=EarningsParam(), help=help)


def currency_option(f: F) -> F:
    """Add `--currency CODE`, read by CurrencyParam."""
    return click.option(
        "--currency", type=CurrencyParam(), help="Three-letter currency code, e.g. USD, EUR, GBP."
    )(f)


def json_option(f: F) -> F:
    """Add `--json`."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(f)


def print_json(data: Any) -> None:
    """Print `data` as one JSON document on stdout."""
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def iso(value: dt.datetime | None) -> str | None:
    """Return an ISO 8601 date-time with its offset, to the second, or None."""
    return None if value is None else value.isoformat(timespec="seconds")


def at_terminal() -> bool:
    """Tell whether a person can answer prompts."""
    return sys.stdin.isatty()


def usage(message: str) -> UsageError:
    """Return a usage error (exit 2) for a bad argument."""
    return UsageError(message)
