"""`hours show`: the whole schedule, as `hours` understands it."""

from __future__ import annotations

import click

from hours.clikit import CONTEXT, App, json_option, pass_app, print_json
from hours.describe import show_json, show_lines


@click.command(context_settings=CONTEXT)
@json_option
@pass_app
def show(app: App, as_json: bool) -> None:
    """Show the whole schedule, as hours understands it.

    \b
    Examples:
      hours show
      hours show --json
    """
    cfg = app.config
    if as_json:
        print_json(show_json(cfg))
        return
    for line in show_lines(cfg, app.schedule):
        app.say(line)
