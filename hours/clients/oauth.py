"""OAuth2 for mail logins at Google and Microsoft: endpoints and scopes as data, two login flows,
refresh, revocation, the stored refresh token, and access tokens from a command.

- Google: the installed-app flow, an authorization code with PKCE (S256) caught on a loopback
  redirect (RFC 8252). Microsoft: the device code flow (RFC 8628), which works over SSH.
- The refresh token is kept in one 0600 JSON file per provider in a 0700 directory, written
  atomically; access tokens live only in memory.
- Every network call has a time limit; no token, code or client secret is ever in a message.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import html
import http.server
import json
import os
import re
import secrets
import signal
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests

from hours.clients.net import check_url, scrub_text
from hours.errors import ConfigError, ProviderError, UsageError
from hours.files import write_atomic

# (connect, read) seconds for every request to an authorization server.
HTTP_TIMEOUT = (10.0, 30.0)
# How long the browser has to come back to the loopback redirect.
BROWSER_TIME_LIMIT = 300.0
# RFC 8628 section 3.5: on slow_down, poll this much less often from then on.
SLOW_DOWN_STEP = 5.0
# An access token is refreshed this long before the provider says it expires.
EXPIRY_MARGIN = 60.0
TOKEN_COMMAND_TIME_LIMIT = 30.0
# The folder of the state directory that holds one token file per provider.
STORE_DIRNAME = "oauth"

ENDPOINT_NAMES = ("authorization", "token", "device", "revocation")
_DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class Provider:
    """One OAuth2 provider as data: its endpoints, scopes by purpose, and how its login runs."""

    name: str
    label: str
    flow: str  # "loopback" (authorization code + PKCE) or "device" (device code)
    # URLs may hold {tenant} (Microsoft's directory: common, consumers, organizations, or an ID).
    authorization: str
    token: str
    device: str | None
    revocation: str | None
    scopes: Mapping[str, tuple[str, ...]]
    # Extra query parameters for the authorization URL.
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    # Whether a refresh request names the scopes again (Microsoft's v2.0 endpoint asks for it).
    refresh_sends_scope: bool = False
    # Where the user removes an app's access by hand, when hours cannot revoke it.
    access_page: str = ""
    default_tenant: str | None = None


PROVIDERS: dict[str, Provider] = {
    "google": Provider(
        name="google",
        label="Google",
        flow="loopback",
        authorization="https://accounts.google.com/o/oauth2/v2/auth",
        token="https://oauth2.googleapis.com/token",
        # Google has a device flow, but it does not grant Gmail's scope: the loopback flow it is.
        device="https://oauth2.googleapis.com/device/code",
        revocation="https://oauth2.googleapis.com/revoke",
        # "mail": IMAP and SMTP (XOAUTH2); "gmail_settings": the Gmail API's vacation responder.
        scopes={
            "mail": ("https://mail.google.com/",),
            "gmail_settings": ("https://www.googleapis.com/auth/gmail.settings.basic",),
        },
        # offline + consent: Google returns a refresh token on every login, not only the first.
        authorize_params={"access_type": "offline", "prompt": "consent"},
        access_page="https://myaccount.google.com/permissions",
    ),
    "microsoft": Provider(
        name="microsoft",
        label="Microsoft",
        flow="device",
        authorization="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        token="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        device="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
        revocation=None,
        # "mail": IMAP and SMTP at outlook.office.com; "graph_mailbox": Microsoft Graph's
        # automatic replies. One access token serves one resource, so a refresh asks for the
        # scopes of one purpose at a time (see StoredLoginTokens).
        scopes={
            "mail": (
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "https://outlook.office.com/SMTP.Send",
                "offline_access",
            ),
            "graph_mailbox": (
                "https://graph.microsoft.com/MailboxSettings.ReadWrite",
                "offline_access",
            ),
        },
        refresh_sends_scope=True,
        access_page=(
            "https://account.live.com/consent/Manage (personal accounts) or "
            "https://myapps.microsoft.com (work or school)"
        ),
        default_tenant="common",
    ),
}


# -- errors ------------------------------------------------------------------------------


class OAuthError(ProviderError):
    """The authorization server failed: unreachable, HTML or non-JSON, 5xx, or a refusal."""


class LoginRequired(ConfigError):
    """No stored login, or the provider no longer honours it (invalid_grant): log in again."""


class LoginIncomplete(ConfigError):
    """The sign-in was not finished: declined, timed out, or its device code expired.

    Nothing is stored. A configuration error (exit 3): the login the mail needs is not there.
    """


class PortInUse(UsageError):
    """The loopback port for the redirect cannot be had."""


# -- providers, endpoints, scopes -------------------------------------------------------


def provider(name: str) -> Provider:
    """Return the provider called `name`, or raise ValueError naming the known ones."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(f"{name!r} is not one of {', '.join(PROVIDERS)}") from None


