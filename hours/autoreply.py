"""The auto-reply engine: who gets which reply, the templates, and the sync loop.

Channels (email over IMAP or Sieve, phone over Twilio) fetch and send; everything they share is
decided here: a message that arrived while closed, not older than `max_age`, is answered once per
sender per closed period and never more often than `min_interval`; VIPs, the user's own
addresses, and what RFC 3834 or the carriers say not to answer never are. Every skip is counted
by its reason. A reply is journalled before it is sent.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from hours import humanize
from hours.clients.mail import IncomingMail, never_answer
from hours.config.autoreply import Autoreply, Emergency, Policy
from hours.errors import HoursError, MaybeSent, ProviderError
from hours.journal import Journal
from hours.schedule import Schedule

OPT_KEYWORDS = frozenset(
    [
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "START",
        "YES",
        "UNSTOP",
        "HELP",
        "INFO",
    ]
)
# Phone channels share one per-sender limit: a client who calls and then texts hears back once.
RATE_GROUPS = {"email": ("email",), "sms": ("sms", "whatsapp", "voice")}
RATE_GROUPS |= {"whatsapp": RATE_GROUPS["sms"], "voice": RATE_GROUPS["sms"]}


# A closed window as a provider's responder holds it: from its start to the next opening (None
# when no opening is in sight).
Window = tuple[dt.datetime, dt.datetime | None]


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message or missed call that may deserve a reply."""

    channel: str  # email | sms | whatsapp | voice
    item: str  # stable id: "uidvalidity:uid", a Twilio SID
    sender: str  # an address (lower-case) or an E.164 number
    arrived: dt.datetime
    text: str = ""  # what the keyword is looked for in (SMS body; email subject)
    mail: IncomingMail | None = None  # email only: what its headers say, parsed once
    recipients: tuple[str, ...] = ()  # email only: To, Cc, Bcc and Resent-* addresses
    sender_name: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with an Incoming: reply, emergency, or skip (with the reason)."""

    action: str  # reply | emergency | skip
    reason: str | None = None
    period: dt.datetime | None = None  # the start of the closed period it arrived in


@dataclass(frozen=True, slots=True)
class Reply:
    """What the engine decided to send to one Incoming, rendered: a channel only delivers it."""

    msg: Incoming
    kind: str  # reply | emergency
    text: str
    subject: str = ""  # email only


class Outbox(Protocol):
    """Where a channel delivers the engine's replies: an SMTP server, Twilio."""

    def deliver(self, reply: Reply) -> None:
        """Send `reply`.

        Raise ProviderError when it was not sent (the next sync tries again), MaybeSent when
        it may have been (it is never sent again), OptedOut when this recipient cannot get it.
        """
        ...


@dataclass(slots=True)
class ChannelResult:
    """What one channel's sync did (the `channels` rows of `sync --json`)."""

    channel: str
    mode: str
    action: str = "none"
    replied: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    exit_status: int = 0  # what `error` makes the sync exit with (4 provider, 3 config)
    # Modes that hold a provider's own responder (gmail, outlook) say which closed window it
    # is set to: its start and end (None: no opening in sight), or None for no window at all.
    holds_window: bool = False
    window: Window | None = None

    def as_json(self) -> dict[str, object]:
        """Return the SPEC's JSON shape (with `window` for the modes that hold one)."""
        out: dict[str, object] = {
            "channel": self.channel,
            "mode": self.mode,
            "action": self.action,
            "replied": self.replied,
            "skipped": dict(sorted(self.skipped.items())),
            "error": self.error,
        }
        if self.holds_window:
            out["window"] = (
                None
                if self.window is None
                else [None if t is None else t.isoformat(timespec="seconds") for t in self.window]
            )
        return out


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The result of one `hours autoreply sync`."""

    open: bool
    at: dt.datetime
    channels: tuple[ChannelResult, ...]

    @property
    def exit_status(self) -> int:
        """Return 0, or 3 when a channel's config failed (a secret), else 4 for a provider."""
        failed = {c.exit_status for c in self.channels if c.error}
        return min(failed) if failed else 0


