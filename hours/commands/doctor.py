"""`hours doctor`: is everything in place for replies to go out, and only after hours?"""

from __future__ import annotations

import click

from hours.clikit import CONTEXT, App, pass_app
from hours.errors import Exit, HoursError


@click.command(context_settings=CONTEXT)
@pass_app
def doctor(app: App) -> None:
    """Check the config, time zone, secrets, each server, and the cron line.

    Exit 0 only when all is well: 3 when the config, a secret or the cron line needs fixing,
    4 when a provider cannot be reached or refuses.

    \b
    Examples:
      hours doctor
    """
    from hours.doctor import config_failed, run_checks

    try:
        cfg = app.config
    except HoursError as e:
        checks, status = config_failed(e)
    else:
        checks, status = run_checks(cfg, app.schedule, app.now())
    # Padded before styling: the colour codes would count as width and be stripped later.
    marks = {True: app.style("  ok", fg="green"), False: app.style("FAIL", fg="red")}
    for c in checks:
        mark = app.style("warn", fg="yellow") if c.warning and c.ok else marks[c.ok]
        app.echo(f"[{mark}] {c.label}" + (f" — {c.detail}" if c.detail else ""))
    if status != Exit.OK:
        raise SystemExit(status)
    app.echo("All is well.")
