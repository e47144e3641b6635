"""The auto-reply engine: who gets which reply, the templates, and the sync loop.

Channels (email over IMAP or Sieve, phone over Twilio) fetch and send; everything they share is
decided here: a message that arrived while closed, not older than `max_age`, is answered once per
sender per closed period and never more often than `min_interval`; VIPs, the user's own
addresses, and what RFC 3834 or the carriers say not to answer never are. Every skip is counted
by its reason. A reply is journalled before it is sent.

Each reply is written for its sender (`client_of`, then `render_reply`): a returning client
(answered before, a VIP, or in the contacts file) gets the usual message, someone new the
new-client one; their language picks the templates, their clock the times in brackets.

The ways through are decided here too, and every text they send is written here: a message with
the emergency keyword is forwarded to the practitioner; a VIP's missed call, and a number that
misses the line twice within `repeat_window` (`repeat_call`), alert the practitioner's cell;
while someone covers (`Schedule.cover_at`), what they take is passed on to them and the sender
hears who covers.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from hours import humanize, locales
from hours.clients.mail import IncomingMail, never_answer
from hours.clients.net import Deadline, scrub_text
from hours.config.autoreply import DEFAULT_SYNC_TIMEOUT, Autoreply, Emergency, Policy
from hours.contacts import AddressBook
from hours.errors import Exit, HoursError, MaybeSent, ProviderError
from hours.journal import Journal
from hours.record import Record
from hours.schedule import Cover, Schedule

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
# How much of a text is passed on to whoever covers (as the emergency forward takes).
EXCERPT = 300
# Two calls closer than this are one caller's phone redialling, not a person trying again.
REDIAL_GAP = dt.timedelta(minutes=1)
# The most of a contact's name said in a text about them (a vCard's FN has no limit).
NAME_CHARACTERS = 60
# What reaches the practitioner or a cover, about one item: a keyword message forwarded, an
# alert of a VIP's or a repeated call, a text or missed call passed on to whoever covers.
NOTICES = ("forward", "alert", "handover")
# What a sender may get back: these are the auto-replies, counted and rate-limited.
ANSWERS = ("reply", "emergency", "cover")


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


class RepeatCall(Record):
    """Two missed calls from one number that make it an emergency."""

    first: dt.datetime
    second: dt.datetime

    @property
    def gap(self) -> dt.timedelta:
        """Return the time between the two calls."""
        return self.second - self.first


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with an Incoming: what the sender gets, and who else hears of it."""

    action: str  # reply | emergency | cover | skip
    reason: str | None = None  # why it is skipped
    period: dt.datetime | None = None  # the start of the closed period it arrived in
    notice: str | None = None  # one of NOTICES: who else is told, even of a skipped item
    cover: Cover | None = None  # who covers it (action cover, notice handover)
    repeat: RepeatCall | None = None  # the two calls that made it an emergency


@dataclass(frozen=True, slots=True)
class Reply:
    """What the engine decided to send about one Incoming, rendered: a channel only delivers it."""

    msg: Incoming
    kind: str  # one of ANSWERS, back to the sender, or one of NOTICES, to `to`
    text: str
    subject: str = ""  # email only
    to: str | None = None  # a notice's recipient: the practitioner's cell or a cover's phone


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


def start_deadline(settings: Autoreply) -> Deadline:
    """Return the deadline of a run starting now: `sync_timeout` from now."""
    return Deadline.after(settings.sync_timeout.total_seconds())


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
    contacts: AddressBook | None = None  # the contacts file, when the config names one
    # When the whole run must be done (`sync_timeout`): every network wait is cut to it.
    deadline: Deadline = field(
        default_factory=lambda: Deadline.after(DEFAULT_SYNC_TIMEOUT.total_seconds())
    )
    _dry_replied: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `hours doctor`: what was checked, whether it is fine, and what to do."""

    label: str
    ok: bool
    detail: str = ""
    warning: bool = False  # not fatal: the channel works, but the user should know


class Traits(Record):
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


def matches(address: str, patterns: Iterable[str]) -> bool:
    """Tell whether a sender matches one of `patterns`: addresses, numbers, `*@domain` globs."""
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
    if not any(matches(r, own) for r in msg.recipients):
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


def repeat_call(
    missed: Iterable[dt.datetime],
    *,
    window: dt.timedelta,
    period: tuple[dt.datetime, dt.datetime | None],
    min_gap: dt.timedelta = REDIAL_GAP,
) -> RepeatCall | None:
    """Return the first two consecutive missed calls of a closed period close enough, or None.

    `missed` are one number's missed calls, in any order; only those within `period` (its
    start, and its end or None) count. Two consecutive calls at least `min_gap` and at most
    `window` apart are the emergency: consecutive, so a redialler retrying every 30 seconds
    never counts, however long it goes on, and three calls still make one pair, the first.
    """
    start, end = period
    times = sorted(t for t in missed if start <= t and (end is None or t < end))
    for earlier, later in itertools.pairwise(times):
        if min_gap <= later - earlier <= window:
            return RepeatCall(earlier, later)
    return None


def can_alert(settings: Autoreply) -> bool:
    """Tell whether the practitioner's cell can be texted: a phone channel and a forward_to cell."""
    return (
        settings.phone is not None
        and settings.emergency is not None
        and bool(settings.emergency.cell)
    )


