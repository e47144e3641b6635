"""A stateful fake of the Twilio REST API (2010-04-01) over HTTP on 127.0.0.1.

Enough of it for the phone channel, behaving as Twilio does where the channel depends on it:
incoming phone numbers (list by PhoneNumber, fetch, update), messages (list with To and the
day-granular `DateSent>` filter, create), calls (list with To, Status and `StartTime>`), newest
first, paged with `next_page_uri`; and Studio v2 flows (create, validate, fetch, update with a
new revision each time, delete, list paged with `meta`), whose definitions are held to the
flow schema's rules (`flow_problems`). Basic auth is checked. Failures are injected by method and
path (`fail`), opted-out recipients answer 21610, and a create can be made to hang (`hang_on`)
so a test can kill the client mid-send.

It is strict where Twilio is lenient (an unknown parameter is a 400), so a typo in the channel
fails here rather than being silently ignored by the real thing.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.servers import http_thread

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
API = "/2010-04-01"
NUMBER_FIELDS = {
    "SmsUrl": "sms_url",
    "SmsMethod": "sms_method",
    "SmsFallbackUrl": "sms_fallback_url",
    "SmsFallbackMethod": "sms_fallback_method",
    "VoiceUrl": "voice_url",
    "VoiceMethod": "voice_method",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceFallbackMethod": "voice_fallback_method",
    "SmsApplicationSid": "sms_application_sid",
    "VoiceApplicationSid": "voice_application_sid",
    "TrunkSid": "trunk_sid",
    "FriendlyName": "friendly_name",
}


def sid(prefix: str) -> str:
    """Return a new SID like Twilio's: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def _iso_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _flow_record(
    account_sid: str, flow_sid: str, name: str, definition: Any, now: str
) -> dict[str, Any]:
    return {
        "sid": flow_sid,
        "account_sid": account_sid,
        "friendly_name": name,
        "definition": definition,
        "status": "published",
        "revision": 1,
        "commit_message": None,
        "valid": True,
        "errors": [],
        "warnings": [],
        "date_created": now,
        "date_updated": now,
        "webhook_url": f"https://webhooks.twilio.com/v1/Accounts/{account_sid}/Flows/{flow_sid}",
        "url": f"https://studio.twilio.com/v2/Flows/{flow_sid}",
        "links": {},
    }


def rfc2822(value: dt.datetime) -> str:
    """Return a date as Twilio writes it: "Mon, 23 Nov 2026 19:00:00 +0000"."""
    return email.utils.format_datetime(value.astimezone(dt.UTC)).replace("-0000", "+0000")


@dataclass
class Failure:
    """An injected failure: the next `times` requests matching method and path get `status`."""

    method: str
    path: str
    status: int
    code: int | None
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "injected failure"


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    host: str
    at: float  # time.monotonic()


