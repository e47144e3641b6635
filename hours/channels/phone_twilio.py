"""The phone channel over Twilio, in two modes, and the SMS forwarder for emergencies.

Poll mode (the default): each sync reads the texts, WhatsApp messages and missed calls that came
in since the last one and answers, through the engine, those that arrived while closed. No
server of the user's own is needed, and every rule of the engine applies.

Swap mode: `install` records the number's webhooks; while closed, sync points them at the
after-hours TwiML (a `<Message>` for texts, a `<Say>` greeting and a `<Record>` voicemail for
calls), and while open it puts the recorded ones back. Twilio itself then answers every text
and call, with no per-sender limit. When a caller may press a key to reach you, or someone
covers calls, calls go to a Twilio Studio flow instead (`clients/studio.py`), which the channel
creates, rewrites when what it must say changes, and deletes at uninstall.

Poll mode also carries out the engine's other ways through: alerts to your cell and what is
passed on to whoever covers, as texts from the business number (`TwilioOutbox`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hours import autoreply as engine
from hours.autoreply import ChannelResult, Check, Incoming, SyncRun
from hours.clients import studio
from hours.clients.net import Deadline
from hours.clients.twilio import (
    WEBHOOK_FIELDS,
    Flow,
    PhoneNumber,
    TwilioApi,
    Unreachable,
    changed,
    echo_url,
    is_echo_url,
    message_twiml,
    same,
    voice_twiml,
)
from hours.config import secrets
from hours.config.autoreply import (
    DEFAULT_SYNC_TIMEOUT,
    DIAL_TIMEOUT,
    MAX_CALL_MINUTES,
    PRESS_PROMPT,
    REPEAT_WINDOW,
    Autoreply,
    Emergency,
    PhoneSettings,
)
from hours.errors import ConfigError, HoursError, ProviderError
from hours.journal import utc_iso
from hours.schedule import Schedule

CHANNEL = "phone"
# How long a reply may wait in Twilio's queue: past that it would no longer be news.
REPLY_VALIDITY = dt.timedelta(minutes=15)
# An emergency is still worth hearing about an hour late.
FORWARD_VALIDITY = dt.timedelta(hours=1)
# Each poll lists again from a little before the last one: a message can show up in the list a
# moment after its date, and SIDs already decided are skipped through the journal. It also
# hands the engine every missed call of the last `repeat_window` (at most an hour), which the
# repeat-caller rule looks back over.
OVERLAP = dt.timedelta(hours=1)
assert REPEAT_WINDOW[1] <= OVERLAP
FORWARD_EXCERPT = 300
# The numbers Twilio shows for a caller who withheld their number; no text can reach them.
WITHHELD = frozenset({"", "anonymous", "restricted", "unavailable", "unknown", "private"})
WITHHELD_NUMBERS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})
_GROUPS = {
    "sms": ("sms_url", "sms_method", "sms_fallback_url"),
    "voice": ("voice_url", "voice_method", "voice_fallback_url"),
}
SWAP_LIMITS = (
    "swap mode: Twilio answers every text and call while closed — no once-per-night limit, no "
    "max_age, VIPs and your own numbers too, no keyword pass-through for texts, no repeat-caller "
    'alerts, no WhatsApp, no missed-call texts; mode = "poll" does all of these'
)
VOICEMAIL_PROMPT = "Sorry, nobody could pick up just now. Please leave a message after the tone."

RELATIVE_IN_SWAP = (
    "{next_open_relative} changes from minute to minute, so every sync rewrites the number's "
    "webhooks, and a caller hears the time as of the last sync; use {next_open} in swap mode"
)


def connect(settings: PhoneSettings, config_dir: Path, deadline: Deadline) -> TwilioApi:
    """Return the Twilio client for these settings, its secrets read now, bound by `deadline`."""
    return TwilioApi(
        secrets.resolve(settings.account_sid, config_dir, deadline),
        secrets.resolve(settings.auth_token, config_dir, deadline),
        api_base=settings.api_base,
        deadline=deadline,
    )


def validity(run: SyncRun, longest: dt.timedelta) -> int:
    """Return a validity_period in seconds: `longest`, or less if you open sooner."""
    until_open = run.schedule.next_open(run.now)
    seconds = longest.total_seconds()
    if until_open is not None:
        seconds = min(seconds, (until_open - run.now).total_seconds())
    return int(max(60.0, seconds))


def withheld(sender: str) -> bool:
    """Tell whether a caller withheld their number (Twilio shows a placeholder)."""
    s = sender.strip().lower()
    return s in WITHHELD or s in WITHHELD_NUMBERS


class TwilioOutbox:
    """Deliver the engine's replies as texts, or WhatsApp messages, from the business number."""

    def __init__(self, api: TwilioApi, settings: PhoneSettings, validity_period: int) -> None:
        self.api = api
        self.settings = settings
        self.validity_period = validity_period

    def deliver(self, reply: engine.Reply) -> None:
        """Send `reply` back the way its message came (a missed call is texted).

        A notice goes by text to its own recipient, the practitioner or a cover: one that
        cannot reach them is a failure to fix, tried again at the next sync.
        """
        s, msg = self.settings, reply.msg
        if reply.to is not None:
            try:
                self.api.send(
                    s.number,
                    reply.to,
                    reply.text,
                    validity_period=int(FORWARD_VALIDITY.total_seconds()),
                )
            except Unreachable as e:
                raise ProviderError(
                    f"cannot text {reply.to} ({reply.kind}): Twilio error {e.code} "
                    f"({e.reason}); if that phone texted STOP to {s.number}, it must text START"
                ) from None
            return
        sender = s.whatsapp if msg.channel == "whatsapp" and s.whatsapp else s.number
        try:
            self.api.send(sender, msg.sender, reply.text, validity_period=self.validity_period)
        except Unreachable as e:
            raise engine.OptedOut(e.reason) from None


