"""The OAuth2 client against a real authorization server on loopback (tests/servers/oauth.py).

The test plays the user: it fetches the authorization URL as a browser would (following the
redirect to the client's loopback listener), or lets the device code be approved.
"""

from __future__ import annotations

import json
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hours.clients import oauth
from hours.clients.oauth import (
    Client,
    Endpoints,
    LoginIncomplete,
    LoginRequired,
    OAuthError,
    PortInUse,
    StoredLogin,
    StoredLoginTokens,
    TokenStore,
)
from hours.errors import ConfigError, Exit
from tests.helpers import snapshot
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import free_port

CLIENT = Client("hours-test-client.apps.example", "GOCSPX-distinctive-client-secret")
PUBLIC = Client("00000000-aaaa-bbbb-cccc-000000000001")
HOURS = Path(__file__).resolve().parent.parent / "hours"


def google(server: OAuthServer) -> Endpoints:
    return oauth.endpoints("google", overrides=server.endpoint_overrides())


def microsoft(server: OAuthServer) -> Endpoints:
    return oauth.endpoints("microsoft", overrides=server.endpoint_overrides())


class Browser:
    """Play the user's browser: open the URL the client prints, in a thread, like a person."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pages: list[requests.Response] = []
        self.before: list[str] = []  # URLs to visit first (a stray or forged redirect)
        self._threads: list[threading.Thread] = []

    def say(self, line: str) -> None:
        self.lines.append(line)
        if line.startswith("  http"):
            thread = threading.Thread(target=self._visit, args=(line.strip(),))
            thread.start()
            self._threads.append(thread)

    def _visit(self, url: str) -> None:
        for early in self.before:
            redirect = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
            base = redirect.split("?")[0]
            self.pages.append(requests.get(base + early, timeout=10))
        self.pages.append(requests.get(url, timeout=10))

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=10)


def sign_in(server: OAuthServer, browser: Browser | None = None, **kw: object) -> oauth.Grant:
    server.register_client(CLIENT.client_id, CLIENT.client_secret)
    browser = browser or Browser()
    try:
        return oauth.authorization_code_login(
            "google",
            google(server),
            CLIENT,
            oauth.scopes_for("google"),
            say=browser.say,
            open_browser=False,
            **kw,  # type: ignore[arg-type]
        )
    finally:
        browser.join()


# --- providers as data ----------------------------------------------------------------


def test_scopes_are_a_table_by_purpose() -> None:
    assert oauth.scopes_for("google") == ("https://mail.google.com/",)
    assert oauth.scopes_for("microsoft", ["mail"]) == (
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
        "offline_access",
    )
    # The provider APIs behind mode = "gmail" and "outlook" have purposes of their own.
    assert oauth.scopes_for("google", ["gmail_settings"]) == (
        "https://www.googleapis.com/auth/gmail.settings.basic",
    )
    assert oauth.scopes_for("microsoft", ["graph_mailbox"]) == (
        "https://graph.microsoft.com/MailboxSettings.ReadWrite",
        "offline_access",
    )
    with pytest.raises(
        ValueError, match=r"Google has no scopes for 'calendar'; known: mail, gmail_settings$"
    ):
        oauth.scopes_for("google", ["calendar"])
    with pytest.raises(ValueError, match="'yahoo' is not one of google, microsoft"):
        oauth.scopes_for("yahoo")


def test_the_provider_apis_have_their_purposes_too() -> None:
    assert oauth.scopes_for("google", ["gmail_settings"]) == (
        "https://www.googleapis.com/auth/gmail.settings.basic",
    )
    assert oauth.scopes_for("microsoft", ["mail", "graph_mailbox"]) == (
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
        "offline_access",
        "https://graph.microsoft.com/MailboxSettings.ReadWrite",
    )


def test_microsoft_endpoints_follow_the_tenant() -> None:
    common = oauth.endpoints("microsoft")
    assert common == Endpoints(
        authorization="https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        token="https://login.microsoftonline.com/common/oauth2/v2.0/token",
        device="https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
        revocation=None,
    )
    consumers = oauth.endpoints("microsoft", tenant="consumers")
    assert consumers.token == "https://login.microsoftonline.com/consumers/oauth2/v2.0/token"
    guid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert guid in oauth.endpoints("microsoft", tenant=guid).device  # type: ignore[operator]
    assert oauth.endpoints("microsoft", tenant="contoso.onmicrosoft.com").token.startswith(
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/"
    )
    for bad in ("common/../evil", "", "a b", "x" * 300):
        with pytest.raises(ValueError, match="is not a tenant"):
            oauth.endpoints("microsoft", tenant=bad)
    with pytest.raises(ValueError, match="Google has no tenants"):
        oauth.endpoints("google", tenant="common")


def test_google_endpoints_and_overrides() -> None:
    assert oauth.endpoints("google") == Endpoints(
        authorization="https://accounts.google.com/o/oauth2/v2/auth",
        token="https://oauth2.googleapis.com/token",
        device="https://oauth2.googleapis.com/device/code",
        revocation="https://oauth2.googleapis.com/revoke",
    )
    moved = oauth.endpoints("google", overrides={"token": "http://127.0.0.1:9/token"})
    assert moved.token == "http://127.0.0.1:9/token"
    assert moved.authorization == "https://accounts.google.com/o/oauth2/v2/auth"
    with pytest.raises(ValueError, match="is not an https URL"):
        oauth.endpoints("google", overrides={"token": "http://oauth.example.com/token"})
    with pytest.raises(ValueError, match="'tokens' is not an endpoint; known: authorization"):
        oauth.endpoints("google", overrides={"tokens": "https://oauth.example.com/token"})


# --- the Google client file -----------------------------------------------------------


def test_a_desktop_client_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "client_secret.json"
    path.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": CLIENT.client_id,
                    "project_id": "hours-test",
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": "https://oauth2.googleapis.com/token",
                    "client_secret": CLIENT.client_secret,
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    client = oauth.read_google_client_file(path)
    assert client == CLIENT
    assert CLIENT.client_secret not in repr(client)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            None,
            "no client file at {path}: download it from the Google Cloud console "
            "(APIs & Services > Credentials > your Desktop app client > Download JSON)",
        ),
        (
            '{"web": {"client_id": "x", "client_secret": "y"}}',
            "{path} is a Web application client; create a Desktop app client in the Google "
            "Cloud console and download its JSON",
        ),
        (
            "client_id = x",
            '{path} is not a Google OAuth client file (it needs an "installed" client with a '
            "client_id); download the Desktop app client's JSON from the Google Cloud console",
        ),
        (
            '{"installed": {"client_secret": "y"}}',
            '{path} is not a Google OAuth client file (it needs an "installed" client with a '
            "client_id); download the Desktop app client's JSON from the Google Cloud console",
        ),
    ],
    ids=["missing", "web", "not-json", "no-client-id"],
)
def test_a_bad_client_file_is_a_config_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "client.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as e:
        oauth.read_google_client_file(path)
    assert e.value.message == message.format(path=path)
    assert e.value.exit_status == Exit.CONFIG


def test_an_unreadable_client_file_says_why(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        oauth.read_google_client_file(tmp_path)  # a directory: unreadable as a file, even by root
    assert e.value.message == f"cannot read the client file {tmp_path}: Is a directory"
    (tmp_path / "latin1.json").write_bytes(b'{"installed": "caf\xe9"}')
    with pytest.raises(ConfigError) as e:
        oauth.read_google_client_file(tmp_path / "latin1.json")
    assert e.value.message.endswith(": not UTF-8 text")


# --- Google: authorization code + PKCE, redirect on loopback --------------------------


def test_sign_in_through_the_browser(oauth_server: OAuthServer) -> None:
    browser = Browser()
    grant = sign_in(oauth_server, browser)

    assert oauth_server.active(grant.access_token)
    assert grant.refresh_token is not None
    assert oauth_server.refresh_token_active(grant.refresh_token)
    assert grant.scopes == ("https://mail.google.com/",)
    assert (
        browser.lines[0] == "Open this address in a browser on this computer to sign in to Google:"
    )
    assert browser.lines[2] == "Waiting up to 5 minutes for the sign-in..."
    page = browser.pages[-1]
    assert page.status_code == 200
    assert "hours received your sign-in. You can close this tab" in page.text
    # What the server saw: PKCE S256 and a loopback redirect, and the code traded once.
    (authorize,) = oauth_server.requests_to("/authorize")
    assert authorize.query["code_challenge_method"] == "S256"
    assert authorize.query["redirect_uri"].startswith("http://127.0.0.1:")
    assert authorize.query["access_type"] == "offline"
    assert authorize.query["prompt"] == "consent"
    (token,) = oauth_server.requests_to("/token")
    assert token.form["grant_type"] == "authorization_code"
    assert token.form["redirect_uri"] == authorize.query["redirect_uri"]
    assert token.form["client_secret"] == CLIENT.client_secret
    assert len(token.form["code_verifier"]) >= 43
    assert CLIENT.client_secret not in repr(grant)
    assert grant.access_token not in repr(grant)


def test_the_server_checks_pkce_so_a_wrong_verifier_is_refused(oauth_server: OAuthServer) -> None:
    """The test server's PKCE check can fail: a code traded with another verifier is refused."""
    oauth_server.register_client(PUBLIC.client_id)
    verifier, challenge = oauth.pkce_pair()
    other, _ = oauth.pkce_pair()
    redirect = "http://127.0.0.1:9/"
    answer = requests.get(
        oauth_server.url("/authorize"),
        params={
            "client_id": PUBLIC.client_id,
            "redirect_uri": redirect,
            "response_type": "code",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=10,
    )
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    form = {
        "grant_type": "authorization_code",
        "code": requests.utils.unquote(code),
        "redirect_uri": redirect,
        "client_id": PUBLIC.client_id,
        "code_verifier": other,
    }
    refused = requests.post(oauth_server.url("/token"), data=form, timeout=10)
    assert refused.status_code == 400
    assert refused.json()["error_description"] == "PKCE verification failed"
    assert verifier != other


def test_a_redirect_with_another_state_is_refused_and_the_real_one_still_counts(
    oauth_server: OAuthServer,
) -> None:
    browser = Browser()
    browser.before = ["?code=4/forged&state=not-this-login"]
    grant = sign_in(oauth_server, browser)

    forged, real = browser.pages
    assert forged.status_code == 400
    assert "This answer does not belong to the sign-in hours is waiting for" in forged.text
    assert real.status_code == 200
    assert oauth_server.active(grant.access_token)
    (token,) = oauth_server.requests_to("/token")
    assert token.form["code"] != "4/forged"


def test_declining_in_the_browser_stores_nothing(oauth_server: OAuthServer) -> None:
    oauth_server.inject("/authorize", "access_denied")
    browser = Browser()
    with pytest.raises(LoginIncomplete) as e:
        sign_in(oauth_server, browser)
    assert e.value.message == (
        "the sign-in to Google was not completed (you declined); nothing was stored"
    )
    assert e.value.exit_status == Exit.CONFIG
    assert "The sign-in was not completed" in browser.pages[-1].text
    assert oauth_server.requests_to("/token") == []


def test_a_browser_that_never_comes_back_times_out(oauth_server: OAuthServer) -> None:
    oauth_server.register_client(CLIENT.client_id, CLIENT.client_secret)
    lines: list[str] = []
    started = time.monotonic()
    with pytest.raises(LoginIncomplete) as e:
        oauth.authorization_code_login(
            "google",
            google(oauth_server),
            CLIENT,
            ["https://mail.google.com/"],
            say=lines.append,
            open_browser=False,
            time_limit=0.5,
        )
    assert time.monotonic() - started < 5
    assert e.value.message == (
        "the browser did not come back within 1 second; nothing was stored. "
        "Run `hours login google` again"
    )


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_port_in_use_is_a_clear_usage_error(oauth_server: OAuthServer, busy_port: int) -> None:
    with pytest.raises(PortInUse) as e:
        sign_in(oauth_server, port=busy_port)
    assert e.value.message == (
        f"cannot wait for the sign-in on 127.0.0.1:{busy_port}: another program uses that "
        "port; choose another port, or leave the port out to use a free one"
    )
    assert e.value.exit_status == Exit.USAGE


def test_a_chosen_free_port_is_the_redirect(oauth_server: OAuthServer) -> None:
    port = free_port()
    sign_in(oauth_server, port=port)
    (authorize,) = oauth_server.requests_to("/authorize")
    assert authorize.query["redirect_uri"] == f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            "html",
            "the token endpoint http://127.0.0.1:{port}/token answered HTTP 200 with "
            "text/html, not JSON (a proxy or a Wi-Fi sign-in page in the way?)",
        ),
        (
            "not_json",
            "the token endpoint http://127.0.0.1:{port}/token answered HTTP 200 with "
            "text/plain, not JSON (a proxy or a Wi-Fi sign-in page in the way?)",
        ),
        (
            "500",
            "the token endpoint http://127.0.0.1:{port}/token failed (HTTP 500); try again later",
        ),
    ],
)
def test_a_token_endpoint_answering_nonsense_is_a_provider_error(
    oauth_server: OAuthServer, fault: str, message: str
) -> None:
    oauth_server.inject("/token", fault)
    with pytest.raises(OAuthError) as e:
        sign_in(oauth_server)
    assert e.value.message == message.format(port=oauth_server.port)
    assert e.value.exit_status == Exit.PROVIDER


