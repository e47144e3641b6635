"""Read new mail over IMAP without changing anything in the mailbox.

The mailbox is selected read-only (EXAMINE) and only header blocks are fetched, with
BODY.PEEK, so no flag (\\Seen included) moves. Progress is a Cursor of UIDVALIDITY and the last
UID seen: a poll asks only for UIDs above it, so its cost follows the new mail, not the mailbox.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imap4 import IMAP4WithTimeout
from imapclient.tls import IMAP4_TLS

from hours.clients.mail import IncomingMail, parse_header_block
from hours.clients.net import (
    BoundedReader,
    Caps,
    Deadline,
    Endpoint,
    describe,
    require_safe,
    scrub,
    send_within,
)
from hours.clients.sasl import Credential, MailLogin, TokenLogin, offers
from hours.errors import ProviderError

_HEADER = b"BODY[HEADER]"
_FETCH = ["INTERNALDATE", "BODY.PEEK[HEADER]"]
# UIDs per FETCH command, to keep command lines short when much mail arrived at once.
_BATCH = 500
# The longest wait for one answer, within what is left of the sync's deadline.
WAIT = 30.0
# One answer of the server: imaplib's own line limit; a FETCH of _BATCH header blocks (two
# lines each, the blocks as literals) is far under both others.
CAPS = Caps(line=1_000_000, lines=100_000, total=64 << 20)
# A command as imaplib sends it: its tag (letters, then a number), then the command's name.
_COMMAND = re.compile(rb"[A-Z]+\d+ ([A-Za-z]+)")


@dataclass(frozen=True)
class Cursor:
    """How far a mailbox has been read: its UIDVALIDITY and the highest UID already seen."""

    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class PollResult:
    """What a poll found: the new messages (oldest first) and the cursor to store next."""

    cursor: Cursor
    messages: tuple[IncomingMail, ...]
    restarted: bool  # True when the cursor was (re)set to "now" and nothing old was returned


class ImapReader(MailLogin):
    """Poll one IMAP mailbox, read-only, for mail newer than a cursor.

    `password` is the password, or a TokenLogin for OAuth2 (XOAUTH2 or OAUTHBEARER).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        username: str,
        password: Credential,
        *,
        mailbox: str = "INBOX",
        timeout: float = WAIT,
        deadline: Deadline | None = None,
    ) -> None:
        super().__init__(endpoint, password, timeout=timeout, deadline=deadline)
        self.username = username
        self.mailbox = mailbox

    def poll(self, cursor: Cursor | None) -> PollResult:
        """Connect, log in, read what is newer than `cursor`, and log out."""
        with self.session() as client:
            return fetch_new(client, self.mailbox, cursor)

    def check(self) -> Cursor:
        """Log in and examine the mailbox, returning where "now" is (for install and doctor)."""
        with self.session() as client:
            return fetch_new(client, self.mailbox, None).cursor

    @contextmanager
    def session(self) -> Iterator[IMAPClient]:
        """Yield a logged-in client; every failure becomes a ProviderError without the password."""
        require_safe(self.endpoint, service="IMAP")
        where = describe(self.endpoint)
        client: IMAPClient | None = None
        deadline = self.deadline or Deadline.after(self.timeout * 4)
        try:
            client = _connect(self.endpoint, self.timeout, deadline)
            if isinstance(self._credential, TokenLogin):
                self._token_login(client, self._credential)
            else:
                try:
                    client.login(self.username, self._credential)
                except IMAPClientError as exc:
                    raise ProviderError(
                        f"IMAP login to {where} as {self.username} failed: "
                        f"{self._scrub(exc)}. Check the username and password."
                    ) from None
            yield client
        except ProviderError:
            raise
        except UnicodeEncodeError:
            raise ProviderError(
                f"IMAP {where}: the username or password holds characters IMAP LOGIN cannot "
                "send (only ASCII)"
            ) from None
        except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
            raise ProviderError(f"IMAP {where}: {self._scrub(exc)}") from None
        finally:
            if client is not None:
                _close(client)

    def _token_login(self, client: IMAPClient, login: TokenLogin) -> None:
        """Log in with an access token; a refused one is fetched afresh and tried once more."""
        where = describe(self.endpoint)
        offered = [
            c.decode(errors="replace")[5:]
            for c in client.capabilities()
            if c.upper().startswith(b"AUTH=")
        ]
        if (problem := offers(login.mechanism, offered, service="IMAP", where=where)) is not None:
            raise ProviderError(problem)
        sign_in = client.oauth2_login if login.mechanism == "XOAUTH2" else client.oauthbearer_login
        why = ""
        for token in self._tokens(login):
            try:
                sign_in(self.username, token)
                return
            except IMAPClientError as exc:
                why = self._scrub(exc)
        raise ProviderError(login.refused("IMAP", where, self.username, why))

    def _scrub(self, exc: BaseException) -> str:
        """Describe an error, making sure the password never reaches a message or log."""
        detail = exc.args[0] if len(exc.args) == 1 else exc
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        return scrub(exc, self._password, self.timeout, str(detail))