class _Phone:
    """What both modes share: the settings, a client made on first use, install's record."""

    name = CHANNEL
    mode = ""

    def __init__(
        self, settings: PhoneSettings, config_dir: Path, *, api: TwilioApi | None = None
    ) -> None:
        self.settings = settings
        self.config_dir = config_dir
        self._api = api
        self._deadline: Deadline | None = None

    def _bind(self, run: SyncRun) -> None:
        """Take the run's deadline for the client made from here on."""
        self._deadline = run.deadline

    @property
    def api(self) -> TwilioApi:
        """Return the client, reading the secrets the first time."""
        if self._api is None:
            assert self._deadline is not None, "a channel's methods bind it to their run first"
            self._api = connect(self.settings, self.config_dir, self._deadline)
        return self._api

    def _prior(self, run: SyncRun) -> dict[str, Any] | None:
        prior = run.journal.channel(CHANNEL).prior
        return prior if isinstance(prior, dict) else None

    def _check_mode(self, prior: dict[str, Any] | None) -> None:
        if prior is not None and prior.get("mode") != self.mode:
            raise ProviderError(
                f"the phone channel was installed in {prior.get('mode')} mode and the config "
                f"now says {self.mode}; run `hours autoreply uninstall --channel phone` (it puts "
                "back what that install recorded), then install again"
            )

    def install(self, run: SyncRun) -> str:
        """Check the credentials and the number, and record the number's settings."""
        self._bind(run)
        prior = self._prior(run)
        self._check_mode(prior)
        if prior is not None:
            return (
                f"already installed on {prior['recorded_at'][:10]}; what the number had then "
                "is kept, to be put back by `hours autoreply uninstall`"
            )
        number = self.api.find_number(self.settings.number)
        if self.mode == "swap":
            self._refuse_if_swapped(number)
        record = number.as_json() | {"mode": self.mode, "recorded_at": utc_iso(run.now)}
        run.journal.set_prior(CHANNEL, record)
        return self._installed(number, run)

    def _installed(self, number: PhoneNumber, run: SyncRun) -> str:
        raise NotImplementedError

    def _refuse_if_swapped(self, number: PhoneNumber) -> None:
        ours = [g for g in _GROUPS if is_echo_url(number.webhooks[f"{g}_url"])]
        if ours:
            raise ProviderError(
                f"{number.phone_number}'s {' and '.join(ours)} URL already points at Twilio's "
                "Echo twimlet (an after-hours reply from an earlier install?); set the number's "
                "webhooks back in the Twilio console, then install again"
            )
        flow_sid = studio.flow_sid_of(number.webhooks["voice_url"])
        flow = self.api.fetch_flow(flow_sid) if flow_sid else None
        if flow is not None and flow.name == studio.flow_name(number.phone_number):
            raise ProviderError(
                f"{number.phone_number}'s voice URL already points at the call flow of an earlier "
                f"install ({flow.sid}); set the number's voice webhook back in the Twilio "
                "console, then install again"
            )

    def uninstall(self, run: SyncRun) -> str:
        """Put back the webhooks install recorded, where they differ, and forget the record."""
        self._bind(run)
        prior = self._prior(run)
        if prior is None:
            return "not installed; nothing to put back"
        recorded = prior.get("webhooks")
        if prior.get("mode") != "swap" or not isinstance(recorded, dict):
            run.journal.set_prior(CHANNEL, None)
            return "nothing to put back: poll mode changes nothing at Twilio"
        number = self.api.fetch_number(prior["sid"])
        changes = changed(number.webhooks, recorded)
        if changes:
            self.api.update_number(number.sid, changes)
        # The flow goes only once the number no longer sends calls to it; only ours, by SID.
        flow = prior.get("flow")
        gone = ""
        if flow is not None:
            deleted = self.api.delete_flow(flow["sid"])
            gone = f"; deleted the call flow {flow['sid']}" if deleted else ""
        run.journal.set_prior(CHANNEL, None)
        run.journal.set_applied(CHANNEL, None)
        if not changes:
            return (
                f"{number.phone_number} already has the webhooks install found; nothing written"
                + gone
            )
        return (
            f"put back {number.phone_number}'s sms and voice webhooks as install found them" + gone
        )

    def _number_check(self) -> tuple[list[Check], PhoneNumber | None]:
        try:
            number = self.api.find_number(self.settings.number)
        except HoursError as e:  # a missing secret, or Twilio refusing
            return [Check("Twilio", False, e.message)], None
        detail = f"{number.phone_number} ({number.sid}), credentials accepted"
        return [Check("Twilio number", True, detail)], number


