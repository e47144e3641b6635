"""What `hours autoreply preview` shows: the exact reply a sender would get at a moment.

Without a sender, the usual reply: to a returning client in your time zone. With one (`--from`),
what that sender gets and why: new or returning, their zone, their language, told by the engine
as a sync tells them (`hours.autoreply.client_of`) and rendered as a sync renders it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from hours import autoreply as engine
from hours.channels import FIXED_TEXT_MODES
from hours.clients.mail import is_robot_sender
from hours.clients.studio import VOICEMAIL_SECONDS, CallPlan
from hours.config.autoreply import RESPONDER_MODES, Autoreply
from hours.contacts import AddressBook
from hours.errors import ConfigError
from hours.locales import LanguageChoice
from hours.schedule import Schedule

SAMPLE_SENDER = "Alex Client <alex@example.org>"
SAMPLE_SUBJECT = "Appointment next week?"
ZONE_SOURCES = {
    "contact": "from your contacts (TZ)",
    "phone": "from the phone number",
    "email": "from their email's Date",
}
LANGUAGE_SOURCES = {
    "contact": "from your contacts (LANG)",
    "content-language": "from their email's Content-Language",
    "phone": "the official language of the number's country",
    "default": "the default",
}


def render_preview(
    settings: Autoreply,
    schedule: Schedule,
    business: str,
    channel: str,
    now: dt.datetime,
    *,
    sender: str | None = None,
    contacts: AddressBook | None = None,
    answered_before: bool = False,
) -> list[str]:
    """Return the lines of the preview for one channel at `now`.

    `sender` is an address or an E.164 number (`--from`), `answered_before` what the journal
    says of them; without one, the preview is of a returning client in your time zone.
    """
    state = schedule.state(now)
    head = (
        [
            f"Open at {now:%A %d %B %H:%M}: nothing is sent now. This is what goes out after hours:",
            "",
        ]
        if state.open
        else []
    )
    if state.open:
        nxt = schedule.next_change(now)
        now = nxt.at if nxt else now
    table = "email" if channel == "email" else "phone"
    channel_settings = settings.email if channel == "email" else settings.phone
    if channel_settings is None:
        raise ConfigError(
            f"no [autoreply.{table}] in the config; `hours init --example` shows every key"
        )
    if channel == "email" and channel_settings.mode in RESPONDER_MODES:
        # The provider answers everyone, VIPs too, with one text a window: shown as it is set.
        if sender is not None:
            head.append(
                f"({FIXED_TEXT_MODES[(table, channel_settings.mode)]} sends everyone the same "
                "text, VIPs included: who they are, their time zone and language are not used.)"
            )
        if channel_settings.mode == "gmail":
            from hours.channels import email_gmail

            return [*head, *email_gmail.preview(settings, schedule, business, now)]
        from hours.channels import email_outlook

        return [*head, *email_outlook.preview(settings, schedule, business, now)]
    # Swap mode's fixed text is for texts and calls; WhatsApp is answered in poll mode only.
    fixed = (table, channel_settings.mode) in FIXED_TEXT_MODES and channel != "whatsapp"
    # Poll mode passes a message on to whoever covers it; the sender hears who that is.
    covering = schedule.cover_at(now) if channel != "email" else None
    medium = "voice" if channel == "voice" else "sms"
    if channel_settings.mode != "poll" or covering is None or medium not in covering.cover.media:
        covering = None
    client = engine.Client(
        ("a returning client",), "", None, LanguageChoice(settings.language, "default")
    )
    name = "Alex"
    if sender is not None:
        probe = engine.Incoming(channel, "preview", sender, now)
        skip = never_answered(probe, settings, covers=[c.number for c in schedule.spec.cover])
        if skip is not None:
            return [*head, f"To {sender}: {skip}: nothing is sent."]
        if fixed:
            head.append(
                f"({FIXED_TEXT_MODES[(table, channel_settings.mode)]} sends everyone the same "
                "text: who they are, their time zone and language are not used.)"
            )
        else:
            client = engine.client_of(
                probe,
                settings,
                contacts=contacts,
                answered_before=answered_before,
                kind="reply" if covering is None else "cover",
            )
            head += [*why(sender, client), ""]
        name = client.name
    msg = engine.Incoming(
        channel,
        "preview",
        sender or "alex@example.org",
        now,
        sender_name=name,
        subject=SAMPLE_SUBJECT,
    )
    reply = engine.render_reply(msg, "reply", client, settings, schedule, now, business)
    hint = []
    usual, new = (
        settings.template(engine.slot(channel, "reply", new=n), settings.language)
        for n in (False, True)
    )
    if sender is None and not fixed and new != usual:
        hint = [
            "",
            "Someone new (never answered, not in your contacts) gets your new-client message "
            "instead: `--from SENDER` shows what one sender gets.",
        ]
    if channel == "email":
        email = settings.email
        assert email is not None
        if email.mode == "sieve":
            head.append(
                "(Sieve mode: the server sends this, for the closed windows of the next 14 days.)"
            )
        return [
            *head,
            f"From: {business} <{email.address}>" if business else f"From: {email.address}",
            f"To: {sender or SAMPLE_SENDER}",
            f"Subject: {reply.subject}",
            "Auto-Submitted: auto-replied",
            "In-Reply-To: <the original message's Message-ID>",
            "",
            *reply.text.splitlines(),
            *hint,
        ]
    phone = settings.phone
    assert phone is not None
    from hours.clients import twilio

    if covering is not None:
        cover = covering.cover
        text = engine.render_reply(
            msg, "cover", client, settings, schedule, now, business, cover
        ).text
        what = "each missed call" if channel == "voice" else "each message"
        return [
            *head,
            f"({cover.name} covers now: {what} is passed on to {cover.name} at {cover.number}.)",
            text,
            "",
            *(
                [f"WhatsApp: {len(text)} characters (WhatsApp has no SMS segments)."]
                if channel == "whatsapp"
                else sms_length(text)
            ),
        ]
    if channel == "whatsapp":
        text = reply.text
        if phone.mode == "swap":
            head.append("(Swap mode answers no WhatsApp messages: this goes out in poll mode.)")
        if not phone.whatsapp:
            head.append("(No [autoreply.phone] whatsapp sender is set: nothing goes out.)")
        return [
            *head,
            text,
            "",
            f"WhatsApp: {len(text)} characters (WhatsApp has no SMS segments).",
            *hint,
        ]
    sms_text = reply.text
    if channel == "sms":
        lines = [*head, sms_text, "", *sms_length(sms_text)]
        if phone.mode == "swap":
            where = phone.sms_twiml_url or "Twilio's Echo twimlet"
            lines += ["", f"TwiML (swap mode, served by {where}):", twilio.message_twiml(sms_text)]
        return [*lines, *hint]
    if phone.mode == "swap":
        from hours.channels.phone_twilio import call_plan

        plan = call_plan(phone, settings, schedule, now, business)
        if plan is not None:
            return [*head, *flow_lines(plan)]
    values = engine.fields(
        schedule,
        now,
        business,
        settings.emergency,
        booking_url=settings.booking_url,
        language=settings.language,
    )
    greeting = engine.render(phone.voice_message, values)
    where = phone.voice_twiml_url or "Twilio's Echo twimlet"
    lines = [
        *head,
        *([] if phone.mode == "swap" else ["(Swap mode only: poll mode answers no calls.)"]),
        "What a caller hears after hours, before leaving a voicemail:",
        greeting,
        "",
        f"TwiML (swap mode, served by {where}):",
        twilio.voice_twiml(greeting),
    ]
    if phone.mode == "poll":
        lines += ["", "A missed call after hours gets this text back:"]
        if not phone.missed_call_text:
            lines.append("(nothing: missed_call_text = false)")
        else:
            lines += [sms_text, "", *sms_length(sms_text), *hint]
    return lines


def flow_lines(plan: CallPlan) -> list[str]:
    """Say what swap mode's Studio flow does with a call, step by step."""

    def rings(who: str, number: str) -> str:
        return (
            f"rings {who} at {number} (caller ID {plan.number}) for up to {plan.dial_timeout} "
            f"seconds; a call lasts at most {plan.time_limit // 60} minutes"
        )

    lines = [
        "What a caller hears after hours (swap mode: a Twilio Studio flow, kept by hours):",
    ]
    if plan.cover is not None:
        lines += [
            f"  {plan.cover.intro}",
            f"  - {rings(plan.cover.name, plan.cover.number)}.",
            f"  - {plan.cover.name} does not answer:",
        ]
    lines.append(f"  {plan.greeting}")
    if plan.press is not None:
        assert plan.forward_to is not None
        lines += [
            f"  - press {plan.press}: {rings('your cell', plan.forward_to)}; not answered: "
            f'"{plan.voicemail_prompt}" and a voicemail.',
            "  - any other key, or none: a voicemail.",
        ]
    else:
        lines.append("  - then a voicemail.")
    minutes = VOICEMAIL_SECONDS // 60
    lines += ["", f"Voicemails last up to {minutes} minutes; Twilio keeps the recordings."]
    return lines


