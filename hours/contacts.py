"""Read the user's contacts file (vCard) and tell whether a sender is someone they know.

A careful small reader rather than `vobject`: only names, numbers, email addresses, time zone
and language are read, and a 50,000-contact export must load in well under a second
(benchmarks/contacts_bench.py sets the two side by side). What it reads:

- vCard 2.1, 3.0 and 4.0, as Google Contacts, iCloud and Android phones export them: folded
  lines (RFC 6350 3.2: a space or a tab continues a line), `item1.` group prefixes, parameters
  as `TEL;TYPE=CELL:`, `TEL;type=CELL;type=pref:` or bare `TEL;CELL:` (2.1), quoted parameter
  values, `VALUE=uri` numbers (`tel:+1-555-...`), and QUOTED-PRINTABLE values with their soft
  line breaks and CHARSET (2.1 exports from Android);
- FN (else a name made from N), every TEL and EMAIL, TZ (`America/New_York`, or an offset
  like `-05:00` or `-0500`), and LANG (most preferred first, by PREF). Everything else
  (photos, addresses, notes) is skipped unread, by the regular expression engine. A card
  embedded in another (vCard 2.1's AGENT, which no current exporter writes) is not supported.

Loading splits the file into cards and indexes their numbers and addresses; the rest of a card
is read only when a lookup finds it. Phone numbers are compared in E.164, reading a number
written without a country code as the business's country's (`phonenumbers`). A number is put
into E.164 only when a lookup could match it: numbers are indexed by their last digits, which
E.164 never changes, and only the few that share a sender's last digits are read with
phonenumbers (and remembered). Email addresses are compared case-insensitively.

Limits: at most MAX_BYTES and MAX_CONTACTS (Google Contacts holds at most 25,000 contacts,
iCloud 50,000). A number or address found in two contacts belongs to the first.
"""

from __future__ import annotations

import binascii
import codecs
import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from hours import locales

MAX_BYTES = 256 * 1024 * 1024
MAX_CONTACTS = 100_000
HOW = "export your contacts as a vCard (.vcf) file from Google Contacts, iCloud or your phone"

# How many trailing digits index a number: fewer than any whole number has, so a number as
# written and its E.164 form always share them.
KEY_DIGITS = 6
# A property, at the start of a line, with the rest of its line and the folded lines that
# continue it. Text is searched from a line break, so a first line is read only after one.
_CARD_PROPERTY = re.compile(
    r"\n(?:[A-Za-z0-9-]+\.)?(END|FN|N|TEL|EMAIL|TZ|LANG)([;:][^\n]*(?:\n[ \t][^\n]*)*)",
    re.IGNORECASE,
)
_INDEXED_PROPERTY = re.compile(
    r"\n(?:[A-Za-z0-9-]+\.)?(END|TEL|EMAIL)([;:][^\n]*(?:\n[ \t][^\n]*)*)", re.IGNORECASE
)
_BEGIN = re.compile(r"\nBEGIN:VCARD", re.IGNORECASE)
_QP_SPELLINGS = ("QUOTED-PRINTABLE", "quoted-printable", "Quoted-Printable")
_QP_ENCODING = re.compile(r";\s*(?:ENCODING\s*=\s*)?\"?QUOTED-PRINTABLE\b", re.IGNORECASE)
_CHARSET = re.compile(r";\s*CHARSET\s*=\s*\"?([^;:\"]+)", re.IGNORECASE)
_FOLD = re.compile(r"\n[ \t]")
_NUMBER = re.compile(r"\s*(?:tel:)?\s*([+0-9(][0-9 \t\-.()/]*)(.*)", re.IGNORECASE | re.DOTALL)
# What may follow a number's digits without changing them: an extension or a dialling pause.
_EXTENSION = re.compile(r"\s*(?:;|,|#|x\b|x\d|ext\b|ext\.|extension\b)", re.IGNORECASE)
_PUNCTUATION = b"+ \t-.()/"
_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)?")
_UNESCAPE = re.compile(r"\\(.)")


class ContactsError(ValueError):
    """The contacts file cannot be used: one line saying what is wrong and what is allowed."""


@dataclass(frozen=True, slots=True)
class Contact:
    """One person in the contacts file, as written there."""

    name: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    zone: dt.tzinfo | None  # a ZoneInfo for a named zone, a dt.timezone for a bare offset
    languages: tuple[str, ...]  # LANG values, most preferred first, as written


