"""JSON over HTTPS with an OAuth2 bearer token: what the Gmail and Microsoft Graph clients share.

Every request has a time limit (to connect, for each read, and for the whole answer), an answer
larger than MAX_ANSWER_BYTES is refused, `api_base` must be https except on loopback (a test
double), and redirects are not followed, so the token never travels to another host.

Failures are typed, so the caller can act on each:
- TokenRefused (401): refresh the token once and try again;
- MissingScope (403 for a scope the token lacks): a configuration error naming the scope;
- Busy (429 or 5xx): retried while the provider's `Retry-After` (or a short backoff) is at most
  MAX_RETRY_WAIT and still fits before the caller's deadline, then given up until the next run;
- ApiError: anything else, with the provider's own error code when it gave one.
Every message is one line and never holds the token, in any encoding (net.scrub_text).
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from hours.clients import http
from hours.clients.net import Deadline, NoAnswer, TooLarge, check_url, hide, scrub_text
from hours.errors import ConfigError, OutOfTime, ProviderError

# How long to wait for a provider's whole answer, in seconds.
HTTP_TIMEOUT = 30.0
# A settings object is a few kilobytes; anything near this is not the answer we asked for.
MAX_ANSWER_BYTES = 1 << 20
RETRYABLE = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 5
# The longest one wait before trying again, Retry-After included: the next run, a few minutes
# away, comes sooner than a longer one would end.
MAX_RETRY_WAIT = 60.0
BACKOFF = 1.0  # seconds before the first retry when the provider sets no Retry-After
MAX_DETAIL = 300  # characters of the provider's own words kept in a message
_SPACE = re.compile(r"\s+")


class TokenRefused(ProviderError):
    """HTTP 401: the provider refused the access token; refresh it once and try again."""


class MissingScope(ConfigError):
    """HTTP 403: the token was granted without the scope this request needs."""

    def __init__(self, message: str, scope: str) -> None:
        super().__init__(message)
        self.scope = scope


class Busy(ProviderError):
    """HTTP 429 or 5xx still, after what the caller's deadline allowed; try at the next run.

    `status` is 0 when the deadline had passed before the request could be sent.
    """

    def __init__(self, message: str, status: int, retry_after: float | None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ApiError(ProviderError):
    """The provider refused the request; `code` is its own error code, when it gave one."""

    def __init__(self, message: str, status: int, code: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Refusal:
    """What a provider's error answer says, as its client reads it."""

    code: str | None
    message: str
    missing_scope: bool


def one_line(text: str, limit: int = MAX_DETAIL) -> str:
    """Return `text` on one line, cut to `limit` characters."""
    flat = _SPACE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Read a Retry-After header (seconds, or an HTTP date) as seconds from `now` (epoch)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


def check_api_base(api_base: str, service: str) -> str:
    """Return `api_base` without a trailing slash; refuse plain http except on loopback."""
    try:
        return check_url(api_base, secret="access token").rstrip("/")
    except ValueError as e:
        raise ConfigError(f"{service}: api_base {e}") from None


