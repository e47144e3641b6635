"""What the Gmail and Outlook modes share: the provider's own responder, one closed window at a time.

Neither Gmail's vacation responder nor Outlook's automatic replies can repeat: each takes one
start and one end. So every sync sets the responder to the closed window going on, or to the
next one while open, with that window's own text; if cron stops, the provider still stops
answering when the window ends. A sync that finds the window already set writes nothing.

What the provider had before is recorded exactly (by `install`, or by the first sync) and put
back by `uninstall`. Every setting `hours` writes is journalled *before* it is sent, beside the
one it replaces (`applied["ours"]`), so a sync killed mid-write can never take a window of its
own for the user's settings. A setting that is none of `hours`'s was made by the user in Gmail
or Outlook: it is taken as theirs, and is what `uninstall` puts back.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

from hours import autoreply as engine
from hours.autoreply import Traits, Window
from hours.channels import leftover_install
from hours.channels.email_auth import advice, purposes_for, token_source
from hours.clients.net import Deadline
from hours.clients.oauth import StoredLoginTokens, TokenSource
from hours.clients.rest import BearerJsonClient, MissingScope, TokenRefused
from hours.config.autoreply import Autoreply, EmailSettings
from hours.errors import ConfigError, HoursError, ProviderError
from hours.journal import utc_iso
from hours.schedule import Schedule

S = TypeVar("S")  # the provider's responder settings
C = TypeVar("C", bound=BearerJsonClient)
T = TypeVar("T")


# -- the window and its text ---------------------------------------------------------------


def closed_window(
    schedule: Schedule, now: dt.datetime, held: Window | None = None
) -> Window | None:
    """Return the closed window the responder should hold at `now`: the one going on, or the next.

    While closed, the window runs from when it closed (in the past: both providers take a start
    in the past, and answer from then on) to the next opening; while open, from the next closing
    to the opening after it. Its end is None when no opening is in sight; the window is None
    when the schedule never closes. A closed time that began further back than the schedule
    looks (years) starts where the `held` window did, or now.
    """
    state = schedule.state(now)
    if state.open:
        if state.until is None:
            return None
        return state.until, schedule.next_open(state.until)
    start = state.since
    if start is None:
        same_end = held is not None and held[1] == state.until
        start = held[0] if held is not None and same_end else now.replace(second=0, microsecond=0)
    return start, state.until


def window_reason(schedule: Schedule, window: Window) -> str:
    """Return why the window is closed: the first closure or holiday in it, else why at its start.

    An evening that runs into a public holiday says the holiday, not "outside hours".
    """
    start, end = window
    # Without an end, what the first week holds says why.
    until = end or start + dt.timedelta(days=7)
    last_date = until.astimezone(schedule.zone).date() + dt.timedelta(days=1)
    for opens, closes, reason in schedule.closures(
        start.astimezone(schedule.zone).date(), last_date
    ):
        if opens < until and closes > start:
            return reason
    return schedule.closed_reason(start)


@dataclass(frozen=True)
class WindowText:
    """What the responder says all through one window: the subject, the text, and its HTML."""

    subject: str
    text: str
    html: str


def window_text(
    settings: Autoreply, schedule: Schedule, business: str, window: Window
) -> WindowText:
    """Render the email templates once for a whole window, as its provider sends them.

    The fields are those at the window's start, in the default language, with the day of
    `{next_open}` named ("Tuesday at 9:00 AM") so the text is as true after midnight as before
    it, and so that one window's text differs from the next one's (Gmail answers a sender again
    only when it changes). The provider answers without `hours` seeing the message:
    `{sender_name}` reads "there" and `{subject}` "your message"; `{next_open_relative}` is
    counted from the window's start (config/autoreply.py's FIELDS say each).
    """
    email = settings.email
    assert email is not None
    values = engine.fields(
        schedule,
        window[0],
        business,
        settings.emergency,
        booking_url=settings.booking_url,
        language=settings.language,
        named_days=True,
    )
    values["reason"] = window_reason(schedule, window)
    text = engine.render(email.policy.message, values)
    return WindowText(engine.render(email.subject, values), text, html_body(text))


def window_preview(
    settings: Autoreply,
    schedule: Schedule,
    business: str,
    now: dt.datetime,
    *,
    head: str,
    lines: Callable[[EmailSettings, Window, WindowText], list[str]],
) -> list[str]:
    """Return what a responder would be set to at `now`: `head`, the window, then `lines` of it."""
    email = settings.email
    assert email is not None
    window = closed_window(schedule, now)
    if window is None:
        return [head, "Your hours never close: nothing is set."]
    text = window_text(settings, schedule, business, window)
    where = f"Window: {say_window(window)} ({schedule.zone.key})"
    return [head, where, *lines(email, window, text)]


def html_body(text: str) -> str:
    """Return a plain text as HTML: each paragraph a <p>, each line break a <br>, all escaped."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line, quote=False) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