def test_a_token_endpoint_nobody_answers(oauth_server: OAuthServer) -> None:
    port = free_port()
    oauth_server.register_client(CLIENT.client_id, CLIENT.client_secret)
    ends = oauth.endpoints(
        "google",
        overrides={
            "authorization": oauth_server.url("/authorize"),
            "token": f"http://127.0.0.1:{port}/token",
        },
    )
    browser = Browser()
    with pytest.raises(OAuthError) as e:
        oauth.authorization_code_login(
            "google", ends, CLIENT, ["m"], say=browser.say, open_browser=False
        )
    browser.join()
    assert e.value.message == (
        f"cannot reach the token endpoint http://127.0.0.1:{port}/token (is the network up?)"
    )


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/token"


def test_a_token_endpoint_that_never_answers_is_given_up_on(
    tmp_path: Path, oauth_server: OAuthServer, silent_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oauth, "HTTP_TIMEOUT", (1.0, 0.5))
    store = TokenStore(tmp_path)
    login = stored(oauth_server, sign_in(oauth_server))
    store.save(StoredLogin(**{**login.__dict__, "token_url": silent_server}))
    started = time.monotonic()
    with pytest.raises(OAuthError) as e:
        StoredLoginTokens(store, "google").access_token()
    assert time.monotonic() - started < 5
    assert e.value.message == f"the token endpoint {silent_server} did not answer within 0.5 s"


