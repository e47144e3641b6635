"""A stateful fake of Microsoft Graph's mailbox settings over HTTP on 127.0.0.1.

`GET` and `PATCH /v1.0/me/mailboxSettings`, behaving as Graph does where a client depends on it:
the settings persist between requests; a GET answers the whole object as a new mailbox has it
(automatic replies disabled, with a schedule nonetheless, working hours, locale) and its times
with seven decimals; a PATCH merges (a property left out keeps its value, nested objects merge
too, a `{dateTime, timeZone}` is replaced whole) and answers the properties it updated. A
scheduled end not after its start is refused with `ErrorInvalidScheduledOofDuration`, a zone
Graph does not know with `TimeZoneNotSupportedException`. `MailboxSettings.Read` lets a token
read and `MailboxSettings.ReadWrite` write; a 401, 403, 429 or 5xx answer is Graph's.

Every PATCH body is checked against the description's `microsoft.graph.mailboxSettings` schema
(with `automaticRepliesSetting` and `dateTimeTimeZone` under it), extracted from the 20 MB
description once and cached; see `mailbox_contract` for the rules added to it.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.servers import openapi_directory
from tests.servers.json_fake import Answer, JsonFake
from tests.servers.openapi_schema import Contract

TOKEN = "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImZha2UifQ.eyJzY3AiOiJNYWlsYm94U2V0dGluZ3MifQ.fake+sig/0="
READ = "MailboxSettings.Read"
READ_WRITE = "MailboxSettings.ReadWrite"
PATH = "/v1.0/me/mailboxSettings"
ROOTS = (
    "microsoft.graph.mailboxSettings",
    "microsoft.graph.automaticRepliesSetting",
    "microsoft.graph.dateTimeTimeZone",
)
# Graph takes Windows zone names as well as IANA ones; the few a test meets.
WINDOWS_ZONES = {
    "UTC": "UTC",
    "Pacific Standard Time": "America/Los_Angeles",
    "Eastern Standard Time": "America/New_York",
    "GMT Standard Time": "Europe/London",
    "W. Europe Standard Time": "Europe/Berlin",
}
DATE_TIME_ZONES = ("scheduledStartDateTime", "scheduledEndDateTime")
CODES = {
    400: "BadRequest",
    404: "ResourceNotFound",
    405: "MethodNotAllowed",
    429: "ApplicationThrottled",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceNotAvailable",
    504: "GatewayTimeout",
}


@functools.cache
def mailbox_contract() -> Contract:
    """Return the check of a PATCH body against the description's mailboxSettings.

    Besides the conversions of tests/servers/openapi_schema.py (Graph refuses unknown
    properties but allows `@odata.*` annotations; `@odata.type`, marked required on every
    complex type by the description's generator, is not required in a request), one rule is
    added that the schema does not carry: a dateTimeTimeZone must have both its parts, the
    time as the description's prose shows it ("{date}T{time}; for example,
    2017-08-29T04:00:00.0000000") and a zone. The schema leaves `timeZone` optional and
    nullable, but a wall-clock time without its zone names no instant.
    """
    schemas = openapi_directory.component_schemas(openapi_directory.GRAPH, ROOTS)
    return Contract(
        schemas,
        "microsoft.graph.mailboxSettings",
        strict=True,
        annotations=r"^@odata\.",
        optional_in_request=frozenset({"@odata.type"}),
        tightened={
            "microsoft.graph.dateTimeTimeZone": {
                "required": ["dateTime", "timeZone"],
                "properties": {
                    "dateTime": {
                        "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?$"
                    },
                    "timeZone": {"type": "string", "minLength": 1},
                },
            }
        },
    )


def zone(name: str) -> ZoneInfo | None:
    """Return the zone Graph would read `name` as, or None when it knows no such zone."""
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def graph_date_time(value: dict[str, Any]) -> dict[str, Any]:
    """Return a dateTimeTimeZone as Graph answers it: seven decimals."""
    moment = dt.datetime.fromisoformat(value["dateTime"].split(".")[0])
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": value["timeZone"]}


def new_mailbox() -> dict[str, Any]:
    """Return a mailbox's settings as Graph answers them for an account never set up."""
    return {
        "archiveFolder": "AAMkADAwATM0MDAAMS1hNmQ0LTZmYTMtMDACLTAwCgAuAAADb3JjaGl2ZQAAAA==",
        "timeZone": "Pacific Standard Time",
        "automaticRepliesSetting": {
            "status": "disabled",
            "externalAudience": "all",
            "internalReplyMessage": "",
            "externalReplyMessage": "",
            "scheduledStartDateTime": {
                "dateTime": "2026-01-05T08:00:00.0000000",
                "timeZone": "UTC",
            },
            "scheduledEndDateTime": {"dateTime": "2026-01-06T08:00:00.0000000", "timeZone": "UTC"},
        },
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": "Pacific Standard Time"},
        },
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "userPurpose": "user",
    }