Forward = Callable[[Incoming], None]  # takes an emergency to the practitioner


@dataclass(slots=True)
class SyncRun:
    """What a channel needs to sync: the moment, the schedule, the settings, the journal."""

    now: dt.datetime
    schedule: Schedule
    settings: Autoreply
    business: str
    journal: Journal
    dry_run: bool = False
    # How an emergency reaches the practitioner's own phone (an SMS through the phone
    # channel's provider), for every channel; None where no phone channel is configured.
    forwarder: Forward | None = None
    _dry_replied: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `hours doctor`: what was checked, whether it is fine, and what to do."""

    label: str
    ok: bool
    detail: str = ""
    warning: bool = False  # not fatal: the channel works, but the user should know


class Traits(NamedTuple):
    """What an email mode does, in the words of the README's mode table (a test holds them equal)."""

    who_answers: str
    laptop_off: str
    once_per_sender: str
    vip_and_emergency: str
    provider_must_offer: str


# The README table's row labels, by Traits field.
TRAIT_LABELS = {
    "who_answers": "who answers",
    "laptop_off": "when your computer is off or cron stops",
    "once_per_sender": "once per sender",
    "vip_and_emergency": "VIPs and emergencies",
    "provider_must_offer": "what the provider must offer",
}


class Channel(Protocol):
    """A provider behind the engine: email (imap, sieve) or phone (poll, swap)."""

    name: str  # email | phone
    mode: str

    def sync(self, run: SyncRun) -> ChannelResult:
        """Bring the provider to what the schedule asks now; raise ProviderError on failure."""
        ...

    def install(self, run: SyncRun) -> str:
        """Check credentials and record what the provider has now; say what was done."""
        ...

    def uninstall(self, run: SyncRun) -> str:
        """Put back exactly what `install` recorded; say what was done."""
        ...

    def checks(self, run: SyncRun) -> list[Check]:
        """Check reachability, login and settings that would silently defeat the auto-reply."""
        ...


# -- who gets a reply ----------------------------------------------------------------------


def _matches(address: str, patterns: Iterable[str]) -> bool:
    a = normalize_sender(address)
    return any(fnmatch.fnmatchcase(a, normalize_sender(p)) for p in patterns)


def normalize_sender(sender: str) -> str:
    """Return a sender as compared: lower-case, without a `whatsapp:` prefix."""
    return sender.strip().lower().removeprefix("whatsapp:")


def email_exclusion(msg: Incoming, own: Iterable[str]) -> str | None:
    """Return why an email must not be answered (RFC 3834, robots, not to you), or None."""
    assert msg.mail is not None, "an email is decided on its parsed headers"
    reason = never_answer(msg.mail)
    if reason is not None:
        return reason
    if not any(_matches(r, own) for r in msg.recipients):
        return "not_addressed_to_me"
    return None


def sms_exclusion(msg: Incoming) -> str | None:
    """Return why a text must not be answered: short codes, alphanumeric senders, keywords."""
    number = normalize_sender(msg.sender)
    digits = number.lstrip("+")
    if not digits.isdigit():
        return "alphanumeric_sender"
    if len(digits) <= 6:
        return "short_code"
    if msg.channel != "voice" and msg.text.strip().upper().rstrip(".!") in OPT_KEYWORDS:
        return "keyword"
    return None


def has_keyword(text: str, keyword: str) -> bool:
    """Tell whether `keyword` is in `text` as a whole word, ignoring case."""
    return re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text, re.IGNORECASE) is not None