class TwilioFake:
    """The fake's state, and the server that serves it."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.numbers: dict[str, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.flows: dict[str, dict[str, Any]] = {}
        self.requests: list[Seen] = []
        self.opted_out: set[str] = set()
        self.unreachable: dict[str, int] = {}  # number -> Twilio error code
        self.max_page_size = 1000
        self.failures: list[Failure] = []
        self.lock = threading.RLock()
        self.hang_on: int | None = None  # the Nth message create hangs (after it is stored)
        self.hanging = threading.Event()
        self.release = threading.Event()
        self._creates = 0
        self._server: ThreadingHTTPServer | None = None

    # -- running -------------------------------------------------------------------------

    def start(self) -> TwilioFake:
        """Serve on a free port of 127.0.0.1, in a thread."""
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = http_thread.serve(Handler)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.release.set()
        http_thread.stop(self._server)

    @property
    def url(self) -> str:
        """Return the base URL, for `api_base`."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- state ---------------------------------------------------------------------------

    def add_number(self, phone_number: str, **fields: str) -> str:
        """Add an incoming phone number with these settings; return its SID."""
        number_sid = sid("PN")
        now = rfc2822(dt.datetime.now(dt.UTC))
        record: dict[str, Any] = {
            "sid": number_sid,
            "account_sid": self.account_sid,
            "phone_number": phone_number,
            "friendly_name": phone_number,
            "sms_url": "",
            "sms_method": "POST",
            "sms_fallback_url": "",
            "sms_fallback_method": "POST",
            "voice_url": "",
            "voice_method": "POST",
            "voice_fallback_url": "",
            "voice_fallback_method": "POST",
            "sms_application_sid": "",
            "voice_application_sid": "",
            "trunk_sid": None,
            "status_callback": "",
            "status_callback_method": "POST",
            "voice_caller_id_lookup": False,
            "voice_receive_mode": "voice",
            "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
            "date_created": now,
            "date_updated": now,
            "api_version": "2010-04-01",
            "status": "in-use",
            "uri": f"{API}/Accounts/{self.account_sid}/IncomingPhoneNumbers/{number_sid}.json",
        }
        record.update(fields)
        self.numbers[number_sid] = record
        return number_sid

    def number(self, phone_number: str) -> dict[str, Any]:
        """Return a copy of a number's record."""
        return dict(next(n for n in self.numbers.values() if n["phone_number"] == phone_number))

    def receive(
        self,
        sender: str,
        to: str,
        body: str,
        at: dt.datetime,
        *,
        messaging_service_sid: str | None = None,
    ) -> str:
        """Record an inbound message (a text, or WhatsApp with `whatsapp:` addresses)."""
        message_sid = sid("SM")
        with self.lock:
            self.messages.append(
                self._message(
                    message_sid, sender, to, body, at, "inbound", "received", messaging_service_sid
                )
            )
        return message_sid

    def missed_call(self, sender: str, to: str, at: dt.datetime, status: str = "no-answer") -> str:
        """Record an inbound call nobody answered (or another status)."""
        call_sid = sid("CA")
        with self.lock:
            self.calls.append(
                {
                    "sid": call_sid,
                    "account_sid": self.account_sid,
                    "from": sender,
                    "from_formatted": sender,
                    "to": to,
                    "to_formatted": to,
                    "status": status,
                    "direction": "inbound",
                    "start_time": rfc2822(at),
                    "end_time": rfc2822(at + dt.timedelta(seconds=30)),
                    "date_created": rfc2822(at),
                    "date_updated": rfc2822(at),
                    "duration": "0",
                    "parent_call_sid": None,
                    "api_version": "2010-04-01",
                    "uri": f"{API}/Accounts/{self.account_sid}/Calls/{call_sid}.json",
                    "_at": at.astimezone(dt.UTC),
                }
            )
        return call_sid

    def sent(self, to: str | None = None) -> list[dict[str, Any]]:
        """Return the messages created through the API (to `to`, if given), oldest first."""
        with self.lock:
            return [
                m
                for m in self.messages
                if m["direction"] == "outbound-api" and (to is None or m["to"] == to)
            ]

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        code: int | None = None,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        message: str = "injected failure",
    ) -> None:
        """Make the next `times` requests whose path contains `path` answer `status`."""
        with self.lock:
            self.failures.append(Failure(method, path, status, code, times, headers or {}, message))

    def add_flow(self, name: str, definition: dict[str, Any]) -> str:
        """Add a flow as if made elsewhere (the console, or a request whose answer was lost)."""
        flow_sid = sid("FW")
        now = _iso_now()
        with self.lock:
            self.flows[flow_sid] = _flow_record(self.account_sid, flow_sid, name, definition, now)
        return flow_sid

    def edit_flow(self, flow_sid: str, definition: dict[str, Any]) -> None:
        """Change a flow as someone in the Twilio console would: a new revision."""
        with self.lock:
            record = self.flows[flow_sid]
            record["definition"] = definition
            record["revision"] += 1
            record["commit_message"] = "edited in the console"

    def seen(self, method: str, path_part: str) -> list[Seen]:
        """Return the requests received with this method and a path containing `path_part`."""
        with self.lock:
            return [r for r in self.requests if r.method == method and path_part in r.path]

    # -- building records ----------------------------------------------------------------

    def _message(
        self,
        message_sid: str,
        sender: str,
        to: str,
        body: str,
        at: dt.datetime,
        direction: str,
        status: str,
        messaging_service_sid: str | None = None,
    ) -> dict[str, Any]:
        return {
            "sid": message_sid,
            "account_sid": self.account_sid,
            "from": sender,
            "to": to,
            "body": body,
            "direction": direction,
            "status": status,
            "date_created": rfc2822(at),
            "date_sent": rfc2822(at),
            "date_updated": rfc2822(at),
            "messaging_service_sid": messaging_service_sid,
            "num_segments": "1",
            "num_media": "0",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "api_version": "2010-04-01",
            "uri": f"{API}/Accounts/{self.account_sid}/Messages/{message_sid}.json",
            "subresource_uris": {},
            "_at": at.astimezone(dt.UTC),
        }


