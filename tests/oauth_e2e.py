"""Shared pieces of the OAuth2 email tests: configs on the OAuth2 Dovecot and SMTP server,
token commands, `hours login` against the loopback OAuth2 server, and the leak check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.email_e2e import WEEKDAYS
from tests.helpers import run, snapshot, write_config
from tests.servers.dovecot import Dovecot, MailUser
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import SmtpRecorder

MS_CLIENT_ID = "00000000-aaaa-bbbb-cccc-000000000002"
GOOGLE_CLIENT_ID = "5678-hours.apps.googleusercontent.com"
GOOGLE_CLIENT_SECRET = "GOCSPX-another-distinctive-secret"


def servers(dovecot: Dovecot, smtp: SmtpRecorder | None = None) -> str:
    """Return the loopback servers as explicit keys, which win over a provider's."""
    lines = [
        f'imap = {{ host = "{dovecot.host}", port = {dovecot.imap_port}, security = "none" }}',
        f'sieve = {{ host = "{dovecot.host}", port = {dovecot.sieve_port}, security = "none" }}',
    ]
    if smtp is not None:
        lines.append(f'smtp = {{ host = "{smtp.host}", port = {smtp.port}, security = "none" }}')
    return "\n".join(lines)


def oauth_config(
    dovecot: Dovecot,
    user: MailUser,
    smtp: SmtpRecorder | None,
    login: str,
    *,
    mode: str = "imap",
    auth: str = "xoauth2",
) -> Path:
    """Write a config whose email channel logs in with OAuth2 (`login`: its token's source)."""
    return write_config(f"""\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
{WEEKDAYS}
[autoreply.email]
mode = "{mode}"
address = "{user.address}"
auth = "{auth}"
{login}
{servers(dovecot, smtp)}
""")


class TokenCommand:
    """A token command as a script: it prints the next token of its list, and counts its runs."""

    def __init__(self, directory: Path, *tokens: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.runs = directory / "runs"
        self.script = directory / "token.sh"
        for i, token in enumerate(tokens):
            (directory / f"token{i}").write_text(f"{token}\n")
        last = len(tokens) - 1
        # The n-th run prints the n-th token; later runs print the last one.
        self.script.write_text(
            f'n=$(cat "{self.runs}" 2>/dev/null | wc -l)\n'
            f'echo run >> "{self.runs}"\n'
            f'[ "$n" -gt {last} ] && n={last}\n'
            f'cat "{directory}/token$n"\n'
        )

    @property
    def line(self) -> str:
        """Return the config line naming this command."""
        return f"token_command = \"sh '{self.script}'\""

    @property
    def count(self) -> int:
        """Return how many times the command ran."""
        return len(self.runs.read_text().splitlines()) if self.runs.exists() else 0


def login_microsoft(server: OAuthServer, user: MailUser, *extra: str) -> None:
    """Run `hours login microsoft` against the loopback server, signed in as `user`."""
    server.register_client(MS_CLIENT_ID)
    server.user = user.address
    server.device_interval = 0  # the code is approved at the first poll: nothing to wait for
    result = run("login", "microsoft", "--client-id", MS_CLIENT_ID, *endpoint_args(server), *extra)
    assert result.exit_code == 0, result.output


def endpoint_args(server: OAuthServer) -> list[str]:
    """Return `--endpoint NAME=URL` for every endpoint of the loopback server."""
    return [
        arg
        for name, url in server.endpoint_overrides().items()
        for arg in ("--endpoint", f"{name}={url}")
    ]


def google_client_file(directory: Path, server: OAuthServer) -> Path:
    """Register a Desktop app client and write its JSON, as the Google Cloud console would."""
    server.register_client(GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET)
    path = directory / "client_secret.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    installed = {"client_id": GOOGLE_CLIENT_ID, "client_secret": GOOGLE_CLIENT_SECRET}
    path.write_text(json.dumps({"installed": installed}))
    return path


def login_google_process(server: OAuthServer, *args: str) -> tuple[int, str, str]:
    """Run `hours login google ARGS` in a child process and sign in from the URL it prints."""
    command = [sys.executable, "-m", "hours", "login", "google", "--no-browser", *args]
    env = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
    }
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    lines = []
    while line := proc.stdout.readline():
        lines.append(line)
        if line.startswith("Waiting"):
            break
    url = next((x.strip() for x in lines if x.startswith("  http")), None)
    if url is not None:
        requests.get(url, timeout=10)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.wait(timeout=30)
    return proc.returncode, "".join(lines) + out, err


def leaks(secrets: list[str], texts: list[str], root: Path, *allowed: Path) -> list[str]:
    """Return where any of `secrets` shows up: in `texts`, or in a file under `root`.

    `allowed` files may hold them: the token file `hours login` writes, a client file, the
    test's own token command files.
    """
    assert secrets, "the check needs something to look for"
    found = [f"text {i}" for i, text in enumerate(texts) for s in secrets if s in text]
    for path, data in snapshot(root).items():
        if not any(Path(path) == a or a in Path(path).parents for a in allowed):
            found += [path for s in secrets if s.encode() in data]
    return found
