"""`hours autoreply`: preview, sync (the cron entry point), install, uninstall, status."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from hours import autoreply as engine
from hours import humanize
from hours.channels import build, forwarder
from hours.clikit import CONTEXT, App, at_option, iso, json_option, pass_app, print_json
from hours.commands.setup import setup
from hours.config import business_country, contacts_of
from hours.config.autoreply import RESPONDER_MODES, Autoreply
from hours.errors import ConfigError, Exit, UsageError
from hours.files import state_dir
from hours.journal import REPLY_CHANNELS, Journal, answered_before, sync_lock

if TYPE_CHECKING:
    from hours.clients.net import Deadline
    from hours.contacts import AddressBook

CHANNEL_OPTION = click.option(
    "--channel", type=click.Choice(["email", "phone"]), help="Only this channel (default: all)."
)


@click.group(context_settings=CONTEXT)
def autoreply() -> None:
    """After-hours auto-replies by email and phone, switched by the schedule.

    To set them up, add [autoreply.email] or [autoreply.phone] to your config (`hours init
    --example` shows every key), then `hours autoreply install`.

    \b
    Examples:
      hours autoreply setup email     (from your address to a working email channel)
      hours autoreply preview --channel email
      hours autoreply install --channel email
      hours autoreply sync            (what cron runs; see `hours cron install`)
      hours autoreply status
    """


def settings_of(app: App) -> Autoreply:
    """Return the auto-reply settings, or say how to add them."""
    settings = app.config.autoreply
    if settings is None or (settings.email is None and settings.phone is None):
        raise ConfigError(
            f"{app.config_path}: no [autoreply.email] or [autoreply.phone]; "
            "add one (`hours init --example` shows every key)"
        )
    return settings


@contextlib.contextmanager
def engine_run(
    app: App,
    at: dt.datetime | None,
    *,
    dry_run: bool = False,
    contacts: AddressBook | None = None,
) -> Iterator[engine.SyncRun]:
    """Open the journal and make the SyncRun for this moment, its deadline `sync_timeout` on."""
    settings = settings_of(app)
    deadline = engine.start_deadline(settings)
    # Emergencies from every channel reach your phone by SMS where a phone channel is set up.
    forward = forwarder(settings, app.config_path.parent, deadline)
    journal = Journal(state_dir())
    try:
        yield engine.SyncRun(
            app.now(at),
            app.schedule,
            settings,
            app.config.name,
            journal,
            dry_run=dry_run,
            forwarder=forward,
            deadline=deadline,
            contacts=contacts,
        )
    finally:
        journal.close()


# How long past its deadline a sync may take to wind up (close connections, say what it did)
# before it is stopped outright. Every network wait is cut to the deadline, but not all can be:
# the system's name lookup takes no time limit (a resolver that never answers holds it for as
# long as resolv.conf allows, times every server, times every attempt).
BACKSTOP_SECONDS = 15.0


@contextlib.contextmanager
def backstop(deadline: Deadline) -> Iterator[None]:
    """Stop the process with exit 4 if the sync is still going well past `deadline`.

    So cron never finds the lock held for longer than `sync_timeout` and a little: the lock is
    a flock, which the process's end releases; the journal is SQLite, whose next opening rolls
    back a write cut short.
    """
    timer = threading.Timer(deadline.remaining() + BACKSTOP_SECONDS, _stop, (deadline.seconds,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _stop(seconds: float) -> None:
    message = (
        f"Error: the sync was still going {BACKSTOP_SECONDS:g} s past its {seconds:g} s "
        "(sync_timeout), "
        "held up where no time limit reaches (a name lookup that never answers?); stopped so "
        "that the next sync can run\n"
    )
    os.write(2, message.encode())
    os._exit(Exit.PROVIDER)


@autoreply.command(context_settings=CONTEXT)
@at_option
@click.option("--dry-run", is_flag=True, help="Decide, but send and change nothing.")
@json_option
@click.option("-q", "--quiet", is_flag=True, help="Print only errors, even with --json (for cron).")
@pass_app
def sync(app: App, at: dt.datetime | None, dry_run: bool, as_json: bool, quiet: bool) -> None:
    """Bring every channel to what the schedule asks now, and answer what needs answering.

    Safe to run every minute: a second run while one is going exits 5 at once; nothing is
    written to a provider whose state already matches; a failing channel is reported (exit 4)
    and the others still run.

    \b
    Examples:
      hours autoreply sync
      hours autoreply sync --dry-run --json
      hours autoreply sync --at 2026-11-23T19:00
    """
    settings_of(app)  # a config error is reported before the lock is taken
    book = contacts_of(app.config)  # and so is a contacts file that cannot be read
    with (
        sync_lock(state_dir()),
        engine_run(app, at, dry_run=dry_run, contacts=book) as run,
        backstop(run.deadline),
    ):
        channels = build(run.settings, app.config_path.parent)
        report = engine.sync(channels, run)
    if quiet:  # as `hours status -q`: -q wins over --json
        pass
    elif as_json:
        print_json(
            {
                "open": report.open,
                "at": iso(report.at),
                "dry_run": dry_run,
                "channels": [c.as_json() for c in report.channels],
            }
        )
    else:
        state = "open" if report.open else "closed"
        app.echo(
            f"{'Would sync' if dry_run else 'Synced'} at {report.at:%Y-%m-%d %H:%M} ({state}):"
        )
        for c in report.channels:
            app.say(f"  {result_line(c)}", hang=4)
    for c in report.channels:
        if c.error:
            app.say(f"Error: {c.channel}: {c.error}", hang=7, err=True)
    if report.exit_status:
        raise SystemExit(report.exit_status)


def result_line(c: engine.ChannelResult) -> str:
    """Say what one channel's sync did."""
    if c.error:
        return f"{c.channel} ({c.mode}): failed"
    skipped = sum(c.skipped.values())
    why = ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in sorted(c.skipped.items()))
    parts = [
        f"{c.action}",
        f"replied {c.replied}",
        f"skipped {skipped}" + (f" ({why})" if why else ""),
    ]
    if c.holds_window:
        from hours.channels.responder import say_window

        parts = [c.action, f"window {say_window(c.window)}"]
    return f"{c.channel} ({c.mode}): " + "; ".join(parts)


