"""A real Dovecot 2.3 (IMAP, ManageSieve, LMTP with Pigeonhole Sieve) on loopback, for tests.

The instance lives in its own temporary directory with its own dovecot.conf, listens on free
high ports of 127.0.0.1, and sends what Sieve's `vacation` generates to an SMTP recorder
(`submission_host`), so a test can see Dovecot's own auto-replies.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from tests.servers.apt import install_reason
from tests.servers.smtp import free_port

PACKAGES = ("dovecot-imapd", "dovecot-managesieved", "dovecot-sieve", "dovecot-lmtpd")
# One file from each package: the binaries alone would not say whether Sieve is there.
_PACKAGE_FILES = (
    Path("/usr/sbin/dovecot"),
    Path("/usr/lib/dovecot/imap"),
    Path("/usr/lib/dovecot/managesieve"),
    Path("/usr/lib/dovecot/lmtp"),
    Path("/usr/lib/dovecot/modules/lib90_sieve_plugin.so"),
)
DOMAIN = "example.test"
PASSWORD = "correct horse battery staple"


def missing_packages_reason() -> str | None:
    """Install Dovecot from Debian's packages if it is missing; return why not, or None."""
    return install_reason("Dovecot", PACKAGES, lambda: all(p.exists() for p in _PACKAGE_FILES))


@dataclass(frozen=True)
class MailUser:
    """An account on the test Dovecot: its login is its address."""

    address: str
    password: str
    home: Path

    @property
    def maildir(self) -> Path:
        """Return the user's INBOX maildir."""
        return self.home / "Maildir"


def _config(
    root: Path,
    *,
    user: str,
    group: str,
    ports: dict[str, int],
    smtp: int,
    mail_format: str,
    oauth: bool = False,
) -> str:
    location = "maildir:~/Maildir" if mail_format == "maildir" else f"{mail_format}:~/mail"
    mechanisms = "plain login xoauth2 oauthbearer" if oauth else "plain login"
    return textwrap.dedent(f"""\
        # Written by tests/servers/dovecot.py; nothing here is read from /etc/dovecot.
        instance_name = hours-test-{ports["imap"]}
        base_dir = {root}/run
        state_dir = {root}/state
        log_path = {root}/dovecot.log
        info_log_path = {root}/dovecot.log
        protocols = imap sieve lmtp
        listen = 127.0.0.1
        hostname = mail.{DOMAIN}
        postmaster_address = postmaster@{DOMAIN}
        # Loopback only: plaintext is acceptable here, and the client refuses it elsewhere.
        ssl = no
        disable_plaintext_auth = no
        auth_mechanisms = {mechanisms}
        # Tests try wrong passwords on purpose; the default 2 s penalty would only slow them.
        auth_failure_delay = 0
        # Every process runs as one unprivileged user (login processes refuse root).
        default_internal_user = {user}
        default_internal_group = {group}
        default_login_user = {user}
        first_valid_uid = 1
        mail_location = {location}
        submission_host = 127.0.0.1:{smtp}
        passdb {{
          driver = passwd-file
          args = scheme=PLAIN username_format=%u {root}/passwd/%u
        }}
        userdb {{
          driver = passwd-file
          args = username_format=%u {root}/passwd/%u
        }}
        service imap-login {{
          chroot =
          inet_listener imap {{
            address = 127.0.0.1
            port = {ports["imap"]}
          }}
          inet_listener imaps {{
            port = 0
          }}
        }}
        service managesieve-login {{
          chroot =
          inet_listener sieve {{
            address = 127.0.0.1
            port = {ports["sieve"]}
          }}
        }}
        service lmtp {{
          inet_listener lmtp {{
            address = 127.0.0.1
            port = {ports["lmtp"]}
          }}
        }}
        service auth-worker {{
          user = {user}
        }}
        service anvil {{
          chroot =
          # No penalty socket, no auth penalty: after a test's deliberate wrong password,
          # every later login from 127.0.0.1 would otherwise wait seconds.
          unix_listener anvil-auth-penalty {{
            mode = 0
          }}
        }}
        protocol lmtp {{
          mail_plugins = $mail_plugins sieve
        }}
        plugin {{
          sieve = file:~/sieve;active=~/.dovecot.sieve
          sieve_extensions = +vacation-seconds
          sieve_vacation_min_period = 0
        }}
        """) + (_OAUTH_PASSDB.format(root=root) if oauth else "")