def test_a_provider_description_is_one_printable_line() -> None:
    assert (
        oauth._describe_error(
            {"error": "invalid_request", "error_description": "bad\x1b[31m thing\r\nTrace ID: 1"}
        )
        == "invalid_request: bad[31m thing"
    )


def test_a_wrong_client_secret_is_a_config_error(oauth_server: OAuthServer) -> None:
    oauth_server.register_client(CLIENT.client_id, "another-secret")
    browser = Browser()
    with pytest.raises(ConfigError) as e:
        oauth.authorization_code_login(
            "google", google(oauth_server), CLIENT, ["m"], say=browser.say, open_browser=False
        )
    browser.join()
    assert e.value.message == (
        "Google refused the OAuth client (invalid_client: unknown client or wrong secret); "
        "check the client ID or client file and the app registration's permissions"
    )


# --- Microsoft: the device code flow --------------------------------------------------


class Clock:
    """A clock that moves only when the flow sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def device(server: OAuthServer, clock: Clock, lines: list[str]) -> oauth.Grant:
    server.register_client(PUBLIC.client_id)
    return oauth.device_code_login(
        "microsoft",
        microsoft(server),
        PUBLIC,
        oauth.scopes_for("microsoft"),
        say=lines.append,
        sleep=clock.sleep,
        clock=clock,
    )


def test_device_code_polls_through_pending_and_slow_down(oauth_server: OAuthServer) -> None:
    oauth_server.inject(
        "/token",
        "authorization_pending",
        "authorization_pending",
        "slow_down",
        "authorization_pending",
    )
    clock, lines = Clock(), []
    grant = device(oauth_server, clock, lines)

    assert oauth_server.active(grant.access_token)
    assert clock.sleeps == [5, 5, 5, 10, 10]
    (request,) = oauth_server.requests_to("/devicecode")
    assert request.form["scope"] == (
        "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send "
        "offline_access"
    )
    polls = oauth_server.requests_to("/token")
    assert len(polls) == 5
    assert {p.form["grant_type"] for p in polls} == {"urn:ietf:params:oauth:grant-type:device_code"}
    (code,) = {p.form["device_code"] for p in polls}
    assert code.startswith("test-device-")
    user_code = lines[0].split("enter the code ")[1].split(" ")[0]
    assert lines == [
        f"To sign in to Microsoft, open {oauth_server.url('/devicelogin')} on any device and "
        f"enter the code {user_code} (within 15 minutes).",
        "Waiting for the sign-in... (Ctrl-C to give up)",
    ]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            "expired_token",
            "the code {code} expired before the sign-in was finished; nothing was stored. "
            "Run `hours login microsoft` again",
        ),
        ("access_denied", "the sign-in to Microsoft was declined; nothing was stored"),
    ],
)
def test_device_code_expired_or_declined(
    oauth_server: OAuthServer, fault: str, message: str
) -> None:
    oauth_server.inject("/token", "authorization_pending", fault)
    clock, lines = Clock(), []
    with pytest.raises(LoginIncomplete) as e:
        device(oauth_server, clock, lines)
    code = lines[0].split("enter the code ")[1].split(" ")[0]
    assert e.value.message == message.format(code=code)
    assert e.value.exit_status == Exit.CONFIG
    assert len(oauth_server.requests_to("/token")) == 2


def test_device_code_gives_up_at_its_expiry(oauth_server: OAuthServer) -> None:
    oauth_server.device_expires_in = 12
    oauth_server.inject("/token", *["authorization_pending"] * 5)
    clock, lines = Clock(), []
    with pytest.raises(LoginIncomplete, match="expired before the sign-in was finished"):
        device(oauth_server, clock, lines)
    # Polled at 5 s and 10 s; a poll at 15 s would be past the code's 12 s.
    assert clock.sleeps == [5, 5]
    assert "(within 12 seconds)" in lines[0]


def test_device_code_for_an_unknown_client_is_a_config_error(oauth_server: OAuthServer) -> None:
    with pytest.raises(ConfigError) as e:
        oauth.device_code_login(
            "microsoft", microsoft(oauth_server), PUBLIC, ["offline_access"], say=print
        )
    assert e.value.message == (
        "Microsoft refused the OAuth client (unauthorized_client: AADSTS700016: Application "
        "not found in the directory.); check the client ID or client file and the app "
        "registration's permissions"
    )


def test_a_device_code_endpoint_answering_html(oauth_server: OAuthServer) -> None:
    oauth_server.inject("/devicecode", "html")
    with pytest.raises(OAuthError, match=r"answered HTTP 200 with text/html, not JSON"):
        device(oauth_server, Clock(), [])


# --- the token store ------------------------------------------------------------------


def stored(server: OAuthServer, grant: oauth.Grant) -> StoredLogin:
    return oauth.stored_login("google", CLIENT, google(server), grant, oauth.scopes_for("google"))


def test_the_store_writes_0600_in_a_0700_directory_atomically(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    directory = tmp_path / "state" / "oauth"
    directory.mkdir(parents=True, mode=0o755)
    directory.chmod(0o755)
    store = TokenStore(directory)
    login = stored(oauth_server, sign_in(oauth_server))

    path = store.save(login)

    assert path == directory / "google.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert sorted(p.name for p in directory.iterdir()) == ["google.json"]  # no temp file left
    assert store.load("google") == login
    data = json.loads(path.read_text())
    assert data["refresh_token"] == login.refresh_token
    assert data["token_url"] == oauth_server.url("/token")
    assert login.refresh_token not in repr(login)


def test_a_store_that_cannot_be_written_is_a_config_error(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state directory should be")
    store = TokenStore(blocker / "oauth")
    login = stored(oauth_server, sign_in(oauth_server))
    with pytest.raises(ConfigError) as e:
        store.save(login)
    assert e.value.message == (
        f"cannot write the Google login to {blocker / 'oauth' / 'google.json'}: Not a directory"
    )
    assert e.value.exit_status == Exit.CONFIG


def test_the_store_refuses_a_file_others_can_read(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    store = TokenStore(tmp_path)
    path = store.save(stored(oauth_server, sign_in(oauth_server)))
    path.chmod(0o640)
    with pytest.raises(ConfigError) as e:
        store.load("google")
    assert (
        e.value.message == f"{path} is readable by others; it must be mode 0600 (chmod 600 {path})"
    )


def test_a_damaged_token_file_asks_for_a_new_login(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    tmp_path.joinpath("microsoft.json").write_text('{"client_id": "x"}')
    tmp_path.joinpath("microsoft.json").chmod(0o600)
    with pytest.raises(LoginRequired) as e:
        store.load("microsoft")
    assert e.value.message == (
        f"the Microsoft login in {tmp_path / 'microsoft.json'} cannot be read; "
        "run `hours login microsoft` again"
    )
    assert e.value.exit_status == Exit.CONFIG
    assert store.load("google") is None


# --- refresh --------------------------------------------------------------------------


def test_access_tokens_are_refreshed_and_kept_in_memory(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    store = TokenStore(tmp_path)
    store.save(stored(oauth_server, sign_in(oauth_server)))
    clock = Clock()
    tokens = StoredLoginTokens(store, "google", clock=clock)

    first = tokens.access_token()
    assert oauth_server.active(first)
    assert tokens.access_token() == first  # in memory: no second request
    assert len(oauth_server.requests_to("/token")) == 2  # the login, then one refresh
    refresh = oauth_server.requests_to("/token")[-1].form
    assert refresh["grant_type"] == "refresh_token"
    assert refresh["client_secret"] == CLIENT.client_secret
    assert "scope" not in refresh  # Google does not take it

    clock.now += 3600 - 60  # the margin before the provider's expiry
    second = tokens.access_token()
    assert second != first
    oauth_server.expire(second)  # the server refused it: the caller invalidates
    tokens.invalidate()
    third = tokens.access_token()
    assert oauth_server.active(third)
    assert third not in {first, second}
    # Never on disk: only the refresh token is.
    assert [p for p, data in snapshot(tmp_path).items() if third.encode() in data] == []


def test_a_rotated_refresh_token_is_stored(tmp_path: Path, oauth_server: OAuthServer) -> None:
    oauth_server.register_client(PUBLIC.client_id)
    grant = device(oauth_server, Clock(), [])
    store = TokenStore(tmp_path)
    store.save(
        oauth.stored_login(
            "microsoft", PUBLIC, microsoft(oauth_server), grant, oauth.scopes_for("microsoft")
        )
    )
    oauth_server.rotate_refresh_tokens = True

    token = StoredLoginTokens(store, "microsoft").access_token()

    assert oauth_server.active(token)
    login = store.load("microsoft")
    assert login is not None
    assert login.refresh_token != grant.refresh_token
    assert oauth_server.refresh_token_active(login.refresh_token)
    assert oauth_server.requests_to("/token")[-1].form["scope"].endswith("offline_access")
    assert stat.S_IMODE(store.path("microsoft").stat().st_mode) == 0o600


def test_a_refresh_asks_microsoft_for_one_purposes_scopes(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    # One login for IMAP, SMTP and Graph: Microsoft grants a token for one resource at a time,
    # so each refresh names the scopes of the purpose it is for.
    oauth_server.register_client(PUBLIC.client_id)
    both = oauth.scopes_for("microsoft", ["mail", "graph_mailbox"])
    store = TokenStore(tmp_path)
    store.save(
        oauth.stored_login(
            "microsoft", PUBLIC, microsoft(oauth_server), device(oauth_server, Clock(), []), both
        )
    )
    graph = oauth.scopes_for("microsoft", ["graph_mailbox"])

    StoredLoginTokens(store, "microsoft", scopes=graph).access_token()
    StoredLoginTokens(store, "microsoft").access_token()

    sent = [r.form["scope"] for r in oauth_server.requests_to("/token")[-2:]]
    assert sent == [" ".join(graph), " ".join(both)]


def test_a_revoked_refresh_token_is_a_config_error_saying_log_in_again(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    store = TokenStore(tmp_path)
    login = stored(oauth_server, sign_in(oauth_server))
    store.save(login)
    oauth_server.revoke_refresh_tokens()
    with pytest.raises(LoginRequired) as e:
        StoredLoginTokens(store, "google").access_token()
    assert e.value.message == (
        "Google no longer accepts the stored login (it was revoked or has expired); "
        "run `hours login google` again"
    )
    assert e.value.exit_status == Exit.CONFIG
    assert login.refresh_token not in e.value.message


@pytest.mark.parametrize("fault", ["html", "500"])
def test_a_refresh_the_server_botches_is_a_provider_error(
    tmp_path: Path, oauth_server: OAuthServer, fault: str
) -> None:
    store = TokenStore(tmp_path)
    store.save(stored(oauth_server, sign_in(oauth_server)))
    oauth_server.inject("/token", fault)
    with pytest.raises(OAuthError) as e:
        StoredLoginTokens(store, "google").access_token()
    assert e.value.exit_status == Exit.PROVIDER


def test_no_stored_login(tmp_path: Path) -> None:
    with pytest.raises(LoginRequired) as e:
        StoredLoginTokens(TokenStore(tmp_path), "microsoft").access_token()
    assert e.value.message == (
        f"no Microsoft login is stored in {tmp_path / 'microsoft.json'}; "
        "run `hours login microsoft`"
    )


# --- logout ---------------------------------------------------------------------------


def test_logout_revokes_at_google_and_forgets(tmp_path: Path, oauth_server: OAuthServer) -> None:
    store = TokenStore(tmp_path)
    grant = sign_in(oauth_server)
    store.save(stored(oauth_server, grant))

    assert oauth.logout(store, "google") == oauth.Logout(forgotten=True, revoked=True)

    (revoke,) = oauth_server.requests_to("/revoke")
    assert revoke.form == {"token": grant.refresh_token}
    assert grant.refresh_token is not None
    assert not oauth_server.refresh_token_active(grant.refresh_token)
    assert not oauth_server.active(grant.access_token)
    assert not store.path("google").exists()
    assert oauth.logout(store, "google") == oauth.Logout(forgotten=False, revoked=None)


def test_logout_from_microsoft_forgets_without_revoking(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    store = TokenStore(tmp_path)
    grant = device(oauth_server, Clock(), [])
    # Microsoft's own endpoints have no revocation: the server's is left out.
    ends = oauth.endpoints("microsoft", overrides={"token": oauth_server.url("/token")})
    store.save(oauth.stored_login("microsoft", PUBLIC, ends, grant, ["offline_access"]))

    result = oauth.logout(store, "microsoft")

    assert result.forgotten
    assert result.revoked is None
    assert result.advice == (
        "Microsoft offers no way for an app to revoke its token; to end its access everywhere, "
        "remove the app at https://account.live.com/consent/Manage (personal accounts) or "
        "https://myapps.microsoft.com (work or school)."
    )
    assert oauth_server.requests_to("/revoke") == []
    assert not store.path("microsoft").exists()


def test_a_failed_revocation_still_forgets_and_says_so(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    store = TokenStore(tmp_path)
    store.save(stored(oauth_server, sign_in(oauth_server)))
    oauth_server.inject("/revoke", "500")
    with pytest.raises(OAuthError) as e:
        oauth.logout(store, "google")
    assert e.value.message == (
        "forgot the Google login here, but could not revoke it: the revocation endpoint "
        f"http://127.0.0.1:{oauth_server.port}/revoke failed (HTTP 500); "
        "remove the app's access at https://myaccount.google.com/permissions"
    )
    assert not store.path("google").exists()


# --- access tokens from a command -----------------------------------------------------


def test_a_token_command_prints_the_token(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    tokens = oauth.CommandTokens(f"echo run >> {runs}; printf '  ya29.from-command\\n\\n'")
    assert tokens.access_token() == "ya29.from-command"
    assert tokens.access_token() == "ya29.from-command"
    assert runs.read_text() == "run\n"  # kept in memory for the sync
    tokens.invalidate()
    assert tokens.access_token() == "ya29.from-command"
    assert runs.read_text() == "run\nrun\n"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            "echo ya29.secret-token; exit 3",
            "token_command failed (exit status 3); run it yourself to see why",
        ),
        ("true", "token_command printed nothing; it must print one access token"),
        (
            "echo ya29.secret-token; echo ya29.secret-token",
            "token_command printed more than one line; it must print only the access token",
        ),
    ],
    ids=["non-zero", "nothing", "two-lines"],
)
def test_a_bad_token_command_is_a_config_error_without_its_output(
    command: str, message: str
) -> None:
    with pytest.raises(ConfigError) as e:
        oauth.run_token_command(command)
    assert e.value.message == message
    assert e.value.__context__ is None


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    # A zombie has finished; only its parent's bookkeeping is left.
    return "State:\tZ" not in status


def test_a_token_command_past_its_time_limit_is_killed_with_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(ConfigError) as e:
        oauth.run_token_command(f"sleep 60 & echo $! > {pidfile}; wait", time_limit=0.5)
    assert time.monotonic() - started < 10
    assert e.value.message == (
        "token_command did not finish within 0.5 seconds and was stopped; run it yourself to "
        "see why"
    )
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_the_default_time_limit_is_thirty_seconds() -> None:
    assert oauth.TOKEN_COMMAND_TIME_LIMIT == 30
    assert oauth.CommandTokens("x").time_limit == 30
