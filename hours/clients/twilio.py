"""Twilio's REST API as the phone channel uses it, over the `twilio` package's client.

The incoming phone number (found by its E.164 number, read, its webhooks updated), inbound texts
and missed calls since a moment, and `messages.create` with a `validity_period`. Every request
goes to `api_base` (a regional host or a test double), paging links included, through the
client's `http_client` hook; HTTP 429 is retried with backoff; at most one message a second
leaves each number. Every failure becomes a ProviderError that names what was being done and
Twilio's error code, never a credential; a recipient who cannot get a text raises Unreachable.

Also Studio flows (swap mode's after-hours calls when they must branch: `clients/studio.py`),
on Studio's own host, `studio.` beside `api.`; the after-hours TwiML (built with the package's
TwiML classes) and Twilio's Echo twimlet, which serves TwiML carried in its own query string.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit, urlunsplit

import requests
import urllib3
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.base.page import Page
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hours.clients import http
from hours.clients.net import Deadline, NoAnswer, check_url, hide, scrub_text
from hours.errors import MaybeSent, OutOfTime, ProviderError

DEFAULT_API_BASE = "https://api.twilio.com"
ECHO_TWIMLET = "https://twimlets.com/echo"
# A long code sends about one text a second; Twilio queues the rest, and a queue is where an
# after-hours reply goes stale. Waiting here keeps the queue empty.
SEND_INTERVAL = 1.0
PAGE_SIZE = 100
RETRIES_ON_429 = 4
# The longest wait Twilio's Retry-After is honoured for, when the deadline leaves room.
MAX_RETRY_AFTER = 60.0
# How long to wait for Twilio's answer. A reply whose answer never comes is not sent again.
HTTP_TIMEOUT = 30.0
# One answer: a page of PAGE_SIZE texts of 1,600 characters is well under it.
MAX_ANSWER_BYTES = 4 << 20
# Records one listing reads: more since the last sync is not a night's texts and calls.
MAX_RECORDS = 10_000
MISSED = ("no-answer", "busy")  # the call statuses of a call nobody picked up
# The number's settings that decide what a text or a call to it gets, in Twilio's field names.
WEBHOOK_FIELDS = (
    "sms_url",
    "sms_method",
    "sms_fallback_url",
    "voice_url",
    "voice_method",
    "voice_fallback_url",
)
# Errors that concern one recipient only: skip them rather than fail every sync from now on.
UNREACHABLE = {
    21610: "opted_out",  # the recipient texted STOP to this number
    21211: "unreachable",  # not a valid phone number
    21612: "unreachable",  # Twilio cannot route to this number
    21614: "unreachable",  # not a mobile number: a landline cannot get texts
    21408: "unreachable",  # sending to this region is not enabled on the account
    63003: "unreachable",  # WhatsApp: no such WhatsApp user
    63016: "unreachable",  # WhatsApp: outside the window in which free-form replies are allowed
    63024: "unreachable",  # WhatsApp: invalid recipient
}
_HINTS = {
    20003: "Twilio refused the Account SID or Auth Token; check them in the Twilio console",
    20404: "Twilio has no such resource on this account",
    20429: "Twilio is rate-limiting this account",
}
_SID = re.compile(r"\bAC[0-9a-fA-F]{32}\b")


class Unreachable(Exception):
    """The recipient cannot get this text (opted out, a landline, not a number); skip them."""

    def __init__(self, reason: str, code: int) -> None:
        super().__init__(f"{reason} (Twilio error {code})")
        self.reason = reason
        self.code = code


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """An incoming phone number: its SID, its webhooks, and what may override them."""

    sid: str
    phone_number: str
    webhooks: dict[str, str]  # WEBHOOK_FIELDS; an unset value is ""
    sms_application_sid: str
    voice_application_sid: str
    trunk_sid: str

    def as_json(self) -> dict[str, Any]:
        """Return the number as the journal keeps it."""
        return {
            "sid": self.sid,
            "phone_number": self.phone_number,
            "webhooks": dict(self.webhooks),
            "sms_application_sid": self.sms_application_sid,
            "voice_application_sid": self.voice_application_sid,
            "trunk_sid": self.trunk_sid,
        }


@dataclass(frozen=True, slots=True)
class Message:
    """An inbound text or WhatsApp message."""

    sid: str
    sender: str
    to: str
    body: str
    sent: dt.datetime
    messaging_service_sid: str


@dataclass(frozen=True, slots=True)
class Flow:
    """A Studio flow: its SID, name, latest revision, and the URL a number's calls go to."""

    sid: str
    name: str
    revision: int
    webhook_url: str


