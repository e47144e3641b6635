"""The email channel in `imap` mode: poll the inbox over IMAP, answer over SMTP.

Nothing in the mailbox changes: the reader examines INBOX read-only and fetches headers with
BODY.PEEK. Progress is the journal's cursor (UIDVALIDITY and the last UID seen); the first sync,
or one after the mailbox's UIDVALIDITY changed, starts at "now" and answers no backlog. Every
new message is handed to the engine, which decides, journals the reply, then has it sent here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from hours import autoreply as engine
from hours.channels import leftover_install
from hours.channels.email_auth import LoginNeeded, credential
from hours.clients.imap import Cursor, ImapReader, PollResult
from hours.clients.mail import IncomingMail
from hours.clients.net import Endpoint, Security, describe
from hours.clients.sasl import Credential
from hours.clients.smtp import RecipientRefused, SmtpSender, build_reply
from hours.config.autoreply import EmailSettings, Server
from hours.errors import ConfigError, ProviderError

MAILBOX = "INBOX"
# How much of an emergency message is forwarded (SPEC: the first 300 characters).
FORWARD_CHARS = 300


def endpoint(server: Server) -> Endpoint:
    """Return the network endpoint of a configured server."""
    # Validated when the config loads: ssl, starttls or none.
    return Endpoint(server.host, server.port, cast(Security, server.security))


def incoming(mail: IncomingMail, uidvalidity: int) -> engine.Incoming:
    """Turn a polled message into what the engine decides on."""
    return engine.Incoming(
        channel="email",
        item=f"{uidvalidity}:{mail.uid}",
        sender=mail.sender.lower(),
        arrived=mail.arrived,
        text=mail.subject,
        mail=mail,
        recipients=tuple(a.lower() for a in mail.recipients),
        sender_name=mail.sender_name,
        subject=mail.subject,
    )


class ImapChannel:
    """Answer after-hours mail found by polling IMAP, with replies sent over SMTP."""

    name = "email"
    mode = "imap"
    traits = engine.Traits(
        who_answers="`hours`, at each `sync` (every 5 minutes from cron)",
        laptop_off="nothing goes out until `sync` runs again (then only for mail younger than "
        "`max_age`)",
        once_per_sender="yes: once per closed period, and never more often than `min_interval`",
        vip_and_emergency="yes: VIPs are left alone; the keyword in the subject is forwarded by "
        "SMS when the phone channel is set up, else by email to `forward_to` if it is an address",
        provider_must_offer="IMAP and SMTP — nearly every provider",
    )

    def __init__(self, settings: EmailSettings, config_dir: Path) -> None:
        # Mode imap needs both, as checked when the config loads.
        assert settings.imap is not None
        assert settings.smtp is not None
        self.settings = settings
        self.config_dir = config_dir
        self.imap = endpoint(settings.imap)
        self.smtp = endpoint(settings.smtp)
        self.cursor_name = f"imap:{settings.username}@{settings.imap.host}/{MAILBOX}"

    # -- the Channel protocol ------------------------------------------------------------

    def sync(self, run: engine.SyncRun) -> engine.ChannelResult:
        """Answer the mail that arrived since the last sync; raise ProviderError on failure."""
        password = self._credential(run)
        stored = run.journal.cursor(self.cursor_name)
        cursor = None if stored is None else Cursor(stored["uidvalidity"], stored["last_uid"])
        polled = self._reader(run, password).poll(cursor)
        result = engine.ChannelResult(self.name, self.mode, _action(cursor, polled))
        sender = self._sender(run, password)
        items = [incoming(mail, polled.cursor.uidvalidity) for mail in polled.messages]
        outbox = SmtpOutbox(sender, self.settings.address, run.business, run.now)
        engine.answer(
            run,
            result,
            items,
            self.settings.policy,
            self.settings.addresses,
            outbox,
            self._forwarder(run, sender),
        )
        # Stored only once every message was decided: after a failure or a crash the next
        # sync reads them again, and the journal skips those already decided.
        if not run.dry_run:
            run.journal.set_cursor(self.cursor_name, _json(polled.cursor))
        return result

    def install(self, run: engine.SyncRun) -> str:
        """Check the IMAP and SMTP logins and record where "now" is in the inbox."""
        # A Sieve script or a provider's responder would go on answering beside these
        # replies, and no one could put back what it replaced.
        leftover = leftover_install(run.journal.channel(self.name).prior, self.mode)
        if leftover is not None:
            raise leftover
        password = self._credential(run)
        now_cursor = self._reader(run, password).check()
        self._sender(run, password).check()
        stored = run.journal.cursor(self.cursor_name)
        if stored is None or stored["uidvalidity"] != now_cursor.uidvalidity:
            run.journal.set_cursor(self.cursor_name, _json(now_cursor))
            start = now_cursor.last_uid
        else:
            start = stored["last_uid"]  # installed before: keep what is not yet answered
        run.journal.set_prior(self.name, {"mode": self.mode})
        return (
            f"IMAP {describe(self.imap)} and SMTP {describe(self.smtp)} logins work; "
            f"following {MAILBOX} after message {start}, so nothing already there is answered"
        )

    def uninstall(self, run: engine.SyncRun) -> str:
        """Forget the cursor; IMAP mode never changed anything on the server."""
        run.journal.set_cursor(self.cursor_name, None)
        run.journal.set_prior(self.name, None)
        return (
            "nothing to put back on the server (IMAP mode changes nothing there); forgot the "
            "inbox position. Run `hours cron remove` too if no channel is left"
        )

    def checks(self, run: engine.SyncRun) -> list[engine.Check]:
        """Check that the IMAP and SMTP servers answer and take the login."""
        password = self._credential(run)
        out = []
        for label, server in (
            (f"email IMAP {describe(self.imap)}", self._reader(run, password)),
            (f"email SMTP {describe(self.smtp)}", self._sender(run, password)),
        ):
            try:
                server.check()
                out.append(engine.Check(label, True, f"reachable, logged in as {self._user}"))
            except ProviderError as e:
                out.append(engine.Check(label, False, e.message))
        return out

    # -- helpers -------------------------------------------------------------------------

    @property
    def _user(self) -> str:
        return self.settings.username

    def _credential(self, run: engine.SyncRun) -> Credential:
        # One per sync: IMAP and SMTP share its access token, fetched once.
        return credential(self.settings, self.config_dir, deadline=run.deadline)

    def _reader(self, run: engine.SyncRun, password: Credential) -> ImapReader:
        return ImapReader(
            self.imap, self.settings.username, password, mailbox=MAILBOX, deadline=run.deadline
        )

    def _sender(self, run: engine.SyncRun, password: Credential) -> SmtpSender:
        return SmtpSender(self.smtp, self.settings.username, password, deadline=run.deadline)

    def _forwarder(self, run: engine.SyncRun, sender: SmtpSender) -> engine.Forward | None:
        """Return how an emergency reaches the practitioner: the phone channel, else email."""
        if run.forwarder is not None:
            return run.forwarder
        emergency = run.settings.emergency
        if emergency is None or emergency.keyword is None:
            return None  # no keyword: nothing is ever forwarded by email
        if not emergency.forward_to or "@" not in emergency.forward_to:
            return None  # the sender still gets the emergency message
        return forward_by_email(
            sender, self.settings.address, emergency.forward_to, run.business, emergency.keyword
        )


class SmtpOutbox:
    """Deliver the engine's replies over SMTP, each an RFC 3834 reply to the mail it answers."""

    def __init__(
        self, sender: SmtpSender, from_address: str, business: str, now: dt.datetime
    ) -> None:
        self.sender = sender
        self.from_address = from_address
        self.business = business
        self.now = now

    def deliver(self, reply: engine.Reply) -> None:
        """Send `reply` to the return path of the mail it answers."""
        assert reply.msg.mail is not None  # every email item carries its parsed headers
        try:
            message = build_reply(
                reply.msg.mail,
                from_address=self.from_address,
                business=self.business,
                subject=reply.subject,
                body=reply.text,
                now=self.now,
            )
        except ValueError:
            # Headers the email package will not write (a line break in an address): this
            # message is skipped as unparseable, and the next one is answered.
            raise engine.OptedOut("unparseable") from None
        try:
            _send(self.sender, message)
        except RecipientRefused:
            # An address that does not exist must not fail every sync until max_age.
            raise engine.OptedOut("recipient_refused") from None