class PollChannel(_Phone):
    """Read what came in since the last sync through the REST API, and text back."""

    mode = "poll"

    def _installed(self, number: PhoneNumber, run: SyncRun) -> str:
        what = "texts" + (" and WhatsApp messages" if self.settings.whatsapp else "")
        calls = " and missed calls" if self.settings.missed_call_text else ""
        return (
            f"found {number.phone_number} ({number.sid}); {what}{calls} after hours are "
            "answered by `hours autoreply sync` (nothing is changed at Twilio)"
        )

    def sync(self, run: SyncRun) -> ChannelResult:
        """Answer the texts, WhatsApp messages and missed calls that came in while closed."""
        self._bind(run)
        self._check_mode(self._prior(run))
        s = self.settings
        result = ChannelResult(CHANNEL, self.mode, "polled")
        cursor_name = f"twilio:{s.number}"
        cursor = run.journal.cursor(cursor_name)
        if isinstance(cursor, dict):
            floor = dt.datetime.fromisoformat(cursor["floor"])
            since = dt.datetime.fromisoformat(cursor["since"])
        else:
            floor = since = self._first_floor(run)
        # A missing secret raises ConfigError: this channel fails (exit 3), the others still run.
        items = self._incoming(since)
        # Closed-period messages from before the first sync are no backlog to answer; those that
        # came while open go on to the engine, which counts them as such.
        items = [i for i in items if i.arrived >= floor or run.schedule.is_open(i.arrived)]
        items = self._skip_withheld(run, result, items)
        emergency = run.settings.emergency
        own = [s.number, *([s.whatsapp] if s.whatsapp else [])]
        if emergency is not None and emergency.forward_to:
            own.append(emergency.forward_to)
        # Whoever covers is one of yours too: their texts to the line are not clients'.
        own += [c.number for c in run.schedule.spec.cover]

        outbox = TwilioOutbox(self.api, s, validity(run, REPLY_VALIDITY))
        engine.answer(run, result, items, s.policy, own, outbox, run.forwarder)
        if not run.dry_run:
            value = {"floor": utc_iso(floor), "since": utc_iso(run.now - OVERLAP)}
            run.journal.set_cursor(cursor_name, value)
        return result

    def _first_floor(self, run: SyncRun) -> dt.datetime:
        """Where the first sync starts: the start of the closed period it runs in, or now.

        What came in before is no backlog to answer: either you were open, or it is older than
        the night that is still going on.
        """
        state = run.schedule.state(run.now)
        if state.open:
            return run.now
        oldest = run.now - self.settings.policy.max_age
        return oldest if state.since is None else max(state.since, oldest)

    def _incoming(self, since: dt.datetime) -> list[Incoming]:
        s = self.settings
        items = [
            Incoming("sms", m.sid, m.sender, m.sent, text=m.body)
            for m in self.api.inbound_messages(s.number, since)
        ]
        if s.whatsapp:
            items += [
                Incoming("whatsapp", m.sid, m.sender, m.sent, text=m.body)
                for m in self.api.inbound_messages(s.whatsapp, since)
            ]
        # Missed calls are read only with missed_call_text: the repeat-caller rule and a VIP's
        # call alert go with it.
        if s.missed_call_text:
            items += [
                Incoming("voice", c.sid, c.sender, c.started)
                for c in self.api.missed_calls(s.number, since)
            ]
        return sorted(items, key=lambda i: (i.arrived, i.item))

    def _skip_withheld(
        self, run: SyncRun, result: ChannelResult, items: list[Incoming]
    ) -> list[Incoming]:
        keep = []
        for msg in items:
            if not withheld(msg.sender):
                keep.append(msg)
            elif run.journal.decided(msg.channel, msg.item) is None:
                result.skipped["withheld_number"] += 1
                if not run.dry_run:
                    run.journal.decide(msg.channel, msg.item, "skipped:withheld_number", run.now)
        return keep

    def checks(self, run: SyncRun) -> list[Check]:
        """Check the credentials, that the account has the number, and the ways through."""
        self._bind(run)
        found, number = self._number_check()
        if number is not None:
            try:
                self._check_mode(self._prior(run))
            except ProviderError as e:
                found.append(Check("phone (poll)", False, e.message))
        emergency = run.settings.emergency
        notes = []
        if emergency is not None and emergency.press is not None:
            notes.append(
                f"press = {emergency.press!r} needs swap mode: poll mode never answers a call; a caller "
                "gets through by calling twice within repeat_window"
            )
        if engine.can_alert(run.settings) and not self.settings.missed_call_text:
            notes.append(
                "missed_call_text = false: missed calls are not read, so neither a VIP's call "
                "nor a repeated call alerts you"
            )
        notes += [
            f"{c.name} covers calls: poll mode cannot ring {c.name}, and texts them each "
            "missed call instead; swap mode rings them"
            for c in run.schedule.spec.cover
            if "voice" in c.media
        ]
        found += [Check("phone (poll) ways through", True, n, warning=True) for n in notes]
        return found


