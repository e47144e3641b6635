"""The checks behind `hours doctor`, each a `Check`, with the exit status they add up to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hours import cron as cronmod
from hours import secrets
from hours.autoreply import Check, SyncRun
from hours.autoreply_settings import Autoreply, Secret
from hours.errors import ConfigError, Exit, HoursError
from hours.files import state_dir
from hours.journal import Journal

if TYPE_CHECKING:
    from hours.clikit import App


def run_checks(app: App) -> tuple[list[Check], Exit]:
    """Run every check; return them and the exit status (0 only when all is well)."""
    checks: list[Check] = []
    try:
        cfg = app.config
    except HoursError as e:
        return [Check("config", False, e.message)], Exit.CONFIG
    where = "built-in default (run `hours init`)" if cfg.is_default else str(cfg.path)
    checks.append(Check("config", True, where))
    checks += [Check("config warning", True, w, warning=True) for w in cfg.warnings]
    now = app.now()
    checks.append(Check("time zone", True, f"{cfg.timezone}, now {now:%a %H:%M %Z}"))
    status = Exit.OK
    try:
        state = app.schedule.state(now)
        nxt = "open now" if state.open else f"closed now ({state.reason})"
        checks.append(Check("schedule", True, nxt))
    except HoursError as e:
        checks.append(Check("schedule", False, e.message))
        status = Exit.CONFIG
    settings = cfg.autoreply
    if settings is None or (settings.email is None and settings.phone is None):
        checks.append(Check("auto-replies", True, "none configured", warning=True))
        return checks, status

    for secret in _secrets(settings):
        try:
            secrets.resolve(secret, cfg.path.parent)
            checks.append(Check(f"secret {secret.label}", True, "present"))
        except ConfigError as e:
            checks.append(Check(f"secret {secret.label}", False, e.message))
            status = Exit.CONFIG
    from hours.autoreply_channels import build

    journal = Journal(state_dir())
    try:
        run = SyncRun(now, app.schedule, settings, cfg.name, journal, dry_run=True)
        for channel in build(settings, cfg.path.parent):
            try:
                found = channel.checks(run)
            except HoursError as e:
                found = [Check(f"{channel.name} ({channel.mode})", False, e.message)]
            checks += found
            if any(not c.ok for c in found) and status == Exit.OK:
                status = Exit.PROVIDER
    finally:
        journal.close()
    try:
        line = cronmod.find(cronmod.read())
        ok = line is not None
        detail = "present" if ok else "missing: run `hours cron install`"
        checks.append(Check("cron line", ok, detail))
    except ConfigError as e:
        checks.append(Check("cron line", False, e.message))
        ok = False
    if not ok and status == Exit.OK:
        status = Exit.CONFIG
    return checks, status


def _secrets(settings: Autoreply) -> list[Secret]:
    out = []
    if settings.email is not None:
        out.append(settings.email.password)
    if settings.phone is not None:
        out += [settings.phone.account_sid, settings.phone.auth_token]
    return out