class _Text(HTMLParser):
    """Collect the text of an HTML fragment, a space for every tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")


def text_of(fragment: str) -> str:
    """Return what an HTML message says, its whitespace collapsed.

    Providers keep HTML their own way (Gmail sanitizes it, Exchange wraps it in a whole
    document), so what was set is compared with what is read by what it says.
    """
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())


def say_window(window: Window | None) -> str:
    """Say a window for people: "Fri 27 Nov 17:00 to Mon 30 Nov 09:00"."""
    if window is None:
        return "no closed time ahead"
    start, end = window
    until = "no opening in sight" if end is None else f"{end:%a %d %b %H:%M}"
    return f"{start:%a %d %b %H:%M} to {until}"


def window_json(window: Window | None) -> list[str | None] | None:
    """Return a window as the journal keeps it: ISO 8601 in UTC."""
    return None if window is None else [None if t is None else utc_iso(t) for t in window]


def window_from_json(value: Any, zone: dt.tzinfo) -> Window | None:
    """Read a window the journal kept, in the config's zone; None for anything else."""
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
        return None
    start = dt.datetime.fromisoformat(value[0]).astimezone(zone)
    end = value[1]
    if not isinstance(end, str):
        return start, None
    return start, dt.datetime.fromisoformat(end).astimezone(zone)


# -- the channel -----------------------------------------------------------------------------