def forward_by_email(
    sender: SmtpSender, from_address: str, to: str, business: str, keyword: str
) -> Callable[[engine.Incoming], None]:
    """Return a forwarder that mails an emergency to the practitioner's own address."""

    def forward(msg: engine.Incoming) -> None:
        who = f"{msg.sender_name} <{msg.sender}>" if msg.sender_name else msg.sender
        # Only the headers are read (BODY.PEEK[HEADER]), so the subject is what there is.
        excerpt = " ".join(msg.subject.split())
        message = EmailMessage()
        message["From"] = Address(display_name=business, addr_spec=from_address)
        message["To"] = to
        message["Subject"] = f"{keyword}: {who} wrote after hours"
        # Marked automatic so no auto-reply (ours included) answers it (RFC 3834).
        message["Auto-Submitted"] = "auto-generated"
        arrived = msg.arrived.astimezone(dt.UTC)
        message.set_content(
            f"{who} wrote at {arrived:%Y-%m-%d %H:%M} UTC with your emergency keyword "
            f"{keyword}:\n\n{excerpt[:FORWARD_CHARS]}\n\n"
            "They have been sent your emergency message.\n"
        )
        _send(sender, message, envelope_from=from_address)

    return forward


def _send(sender: SmtpSender, message: EmailMessage, *, envelope_from: str = "") -> None:
    """Send, a login the user must mend (a token command, a revoked login) saying nothing went.

    The access token may be fetched here, after the reply was journalled: a ConfigError would
    leave it journalled as perhaps sent, and the client would never hear back.
    """
    try:
        sender.send(message, envelope_from=envelope_from)
    except ConfigError as e:
        raise LoginNeeded(e.message) from None


def _action(cursor: Cursor | None, polled: PollResult) -> str:
    if not polled.restarted:
        return "polled"
    return "started" if cursor is None else "restarted"


def _json(cursor: Cursor) -> dict[str, int]:
    return {"uidvalidity": cursor.uidvalidity, "last_uid": cursor.last_uid}