def decide(
    msg: Incoming,
    run: SyncRun,
    policy: Policy,
    own: Iterable[str],
) -> Decision:
    """Decide whether `msg` gets the usual reply, the emergency reply, or nothing (and why)."""
    schedule, now = run.schedule, run.now
    own = tuple(own)
    if schedule.is_open(msg.arrived):
        return Decision("skip", "arrived_open")
    if now - msg.arrived > policy.max_age:
        return Decision("skip", "too_old")
    if schedule.is_open(now):
        return Decision("skip", "open_now")  # you are back: answer it yourself
    if _matches(msg.sender, own):
        return Decision("skip", "own_address")
    if _matches(msg.sender, policy.vip):
        return Decision("skip", "vip")
    excluded = email_exclusion(msg, own) if msg.channel == "email" else sms_exclusion(msg)
    if excluded:
        return Decision("skip", excluded)
    period = schedule.state(msg.arrived).since or msg.arrived
    emergency = run.settings.emergency
    if emergency and has_keyword(f"{msg.subject} {msg.text}", emergency.keyword):
        return Decision("emergency", None, period)
    group, sender = RATE_GROUPS[msg.channel], normalize_sender(msg.sender)
    if run.dry_run and (group[0], sender) in run._dry_replied:
        return Decision("skip", "already_replied")
    if run.journal.replied_in_period(group, sender, period, "reply"):
        return Decision("skip", "already_replied")
    last = run.journal.last_reply(group, sender)
    if last is not None and now - last[1] < policy.min_interval:
        return Decision("skip", "min_interval")
    return Decision("reply", None, period)


# -- what the reply says -------------------------------------------------------------------