def decide(
    msg: Incoming,
    run: SyncRun,
    policy: Policy,
    own: Iterable[str],
    missed: Iterable[dt.datetime] = (),
) -> Decision:
    """Decide what `msg` gets (reply, emergency, cover, or nothing, and why) and who is told.

    `missed` are the missed calls of the sender's that the channel knows of, for the
    repeat-caller rule; they must reach back at least `repeat_window` before `msg`.
    """
    schedule, now = run.schedule, run.now
    own = tuple(own)
    if schedule.is_open(msg.arrived):
        return Decision("skip", "arrived_open")
    if now - msg.arrived > policy.max_age:
        return Decision("skip", "too_old")
    if schedule.is_open(now):
        return Decision("skip", "open_now")  # you are back: answer it yourself
    if matches(msg.sender, own):
        return Decision("skip", "own_address")
    period = schedule.state(msg.arrived).since or msg.arrived
    if matches(msg.sender, policy.vip):
        # Never answered; but a VIP who calls after hours is someone you want to know about.
        alert = "alert" if msg.channel == "voice" and can_alert(run.settings) else None
        return Decision("skip", "vip", period, alert)
    excluded = email_exclusion(msg, own) if msg.channel == "email" else sms_exclusion(msg)
    if excluded:
        return Decision("skip", excluded, period)
    emergency = run.settings.emergency
    if (
        emergency
        and emergency.keyword
        and has_keyword(f"{msg.subject} {msg.text}", emergency.keyword)
    ):
        return Decision("emergency", None, period, "forward")
    covering = schedule.cover_at(msg.arrived) if msg.channel != "email" else None
    medium = "voice" if msg.channel == "voice" else "sms"
    if covering is not None and medium in covering.cover.media:
        # Every text or missed call goes to whoever covers; the sender hears so as often as
        # any reply may be sent.
        limited = _rate_limit(msg, run, policy, period)
        return Decision("skip" if limited else "cover", limited, period, "handover", covering.cover)
    if msg.channel == "voice" and emergency is not None and can_alert(run.settings):
        repeat = repeat_call(
            missed,
            window=emergency.repeat_window,
            period=(period, schedule.next_open(msg.arrived)),
        )
        if repeat is not None and msg.arrived >= repeat.first:
            if msg.arrived == repeat.second:
                return Decision("emergency", None, period, "alert", repeat=repeat)
            # The first of the two is answered by the second's emergency message; a third
            # and later one has been answered by it already.
            return Decision(
                "skip", "called_again" if msg.arrived == repeat.first else "already_replied", period
            )
    limited = _rate_limit(msg, run, policy, period)
    return Decision("skip", limited, period) if limited else Decision("reply", None, period)


def _rate_limit(msg: Incoming, run: SyncRun, policy: Policy, period: dt.datetime) -> str | None:
    """Return why the sender may not be answered again yet, or None."""
    group, sender = RATE_GROUPS[msg.channel], normalize_sender(msg.sender)
    if run.dry_run and (group[0], sender) in run._dry_replied:
        return "already_replied"
    if any(run.journal.replied_in_period(group, sender, period, k) for k in ("reply", "cover")):
        return "already_replied"
    last = run.journal.last_reply(group, sender)
    if last is not None and run.now - last[1] < policy.min_interval:
        return "min_interval"
    return None


# -- who the reply is for ------------------------------------------------------------------

