"""`hours login` and `hours logout`, end to end against the loopback OAuth2 server.

Google's browser sign-in runs the real `hours` in a child process while the test plays the
browser (or is the $BROWSER it starts); Microsoft's device code runs in-process with the
clock's sleeps recorded. No code, token or client secret may appear anywhere but the 0600
token file: not in output, not in the browser's pages, not in any other file.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import Result

from hours.clients.oauth import StoredLoginTokens, TokenStore
from tests.helpers import run, snapshot, write_config
from tests.servers.oauth import OAuthServer

CLIENT_ID = "1234-hours.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-distinctive-client-secret"
MS_CLIENT_ID = "00000000-aaaa-bbbb-cccc-000000000001"


def state() -> Path:
    return Path(os.environ["HOURS_HOME"])


def token_file(provider: str) -> Path:
    return state() / "oauth" / f"{provider}.json"


def endpoint_args(server: OAuthServer) -> list[str]:
    return [
        arg
        for name, url in server.endpoint_overrides().items()
        for arg in ("--endpoint", f"{name}={url}")
    ]


def desktop_client(tmp_path: Path, server: OAuthServer) -> Path:
    server.register_client(CLIENT_ID, CLIENT_SECRET)
    path = tmp_path / "downloads" / "client_secret.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        json.dumps({"installed": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}})
    )
    return path


def leaks(server: OAuthServer, texts: list[str], root: Path, *allowed: Path) -> list[str]:
    """Return where any code, token or client secret shows up: in `texts` or files under `root`.

    `allowed` files may hold them: the token file, and the client file the user downloaded.
    """
    secrets = [*server.secrets_issued(), CLIENT_SECRET]
    assert len(secrets) > 1  # the check below has something to look for
    found = [f"text {i}" for i, text in enumerate(texts) for s in secrets if s in text]
    for path, data in snapshot(root).items():
        if Path(path) not in allowed:
            found += [path for s in secrets if s.encode() in data]
    return found


@dataclass
class Finished:
    status: int
    stdout: str
    stderr: str
    pages: list[requests.Response]


def child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
    }
    return {**env, **extra}


def login_google(
    tmp_path: Path,
    server: OAuthServer,
    *extra: str,
    browse: bool = True,
    interrupt: bool = False,
    env: dict[str, str] | None = None,
) -> Finished:
    """Run `hours login google` in a child process; visit the URL it prints, as a user would."""
    command = [
        sys.executable,
        "-m",
        "hours",
        "login",
        "google",
        "--client",
        str(desktop_client(tmp_path, server)),
        "--timeout",
        "20",
        *endpoint_args(server),
        *extra,
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or child_env(),
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    lines: list[str] = []
    pages: list[requests.Response] = []
    while line := proc.stdout.readline():
        lines.append(line)
        if line.startswith("Waiting"):
            break
    url = next((x.strip() for x in lines if x.startswith("  http")), None)
    if interrupt:
        proc.send_signal(signal.SIGINT)
    elif browse and url is not None:
        pages.append(requests.get(url, timeout=10))
    rest = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(timeout=30)
    return Finished(proc.returncode, "".join(lines) + rest, err, pages)


# --- Google, through the browser ------------------------------------------------------


def test_login_google_end_to_end_then_refresh_then_logout(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    done = login_google(tmp_path, oauth_server, "--no-browser")

    assert done.status == 0, done.stderr
    assert done.stderr == ""
    path = token_file("google")
    lines = done.stdout.splitlines()
    assert lines[0] == "Open this address in a browser on this computer to sign in to Google:"
    assert lines[1].startswith(f"  {oauth_server.url('/authorize')}?client_id={CLIENT_ID}&")
    assert lines[2:] == [
        "Waiting up to 20 seconds for the sign-in...",
        f"Logged in to Google. The refresh token is in {path} (mode 0600); "
        "`hours logout google` forgets it.",
    ]
    assert "hours received your sign-in" in done.pages[0].text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert oauth_server.refresh_token_active(stored["refresh_token"])
    assert stored["scopes"] == ["https://mail.google.com/"]
    client = tmp_path / "downloads" / "client_secret.json"
    texts = [done.stdout, done.stderr, done.pages[0].text]
    assert leaks(oauth_server, texts, tmp_path, path, client) == []

    # A sync would do this: refresh for an access token the mail server accepts.
    access = StoredLoginTokens(TokenStore(path.parent), "google").access_token()
    assert oauth_server.active(access)

    result = run("logout", "google")
    assert result.exit_code == 0
    assert result.stdout == f"Revoked the Google login and deleted {path}.\n"
    (revoke,) = oauth_server.requests_to("/revoke")
    assert revoke.form == {"token": stored["refresh_token"]}
    assert not oauth_server.refresh_token_active(stored["refresh_token"])
    assert not oauth_server.active(access)
    assert not path.exists()
    assert leaks(oauth_server, [result.output], tmp_path, client) == []


def test_login_google_opens_the_browser_named_in_browser(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    page = tmp_path / "page.html"
    browser = tmp_path / "browser"
    # A browser launcher returns at once and loads the page on its own.
    browser.write_text(
        "#!/bin/sh\n"
        f"{sys.executable} -c 'import sys, urllib.request; "
        f'open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1], timeout=10).read())\' '
        f'"$1" {page} &\n'
    )
    browser.chmod(0o755)

    done = login_google(tmp_path, oauth_server, browse=False, env=child_env(BROWSER=str(browser)))

    assert done.status == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "Opening a browser to sign in to Google. If none opens, visit:"
    )
    assert token_file("google").exists()
    # The launcher's own process writes the page it got; give it a moment to finish.
    deadline = time.monotonic() + 10
    while not page.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert b"hours received your sign-in" in page.read_bytes()


def test_declining_in_the_browser_stores_nothing(tmp_path: Path, oauth_server: OAuthServer) -> None:
    oauth_server.inject("/authorize", "access_denied")
    done = login_google(tmp_path, oauth_server, "--no-browser")
    assert done.status == 3
    assert done.stderr == (
        "Error: the sign-in to Google was not completed (you declined); nothing was stored\n"
    )
    assert not (state() / "oauth").exists()


def test_ctrl_c_while_waiting_for_the_browser_stores_nothing(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    done = login_google(tmp_path, oauth_server, "--no-browser", interrupt=True)
    assert done.status == 130
    # click moves past the ^C the terminal echoed before the error line.
    assert done.stderr == "\nError: interrupted\n"
    assert not (state() / "oauth").exists()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            "html",
            "the token endpoint {url} answered HTTP 200 with text/html, not JSON (a proxy or a "
            "Wi-Fi sign-in page in the way?)",
        ),
        ("500", "the token endpoint {url} failed (HTTP 500); try again later"),
    ],
)
def test_a_token_endpoint_answering_html_or_500_is_exit_4(
    tmp_path: Path, oauth_server: OAuthServer, fault: str, message: str
) -> None:
    oauth_server.inject("/token", fault)
    done = login_google(tmp_path, oauth_server, "--no-browser")
    assert done.status == 4
    assert done.stderr == f"Error: {message.format(url=oauth_server.url('/token'))}\n"
    assert not (state() / "oauth").exists()
    client = tmp_path / "downloads" / "client_secret.json"
    assert leaks(oauth_server, [done.stdout, done.stderr], tmp_path, client) == []


def test_a_browser_that_never_comes_back(tmp_path: Path, oauth_server: OAuthServer) -> None:
    client = desktop_client(tmp_path, oauth_server)
    started = time.monotonic()
    result = run(
        "login", "google", "--client", str(client), "--no-browser", "--timeout", "1",
        *endpoint_args(oauth_server),
    )  # fmt: skip
    assert time.monotonic() - started < 10
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: the browser did not come back within 1 second; nothing was stored. "
        "Run `hours login google` again\n"
    )
    assert not (state() / "oauth").exists()


def test_a_port_in_use(tmp_path: Path, oauth_server: OAuthServer) -> None:
    import socket

    client = desktop_client(tmp_path, oauth_server)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(
            "login", "google", "--client", str(client), "--port", str(port),
            *endpoint_args(oauth_server),
        )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot wait for the sign-in on 127.0.0.1:{port}: another program uses that "
        "port; choose another port, or leave the port out to use a free one\n"
    )
    assert oauth_server.requests == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            None,
            "no client file at {path}: download it from the Google Cloud console (APIs & "
            "Services > Credentials > your Desktop app client > Download JSON)",
        ),
        (
            '{"web": {"client_id": "1234.apps.googleusercontent.com", "client_secret": "s"}}',
            "{path} is a Web application client; create a Desktop app client in the Google "
            "Cloud console and download its JSON",
        ),
        (
            "<html>not json</html>",
            '{path} is not a Google OAuth client file (it needs an "installed" client with a '
            "client_id); download the Desktop app client's JSON from the Google Cloud console",
        ),
        ("DIRECTORY", "cannot read the client file {path}: Is a directory"),
    ],
    ids=["missing", "web-client", "not-json", "unreadable"],
)
def test_a_bad_client_file_is_exit_3_with_nothing_stored(
    tmp_path: Path, oauth_server: OAuthServer, content: str | None, message: str
) -> None:
    path = tmp_path / "client.json"
    if content == "DIRECTORY":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    result = run("login", "google", "--client", str(path), *endpoint_args(oauth_server))
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == f"Error: {message.format(path=path)}\n"
    assert oauth_server.requests == []
    assert not state().exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["google"],
            "`hours login google` needs --client FILE (your Desktop app client's JSON), or "
            "oauth_client_file in [autoreply.email]; see `hours login --help`",
        ),
        (
            ["microsoft"],
            "`hours login microsoft` needs --client-id ID, or oauth_client_id in "
            "[autoreply.email]; see `hours login --help`",
        ),
        (
            ["google", "--client", "c.json", "--client-id", "x"],
            "give --client FILE or --client-id ID, not both",
        ),
        (
            ["microsoft", "--client", "c.json"],
            "--client is not for Microsoft: pass --client-id (the Application (client) ID of "
            "your app registration)",
        ),
        (
            ["microsoft", "--client-id", "x", "--port", "8080"],
            "--port is not for Microsoft: it signs in with a code typed at "
            "microsoft.com/devicelogin",
        ),
        (
            ["google", "--client-id", "x", "--tenant", "common"],
            "Google has no tenants; leave the tenant out",
        ),
        (
            ["microsoft", "--client-id", "x", "--tenant", "../evil"],
            "'../evil' is not a tenant: use common, consumers, organizations, a directory ID "
            "(a GUID) or a domain like contoso.onmicrosoft.com",
        ),
        (
            ["microsoft", "--client-id", "x", "--scopes", " , "],
            "--scopes is empty; leave it out for the mail scopes",
        ),
        (
            ["microsoft", "--client-id", "x", "--endpoint", "token=http://login.example.com/t"],
            "Invalid value for '--endpoint': 'http://login.example.com/t' is not an https URL "
            "(plain http is allowed only on 127.0.0.1, ::1, localhost). "
            "See 'hours login --help'.",
        ),
        (
            ["microsoft", "--client-id", "x", "--endpoint", "tokens=https://login.example.com/t"],
            "Invalid value for '--endpoint': 'tokens=https://login.example.com/t' is not NAME=URL "
            "with NAME one of authorization, token, device, revocation. "
            "See 'hours login --help'.",
        ),
        (
            ["yahoo"],
            "Invalid value for 'google|microsoft': 'yahoo' is not one of 'google', "
            "'microsoft'. See 'hours login --help'.",
        ),
    ],
)
def test_bad_flags_are_usage_errors(args: list[str], message: str) -> None:
    result = run("login", *args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert not state().exists()


# --- Microsoft, with the device code --------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the device flow's waits instead of waiting (the server does not time polls)."""
    waited: list[float] = []
    monkeypatch.setattr(time, "sleep", waited.append)
    return waited