class SwapChannel(_Phone):
    """Switch the number's webhooks to after-hours TwiML while closed, and back while open."""

    mode = "swap"

    def _installed(self, number: PhoneNumber, run: SyncRun) -> str:
        notes = "".join(f" Warning: {w}." for w in overrides(number))
        flow = ""
        plan = self.call_plan(run)
        if plan is not None:
            # Made now, so a Studio that refuses it fails the install, not a night's sync.
            prior = self._prior(run)
            assert prior is not None
            _, url, _ = self._flow_for(run, prior, plan)
            flow = f" Calls while closed go to the Studio flow {url}."
        return (
            f"recorded {number.phone_number}'s sms and voice webhooks ({number.sid}); "
            "`hours autoreply sync` switches them while you are closed." + flow + notes
        )

    def call_plan(self, run: SyncRun) -> studio.CallPlan | None:
        """Return what the call flow does with a call now, or None when calls need no flow."""
        return call_plan(self.settings, run.settings, run.schedule, run.now, run.business)

    def _flow_for(
        self, run: SyncRun, prior: dict[str, Any], plan: studio.CallPlan
    ) -> tuple[dict[str, Any], str | None, str]:
        """Make the Studio flow carry out `plan`, writing only when it does not yet.

        Return the install record (with the flow's SID, revision and fingerprint once one is
        written), the flow's webhook URL (None in a dry run before there is a flow), and what
        was done ("" for nothing). A flow whose revision is not the one written was edited in
        the Twilio console: it is written again. One lost by a crash between its creation
        and the journal is found again by its name.
        """
        definition = studio.definition(plan)
        digest = studio.fingerprint(definition)
        name = studio.flow_name(self.settings.number)
        kept = prior.get("flow")
        found: Flow | None = self.api.fetch_flow(kept["sid"]) if kept else None
        if found is None and kept is None:
            found = self.api.find_flow(name)
        if (
            found is not None
            and kept is not None
            and (found.revision, kept["hash"]) == (kept["revision"], digest)
        ):
            return prior, found.webhook_url, ""
        if run.dry_run:
            return prior, found.webhook_url if found else None, "flow would be written"
        self.api.validate_flow(name, definition)
        message = f"hours sync at {utc_iso(run.now)}"
        if found is None:
            flow, done = self.api.create_flow(name, definition, message), "flow created"
        else:
            edited = kept is not None and found.revision != kept["revision"]
            flow = self.api.update_flow(found.sid, definition, message)
            done = (
                "flow rewritten (it was edited in the Twilio console)"
                if edited
                else ("flow updated")
            )
        prior = prior | {
            "flow": {
                "sid": flow.sid,
                "revision": flow.revision,
                "hash": digest,
                "webhook_url": flow.webhook_url,
            }
        }
        run.journal.set_prior(CHANNEL, prior)
        return prior, flow.webhook_url, done

    def closed_webhooks(
        self, run: SyncRun, recorded: dict[str, str], flow_url: str | None = None
    ) -> dict[str, str]:
        """Return the number's webhooks while closed: the after-hours TwiML, fallbacks kept.

        With `flow_url`, calls go to the Studio flow there (Twilio posts to a flow's webhook).
        """
        s = self.settings
        values = engine.fields(
            run.schedule,
            run.now,
            run.business,
            run.settings.emergency,
            booking_url=run.settings.booking_url,
            language=run.settings.language,
        )
        sms, voice = after_hours_twiml(s, values)
        out = dict(recorded)
        for group, url, twiml in (
            ("sms", s.sms_twiml_url, sms),
            ("voice", flow_url or s.voice_twiml_url, voice),
        ):
            out[f"{group}_url"] = url or echo_url(twiml)
            out[f"{group}_method"] = "POST" if url else "GET"
        return out

    def _changed_by_hand(
        self,
        current: dict[str, str],
        recorded: dict[str, str],
        applied: Any,
        prior: dict[str, Any],
    ) -> dict[str, str]:
        """Return the fields changed in the console since `hours` last wrote the number.

        Field by field: a value differing from what `hours` last put there (or, before it
        wrote anything, from what install found) is the user's new setting, and what opening
        puts back; a URL that is one of ours (the Echo twimlet, your TwiML Bins, the call
        flow) is not.
        """
        last = applied if isinstance(applied, dict) else recorded
        out = {}
        for group, fields in _GROUPS.items():
            for f in fields:
                if same(current, last, [f]):
                    continue
                if f.endswith("_url") and self._ours(group, current[f], prior):
                    continue
                out[f] = current[f]
        return out

    def _ours(self, group: str, url: str, prior: dict[str, Any]) -> bool:
        own = self.settings.sms_twiml_url if group == "sms" else self.settings.voice_twiml_url
        flow = (prior.get("flow") or {}).get("webhook_url") if group == "voice" else None
        return is_echo_url(url) or (bool(own) and url == own) or (bool(flow) and url == flow)

    def sync(self, run: SyncRun) -> ChannelResult:
        """Point the number at the after-hours replies while closed, at yours while open."""
        self._bind(run)
        prior = self._prior(run)
        self._check_mode(prior)
        if prior is None:
            raise ProviderError(
                "swap mode is not installed: run `hours autoreply install --channel phone` "
                "(it records the number's webhooks, so they can be put back)"
            )
        number = self.api.fetch_number(prior["sid"])  # the one read
        recorded: dict[str, str] = dict(prior["webhooks"])
        current = number.webhooks
        applied = run.journal.channel(CHANNEL).applied
        adopted = self._changed_by_hand(current, recorded, applied, prior)
        recorded.update(adopted)
        if adopted and not run.dry_run:
            prior = prior | {"webhooks": recorded}
            run.journal.set_prior(CHANNEL, prior)
        closed = not run.schedule.is_open(run.now)
        plan = self.call_plan(run) if closed else None
        flow_done = ""
        if plan is not None:
            prior, flow_url, flow_done = self._flow_for(run, prior, plan)
            # A dry run before any flow exists says what it would do with the Echo greeting.
            desired = self.closed_webhooks(run, recorded, flow_url)
        else:
            desired = self.closed_webhooks(run, recorded) if closed else recorded
        changes = changed(current, desired)
        result = ChannelResult(CHANNEL, self.mode)
        if not changes:
            result.action = flow_done or "unchanged"
            return result
        verb = "swapped" if closed else "restored"
        if run.dry_run:
            result.action = f"would have {verb}"
            return result
        run.journal.set_applied(CHANNEL, desired)  # what is about to be there, written first
        self.api.update_number(number.sid, changes)
        result.action = f"{verb}, {flow_done}" if flow_done else verb
        return result

    def checks(self, run: SyncRun) -> list[Check]:
        """Check the number, what would make Twilio ignore its webhooks, and what swap can't do."""
        self._bind(run)
        found, number = self._number_check()
        if number is None:
            return found
        for problem in overrides(number):
            found.append(Check("phone (swap)", False, problem))
        try:
            recent = self.api.inbound_messages(self.settings.number, limit=20)
        except ProviderError as e:
            found.append(Check("phone (swap) recent texts", False, e.message))
            recent = []
        services = sorted({m.messaging_service_sid for m in recent if m.messaging_service_sid})
        if services:
            found.append(
                Check(
                    "phone (swap)",
                    True,
                    f"recent texts to {number.phone_number} went through the Messaging Service "
                    f"{', '.join(services)}; unless that service is set to “Defer to sender's "
                    "webhook”, Twilio ignores the number's sms_url and swap mode's text reply "
                    "never runs",
                    warning=True,
                )
            )
        prior = self._prior(run)
        if prior is None:
            found.append(
                Check(
                    "phone (swap)",
                    False,
                    "not installed: run `hours autoreply install --channel phone`",
                )
            )
        else:
            try:
                self._check_mode(prior)
                found.append(Check("phone (swap)", True, f"installed {prior['recorded_at'][:10]}"))
            except ProviderError as e:
                found.append(Check("phone (swap)", False, e.message))
        found.append(Check("phone (swap) limits", True, SWAP_LIMITS, warning=True))
        found += self._flow_checks(run, prior)
        s = self.settings
        if any("{next_open_relative}" in t for t in (s.sms_message, s.voice_message)):
            found.append(Check("phone (swap) messages", True, RELATIVE_IN_SWAP, warning=True))
        return found

    def _flow_checks(self, run: SyncRun, prior: dict[str, Any] | None) -> list[Check]:
        """Check the call flow kept for the number, and what swap mode leaves to poll mode."""
        out = [
            Check(
                "phone (swap) cover",
                True,
                f"{c.name} covers texts: only poll mode passes texts on; in swap mode a text "
                "while they cover gets the after-hours reply",
                warning=True,
            )
            for c in run.schedule.spec.cover
            if "sms" in c.media
        ]
        e = run.settings.emergency
        uses_flow = (e is not None and e.press is not None) or any(
            "voice" in c.media for c in run.schedule.spec.cover
        )
        if not uses_flow:
            return out
        if self.settings.voice_twiml_url:
            out.append(
                Check(
                    "phone (swap) call flow",
                    True,
                    "voice_twiml_url is not used while the call flow answers calls",
                    warning=True,
                )
            )
        kept = (prior or {}).get("flow")
        if kept is None:
            out.append(
                Check(
                    "phone (swap) call flow",
                    True,
                    "none yet: the next sync that needs it makes it",
                    warning=True,
                )
            )
            return out
        try:
            flow = self.api.fetch_flow(kept["sid"])
        except ProviderError as err:
            return [*out, Check("phone (swap) call flow", False, err.message)]
        if flow is None:
            out.append(
                Check(
                    "phone (swap) call flow",
                    False,
                    f"{kept['sid']} was deleted at Twilio; the next sync while closed makes it "
                    "again",
                )
            )
        elif flow.revision != kept["revision"]:
            out.append(
                Check(
                    "phone (swap) call flow",
                    True,
                    f"{flow.sid} was edited in the Twilio console (revision {flow.revision}); "
                    "the next sync while closed writes it again",
                    warning=True,
                )
            )
        else:
            out.append(
                Check("phone (swap) call flow", True, f"{flow.sid}, revision {flow.revision}")
            )
        return out


