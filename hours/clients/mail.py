"""An incoming email as the auto-reply engine sees it, and the one rule set for never answering.

`parse_header_block` is the one place an incoming mail's headers are read. `never_answer` says
which mail an automatic reply must leave alone (RFC 3834: automatic mail, lists, bulk, the null
return path, robots); IMAP mode asks it of every message, and the Sieve script is written from
the same tables (`hours.clients.sieve_script`), so both email modes answer the same mail.
"""

from __future__ import annotations

import datetime as dt
import email.header
import email.parser
import email.policy
import email.utils
import fnmatch
import re
from dataclasses import dataclass
from email.message import Message

_MSG_ID = re.compile(r"<[^<>\s]+>")

# Senders that are robots, not people (RFC 3834 section 2): glob patterns on an address's local
# part, matched without case. A subaddress is the same robot: `noreply+x` matches "noreply".
ROBOT_LOCALPARTS: tuple[str, ...] = (
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "no_reply",
    "noreply-*",
    "*-noreply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "donot-reply",
    "do-notreply",
    "bounce",
    "bounces",
    "bounce-*",
    "listserv",
    "majordomo",
    "owner-*",
    "*-request",
    "*-owner",
)
# Precedence values of mail sent in bulk (RFC 3834 section 3.1.8 and common practice).
BULK_PRECEDENCE: tuple[str, ...] = ("bulk", "list", "junk")
# The headers of a mailing list (RFC 2369, 2919, 8058). Only these count: Sieve cannot match
# header names by pattern, and IMAP mode must not see a list where Sieve mode does not.
LIST_HEADERS: tuple[str, ...] = (
    "List-Id",
    "List-Help",
    "List-Subscribe",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Post",
    "List-Owner",
    "List-Archive",
)
# Where the user's own address must appear for a mail to be answered (RFC 3834 section 3.1.1).
RECIPIENT_HEADERS: tuple[str, ...] = ("To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc")


def robot_patterns() -> list[str]:
    """Return the local-part globs of robot senders, each also with a `+subaddress`."""
    return [q for p in ROBOT_LOCALPARTS for q in (p, f"{p}+*")]


@dataclass(frozen=True)
class IncomingMail:
    """One message's envelope-ish facts, read from its header block and INTERNALDATE.

    Addresses are kept as written (case included); `return_path` is None when the header is
    absent and "" when it is the null path `<>` (a bounce or an auto-reply).
    """

    uid: int
    arrived: dt.datetime  # aware, UTC
    sender: str  # the From address, or "" when there is none
    sender_name: str
    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    recipients: tuple[str, ...]  # every address of RECIPIENT_HEADERS: To, Cc, Bcc, Resent-*
    reply_to: tuple[str, ...]
    return_path: str | None
    auto_submitted: str | None
    precedence: str | None
    list_headers: tuple[str, ...]  # which LIST_HEADERS it has, e.g. ("List-Id",)
    # What a reply may learn of the sender: their clock's offset, the language they wrote in.
    date: str | None = None  # the Date header, as written
    content_language: str | None = None  # e.g. "es", "fr-CA, en"
    # The Return-Path (or, without one, From) is not exactly one plain address: a reply
    # could go nowhere, or to addresses smuggled in beside the sender's.
    unparseable: bool = False

    @property
    def reply_address(self) -> str:
        """Return where an automatic reply goes (RFC 3834 section 4), or "" for nowhere.

        The Return-Path (the envelope sender at delivery) is what Dovecot's own `vacation`
        answers, so both email modes agree; From stands in only where the server kept no
        Return-Path. Reply-To is not used: it often points at a list or a ticket system.
        """
        if self.return_path is not None:
            return self.return_path
        return self.sender


def is_robot_sender(address: str) -> bool:
    """Tell whether an address belongs to a daemon, a list or a no-reply robot."""
    local = address.rpartition("@")[0].lower() if "@" in address else address.lower()
    return any(fnmatch.fnmatchcase(local, pattern) for pattern in robot_patterns())


def never_answer(mail: IncomingMail) -> str | None:
    """Return why no automatic reply may answer `mail`, or None when one may.

    The reasons, as `sync` counts them: unparseable (the Return-Path, or From without one, is
    not exactly one address), auto_submitted (an Auto-Submitted header other than "no"), bulk
    (Precedence bulk, list or junk), mailing_list (a List-* header), no_return_path (the null
    return path `<>`), robot_sender (no From, or a robot in From or Return-Path).
    """
    if mail.unparseable:
        return "unparseable"
    if mail.auto_submitted is not None and mail.auto_submitted != "no":
        return "auto_submitted"
    if mail.precedence in BULK_PRECEDENCE:
        return "bulk"
    if mail.list_headers:
        return "mailing_list"
    if mail.return_path == "":
        return "no_return_path"
    # The reply goes to the return path: a robot there is as much a robot as in From.
    if not mail.sender or any(is_robot_sender(a) for a in (mail.sender, mail.return_path or "")):
        return "robot_sender"
    return None