# What the flow definition schema (https://schemas.twilio.com/studio/draft/2019-09/...) asks of
# every definition, and the widgets the channel uses with the events each may have.
WIDGET_EVENTS = {
    "trigger": {
        "incomingMessage",
        "incomingCall",
        "incomingConversationMessage",
        "incomingRequest",
        "incomingParent",
    },
    "say-play": {"audioComplete"},
    "gather-input-on-call": {"keypress", "speech", "timeout"},
    "split-based-on": {"noMatch", "match"},
    "connect-call-to": {"callCompleted", "hangup"},
    "record-voicemail": {"recordingComplete", "noAudio", "hangup"},
}


def flow_problems(definition: Any) -> list[str]:
    """Return what is wrong with a flow definition, as Studio's validation would say it."""
    if not isinstance(definition, dict):
        return ["the definition is not a JSON object"]
    problems = []
    flags = definition.get("flags")
    if not isinstance(flags, dict) or not isinstance(flags.get("allow_concurrent_calls"), bool):
        problems.append("flags.allow_concurrent_calls is required")
    states = definition.get("states")
    if not isinstance(states, list) or not 1 <= len(states) <= 1000:
        return [*problems, "states must hold 1 to 1000 widgets"]
    names = [s.get("name") for s in states if isinstance(s, dict)]
    if len(names) != len(states) or len(set(names)) != len(names):
        problems.append("every widget needs a name of its own")
    if definition.get("initial_state") not in names:
        problems.append("initial_state names no widget")
    for state in states:
        if not isinstance(state, dict):
            continue
        kind, name = state.get("type"), state.get("name")
        if kind not in WIDGET_EVENTS:
            problems.append(f"{name}: unknown widget type {kind!r}")
            continue
        if not isinstance(state.get("properties"), dict):
            problems.append(f"{name}: properties must be an object")
        for t in state.get("transitions", []):
            if t.get("event") not in WIDGET_EVENTS[kind]:
                problems.append(f"{name}: {kind} has no event {t.get('event')!r}")
            if "next" in t and t["next"] not in names:
                problems.append(f"{name}: {t['event']} goes to no widget {t['next']!r}")
    return problems


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _day_filter(value: str | None) -> dt.date | None:
    """Read a `DateSent>`-style filter the way Twilio does: by its (UTC) date alone."""
    if not value:
        return None
    return dt.date.fromisoformat(value[:10])


