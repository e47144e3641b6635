"""The phone channel over Twilio, in two modes, and the SMS forwarder for emergencies.

Poll mode (the default): each sync reads the texts, WhatsApp messages and missed calls that came
in since the last one and answers, through the engine, those that arrived while closed. No
server of the user's own is needed, and every rule of the engine applies.

Swap mode: `install` records the number's webhooks; while closed, sync points them at the
after-hours TwiML (a `<Message>` for texts, a `<Say>` greeting and a `<Record>` voicemail for
calls), and while open it puts the recorded ones back. Twilio itself then answers every text
and call — with no per-sender limit and no way through for emergencies.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hours import autoreply as engine
from hours.autoreply import ChannelResult, Check, Incoming, SyncRun
from hours.clients.twilio import (
    WEBHOOK_FIELDS,
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
from hours.config.autoreply import Autoreply, Emergency, PhoneSettings
from hours.errors import ConfigError, HoursError, ProviderError
from hours.journal import utc_iso

CHANNEL = "phone"
# How long a reply may wait in Twilio's queue: past that it would no longer be news.
REPLY_VALIDITY = dt.timedelta(minutes=15)
# An emergency is still worth hearing about an hour late.
FORWARD_VALIDITY = dt.timedelta(hours=1)
# Each poll lists again from a little before the last one: a message can show up in the list a
# moment after its date, and SIDs already decided are skipped through the journal.
OVERLAP = dt.timedelta(hours=1)
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
    "max_age, VIPs and your own numbers too, no emergency pass-through, no WhatsApp, no "
    'missed-call texts; mode = "poll" does all of these'
)

RELATIVE_IN_SWAP = (
    "{next_open_relative} changes from minute to minute, so every sync rewrites the number's "
    "webhooks, and a caller hears the time as of the last sync; use {next_open} in swap mode"
)


def connect(settings: PhoneSettings, config_dir: Path) -> TwilioApi:
    """Return the Twilio client for these settings, its secrets read now."""
    return TwilioApi(
        secrets.resolve(settings.account_sid, config_dir),
        secrets.resolve(settings.auth_token, config_dir),
        api_base=settings.api_base,
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
        """Send `reply` back the way its message came (a missed call is texted)."""
        s, msg = self.settings, reply.msg
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

    @property
    def api(self) -> TwilioApi:
        """Return the client, reading the secrets the first time."""
        if self._api is None:
            self._api = connect(self.settings, self.config_dir)
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
        return self._installed(number)

    def _installed(self, number: PhoneNumber) -> str:
        raise NotImplementedError

    def _refuse_if_swapped(self, number: PhoneNumber) -> None:
        ours = [g for g in _GROUPS if is_echo_url(number.webhooks[f"{g}_url"])]
        if ours:
            raise ProviderError(
                f"{number.phone_number}'s {' and '.join(ours)} URL already points at Twilio's "
                "Echo twimlet (an after-hours reply from an earlier install?); set the number's "
                "webhooks back in the Twilio console, then install again"
            )

    def uninstall(self, run: SyncRun) -> str:
        """Put back the webhooks install recorded, where they differ, and forget the record."""
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
        run.journal.set_prior(CHANNEL, None)
        run.journal.set_applied(CHANNEL, None)
        if not changes:
            return f"{number.phone_number} already has the webhooks install found; nothing written"
        return f"put back {number.phone_number}'s sms and voice webhooks as install found them"

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

    def _installed(self, number: PhoneNumber) -> str:
        what = "texts" + (" and WhatsApp messages" if self.settings.whatsapp else "")
        calls = " and missed calls" if self.settings.missed_call_text else ""
        return (
            f"found {number.phone_number} ({number.sid}); {what}{calls} after hours are "
            "answered by `hours autoreply sync` (nothing is changed at Twilio)"
        )

    def sync(self, run: SyncRun) -> ChannelResult:
        """Answer the texts, WhatsApp messages and missed calls that came in while closed."""
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
        """Check the credentials and that the account has the number."""
        found, number = self._number_check()
        if number is not None:
            try:
                self._check_mode(self._prior(run))
            except ProviderError as e:
                found.append(Check("phone (poll)", False, e.message))
        return found


class SwapChannel(_Phone):
    """Switch the number's webhooks to after-hours TwiML while closed, and back while open."""

    mode = "swap"

    def _installed(self, number: PhoneNumber) -> str:
        notes = "".join(f" Warning: {w}." for w in overrides(number))
        return (
            f"recorded {number.phone_number}'s sms and voice webhooks ({number.sid}); "
            "`hours autoreply sync` switches them while you are closed." + notes
        )

    def closed_webhooks(self, run: SyncRun, recorded: dict[str, str]) -> dict[str, str]:
        """Return the number's webhooks while closed: the after-hours TwiML, fallbacks kept."""
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
            ("voice", s.voice_twiml_url, voice),
        ):
            out[f"{group}_url"] = url or echo_url(twiml)
            out[f"{group}_method"] = "POST" if url else "GET"
        return out

    def _ours(self, group: str, url: str) -> bool:
        own = self.settings.sms_twiml_url if group == "sms" else self.settings.voice_twiml_url
        return is_echo_url(url) or (bool(own) and url == own)

    def sync(self, run: SyncRun) -> ChannelResult:
        """Point the number at the after-hours replies while closed, at yours while open."""
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
        # Webhooks that are neither what install found nor ours were changed by hand since:
        # they are the user's settings now, and what opening puts back.
        adopted = [
            g
            for g, fields in _GROUPS.items()
            if not same(current, recorded, fields) and not self._ours(g, current[f"{g}_url"])
        ]
        for g in adopted:
            recorded.update({f: current[f] for f in _GROUPS[g]})
        if adopted and not run.dry_run:
            run.journal.set_prior(CHANNEL, prior | {"webhooks": recorded})
        closed = not run.schedule.is_open(run.now)
        desired = self.closed_webhooks(run, recorded) if closed else recorded
        changes = changed(current, desired)
        result = ChannelResult(CHANNEL, self.mode)
        if not changes:
            result.action = "unchanged"
            return result
        verb = "swapped" if closed else "restored"
        if run.dry_run:
            result.action = f"would have {verb}"
            return result
        run.journal.set_applied(CHANNEL, desired)  # what is about to be there, written first
        self.api.update_number(number.sid, changes)
        result.action = verb
        return result

    def checks(self, run: SyncRun) -> list[Check]:
        """Check the number, what would make Twilio ignore its webhooks, and what swap can't do."""
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
        s = self.settings
        if any("{next_open_relative}" in t for t in (s.sms_message, s.voice_message)):
            found.append(Check("phone (swap) messages", True, RELATIVE_IN_SWAP, warning=True))
        return found


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
    ) -> None:
        assert emergency.forward_to is not None
        self.phone = phone
        self.keyword = emergency.keyword
        self.to = emergency.forward_to
        self.config_dir = config_dir
        self._api = api

    def __call__(self, msg: Incoming) -> None:
        """Send the forward; any failure is a ProviderError, so the next sync tries again."""
        if self._api is None:
            try:
                self._api = connect(self.phone, self.config_dir)
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


def sms_forwarder(settings: Autoreply, config_dir: Path) -> SmsForwarder | None:
    """Return the emergency forwarder when [autoreply.phone] and a forward_to are configured."""
    phone, emergency = settings.phone, settings.emergency
    if phone is None or emergency is None or not emergency.forward_to:
        return None
    return SmsForwarder(phone, emergency, config_dir)


__all__ = ["WEBHOOK_FIELDS", "PollChannel", "SmsForwarder", "SwapChannel", "sms_forwarder"]
