"""An OAuth2 authorization server on loopback, for tests: the endpoints Google and Microsoft run.

- `/authorize`: the test plays the browser: GET the authorization URL and the server redirects
  to the loopback `redirect_uri` with a code and the state (or `error=access_denied`).
- `/token`: authorization_code (PKCE S256 checked, and the client secret if the client has
  one), refresh_token (optionally rotating it), and the device code grant.
- `/devicecode`, `/revoke` (RFC 7009) and `/introspect` (RFC 7662, which Dovecot calls).

Faults are queued per path (`inject("/token", "html", "500")`): each request to that path
answers the next fault instead. Every request is recorded; access tokens expire on command.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from tests.servers import http_thread
from tests.servers.smtp import free_port

FAULTS = (
    "html",  # 200 with a captive portal's HTML page
    "not_json",  # 200 text/plain
    "500",  # an internal server error with an HTML body
    "invalid_grant",
    "invalid_client",
    "authorization_pending",
    "slow_down",
    "expired_token",
    "access_denied",  # at /token: the device code declined; at /authorize: redirect with it
)


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    user: str
    used: bool = False


@dataclass
class _Token:
    user: str
    scope: str
    client_id: str
    expires_at: float  # epoch seconds, as RFC 7662's `exp`
    revoked: bool = False
    refresh: str | None = None  # the refresh token this one came from


@dataclass
class _Refresh:
    user: str
    scope: str
    client_id: str
    revoked: bool = False


@dataclass
class _State:
    clients: dict[str, str | None] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    access: dict[str, _Token] = field(default_factory=dict)
    refresh: dict[str, _Refresh] = field(default_factory=dict)
    # device code: (client ID, scope, user code)
    devices: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # Every code, device code and token ever handed out, for tests that look for leaks.
    issued: list[str] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)


class OAuthServer:
    """Run the authorization server in a thread on 127.0.0.1; one user signs in."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self.reset()

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> OAuthServer:
        """Start serving in a daemon thread."""
        self._httpd = http_thread.serve(_handler(self), self.port)
        return self

    def stop(self) -> None:
        """Stop serving."""
        http_thread.stop(self._httpd)
        self._httpd = None

    def reset(self) -> None:
        """Forget every client, token, fault and recorded request; restore the defaults."""
        with self.lock:
            self._state = _State()
            # Who signs in at /authorize and with a device code; tests may change these.
            self.user = "sam@example.test"
            self.access_lifetime = 3600
            self.device_interval = 5
            self.device_expires_in = 900
            self.rotate_refresh_tokens = False

    def url(self, path: str) -> str:
        """Return the URL of one of the server's paths."""
        return f"http://{self.host}:{self.port}{path}"

    def endpoint_overrides(self) -> dict[str, str]:
        """Return every endpoint of this server, by the names hours uses."""
        return {
            "authorization": self.url("/authorize"),
            "token": self.url("/token"),
            "device": self.url("/devicecode"),
            "revocation": self.url("/revoke"),
        }

    # -- what tests arrange --------------------------------------------------------------

    def register_client(self, client_id: str, secret: str | None = None) -> None:
        """Accept a client ID (with its secret, which /token then requires)."""
        with self.lock:
            self._state.clients[client_id] = secret

    def inject(self, path: str, *faults: str) -> None:
        """Queue faults for a path: each of its next requests answers one, in order."""
        for fault in faults:
            assert fault in FAULTS, fault
        with self.lock:
            self._state.faults.setdefault(path, []).extend(faults)

    def issue_access_token(
        self, user: str, *, scope: str = "mail", lifetime: int | None = None, size: int = 0
    ) -> str:
        """Issue an access token directly, as if a login had happened.

        `size` pads it to that many characters: Microsoft's run to a few thousand.
        """
        with self.lock:
            return self._new_access(user, scope, "direct", lifetime=lifetime, size=size)

    def issue_refresh_token(self, client_id: str, *, scope: str = "mail") -> str:
        """Issue a refresh token directly, as if `hours login` had signed in and stored it."""
        with self.lock:
            return self._new_refresh(self.user, scope, client_id)

    def expire(self, token: str | None = None) -> None:
        """Make one access token (or every one) expired from now on."""
        with self.lock:
            for key, record in self._state.access.items():
                if token is None or key == token:
                    record.expires_at = time.time() - 1

    def revoke_refresh_tokens(self) -> None:
        """Revoke every refresh token, as a user removing the app's access does."""
        with self.lock:
            for record in self._state.refresh.values():
                record.revoked = True

    # -- what tests read -----------------------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        """Return every request so far."""
        with self.lock:
            return list(self._state.requests)

    def requests_to(self, path: str) -> list[Recorded]:
        """Return the requests to one path."""
        return [r for r in self.requests if r.path == path]

    def active(self, token: str) -> bool:
        """Tell whether an access token would pass introspection now."""
        with self.lock:
            record = self._state.access.get(token)
            return record is not None and not record.revoked and record.expires_at > time.time()

    def refresh_token_active(self, token: str) -> bool:
        """Tell whether a refresh token is still honoured."""
        with self.lock:
            record = self._state.refresh.get(token)
            return record is not None and not record.revoked

    def secrets_issued(self) -> list[str]:
        """Return every code, token and client secret this server handed out or knows."""
        with self.lock:
            return [*self._state.issued, *(s for s in self._state.clients.values() if s)]

    # -- behind the lock -----------------------------------------------------------------

    def _new_access(
        self,
        user: str,
        scope: str,
        client_id: str,
        *,
        lifetime: int | None = None,
        refresh: str | None = None,
        size: int = 0,
    ) -> str:
        token = f"ya29.test-{secrets.token_urlsafe(24)}"
        token += "A" * max(0, size - len(token))
        self._state.issued.append(token)
        seconds = self.access_lifetime if lifetime is None else lifetime
        self._state.access[token] = _Token(
            user, scope, client_id, time.time() + seconds, refresh=refresh
        )
        return token

    def _new_refresh(self, user: str, scope: str, client_id: str) -> str:
        token = f"1//test-refresh-{secrets.token_urlsafe(24)}"
        self._state.issued.append(token)
        self._state.refresh[token] = _Refresh(user, scope, client_id)
        return token

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self._state.requests.append(
                Recorded(method, path, query, form, headers, time.monotonic())
            )
            queue = self._state.faults.get(path)
            fault = queue.pop(0) if queue else None
            if fault is not None and not (path == "/authorize" and fault == "access_denied"):
                return _fault(fault)
            if path == "/authorize" and method == "GET":
                return self._authorize(query, denied=fault == "access_denied")
            if method != "POST":
                return _json(405, {"error": "invalid_request"})
            if path == "/token":
                return self._token(form, headers)
            if path == "/devicecode":
                return self._devicecode(form)
            if path == "/revoke":
                return self._revoke(form)
            if path == "/introspect":
                return self._introspect(form)
            return _json(404, {"error": "not_found"})

    def _authorize(self, q: dict[str, str], *, denied: bool) -> tuple[int, dict[str, str], bytes]:
        redirect = q.get("redirect_uri", "")
        host = urllib.parse.urlsplit(redirect).hostname
        problems = [
            q.get("client_id") not in self._state.clients and "unknown client",
            q.get("response_type") != "code" and "response_type must be code",
            host != "127.0.0.1" and "redirect_uri must be on 127.0.0.1",
            q.get("code_challenge_method") != "S256" and "code_challenge_method must be S256",
            not q.get("code_challenge") and "no code_challenge",
            not q.get("state") and "no state",
        ]
        problem = next((p for p in problems if p), None)
        if problem:
            # Providers show an error page rather than redirecting to an unchecked URI.
            return 400, {"Content-Type": "text/html"}, f"<h1>Error 400: {problem}</h1>".encode()
        if denied:
            params = {"error": "access_denied", "state": q["state"]}
        else:
            code = f"4/test-code-{secrets.token_urlsafe(16)}"
            self._state.issued.append(code)
            self._state.codes[code] = _Code(
                q["client_id"], redirect, q["code_challenge"], q.get("scope", ""), self.user
            )
            params = {"code": code, "state": q["state"], "scope": q.get("scope", "")}
        return 302, {"Location": f"{redirect}?{urllib.parse.urlencode(params)}"}, b""

    def _client_ok(self, form: dict[str, str], headers: dict[str, str]) -> bool:
        client_id = form.get("client_id", "")
        secret = form.get("client_secret")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id not in self._state.clients:
            return False
        expected = self._state.clients[client_id]
        return expected is None or secret == expected

    def _token(
        self, form: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        if not self._client_ok(form, headers):
            return _json(
                401,
                {"error": "invalid_client", "error_description": "unknown client or wrong secret"},
            )
        grant = form.get("grant_type")
        client_id = form["client_id"]
        if grant == "authorization_code":
            code = self._state.codes.get(form.get("code", ""))
            if code is None or code.used or code.client_id != client_id:
                return _json(
                    400, {"error": "invalid_grant", "error_description": "unknown or used code"}
                )
            code.used = True
            if form.get("redirect_uri") != code.redirect_uri:
                return _json(
                    400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
                )
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != code.challenge:
                return _json(
                    400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                )
            return self._tokens(code.user, code.scope, client_id)
        if grant == "refresh_token":
            record = self._state.refresh.get(form.get("refresh_token", ""))
            if record is None or record.revoked or record.client_id != client_id:
                return _json(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    },
                )
            old = form["refresh_token"]
            new_refresh = None
            if self.rotate_refresh_tokens:
                record.revoked = True
                new_refresh = self._new_refresh(record.user, record.scope, client_id)
            access = self._new_access(
                record.user, record.scope, client_id, refresh=new_refresh or old
            )
            body: dict[str, Any] = {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.access_lifetime,
                "scope": record.scope,
            }
            if new_refresh:
                body["refresh_token"] = new_refresh
            return _json(200, body)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            device = self._state.devices.pop(form.get("device_code", ""), None)
            if device is None or device[0] != client_id:
                return _json(
                    400, {"error": "invalid_grant", "error_description": "unknown device code"}
                )
            return self._tokens(self.user, device[1], client_id)
        return _json(400, {"error": "unsupported_grant_type"})

    def _tokens(self, user: str, scope: str, client_id: str) -> tuple[int, dict[str, str], bytes]:
        refresh = self._new_refresh(user, scope, client_id)
        access = self._new_access(user, scope, client_id, refresh=refresh)
        return _json(
            200,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.access_lifetime,
                "refresh_token": refresh,
                "scope": scope,
            },
        )

    def _devicecode(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        client_id = form.get("client_id", "")
        if client_id not in self._state.clients:
            return _json(
                400,
                {
                    "error": "unauthorized_client",
                    "error_description": "AADSTS700016: Application not found in the directory.",
                },
            )
        device_code = f"test-device-{secrets.token_urlsafe(24)}"
        self._state.issued.append(device_code)
        user_code = f"{secrets.token_hex(2).upper()}-{secrets.token_hex(2).upper()}"
        # The device code stays pending until the test's faults run out: then it is approved.
        self._state.devices[device_code] = (client_id, form.get("scope", ""), user_code)
        return _json(
            200,
            {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": self.url("/devicelogin"),
                "expires_in": self.device_expires_in,
                "interval": self.device_interval,
                "message": f"To sign in, use a web browser to open the page {self.url('/devicelogin')} and enter the code {user_code} to authenticate.",
            },
        )

    def _revoke(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        token = form.get("token", "")
        if token in self._state.refresh:
            self._state.refresh[token].revoked = True
            for record in self._state.access.values():
                if record.refresh == token:
                    record.revoked = True
        elif token in self._state.access:
            self._state.access[token].revoked = True
        else:
            return _json(400, {"error": "invalid_token"})
        # As Google does: 200 with an empty body.
        return 200, {"Content-Type": "application/json"}, b""

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        record = self._state.access.get(form.get("token", ""))
        if record is None or record.revoked or record.expires_at <= time.time():
            return _json(200, {"active": False})
        return _json(
            200,
            {
                "active": True,
                "username": record.user,
                "scope": record.scope,
                "client_id": record.client_id,
                "token_type": "Bearer",
                "exp": int(record.expires_at),
            },
        )


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {"Content-Type": "application/json", "Cache-Control": "no-store"},
        json.dumps(body).encode(),
    )


def _fault(fault: str) -> tuple[int, dict[str, str], bytes]:
    if fault == "html":
        page = b"<!doctype html><html><body><h1>Sign in to Hotel Wi-Fi</h1></body></html>"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page
    if fault == "not_json":
        return 200, {"Content-Type": "text/plain"}, b"ok"
    if fault == "500":
        return 500, {"Content-Type": "text/html"}, b"<h1>500 Internal Server Error</h1>"
    status = 401 if fault == "invalid_client" else 400
    return _json(status, {"error": fault, "error_description": f"injected {fault}"})


def _handler(server: OAuthServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            form = dict(urllib.parse.parse_qsl(raw)) if method == "POST" else {}
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, body = server._answer(method, parts.path, query, form, headers)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