class _Handler(BaseHTTPRequestHandler):
    fake: TwilioFake
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- plumbing ------------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(
        self, status: int, code: int | None, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self._send(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            headers,
        )

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        with fake.lock:
            fake.requests.append(
                Seen(
                    method, parts.path, query, form, self.headers.get("Host", ""), time.monotonic()
                )
            )
            failure = next(
                (
                    f
                    for f in fake.failures
                    if f.method == method and f.path in parts.path and f.times > 0
                ),
                None,
            )
            if failure is not None:
                failure.times -= 1
        if failure is not None:
            self._error(failure.status, failure.code, failure.message, failure.headers)
            return
        expected = (
            "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
        )
        if self.headers.get("Authorization") != expected:
            self._error(401, 20003, "Authenticate")
            return
        if parts.path == "/v2/Flows" or parts.path.startswith("/v2/Flows/"):
            self._studio(method, parts.path, query, form)
            return
        prefix = f"{API}/Accounts/{fake.account_sid}/"
        if not parts.path.startswith(prefix):
            self._error(404, 20404, f"The requested resource {parts.path} was not found")
            return
        route = parts.path[len(prefix) :]
        if route == "IncomingPhoneNumbers.json" and method == "GET":
            self._list(parts.path, query, "incoming_phone_numbers", self._numbers(query))
        elif route.startswith("IncomingPhoneNumbers/") and route.endswith(".json"):
            self._one_number(method, route.split("/")[1][: -len(".json")], form)
        elif route == "Messages.json" and method == "GET":
            self._list(parts.path, query, "messages", self._messages(query))
        elif route == "Messages.json" and method == "POST":
            self._create_message(form)
        elif route == "Calls.json" and method == "GET":
            self._list(parts.path, query, "calls", self._calls(query))
        else:
            self._error(404, 20404, f"The requested resource {parts.path} was not found")

    # -- Studio --------------------------------------------------------------------------

    def _studio(self, method: str, path: str, query: dict[str, str], form: dict[str, str]) -> None:
        fake = self.fake
        rest = path.removeprefix("/v2/Flows").strip("/")
        if method == "GET" and not rest:
            self._flows_page(query)
        elif method == "POST" and rest in ("", "Validate"):
            definition = self._flow_form(form, required=("FriendlyName", "Status", "Definition"))
            if definition is None:
                return
            if rest == "Validate":
                self._send(200, {"valid": True})
                return
            flow_sid = sid("FW")
            record = _flow_record(
                fake.account_sid, flow_sid, form["FriendlyName"], definition, _iso_now()
            )
            record |= {"status": form["Status"], "commit_message": form.get("CommitMessage")}
            with fake.lock:
                fake.flows[flow_sid] = record
            self._send(201, record)
        elif rest and "/" not in rest:
            with fake.lock:
                record = fake.flows.get(rest)
            if record is None:
                self._error(404, 20404, f"The requested resource {path} was not found")
            elif method == "GET":
                self._send(200, record)
            elif method == "DELETE":
                with fake.lock:
                    del fake.flows[rest]
                self._empty(204)
            else:
                definition = self._flow_form(form, required=("Status",))
                if definition is None and "Definition" in form:
                    return
                with fake.lock:
                    if definition is not None:
                        record["definition"] = definition
                    record["status"] = form["Status"]
                    record["revision"] += 1
                    record["commit_message"] = form.get("CommitMessage")
                    record["date_updated"] = _iso_now()
                self._send(200, record)
        else:
            self._error(404, 20404, f"The requested resource {path} was not found")

    def _flow_form(self, form: dict[str, str], *, required: tuple[str, ...]) -> Any:
        """Check a flow's form; answer 400 and return None if it is wrong, else its definition."""
        unknown = set(form) - {"FriendlyName", "Status", "Definition", "CommitMessage"}
        missing = [k for k in required if k not in form]
        if unknown or missing:
            self._error(400, 20001, f"Unknown {sorted(unknown)} or missing {missing} parameters")
            return None
        if "Status" in form and form["Status"] not in ("draft", "published"):
            self._error(400, 20001, "Status must be draft or published")
            return None
        if "Definition" not in form:
            return None
        try:
            definition = json.loads(form["Definition"])
        except ValueError:
            self._error(400, 20001, "Definition is not JSON")
            return None
        problems = flow_problems(definition)
        if problems:
            self._error(400, 20001, "Invalid flow definition: " + "; ".join(problems))
            return None
        return definition

    def _flows_page(self, query: dict[str, str]) -> None:
        size = min(int(query.get("PageSize", "50")), self.fake.max_page_size)
        page = int(query.get("Page", "0"))
        with self.fake.lock:
            records = sorted(self.fake.flows.values(), key=lambda f: f["date_created"])
        chunk = records[page * size : (page + 1) * size]
        base = "https://studio.twilio.com/v2/Flows"
        more = len(records) > (page + 1) * size
        self._send(
            200,
            {
                "flows": chunk,
                "meta": {
                    "key": "flows",
                    "page": page,
                    "page_size": size,
                    "first_page_url": f"{base}?PageSize={size}&Page=0",
                    "previous_page_url": f"{base}?PageSize={size}&Page={page - 1}"
                    if page
                    else None,
                    "url": f"{base}?PageSize={size}&Page={page}",
                    "next_page_url": f"{base}?PageSize={size}&Page={page + 1}&PageToken=PA1"
                    if more
                    else None,
                },
            },
        )

    def _empty(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # -- resources -----------------------------------------------------------------------

    def _list(self, path: str, query: dict[str, str], key: str, records: list[Any]) -> None:
        known = {"PageSize", "Page", "PageToken", "To", "From", "Status", "PhoneNumber"}
        known |= {"DateSent>", "StartTime>"}
        unknown = set(query) - known
        if unknown:
            self._error(400, 20001, f"Unknown parameters {sorted(unknown)}")
            return
        size = min(int(query.get("PageSize", "50")), self.fake.max_page_size)
        page = int(query.get("Page", "0"))
        chunk = records[page * size : (page + 1) * size]
        more = len(records) > (page + 1) * size
        base = {k: v for k, v in query.items() if k not in ("Page", "PageToken", "PageSize")}

        def uri(n: int, token: bool) -> str:
            params = base | {"PageSize": str(size), "Page": str(n)}
            if token:
                params["PageToken"] = f"PA{secrets.token_hex(8)}"
            return f"{path}?{urlencode(params)}"

        self._send(
            200,
            {
                key: [_public(r) for r in chunk],
                "page": page,
                "page_size": size,
                "start": page * size,
                "end": page * size + max(len(chunk) - 1, 0),
                "uri": uri(page, page > 0),
                "first_page_uri": uri(0, False),
                "next_page_uri": uri(page + 1, True) if more else None,
                "previous_page_uri": uri(page - 1, page > 1) if page else None,
            },
        )

    def _numbers(self, query: dict[str, str]) -> list[dict[str, Any]]:
        wanted = query.get("PhoneNumber")
        with self.fake.lock:
            return [n for n in self.fake.numbers.values() if wanted in (None, n["phone_number"])]

    def _messages(self, query: dict[str, str]) -> list[dict[str, Any]]:
        day = _day_filter(query.get("DateSent>"))
        with self.fake.lock:
            found = [
                m
                for m in self.fake.messages
                if query.get("To") in (None, m["to"])
                and query.get("From") in (None, m["from"])
                and (day is None or m["_at"].date() >= day)
            ]
        return sorted(found, key=lambda m: m["_at"], reverse=True)

    def _calls(self, query: dict[str, str]) -> list[dict[str, Any]]:
        day = _day_filter(query.get("StartTime>"))
        with self.fake.lock:
            found = [
                c
                for c in self.fake.calls
                if query.get("To") in (None, c["to"])
                and query.get("Status") in (None, c["status"])
                and (day is None or c["_at"].date() >= day)
            ]
        return sorted(found, key=lambda c: c["_at"], reverse=True)

    def _one_number(self, method: str, number_sid: str, form: dict[str, str]) -> None:
        fake = self.fake
        with fake.lock:
            record = fake.numbers.get(number_sid)
            if record is None:
                self._error(404, 20404, f"The requested resource {number_sid} was not found")
                return
            if method == "POST":
                unknown = set(form) - set(NUMBER_FIELDS)
                if unknown:
                    self._error(400, 20001, f"Unknown parameters {sorted(unknown)}")
                    return
                for name, value in form.items():
                    if name.endswith("Method") and value not in ("GET", "POST"):
                        self._error(400, 20001, f"{name} must be GET or POST")
                        return
                for name, value in form.items():
                    record[NUMBER_FIELDS[name]] = value
                record["date_updated"] = rfc2822(dt.datetime.now(dt.UTC))
            body = dict(record)
        self._send(200, body)

    def _create_message(self, form: dict[str, str]) -> None:
        fake = self.fake
        unknown = set(form) - {"To", "From", "Body", "ValidityPeriod"}
        if unknown:
            self._error(400, 20001, f"Unknown parameters {sorted(unknown)}")
            return
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to or not sender or not body:
            self._error(400, 21604, "A 'To', 'From' and 'Body' are required")
            return
        validity = form.get("ValidityPeriod")
        if validity is not None and not (validity.isdigit() and 1 <= int(validity) <= 36000):
            self._error(400, 21623, "ValidityPeriod must be an integer from 1 to 36000")
            return
        own = {n["phone_number"] for n in fake.numbers.values()}
        if sender.removeprefix("whatsapp:") not in own:
            self._error(400, 21606, f"The From phone number {sender} is not yours")
            return
        if to.removeprefix("whatsapp:") in fake.opted_out:
            self._error(400, 21610, "Attempt to send to unsubscribed recipient")
            return
        if to in fake.unreachable:
            self._error(400, fake.unreachable[to], f"The 'To' number {to} cannot be reached")
            return
        message_sid = sid("SM")
        record = fake._message(
            message_sid, sender, to, body, dt.datetime.now(dt.UTC), "outbound-api", "queued"
        )
        record["_validity_period"] = int(validity) if validity else None
        record["_monotonic"] = time.monotonic()
        with fake.lock:
            fake.messages.append(record)
            fake._creates += 1
            hang = fake.hang_on is not None and fake._creates == fake.hang_on
        if hang:
            fake.hanging.set()
            fake.release.wait(30)
        self._send(201, _public(record))