@dataclass(frozen=True, slots=True)
class Call:
    """An inbound call nobody answered (no-answer or busy)."""

    sid: str
    sender: str
    to: str
    status: str
    started: dt.datetime


def studio_base_for(api_base: str) -> str:
    """Return where Studio's requests go for an `api_base`: its `studio.` host beside `api.`.

    A host that is not Twilio's (a test double on loopback) serves Studio's paths as well.
    """
    parts = urlsplit(api_base.rstrip("/"))
    if not parts.netloc.startswith("api."):
        return api_base.rstrip("/")
    netloc = "studio." + parts.netloc.removeprefix("api.")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class ApiBaseHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's HTTP client, sending every request to `api_base` within the sync's deadline.

    The twilio package builds each URL from its own host (api.twilio.com, studio.twilio.com,
    and the paging links it follows); here is the one place every request passes, so the host
    is rewritten here: Studio's to `studio_base` (by default the `studio.` host beside
    `api_base`), every other to `api_base`. Each answer is read within what is left of the
    deadline and at most MAX_ANSWER_BYTES (hours.clients.http); HTTP 429 is waited out and sent
    again while its Retry-After (at most MAX_RETRY_AFTER) fits before the deadline.
    """

    def __init__(
        self,
        api_base: str = DEFAULT_API_BASE,
        *,
        studio_base: str | None = None,
        retries: int = RETRIES_ON_429,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        super().__init__(timeout=HTTP_TIMEOUT if timeout is None else timeout)
        default = api_base.rstrip("/") == DEFAULT_API_BASE
        self._base = None if default else urlsplit(api_base.rstrip("/"))
        studio = studio_base or studio_base_for(api_base)
        self._studio = None if default and not studio_base else urlsplit(studio.rstrip("/"))
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.deadline = deadline or Deadline.after(self.timeout * 4)
        self.session = http.session()
        self.doing = "talking to Twilio"  # what the requests are for, in messages
        self.refused_wait: float | None = None  # a Retry-After past the deadline, not waited

    def rewrite(self, url: str) -> str:
        """Return `url` on the configured host (the default hosts leave it as it is)."""
        parts = urlsplit(url)
        base = self._studio if parts.netloc.startswith("studio.") else self._base
        if base is None:
            return url
        path = base.path + parts.path
        return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Send one request to the configured host; wait and resend while Twilio answers 429."""
        url = self.rewrite(url)
        self.refused_wait = None
        body: dict[str, Any] = {"data": data}
        if headers and headers.get("Content-Type") in ("application/json", "application/scim+json"):
            body = {"json": data}
        attempt = 0
        while True:
            answer = http.fetch(
                self.session,
                method.upper(),
                url,
                deadline=self.deadline,
                wait=self.timeout if timeout is None else timeout,
                max_bytes=MAX_ANSWER_BYTES,
                doing=self.doing,
                params=params,
                headers=headers,
                auth=auth,
                **body,
            )
            response = Response(
                answer.status, answer.body.decode("utf-8", "replace"), answer.headers
            )
            # A 429 was not processed, so even a POST that creates a message is safe to resend.
            if response.status_code != 429 or attempt >= self.retries:
                return response
            delay = self._delay(response, attempt)
            if delay >= self.deadline.remaining():
                self.refused_wait = delay
                return response
            self.sleep(delay)
            attempt += 1

    def _delay(self, response: Response, attempt: int) -> float:
        retry_after = (response.headers or {}).get("Retry-After")
        try:
            if retry_after is not None:
                return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER)
        except ValueError:
            pass
        return float(self.backoff * 2**attempt)