@autoreply.command(context_settings=CONTEXT)
@CHANNEL_OPTION
@pass_app
def install(app: App, channel: str | None) -> None:
    """Check credentials, record what the provider has now, and set up.

    \b
    Examples:
      hours autoreply install --channel email
      hours autoreply install --channel phone
    """
    # Config errors (none set up, or not this channel) are reported before any file is made.
    channels = build(settings_of(app), app.config_path.parent, channel)
    with sync_lock(state_dir()), engine_run(app, None) as run:
        for ch in channels:
            app.say(f"{ch.name} ({ch.mode}): {ch.install(run)}")
    app.say("Next: `hours cron install` so replies follow your hours.")


@autoreply.command(context_settings=CONTEXT)
@CHANNEL_OPTION
@pass_app
def uninstall(app: App, channel: str | None) -> None:
    """Put back exactly what the provider had before `install`.

    \b
    Examples:
      hours autoreply uninstall
      hours autoreply uninstall --channel phone
    """
    channels = build(settings_of(app), app.config_path.parent, channel)
    with sync_lock(state_dir()), engine_run(app, None) as run:
        for ch in channels:
            app.say(f"{ch.name} ({ch.mode}): {ch.uninstall(run)}")


@autoreply.command(context_settings=CONTEXT)
@at_option
@json_option
@pass_app
def status(app: App, at: dt.datetime | None, as_json: bool) -> None:
    """Show each channel: its mode, last sync, last error, and replies this week.

    \b
    Examples:
      hours autoreply status
      hours autoreply status --json
    """
    with engine_run(app, at) as run:
        now = run.now
        monday = now.date() - dt.timedelta(days=now.weekday())
        week_start = run.schedule.localize(monday)
        counts = dict.fromkeys(REPLY_CHANNELS, 0) | run.journal.replies_between(week_start, now)
        rows = []
        for ch in build(run.settings, app.config_path.parent):
            row = run.journal.channel(ch.name)
            found: dict[str, object] = {
                "channel": ch.name,
                "mode": ch.mode,
                "installed": row.prior is not None,
                # In the config's zone, as every date-time `hours` prints (SPEC 4).
                "last_sync": iso(
                    None
                    if row.last_sync is None
                    else dt.datetime.fromisoformat(row.last_sync).astimezone(now.tzinfo)
                ),
                "last_action": row.last_action,
                "last_error": row.last_error,
            }
            if ch.mode in RESPONDER_MODES:
                found["window"] = _window_set(row.applied, ch.mode, now.tzinfo)
            rows.append(found)
    if as_json:
        print_json({"at": iso(now), "channels": rows, "replies_this_week": counts})
        return
    for r in rows:
        last = r["last_sync"]
        when = "never synced" if last is None else f"last sync {_ago(str(last), now)}"
        error = f" — last error: {r['last_error']}" if r["last_error"] else ""
        installed = "installed" if r["installed"] else "not installed"
        app.say(
            f"{r['channel']} ({r['mode']}, {installed}): {when}, {r['last_action'] or '-'}{error}"
        )
        if "window" in r:
            app.say(f"  {_say_window_set(r['window'], now)}", hang=4)
    total = ", ".join(f"{ch} {n}" for ch, n in counts.items() if n) or "none"
    app.say(f"Replies this week: {total}")


