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
    # Padded and wrapped before styling: colour codes take no room on the screen.
    marks = {True: ("  ok", "green"), False: ("FAIL", "red")}
    for c in checks:
        word, colour = ("warn", "yellow") if c.warning and c.ok else marks[c.ok]
        line = app.fit(f"[{word}] {c.label}" + (f" — {c.detail}" if c.detail else ""), hang=7)
        app.echo(line.replace(word, app.style(word, fg=colour), 1))
    if status != Exit.OK:
        raise SystemExit(status)
    app.echo("All is well.")