class AddressBook:
    """The contacts of one file, read-only, answering who a sender is."""

    __slots__ = ("_by_digits", "_by_email", "_cards", "_made", "_odd", "region", "source")

    def __init__(self, cards: _Cards, *, region: str | None, source: str) -> None:
        self._cards = cards.texts
        self._by_email: Mapping[str, int] = MappingProxyType(cards.by_email)
        self._by_digits: Mapping[bytes, list[tuple[str, int]]] = MappingProxyType(cards.by_digits)
        self._odd = tuple(cards.odd)
        self._made: dict[int, Contact] = {}  # each card read the first time a lookup finds it
        self.region = region
        self.source = source

    def __len__(self) -> int:
        return len(self._cards)

    def __repr__(self) -> str:
        return f"AddressBook({self.source!r}, {len(self._cards)} contacts)"

    @property
    def contacts(self) -> tuple[Contact, ...]:
        """Return every contact, in file order."""
        return tuple(self._contact(i) for i in range(len(self._cards)))

    def lookup(self, sender: str) -> Contact | None:
        """Return who a sender is: an E.164 number, `whatsapp:+...`, or an email address."""
        text = sender.strip()
        if "@" in text:
            found = self._by_email.get(_email_key(text))
            return None if found is None else self._contact(found)
        wanted = e164(text.removeprefix("whatsapp:"), self.region)
        if wanted is None:
            return None
        candidates = self._by_digits.get(wanted[-KEY_DIGITS:].encode("ascii"), [])
        for phone, index in (*candidates, *self._odd):
            if e164(phone, self.region) == wanted:
                return self._contact(index)
        return None

    def _contact(self, index: int) -> Contact:
        made = self._made.get(index)
        if made is None:
            made = self._made[index] = _read_card(self._cards[index])
        return made


def load(path: Path, *, region: str | None) -> AddressBook:
    """Read a vCard file into an AddressBook, or raise ContactsError saying what is wrong.

    `region` is the business's country (ISO 3166 alpha-2, e.g. "CA"): numbers written without
    a country code are read as that country's; None reads only numbers that carry one.
    """
    region = check_region(region)
    shown = str(path)
    try:
        if path.is_dir():
            raise ContactsError(f"{shown} is a folder, not a file; {HOW}")
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ContactsError(f"{shown} does not exist; {HOW}") from None
    except PermissionError:
        raise ContactsError(
            f"{shown} cannot be read (permission denied); let your user read it"
        ) from None
    except OSError as e:
        raise ContactsError(f"{shown} cannot be read ({e.strerror}); {HOW}") from None
    if len(data) > MAX_BYTES:
        raise ContactsError(
            f"{shown} is over {MAX_BYTES // 2**20} MiB, the most hours reads; "
            "export your contacts again without photos"
        )
    return parse(decode(data, shown), region=region, source=shown)