def fetch_new(client: IMAPClient, mailbox: str, cursor: Cursor | None) -> PollResult:
    """Examine `mailbox` on a logged-in client and return what is newer than `cursor`.

    With no cursor, or a UIDVALIDITY that changed (the UIDs mean other messages now), the
    cursor restarts at the current highest UID and nothing is returned: no backlog is answered.
    """
    # STATUS first: it reads the server's index without opening the mailbox, which for a
    # large maildir costs a directory scan. Most polls (cron, every few minutes) stop here.
    if cursor is not None:
        status = client.folder_status(mailbox, ["UIDVALIDITY", "UIDNEXT"])
        if (
            int(status[b"UIDVALIDITY"]) == cursor.uidvalidity
            and int(status[b"UIDNEXT"]) <= cursor.last_uid + 1
        ):
            return PollResult(cursor, (), restarted=False)
    selected = client.select_folder(mailbox, readonly=True)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    uidnext = _uidnext(client, selected)
    if cursor is None or cursor.uidvalidity != uidvalidity:
        return PollResult(Cursor(uidvalidity, uidnext - 1), (), restarted=True)
    if uidnext <= cursor.last_uid + 1:
        # Expunged between STATUS and EXAMINE: nothing to fetch.
        return PollResult(cursor, (), restarted=False)
    # `UID SEARCH UID n:*` also returns the highest message when its UID is below n (RFC 3501's
    # `*` is the highest UID in use), so anything at or below the cursor is dropped here.
    found = client.search(["UID", f"{cursor.last_uid + 1}:*"])
    new_uids = sorted(uid for uid in found if uid > cursor.last_uid)
    messages: list[IncomingMail] = []
    for start in range(0, len(new_uids), _BATCH):
        batch = new_uids[start : start + _BATCH]
        response = client.fetch(batch, _FETCH)
        messages.extend(_incoming(uid, response[uid]) for uid in batch if uid in response)
    last = max([cursor.last_uid, uidnext - 1, *(m.uid for m in messages)])
    return PollResult(Cursor(uidvalidity, last), tuple(messages), restarted=False)


class _Bounded:
    """imaplib's reads and sends, within the deadline and the caps (a mixin for IMAP4 classes).

    imaplib reads every line through `readline` and every literal through `read`, and sends
    every command through `send`: here each read is given only the time left, each answer is
    held to CAPS (an endless run of untagged lines ends at CAPS.lines), and each send to what
    is left.
    """

    sock: socket.socket

    def _bound(self, deadline: Deadline, wait: float, service: str) -> None:
        self._deadline, self._wait = deadline, wait
        self._reader = BoundedReader(
            lambda: self.sock, deadline, cap=wait, caps=CAPS, service=service
        )

    def readline(self) -> bytes:
        return self._reader.readline()

    def read(self, size: int) -> bytes:
        return self._reader.read(size)

    def send(self, data: bytes) -> None:
        # A command line is "tag VERB ...": its answer starts here. (A literal sent after a
        # continuation has no tag of ours; the answer it belongs to goes on.)
        found = _COMMAND.match(data)
        if found:
            self._reader.start(f"answer to {found[1].decode('ascii').upper()}")
        send_within(self.sock, data, self._deadline, self._wait, self._reader.doing)


class _Imap4(_Bounded, IMAP4WithTimeout):  # type: ignore[misc]
    def __init__(self, endpoint: Endpoint, deadline: Deadline, wait: float) -> None:
        self._bound(deadline, wait, f"IMAP {describe(endpoint)}")
        super().__init__(endpoint.host, endpoint.port, deadline.timeout(wait, "connecting"))


class _Imap4Tls(_Bounded, IMAP4_TLS):  # type: ignore[misc]
    def __init__(self, endpoint: Endpoint, deadline: Deadline, wait: float) -> None:
        self._bound(deadline, wait, f"IMAP {describe(endpoint)}")
        context = ssl.create_default_context()
        super().__init__(
            endpoint.host, endpoint.port, context, deadline.timeout(wait, "connecting")
        )


class _Client(IMAPClient):  # type: ignore[misc]
    """IMAPClient over the bounded IMAP4 classes above."""

    def __init__(self, endpoint: Endpoint, deadline: Deadline, wait: float) -> None:
        self._endpoint, self._deadline, self._wait = endpoint, deadline, wait
        secure = endpoint.security == "ssl"
        super().__init__(
            endpoint.host,
            port=endpoint.port,
            ssl=secure,
            ssl_context=ssl.create_default_context() if secure else None,
            timeout=wait,
        )

    def _create_IMAP4(self) -> imaplib.IMAP4:
        kind = _Imap4Tls if self.ssl else _Imap4
        imap: imaplib.IMAP4 = kind(self._endpoint, self._deadline, self._wait)
        return imap

    def _set_read_timeout(self) -> None:
        pass  # each read sets its own, from what is left of the deadline


def _connect(endpoint: Endpoint, wait: float, deadline: Deadline) -> IMAPClient:
    client = _Client(endpoint, deadline, wait)
    if endpoint.security == "starttls":
        client.starttls(ssl.create_default_context())
    # INTERNALDATE as an aware datetime, not converted to the machine's local time.
    client.normalise_times = False
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClientError, imaplib.IMAP4.error, ProviderError):
        # Logging out is a courtesy; the socket is dropped either way. imaplib shuts the
        # socket down even when the server answers LOGOUT with NO, so a second shutdown may
        # find it closed.
        with contextlib.suppress(OSError):
            client.shutdown()


def _uidnext(client: IMAPClient, status: dict[bytes, Any]) -> int:
    if b"UIDNEXT" in status:
        return int(status[b"UIDNEXT"])
    # UIDNEXT is optional in old servers' SELECT answers; the highest UID + 1 is equivalent.
    if not int(status.get(b"EXISTS", 0)):
        return 1
    highest = client.search(["UID", "*"])
    return max(highest) + 1 if highest else 1


def _incoming(uid: int, data: dict[bytes, Any]) -> IncomingMail:
    arrived = data[b"INTERNALDATE"]
    if arrived.tzinfo is None:
        # Only when a server sends no zone, which RFC 3501 does not allow: read it as UTC.
        arrived = arrived.replace(tzinfo=dt.UTC)
    return parse_header_block(uid, arrived, bytes(data.get(_HEADER, b"")))
