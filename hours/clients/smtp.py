"""Build an RFC 3834 auto-reply to an incoming email, and send mail over SMTP."""

from __future__ import annotations

import datetime as dt
import email.utils
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.headerregistry import Address
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from hours.clients.mail import IncomingMail
from hours.clients.net import (
    BoundedReader,
    Caps,
    Deadline,
    Endpoint,
    describe,
    require_safe,
    scrub,
)
from hours.clients.sasl import Credential, MailLogin, OAuthSasl, TokenLogin, offers
from hours.errors import MaybeSent, ProviderError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# A thread of hundreds of messages must not make a reply's header unbounded; RFC 5322 allows
# trimming References as long as the first and the last are kept.
_MAX_REFERENCES = 20
# The longest wait for one reply, within what is left of the sync's deadline.
WAIT = 30.0
# One reply of the server: smtplib's own line limit; an EHLO reply is a dozen lines, so a
# hundred `220-` or `250-` lines is a server that will not stop.
CAPS = Caps(line=8192, lines=100, total=1 << 20)


class RecipientRefused(ProviderError):
    """The server refused every recipient for good (5xx): sending again cannot help."""


class SmtpSender(MailLogin):
    """Send messages through one SMTP server (submission), logging in when a user is given.

    `password` is the password, or a TokenLogin for OAuth2 (XOAUTH2 or OAUTHBEARER).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        username: str | None = None,
        password: Credential | None = None,
        *,
        timeout: float = WAIT,
        deadline: Deadline | None = None,
    ) -> None:
        super().__init__(endpoint, password, timeout=timeout, deadline=deadline)
        self.username = username

    def send(self, message: EmailMessage, *, envelope_from: str = "") -> None:
        """Send `message`; the envelope sender defaults to the null path, as RFC 3834 asks.

        A reply with a null return path cannot itself be answered or bounced back into a loop.
        Every failure becomes a ProviderError that names the server, never the password.
        """
        with self._session() as smtp:
            try:
                smtp.send_message(message, from_addr=envelope_from)
            except (ProviderError, smtplib.SMTPException, OSError) as exc:
                # Once the whole message went out, only the server's final answer was
                # missing: it may have been delivered, and must not be sent a second time. An
                # answer that refuses it (SMTPResponseException) says it was not.
                refused = isinstance(exc, smtplib.SMTPResponseException | MaybeSent)
                if not getattr(smtp, "body_sent", False) or refused:
                    raise
                why = exc.message if isinstance(exc, ProviderError) else self._scrub(exc)
                raise MaybeSent(
                    f"SMTP {describe(self.endpoint)}: no answer after the message was sent "
                    f"({why}); it may have been delivered, so it is not sent again"
                ) from None

    def check(self) -> None:
        """Connect and log in without sending anything (for `install` and `hours doctor`)."""
        with self._session() as smtp:
            smtp.noop()

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        require_safe(self.endpoint, service="SMTP")
        where = describe(self.endpoint)
        try:
            with self._connect() as smtp:
                if self.username and isinstance(self._credential, TokenLogin):
                    self._token_login(smtp, self.username, self._credential)
                elif self.username:
                    smtp.login(self.username, self._password or "")
                yield smtp
        except smtplib.SMTPAuthenticationError as exc:
            raise ProviderError(
                f"SMTP login to {where} as {self.username} failed ({exc.smtp_code}): "
                f"{self._scrub(exc)}. Check the username and password."
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(exc.recipients)
            message = f"SMTP {where} refused the recipient(s) {refused}."
            if all(500 <= code < 600 for code, _ in exc.recipients.values()):
                raise RecipientRefused(message) from None
            raise ProviderError(message) from None
        except UnicodeEncodeError:
            raise ProviderError(
                f"SMTP {where}: the username or password holds characters SMTP AUTH cannot "
                "send (only ASCII)"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"SMTP {where}: {self._scrub(exc)}") from None

    def _token_login(self, smtp: smtplib.SMTP, user: str, login: TokenLogin) -> None:
        """Log in with an access token; a refused one is fetched afresh and tried once more."""
        where = describe(self.endpoint)
        smtp.ehlo_or_helo_if_needed()
        offered = smtp.esmtp_features.get("auth", "").split()
        if (problem := offers(login.mechanism, offered, service="SMTP", where=where)) is not None:
            raise ProviderError(problem)
        why = ""
        for token in self._tokens(login):
            exchange = OAuthSasl(
                login.mechanism, user, token, host=self.endpoint.host, port=self.endpoint.port
            )
            try:
                smtp.auth(login.mechanism, exchange)
                return
            except smtplib.SMTPAuthenticationError as exc:
                why = exchange.failure.describe() if exchange.failure else self._scrub(exc)
        raise ProviderError(login.refused("SMTP", where, user, why))

    def _connect(self) -> smtplib.SMTP:
        deadline = self.deadline or Deadline.after(self.timeout * 4)
        if self.endpoint.security == "ssl":
            return _SmtpSsl(self.endpoint, deadline, self.timeout)
        smtp = _Smtp(self.endpoint, deadline, self.timeout)
        if self.endpoint.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _scrub(self, exc: BaseException) -> str:
        detail = ""
        if isinstance(exc, smtplib.SMTPResponseException):
            error = exc.smtp_error
            detail = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return scrub(exc, self._password, self.timeout, detail)


class _Bounded:
    """smtplib's reads and sends within the deadline and CAPS (a mixin for SMTP classes).

    smtplib reads every reply line by line from `self.file` and sends through `send`; here the
    file is a BoundedReader, started again at each reply (so a greeting of endless `220-` lines
    ends at CAPS.lines), and each send is given what is left of the deadline.
    """

    sock: socket.socket | None
    file: Any

    def _bound(self, deadline: Deadline, wait: float, service: str) -> None:
        self._deadline, self._wait = deadline, wait
        self._reader = BoundedReader(self._socket, deadline, cap=wait, caps=CAPS, service=service)
        self._what = "greeting"
        self._data_open = False  # the server said 354: what is sent now is the message
        self.body_sent = False

    def _socket(self) -> socket.socket:
        if self.sock is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        return self.sock

    def putcmd(self, cmd: str, args: str = "") -> None:
        self._what = f"answer to {cmd.split(' ', 1)[0].upper()}"
        super().putcmd(cmd, args)  # type: ignore[misc]

    def getreply(self) -> tuple[int, bytes]:
        self.file = self._reader  # smtplib drops its file at STARTTLS: the reader follows
        self._reader.start(self._what)
        reply: tuple[int, bytes] = super().getreply()  # type: ignore[misc]
        self._data_open = self._what == "answer to DATA" and reply[0] == 354
        return reply

    def send(self, s: ReadableBuffer | str) -> None:
        if self.sock is not None:
            self.sock.settimeout(self._deadline.timeout(self._wait, f"sending to {self._what}"))
        super().send(s)  # type: ignore[misc]
        self.body_sent = self.body_sent or self._data_open

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self.close()  # type: ignore[attr-defined]  # no QUIT to a server that failed us
            return
        super().__exit__(*exc)  # type: ignore[misc]


class _Smtp(_Bounded, smtplib.SMTP):
    def __init__(self, endpoint: Endpoint, deadline: Deadline, wait: float) -> None:
        self._bound(deadline, wait, f"SMTP {describe(endpoint)}")
        connect = deadline.timeout(wait, f"connecting to SMTP {describe(endpoint)}")
        super().__init__(endpoint.host, endpoint.port, timeout=connect)


class _SmtpSsl(_Bounded, smtplib.SMTP_SSL):
    def __init__(self, endpoint: Endpoint, deadline: Deadline, wait: float) -> None:
        self._bound(deadline, wait, f"SMTP {describe(endpoint)}")
        connect = deadline.timeout(wait, f"connecting to SMTP {describe(endpoint)}")
        context = ssl.create_default_context()
        super().__init__(endpoint.host, endpoint.port, timeout=connect, context=context)


def build_reply(
    original: IncomingMail,
    *,
    from_address: str,
    business: str,
    subject: str,
    body: str,
    now: dt.datetime,
    message_id: str | None = None,
) -> EmailMessage:
    """Build the auto-reply to `original`, from the user's address, as RFC 3834 describes.

    It goes to `original.reply_address` (the Return-Path, else From); it is marked
    `Auto-Submitted: auto-replied` and threads under the original with In-Reply-To and
    References. Raises ValueError for a message that has nowhere, or no one place, to be
    answered, and for a reply whose headers would not be one line each.
    """
    to = original.reply_address
    if not to:
        raise ValueError(f"message {original.uid} has a null return path; it must not be answered")
    if original.unparseable:
        raise ValueError(f"message {original.uid} has no one address to answer")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    domain = from_address.rpartition("@")[2] or "localhost"
    reply = EmailMessage()
    reply["From"] = Address(display_name=business, addr_spec=from_address)
    reply["To"] = to
    reply["Subject"] = subject
    reply["Date"] = email.utils.format_datetime(now)
    reply["Message-ID"] = message_id or email.utils.make_msgid(domain=domain)
    if original.message_id:
        reply["In-Reply-To"] = original.message_id
    references = _references(original)
    if references:
        reply["References"] = " ".join(references)
    reply["Auto-Submitted"] = "auto-replied"
    # Exchange and Outlook honour this and do not send their own out-of-office back.
    reply["X-Auto-Response-Suppress"] = "All"
    reply.set_content(body)
    return reply


def _references(original: IncomingMail) -> list[str]:
    """Return the original's References plus its Message-ID (RFC 5322 section 3.6.4)."""
    chain = list(original.references)
    if not chain and original.in_reply_to:
        chain = [original.in_reply_to]
    if original.message_id:
        chain.append(original.message_id)
    if len(chain) > _MAX_REFERENCES:
        chain = [chain[0], *chain[-(_MAX_REFERENCES - 1) :]]
    return chain