# When each number last sent, shared by every client in the process (the channel's replies and
# the emergency forwarder leave from the same number).
_last_sent: dict[str, float] = {}
_pace_lock = threading.Lock()


def _pace(
    sender: str, interval: float, sleep: Callable[[float], None], deadline: Deadline, doing: str
) -> None:
    """Wait until `sender` has sent nothing for `interval` seconds, then mark it as sending.

    A wait that would end past the deadline is not begun: OutOfTime.
    """
    with _pace_lock:
        last = _last_sent.get(sender)
        now = time.monotonic()
        if last is not None and now - last < interval:
            wait = interval - (now - last)
            if wait >= deadline.remaining():
                raise deadline.out_of_time(doing)
            sleep(wait)
        _last_sent[sender] = time.monotonic()


class TwilioApi:
    """The few calls the phone channel makes, each turning Twilio's failures into ours."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base: str = DEFAULT_API_BASE,
        studio_base: str | None = None,
        http_client: ApiBaseHttpClient | None = None,
        send_interval: float | None = None,
        page_size: int = PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
    ) -> None:
        try:
            self.host = urlsplit(check_url(api_base, secret="Auth Token")).netloc
        except ValueError as e:
            raise ProviderError(f"api_base {e}") from None
        self._secrets = (account_sid, auth_token)
        hide(account_sid, auth_token)
        self.http = http_client or ApiBaseHttpClient(
            api_base, studio_base=studio_base, sleep=sleep, deadline=deadline
        )
        self.client = Client(account_sid, auth_token, http_client=self.http)
        self.send_interval = SEND_INTERVAL if send_interval is None else send_interval
        self.page_size = page_size
        self.sleep = sleep

    # -- the number --------------------------------------------------------------------

    def find_number(self, e164: str) -> PhoneNumber:
        """Return the account's incoming number `e164`, or say that the account has none."""
        with self._errors(f"looking up {e164}"):
            first = self.client.incoming_phone_numbers.page(phone_number=e164, page_size=20)
            found = self._records(first, limit=20)
        for record in found:
            if record.phone_number == e164:
                return _number(record)
        raise ProviderError(
            f"Twilio: this account has no phone number {e164}; check [autoreply.phone] number "
            "against Phone Numbers → Active numbers in the Twilio console"
        )

    def fetch_number(self, sid: str) -> PhoneNumber:
        """Return the number with this SID, read afresh."""
        with self._errors(f"reading the phone number {sid}"):
            return _number(self.client.incoming_phone_numbers(sid).fetch())

    def update_number(self, sid: str, changes: Mapping[str, str]) -> PhoneNumber:
        """Set some of the number's WEBHOOK_FIELDS ("" clears a URL) and return the result."""
        unknown = set(changes) - set(WEBHOOK_FIELDS)
        assert not unknown, unknown
        with self._errors(f"updating the phone number {sid}"):
            return _number(self.client.incoming_phone_numbers(sid).update(**changes))

    # -- what came in ------------------------------------------------------------------

    def inbound_messages(
        self, to: str, since: dt.datetime | None = None, *, limit: int | None = None
    ) -> list[Message]:
        """Return the texts (or `whatsapp:` messages) sent to `to` on or after `since`'s day.

        Twilio's date filter is day-granular and reads the date as UTC: the caller dedupes by
        SID. The client formats an aware datetime as if it were UTC, so it is given UTC.
        """
        kwargs: dict[str, Any] = {"to": to, "page_size": min(self.page_size, limit or 1000)}
        if since is not None:
            kwargs["date_sent_after"] = since.astimezone(dt.UTC)
        with self._errors(f"listing the messages to {to}"):
            first = self.client.messages.page(**kwargs)
            records = self._records(
                first, since=since, when=lambda r: r.date_sent or r.date_created, limit=limit
            )
        return [
            Message(
                sid=r.sid,
                sender=r.from_ or "",
                to=r.to or "",
                body=r.body or "",
                sent=_utc(sent),
                messaging_service_sid=r.messaging_service_sid or "",
            )
            for r in records
            if str(r.direction or "") == "inbound"
            # Twilio dates every record; one without a date cannot be placed in time at all.
            and (sent := r.date_sent or r.date_created) is not None
        ]

    def missed_calls(
        self, to: str, since: dt.datetime, *, statuses: Iterable[str] = MISSED
    ) -> list[Call]:
        """Return the calls to `to` nobody answered (no-answer, busy), from `since`'s day on."""
        after = since.astimezone(dt.UTC)
        out: list[Call] = []
        for status in statuses:
            with self._errors(f"listing the {status} calls to {to}"):
                first = self.client.calls.page(
                    to=to, status=status, start_time_after=after, page_size=self.page_size
                )
                records = self._records(
                    first, since=since, when=lambda r: r.start_time or r.date_created
                )
            out += [
                Call(
                    sid=r.sid,
                    sender=r._from or "",
                    to=r.to or "",
                    status=str(r.status),
                    started=_utc(started),
                )
                for r in records
                if str(r.direction or "") == "inbound"
                and (started := r.start_time or r.date_created) is not None
            ]
        return out

    # -- sending -----------------------------------------------------------------------

    def send(self, sender: str, to: str, body: str, *, validity_period: int) -> str:
        """Send a text (or WhatsApp message) and return its SID.

        `validity_period` (seconds, 1 to 36000) is how long Twilio may keep it queued: a reply
        that cannot leave in time is dropped instead of arriving when you are open again.
        """
        validity = max(1, min(int(validity_period), 36000))
        _pace(sender, self.send_interval, self.sleep, self.http.deadline, f"sending a text to {to}")
        try:
            with self._errors(f"sending a text to {to}", recipient=True):
                message = self.client.messages.create(
                    to=to, from_=sender, body=body, validity_period=validity
                )
        finally:
            # Counted again from the answer: a request slow to arrive must not bring the next
            # one closer than the interval at Twilio's end.
            _last_sent[sender] = time.monotonic()
        return str(message.sid)

    # -- paging ------------------------------------------------------------------------

    def _records(
        self,
        page: Page,
        *,
        since: dt.datetime | None = None,
        when: Callable[[Any], dt.datetime | None] | None = None,
        limit: int | None = None,
    ) -> list[Any]:
        """Return the records of a list, page by page, newest first as Twilio sorts them.

        Paging stops at the last page, at a page whose records are all older than `since` (what
        was read last time), and at `limit`. A `next_page_uri` pointing back at a page already
        read (a list that would never end) and more than MAX_RECORDS are refused.
        """
        seen: set[str] = set()
        records: list[Any] = []
        while True:
            found = list(page)
            records += found
            if limit is not None and len(records) >= limit:
                return records[:limit]
            if len(records) > MAX_RECORDS:
                raise ProviderError(
                    f"Twilio listed more than {MAX_RECORDS:,} records while {self.http.doing}; "
                    "that is not what came in since the last sync"
                )
            dates = [d for r in found if when is not None and (d := when(r)) is not None]
            if since is not None and dates and max(_utc(d) for d in dates) < since:
                return records
            following = page.next_page_url
            if not following:
                return records
            if following in seen:
                raise ProviderError(
                    f"Twilio's next page is one it already gave while {self.http.doing} (a list "
                    "that never ends); the next sync tries again"
                )
            seen.add(following)
            page = page.next_page()

    # -- Studio flows --------------------------------------------------------------------

    def validate_flow(self, name: str, definition: dict[str, Any]) -> None:
        """Have Studio check a definition; a refusal is a ProviderError saying why."""
        with self._errors(f"checking the Studio flow {name!r}"):
            answer = self.client.studio.v2.flow_validate.update(
                friendly_name=name, status="published", definition=definition
            )
        if answer.valid is False:
            raise ProviderError(f"Twilio Studio found the flow {name!r} not valid")

    def create_flow(self, name: str, definition: dict[str, Any], message: str) -> Flow:
        """Create and publish a flow; return it."""
        with self._errors(f"creating the Studio flow {name!r}"):
            return _flow(
                self.client.studio.v2.flows.create(
                    friendly_name=name,
                    status="published",
                    definition=definition,
                    commit_message=message,
                )
            )

    def update_flow(self, sid: str, definition: dict[str, Any], message: str) -> Flow:
        """Publish a new revision of a flow's definition; return the flow."""
        with self._errors(f"updating the Studio flow {sid}"):
            return _flow(
                self.client.studio.v2.flows(sid).update(
                    status="published", definition=definition, commit_message=message
                )
            )

    def fetch_flow(self, sid: str) -> Flow | None:
        """Return a flow, or None when there is none with that SID (deleted in the console)."""
        with self._errors(f"reading the Studio flow {sid}", missing=True) as found:
            found.append(self.client.studio.v2.flows(sid).fetch())
        return _flow(found[0]) if found else None

    def find_flow(self, name: str) -> Flow | None:
        """Return the account's flow called `name`, or None."""
        with self._errors("listing the Studio flows"):
            flows = list(self.client.studio.v2.flows.stream(page_size=PAGE_SIZE))
        return next((_flow(f) for f in flows if f.friendly_name == name), None)

    def delete_flow(self, sid: str) -> bool:
        """Delete a flow; return False when it was not there (deleted already)."""
        with self._errors(f"deleting the Studio flow {sid}", missing=True) as deleted:
            deleted.append(self.client.studio.v2.flows(sid).delete())
        return bool(deleted)

    # -- errors ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(
        self, doing: str, *, recipient: bool = False, missing: bool = False
    ) -> Iterator[list[Any]]:
        """Turn Twilio's failures into ours; with `missing`, a 404 is no failure (yields nothing)."""
        self.http.doing = doing
        try:
            yield []
        except TwilioRestException as e:
            if missing and e.status == 404:
                return
            self._fail(doing, e.status, e.code, str(e.msg or ""), recipient)
        except TwilioServiceException as e:
            self._fail(doing, e.status, e.code, str(e.detail or e.title or ""), recipient)
        except TwilioException as e:
            # A page that failed: the package raises ("Unable to fetch page", response).
            response = next((a for a in e.args if isinstance(a, Response)), None)
            status, code, message = _parse_error(response)
            self._fail(doing, status, code, message or str(e.args[0] if e.args else ""), recipient)
        except OutOfTime:
            raise
        except (KeyError, ValueError, TypeError, AttributeError) as e:
            # An answer the package could not read (not JSON, a page without its records, a
            # list for a record): Twilio's, or something in its place, but nothing to go on.
            raise ProviderError(
                f"Twilio: an answer from {self.host} could not be read while {doing} "
                f"({type(e).__name__}); the next sync tries again"
            ) from None
        except (NoAnswer, OSError) as e:
            # requests' errors are OSErrors: refused, reset, timed out, TLS; NoAnswer is a
            # wait that passed its limit before the deadline did.
            kind = "ReadTimeout" if isinstance(e, NoAnswer) else type(e).__name__
            if recipient and (isinstance(e, NoAnswer) or _maybe_delivered(e)):
                raise MaybeSent(
                    f"Twilio: no answer from {self.host} while {doing} ({kind}); "
                    "it may have been sent, so it is not sent again"
                ) from None
            raise ProviderError(
                f"Twilio: cannot reach {self.host} while {doing} ({kind}); the next "
                "sync tries again"
            ) from None

    def _fail(
        self, doing: str, status: int, code: int | None, message: str, recipient: bool
    ) -> NoReturn:
        if recipient and code in UNREACHABLE:
            raise Unreachable(UNREACHABLE[code], code)
        message = re.sub(r"^Unable to \w+ (record|page): ", "", message).strip()
        message = _SID.sub("AC…", message)
        for secret in self._secrets:
            if secret:
                message = message.replace(secret, "…")
        # Twilio's own words may quote the request: the Authorization header's base64, the
        # form's percent-encoding, JSON escapes.
        message = scrub_text(message, *self._secrets)
        if status == 429 and self.http.refused_wait is not None:
            message = (
                f"rate-limited; it asked to wait {self.http.refused_wait:g} s, past this sync's "
                "deadline; the next sync tries again"
            )
        elif status == 429:
            message = (
                f"still rate-limited after {RETRIES_ON_429 + 1} tries; the next sync tries again"
            )
        error = f" (error {code})" if code and code != status else ""
        hint = _HINTS.get(code or 0)
        text = f"Twilio answered {status}{error} while {doing}: {message or 'no detail'}"
        raise ProviderError(f"{text}. {hint}" if hint else text) from None


