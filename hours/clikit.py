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
from hours.errors import ConfigError, Exit, HoursError, UsageError
from hours.files import config_path, state_dir
from hours.parsing import check_date
from hours.schedule import Schedule

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Options of every command that may also come before it: moved behind the command's path, where
# the command's own parser takes them (or says it has no such option).
_MOVED_BEHIND = ("--json", "-q", "--quiet")


class HoursGroup(click.Group):
    """A group whose subcommands may load lazily, with the one error boundary of `hours`.

    Every subcommand takes `--config` and `--no-color` after its name as well as before, and
    `--json` or `-q` before its name as well as after, where it has them.
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command: click.Command | None
        if cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Command)
        else:
            command = super().get_command(ctx, cmd_name)
        if command is not None:
            _take_global_options(command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if not name.startswith("-") and self.get_command(ctx, name) is None:
            from difflib import get_close_matches

            close = get_close_matches(name, self.list_commands(ctx))
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _move_behind_command(args))

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
        except click.exceptions.NoArgsIsHelpError as e:  # a bare group: its help is the answer
            click.echo(e.ctx.get_help() if e.ctx else "", color=e.ctx.color if e.ctx else None)
            sys.exit(Exit.OK)
        except click.UsageError as e:
            message = e.format_message().rstrip(".")
            stop = "" if message.endswith("?") else "."  # "Did you mean 'status'?" ends itself
            where = f" See '{e.ctx.command_path} --help'." if e.ctx else ""
            _fail(f"{message}{stop}{where}", Exit.USAGE)
        except click.ClickException as e:
            _fail(e.format_message(), e.exit_code)
        except (click.Abort, KeyboardInterrupt):
            _fail("interrupted", Exit.INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else 0)


def _move_behind_command(args: list[str]) -> list[str]:
    """Move `--json`/`-q` given before the command's name to the end of its arguments.

    Before the name only the group's own options can stand, and only `--config` takes a value,
    so which tokens are options there is certain.
    """
    args = list(args)
    moved: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        if args[i] in _MOVED_BEHIND:
            moved.append(args.pop(i))
            continue
        i += 2 if args[i] == "--config" else 1
    if not moved or i >= len(args) or args[i] == "--":
        return [*args[:i], *moved, *args[i:]]  # no command to move them behind: left as given
    rest = args[i:]
    end = rest.index("--") if "--" in rest else len(rest)
    return [*args[:i], *rest[:end], *moved, *rest[end:]]


def _use_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        _app(ctx).use_config(value)


def _no_color(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        _app(ctx).color = False


def _app(ctx: click.Context) -> App:
    app = ctx.find_object(App)
    assert app is not None, "the group makes the App before any command parses"
    return app


def _take_global_options(command: click.Command) -> None:
    """Let `command` (and each command under it) take `--config` and `--no-color` itself."""
    if any(p.name == "global_config" for p in command.params):
        return
    command.params += [
        click.Option(
            ["--config", "global_config"],
            metavar="PATH",
            expose_value=False,
            callback=_use_config,
            help="The config file (default: $HOURS_CONFIG, then your config directory).",
        ),
        click.Option(
            ["--no-color", "global_no_color"],
            is_flag=True,
            expose_value=False,
            callback=_no_color,
            help="No colour, as NO_COLOR does.",
        ),
    ]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _take_global_options(sub)


def _fail(message: str, status: int) -> NoReturn:
    if status != Exit.USAGE:  # a usage error only repeats what was typed
        from hours.clients.net import scrub_text  # the failure path only: status stays lean

        message = scrub_text(message)
    text = f"Error: {message}"
    width = columns(sys.stderr)
    click.echo(wrap(text, width, hang=7) if width and len(text) > width else text, err=True)
    sys.exit(status)


def columns(stream: Any) -> int | None:
    """Return the width to fit on `stream`: $COLUMNS, else its terminal's; None when unknown."""
    try:
        given = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        given = 0
    if given > 0:
        return given
    if stream.isatty():
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):
            return None
    return None


def clock(zone: dt.tzinfo) -> dt.datetime:
    """Return the current time in `zone`: the one place `hours` reads the clock."""
    return dt.datetime.now(zone)