def never_answered(
    msg: engine.Incoming, settings: Autoreply, *, covers: Iterable[str] = ()
) -> str | None:
    """Say why a sync never answers this sender, whatever they write; None if it may.

    `covers` are the numbers of whoever covers, which the phone line never answers either.
    """
    if msg.channel == "email":
        assert settings.email is not None
        own, vip = settings.email.addresses, settings.email.policy.vip
    else:
        assert settings.phone is not None
        phone, emergency = settings.phone, settings.emergency
        forward_to = emergency.forward_to if emergency is not None else None
        own = (*(n for n in (phone.number, phone.whatsapp, forward_to) if n), *covers)
        vip = phone.policy.vip
    if engine.matches(msg.sender, own):
        return "one of your own, never auto-replied"
    if engine.matches(msg.sender, vip):
        return "a VIP, never auto-replied"
    if msg.channel == "email":
        return "a robot's address, never auto-replied" if is_robot_sender(msg.sender) else None
    reason = engine.sms_exclusion(msg)
    return None if reason is None else f"never auto-replied ({reason.replace('_', ' ')})"


def why(sender: str, client: engine.Client) -> list[str]:
    """Say who a sender is to hours: new or returning, their clock, their language."""
    who = (
        f"a returning client ({'; '.join(client.known)})"
        if client.known
        else "someone new (never answered, not in your contacts, not a VIP)"
    )
    zone = client.zone
    clock = (
        "not known for certain, so replies say your time with its zone"
        if zone is None
        else f"{zone.name}, {ZONE_SOURCES[zone.source]}"
    )
    language = client.language
    return [
        f"To {sender}: {who}",
        f"Their time: {clock}",
        f"Language: {language.language}, {LANGUAGE_SOURCES[language.source]}",
    ]


def sms_length(text: str) -> list[str]:
    """Say how a text goes out as SMS: its encoding, length and segments, warning above 2."""
    from hours.clients.sms import measure

    m = measure(text)
    why = ""
    if m.non_gsm:
        shown = " ".join(m.non_gsm[:5]) + (" …" if len(m.non_gsm) > 5 else "")
        why = f" (because of {shown})"
    unit = "septets" if m.encoding == "GSM-7" else "UTF-16 units"
    per = "segment" if m.segments == 1 else "segments"
    lines = [
        f"SMS: {m.characters} characters, {m.encoding}{why}, {m.units} {unit}: {m.segments} {per}."
    ]
    if m.segments > 2:
        lines.append(
            f"Warning: {m.segments} segments, each billed as one text, and long texts can arrive "
            "in pieces; shorten the message to 2 segments or fewer"
            + (" (or leave out the characters that force UCS-2)" if m.non_gsm else "")
            + "."
        )
    return lines
