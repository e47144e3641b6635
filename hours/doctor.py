"""The checks behind `hours doctor`, each a `Check`, with the exit status they add up to."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
import string
from pathlib import Path

from hours import cron as cronmod
from hours import humanize
from hours.autoreply import Check, SyncRun, start_deadline
from hours.clients.net import scrub_text
from hours.config import Config, checked_currency, contacts_of, secrets
from hours.config.autoreply import (
    FIELDS,
    FIXED_TEXT_SETTINGS,
    RESPONDER_MODES,
    Autoreply,
    EmailSettings,
    Secret,
)
from hours.config.email_providers import PROVIDERS, MailProvider, by_host
from hours.errors import ConfigError, Exit, HoursError
from hours.files import state_dir
from hours.journal import Journal
from hours.schedule import Schedule


def run_checks(cfg: Config, schedule: Schedule, now: dt.datetime) -> tuple[list[Check], Exit]:
    """Run every check of a loaded config at `now`; return them and the exit status.

    The status is 0 only when all is well (a config that does not load is the caller's to
    report: `config_failed`).
    """
    checks: list[Check] = []
    where = "built-in default (run `hours init`)" if cfg.is_default else str(cfg.path)
    checks.append(Check("config", True, where))
    checks += [Check("config warning", True, w, warning=True) for w in cfg.warnings]
    checks.append(Check("time zone", True, f"{cfg.timezone}, now {now:%a %H:%M %Z}"))
    status = Exit.OK
    if cfg.earnings is not None and cfg.earnings.currency:
        try:
            checked_currency(cfg)
        except ConfigError as e:
            checks.append(Check("earnings", False, e.message))
            status = Exit.CONFIG
    try:
        state = schedule.state(now)
        nxt = "open now" if state.open else f"closed now ({state.reason})"
        checks.append(Check("schedule", True, nxt))
    except HoursError as e:
        checks.append(Check("schedule", False, e.message))
        status = Exit.CONFIG
    settings = cfg.autoreply
    if settings is None or (settings.email is None and settings.phone is None):
        checks.append(Check("auto-replies", True, "none configured", warning=True))
        return checks, status

    if not cfg.name:
        checks.append(
            Check(
                "business name",
                True,
                'none: replies say "I" where your name goes ("while I is closed"); set one with '
                '`hours set --name "Sam\'s Nails"`',
                warning=True,
            )
        )
    for secret in _secrets(settings):
        try:
            secrets.resolve(secret, cfg.path.parent)
            checks.append(Check(f"secret {secret.label}", True, "present"))
        except ConfigError as e:
            checks.append(Check(f"secret {secret.label}", False, e.message))
            status = Exit.CONFIG
    if settings.email is not None:
        login_checks = email_login_checks(settings.email, cfg.path.parent)
        checks += login_checks
        if any(not c.ok for c in login_checks):
            status = Exit.CONFIG
    if settings.contacts is not None:
        try:
            book = contacts_of(cfg)
            checks.append(Check("contacts", True, f"{len(book or ())} in {settings.contacts}"))
        except ConfigError as e:
            checks.append(Check("contacts", False, e.message))
            status = Exit.CONFIG
    from hours.channels import FIXED_TEXT_MODES, build

    journal = Journal(state_dir())
    try:
        run = SyncRun(
            now,
            schedule,
            settings,
            cfg.name,
            journal,
            dry_run=True,
            deadline=start_deadline(settings),
        )
        for channel in build(settings, cfg.path.parent):
            try:
                found = channel.checks(run)
            except HoursError as e:
                found = [Check(f"{channel.name} ({channel.mode})", False, e.message)]
                # A login to renew (exit 3) is the user's to fix, not the provider's.
                status = Exit(e.exit_status) if status == Exit.OK else status
            if (channel.name, channel.mode) in FIXED_TEXT_MODES:
                fixed = fixed_text_check(settings, channel.name, channel.mode)
                found += [fixed] if fixed is not None else []
            checks += found
            if any(not c.ok for c in found) and status == Exit.OK:
                status = Exit.PROVIDER
    finally:
        journal.close()
    cron_checks = _cron_checks(cfg.path, _secrets(settings), settings.sync_timeout)
    checks += cron_checks
    if any(not c.ok for c in cron_checks) and status == Exit.OK:
        status = Exit.CONFIG
    # What servers said is shown: never a secret hours sent them, in any form.
    return [dataclasses.replace(c, detail=scrub_text(c.detail)) for c in checks], status


def fixed_text_check(settings: Autoreply, channel: str, mode: str) -> Check | None:
    """Say what a mode answering with one text for everyone cannot do of what the config asks.

    None when the config asks nothing of the kind: no contacts, no other language, no
    new-client message of the channel's own. Otherwise a warning naming those, and what the
    fields its templates use become there (`FIELDS`' `fixed`).
    """
    if channel == "email":
        assert settings.email is not None
        email = settings.email
        own_new = email.new_client_message != email.policy.message
        templates = [email.subject, email.policy.message]
    else:
        assert settings.phone is not None
        phone = settings.phone
        own_new = phone.sms_new_client_message != phone.sms_message
        templates = [phone.sms_message, phone.voice_message]
    if settings.emergency is not None:
        templates.append(settings.emergency.message)
    asked = {
        "new_client_message": own_new,
        "[autoreply.lang.*]": bool(settings.languages),
        "contacts": settings.contacts is not None,
    }
    unfollowed = [f"{key} {what}" for key, what in FIXED_TEXT_SETTINGS.items() if asked[key]]
    if not unfollowed:
        return None
    used = {f for t in templates for _, f, _, _ in string.Formatter().parse(t) if f}
    differ = [f"{{{n}}} {f.fixed}" for n, f in FIELDS.items() if f.fixed and n in used]
    detail = "; ".join(["one text for everyone", *unfollowed, *differ])
    return Check(f"{channel} ({mode})", True, detail, warning=True)


def config_failed(error: HoursError) -> tuple[list[Check], Exit]:
    """Return the one check of a config that does not load, and its exit status."""
    return [Check("config", False, error.message)], Exit.CONFIG


def recognise(settings: EmailSettings) -> MailProvider | None:
    """Return the provider of the email channel: the one named, or the one its hosts are."""
    if settings.provider is not None:
        return PROVIDERS[settings.provider]
    return by_host(*(s.host for s in (settings.imap, settings.smtp, settings.sieve) if s))


def email_login_checks(settings: EmailSettings, config_dir: Path) -> list[Check]:
    """Check that the login suits the provider, in its words, and that a token can be had."""
    out = []
    # Modes gmail and outlook talk to the provider's API, not to its mail servers.
    preset = recognise(settings) if settings.mode not in RESPONDER_MODES else None
    if preset is not None:
        label = f"email provider {preset.label}"
        if settings.auth == "password" and preset.app_password is None:
            out.append(Check(label, False, preset.refuses_passwords()))
        elif settings.auth == "password":
            out.append(Check(label, True, preset.needs("password")))
        elif preset.mechanisms and settings.auth.upper() not in preset.mechanisms:
            takes = " and ".join(preset.mechanisms)
            out.append(
                Check(
                    label,
                    False,
                    f"{preset.label} takes {takes}, not {settings.auth.upper()}: set auth = "
                    f'"{preset.mechanisms[0].lower()}"',
                )
            )
        else:
            out.append(Check(label, True, f"OAuth2 ({settings.auth.upper()})"))
    if settings.auth == "password":
        return out
    from hours.channels.email_auth import purposes_for, token_source

    label = "email OAuth2 token"
    try:
        tokens = token_source(settings, config_dir, purposes=purposes_for(settings))
        assert tokens is not None
        if settings.token_command is not None:
            tokens.access_token()  # runs the command, as a password_command is run above
            out.append(Check(label, True, "[autoreply.email] token_command prints one"))
        else:
            out.append(Check(label, True, f"`hours login {settings.login}` is stored"))
    except ConfigError as e:
        out.append(Check(label, False, e.message))
    return out


def _secrets(settings: Autoreply) -> list[Secret]:
    out = []
    if settings.email is not None and settings.email.auth == "password":
        out.append(settings.email.password)
    if settings.phone is not None:
        out += [settings.phone.account_sid, settings.phone.auth_token]
    return out


def _cron_checks(config: Path, needed: list[Secret], sync_timeout: dt.timedelta) -> list[Check]:
    """Check the crontab line: present, and for this config; warn of what cron cannot see,
    and of a sync that may take longer than the time between two."""
    try:
        crontab = cronmod.read()
    except ConfigError as e:
        return [Check("cron line", False, e.message)]
    line = cronmod.find(crontab)
    if line is None:
        return [Check("cron line", False, "missing: run `hours cron install`")]
    if f"--config {shlex.quote(str(config.resolve()))} " not in line:
        return [Check("cron line", False, f"not for {config}: run `hours cron install` with it")]
    out = [Check("cron line", True, "present")]
    every = cronmod.interval(line)
    if every is not None and sync_timeout >= dt.timedelta(minutes=every):
        out.append(
            Check(
                "sync_timeout",
                True,
                f"a sync may take {humanize.duration(sync_timeout)} (sync_timeout), and cron "
                f"starts one every {humanize.duration(dt.timedelta(minutes=every))}: a slow "
                "server makes the next one exit 5; set sync_timeout under the cron interval",
                warning=True,
            )
        )
    for secret in needed:
        # Cron starts with an empty environment: a variable set in a shell profile is not there.
        if secret.env and f"{secret.env}=" not in crontab:
            out.append(
                Check(
                    f"secret {secret.label}",
                    True,
                    f"${secret.env} must be set for cron too (a line `{secret.env}=...` at the "
                    "top of the crontab), or use a _command or secrets.toml",
                    warning=True,
                )
            )
    return out