def scopes_for(name: str, purposes: Sequence[str] = ("mail",)) -> tuple[str, ...]:
    """Return the scopes a provider needs for these purposes, each once, in table order."""
    table = provider(name).scopes
    found: list[str] = []
    for purpose in purposes:
        if purpose not in table:
            raise ValueError(
                f"{provider(name).label} has no scopes for {purpose!r}; known: {', '.join(table)}"
            )
        found.extend(s for s in table[purpose] if s not in found)
    return tuple(found)


_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_DOMAIN = re.compile(r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def check_tenant(tenant: str) -> str:
    """Return a Microsoft tenant if it is well formed, or raise ValueError saying what is."""
    if tenant in ("common", "consumers", "organizations"):
        return tenant
    if _GUID.fullmatch(tenant) or _DOMAIN.fullmatch(tenant):
        return tenant
    raise ValueError(
        f"{tenant!r} is not a tenant: use common, consumers, organizations, a directory ID "
        "(a GUID) or a domain like contoso.onmicrosoft.com"
    )


def check_endpoint_url(url: str) -> str:
    """Return an endpoint URL if it is https (or http on loopback), else raise ValueError."""
    try:
        return check_url(url, secret="sign-in")
    except ValueError:
        raise ValueError(
            f"{url!r} is not an https URL (plain http is allowed only on 127.0.0.1, ::1, localhost)"
        ) from None


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one provider's authorization server, tenant filled in."""

    authorization: str
    token: str
    device: str | None
    revocation: str | None


def endpoints(
    name: str, *, tenant: str | None = None, overrides: Mapping[str, str] | None = None
) -> Endpoints:
    """Return a provider's endpoints for `tenant`, any of them replaced by `overrides`.

    `overrides` maps an endpoint name (authorization, token, device, revocation) to a URL.
    """
    p = provider(name)
    if tenant is not None and p.default_tenant is None:
        raise ValueError(f"{p.label} has no tenants; leave the tenant out")
    chosen = check_tenant(tenant if tenant is not None else p.default_tenant or "common")
    urls: dict[str, str | None] = {
        n: (None if u is None else u.replace("{tenant}", chosen))
        for n, u in (
            ("authorization", p.authorization),
            ("token", p.token),
            ("device", p.device),
            ("revocation", p.revocation),
        )
    }
    for n, url in (overrides or {}).items():
        if n not in ENDPOINT_NAMES:
            raise ValueError(f"{n!r} is not an endpoint; known: {', '.join(ENDPOINT_NAMES)}")
        urls[n] = check_endpoint_url(url)
    authorization, token = urls["authorization"], urls["token"]
    # Every provider has both.
    assert authorization is not None
    assert token is not None
    return Endpoints(authorization, token, urls["device"], urls["revocation"])


# -- the OAuth client (the app registration) ---------------------------------------------


@dataclass(frozen=True)
class Client:
    """An OAuth client the user registered: its ID and, for Google's Desktop apps, a secret.

    Google says a Desktop app's secret is not confidential; it is still never shown.
    """

    client_id: str
    client_secret: str | None = field(default=None, repr=False)


def read_google_client_file(path: Path) -> Client:
    """Read the Desktop app client JSON from the Google Cloud console, or raise ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"no client file at {path}: download it from the Google Cloud console "
            "(APIs & Services > Credentials > your Desktop app client > Download JSON)"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "not UTF-8 text"
        raise ConfigError(f"cannot read the client file {path}: {reason}") from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and "web" in data:
        raise ConfigError(
            f"{path} is a Web application client; create a Desktop app client in the Google "
            "Cloud console and download its JSON"
        )
    installed = data.get("installed") if isinstance(data, dict) else None
    client_id = installed.get("client_id") if isinstance(installed, dict) else None
    if not isinstance(client_id, str) or not client_id:
        raise ConfigError(
            f'{path} is not a Google OAuth client file (it needs an "installed" client with a '
            "client_id); download the Desktop app client's JSON from the Google Cloud console"
        )
    assert isinstance(installed, dict)
    secret = installed.get("client_secret")
    return Client(client_id, secret if isinstance(secret, str) and secret else None)


# -- talking to the token endpoint -------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """What a token endpoint granted: an access token (with its lifetime), maybe a refresh token."""

    access_token: str = field(repr=False)
    expires_in: float
    refresh_token: str | None = field(repr=False)
    scopes: tuple[str, ...]


def _host(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _post(
    url: str, form: Mapping[str, str], *, what: str, hidden: Sequence[str | None]
) -> dict[str, Any]:
    """POST a form and return the JSON object answered (an OAuth error object included).

    Raises OAuthError when the server cannot be reached, answers 5xx, or answers anything
    but a JSON object: a captive portal's HTML page, a proxy's error, an empty body.
    """
    where = _host(url)
    try:
        response = requests.post(
            url,
            data=dict(form),
            headers={"Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
            # A redirect from a token endpoint is not an answer; it would also turn the POST
            # (with its secrets) into a GET somewhere else.
            allow_redirects=False,
        )
    except requests.exceptions.Timeout as e:
        raise OAuthError(f"the {what} endpoint {where} {_timed_out(e)}") from None
    except requests.exceptions.ConnectionError:
        raise OAuthError(f"cannot reach the {what} endpoint {where} (is the network up?)") from None
    except requests.exceptions.RequestException as e:
        raise OAuthError(f"the {what} endpoint {where} failed: {type(e).__name__}") from None
    if response.status_code >= 500:
        raise OAuthError(
            f"the {what} endpoint {where} failed (HTTP {response.status_code}); try again later"
        )
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise OAuthError(
            f"the {what} endpoint {where} answered HTTP {response.status_code} with "
            f"{_content_type(response)}, "
            "not JSON (a proxy or a Wi-Fi sign-in page in the way?)"
        )
    if response.status_code >= 400 and "error" not in data:
        raise OAuthError(f"the {what} endpoint {where} refused (HTTP {response.status_code})")
    return _scrubbed(data, hidden)


def _timed_out(error: requests.exceptions.Timeout) -> str:
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return f"could not be reached within {HTTP_TIMEOUT[0]:g} s"
    return f"did not answer within {HTTP_TIMEOUT[1]:g} s"


def _scrubbed(data: dict[str, Any], hidden: Sequence[str | None]) -> dict[str, Any]:
    # An error description is shown to the user: it must never echo what was sent.
    if isinstance(data.get("error_description"), str):
        data["error_description"] = scrub_text(data["error_description"], *hidden)
    return data


def _describe_error(data: Mapping[str, Any]) -> str:
    code = str(data.get("error"))
    description = data.get("error_description")
    if isinstance(description, str) and description.strip():
        # The provider's words go on a terminal: one line, printable, not too long.
        first = "".join(c for c in description.strip().splitlines()[0] if c.isprintable())
        return f"{code}: {first[:200]}"
    return code


def _grant(data: Mapping[str, Any], *, what: str, url: str) -> Grant:
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise OAuthError(f"the {what} endpoint {_host(url)} answered without an access token")
    try:
        expires_in = float(data.get("expires_in", 3600))
    except (TypeError, ValueError):
        expires_in = 3600.0
    refresh = data.get("refresh_token")
    scope = data.get("scope")
    return Grant(
        access_token=token,
        expires_in=expires_in,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        scopes=tuple(scope.split()) if isinstance(scope, str) else (),
    )


# Errors that say the client registration itself is wrong: the user must fix it.
_CLIENT_ERRORS = ("invalid_client", "unauthorized_client", "invalid_scope")


def _refused(data: Mapping[str, Any], *, label: str, what: str) -> OAuthError | ConfigError:
    error = _describe_error(data)
    if data.get("error") in _CLIENT_ERRORS:
        return ConfigError(
            f"{label} refused the OAuth client ({error}); check the client ID or client file "
            "and the app registration's permissions"
        )
    return OAuthError(f"{label} refused the {what} ({error})")


# -- Google: authorization code with PKCE on a loopback redirect ------------------------


def pkce_pair() -> tuple[str, str]:
    """Return a PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43-128
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


@dataclass
class _Redirect:
    state: str
    code: str | None = None
    error: str | None = None


def _redirect_handler(expected: _Redirect) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        # A connection that sends nothing must not hold the login past its time limit.
        timeout = 5

        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            state = query.get("state", [""])[0]
            if urllib.parse.urlsplit(self.path).path != "/" or not (
                "code" in query or "error" in query
            ):
                self._page(404, "Nothing here", "This is where hours waits for your sign-in.")
                return
            if not secrets.compare_digest(state, expected.state):
                # Not this login's answer (a stale tab, or another page trying its luck):
                # refuse it and keep waiting for the real one.
                self._page(
                    400,
                    "Not this sign-in",
                    "This answer does not belong to the sign-in hours is waiting for. "
                    "Use the address hours printed in the terminal.",
                )
                return
            if "error" in query:
                expected.error = query["error"][0]
                self._page(
                    200,
                    "Sign-in not completed",
                    "The sign-in was not completed. Go back to the terminal.",
                )
                return
            expected.code = query["code"][0]
            self._page(
                200,
                "Signed in",
                "hours received your sign-in. You can close this tab and go back to the terminal.",
            )

        def _page(self, status: int, title: str, text: str) -> None:
            body = (
                f"<!doctype html><html><head><meta charset=utf-8><title>hours: {html.escape(title)}"
                f"</title></head><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
                "</body></html>"
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            # The request line carries the authorization code: never on the terminal.
            return

    return Handler


class _LoopbackServer(http.server.HTTPServer):
    # Refuse to share the port: on Linux, SO_REUSEADDR would not let another listener in,
    # but elsewhere it could.
    allow_reuse_address = False


def _listen(port: int, handler: type[http.server.BaseHTTPRequestHandler]) -> _LoopbackServer:
    try:
        return _LoopbackServer(("127.0.0.1", port), handler)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"cannot wait for the sign-in on 127.0.0.1:{port}: another program uses that "
                "port; choose another port, or leave the port out to use a free one"
            ) from None
        raise PortInUse(
            f"cannot wait for the sign-in on 127.0.0.1:{port}: {e.strerror or e}"
        ) from None


def _browser_available() -> bool:
    """Tell whether a browser can open here: a desktop session, or $BROWSER set."""
    if os.environ.get("BROWSER"):
        return True
    if sys.platform in ("darwin", "win32"):
        return True
    # Without a display, webbrowser would start a text browser in this very terminal.
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_browser(url: str) -> None:
    import webbrowser

    # The URL is printed too: a browser that cannot start only means the user clicks it.
    with contextlib.suppress(Exception):
        webbrowser.open(url, new=1)


def authorization_code_login(
    name: str,
    endpoints: Endpoints,
    client: Client,
    scopes: Sequence[str],
    *,
    say: Callable[[str], None],
    port: int = 0,
    open_browser: bool = True,
    time_limit: float = BROWSER_TIME_LIMIT,
) -> Grant:
    """Sign in through the browser: authorization code + PKCE, redirect caught on loopback.

    Prints the URL with `say` (and opens a browser when there is one and `open_browser`),
    waits up to `time_limit` seconds for the redirect, checks its `state`, and exchanges the
    code. Raises LoginIncomplete when the user declines or never comes back, PortInUse when
    `port` cannot be had, OAuthError/ConfigError when the token endpoint fails or refuses.
    """
    p = provider(name)
    verifier, challenge = pkce_pair()
    expected = _Redirect(state=secrets.token_urlsafe(24))
    with _listen(port, _redirect_handler(expected)) as server:
        redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/"
        query = {
            "client_id": client.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes),
            "state": expected.state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **p.authorize_params,
        }
        url = f"{endpoints.authorization}?{urllib.parse.urlencode(query)}"
        within = _duration(time_limit)
        if open_browser and _browser_available():
            say(f"Opening a browser to sign in to {p.label}. If none opens, visit:")
            threading.Thread(target=_open_browser, args=(url,), daemon=True).start()
        else:
            say(f"Open this address in a browser on this computer to sign in to {p.label}:")
        say(f"  {url}")
        say(f"Waiting up to {within} for the sign-in...")
        deadline = time.monotonic() + time_limit
        while expected.code is None and expected.error is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LoginIncomplete(
                    f"the browser did not come back within {within}; nothing was stored. "
                    f"Run `hours login {name}` again"
                )
            server.timeout = remaining
            server.handle_request()
    if expected.error is not None:
        reason = "you declined" if expected.error == "access_denied" else expected.error
        raise LoginIncomplete(
            f"the sign-in to {p.label} was not completed ({reason}); nothing was stored"
        )
    assert expected.code is not None
    form = {
        "grant_type": "authorization_code",
        "code": expected.code,
        "redirect_uri": redirect_uri,
        "client_id": client.client_id,
        "code_verifier": verifier,
    }
    if client.client_secret:
        form["client_secret"] = client.client_secret
    hidden = (expected.code, verifier, client.client_secret)
    data = _post(endpoints.token, form, what="token", hidden=hidden)
    if "error" in data:
        raise _refused(data, label=p.label, what="sign-in")
    return _with_refresh_token(_grant(data, what="token", url=endpoints.token), p)