def _maybe_delivered(error: OSError) -> bool:
    """Tell whether a request may have reached Twilio before `error` (not a failed connect)."""
    never_sent = (
        requests.exceptions.ConnectTimeout,
        requests.exceptions.SSLError,
        requests.exceptions.ProxyError,
    )
    if isinstance(error, never_sent):
        return False
    if isinstance(error, requests.exceptions.ConnectionError):
        reason = getattr(error.args[0] if error.args else None, "reason", None)
        return not isinstance(reason, urllib3.exceptions.NewConnectionError)
    return isinstance(error, requests.exceptions.RequestException)


def _parse_error(response: Response | None) -> tuple[int, int | None, str]:
    if response is None:
        return 0, None, ""
    try:
        body = json.loads(response.text)
    except (TypeError, ValueError):
        return response.status_code, None, ""
    if not isinstance(body, dict):
        return response.status_code, None, ""
    code = body.get("code")
    return (
        response.status_code,
        code if isinstance(code, int) else None,
        str(body.get("message") or body.get("detail") or ""),
    )


def _number(record: Any) -> PhoneNumber:
    return PhoneNumber(
        sid=str(record.sid),
        phone_number=str(record.phone_number or ""),
        webhooks={name: str(getattr(record, name, None) or "") for name in WEBHOOK_FIELDS},
        sms_application_sid=str(record.sms_application_sid or ""),
        voice_application_sid=str(record.voice_application_sid or ""),
        trunk_sid=str(record.trunk_sid or ""),
    )


