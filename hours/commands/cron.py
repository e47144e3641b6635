"""`hours cron install|remove|show`: the crontab line that keeps auto-replies in step."""

from __future__ import annotations

import click

from hours import cron as cronmod
from hours.clikit import CONTEXT, App, pass_app
from hours.files import make_state_dir, state_dir


@click.group(context_settings=CONTEXT)
def cron() -> None:
    """Run `hours autoreply sync` from cron, every few minutes.

    \b
    Examples:
      hours cron install --every 5
      hours cron show
      hours cron remove
    """


@cron.command(context_settings=CONTEXT)
@click.option(
    "--every", default=5, show_default=True, type=click.IntRange(1, 59), metavar="MINUTES"
)
@pass_app
def install(app: App, every: int) -> None:
    """Add (or replace) the marked crontab line; other lines are left as they are.

    \b
    Examples:
      hours cron install
      hours cron install --every 1
    """
    app.config  # noqa: B018 - refuse to schedule a config that does not load
    state = state_dir()
    new = cronmod.line(every, app.config_path, state)  # refuses a path cron cannot run first
    make_state_dir(state)
    before = cronmod.read()
    cronmod.write(cronmod.with_line(before, new))
    verb = "Replaced" if cronmod.find(before) else "Added"
    app.echo(f"{verb} the crontab line:\n  {new}")
    app.echo(f"It logs to {state / 'sync.log'}.")


@cron.command(context_settings=CONTEXT)
@pass_app
def remove(app: App) -> None:
    """Remove the marked crontab line, if there is one.

    \b
    Examples:
      hours cron remove
    """
    before = cronmod.read()
    if cronmod.find(before) is None:
        app.echo("There is no hours line in your crontab.")
        return
    cronmod.write(cronmod.with_line(before, None))
    app.echo("Removed the hours line from your crontab.")


@cron.command(context_settings=CONTEXT)
@pass_app
def show(app: App) -> None:
    """Show the marked crontab line, or say there is none (exit 0 either way).

    Exit 3 only when the crontab cannot be read.

    \b
    Examples:
      hours cron show
    """
    found = cronmod.find(cronmod.read())
    if found is None:
        app.say("No hours line in your crontab; add one with `hours cron install`.")
        return
    app.echo(found)