def _window_set(applied: object, mode: str, zone: dt.tzinfo | None) -> list[str | None] | None:
    """Return the window the last sync set at the provider, as ISO date-times in the zone."""
    if not isinstance(applied, dict) or applied.get("mode") != mode:
        return None
    from hours.channels.responder import window_from_json

    assert zone is not None
    window = window_from_json(applied.get("window"), zone)
    return None if window is None else [iso(t) for t in window]


def _say_window_set(window: object, now: dt.datetime) -> str:
    """Say which window the provider's responder holds, and whether it is going on."""
    if not isinstance(window, list):
        return "no window set at the provider"
    from hours.channels.responder import say_window

    start, end = (None if t is None else dt.datetime.fromisoformat(t) for t in window)
    assert start is not None
    said = say_window((start, end))
    if end is not None and end <= now:
        return f"the window set was {said}: over (is cron running `hours autoreply sync`?)"
    going = "answering now" if start <= now else "starts later"
    return f"window set at the provider: {said} ({going})"


def _ago(when: str, now: dt.datetime) -> str:
    then = dt.datetime.fromisoformat(when)
    return f"{humanize.duration(now - then)} ago"


@autoreply.command(context_settings=CONTEXT)
@click.option(
    "--channel",
    type=click.Choice(["email", "sms", "voice", "whatsapp"]),
    help="The channel to show  [default: sms for a --from number, else email]",
)
@click.option(
    "--from",
    "sender",
    metavar="SENDER",
    help="What this sender (an email address or a phone number) would get, and why.",
)
@at_option
@pass_app
def preview(app: App, channel: str | None, sender: str | None, at: dt.datetime | None) -> None:
    """Show exactly what would be sent after hours, filled in for that moment.

    Without --from: the usual reply, to a returning client in your time zone. With --from: what
    that sender gets, and why — new or returning (answered before, a VIP, in your contacts),
    their time zone and their language.

    \b
    Examples:
      hours autoreply preview
      hours autoreply preview --channel sms --at 2026-11-27T19:00
      hours autoreply preview --channel voice
      hours autoreply preview --from +33612345678
      hours autoreply preview --from alex@example.org
    """
    from hours.channels.preview import render_preview

    settings = settings_of(app)
    is_address = sender is not None and "@" in sender
    channel = channel or ("sms" if sender is not None and not is_address else "email")
    known = None
    if sender is not None:
        sender = _sender(app, sender, channel, is_address=is_address)
        group = engine.RATE_GROUPS[channel]
        known = answered_before(state_dir(), group, engine.normalize_sender(sender))
    lines = render_preview(
        settings,
        app.schedule,
        app.config.name,
        channel,
        app.now(at),
        sender=sender,
        contacts=contacts_of(app.config) if sender is not None else None,
        answered_before=bool(known),
    )
    for line in lines:
        app.echo(line)


def _sender(app: App, text: str, channel: str, *, is_address: bool) -> str:
    """Return --from as a sync sees senders: an address in lower case, a number in E.164."""
    shown = text.strip()
    if (channel == "email") != is_address:
        what = "an email address" if is_address else "a phone number"
        other = "email" if is_address else "sms, whatsapp or voice"
        raise UsageError(f"--from {shown!r} is {what}: use --channel {other} with it")
    if is_address:
        return shown.lower()
    from hours.contacts import e164

    number = e164(shown.removeprefix("whatsapp:"), business_country(app.config))
    if number is None:
        raise UsageError(
            f"--from {shown!r} is not a phone number; write it in E.164, like +33612345678"
        )
    return f"whatsapp:{number}" if channel == "whatsapp" else number


# `hours autoreply setup email`: kept in its own module, it asks more than it syncs.
autoreply.add_command(setup)
