"""An incoming email as the auto-reply engine sees it: arrival time and the headers that matter."""

from __future__ import annotations

import datetime as dt
import email.header
import email.parser
import email.policy
import email.utils
import fnmatch
import re
from dataclasses import dataclass, field
from email.message import Message

_MSG_ID = re.compile(r"<[^<>\s]+>")

# Senders that are robots, not people (RFC 3834 section 2), matched on the address's local
# part without case. Shared by the IMAP engine and the Sieve script so both modes agree.
ROBOT_LOCALPARTS: tuple[str, ...] = (
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "listserv",
    "majordomo",
)
# Glob patterns (Sieve :matches, fnmatch) for list owners and request addresses.
ROBOT_LOCALPART_PATTERNS: tuple[str, ...] = ("owner-*", "*-request", "*-owner")


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
    reply_to: tuple[str, ...]
    return_path: str | None
    auto_submitted: str | None
    precedence: str | None
    list_headers: tuple[str, ...]  # names of any List-* headers, e.g. ("List-Id",)
    headers: Message = field(compare=False, repr=False)

    @property
    def has_list_headers(self) -> bool:
        """Tell whether the message came through a mailing list."""
        return bool(self.list_headers)

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
    # A subaddress (noreply+bounces@) is still the same robot.
    base = local.split("+", 1)[0]
    if base in ROBOT_LOCALPARTS:
        return True
    return any(fnmatch.fnmatchcase(local, pattern) for pattern in ROBOT_LOCALPART_PATTERNS)


def parse_header_block(uid: int, arrived: dt.datetime, raw: bytes) -> IncomingMail:
    """Turn a fetched header block into an IncomingMail, tolerating malformed headers."""
    # compat32 keeps raw values and never raises on odd headers; values are decoded here.
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    from_pairs = _addresses(headers, "From")
    sender_name, sender = from_pairs[0] if from_pairs else ("", "")
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
        reply_to=tuple(addr for _, addr in _addresses(headers, "Reply-To")),
        return_path=_return_path(headers.get("Return-Path")),
        auto_submitted=_token(headers.get("Auto-Submitted")),
        precedence=_token(headers.get("Precedence")),
        list_headers=tuple(
            dict.fromkeys(name for name in headers if name.lower().startswith("list-"))
        ),
        headers=headers,
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


def _return_path(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    inner = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    return inner.strip()