class ResponderChannel(ABC, Generic[S, C]):
    """Hold the provider's responder to the closed window of the moment; put the user's back.

    A subclass is one provider: how its settings are read, written, compared and said, and the
    settings one window needs.
    """

    name = "email"
    holds_window = True  # `sync --json` says which window it set (None when it failed)
    mode: ClassVar[str]
    service: ClassVar[str]  # "Gmail", in messages
    responder: ClassVar[str]  # "Gmail's vacation responder"
    login: ClassVar[str]  # the `hours login` it signs in with
    scope: ClassVar[str]  # the scope its writes need
    traits: ClassVar[Traits]

    def __init__(
        self, settings: EmailSettings, config_dir: Path, *, tokens: TokenSource | None = None
    ) -> None:
        self.settings = settings
        self.config_dir = config_dir
        self._tokens = tokens
        self._deadline: Deadline | None = None

    # -- what a provider defines ---------------------------------------------------------

    @abstractmethod
    def client(self, token: str) -> C:
        """Return the provider's API client for a token."""

    @abstractmethod
    def read(self, client: C, deadline: Deadline | None) -> S:
        """Return the responder's settings as the provider has them."""

    @abstractmethod
    def write(self, client: C, value: S, deadline: Deadline | None) -> S:
        """Set the responder; return the settings as the provider answered them."""

    @abstractmethod
    def for_window(self, window: Window, text: WindowText, zone: ZoneInfo) -> S:
        """Return the settings that hold `window` with its text (times in `zone`, where asked)."""

    @abstractmethod
    def key(self, value: S) -> tuple[object, ...]:
        """Return what two settings must share to answer alike (what `same` compares)."""

    @abstractmethod
    def to_json(self, value: S) -> dict[str, Any]:
        """Return settings as the journal keeps them: the provider's own JSON."""

    @abstractmethod
    def from_json(self, data: Any) -> S:
        """Read settings the journal kept."""

    @abstractmethod
    def describe(self, value: S, zone: dt.tzinfo) -> str:
        """Say what the responder is set to, in a line."""

    @abstractmethod
    def future_dates(self, value: S, now: dt.datetime) -> Window | None:
        """Return the dates of the user's own responder, when it is on and not yet over."""

    # -- the Channel protocol ------------------------------------------------------------

    def sync(self, run: engine.SyncRun) -> engine.ChannelResult:
        """Set the responder to the window of the moment, unless it already is."""
        prior = self._prior(run)
        held = self._held(run)
        window = closed_window(run.schedule, run.now, held)
        result = engine.ChannelResult(self.name, self.mode, holds_window=True, window=window)
        client, current = self._read(run)
        ours = self._ours(run, current)
        adopted = False
        if not ours:
            if prior is None:
                prior = self._record(run, current)
            elif not self.same(current, self.from_json(prior["settings"])):
                # Changed in Gmail or Outlook since `hours` last set it: the user's setting now,
                # and what `uninstall` puts back.
                adopted = True
                prior = self._adopt(run, prior, current)
        if window is not None:
            desired = self.desired(run, window)
        else:  # never closed: the user's own settings, as recorded
            desired = current if prior is None else self.from_json(prior["settings"])
        if self.same(current, desired):
            result.action = "adopted yours" if adopted else "unchanged"
            if ours and not run.dry_run:
                self._settle(run, window, current)  # the journal only: nothing is sent
            return result
        if run.dry_run:
            result.action = "would set" if window is not None else "would restore"
            return result
        # Journalled first, beside what it replaces when that is ours: killed mid-write, the
        # next sync finds one or the other, and takes neither for the user's.
        maybe = [current, desired] if ours else [desired]
        self._set_applied(run, window, maybe)
        try:
            answered = self._call(lambda c: self.write(c, desired, self._deadline), client)
        except HoursError:
            # Not set, or perhaps set (no answer came): both stay known as ours, and the window
            # said to be set is the one before.
            self._set_applied(run, held if ours else None, maybe)
            raise
        self._set_applied(run, window, [answered])
        verb = "set" if window is not None else "restored yours"
        result.action = f"adopted yours, {verb}" if adopted else verb
        return result

    def install(self, run: engine.SyncRun) -> str:
        """Check the sign-in, and record the responder as the provider has it now, exactly."""
        prior = self._prior(run)
        if prior is not None:
            return (
                f"already installed on {prior['recorded_at'][:10]}; your own {self.responder} "
                "recorded then is kept, to be put back by `hours autoreply uninstall`"
            )
        _, current = self._read(run)
        self._record(run, current)
        zone = run.schedule.zone
        notes = ""
        dates = self.future_dates(current, run.now)
        if dates is not None:
            notes = (
                f" Warning: it is on for {say_window(dates)}; while `hours` holds the "
                f"responder it is not, so add those dates as a closure (`hours off`) and "
                f"`hours` answers for them."
            )
        return (
            f"{self.service} sign-in works; recorded {self.responder} as it is "
            f"({self.describe(current, zone)}). `hours autoreply sync` sets it to each closed "
            f"window in turn, and `uninstall` puts this back." + notes
        )

    def uninstall(self, run: engine.SyncRun) -> str:
        """Put back exactly what `install` recorded (or the user's later setting), and forget."""
        prior = self._prior(run)
        if prior is None:
            return "nothing to put back: not installed"
        client, current = self._read(run)
        recorded = self.from_json(prior["settings"])
        said = self.describe(recorded, run.schedule.zone)
        if not self._ours(run, current) and not self.same(current, recorded):
            outcome = (
                f"{self.responder} was changed since `hours` last set it; left as you set it "
                f"({self.describe(current, run.schedule.zone)}), nothing written"
            )
        elif self.same(current, recorded):
            outcome = f"{self.responder} is already as recorded ({said}); nothing written"
        else:
            self._call(lambda c: self.write(c, recorded, self._deadline), client)
            outcome = f"put back {self.responder} as recorded ({said})"
        run.journal.set_prior(self.name, None)
        run.journal.set_applied(self.name, None)
        return outcome

    def checks(self, run: engine.SyncRun) -> list[engine.Check]:
        """Check the sign-in and its scopes, read the responder, and say who holds it."""
        label = f"email {self.service}"
        try:
            self._prior(run)
        except HoursError as e:
            return [engine.Check(f"email ({self.mode})", False, e.message)]
        try:
            self.tokens.access_token()
        except HoursError as e:
            return [engine.Check(f"{label} sign-in", False, e.message)]
        out = [self._scope_check(label)]
        try:
            _, current = self._read(run)
        except HoursError as e:
            return [*out, engine.Check(label, False, e.message)]
        zone = run.schedule.zone
        out.append(engine.Check(label, True, f"{self.responder}: {self.describe(current, zone)}"))
        out.append(self._holder_check(run, current))
        out += self._limit_checks(run)
        return out

    def desired(self, run: engine.SyncRun, window: Window) -> S:
        """Return the settings that hold `window`, with its text."""
        text = window_text(run.settings, run.schedule, run.business, window)
        return self.for_window(window, text, run.schedule.zone)

    # -- comparing and recording ---------------------------------------------------------

    def same(self, a: S, b: S) -> bool:
        """Tell whether two settings answer alike."""
        return self.key(a) == self.key(b)

    def _ours(self, run: engine.SyncRun, current: S) -> bool:
        applied = self._applied(run)
        return applied is not None and any(
            self.same(current, self.from_json(o)) for o in applied.get("ours", [])
        )

    def _applied(self, run: engine.SyncRun) -> dict[str, Any] | None:
        applied = run.journal.channel(self.name).applied
        return applied if isinstance(applied, dict) and applied.get("mode") == self.mode else None

    def _held(self, run: engine.SyncRun) -> Window | None:
        applied = self._applied(run)
        return (
            None if applied is None else window_from_json(applied.get("window"), run.schedule.zone)
        )

    def _set_applied(self, run: engine.SyncRun, window: Window | None, ours: list[S]) -> None:
        run.journal.set_applied(
            self.name,
            {
                "mode": self.mode,
                "window": window_json(window),
                "ours": [self.to_json(o) for o in ours],
            },
        )

    def _settle(self, run: engine.SyncRun, window: Window | None, current: S) -> None:
        """Keep only what is there as ours, once a sync finds it (after a write it did not see
        finish, say); a sync that finds everything as journalled writes nothing at all."""
        applied = self._applied(run) or {}
        settled = {"window": window_json(window), "ours": [self.to_json(current)]}
        if {k: applied.get(k) for k in settled} != settled:
            self._set_applied(run, window, [current])

    def _prior(self, run: engine.SyncRun) -> dict[str, Any] | None:
        prior = run.journal.channel(self.name).prior
        leftover = leftover_install(prior, self.mode)
        if leftover is not None:
            raise leftover
        return prior if isinstance(prior, dict) and prior.get("mode") == self.mode else None

    def _record(self, run: engine.SyncRun, current: S) -> dict[str, Any] | None:
        """Record the user's settings before the first write (never in a dry run)."""
        if run.dry_run:
            return None
        prior = {
            "mode": self.mode,
            "recorded_at": utc_iso(run.now),
            "settings": self.to_json(current),
        }
        run.journal.set_prior(self.name, prior)
        return prior

    def _adopt(self, run: engine.SyncRun, prior: dict[str, Any], current: S) -> dict[str, Any]:
        adopted = prior | {"settings": self.to_json(current), "adopted_at": utc_iso(run.now)}
        if not run.dry_run:
            run.journal.set_prior(self.name, adopted)
        return adopted

    # -- the provider, signed in ---------------------------------------------------------

    @property
    def tokens(self) -> TokenSource:
        """Return where the access tokens come from (`token_command`, or `hours login`).

        A stored login without this mode's scopes is refused here (LoginRequired, exit 3).
        """
        if self._tokens is None:
            found = token_source(
                self.settings, self.config_dir, purposes=purposes_for(self.settings)
            )
            assert found is not None, "the gmail and outlook modes always sign in with OAuth2"
            self._tokens = found
        return self._tokens

    def _read(self, run: engine.SyncRun) -> tuple[C, S]:
        """Read the responder once: the one read of a sync, within the run's deadline.

        Every request of the run (429 and 5xx retries included) ends before that deadline.
        """
        self._deadline = run.deadline
        holder: list[C] = []

        def read(c: C) -> S:
            holder.append(c)
            return self.read(c, self._deadline)

        value = self._call(read)
        return holder[-1], value

    def _call(self, request: Callable[[C], T], client: C | None = None) -> T:
        """Make a request; a refused token is fetched once more and tried once more.

        A second refusal is the provider's failure (exit 4) saying what to run; a missing
        scope is a configuration error (exit 3) naming it and the login that grants it.
        """
        try:
            try:
                return request(client or self.client(self.tokens.access_token()))
            except TokenRefused:
                # An access token can expire between its fetch and its use: one more try.
                self.tokens.invalidate()
                return request(self.client(self.tokens.access_token()))
        except TokenRefused as e:
            raise ProviderError(f"{e.message}; {self._refused_advice()}") from None
        except MissingScope as e:
            raise ConfigError(f"{e.message} {self._grant_advice()}") from None

    def _refused_advice(self) -> str:
        if self.settings.token_command is not None:
            return (
                f"{advice(self.settings)}: it must sign in to the {self.service} account with "
                f"the scope {self.scope}"
            )
        return advice(self.settings)

    def _grant_advice(self) -> str:
        if self.settings.token_command is not None:
            return f"Make token_command ask for the scope {self.scope}."
        return (
            f'Run `hours login {self.login}` again, granting it (with mode = "{self.mode}" '
            "in the config, it asks for it)."
        )

    # -- doctor --------------------------------------------------------------------------

    def _scope_check(self, label: str) -> engine.Check:
        if isinstance(self.tokens, StoredLoginTokens):
            return engine.Check(
                f"{label} token scopes",
                True,
                f"the stored `hours login {self.login}` grants {self.scope}",
            )
        return engine.Check(
            f"{label} token scopes",
            True,
            f"a token from token_command: its scopes cannot be read here; the first write says "
            f"(exit 3) if it lacks {self.scope}",
            warning=True,
        )

    def _holder_check(self, run: engine.SyncRun, current: S) -> engine.Check:
        label = f"email {self.service} window"
        if self._prior(run) is None:
            return engine.Check(
                label,
                True,
                "not installed yet: `hours autoreply install --channel email` records your own "
                f"{self.responder} (so does the first sync), to be put back by `uninstall`",
                warning=True,
            )
        window = self._held(run)
        if self._ours(run, current) and window is not None:
            end = window[1]
            if end is not None and end <= run.now:
                return engine.Check(
                    label,
                    True,
                    f"`hours` set the window {say_window(window)}, which is over; is cron "
                    "running `hours autoreply sync`?",
                    warning=True,
                )
            return engine.Check(label, True, f"`hours` holds it, for {say_window(window)}")
        return engine.Check(
            label,
            True,
            "your own setting is there, not a window of `hours`: the next sync takes it as "
            "yours (put back by `uninstall`) and sets the window",
            warning=True,
        )

    def _limit_checks(self, run: engine.SyncRun) -> list[engine.Check]:
        out = []
        label = f"email ({self.mode})"
        if self.settings.policy.vip:
            out.append(
                engine.Check(
                    label,
                    True,
                    f"{self.service} answers your VIPs too: it has no list of senders to leave "
                    "alone (IMAP mode has)",
                    warning=True,
                )
            )
        if run.settings.emergency is not None:
            out.append(
                engine.Check(
                    label,
                    True,
                    f"nothing watches for {run.settings.emergency.keyword} in {self.mode} mode: "
                    f"{self.service} sends the usual reply, and no text reaches your phone; "
                    "leave the keyword out of the email message",
                    warning=True,
                )
            )
        if "{next_open_relative}" in self.settings.policy.message:
            out.append(
                engine.Check(
                    label,
                    True,
                    "{next_open_relative} is counted from the start of each window, since one "
                    "text is sent all through it; prefer {next_open}",
                    warning=True,
                )
            )
        return out