def fields(
    schedule: Schedule,
    now: dt.datetime,
    business: str,
    emergency: Emergency | None,
    msg: Incoming | None = None,
    *,
    named_days: bool = False,
) -> dict[str, str]:
    """Return the template fields at `now`: when you are back, why you are closed, and so on.

    `named_days` names the day of `{next_open}` ("Tuesday at 9:00 AM", never "tomorrow"), for
    one text that a provider sends all through a window that may cross midnight.
    """
    state = schedule.state(now)
    back = state.next_open if not state.open else now
    return {
        "business": business or "I",
        "next_open": humanize.next_open(back, now, named=named_days),
        "next_open_date": "" if back is None else f"{back:%A} {back.day} {back:%B}",
        "next_open_relative": "soon" if back is None else f"in {humanize.duration(back - now)}",
        "reason": state.reason or "closed",
        "emergency_keyword": emergency.keyword if emergency else "",
        "sender_name": (msg.sender_name if msg else "") or "there",
        "subject": (msg.subject if msg else "") or "your message",
    }


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a template validated at load time."""
    return template.format_map(dict(values))


def reply_to(msg: Incoming, kind: str, run: SyncRun) -> Reply:
    """Render what `msg` gets: its channel's template for `kind`, the fields computed once.

    An emergency gets the emergency message; an email the email message and subject; a
    WhatsApp message the WhatsApp text; a text or a missed call the SMS text.
    """
    settings = run.settings
    values = fields(run.schedule, run.now, run.business, settings.emergency, msg)
    subject = ""
    if msg.channel == "email":
        assert settings.email is not None
        template, subject = settings.email.policy.message, render(settings.email.subject, values)
    else:
        assert settings.phone is not None
        phone = settings.phone
        template = phone.whatsapp_message if msg.channel == "whatsapp" else phone.sms_message
    if kind == "emergency":
        assert settings.emergency is not None
        template = settings.emergency.message
    return Reply(msg, kind, render(template, values), subject)


# -- answering -----------------------------------------------------------------------------


class OptedOut(Exception):
    """The recipient cannot be reached this way for good; skip them, do not fail.

    The reason is what `skipped` counts: "opted_out" (Twilio error 21610), e.g.
    "unreachable" for a landline or a number that does not exist, or "recipient_refused" for
    an email address the SMTP server refuses for good.
    """

    def __init__(self, reason: str = "opted_out") -> None:
        super().__init__(reason)
        self.reason = reason


def answer(
    run: SyncRun,
    result: ChannelResult,
    items: Iterable[Incoming],
    policy: Policy,
    own: Iterable[str],
    outbox: Outbox,
    forward: Forward | None,
) -> None:
    """Decide each item, render its reply, journal it, then have `outbox` deliver it.

    Every item is decided here and every reply rendered here (`decide`, `reply_to`); the
    channel's outbox only delivers. A ProviderError from the outbox undoes that reply's journal
    entry (so the next sync tries it again) and propagates: the channel is reported failed.
    """
    journal, now = run.journal, run.now
    for msg in items:
        if journal.decided(msg.channel, msg.item) is not None:
            continue  # answered or skipped by an earlier sync
        d = decide(msg, run, policy, own)
        if d.action == "skip":
            assert d.reason is not None
            result.skipped[d.reason] += 1
            if not run.dry_run:
                journal.decide(msg.channel, msg.item, f"skipped:{d.reason}", now)
            continue
        if run.dry_run:
            run._dry_replied.add((RATE_GROUPS[msg.channel][0], normalize_sender(msg.sender)))
            result.replied += 1
            continue
        # Decided before anything is sent: after a crash this item is never looked at again.
        journal.decide(msg.channel, msg.item, d.action, now)
        try:
            _reply(run, result, msg, d, outbox, forward)
        except MaybeSent:
            raise  # it may have gone out: decided for good, never tried again
        except (ProviderError, OptedOut) as e:
            journal.undecide(msg.channel, msg.item)
            if isinstance(e, ProviderError):
                raise
            result.skipped[e.reason] += 1
            journal.decide(msg.channel, msg.item, f"skipped:{e.reason}", now)


def _reply(
    run: SyncRun,
    result: ChannelResult,
    msg: Incoming,
    d: Decision,
    outbox: Outbox,
    forward: Forward | None,
) -> None:
    assert d.period is not None
    # Once per item: a retry after the reply itself failed must not forward it again.
    if (
        d.action == "emergency"
        and forward is not None
        and not run.journal.journalled(msg.channel, msg.item, "forward")
    ):
        _journalled(run, msg, "forward", d.period, functools.partial(forward, msg))
    group, sender = RATE_GROUPS[msg.channel], normalize_sender(msg.sender)
    if d.action == "emergency" and run.journal.replied_in_period(
        group, sender, d.period, "emergency"
    ):
        result.skipped["emergency_already_answered"] += 1
        return
    reply = reply_to(msg, d.action, run)
    _journalled(run, msg, d.action, d.period, functools.partial(outbox.deliver, reply))
    result.replied += 1


def _journalled(
    run: SyncRun, msg: Incoming, kind: str, period: dt.datetime, action: Callable[[], None]
) -> None:
    journal = run.journal
    rid = journal.begin_reply(
        msg.channel, kind, normalize_sender(msg.sender), msg.item, period, run.now
    )
    try:
        action()
    except BaseException as e:
        if isinstance(e, ProviderError | OptedOut) and not isinstance(e, MaybeSent):
            journal.reply_failed(rid)
        raise  # anything else (a crash, ^C) leaves it journalled: never sent twice
    journal.reply_sent(rid, run.now)


# -- the sync loop -------------------------------------------------------------------------


def sync(channels: Iterable[Channel], run: SyncRun) -> SyncReport:
    """Sync every channel; one that fails is reported, and the others still run."""
    results = []
    for channel in channels:
        try:
            result = channel.sync(run)
        except HoursError as e:
            # A provider down, or a secret that cannot be read (a locked password store):
            # either way the other channels still answer tonight.
            result = ChannelResult(
                channel.name,
                channel.mode,
                "failed",
                error=e.message,
                exit_status=e.exit_status,
                # A mode that holds a provider's responder says so even when it failed.
                holds_window=getattr(channel, "holds_window", False),
            )
        if not run.dry_run:
            run.journal.record_sync(channel.name, run.now, result.action, result.error)
        results.append(result)
    return SyncReport(run.schedule.is_open(run.now), run.now, tuple(results))