def login_microsoft(server: OAuthServer, *extra: str) -> Result:
    """Run `hours login microsoft` with the server's device and token endpoints.

    Microsoft has no revocation endpoint, so none is named here either.
    """
    server.register_client(MS_CLIENT_ID)
    overrides = [
        "--endpoint", f"device={server.url('/devicecode')}",
        "--endpoint", f"token={server.url('/token')}",
    ]  # fmt: skip
    return run("login", "microsoft", "--client-id", MS_CLIENT_ID, *overrides, *extra)


def test_login_microsoft_end_to_end_then_logout(
    tmp_path: Path, oauth_server: OAuthServer, sleeps: list[float]
) -> None:
    oauth_server.inject("/token", "authorization_pending", "authorization_pending", "slow_down")
    result = login_microsoft(oauth_server)

    assert result.exit_code == 0, result.output
    path = token_file("microsoft")
    lines = result.stdout.splitlines()
    code = lines[0].split("enter the code ")[1].split(" ")[0]
    assert lines == [
        f"To sign in to Microsoft, open {oauth_server.url('/devicelogin')} on any device and "
        f"enter the code {code} (within 15 minutes).",
        "Waiting for the sign-in... (Ctrl-C to give up)",
        f"Logged in to Microsoft. The refresh token is in {path} (mode 0600); "
        "`hours logout microsoft` forgets it.",
    ]
    assert sleeps == [5, 5, 5, 10]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["client_secret"] is None
    assert stored["scopes"] == [
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
        "offline_access",
    ]
    assert leaks(oauth_server, [result.output], tmp_path, path) == []

    result = run("logout", "microsoft")
    assert result.exit_code == 0
    assert result.stdout == (
        f"Deleted {path}. Microsoft offers no way for an app to revoke its token; to end its "
        "access everywhere, remove the app at https://account.live.com/consent/Manage "
        "(personal accounts) or https://myapps.microsoft.com (work or school).\n"
    )
    assert not path.exists()
    assert oauth_server.requests_to("/revoke") == []
    assert json.loads(run("logout", "microsoft", "--json").stdout) == {
        "provider": "microsoft",
        "token_file": str(path),
        "forgotten": False,
        "revoked": None,
    }