def _flow(record: Any) -> Flow:
    return Flow(
        sid=str(record.sid),
        name=str(record.friendly_name or ""),
        revision=int(record.revision or 0),
        webhook_url=str(record.webhook_url or ""),
    )


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


# -- TwiML -----------------------------------------------------------------------------------


def message_twiml(text: str) -> str:
    """Return the TwiML that answers a text with `text`."""
    response = MessagingResponse()
    response.message(text)
    return str(response.to_xml(xml_declaration=False))


def voice_twiml(greeting: str) -> str:
    """Return the TwiML that speaks `greeting`, records a voicemail, and hangs up.

    Without an `action`, Twilio would fetch this same document again after the recording and
    play the greeting twice; the action is a document that only hangs up.
    """
    hangup = VoiceResponse()
    hangup.hangup()
    response = VoiceResponse()
    response.say(greeting)
    response.record(
        action=echo_url(str(hangup.to_xml(xml_declaration=False))),
        method="GET",
        max_length=120,
        play_beep=True,
    )
    response.hangup()
    return str(response.to_xml(xml_declaration=False))


def echo_url(twiml: str) -> str:
    """Return the URL of Twilio's Echo twimlet serving `twiml`."""
    return f"{ECHO_TWIMLET}?Twiml={quote(twiml, safe='')}"


def is_echo_url(url: str) -> bool:
    """Tell whether `url` is an Echo twimlet URL (as `echo_url` makes them)."""
    return url.startswith(f"{ECHO_TWIMLET}?")


def changed(current: Mapping[str, str], desired: Mapping[str, str]) -> dict[str, str]:
    """Return the fields of `desired` that differ from `current`, as an update would send them.

    An empty method is never sent (Twilio keeps its default, POST); an empty URL is, to clear it.
    """
    return {
        k: v
        for k, v in desired.items()
        if (current.get(k) or "") != (v or "") and not (k.endswith("_method") and not v)
    }


def same(current: Mapping[str, str], desired: Mapping[str, str], fields: Iterable[str]) -> bool:
    """Tell whether the `fields` of two webhook settings match (an unset value is "")."""
    return all((current.get(k) or "") == (desired.get(k) or "") for k in fields)
