"""Gmail's vacation responder through the Gmail API: read it, and set it.

`GET` and `PUT {api_base}/gmail/v1/users/me/settings/vacation` (users.settings.getVacation and
updateVacation), with a bearer token carrying the scope
`https://www.googleapis.com/auth/gmail.settings.basic`. A PUT replaces the whole setting: a field
left out takes its default. Gmail sanitizes the HTML body before storing it, so what it answers
may differ from what was sent; compare with what it answered, not with what was sent.

Errors are typed as hours/clients/rest.py says; Google's error answers are
`{"error": {"code", "message", "status", "errors": [{"reason"}], "details": [{"reason"}]}}`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hours.clients.rest import BearerJsonClient, Refusal
from hours.errors import ProviderError

SCOPE = "https://www.googleapis.com/auth/gmail.settings.basic"
DEFAULT_API_BASE = "https://gmail.googleapis.com"
VACATION_PATH = "/gmail/v1/users/me/settings/vacation"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# How Google says a token lacks a scope: in the body's reasons, and in WWW-Authenticate.
_SCOPE_REASONS = {"ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions"}


def to_epoch_ms(moment: dt.datetime) -> str:
    """Return an aware date-time as Gmail's int64 epoch milliseconds, a decimal string."""
    if moment.tzinfo is None:
        raise ValueError("a Gmail time must be timezone-aware")
    return str((moment - _EPOCH) // dt.timedelta(milliseconds=1))


def from_epoch_ms(value: Any, field: str) -> dt.datetime:
    """Read Gmail's epoch milliseconds (a decimal string, or a number) as an aware UTC time."""
    text = str(value)
    if isinstance(value, bool) or not text.lstrip("-").isdigit():
        raise ProviderError(
            f"Gmail answered a vacation responder whose {field} is {value!r}, not epoch "
            "milliseconds."
        )
    return _EPOCH + dt.timedelta(milliseconds=int(text))


@dataclass(frozen=True)
class VacationSettings:
    """Gmail's vacation responder (VacationSettings), with times as aware UTC date-times."""

    enable_auto_reply: bool = False
    response_subject: str = ""
    response_body_plain_text: str = ""
    response_body_html: str = ""
    restrict_to_contacts: bool = False
    restrict_to_domain: bool = False
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the body of a PUT: every flag, the texts that are set, the times that are."""
        body: dict[str, Any] = {
            "enableAutoReply": self.enable_auto_reply,
            "restrictToContacts": self.restrict_to_contacts,
            "restrictToDomain": self.restrict_to_domain,
        }
        # An empty text is the default, and a PUT resets what it leaves out: leaving it out
        # keeps Gmail's rule "the HTML body wins when both are set" from seeing an empty one.
        for key, text in (
            ("responseSubject", self.response_subject),
            ("responseBodyPlainText", self.response_body_plain_text),
            ("responseBodyHtml", self.response_body_html),
        ):
            if text:
                body[key] = text
        if self.start_time is not None:
            body["startTime"] = to_epoch_ms(self.start_time)
        if self.end_time is not None:
            body["endTime"] = to_epoch_ms(self.end_time)
        return body

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VacationSettings:
        """Read Gmail's answer; a field it leaves out has its default."""
        flags = {}
        for key in ("enableAutoReply", "restrictToContacts", "restrictToDomain"):
            value = data.get(key, False)
            if not isinstance(value, bool):
                raise ProviderError(
                    f"Gmail answered a vacation responder whose {key} is {value!r}, not true or "
                    "false."
                )
            flags[key] = value
        texts = {}
        for key in ("responseSubject", "responseBodyPlainText", "responseBodyHtml"):
            value = data.get(key, "")
            if not isinstance(value, str):
                raise ProviderError(f"Gmail answered a vacation responder whose {key} is not text.")
            texts[key] = value
        start, end = data.get("startTime"), data.get("endTime")
        return cls(
            enable_auto_reply=flags["enableAutoReply"],
            response_subject=texts["responseSubject"],
            response_body_plain_text=texts["responseBodyPlainText"],
            response_body_html=texts["responseBodyHtml"],
            restrict_to_contacts=flags["restrictToContacts"],
            restrict_to_domain=flags["restrictToDomain"],
            start_time=None if start is None else from_epoch_ms(start, "startTime"),
            end_time=None if end is None else from_epoch_ms(end, "endTime"),
        )


class GmailClient(BearerJsonClient):
    """The Gmail API's vacation responder, for the account the token belongs to."""

    service = "Gmail"
    scope = SCOPE
    default_api_base = DEFAULT_API_BASE

    def get_vacation(self, *, deadline: float | None = None) -> VacationSettings:
        """Return the vacation responder as Gmail has it."""
        answer = self.call(
            "GET", VACATION_PATH, doing="reading the vacation responder", deadline=deadline
        )
        return VacationSettings.from_json(answer)

    def update_vacation(
        self, settings: VacationSettings, *, deadline: float | None = None
    ) -> VacationSettings:
        """Replace the vacation responder with `settings`; return what Gmail stored."""
        answer = self.call(
            "PUT",
            VACATION_PATH,
            body=settings.as_json(),
            doing="setting the vacation responder",
            deadline=deadline,
        )
        return VacationSettings.from_json(answer)

    def refusal(self, status: int, headers: Mapping[str, str], body: Any) -> Refusal:
        """Read Google's error answer."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        reasons = {
            str(item.get("reason"))
            for key in ("errors", "details")
            for item in error.get(key) or []
            if isinstance(item, dict)
        }
        scope_header = "insufficient_scope" in headers.get("WWW-Authenticate", "")
        status_name = error.get("status")
        return Refusal(
            code=str(status_name) if status_name else None,
            message=str(error.get("message") or ""),
            missing_scope=scope_header or bool(reasons & _SCOPE_REASONS),
        )