def overrides(number: PhoneNumber) -> list[str]:
    """Say what on the number makes Twilio ignore the webhooks that swap mode switches."""
    out = []
    if number.sms_application_sid:
        out.append(
            f"texts to {number.phone_number} go to the application {number.sms_application_sid}, "
            "so Twilio ignores the number's sms_url and swap mode's text reply never runs; "
            "set Messaging to “Webhook” on the number in the Twilio console, or use poll mode"
        )
    if number.trunk_sid:
        out.append(
            f"calls to {number.phone_number} go to the SIP trunk {number.trunk_sid}, so Twilio "
            "ignores the number's voice_url and swap mode's greeting never plays; take the "
            "number off the trunk, or use poll mode"
        )
    elif number.voice_application_sid:
        out.append(
            f"calls to {number.phone_number} go to the application "
            f"{number.voice_application_sid}, so Twilio ignores the number's voice_url and swap "
            "mode's greeting never plays; set Voice to “Webhook” on the number in the Twilio "
            "console, or use poll mode"
        )
    return out


def call_plan(
    phone: PhoneSettings,
    settings: Autoreply,
    schedule: Schedule,
    now: dt.datetime,
    business: str,
) -> studio.CallPlan | None:
    """Return what swap mode's call flow does with a call at `now`, or None when none is needed.

    A flow is needed when a caller may press a key to reach you, or someone who takes calls
    covers now: it rings whoever covers first, says the greeting, and puts a caller who
    presses the key through to your cell.
    """
    e = settings.emergency
    press = e.press if e else None
    covering = schedule.cover_at(now)
    cover = covering.cover if covering and "voice" in covering.cover.media else None
    if press is None and cover is None:
        return None
    values = engine.fields(
        schedule,
        now,
        business,
        e,
        booking_url=settings.booking_url,
        language=settings.language,
        cover=cover,
    )
    greeting = engine.render(phone.voice_message, values)
    if press is not None and "{emergency_press}" not in phone.voice_message:
        greeting += " " + engine.render(PRESS_PROMPT, values)
    return studio.CallPlan(
        number=phone.number,
        greeting=greeting,
        voicemail_prompt=VOICEMAIL_PROMPT,
        press=press,
        forward_to=e.cell if e else None,
        cover=None
        if cover is None
        else studio.CoverCall(
            cover.name, cover.number, engine.render(phone.cover_voice_message, values)
        ),
        dial_timeout=e.dial_timeout if e else DIAL_TIMEOUT[2],
        time_limit=60 * (e.max_call_minutes if e else MAX_CALL_MINUTES[2]),
    )