@pytest.mark.parametrize(
    ("fault", "status", "message"),
    [
        (
            "expired_token",
            3,
            "the code {code} expired before the sign-in was finished; nothing was stored. "
            "Run `hours login microsoft` again",
        ),
        ("access_denied", 3, "the sign-in to Microsoft was declined; nothing was stored"),
        ("500", 4, "the token endpoint {url} failed (HTTP 500); try again later"),
        (
            "html",
            4,
            "the token endpoint {url} answered HTTP 200 with text/html, not JSON (a proxy or a "
            "Wi-Fi sign-in page in the way?)",
        ),
    ],
)
def test_login_microsoft_that_does_not_finish_stores_nothing(
    oauth_server: OAuthServer, sleeps: list[float], fault: str, status: int, message: str
) -> None:
    oauth_server.inject("/token", "authorization_pending", fault)
    result = login_microsoft(oauth_server)
    assert result.exit_code == status
    code = result.stdout.split("enter the code ")[1].split(" ")[0]
    expected = message.format(code=code, url=oauth_server.url("/token"))
    assert result.stderr == f"Error: {expected}\n"
    assert not (state() / "oauth").exists()


def test_login_microsoft_gives_up_at_its_own_time_limit(
    oauth_server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real waits, short: the code lives 900 s, but --timeout 2 ends the wait sooner.
    oauth_server.device_interval = 1
    oauth_server.inject("/token", *["authorization_pending"] * 10)
    started = time.monotonic()
    result = login_microsoft(oauth_server, "--timeout", "2")
    assert time.monotonic() - started < 10
    assert result.exit_code == 3
    assert "(within 2 seconds)" in result.stdout
    assert "expired before the sign-in was finished" in result.stderr
    # Polled at 1 s; a poll at 2 s would already be past the limit.
    assert len(oauth_server.requests_to("/token")) == 1


def test_login_microsoft_json_tenant_scopes_and_replacing(
    oauth_server: OAuthServer, sleeps: list[float]
) -> None:
    assert login_microsoft(oauth_server).exit_code == 0
    result = login_microsoft(
        oauth_server,
        "--tenant",
        "consumers",
        "--scopes",
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "--json",
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "provider": "microsoft",
        "token_file": str(token_file("microsoft")),
        "scopes": ["https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"],
    }
    # The instructions went to stderr, so stdout is one JSON document.
    assert "enter the code" in result.stderr
    assert oauth_server.requests_to("/devicecode")[-1].form["scope"] == (
        "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
    )
    again = login_microsoft(oauth_server)
    assert "Logged in to Microsoft (the earlier login is replaced)." in again.stdout


def test_login_microsoft_with_an_unknown_client_id(
    oauth_server: OAuthServer, sleeps: list[float]
) -> None:
    oauth_server.register_client(MS_CLIENT_ID)
    result = run(
        "login", "microsoft", "--client-id", "not-registered", *endpoint_args(oauth_server)
    )
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: Microsoft refused the OAuth client (unauthorized_client: AADSTS700016: "
        "Application not found in the directory.); check the client ID or client file and the "
        "app registration's permissions\n"
    )


# --- logout ---------------------------------------------------------------------------


def test_logout_with_nothing_stored() -> None:
    result = run("logout", "google")
    assert result.exit_code == 0
    assert result.stdout == "No Google login is stored; nothing to forget.\n"


def test_logout_when_google_cannot_revoke_forgets_and_exits_4(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    assert login_google(tmp_path, oauth_server, "--no-browser").status == 0
    oauth_server.inject("/revoke", "html")
    result = run("logout", "google")
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: forgot the Google login here, but could not revoke it: the revocation endpoint "
        f"{oauth_server.url('/revoke')} answered HTTP 200 with text/html, not JSON; remove the "
        "app's access "
        "at https://myaccount.google.com/permissions\n"
    )
    assert not token_file("google").exists()


# --- what the config gives `hours login` ----------------------------------------------


def outlook_config(server: OAuthServer, extra: str = "") -> Path:
    return write_config(f"""\
timezone = "Europe/London"
[autoreply.email]
provider = "outlook"
address = "sam@outlook.com"
oauth_client_id = "{MS_CLIENT_ID}"
oauth_tenant = "consumers"
oauth_device_url = "{server.url("/devicecode")}"
oauth_token_url = "{server.url("/token")}"
{extra}""")


def test_login_microsoft_takes_its_client_and_endpoints_from_the_config(
    oauth_server: OAuthServer, sleeps: list[float]
) -> None:
    oauth_server.register_client(MS_CLIENT_ID)
    outlook_config(oauth_server)

    result = run("login", "microsoft", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scopes"] == [
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
        "offline_access",
    ]
    (request,) = oauth_server.requests_to("/devicecode")
    assert request.form["client_id"] == MS_CLIENT_ID
    stored = json.loads(token_file("microsoft").read_text())
    assert stored["token_url"] == oauth_server.url("/token")


def test_flags_win_over_the_config(oauth_server: OAuthServer, sleeps: list[float]) -> None:
    oauth_server.register_client("11111111-2222-3333-4444-555555555555")
    outlook_config(oauth_server)
    result = run("login", "microsoft", "--client-id", "11111111-2222-3333-4444-555555555555")
    assert result.exit_code == 0, result.output
    (request,) = oauth_server.requests_to("/devicecode")
    assert request.form["client_id"] == "11111111-2222-3333-4444-555555555555"


def test_a_config_for_another_provider_gives_nothing(oauth_server: OAuthServer) -> None:
    outlook_config(oauth_server)
    result = run("login", "google")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: `hours login google` needs --client FILE")
    assert oauth_server.requests == []


def test_login_google_finds_the_client_file_beside_the_config(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    path = write_config(f"""\
timezone = "Europe/London"
[autoreply.email]
provider = "gmail"
address = "sam@gmail.com"
auth = "xoauth2"
oauth_client_file = "client_secret.json"
oauth_authorization_url = "{oauth_server.url("/authorize")}"
oauth_token_url = "{oauth_server.url("/token")}"
""")
    client = desktop_client(tmp_path, oauth_server)
    (path.parent / "client_secret.json").write_text(client.read_text())
    command = [sys.executable, "-m", "hours", "login", "google", "--no-browser", "--timeout", "20"]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env()
    )
    assert proc.stdout is not None
    lines = []
    while line := proc.stdout.readline():
        lines.append(line)
        if line.startswith("Waiting"):
            break
    url = next(x.strip() for x in lines if x.startswith("  http"))
    assert url.startswith(f"{oauth_server.url('/authorize')}?client_id={CLIENT_ID}&")
    requests.get(url, timeout=10)
    assert proc.wait(timeout=30) == 0
    assert json.loads(token_file("google").read_text())["client_secret"] == CLIENT_SECRET
