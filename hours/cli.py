"""The `hours` command line: parse, call the core, render. Nothing else.

`status` and `next`, which run from cron and shell prompts, live here; every other command
loads lazily from `hours.commands`, so `hours status` imports only what it uses.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from hours import humanize
from hours.clikit import (
    CONTEXT,
    App,
    HoursGroup,
    at_option,
    iso,
    json_option,
    pass_app,
    print_json,
)
from hours.errors import Exit

# The commands on the path cron and prompts run: bare `hours` (the dashboard), status, next.
LEAN = (None, "status", "next")
# name -> "module:command", imported only when that command runs (or for `hours --help`).
LAZY: dict[str, str] = {
    "set": "hours.commands.edit:set_",
    "off": "hours.commands.edit:off",
    "open": "hours.commands.edit:open_",
    "holidays": "hours.commands.holidays:holidays",
    "show": "hours.commands.show:show",
    "init": "hours.commands.init:init",
    "autoreply": "hours.commands.autoreply:autoreply",
    "calendar": "hours.commands.calendar:calendar",
    "cost": "hours.commands.cost:cost",
    "cron": "hours.commands.cron:cron",
    "doctor": "hours.commands.doctor:doctor",
    "login": "hours.commands.login:login",
    "logout": "hours.commands.login:logout",
    "report": "hours.commands.report:report",
}


@click.group(cls=HoursGroup, lazy=LAZY, context_settings=CONTEXT, invoke_without_command=True)
@click.option(
    "--config",
    "config_option",
    metavar="PATH",
    help="The config file (default: $HOURS_CONFIG, then your config directory).",
)
@click.option("--no-color", is_flag=True, help="No colour, as NO_COLOR does.")
@click.version_option(package_name="hours", message="hours %(version)s")
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, no_color: bool) -> None:
    """Say when you are available, see what 24/7 really costs, and auto-reply after hours.

    With no command: where you stand now, today, tomorrow and this week, and what to do next.
    --config and --no-color go before or after the command; so do --json and -q, where the
    command has them.

    \b
    Examples:
      hours                          where you stand, and next steps
      hours set mon-fri 9-17         weekly hours
      hours off 2026-12-24 2026-12-26 --reason Christmas
      hours status                   open or closed now (exit 0 open, 1 closed)
    """
    # The commands cron and shell prompts run at every start keep the parsed config for the
    # next; the others only read it, as they promise to write nothing they do not say.
    keep = ctx.invoked_subcommand in LEAN
    app = ctx.obj = App(config_option, no_color=no_color, keep_parsed_config=keep)
    if ctx.invoked_subcommand is None:
        from hours.commands import dashboard

        dashboard.render(app, app.now())


def main() -> None:
    """Run the command line (the console script)."""
    cli.main(prog_name="hours")


# -- reading -----------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@at_option
@json_option
@click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing, even with --json; the exit status tells."
)
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
    covering = app.schedule.cover_at(now)
    if quiet:  # as grep -q: nothing printed, whatever else was asked
        pass
    elif as_json:
        print_json(
            {
                "open": st.open,
                "at": iso(now),
                "timezone": app.config.timezone,
                "since": iso(st.since),
                "until": iso(st.until),
                "next_open": iso(st.next_open),
                "reason": st.reason,
                "cover": None
                if covering is None
                else {"name": covering.cover.name, "until": iso(covering.until)},
            }
        )
    else:
        app.say(humanize.status_line(st, now, covering))
    sys.exit(Exit.OK if st.open else Exit.CLOSED)


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
    turns = app.schedule.turns(now, count)
    if as_json:
        print_json(
            {
                "changes": [
                    {
                        "at": iso(t.at),
                        "open": t.open,
                        "reason": t.reason,
                        "cover": None if t.cover is None else t.cover.name,
                    }
                    for t in turns
                ]
            }
        )
        return
    if not turns:
        app.echo("No change in the next five years.")
    covering = app.schedule.cover_at(now)
    before = None if covering is None else covering.cover
    for t in turns:
        parts = []
        if t.state_changes:
            verb = "opens" if t.open else "closes"
            parts.append(f"{verb} ({t.reason})" if t.reason else verb)
        if t.cover is not None:
            parts.append(f"{t.cover.name} covers")
        elif before is not None and not t.open:
            parts.append(f"{before.name}'s cover ends")
        before = t.cover
        # Wrapped before styling: colour codes take no room on the screen.
        line = app.fit(
            f"{t.at:%a %d %b %Y %H:%M}  {', '.join(parts)}, in {humanize.duration(t.at - now)}",
            hang=23,
        )
        if t.state_changes:
            verb = "opens" if t.open else "closes"
            line = line.replace(verb, app.style(verb, fg="green" if t.open else "red"), 1)
        if t.cover is not None:
            who = f"{t.cover.name} covers"
            line = line.replace(who, app.style(who, fg="cyan"), 1)
        app.echo(line)