def merge(stored: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Return `stored` with `patch` merged in as Graph merges a PATCH."""
    out = copy.deepcopy(stored)
    for key, value in patch.items():
        if key in DATE_TIME_ZONES and isinstance(value, dict):
            out[key] = graph_date_time(value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class GraphFake(JsonFake):
    """The signed-in user's mailbox settings, and the server that serves them."""

    service = "Microsoft Graph"

    def __init__(self, token: str = TOKEN, scopes: set[str] | None = None) -> None:
        super().__init__(token, {READ_WRITE} if scopes is None else scopes)
        self.settings = new_mailbox()

    @property
    def automatic_replies(self) -> dict[str, Any]:
        """Return the automatic replies as a GET answers them."""
        with self.lock:
            return copy.deepcopy(self.settings["automaticRepliesSetting"])

    def set_automatic_replies(self, **fields: Any) -> None:
        """Change the automatic replies as their user would in Outlook (no request, no check)."""
        with self.lock:
            self.settings = merge(self.settings, {"automaticRepliesSetting": fields})

    # -- the provider --------------------------------------------------------------------

    def body_violations(self, method: str, path: str, body: Any) -> list[str]:
        return mailbox_contract().violations(body) if path == PATH else []

    def required_scopes(self, method: str, path: str) -> set[str]:
        if path != PATH:
            return set()
        return {READ, READ_WRITE} if method == "GET" else {READ_WRITE}

    def route(self, method: str, path: str, body: Any) -> Answer:
        if path != PATH:
            return self.error(404, f"Resource not found for the segment '{path}'.")
        context = "https://graph.microsoft.com/v1.0/$metadata#users('fake')/mailboxSettings"
        if method == "GET":
            return Answer(200, {"@odata.context": context, **copy.deepcopy(self.settings)})
        if method != "PATCH":
            return self.error(405, f"The HTTP method '{method}' is not supported here.")
        patch = {k: v for k, v in body.items() if not k.startswith("@odata.")}
        updated = merge(self.settings, patch)
        refused = self._refusal(updated.get("automaticRepliesSetting") or {})
        if refused is not None:
            return refused
        self.settings = updated
        return Answer(200, {"@odata.context": context, **{k: updated[k] for k in patch}})

    def _refusal(self, replies: dict[str, Any]) -> Answer | None:
        times = []
        for key in DATE_TIME_ZONES:
            value = replies.get(key)
            if value is None:
                continue
            where = zone(value["timeZone"])
            if where is None:
                return self.error(
                    400,
                    "A valid TimeZone value must be specified. The following TimeZone value is "
                    f"not supported: '{value['timeZone']}'.",
                    "TimeZoneNotSupportedException",
                )
            moment = dt.datetime.fromisoformat(value["dateTime"].split(".")[0])
            times.append(moment.replace(tzinfo=where))
        if replies.get("status") == "scheduled" and len(times) == 2 and times[1] <= times[0]:
            return self.error(
                400,
                "The scheduled end time must be after the scheduled start time.",
                "ErrorInvalidScheduledOofDuration",
            )
        return None

    def error(self, status: int, message: str, code: str | None = None) -> Answer:
        return Answer(
            status,
            {
                "error": {
                    "code": code or CODES.get(status, "UnknownError"),
                    "message": message,
                    "innerError": {
                        "date": "2026-11-23T22:00:00",
                        "request-id": str(uuid.uuid4()),
                        "client-request-id": str(uuid.uuid4()),
                    },
                }
            },
        )

    def token_refused(self) -> Answer:
        refused = self.error(
            401, "Access token has expired or is not yet valid.", "InvalidAuthenticationToken"
        )
        return Answer(
            401,
            refused.body,
            {
                "WWW-Authenticate": 'Bearer realm="", '
                'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                'client_id="00000003-0000-0000-c000-000000000000"'
            },
        )

    def scope_refused(self, needed: set[str]) -> Answer:
        return self.error(
            403, "Access is denied. Check credentials and try again.", "ErrorAccessDenied"
        )
