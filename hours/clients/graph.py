"""Outlook's automatic replies through Microsoft Graph: read them, and set them.

`GET` and `PATCH {api_base}/v1.0/me/mailboxSettings`, with a bearer token carrying the
delegated permission `MailboxSettings.ReadWrite` (personal and work accounts alike). A PATCH
merges: what it leaves out keeps its value, so the automatic replies are always sent whole.
Scheduled times are `{dateTime, timeZone}`: a wall-clock time and the zone it is read in.

Errors are typed as hours/clients/rest.py says; Graph's error answers are
`{"error": {"code", "message"}}`, and the code is kept: `ErrorInvalidScheduledOofDuration`
(an end not after the start) is how Graph refuses a schedule it cannot take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard, get_args
from zoneinfo import ZoneInfo

from hours.clients.rest import BearerJsonClient, Refusal
from hours.errors import ProviderError

SCOPE = "MailboxSettings.ReadWrite"
DEFAULT_API_BASE = "https://graph.microsoft.com"
MAILBOX_SETTINGS_PATH = "/v1.0/me/mailboxSettings"
Status = Literal["disabled", "alwaysEnabled", "scheduled"]
Audience = Literal["none", "contactsOnly", "all"]
STATUSES: tuple[str, ...] = get_args(Status)
AUDIENCES: tuple[str, ...] = get_args(Audience)
# How Graph says a token lacks a permission: a code in the body, or WWW-Authenticate.
_SCOPE_CODES = {"ErrorAccessDenied", "Authorization_RequestDenied", "AccessDenied"}


def _is_status(value: object) -> TypeGuard[Status]:
    return value in STATUSES


def _is_audience(value: object) -> TypeGuard[Audience]:
    return value in AUDIENCES


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProviderError(f"Microsoft Graph answered automatic replies whose {key} is not text.")
    return value


@dataclass(frozen=True)
class DateTimeTimeZone:
    """Graph's dateTimeTimeZone: a wall-clock time (naive) and the zone it is read in."""

    date_time: dt.datetime
    time_zone: str

    @classmethod
    def of(cls, moment: dt.datetime, zone: ZoneInfo) -> DateTimeTimeZone:
        """Return an aware instant as the wall-clock time in `zone` (an IANA zone)."""
        return cls(moment.astimezone(zone).replace(tzinfo=None), zone.key)

    def as_json(self) -> dict[str, str]:
        """Return it as Graph takes it: seconds precision, no offset."""
        return {
            "dateTime": self.date_time.isoformat(timespec="seconds"),
            "timeZone": self.time_zone,
        }

    @classmethod
    def from_json(cls, data: Any, field: str) -> DateTimeTimeZone:
        """Read Graph's form, which carries seven decimals ("2026-11-23T17:00:00.0000000")."""
        if not isinstance(data, dict):
            raise ProviderError(f"Microsoft Graph answered a {field} that is not an object.")
        text, zone = data.get("dateTime"), data.get("timeZone")
        try:
            if not isinstance(text, str) or not isinstance(zone, str):
                raise ValueError
            head, _, fraction = text.partition(".")
            moment = dt.datetime.fromisoformat(head + (f".{fraction[:6]}" if fraction else ""))
        except ValueError:
            raise ProviderError(
                f"Microsoft Graph answered a {field} hours cannot read: {data!r:.120}"
            ) from None
        return cls(moment.replace(tzinfo=None), zone)


@dataclass(frozen=True)
class AutomaticReplies:
    """Graph's automaticRepliesSetting."""

    status: Status = "disabled"
    external_audience: Audience = "all"
    internal_reply_message: str = ""
    external_reply_message: str = ""
    scheduled_start: DateTimeTimeZone | None = None
    scheduled_end: DateTimeTimeZone | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the setting as a PATCH sends it: whole, the schedule when there is one."""
        body: dict[str, Any] = {
            "status": self.status,
            "externalAudience": self.external_audience,
            "internalReplyMessage": self.internal_reply_message,
            "externalReplyMessage": self.external_reply_message,
        }
        if self.scheduled_start is not None:
            body["scheduledStartDateTime"] = self.scheduled_start.as_json()
        if self.scheduled_end is not None:
            body["scheduledEndDateTime"] = self.scheduled_end.as_json()
        return body

    @classmethod
    def from_json(cls, data: Any) -> AutomaticReplies:
        """Read Graph's automaticRepliesSetting."""
        if not isinstance(data, dict):
            raise ProviderError(
                "Microsoft Graph answered mailbox settings without automatic replies."
            )
        status = data.get("status") or "disabled"
        audience = data.get("externalAudience") or "all"
        if not _is_status(status) or not _is_audience(audience):
            raise ProviderError(
                f"Microsoft Graph answered automatic replies with status {status!r} and "
                f"audience {audience!r}, which hours does not know; it changes nothing."
            )
        start, end = data.get("scheduledStartDateTime"), data.get("scheduledEndDateTime")
        return cls(
            status=status,
            external_audience=audience,
            internal_reply_message=_text(data, "internalReplyMessage"),
            external_reply_message=_text(data, "externalReplyMessage"),
            scheduled_start=None
            if start is None
            else DateTimeTimeZone.from_json(start, "scheduledStartDateTime"),
            scheduled_end=None
            if end is None
            else DateTimeTimeZone.from_json(end, "scheduledEndDateTime"),
        )


@dataclass(frozen=True)
class MailboxSettings:
    """What hours reads of a mailbox's settings: its time zone and its automatic replies."""

    time_zone: str | None
    automatic_replies: AutomaticReplies


class GraphClient(BearerJsonClient):
    """Microsoft Graph's mailbox settings, for the signed-in user (`/me`)."""

    service = "Microsoft Graph"
    scope = SCOPE
    default_api_base = DEFAULT_API_BASE

    def get_mailbox_settings(self, *, deadline: float | None = None) -> MailboxSettings:
        """Return the mailbox's time zone and automatic replies."""
        answer = self.call(
            "GET", MAILBOX_SETTINGS_PATH, doing="reading the automatic replies", deadline=deadline
        )
        zone = answer.get("timeZone")
        return MailboxSettings(
            zone if isinstance(zone, str) else None,
            AutomaticReplies.from_json(answer.get("automaticRepliesSetting")),
        )

    def set_automatic_replies(
        self, setting: AutomaticReplies, *, deadline: float | None = None
    ) -> AutomaticReplies:
        """Set the automatic replies to `setting`; return them as Graph answered."""
        answer = self.call(
            "PATCH",
            MAILBOX_SETTINGS_PATH,
            body={"automaticRepliesSetting": setting.as_json()},
            doing="setting the automatic replies",
            deadline=deadline,
        )
        # Graph answers with the properties it updated; read them back when it did.
        if "automaticRepliesSetting" in answer:
            return AutomaticReplies.from_json(answer["automaticRepliesSetting"])
        return setting

    def refusal(self, status: int, headers: Mapping[str, str], body: Any) -> Refusal:
        """Read Graph's error answer."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        code = error.get("code")
        scope_header = "insufficient_scope" in headers.get("WWW-Authenticate", "")
        return Refusal(
            code=str(code) if code else None,
            message=str(error.get("message") or ""),
            missing_scope=scope_header or code in _SCOPE_CODES,
        )
