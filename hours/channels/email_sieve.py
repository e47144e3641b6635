"""The email channel in `sieve` mode: the mail server answers by itself, from a Sieve script.

`sync` keeps one script named `hours` active over ManageSieve. It holds the exact closed windows
of the next 14 days as UTC instants, each with its own text (so "back tomorrow at 9:00" is right
on the night it is sent), and the RFC 3834 exclusions; the server compares the windows with its
own clock, so replies start and stop on the minute however late cron is, and stop by themselves
once the windows run out. The script is re-uploaded only when its windows run short or what it
says changed; a sync that finds the server's script already right writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from hours import autoreply as engine
from hours.channels import leftover_install
from hours.channels.email_auth import credential
from hours.channels.email_imap import endpoint
from hours.clients.managesieve import REQUIRED_EXTENSIONS, ManageSieve, ScriptList
from hours.clients.net import describe
from hours.clients.sieve_script import (
    SUBJECT_VARIABLE,
    EmergencyRule,
    Segment,
    render_schedule_script,
)
from hours.config.autoreply import EmailSettings
from hours.errors import ProviderError
from hours.journal import utc_iso
from hours.schedule import Schedule

SCRIPT = "hours"
HANDLE = "hours"
HORIZON = dt.timedelta(days=14)
# Re-upload when less than this much of the uploaded windows is left: a week of slack for a
# machine that is off or a cron that stopped.
REFRESH_WITHIN = dt.timedelta(days=7)
_DAY = dt.timedelta(days=1)
# Stand-in for the message's subject while a template is filled, replaced by ${subject}.
_SUBJECT_MARK = "\x00subject\x00"


def closed_windows(
    schedule: Schedule, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Return the closed intervals that meet [start, end), the first from where it began."""
    out = []
    at = start
    for opens, closes in schedule.open_intervals(start, end):
        if opens > at:
            out.append((at, opens))
        at = max(at, closes)
    if at < end:
        out.append((at, end))
    if out and out[0][0] == start:
        # Closed at `start`: the window began earlier, and a server clock a little behind
        # ours must still be inside it.
        since = schedule.state(start).since
        if since is not None and since < start:
            out[0] = (since, out[0][1])
    return out


