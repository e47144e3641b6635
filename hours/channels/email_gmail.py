"""The email channel in `gmail` mode: Gmail's vacation responder, set to one closed window at a time.

Gmail answers from its servers the moment mail arrives, laptop on or off, between the window's
`startTime` and `endTime`; each sync moves it on to the window of the moment (channels/
responder.py). Gmail decides the rest: it answers a sender once per 4 days and starts over when
the response changes (each window's text names its own next opening, so each window answers
each sender once), it skips mailing lists and spam by its own rules, and it has no list of
senders to leave alone and no keyword to let through.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hours import autoreply as engine
from hours.autoreply import Traits, Window
from hours.channels.responder import (
    ResponderChannel,
    WindowText,
    say_window,
    text_of,
    window_preview,
)
from hours.clients.gmail import SCOPE, GmailClient, VacationSettings
from hours.clients.net import Deadline
from hours.config.autoreply import DEFAULT_SUBJECT, Autoreply, EmailSettings
from hours.schedule import Schedule

TRAITS = Traits(
    who_answers="Gmail's vacation responder, the moment mail arrives",
    laptop_off="still answers, until the end of the window the last sync set",
    once_per_sender="once per 4 days, and again when the text changes: each window's text names "
    "its own opening, so once a window",
    vip_and_emergency="no: Gmail answers VIPs too, and lets no keyword through",
    provider_must_offer="a Gmail or Google Workspace account; `hours login google` (or a "
    "`token_command`) with the scope `gmail.settings.basic`",
)
# Gmail's own subject for an empty one is "Re: " and the sender's subject: what the default
# template asks for, and what no fixed text can say.
GMAILS_OWN_SUBJECT = 'left empty: Gmail answers with "Re: " and the sender\'s subject'


def response_subject(email: EmailSettings, text: WindowText) -> str:
    """Return the subject Gmail is given: empty for the default, else the rendered template."""
    return "" if email.subject.strip() == DEFAULT_SUBJECT else text.subject


def vacation_for(email: EmailSettings, window: Window, text: WindowText) -> VacationSettings:
    """Return the vacation responder that holds `window` with its text.

    Gmail refuses a `startTime` that does not precede `endTime` (400 INVALID_ARGUMENT). A window
    ends at the next opening, after its start and after now, so that never comes; its start may
    be past (a window going on), which Gmail takes, answering mail that arrives from then on.
    A window with no opening in sight is set without an `endTime`: on until a sync finds one.
    """
    return VacationSettings(
        enable_auto_reply=True,
        response_subject=response_subject(email, text),
        response_body_plain_text=text.text,
        response_body_html=text.html,
        restrict_to_contacts=email.only_contacts,
        restrict_to_domain=email.only_domain,
        start_time=window[0],
        end_time=window[1],
    )


def audience(email: EmailSettings) -> str:
    """Say who Gmail answers, as only_contacts and only_domain have it."""
    if email.only_contacts and email.only_domain:
        return "only your contacts in your domain"
    if email.only_contacts:
        return "only your contacts"
    if email.only_domain:
        return "only your domain"
    return "everyone"


class GmailChannel(ResponderChannel[VacationSettings, GmailClient]):
    """Hold Gmail's vacation responder to the closed window of the moment."""

    mode = "gmail"
    service = "Gmail"
    responder = "Gmail's vacation responder"
    login = "google"
    scope = SCOPE
    traits = TRAITS

    def client(self, token: str) -> GmailClient:
        """Return the Gmail API client for a token."""
        return GmailClient(token, api_base=self.settings.api_base)

    def read(self, client: GmailClient, deadline: Deadline | None) -> VacationSettings:
        """Return the vacation responder."""
        return client.get_vacation(deadline=deadline)

    def write(
        self, client: GmailClient, value: VacationSettings, deadline: Deadline | None
    ) -> VacationSettings:
        """Replace the vacation responder; return what Gmail stored."""
        return client.update_vacation(value, deadline=deadline)

    def for_window(self, window: Window, text: WindowText, zone: ZoneInfo) -> VacationSettings:
        """Return the responder for `window`, with its text (Gmail takes instants)."""
        return vacation_for(self.settings, window, text)

    def key(self, value: VacationSettings) -> tuple[object, ...]:
        """Return what answers: the HTML by what it says, as Gmail sanitizes what it keeps."""
        return (
            value.enable_auto_reply,
            value.response_subject,
            value.response_body_plain_text,
            text_of(value.response_body_html),
            value.restrict_to_contacts,
            value.restrict_to_domain,
            value.start_time,
            value.end_time,
        )

    def to_json(self, value: VacationSettings) -> dict[str, object]:
        """Return the responder as Gmail's JSON (what a PUT sends)."""
        return value.as_json()

    def from_json(self, data: object) -> VacationSettings:
        """Read the responder from Gmail's JSON."""
        assert isinstance(data, dict)
        return VacationSettings.from_json(data)

    def describe(self, value: VacationSettings, zone: dt.tzinfo) -> str:
        """Say what the responder is set to."""
        if not value.enable_auto_reply:
            return "off"
        start, end = value.start_time, value.end_time
        if start is not None and end is not None:
            when = f"on for {say_window((start.astimezone(zone), end.astimezone(zone)))}"
        elif start is not None:
            when = f"on from {start.astimezone(zone):%a %d %b %H:%M}"
        elif end is not None:
            when = f"on until {end.astimezone(zone):%a %d %b %H:%M}"
        else:
            when = "on, with no dates"
        subject = f"“{value.response_subject}”" if value.response_subject else "Gmail's own subject"
        return f"{when}: {subject}"

    def _limit_checks(self, run: engine.SyncRun) -> list[engine.Check]:
        out = super()._limit_checks(run)
        if "{next_open" not in self.settings.policy.message:
            out.append(
                engine.Check(
                    f"email ({self.mode})",
                    True,
                    "your message has no {next_open}, so one evening's text can be the next "
                    "one's, and Gmail answers a sender again only when the text changes (or "
                    "after 4 days); put {next_open} in it",
                    warning=True,
                )
            )
        return out

    def future_dates(self, value: VacationSettings, now: dt.datetime) -> Window | None:
        """Return the dates of an enabled responder that is not over yet."""
        if not value.enable_auto_reply or (value.end_time is not None and value.end_time <= now):
            return None
        start = value.start_time or now
        return start.astimezone(now.tzinfo), (
            None if value.end_time is None else value.end_time.astimezone(now.tzinfo)
        )


def preview(settings: Autoreply, schedule: Schedule, business: str, now: dt.datetime) -> list[str]:
    """Return what Gmail would be set to at `now`: the window, its subject, and both bodies."""

    def lines(email: EmailSettings, window: Window, text: WindowText) -> list[str]:
        value = vacation_for(email, window, text)
        return [
            f"Answers: {audience(email)}",
            f"Subject: {value.response_subject or GMAILS_OWN_SUBJECT}",
            "",
            *value.response_body_plain_text.splitlines(),
            "",
            "HTML body (what Gmail sends to mail programs that show HTML):",
            value.response_body_html,
        ]

    head = (
        "(Gmail mode: Gmail's vacation responder answers, set by each sync to one closed window.)"
    )
    return window_preview(settings, schedule, business, now, head=head, lines=lines)