def _with_refresh_token(grant: Grant, p: Provider) -> Grant:
    if grant.refresh_token is None:
        raise OAuthError(
            f"{p.label} signed you in but gave no refresh token, so the login would end within "
            "the hour; check that the app may ask for offline access and log in again"
        )
    return grant


# -- Microsoft: the device code flow -----------------------------------------------------


def device_code_login(
    name: str,
    endpoints: Endpoints,
    client: Client,
    scopes: Sequence[str],
    *,
    say: Callable[[str], None],
    time_limit: float | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> Grant:
    """Sign in with a code typed on another device (RFC 8628), polling until it is done.

    Polls at the server's `interval`, five seconds slower after each `slow_down`; stops at the
    code's expiry (or `time_limit`, if sooner). Raises LoginIncomplete when the code expires or
    the user declines, OAuthError/ConfigError when the server fails or refuses the client.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    p = provider(name)
    if endpoints.device is None:
        raise ConfigError(f"{p.label} has no device code endpoint configured")
    form = {"client_id": client.client_id, "scope": " ".join(scopes)}
    data = _post(endpoints.device, form, what="device code", hidden=(client.client_secret,))
    if "error" in data:
        raise _refused(data, label=p.label, what="device code request")
    device_code, user_code = data.get("device_code"), data.get("user_code")
    verification = data.get("verification_uri") or data.get("verification_url")
    if not all(isinstance(v, str) and v for v in (device_code, user_code, verification)):
        raise OAuthError(
            f"the device code endpoint {_host(endpoints.device)} answered without a code to type"
        )
    assert isinstance(device_code, str)
    expires_in = _seconds(data.get("expires_in"), 900.0)
    interval = _seconds(data.get("interval"), 5.0)
    limit = expires_in if time_limit is None else min(expires_in, time_limit)
    say(
        f"To sign in to {p.label}, open {verification} on any device and enter the code "
        f"{user_code} (within {_duration(limit)})."
    )
    say("Waiting for the sign-in... (Ctrl-C to give up)")
    deadline = clock() + limit
    poll = {"grant_type": _DEVICE_GRANT, "device_code": device_code, "client_id": client.client_id}
    if client.client_secret:
        poll["client_secret"] = client.client_secret
    while True:
        if clock() + interval > deadline:
            raise LoginIncomplete(
                f"the code {user_code} expired before the sign-in was finished; nothing was "
                f"stored. Run `hours login {name}` again"
            )
        sleep(interval)
        answer = _post(
            endpoints.token, poll, what="token", hidden=(device_code, client.client_secret)
        )
        error = answer.get("error")
        if error is None:
            return _with_refresh_token(_grant(answer, what="token", url=endpoints.token), p)
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += SLOW_DOWN_STEP
            continue
        if error in ("expired_token", "code_expired"):
            raise LoginIncomplete(
                f"the code {user_code} expired before the sign-in was finished; nothing was "
                f"stored. Run `hours login {name}` again"
            )
        if error in ("access_denied", "authorization_declined"):
            raise LoginIncomplete(f"the sign-in to {p.label} was declined; nothing was stored")
        raise _refused(answer, label=p.label, what="sign-in")


def _duration(seconds: float) -> str:
    """Say a time limit the way a person would: "15 minutes", "1 minute", "30 seconds"."""
    if seconds >= 60:
        minutes = round(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    whole = max(1, round(seconds))
    return f"{whole} second{'s' if whole != 1 else ''}"


def _seconds(value: object, default: float) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return seconds if seconds >= 0 else default


# -- the stored login --------------------------------------------------------------------


@dataclass(frozen=True)
class StoredLogin:
    """What `hours login` keeps: enough to refresh, and to revoke at logout."""

    provider: str
    client: Client
    refresh_token: str = field(repr=False)
    scopes: tuple[str, ...]
    # The issuer's own endpoints: a refresh token is only good where it was issued.
    token_url: str
    revocation_url: str | None


class TokenStore:
    """One 0600 JSON file per provider in a 0700 directory, each written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        """Return the token file of a provider."""
        return self.directory / f"{provider(name).name}.json"

    def load(self, name: str) -> StoredLogin | None:
        """Return the stored login, None if there is none, or raise ConfigError."""
        path = self.path(name)
        label = provider(name).label
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            return None
        if stat.S_IMODE(mode) & 0o077:
            raise ConfigError(
                f"{path} is readable by others; it must be mode 0600 (chmod 600 {path})"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            login = StoredLogin(
                provider=name,
                client=Client(str(data["client_id"]), data.get("client_secret") or None),
                refresh_token=str(data["refresh_token"]),
                scopes=tuple(str(s) for s in data["scopes"]),
                token_url=check_endpoint_url(str(data["token_url"])),
                revocation_url=(
                    None
                    if data.get("revocation_url") is None
                    else check_endpoint_url(str(data["revocation_url"]))
                ),
            )
        except (OSError, ValueError, KeyError, TypeError):
            raise LoginRequired(
                f"the {label} login in {path} cannot be read; run `hours login {name}` again"
            ) from None
        return login

    def save(self, login: StoredLogin) -> Path:
        """Write the login atomically with mode 0600 (its directory 0700); return the path."""
        path = self.path(login.provider)
        data = {
            "provider": login.provider,
            "client_id": login.client.client_id,
            "client_secret": login.client.client_secret,
            "refresh_token": login.refresh_token,
            "scopes": list(login.scopes),
            "token_url": login.token_url,
            "revocation_url": login.revocation_url,
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            # mkdir's mode applies only when it creates the directory.
            self.directory.chmod(0o700)
            write_atomic(path, json.dumps(data, indent=2) + "\n", mode=0o600)
        except OSError as e:
            raise ConfigError(
                f"cannot write the {provider(login.provider).label} login to {path}: "
                f"{e.strerror or e}"
            ) from None
        return path

    def forget(self, name: str) -> bool:
        """Delete a provider's token file; tell whether there was one."""
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            return False
        return True


def stored_login(
    name: str, client: Client, endpoints: Endpoints, grant: Grant, scopes: Sequence[str]
) -> StoredLogin:
    """Return what to store after a successful sign-in."""
    assert grant.refresh_token is not None
    return StoredLogin(
        provider=name,
        client=client,
        refresh_token=grant.refresh_token,
        scopes=tuple(scopes),
        token_url=endpoints.token,
        revocation_url=endpoints.revocation,
    )


# -- refresh and revocation --------------------------------------------------------------


def refresh(login: StoredLogin, scopes: Sequence[str] | None = None) -> Grant:
    """Trade the refresh token for a fresh access token (and maybe a new refresh token).

    `scopes` narrows what a provider that takes scopes on refresh is asked for (default: every
    scope of the login); Microsoft grants a token for one resource at a time. Raises LoginRequired when the provider no longer honours the refresh token (invalid_grant:
    revoked, expired, or the password changed), OAuthError when the server fails.
    """
    p = provider(login.provider)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": login.refresh_token,
        "client_id": login.client.client_id,
    }
    if login.client.client_secret:
        form["client_secret"] = login.client.client_secret
    if p.refresh_sends_scope:
        form["scope"] = " ".join(login.scopes if scopes is None else scopes)
    hidden = (login.refresh_token, login.client.client_secret)
    data = _post(login.token_url, form, what="token", hidden=hidden)
    if data.get("error") == "invalid_grant":
        raise LoginRequired(
            f"{p.label} no longer accepts the stored login (it was revoked or has expired); "
            f"run `hours login {login.provider}` again"
        )
    if "error" in data:
        raise _refused(data, label=p.label, what="refresh of the login")
    return _grant(data, what="token", url=login.token_url)


@dataclass(frozen=True)
class Logout:
    """What `logout` did: whether a login was stored, and whether the provider revoked it."""

    forgotten: bool
    revoked: bool | None  # None: the provider offers no revocation
    advice: str = ""


def logout(store: TokenStore, name: str) -> Logout:
    """Revoke the stored refresh token where the provider can, then forget it here.

    The token file is deleted even when revocation fails; an OAuthError then says so.
    """
    p = provider(name)
    try:
        login = store.load(name)
    except LoginRequired:
        # A damaged file cannot be revoked, but is forgotten all the same.
        store.forget(name)
        return Logout(
            forgotten=True,
            revoked=None,
            advice=(
                "The login could not be read, so it was not revoked; to end its access, "
                f"remove the app at {p.access_page}."
            ),
        )
    if login is None:
        return Logout(forgotten=False, revoked=None)
    if login.revocation_url is None:
        store.forget(name)
        return Logout(
            forgotten=True,
            revoked=None,
            advice=(
                f"{p.label} offers no way for an app to revoke its token; to end its access "
                f"everywhere, remove the app at {p.access_page}."
            ),
        )
    try:
        revoke(login.revocation_url, login.refresh_token, label=p.label)
    except OAuthError as e:
        store.forget(name)
        raise OAuthError(
            f"forgot the {p.label} login here, but could not revoke it: {e.message}; "
            f"remove the app's access at {p.access_page}"
        ) from None
    store.forget(name)
    return Logout(forgotten=True, revoked=True)


def revoke(url: str, token: str, *, label: str) -> None:
    """Revoke a token at the provider's revocation endpoint (RFC 7009).

    A token the server no longer knows (invalid_token) counts as revoked.
    """
    data = _post_revocation(url, token)
    if data is not None and data.get("error") != "invalid_token":
        raise OAuthError(f"{label} refused to revoke the login ({_describe_error(data)})")


def _post_revocation(url: str, token: str) -> dict[str, Any] | None:
    """POST a revocation; return None when it succeeded, or the error object answered."""
    where = _host(url)
    try:
        response = requests.post(
            url, data={"token": token}, timeout=HTTP_TIMEOUT, allow_redirects=False
        )
    except requests.exceptions.Timeout as e:
        raise OAuthError(f"the revocation endpoint {where} {_timed_out(e)}") from None
    except requests.exceptions.RequestException:
        raise OAuthError(f"cannot reach the revocation endpoint {where}") from None
    if response.status_code >= 500 or 300 <= response.status_code < 400:
        raise OAuthError(f"the revocation endpoint {where} failed (HTTP {response.status_code})")
    # Google answers a revocation with 200 and an empty body.
    if response.status_code == 200 and not response.content.strip():
        return None
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise OAuthError(
            f"the revocation endpoint {where} answered HTTP {response.status_code} with "
            f"{_content_type(response)}, not JSON"
        )
    if response.status_code == 200 and "error" not in data:
        return None
    return _scrubbed(data, (token,))


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"


# -- access tokens for a sync ------------------------------------------------------------


class TokenSource(Protocol):
    """Where a mail client gets its access token; `invalidate` after a server refuses one."""

    def access_token(self) -> str:
        """Return an access token that has not expired, as far as is known."""
        ...

    def invalidate(self) -> None:
        """Forget the current token, so the next `access_token` fetches a fresh one."""
        ...


class StoredLoginTokens:
    """Access tokens refreshed from the stored login, kept in memory only.

    A rotated refresh token (Microsoft rotates them) is written back to the store. `scopes`
    are what each refresh asks for (default: every scope of the stored login).
    """

    def __init__(
        self,
        store: TokenStore,
        name: str,
        *,
        scopes: Sequence[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.name = name
        self.scopes = None if scopes is None else tuple(scopes)
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0

    def access_token(self) -> str:
        """Return the token in memory, or refresh the stored login for a new one."""
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        login = self.store.load(self.name)
        if login is None:
            raise LoginRequired(
                f"no {provider(self.name).label} login is stored in {self.store.path(self.name)}; "
                f"run `hours login {self.name}`"
            )
        started = self._clock()
        grant = refresh(login, self.scopes)
        if grant.refresh_token is not None and grant.refresh_token != login.refresh_token:
            self.store.save(
                StoredLogin(
                    provider=login.provider,
                    client=login.client,
                    refresh_token=grant.refresh_token,
                    scopes=login.scopes,
                    token_url=login.token_url,
                    revocation_url=login.revocation_url,
                )
            )
        self._token = grant.access_token
        self._expires_at = started + max(0.0, grant.expires_in - EXPIRY_MARGIN)
        return self._token

    def invalidate(self) -> None:
        """Forget the token in memory."""
        self._token = None


class CommandTokens:
    """Access tokens printed by a command (oama, mutt_oauth2.py, gcloud ...), run when needed.

    The token is kept in memory for the sync that asked for it, never written anywhere.
    """

    def __init__(
        self,
        command: str,
        *,
        label: str = "token_command",
        time_limit: float = TOKEN_COMMAND_TIME_LIMIT,
        cwd: Path | None = None,
    ) -> None:
        self.command = command
        self.label = label
        self.time_limit = time_limit
        self.cwd = cwd
        self._token: str | None = None

    def access_token(self) -> str:
        """Return the token in memory, or run the command for one."""
        if self._token is None:
            self._token = run_token_command(
                self.command, label=self.label, time_limit=self.time_limit, cwd=self.cwd
            )
        return self._token

    def invalidate(self) -> None:
        """Forget the token in memory; the command runs again next time."""
        self._token = None


def run_token_command(
    command: str,
    *,
    label: str = "token_command",
    time_limit: float = TOKEN_COMMAND_TIME_LIMIT,
    cwd: Path | None = None,
) -> str:
    """Run a shell command that prints one access token (in `cwd`, if given), and return it.

    Raises ConfigError, never showing what it printed, when the command exits non-zero, prints
    nothing, prints more than one line, or runs past `time_limit` (it is killed, with every
    process it started).
    """
    try:
        proc = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            # Its own process group, so a timeout kills what the shell started too.
            start_new_session=True,
        )
    except OSError as e:
        raise ConfigError(f"{label} cannot be run: {e.strerror or e}") from None
    try:
        out, _ = proc.communicate(timeout=time_limit)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConfigError(
            f"{label} did not finish within {time_limit:g} seconds and was stopped; run it "
            "yourself to see why"
        ) from None
    if proc.returncode != 0:
        raise ConfigError(
            f"{label} failed (exit status {proc.returncode}); run it yourself to see why"
        )
    value = out.decode("utf-8", errors="replace").strip()
    if not value:
        raise ConfigError(f"{label} printed nothing; it must print one access token")
    if "\n" in value:
        raise ConfigError(
            f"{label} printed more than one line; it must print only the access token"
        )
    return value