# XOAUTH2 and OAUTHBEARER logins go to the oauth2 database, which asks the introspection
# endpoint whether the token is active and whose it is; passwords still go to passwd-file.
_OAUTH_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
"""


def _oauth2_config(introspection_url: str) -> str:
    return textwrap.dedent(f"""\
        # Written by tests/servers/dovecot.py: validate tokens by RFC 7662 introspection.
        introspection_mode = post
        introspection_url = {introspection_url}
        username_attribute = username
        active_attribute = active
        active_value = true
        timeout_msecs = 5000
        """)


class Dovecot:
    """A running Dovecot: its ports, users, and helpers to put mail in and look at it."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        submission_port: int,
        mail_format: str = "maildir",
        oauth_introspection_url: str | None = None,
    ) -> None:
        """Configure (not start) a Dovecot; with an introspection URL it takes OAuth2 logins."""
        self.root = Path(tempfile.mkdtemp(prefix="hours-dovecot-"))
        account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self._uid, self._gid = account.pw_uid, account.pw_gid
        self.imap_port, self.sieve_port, self.lmtp_port = free_port(), free_port(), free_port()
        self._counter = itertools.count(1)
        # One passwd-file per user: a new file is read at once, an edited one maybe not.
        self._passwd = self.root / "passwd"
        self._passwd.mkdir()
        (self.root / "home").mkdir()
        group = self._group_name()
        (self.root / "dovecot.conf").write_text(
            _config(
                self.root,
                user=account.pw_name,
                group=group,
                ports={"imap": self.imap_port, "sieve": self.sieve_port, "lmtp": self.lmtp_port},
                smtp=submission_port,
                mail_format=mail_format,
                oauth=oauth_introspection_url is not None,
            )
        )
        if oauth_introspection_url is not None:
            (self.root / "dovecot-oauth2.conf.ext").write_text(
                _oauth2_config(oauth_introspection_url)
            )
        self._chown(self.root)
        self._process: subprocess.Popen[bytes] | None = None

    def _group_name(self) -> str:
        import grp

        return grp.getgrgid(self._gid).gr_name

    def _chown(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        os.chown(path, self._uid, self._gid)
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                os.chown(os.path.join(dirpath, name), self._uid, self._gid, follow_symlinks=False)

    @property
    def log(self) -> str:
        """Return Dovecot's log so far (for failure messages)."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, *, timeout: float = 20.0) -> Dovecot:
        """Start Dovecot in the foreground of a child process and wait until it answers."""
        command = ["dovecot", "-F", "-c", str(self.root / "dovecot.conf")]
        if os.geteuid() == 0:
            command = [
                "setpriv",
                f"--reuid={self._uid}",
                f"--regid={self._gid}",
                "--clear-groups",
                *command,
            ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.root
        )
        deadline = time.monotonic() + timeout
        for port in (self.imap_port, self.sieve_port, self.lmtp_port):
            while not _accepts(self.host, port):
                if self._process.poll() is not None:
                    err = self._process.stderr.read().decode() if self._process.stderr else ""
                    raise RuntimeError(f"dovecot exited: {err}\n{self.log}")
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"dovecot did not listen on {port}:\n{self.log}")
                time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop Dovecot (SIGTERM, then SIGKILL) and remove its directory."""
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stderr:
                self._process.stderr.close()
            self._process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def new_user(self, name: str | None = None) -> MailUser:
        """Create an account with an empty mailbox and no Sieve script.

        `name` is the local part (at example.test), or a whole address: a newcomer's own,
        like sam@outlook.com, for tests that start from nothing but the address.
        """
        local = name or f"user{next(self._counter)}"
        address = local if "@" in local else f"{local}@{DOMAIN}"
        home = self.root / "home" / address
        home.mkdir()
        self._chown(home)
        entry = self._passwd / address
        entry.write_text(f"{address}:{{PLAIN}}{PASSWORD}:{self._uid}:{self._gid}::{home}::\n")
        self._chown(entry)
        return MailUser(address=address, password=PASSWORD, home=home)

    def deliver(self, user: MailUser, message: EmailMessage, *, mail_from: str) -> None:
        """Deliver through LMTP, so Sieve runs on it as it would for real mail."""
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=10) as lmtp:
            refused = lmtp.send_message(message, from_addr=mail_from, to_addrs=[user.address])
        assert not refused, refused

    @contextmanager
    def imap(self, user: MailUser) -> Iterator[IMAPClient]:
        """Log in over IMAP as the user (a second, independent connection for checks)."""
        client = IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=10)
        try:
            client.login(user.address, user.password)
            yield client
        finally:
            try:
                client.logout()
            except (OSError, IMAPClientError):  # already closed by the test is fine
                client.shutdown()

    def append(
        self,
        user: MailUser,
        messages: list[EmailMessage],
        *,
        arrived: dt.datetime | None = None,
        folder: str = "INBOX",
    ) -> list[int]:
        """Store messages with a chosen INTERNALDATE (IMAP APPEND), returning their UIDs."""
        uids: list[int] = []
        with self.imap(user) as client:
            for message in messages:
                response = client.append(folder, message.as_bytes(), msg_time=arrived)
                # Dovecot answers APPEND with [APPENDUID uidvalidity uid].
                uids.append(int(response.split(b"]")[0].split()[-1]))
        return uids

    def change_uidvalidity(self, user: MailUser) -> None:
        """Give INBOX a new UIDVALIDITY, as a restored or rebuilt mailbox would have.

        Maildir only: dovecot-uidlist is rewritten with another UIDVALIDITY and the indexes
        removed, so Dovecot believes the uidlist; the caller must have logged out.
        """
        uidlist = user.maildir / "dovecot-uidlist"
        header, _, rest = uidlist.read_text().partition("\n")
        fields = header.split()
        for i, field in enumerate(fields):
            if field.startswith("V"):
                fields[i] = f"V{int(field[1:]) + 1000}"
        uidlist.write_text(" ".join(fields) + "\n" + rest)
        for index in user.maildir.glob("dovecot.index*"):
            index.unlink()
        for index in user.maildir.glob("dovecot.list.index*"):
            index.unlink()


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def make_message(
    *,
    sender: str,
    to: str,
    subject: str = "Hello",
    body: str = "Are you free tomorrow?\n",
    extra: dict[str, str] | None = None,
) -> EmailMessage:
    """Build a plain test message with a Message-ID and whatever extra headers are given."""
    import email.utils

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = email.utils.make_msgid(domain="client.test")
    for name, value in (extra or {}).items():
        message[name] = value
    message.set_content(body)
    return message