# Which templates a channel's replies are written from (a missed call is texted back).
TEMPLATE_GROUPS = {"email": "email", "sms": "sms", "voice": "sms", "whatsapp": "whatsapp"}


@dataclass(frozen=True, slots=True)
class Client:
    """Who a reply is for, as far as it can be known: returning or new, their clock, language."""

    known: tuple[str, ...]  # why they are a returning client; empty: someone new
    name: str  # as the contacts file has them, or ""
    zone: locales.ClientZone | None  # None: not known with certainty
    language: locales.LanguageChoice

    @property
    def new(self) -> bool:
        """Tell whether hours has never answered them and nothing else says who they are."""
        return not self.known


def slot(channel: str, kind: str, *, new: bool) -> str:
    """Return which template (`config.autoreply.SLOTS`) a reply of `kind` on `channel` uses."""
    if kind == "emergency":
        return "emergency"
    if kind == "cover":  # a text, a WhatsApp message or a missed call while someone covers
        return "cover_new" if new else "cover"
    group = TEMPLATE_GROUPS[channel]
    return f"{group}_new" if new else group


def client_of(
    msg: Incoming,
    settings: Autoreply,
    *,
    contacts: AddressBook | None,
    answered_before: bool,
    kind: str = "reply",
) -> Client:
    """Tell who `msg`'s sender is: known or new, their zone and language, and how each was told.

    Known: answered before (the journal, as the caller read it), a VIP, or in the contacts file.
    Zone: the contact's TZ, else a phone number's when certain, else an email's Date offset.
    Language: the contact's LANG, an email's Content-Language, a phone number's country's, each
    only where a template exists in it for this reply; else the default language.
    """
    phone = msg.channel != "email"
    channel = settings.phone if phone else settings.email
    contact = contacts.lookup(msg.sender) if contacts is not None else None
    known = []
    if contact is not None:
        known.append(f"in your contacts as {contact.name}" if contact.name else "in your contacts")
    if answered_before:
        known.append("answered before")
    if channel is not None and matches(msg.sender, channel.policy.vip):
        known.append("a VIP")
    number = normalize_sender(msg.sender) if phone else None
    date = msg.mail.date if msg.mail is not None else None
    zone = locales.client_zone(
        contact=contact.zone if contact else None, number=number, date_header=date
    )
    available = settings.languages_with(slot(msg.channel, kind, new=not known))
    if available:
        language = locales.choose_language(
            available=available,
            default=settings.language,
            contact=contact.languages if contact else (),
            content_language=msg.mail.content_language if msg.mail is not None else None,
            number=number,
        )
    else:  # no template in another language: nothing to choose, and no Babel to load
        language = locales.LanguageChoice(settings.language, "default")
    return Client(tuple(known), contact.name if contact else "", zone, language)


# -- what the reply says -------------------------------------------------------------------


