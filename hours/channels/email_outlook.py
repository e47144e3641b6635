"""The email channel in `outlook` mode: Outlook's automatic replies, one closed window at a time.

Exchange answers from its servers the moment mail arrives, laptop on or off, while the
scheduled period runs; each sync moves it on to the window of the moment through Microsoft
Graph (channels/responder.py), with the times in the config's zone. Exchange decides the rest:
it answers each sender once per scheduled period and forgets them when the period ends (so once
per window), it writes its own subject ("Automatic reply: " and the sender's), it answers
people inside the organisation with one message and those outside (all, or only contacts) with
another, and it has no list of senders to leave alone and no keyword to let through.
"""

from __future__ import annotations

import datetime as dt
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hours.autoreply import Traits, Window
from hours.channels.responder import (
    ResponderChannel,
    WindowText,
    say_window,
    text_of,
    window_preview,
)
from hours.clients.graph import (
    SCOPE,
    Audience,
    AutomaticReplies,
    DateTimeTimeZone,
    GraphClient,
)
from hours.clients.net import Deadline
from hours.config.autoreply import Autoreply, EmailSettings
from hours.schedule import Schedule

TRAITS = Traits(
    who_answers="Exchange's automatic replies, the moment mail arrives",
    laptop_off="still answers, until the end of the window the last sync set",
    once_per_sender="once per scheduled period: once a window",
    vip_and_emergency="no: Exchange answers VIPs too, and lets no keyword through",
    provider_must_offer="an Outlook.com or Microsoft 365 mailbox; `hours login microsoft` (or a "
    "`token_command`) with the permission `MailboxSettings.ReadWrite`",
)
EXCHANGES_OWN_SUBJECT = (
    "Exchange's own: \"Automatic reply: \" and the sender's subject ([autoreply.email] "
    "subject is not used)"
)
_AUDIENCES = {"all": "everyone", "contactsOnly": "only your contacts", "none": "no one"}


def automatic_replies_for(
    email: EmailSettings, window: Window, text: WindowText, zone: ZoneInfo
) -> AutomaticReplies:
    """Return the automatic replies that hold `window` with its text, times in `zone`.

    Graph refuses a schedule whose end is not after its start, or already past, with
    ErrorInvalidScheduledOofDuration. A window ends at the next opening, after its start and
    after now, so that never comes; its start may be past (a window going on), which Graph
    takes, answering from now. A window with no opening in sight has no end to give: it is set
    as "alwaysEnabled", which takes no dates, until a sync finds an opening.
    """
    start, end = window
    # Checked when the config loaded: all or contactsOnly.
    if end is None:
        return AutomaticReplies(
            status="alwaysEnabled",
            external_audience=cast(Audience, email.external_audience),
            internal_reply_message=text.html,
            external_reply_message=text.html,
        )
    return AutomaticReplies(
        status="scheduled",
        external_audience=cast(Audience, email.external_audience),
        internal_reply_message=text.html,
        external_reply_message=text.html,
        scheduled_start=DateTimeTimeZone.of(start, zone),
        scheduled_end=DateTimeTimeZone.of(end, zone),
    )


def instant(value: DateTimeTimeZone | None) -> object:
    """Return a scheduled time as an instant, so a zone Graph answers in compares as the same.

    A zone name zoneinfo does not know (a Windows name: "Pacific Standard Time") is compared as
    written.
    """
    if value is None:
        return None
    try:
        return value.date_time.replace(tzinfo=ZoneInfo(value.time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        return value.date_time, value.time_zone


def _wall(value: DateTimeTimeZone | None) -> str:
    return "(no time)" if value is None else f"{value.date_time:%a %d %b %H:%M} {value.time_zone}"


class OutlookChannel(ResponderChannel[AutomaticReplies, GraphClient]):
    """Hold Outlook's automatic replies to the closed window of the moment."""

    mode = "outlook"
    service = "Outlook"
    responder = "Outlook's automatic replies"
    login = "microsoft"
    scope = SCOPE
    traits = TRAITS

    def client(self, token: str) -> GraphClient:
        """Return the Microsoft Graph client for a token."""
        return GraphClient(token, api_base=self.settings.api_base)

    def read(self, client: GraphClient, deadline: Deadline | None) -> AutomaticReplies:
        """Return the automatic replies."""
        return client.get_mailbox_settings(deadline=deadline).automatic_replies

    def write(
        self, client: GraphClient, value: AutomaticReplies, deadline: Deadline | None
    ) -> AutomaticReplies:
        """Set the automatic replies, whole; return them as Graph answered."""
        return client.set_automatic_replies(value, deadline=deadline)

    def for_window(self, window: Window, text: WindowText, zone: ZoneInfo) -> AutomaticReplies:
        """Return the automatic replies for `window`, with its text, times in `zone`."""
        return automatic_replies_for(self.settings, window, text, zone)

    def key(self, value: AutomaticReplies) -> tuple[object, ...]:
        """Return what answers: messages by what they say (Exchange keeps HTML its own way),
        the schedule as instants, and only while it is what decides."""
        scheduled = value.status == "scheduled"
        return (
            value.status,
            value.external_audience,
            text_of(value.internal_reply_message),
            text_of(value.external_reply_message),
            instant(value.scheduled_start) if scheduled else None,
            instant(value.scheduled_end) if scheduled else None,
        )

    def to_json(self, value: AutomaticReplies) -> dict[str, object]:
        """Return the automatic replies as Graph's JSON (what a PATCH sends)."""
        return value.as_json()

    def from_json(self, data: object) -> AutomaticReplies:
        """Read the automatic replies from Graph's JSON."""
        return AutomaticReplies.from_json(data)

    def describe(self, value: AutomaticReplies, zone: dt.tzinfo) -> str:
        """Say what the automatic replies are set to."""
        outside = _AUDIENCES[value.external_audience]
        if value.status == "disabled":
            return "off"
        if value.status == "alwaysEnabled":
            return f"always on (outside your organisation: {outside})"
        start, end = instant(value.scheduled_start), instant(value.scheduled_end)
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
            when = say_window((start.astimezone(zone), end.astimezone(zone)))
        else:  # a zone only Exchange knows: said as written
            when = f"{_wall(value.scheduled_start)} to {_wall(value.scheduled_end)}"
        return f"scheduled for {when} (outside your organisation: {outside})"

    def future_dates(self, value: AutomaticReplies, now: dt.datetime) -> Window | None:
        """Return the dates of automatic replies that are on and not over yet."""
        if value.status == "alwaysEnabled":
            return now, None
        start, end = instant(value.scheduled_start), instant(value.scheduled_end)
        if value.status != "scheduled" or not isinstance(end, dt.datetime) or end <= now:
            return None
        begins = start if isinstance(start, dt.datetime) else now
        return begins.astimezone(now.tzinfo), end.astimezone(now.tzinfo)


def preview(settings: Autoreply, schedule: Schedule, business: str, now: dt.datetime) -> list[str]:
    """Return what Outlook would be set to at `now`: the window, who is answered, the message."""

    def lines(email: EmailSettings, window: Window, text: WindowText) -> list[str]:
        value = automatic_replies_for(email, window, text, schedule.zone)
        return [
            f"Outside your organisation: {_AUDIENCES[value.external_audience]}",
            f"Subject: {EXCHANGES_OWN_SUBJECT}",
            "",
            "Message (HTML, the same inside and outside your organisation):",
            value.external_reply_message,
        ]

    head = (
        "(Outlook mode: Outlook's automatic replies answer, set by each sync to one closed window.)"
    )
    return window_preview(settings, schedule, business, now, head=head, lines=lines)
