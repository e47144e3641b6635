"""`hours report`: the weekly availability report, in the format you need."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from hours.clikit import CONTEXT, App, DateParam, at_option, pass_app, usage
from hours.report import FORMATS


class WeekParam(click.ParamType):  # type: ignore[type-arg]
    """An ISO week like 2026-W48."""

    name = "YYYY-Www"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        from hours.parsing import check_date
        from hours.report import parse_week

        try:
            year, week = parse_week(str(value))
            check_date(dt.date.fromisocalendar(year, week, 1), str(value).strip())
        except ValueError as e:
            self.fail(str(e), param, ctx)
        return year, week


class ZoneParam(click.ParamType):  # type: ignore[type-arg]
    """An IANA time zone name."""

    name = "ZONE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> ZoneInfo:
        if isinstance(value, ZoneInfo):
            return value
        from hours.config import validate_timezone

        try:
            return ZoneInfo(validate_timezone(str(value).strip()))
        except ValueError as e:
            self.fail(str(e), param, ctx)


def output_format(fmt: str | None, output: str | None) -> str:
    """Return the format asked for, else the one the output file's extension says, else text."""
    from hours.report import format_for

    if fmt is not None:
        return fmt
    if output is None:
        return "text"
    found = format_for(output)
    if found is None:
        raise usage(
            f"cannot tell the format from the name {output!r}; pass --format "
            f"{'|'.join(FORMATS)}, or end the name in .txt, .md, .html, .svg, .json or .ics"
        )
    return found


output_option = click.option(
    "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of printing."
)


def write_output(app: App, output: str | None, data: str | bytes) -> None:
    """Print `data`, or write it atomically to `output` (mode 0644: it is meant to be shared)."""
    from hours.files import write_atomic

    if output is None:
        click.echo(data.decode() if isinstance(data, bytes) else data, nl=False, color=app.color)
        return
    path = Path(output).expanduser()
    if not path.parent.is_dir():  # a mistyped directory is an error, as for `> FILE`, not made
        raise usage(
            f"cannot write {path}: there is no directory {path.parent}; nothing was written"
        )
    try:
        write_atomic(path, data, mode=0o644, through=True)
    except OSError as e:
        raise usage(f"cannot write {path}: {e.strerror or e}; nothing was written") from None
    click.echo(f"Wrote {path}", err=True)


@click.command(context_settings=CONTEXT)
@click.option(
    "--week",
    "week",
    type=WeekParam(),
    metavar="YYYY-Www",
    help="The ISO week, like 2026-W48 (default: this week).",
)
@click.option(
    "--date", "day", type=DateParam(), help="The week holding this date, like 2026-11-25."
)
@click.option(
    "--tz", "zone", type=ZoneParam(), help="Show the hours in this zone, e.g. a client's."
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Default: text, or the -o file's extension."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document: --format json.")
@click.option(
    "--for",
    "audience",
    type=click.Choice(["me", "clients"]),
    default="me",
    show_default=True,
    help="clients: the sheet to send or pin up, without your wage and auto-replies.",
)
@output_option
@at_option
@pass_app
def report(
    app: App,
    week: tuple[int, int] | None,
    day: dt.date | None,
    zone: ZoneInfo | None,
    fmt: str | None,
    as_json: bool,
    audience: str,
    output: str | None,
    at: dt.datetime | None,
) -> None:
    """Show one week's availability: a grid by the half hour, each day, closures, totals.

    With earnings set, the week's real hourly wage; and the auto-replies sent that week. With
    --for clients, neither: the sheet is headed "When you can reach" your business, to send or
    pin up. Formats: text (for the terminal; a cell an hour below 80 columns), markdown (to
    paste in a message), html (one printable page), svg (an image), json, ics (the week's
    events).

    \b
    Examples:
      hours report
      hours report --week 2026-W48 --tz Europe/London
      hours report --date 2026-12-24 -o week.html
      hours report --format markdown
      hours report --for clients -o hours.html
      hours report --json
    """
    from hours import report as reportmod
    from hours.files import state_dir
    from hours.journal import count_replies

    if week is not None and day is not None:
        raise usage("give --week or --date, not both")
    if as_json and fmt not in (None, "json"):
        raise usage(f"--json is --format json; give one of --json and --format {fmt}")
    kind = output_format("json" if as_json else fmt, output)
    cfg = app.config
    shown = zone or app.zone
    now = app.now(at)
    if week is None:
        week = reportmod.week_of(day or now.astimezone(shown).date())
    start, end = reportmod.week_bounds(*week, shown)
    for_clients = audience == "clients"
    earnings = None
    replies = None
    if not for_clients:  # the wage and the replies are the practitioner's business only
        earnings = None if cfg.earnings is None else (cfg.earnings.weekly, app.currency)
        replies = count_replies(
            state_dir(), start, end, warn=lambda text: click.echo(f"Warning: {text}", err=True)
        )
    rep = reportmod.build(
        app.schedule,
        *week,
        zone=shown,
        title=cfg.name,
        earnings=earnings,
        autoreplies=replies,
        for_clients=for_clients,
    )
    data: str | bytes
    if kind == "text":
        from hours.report import text as report_text

        # A file is read anywhere: it gets the full grid; the terminal gets what fits it.
        width = (app.width if output is None else None) or report_text.WIDTH
        data = report_text.render(rep, color=output is None and app.color is not False, width=width)
    elif kind == "markdown":
        from hours.report import markdown

        data = markdown.render(rep)
    elif kind == "json":
        import json

        data = json.dumps(reportmod.to_json(rep), indent=2, ensure_ascii=False) + "\n"
    elif kind == "html":
        from hours.report import html as report_html

        data = report_html.render(rep)
    elif kind == "svg":
        from hours.report import svg as report_svg

        data = report_svg.render(rep)
    else:
        from hours import calendar

        data = calendar.export(
            app.schedule,
            start,
            end,
            now=now,
            name=cfg.name,
            zone=shown,
            title=reportmod.headline(rep) if for_clients else None,
            cover=not for_clients,
        )
    write_output(app, output, data)