def parse_header_block(uid: int, arrived: dt.datetime, raw: bytes) -> IncomingMail:
    """Turn a fetched header block into an IncomingMail, tolerating malformed headers."""
    # compat32 keeps raw values and never raises on odd headers; values are decoded here.
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    from_pairs = _addresses(headers, "From")
    sender_name, sender = from_pairs[0] if from_pairs else ("", "")
    return_path, malformed = _return_path(headers.get("Return-Path"))
    reply_address = sender if return_path is None else return_path
    # Without a Return-Path the reply goes to From, which must then be one mailbox: of two (or
    # a group, or two From headers) the one answered would be whoever wrote the header's pick.
    malformed = malformed or (return_path is None and len(from_pairs) > 1)
    return IncomingMail(
        uid=uid,
        arrived=arrived.astimezone(dt.UTC),
        sender=sender,
        sender_name=sender_name,
        subject=_text(headers.get("Subject")) or "",
        message_id=_first_id(headers.get("Message-ID")),
        in_reply_to=_first_id(headers.get("In-Reply-To")),
        references=tuple(_MSG_ID.findall(_raw(headers.get("References")))),
        to=tuple(addr for _, addr in _addresses(headers, "To")),
        cc=tuple(addr for _, addr in _addresses(headers, "Cc")),
        recipients=tuple(
            addr for name in RECIPIENT_HEADERS for _, addr in _addresses(headers, name)
        ),
        reply_to=tuple(addr for _, addr in _addresses(headers, "Reply-To")),
        return_path=return_path,
        auto_submitted=_token(headers.get("Auto-Submitted")),
        precedence=_token(headers.get("Precedence")),
        list_headers=tuple(name for name in LIST_HEADERS if name in headers),
        date=_text(headers.get("Date")),
        content_language=_text(headers.get("Content-Language")),
        unparseable=malformed or bool(reply_address and not _plain(reply_address)),
    )


def _raw(value: object) -> str:
    return "" if value is None else str(value)


def _text(value: object) -> str | None:
    """Decode RFC 2047 encoded-words; an undecodable value is kept as it came."""
    if value is None:
        return None
    raw = str(value)
    try:
        decoded = str(email.header.make_header(email.header.decode_header(raw)))
    except (ValueError, LookupError, UnicodeError):
        decoded = raw
    return " ".join(decoded.split())


def _token(value: object) -> str | None:
    """Return the first word of a header like `auto-replied (vacation)`, lowercased."""
    text = _text(value)
    if text is None:
        return None
    word = text.split(";")[0].split("(")[0].strip().lower()
    return word


def _first_id(value: object) -> str | None:
    found = _MSG_ID.findall(_raw(value))
    return found[0] if found else None


def _addresses(headers: Message, name: str) -> list[tuple[str, str]]:
    values = [str(v) for v in headers.get_all(name, [])]
    pairs = email.utils.getaddresses(values)
    return [(_text(real) or "", addr.strip()) for real, addr in pairs if addr.strip()]


# One address as a reply may go to: a local part and a domain, no space, no list, no route.
_PLAIN_ADDRESS = re.compile(r"[^\s@<>,;:\"\\()\[\]]+@[^\s@<>,;:\"\\()\[\]]+")


def _plain(address: str) -> bool:
    return _PLAIN_ADDRESS.fullmatch(address) is not None


def _return_path(value: object) -> tuple[str | None, bool]:
    """Return the Return-Path's address ("" for the null path `<>`, None for none), and whether
    it was malformed: anything but one plain address, in angle brackets or not (two addresses,
    a folded line carrying another header).

    The first Return-Path is the one the delivering server wrote (RFC 5321 4.4); a copy further
    down came with the message.
    """
    if value is None:
        return None, False
    text = str(value)
    if "\r" in text or "\n" in text:
        return None, True  # folded: one address never needs a second line
    text = text.strip()
    if text == "<>":
        return "", False
    inner = text[1:-1].strip() if text.startswith("<") and text.endswith(">") else text
    return (inner, False) if _plain(inner) else (None, True)