def after_hours_twiml(settings: PhoneSettings, values: dict[str, str]) -> tuple[str, str]:
    """Return the TwiML of the after-hours text reply and of the greeting with voicemail."""
    return (
        message_twiml(engine.render(settings.sms_message, values)),
        voice_twiml(engine.render(settings.voice_message, values)),
    )


# -- the emergency forwarder -----------------------------------------------------------------


_LABELS = {"sms": "text", "whatsapp": "WhatsApp", "voice": "call", "email": "email"}


def forward_text(msg: Incoming, keyword: str) -> str:
    """Say, in one text, who sent the emergency, how, and the first 300 characters of it."""
    who = f"{msg.sender_name} <{msg.sender}>" if msg.sender_name else msg.sender
    body = " ".join((msg.text or msg.subject).split())[:FORWARD_EXCERPT]
    return f"{keyword} {_LABELS.get(msg.channel, msg.channel)} from {who}: {body}"


class SmsForwarder:
    """Forward an emergency to the practitioner's own phone, by SMS from the Twilio number."""

    def __init__(
        self,
        phone: PhoneSettings,
        emergency: Emergency,
        config_dir: Path,
        *,
        api: TwilioApi | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        assert emergency.forward_to is not None
        assert emergency.keyword is not None
        self.phone = phone
        self.keyword = emergency.keyword
        self.to = emergency.forward_to
        self.config_dir = config_dir
        self._api = api
        self.deadline = deadline or Deadline.after(DEFAULT_SYNC_TIMEOUT.total_seconds())

    def __call__(self, msg: Incoming) -> None:
        """Send the forward; any failure is a ProviderError, so the next sync tries again."""
        if self._api is None:
            try:
                self._api = connect(self.phone, self.config_dir, self.deadline)
            except ConfigError as e:
                raise ProviderError(f"cannot forward the emergency: {e.message}") from None
        try:
            self._api.send(
                self.phone.number,
                self.to,
                forward_text(msg, self.keyword),
                validity_period=int(FORWARD_VALIDITY.total_seconds()),
            )
        except Unreachable as e:
            raise ProviderError(
                f"cannot forward the emergency to {self.to}: Twilio error {e.code} ({e.reason}); "
                f"if you texted STOP to {self.phone.number}, text START to it"
            ) from None


def sms_forwarder(settings: Autoreply, config_dir: Path, deadline: Deadline) -> SmsForwarder | None:
    """Return the emergency forwarder when [autoreply.phone] and a forward_to are configured."""
    phone, emergency = settings.phone, settings.emergency
    if phone is None or emergency is None or not emergency.forward_to or not emergency.keyword:
        return None
    return SmsForwarder(phone, emergency, config_dir, deadline=deadline)


__all__ = ["WEBHOOK_FIELDS", "PollChannel", "SmsForwarder", "SwapChannel", "sms_forwarder"]
