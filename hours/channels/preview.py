"""What `hours autoreply preview` shows: the exact reply a sender would get at a moment."""

from __future__ import annotations

import datetime as dt

from hours import autoreply as engine
from hours.config.autoreply import Autoreply
from hours.errors import ConfigError
from hours.schedule import Schedule

SAMPLE_SENDER = "Alex Client <alex@example.org>"
SAMPLE_SUBJECT = "Appointment next week?"


def render_preview(
    settings: Autoreply, schedule: Schedule, business: str, channel: str, now: dt.datetime
) -> list[str]:
    """Return the lines of the preview for one channel at `now`."""
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
    sample = engine.Incoming(
        "email" if channel == "email" else channel,
        "preview",
        "alex@example.org",
        now,
        sender_name="Alex",
        subject=SAMPLE_SUBJECT,
    )
    values = engine.fields(schedule, now, business, settings.emergency, sample)
    if channel == "email":
        email = settings.email
        if email is None:
            raise ConfigError("no [autoreply.email] in the config; see config.example.toml")
        # The provider answers, with one text for a whole window: shown as it is set.
        if email.mode == "gmail":
            from hours.channels import email_gmail

            return [*head, *email_gmail.preview(settings, schedule, business, now)]
        if email.mode == "outlook":
            from hours.channels import email_outlook

            return [*head, *email_outlook.preview(settings, schedule, business, now)]
        if email.mode == "sieve":
            head.append(
                "(Sieve mode: the server sends this, for the closed windows of the next 14 days.)"
            )
        return [
            *head,
            f"From: {business} <{email.address}>" if business else f"From: {email.address}",
            f"To: {SAMPLE_SENDER}",
            f"Subject: {engine.render(email.subject, values)}",
            "Auto-Submitted: auto-replied",
            "In-Reply-To: <the original message's Message-ID>",
            "",
            *engine.render(email.policy.message, values).splitlines(),
        ]
    phone = settings.phone
    if phone is None:
        raise ConfigError("no [autoreply.phone] in the config; see config.example.toml")
    from hours.clients import twilio

    if channel == "whatsapp":
        text = engine.render(phone.whatsapp_message, values)
        if phone.mode == "swap":
            head.append("(Swap mode answers no WhatsApp messages: this goes out in poll mode.)")
        if not phone.whatsapp:
            head.append("(No [autoreply.phone] whatsapp sender is set: nothing goes out.)")
        return [
            *head,
            text,
            "",
            f"WhatsApp: {len(text)} characters (WhatsApp has no SMS segments).",
        ]
    sms_text = engine.render(phone.sms_message, values)
    if channel == "sms":
        lines = [*head, sms_text, "", *sms_length(sms_text)]
        if phone.mode == "swap":
            where = phone.sms_twiml_url or "Twilio's Echo twimlet"
            lines += ["", f"TwiML (swap mode, served by {where}):", twilio.message_twiml(sms_text)]
        return lines
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
            lines += [sms_text, "", *sms_length(sms_text)]
    return lines


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
