"""What `hours autoreply preview` shows: the exact reply a sender would get at a moment."""

from __future__ import annotations

import datetime as dt

from hours import autoreply as engine
from hours.autoreply_settings import Autoreply
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
    template = {
        "sms": phone.sms_message,
        "whatsapp": phone.whatsapp_message,
        "voice": phone.voice_message,
    }[channel]
    text = engine.render(template, values)
    return [*head, text]