class BearerJsonClient:
    """A provider's JSON API, reached with a bearer token; subclasses name it and read its errors."""

    service: ClassVar[str]  # the provider's name, in messages
    scope: ClassVar[str]  # the OAuth2 scope the client's requests need
    default_api_base: ClassVar[str]

    def __init__(
        self,
        token: str,
        *,
        api_base: str | None = None,
        timeout: float = HTTP_TIMEOUT,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_base = check_api_base(api_base or self.default_api_base, self.service)
        self._token = token
        hide(token)
        self.timeout = timeout
        self.session = session or http.session()
        self.sleep = sleep
        self.clock = clock

    def refusal(self, status: int, headers: Mapping[str, str], body: Any) -> Refusal:
        """Read the provider's error answer (`body` is its parsed JSON, or None)."""
        raise NotImplementedError

    def call(
        self,
        method: str,
        path: str,
        *,
        doing: str,
        body: Mapping[str, Any] | None = None,
        deadline: Deadline | None = None,
    ) -> dict[str, Any]:
        """Send one request and return the JSON object answered.

        `doing` says what the request is for, in messages ("reading the vacation responder").
        `deadline` is the run's: 429 and 5xx answers are retried only while the wait fits
        before it, and no request outlives it. Without one, nothing is retried, and a request
        takes at most `timeout`.
        """
        url = self.api_base + path
        attempt = 0
        while True:
            status, headers, raw = self._send(method, url, body, doing, deadline)
            if 200 <= status < 300:
                return self._object(raw, doing)
            if status not in RETRYABLE:
                raise self._refused(status, headers, raw, doing)
            asked = retry_after_seconds(headers.get("Retry-After"), time.time())
            wait = asked if asked is not None else BACKOFF * 2**attempt
            attempt += 1
            if attempt >= MAX_ATTEMPTS:
                why = f"still, after {attempt} tries"
            elif deadline is None:
                why = "no time was left in this run to try again"
            elif wait >= deadline.remaining():
                why = (
                    f"it asked to wait {asked:g} s, past this run's deadline"
                    if asked is not None
                    else "no time was left in this run to try again"
                )
            elif wait > MAX_RETRY_WAIT:
                why = f"it asked to wait {wait:g} s, longer than a run waits ({MAX_RETRY_WAIT:g} s)"
            else:
                self.sleep(wait)
                continue
            raise self._busy(status, headers, raw, doing, asked, why)

    # -- one exchange --------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None,
        doing: str,
        deadline: Deadline | None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        # Without the run's deadline, the request as a whole gets `timeout`.
        alone = deadline is None
        if deadline is None:
            deadline = Deadline.after(self.timeout, self.clock)
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            answer = http.fetch(
                self.session,
                method,
                url,
                deadline=deadline,
                wait=self.timeout,
                max_bytes=MAX_ANSWER_BYTES,
                doing=doing,
                json=body,
                headers=headers,
            )
        except OutOfTime:
            if alone:
                raise ProviderError(
                    f"{self.service} gave no answer within {self.timeout:g} s while {doing}; "
                    "the next run tries again."
                ) from None
            raise Busy(
                f"{self.service}: no time was left in this run for {doing}; the next run "
                "tries again.",
                0,
                None,
            ) from None
        except TooLarge:
            raise self._too_big(doing) from None
        except (NoAnswer, requests.Timeout) as e:
            wait = e.wait if isinstance(e, NoAnswer) else self.timeout
            raise ProviderError(
                f"{self.service} gave no answer within {wait:g} s while {doing}; the next "
                "run tries again."
            ) from None
        except requests.RequestException as e:
            host = urlsplit(url).netloc
            detail = one_line(scrub_text(str(e) or type(e).__name__, self._token))
            raise ProviderError(
                f"{self.service}: could not reach {host} while {doing}: {detail}"
            ) from None
        return answer.status, answer.headers, answer.body

    def _too_big(self, doing: str) -> ProviderError:
        return ProviderError(
            f"{self.service} answered with more than {MAX_ANSWER_BYTES // 1024} KiB while "
            f"{doing}; that is not a settings object."
        )

    def _object(self, raw: bytes, doing: str) -> dict[str, Any]:
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            detail = one_line(scrub_text(raw.decode("utf-8", "replace"), self._token), 80)
            raise ProviderError(
                f"{self.service} answered something other than a JSON object while {doing}: "
                f"{detail or '(empty)'}"
            )
        return answer

    # -- refusals ------------------------------------------------------------------------

    def _read(self, status: int, headers: Mapping[str, str], raw: bytes) -> Refusal:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        found = self.refusal(status, headers, body)
        message = found.message or raw.decode("utf-8", "replace") or "no detail"
        return Refusal(found.code, one_line(scrub_text(message, self._token)), found.missing_scope)

    def _refused(
        self, status: int, headers: Mapping[str, str], raw: bytes, doing: str
    ) -> ProviderError | MissingScope:
        found = self._read(status, headers, raw)
        if status == 401:
            return TokenRefused(
                f"{self.service} refused the access token (401) while {doing}: {found.message}"
            )
        if status == 403 and found.missing_scope:
            return MissingScope(
                f"{self.service} refused {doing} (403): the token lacks the scope "
                f"{self.scope}; sign in again granting it.",
                self.scope,
            )
        code = f" {found.code}" if found.code else ""
        return ApiError(
            f"{self.service} answered {status}{code} while {doing}: {found.message}",
            status,
            found.code,
        )

    def _busy(
        self,
        status: int,
        headers: Mapping[str, str],
        raw: bytes,
        doing: str,
        asked: float | None,
        why: str,
    ) -> Busy:
        found = self._read(status, headers, raw)
        return Busy(
            f"{self.service} answered {status} while {doing} ({why}): {found.message}; the next "
            "run tries again.",
            status,
            asked,
        )