class App:
    """The state of one invocation: where the config is, how to print, what time it is."""

    def __init__(
        self, config_option: str | None, *, no_color: bool, keep_parsed_config: bool = False
    ) -> None:
        self.config_path = config_path(config_option)
        # Whether to keep the parsed config in the state directory for the next start
        # (`hours.config.cache`); every command reads what is kept there.
        self.keep_parsed_config = keep_parsed_config
        # Only a config named with --config must exist: the built-in default stands in for a
        # missing file at the default place ($HOURS_CONFIG, else the config directory).
        self.config_given = config_option is not None
        self.color: bool | None = False if no_color or "NO_COLOR" in os.environ else None

    def use_config(self, path: str) -> None:
        """Read the config at `path`, as `--config` says."""
        self.config_path = config_path(path)
        self.config_given = True

    def require_given_config(self) -> None:
        """Refuse a config named with --config that is not there, rather than use another."""
        if self.config_given and not (self.config_path.exists() or self.config_path.is_symlink()):
            raise ConfigError(
                f"no config at {self.config_path} (given with --config); check the path, "
                f"or create it with `hours init --config {self.config_path}`"
            )

    def edit(
        self, change: Callable[[Any], None], *, timezone: str | None = None
    ) -> configmod.Config:
        """Change the config file (made from the built-in default when there is none yet)."""
        self.require_given_config()
        cfg = configmod.edit(self.config_path, change, timezone=timezone)
        for loaded in ("config", "schedule", "currency"):  # out of date now
            self.__dict__.pop(loaded, None)
        return cfg

    @cached_property
    def config(self) -> configmod.Config:
        """Return the loaded config, or the built-in default with a notice on stderr."""
        self.require_given_config()
        cfg = configmod.load_or_default(self.config_path, state_dir(), keep=self.keep_parsed_config)
        for warning in cfg.warnings:
            click.echo(f"Warning: {warning}", err=True)
        if cfg.is_default:
            self.note(
                f"no config at {self.config_path}; using the built-in default "
                f"(Monday-Friday 09:00-17:00, {cfg.timezone}). Run `hours init` to make it yours"
            )
        return cfg

    @cached_property
    def currency(self) -> str:
        """Return the config's currency: [earnings] currency, else its country's."""
        cfg = self.config
        if cfg.earnings is not None and cfg.earnings.currency:
            return configmod.checked_currency(cfg)  # a code Babel does not know: exit 3
        from hours.money import default_currency

        country = cfg.holidays.country if cfg.holidays else None
        return default_currency(country, cfg.timezone, on=self.now().date())

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
            return clock(self.zone)
        if at.tzinfo is None:
            return at.replace(tzinfo=self.zone, fold=0)
        return at.astimezone(self.zone)

    def echo(self, text: str = "", **kwargs: Any) -> None:
        """Print a line, in colour only where colour is wanted."""
        click.echo(text, color=self.color, **kwargs)

    def note(self, text: str) -> None:
        """Say something worth knowing on stderr, as a line of its own: "Note: ..."."""
        self.say(f"Note: {text}.", hang=6, err=True)

    def warn(self, text: str) -> None:
        """Warn on stderr, as a line of its own: "Warning: ..."."""
        self.say(f"Warning: {text}.", hang=9, err=True)

    def say(self, text: str, *, hang: int | None = None, err: bool = False) -> None:
        """Print a line of prose, word-wrapped to the terminal's width.

        Continuation lines are indented by `hang` (default: two more than the line itself).
        A break never falls inside a number or a `command` in backquotes.
        """
        click.echo(self.fit(text, hang=hang), color=self.color, err=err)

    def fit(self, text: str, *, hang: int | None = None) -> str:
        """Return a line of plain text word-wrapped to the terminal's width, as `say` prints it."""
        width = self.width
        return wrap(text, width, hang) if width is not None and len(text) > width else text

    @cached_property
    def width(self) -> int | None:
        """Return the width to fit: $COLUMNS, else the terminal's; None when neither is known."""
        return columns(sys.stdout)

    def style(self, text: str, **styles: Any) -> str:
        """Return `text` styled, unless colour is off."""
        return text if self.color is False else click.style(text, **styles)


def wrap(text: str, width: int, hang: int | None = None) -> str:
    """Word-wrap one line to `width`, continuation lines indented by `hang` spaces.

    Breaks fall only at spaces outside backquotes, so a number ("CA$1,200.00"), a range
    ("09:00-17:00") or a `command with arguments` stays whole; a word longer than the width
    overflows rather than breaks.
    """
    import re
    import textwrap

    lead = len(text) - len(text.lstrip(" "))
    keep = re.sub(r"`[^`]*`", lambda m: m.group(0).replace(" ", "\0"), text)
    lines = textwrap.wrap(
        keep,
        width=width,
        subsequent_indent=" " * (lead + 2 if hang is None else hang),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines).replace("\0", " ")


def build_schedule(cfg: configmod.Config) -> Schedule:
    """Return the Schedule of a config, its holidays read through the state directory's cache."""
    calendar = None
    if cfg.holidays is not None:
        from hours.public_holidays import HolidayCalendar

        h = cfg.holidays
        calendar = HolidayCalendar(h.country, h.subdivision, h.keep_open, state_dir(), h.include)
    return Schedule(cfg.spec, calendar)


pass_app = click.make_pass_decorator(App)


class Arg(click.Argument):
    """An argument named in errors as in the usage line, without an optional one's brackets."""

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return f"'{self.human_readable_name.strip('[].')}'"


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
        "--currency",
        type=CurrencyParam(),
        help="Three-letter currency code, e.g. USD, EUR, GBP (default: [earnings] currency, else your "
        "country's).",
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