def fields(
    schedule: Schedule,
    now: dt.datetime,
    business: str,
    emergency: Emergency | None,
    msg: Incoming | None = None,
    *,
    booking_url: str | None = None,
    language: str = "en",
    zone: locales.ClientZone | None = None,
    named_days: bool = False,
    cover: Cover | None = None,
) -> dict[str, str]:
    """Return the template fields at `now`: when you are back, why you are closed, and so on.

    Said in `language`; `zone` is the client's clock when known, for {next_open_local} and the
    brackets of {next_open_with_local}. A text fixed for everyone passes neither.
    `named_days` names the day you are back ("Tuesday at 9:00 AM", never "tomorrow"), for one
    text that a provider sends all through a window that may cross midnight.
    Exactly the fields of `hours.config.autoreply.FIELDS`, which templates were checked against.
    """
    state = schedule.state(now)
    back = state.next_open if not state.open else now
    if back is None:  # never open again: nothing to say in any language but this
        when = {
            "next_open": humanize.next_open(back, now),
            "next_open_with_local": humanize.next_open(back, now),
            "next_open_local": humanize.next_open(back, now),
            "next_open_date": "",
            "next_open_relative": "soon",
        }
    else:
        when = {
            "next_open": locales.next_open(back, now, language, named=named_days),
            "next_open_with_local": locales.next_open_with_local(
                back, now, language, zone, named=named_days
            ),
            "next_open_local": locales.next_open_local(back, now, language, zone, named=named_days),
            "next_open_date": locales.next_open_date(back, language),
            "next_open_relative": locales.next_open_relative(back, now, language),
        }
    return {
        "business": business or "I",
        **when,
        "reason": state.reason or "closed",
        "emergency_keyword": (emergency.keyword if emergency else None) or "",
        "emergency_press": (emergency.press if emergency else None) or "",
        "booking_url": booking_url or "",
        "cover_name": cover.name if cover else "",
        "sender_name": (msg.sender_name if msg else "") or "there",
        "subject": (msg.subject if msg else "") or "your message",
    }


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a template validated at load time."""
    return template.format_map(dict(values))


def reply_to(msg: Incoming, kind: str, run: SyncRun, cover: Cover | None = None) -> Reply:
    """Render what `msg` gets: who its sender is, then their template, the fields computed once.

    `cover` is who covers when `kind` is "cover".
    """
    group, sender = RATE_GROUPS[msg.channel], normalize_sender(msg.sender)
    answered = run.journal.last_reply(group, sender) is not None
    client = client_of(
        msg, run.settings, contacts=run.contacts, answered_before=answered, kind=kind
    )
    return render_reply(msg, kind, client, run.settings, run.schedule, run.now, run.business, cover)


def render_reply(
    msg: Incoming,
    kind: str,
    client: Client,
    settings: Autoreply,
    schedule: Schedule,
    now: dt.datetime,
    business: str,
    cover: Cover | None = None,
) -> Reply:
    """Render the reply of `kind` to `msg` for `client`: the template and fields they get.

    An emergency gets the emergency message; an email the email message (or the new-client
    one) and subject; a WhatsApp message the WhatsApp text; a text or a missed call the SMS
    text; while `cover` takes it, the cover message (someone new's with the booking line);
    each in the client's language.
    """
    language = client.language.language
    values = fields(
        schedule,
        now,
        business,
        settings.emergency,
        msg,
        booking_url=settings.booking_url,
        language=language,
        zone=client.zone,
        cover=cover,
    )
    template = settings.template(slot(msg.channel, kind, new=client.new), language)
    subject = ""
    if msg.channel == "email":
        subject = render(settings.template("subject", language), values)
    return Reply(msg, kind, render(template, values), subject)


def contact_name(msg: Incoming, run: SyncRun) -> str:
    """Return the sender's name as the contacts file has it, or "" when it has none."""
    contact = run.contacts.lookup(msg.sender) if run.contacts is not None else None
    return " ".join(contact.name.split())[:NAME_CHARACTERS] if contact is not None else ""


def named(msg: Incoming, run: SyncRun) -> Incoming:
    """Return `msg` with the contacts file's name for its sender, where the file has one.

    It stands before the name a sender gives themself (an email's display name), as the one
    the practitioner wrote down.
    """
    name = contact_name(msg, run)
    return replace(msg, sender_name=name) if name else msg


def notice_to(msg: Incoming, d: Decision, run: SyncRun) -> Reply:
    """Render what the practitioner (an alert) or a cover (a handover) is told about `msg`.

    The sender is said by their number, and by their name too when the contacts file has it,
    so whoever calls back knows whom they call.
    """
    line = run.business or "Your line"
    who = normalize_sender(msg.sender)
    name = contact_name(msg, run)
    if name:
        who = f"{name} ({who})"
    zone = run.schedule.zone
    when = f"{msg.arrived.astimezone(zone):%H:%M}"
    if d.notice == "handover":
        assert d.cover is not None
        if msg.channel == "voice":
            text = f"{line} — missed call from {who} at {when}; please call them back."
        else:
            label = "WhatsApp" if msg.channel == "whatsapp" else "text"
            body = " ".join(msg.text.split())[:EXCERPT]
            text = f"{line} — {label} from {who} at {when}: {body}"
        return Reply(msg, "handover", text, to=d.cover.number)
    assert d.notice == "alert"
    assert run.settings.emergency is not None
    if d.repeat is not None:
        first, second = (f"{t.astimezone(zone):%H:%M}" for t in d.repeat)
        text = (
            f"{line} — {who} called twice in {humanize.duration(d.repeat.gap)} ({first} and "
            f"{second}) and got your emergency message."
        )
    else:
        text = f"{line} — missed call from {who} (VIP) at {when}."
    return Reply(msg, "alert", text, to=run.settings.emergency.cell)


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
    items = list(items)
    # The missed calls of each number, for the repeat-caller rule.
    missed: dict[str, list[dt.datetime]] = {}
    for msg in items:
        if msg.channel == "voice":
            missed.setdefault(normalize_sender(msg.sender), []).append(msg.arrived)
    for n, msg in enumerate(items):
        if journal.decided(msg.channel, msg.item) is not None:
            continue  # answered or skipped by an earlier sync
        if run.deadline.expired:
            left = sum(journal.decided(m.channel, m.item) is None for m in items[n:])
            raise run.deadline.out_of_time(
                f"answering: {left} of {len(items)} {_plural(left, 'message')} left unanswered"
            )
        calls = missed.get(normalize_sender(msg.sender), ())
        d = decide(msg, run, policy, own, calls)
        if d.action == "skip" and (d.notice is None or run.dry_run):
            assert d.reason is not None
            result.skipped[d.reason] += 1
            if not run.dry_run:
                journal.decide(msg.channel, msg.item, f"skipped:{d.reason}", now)
            continue
        # Rendered before anything is journalled: a reply that cannot be written is never
        # recorded as answered.
        reply = None if d.action == "skip" else reply_to(msg, d.action, run, d.cover)
        notice = None if d.notice in (None, "forward") else notice_to(msg, d, run)
        if run.dry_run:
            run._dry_replied.add((RATE_GROUPS[msg.channel][0], normalize_sender(msg.sender)))
            result.replied += 1
            continue
        # Decided before anything is sent: after a crash this item is never looked at again.
        decision = d.action if d.action != "skip" else f"skipped:{d.reason}"
        journal.decide(msg.channel, msg.item, decision, now)
        try:
            _reply(run, result, msg, d, reply, notice, outbox, forward)
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
    reply: Reply | None,
    notice: Reply | None,
    outbox: Outbox,
    forward: Forward | None,
) -> None:
    """Send what was rendered for `msg`: its notice (an alert, a handover), then its reply."""
    assert d.period is not None
    # Once per item: a retry after the reply itself failed must not tell anyone again.
    if d.notice is not None and not run.journal.journalled(msg.channel, msg.item, d.notice):
        if d.notice == "forward" and forward is not None:
            # Forwarded with the name you know them by, so you know whom you call back.
            _journalled(run, msg, "forward", d.period, functools.partial(forward, named(msg, run)))
        elif notice is not None:
            _journalled(run, msg, d.notice, d.period, functools.partial(outbox.deliver, notice))
    if d.action == "skip":
        assert d.reason is not None
        result.skipped[d.reason] += 1
        return
    group, sender = RATE_GROUPS[msg.channel], normalize_sender(msg.sender)
    if d.action == "emergency" and run.journal.replied_in_period(
        group, sender, d.period, "emergency"
    ):
        result.skipped["emergency_already_answered"] += 1
        return
    assert reply is not None  # rendered for every action but a skip
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


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def sync(channels: Iterable[Channel], run: SyncRun) -> SyncReport:
    """Sync every channel; one that fails is reported, and the others still run.

    A channel reached after the run's deadline has passed is not started: it is reported
    failed (exit 4), saying so, and the next sync does it.
    """
    results = []
    for channel in channels:
        if run.deadline.expired:
            result = ChannelResult(
                channel.name,
                channel.mode,
                "failed",
                error=(
                    f"not synced: the sync's {run.deadline.seconds:g} s (sync_timeout) ran out "
                    "before this channel's turn; the next sync does it"
                ),
                exit_status=Exit.PROVIDER,
            )
            if not run.dry_run:
                run.journal.record_sync(channel.name, run.now, result.action, result.error)
            results.append(result)
            continue
        try:
            result = channel.sync(run)
        except HoursError as e:
            # A provider down, or a secret that cannot be read (a locked password store):
            # either way the other channels still answer tonight.
            # Shown, and stored as the channel's last error: never a secret, in any form.
            result = ChannelResult(
                channel.name,
                channel.mode,
                "failed",
                error=scrub_text(e.message),
                exit_status=e.exit_status,
                # A mode that holds a provider's responder says so even when it failed.
                holds_window=getattr(channel, "holds_window", False),
            )
        if not run.dry_run:
            run.journal.record_sync(channel.name, run.now, result.action, result.error)
        results.append(result)
    return SyncReport(run.schedule.is_open(run.now), run.now, tuple(results))