def decode(data: bytes, shown: str) -> str:
    """Return the text of a vCard file: UTF-8 (with or without a BOM), or UTF-16 with its BOM."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContactsError(f"{shown} is not UTF-8 text, so not a vCard file; {HOW}") from None


def parse(text: str, *, region: str | None, source: str = "the contacts file") -> AddressBook:
    """Read vCard text into an AddressBook, or raise ContactsError saying what is wrong."""
    return AddressBook(_index(text, source), region=check_region(region), source=source)


def check_region(region: str | None) -> str | None:
    """Return `region` upper-cased if phonenumbers can read its numbers, else raise ContactsError."""
    if region is None:
        return None
    import phonenumbers

    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ContactsError(
            f"{region!r} is not a country whose phone numbers can be read; "
            "use an ISO 3166 two-letter code like CA, GB or FR"
        )
    return code


@functools.lru_cache(maxsize=65_536)
def e164(number: str, region: str | None) -> str | None:
    """Return a number in E.164 ("+14155550134"), read as `region`'s if it has no country code."""
    import phonenumbers

    text = number.strip()
    if text[:4].lower() == "tel:":
        text = text[4:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _email_key(address: str) -> str:
    text = address.strip()
    if "<" in text:
        from email.utils import parseaddr

        text = parseaddr(text)[1]
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.lower()


def _digits_of(phone: str) -> bytes:
    """Return the digits a number shares with its E.164 form, or b"" if only phonenumbers knows.

    What follows the number may go (an extension, a dialling pause); letters in the number
    itself (1-800-FLOWERS) stand for digits, which phonenumbers works out.
    """
    m = _NUMBER.match(phone)
    if m is None or (m.group(2) and not _EXTENSION.match(m.group(2))):
        return b""
    return m.group(1).encode("ascii").translate(None, _PUNCTUATION)


# -- the vCard reader ----------------------------------------------------------------------


@dataclass(slots=True)
class _Cards:
    """The cards of a file, as text, and the indexes a lookup goes through."""

    texts: list[str]
    by_email: dict[str, int]
    by_digits: dict[bytes, list[tuple[str, int]]]  # by the last KEY_DIGITS digits, in ASCII
    odd: list[tuple[str, int]]  # numbers with letters or very few digits, read at each lookup


def _index(text: str, source: str) -> _Cards:
    """Split vCard text into cards and index their numbers and addresses, or raise ContactsError."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n" + text  # each card begins after a line break, the first one too
    as_written = text  # for line numbers in messages
    if any(spelling in text for spelling in _QP_SPELLINGS):
        text = _join_soft_breaks(text)
    chunks = _BEGIN.split(text)
    if len(chunks) == 1:
        raise ContactsError(f"{source} is not a vCard file (it has no BEGIN:VCARD); {HOW}")
    if len(chunks) - 1 > MAX_CONTACTS:
        raise ContactsError(
            f"{source} holds {len(chunks) - 1:,} contacts, more than the {MAX_CONTACTS:,} hours "
            "reads; export only your clients, say"
        )
    cards = _Cards([], {}, {}, [])
    texts, by_email, by_digits, odd = cards.texts, cards.by_email, cards.by_digits, cards.odd
    # Once per card and once per number or address: written out flat, without calls for what
    # is common (a plain `TEL;TYPE=CELL:+1 ...`), with helpers for what is rare.
    for chunk in chunks[1:]:
        index = len(texts)
        ended = False
        for name, rest in _INDEXED_PROPERTY.findall(chunk):
            name = name.upper()
            if name == "END":
                ended = True
                break
            colon = rest.find(":")
            if colon < 0 or "\n" in rest or '"' in rest or "uoted" in rest or "UOTED" in rest:
                value = _head_and_value(rest)[1].strip()
            else:  # the common case, a plain `TEL;TYPE=CELL:+1 ...`
                value = rest[colon + 1 :].strip()
            if not value:
                continue
            if name == "TEL":
                if value[:4] in ("tel:", "TEL:"):
                    value = value[4:]
                # bytes.translate deletes characters many times faster than str.translate, and
                # bytes.isdigit holds for ASCII digits only, the only ones E.164 has.
                digits = value.encode().translate(None, _PUNCTUATION)
                if not digits.isdigit():
                    digits = _digits_of(value)
                if len(digits) < KEY_DIGITS:
                    odd.append((value, index))
                elif (key := digits[-KEY_DIGITS:]) in by_digits:
                    by_digits[key].append((value, index))
                else:
                    by_digits[key] = [(value, index)]
            else:
                if "\\" in value or "<" in value or ":" in value:
                    value = _email_key(_unescape(value))
                else:
                    value = value.lower()
                if value not in by_email:
                    by_email[value] = index
        if not ended:
            begins = [m.start() for m in _BEGIN.finditer(as_written)]
            line = as_written.count("\n", 0, begins[index]) + 1
            raise ContactsError(
                f"{source} is cut short: the card that begins on line {line} has no "
                f"END:VCARD; {HOW}"
            )
        texts.append(chunk)
    return cards


def _head_and_value(rest: str) -> tuple[str, str]:
    """Split what follows a property's name into its parameters and its value, unfolded."""
    if "\n" in rest:
        rest = _FOLD.sub("", rest)
    if rest[0] == ":":
        return "", rest[1:]
    colon = rest.find(":")
    if colon < 0:
        return rest, ""
    if rest.find('"', 0, colon) >= 0:
        head, value = _split_quoted(rest)
    else:
        head, value = rest[:colon], rest[colon + 1 :]
    if "uoted" in head or "UOTED" in head:  # cheap test first: most heads are not
        value = _quoted_printable(value, head)
    return head, value


def _read_card(text: str) -> Contact:
    """Read one card's text (from after BEGIN:VCARD) into a Contact."""
    fn = n = ""
    phones: list[str] = []
    emails: list[str] = []
    zone: dt.tzinfo | None = None
    languages: list[tuple[int, int, str]] = []
    for name, rest in _CARD_PROPERTY.findall(text):
        name = name.upper()
        if name == "END":
            break
        head, value = _head_and_value(rest)
        value = value.strip()
        if not value:
            continue
        if name == "TEL":
            phones.append(value[4:] if value[:4].lower() == "tel:" else value)
        elif name == "EMAIL":
            emails.append(_unescape(value))
        elif name == "FN":
            fn = fn or _unescape(value)
        elif name == "N":
            n = n or value
        else:
            params = _params(head) if head else _NO_PARAMS
            if name == "TZ":
                if params.value != "uri" and zone is None:
                    zone = _zone(_unescape(_components(value, ";")[0]).strip())
            else:  # LANG
                languages.append((params.pref, len(languages), value))
    return Contact(
        name=fn or (_name_from_n(n) if n else ""),
        phones=tuple(phones),
        emails=tuple(emails),
        zone=zone,
        languages=tuple(tag for _, _, tag in sorted(languages)),
    )


def _join_soft_breaks(text: str) -> str:
    """Join the lines of QUOTED-PRINTABLE values that soft line breaks ("=" at the end) split."""
    pieces: list[str] = []
    done = 0
    at = text.find("=\n")
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        colon = text.find(":", start, at)
        if start < done or colon < 0 or "QUOTED-PRINTABLE" not in text[start:colon].upper():
            at = text.find("=\n", at + 2)
            continue  # base64 padding, or a line already joined
        pieces.append(text[done:at])
        end = at + 1
        while True:  # each line that ends with "=" runs on into the next
            following = text.find("\n", end + 1)
            following = len(text) if following < 0 else following
            line = text[end + 1 : following]
            end = following
            if not line.endswith("=") or end == len(text):
                pieces.append(line)
                break
            pieces.append(line[:-1])
        done = end
        at = text.find("=\n", done)
    pieces.append(text[done:])
    return "".join(pieces)


def _split_quoted(rest: str) -> tuple[str, str]:
    """Split `;PARAMS:value` at the colon that ends the parameters, not one inside quotes."""
    quoted = False
    for j, c in enumerate(rest):
        if c == '"':
            quoted = not quoted
        elif c == ":" and not quoted:
            return rest[:j], rest[j + 1 :]
    return rest, ""


@dataclass(frozen=True, slots=True)
class _Params:
    value: str | None = None  # the VALUE parameter, lower-case: uri, text, utc-offset
    pref: int = 100  # PREF=1 is the most preferred; no PREF comes after every PREF


_NO_PARAMS = _Params()


def _params(head: str) -> _Params:
    """Read VALUE and PREF from `;K=V;...` (TZ and LANG use them), in either spelling."""
    value, pref = None, 100
    for item in _param_items(head):
        key, eq, val = item.partition("=")
        key = key.strip().upper()
        val = val.strip().strip('"')
        if not eq:  # vCard 2.1: a bare type, e.g. ;PREF
            if key == "PREF":
                pref = 1
        elif key == "VALUE":
            value = val.lower()
        elif key == "PREF" and val.isdigit():
            pref = int(val)
        elif key == "TYPE" and "pref" in val.lower().split(","):
            pref = min(pref, 1)
    return _Params(value, pref)


def _param_items(head: str) -> list[str]:
    """Split `;A=1;B="x;y"` into its parameters, minding quotes."""
    if '"' not in head:
        return head.split(";")[1:]
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for c in head:
        if c == '"':
            quoted = not quoted
        if c == ";" and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(c)
    items.append("".join(current))
    return items[1:]


def _quoted_printable(value: str, head: str) -> str:
    """Decode a value if its parameters say QUOTED-PRINTABLE (soft line breaks already joined)."""
    if not _QP_ENCODING.search(head):
        return value
    m = _CHARSET.search(head)
    raw = binascii.a2b_qp(value.encode("utf-8"))
    try:
        return raw.decode(m.group(1) if m else "utf-8", errors="replace")
    except LookupError:  # a CHARSET Python does not know
        return raw.decode("utf-8", errors="replace")


def _unescape(text: str) -> str:
    r"""Undo vCard text escapes: \, \; \\ and \n."""
    if "\\" not in text:
        return text
    if "\\\\" not in text:  # no escaped backslash, so each escape can be undone on its own
        return (
            text.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n").replace("\\N", "\n")
        )
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _components(text: str, sep: str) -> list[str]:
    """Split structured text at separators that are not escaped, keeping escapes for _unescape."""
    if "\\" not in text:
        return text.split(sep)
    out: list[str] = []
    current: list[str] = []
    escaped = False
    for c in text:
        if escaped:
            current.append("\\" + c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == sep:
            out.append("".join(current))
            current = []
        else:
            current.append(c)
    out.append("".join(current))
    return out


def _name_from_n(value: str) -> str:
    """Make "Given Additional Family" of N's "Family;Given;Additional;Prefix;Suffix"."""
    parts = [
        " ".join(_unescape(v).strip() for v in _components(p, ",") if v.strip())
        for p in _components(value, ";")
    ]
    parts += [""] * (3 - len(parts))
    return " ".join(p for p in (parts[1], parts[2], parts[0]) if p)


def _zone(text: str) -> dt.tzinfo | None:
    """Read a TZ value: an IANA name, or an offset like -05:00 or +0530; None if neither."""
    m = _OFFSET.fullmatch(text)
    if m:
        offset = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        if offset > dt.timedelta(hours=14):
            return None
        return dt.timezone(-offset if m.group(1) == "-" else offset)
    return locales.zone_named(text) if text else None