def split_days(
    schedule: Schedule, window: tuple[dt.datetime, dt.datetime]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Cut a window at local midnights, so "today" and "tomorrow" are true for each piece."""
    start, end = window
    cuts = []
    day = start.astimezone(schedule.zone).date() + _DAY
    while (midnight := schedule.localize(day)) < end:
        cuts.append(midnight)
        day += _DAY
    points = [start, *(c for c in cuts if c > start), end]
    return list(itertools.pairwise(points))


class SieveChannel:
    """Keep the server's Sieve vacation script in step with the schedule."""

    name = "email"
    mode = "sieve"
    traits = engine.Traits(
        who_answers="your mail server itself, the moment mail arrives",
        laptop_off="still answers, on the minute, through the 14 days of windows last uploaded",
        once_per_sender="yes: once per `min_interval` (whole days where the server lacks "
        "`vacation-seconds`)",
        vip_and_emergency="yes: VIPs are left alone; the keyword in the subject gets the "
        "emergency message, copied to `forward_to` if it is an email address (a server cannot "
        "text your phone)",
        provider_must_offer="ManageSieve (port 4190) with the Sieve `date`, `envelope`, "
        "`relational` and `vacation` extensions — many hosts built on Dovecot, and most "
        "self-hosted servers",
    )

    def __init__(self, settings: EmailSettings, config_dir: Path) -> None:
        assert settings.sieve is not None  # mode sieve needs it (checked when loading)
        self.settings = settings
        self.config_dir = config_dir
        self.sieve = endpoint(settings.sieve)

    # -- the Channel protocol ------------------------------------------------------------

    def sync(self, run: engine.SyncRun) -> engine.ChannelResult:
        """Upload and activate the script unless the server already has it."""
        result = engine.ChannelResult(self.name, self.mode)
        anchor, horizon = self._span(run)
        with self._client(run) as client:
            self._require(client, run)
            listing = client.list_scripts()
            if not run.dry_run:
                self._record_prior(run, client, listing)
            text = self.render(run, anchor, horizon, client.extensions)
            current = client.get_script(SCRIPT) if SCRIPT in listing.names else None
            if current == text and listing.active == SCRIPT:
                result.action = "unchanged"
                return result
            if run.dry_run:
                result.action = "would upload"
                return result
            if current != text:
                client.put_script(SCRIPT, text)
            if listing.active != SCRIPT:
                client.set_active(SCRIPT)
        run.journal.set_applied(
            self.name,
            {
                "mode": self.mode,
                "anchor": utc_iso(anchor),
                "horizon": utc_iso(horizon),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            },
        )
        result.action = "uploaded"
        return result

    def install(self, run: engine.SyncRun) -> str:
        """Check the login and extensions, and record which script was active before."""
        with self._client(run) as client:
            self._require(client, run)
            listing = client.list_scripts()
            prior = self._record_prior(run, client, listing)
        was = prior["active"]
        before = f"the active script was {was!r}" if was else "no script was active"
        return (
            f"ManageSieve {describe(self.sieve)} login works and has the Sieve extensions "
            f"needed; recorded that {before}. `hours autoreply sync` uploads the script "
            f"{SCRIPT!r}, and `uninstall` puts things back"
        )

    def uninstall(self, run: engine.SyncRun) -> str:
        """Reactivate the script that was active before, and remove ours (or restore it)."""
        prior = self._prior(run)
        if prior is None:
            return "nothing to put back: not installed"
        with self._client(run) as client:
            listing = client.list_scripts()
            if prior.get("hours") is not None:
                # A script of the user's own was called `hours`: it is put back as it was.
                client.put_script(SCRIPT, prior["hours"])
            if listing.active != prior["active"]:
                client.set_active(prior["active"])
            if prior.get("hours") is None and SCRIPT in listing.names:
                client.delete_script(SCRIPT)
        run.journal.set_prior(self.name, None)
        run.journal.set_applied(self.name, None)
        was = prior["active"]
        return (
            f"reactivated {was!r}" if was else "left no script active, as before"
        ) + f" and removed the script {SCRIPT!r}"

    def checks(self, run: engine.SyncRun) -> list[engine.Check]:
        """Check the login, the Sieve extensions, and that the script is in place."""
        label = f"email ManageSieve {describe(self.sieve)}"
        try:
            client = self._client(run)
            client.connect()
        except ProviderError as e:
            return [engine.Check(label, False, e.message)]
        out = [engine.Check(label, True, f"reachable, logged in as {self.settings.username}")]
        try:
            missing = self._missing(client.extensions, run)
            needed = ", ".join(self._needed(client.extensions, run))
            out.append(
                engine.Check(
                    "email Sieve extensions",
                    not missing,
                    f"missing {', '.join(missing)}" if missing else f"{needed} present",
                )
            )
            listing = client.list_scripts()
            if listing.active == SCRIPT:
                out.append(engine.Check(f"email Sieve script {SCRIPT!r}", True, "active"))
            else:
                out.append(
                    engine.Check(
                        f"email Sieve script {SCRIPT!r}",
                        True,
                        "not active yet: run `hours autoreply sync`",
                        warning=True,
                    )
                )
        finally:
            client.close()
        emergency = run.settings.emergency
        if emergency and emergency.forward_to and "@" not in emergency.forward_to:
            out.append(
                engine.Check(
                    "email emergencies",
                    True,
                    "in sieve mode the server cannot text your phone; emergency mail gets the "
                    "emergency message but is only forwarded to an email address",
                    warning=True,
                )
            )
        return out

    # -- the script ----------------------------------------------------------------------

    def render(
        self,
        run: engine.SyncRun,
        anchor: dt.datetime,
        horizon: dt.datetime,
        extensions: frozenset[str],
    ) -> str:
        """Render the script for the closed windows in [anchor, horizon)."""
        settings, schedule = self.settings, run.schedule
        variables = "variables" in extensions
        sample = engine.Incoming(
            "email", "sieve", "", anchor, subject=_SUBJECT_MARK if variables else ""
        )

        def fill(template: str, at: dt.datetime) -> str:
            values = engine.fields(
                schedule,
                at,
                run.business,
                run.settings.emergency,
                sample,
                booking_url=run.settings.booking_url,
                language=run.settings.language,
            )
            return engine.render(template, values).replace(_SUBJECT_MARK, SUBJECT_VARIABLE)

        segments = [
            Segment(a, b, fill(settings.subject, a), fill(settings.policy.message, a))
            for window in closed_windows(schedule, anchor, horizon)
            for a, b in split_days(schedule, window)
        ]
        emergency = None
        e = run.settings.emergency
        if e is not None and e.keyword is not None:
            emergency = EmergencyRule(
                e.keyword,
                fill(settings.subject, anchor),
                fill(e.message, anchor),
                _redirect_to(run),
            )
        return render_schedule_script(
            segments,
            addresses=settings.addresses,
            from_address=str(Address(display_name=run.business, addr_spec=settings.address)),
            handle=HANDLE,
            interval=self._interval(extensions),
            never_reply=settings.policy.vip,
            variables=variables,
            emergency=emergency,
        )

    # -- helpers -------------------------------------------------------------------------

    def _client(self, run: engine.SyncRun) -> ManageSieve:
        login = credential(self.settings, self.config_dir, deadline=run.deadline)
        return ManageSieve(self.sieve, self.settings.username, login, deadline=run.deadline)

    def _interval(self, extensions: frozenset[str]) -> dt.timedelta:
        interval = self.settings.policy.min_interval
        if "vacation-seconds" in extensions or interval % _DAY == dt.timedelta(0):
            return interval
        # Without vacation-seconds, whole days only: round up, never answer more often.
        return max(_DAY, -(-interval // _DAY) * _DAY)

    def _needed(self, extensions: frozenset[str], run: engine.SyncRun) -> list[str]:
        needed = list(REQUIRED_EXTENSIONS)
        if self._interval(extensions) % _DAY:
            needed.append("vacation-seconds")
        if run.settings.emergency is not None:
            needed.append("regex")  # the keyword as a whole word, as IMAP mode finds it
        if _redirect_to(run) is not None:
            needed.append("copy")
        return needed

    def _missing(self, extensions: frozenset[str], run: engine.SyncRun) -> list[str]:
        return [e for e in self._needed(extensions, run) if e not in extensions]

    def _require(self, client: ManageSieve, run: engine.SyncRun) -> None:
        missing = self._missing(client.extensions, run)
        if missing:
            raise ProviderError(
                f"ManageSieve {describe(self.sieve)} lacks the Sieve extension(s) "
                f'{", ".join(missing)}; use mode = "imap" with this server'
            )

    def _prior(self, run: engine.SyncRun) -> dict[str, Any] | None:
        prior = run.journal.channel(self.name).prior
        leftover = leftover_install(prior, self.mode)
        if leftover is not None:
            raise leftover  # another mode's record must never be written over
        return prior if isinstance(prior, dict) and prior.get("mode") == self.mode else None

    def _record_prior(
        self, run: engine.SyncRun, client: ManageSieve, listing: ScriptList
    ) -> dict[str, Any]:
        """Record the server's scripts before the first write; never over an earlier record."""
        prior = self._prior(run)
        if prior is None:
            own = client.get_script(SCRIPT) if SCRIPT in listing.names else None
            prior = {"mode": self.mode, "active": listing.active, "hours": own}
            run.journal.set_prior(self.name, prior)
        return prior

    def _span(self, run: engine.SyncRun) -> tuple[dt.datetime, dt.datetime]:
        """Return the windows' span: the uploaded one while it lasts, else 14 days from now."""
        now = run.now.astimezone(dt.UTC).replace(second=0, microsecond=0)
        applied = run.journal.channel(self.name).applied
        if isinstance(applied, dict) and applied.get("mode") == self.mode:
            anchor = dt.datetime.fromisoformat(applied["anchor"])
            horizon = dt.datetime.fromisoformat(applied["horizon"])
            if anchor <= now and horizon - now >= REFRESH_WITHIN:
                return anchor, horizon
        return now, now + HORIZON


def _redirect_to(run: engine.SyncRun) -> str | None:
    """Return the address an emergency is copied to, when `forward_to` is one."""
    e = run.settings.emergency
    return e.forward_to if e and e.forward_to and "@" in e.forward_to else None
