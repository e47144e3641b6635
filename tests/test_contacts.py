"""The contacts file: vCard exports of Google Contacts, iCloud and Android, and who a sender is.

The exports below are written by hand after real ones: Google's vCard 3.0 (escaped commas,
`item1.` groups, a folded name and note, a photo URL), iCloud's 3.0 (`type=` parameters repeated, a
folded base64 photo ending in `=` padding, Apple's labels), Android's 2.1 (QUOTED-PRINTABLE
names with soft line breaks, bare `TEL;CELL;PREF` types, an indented base64 photo) and a
vCard 4.0 card (`VALUE=uri` numbers, one folded with a tab, LANG with PREF, TZ as a name and
as an offset).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hours import contacts
from hours.contacts import AddressBook, Contact, ContactsError


def crlf(text: str) -> str:
    """Write text with the CRLF line ends exporters use."""
    return text.replace("\n", "\r\n")


GOOGLE = crlf(
    """\
BEGIN:VCARD
VERSION:3.0
FN:Martin\\, Alex
N:Martin;Alex;;;
EMAIL;TYPE=INTERNET;TYPE=HOME:alex.martin@example.org
EMAIL;TYPE=INTERNET;TYPE=WORK:Alex.Martin@Example-Studio.COM
TEL;TYPE=CELL:+33 6 12 34 56 78
TEL;TYPE=HOME:(416) 555-0134
item1.TEL:+1 647-555-0188 ext. 12
item1.X-ABLabel:Studio
ADR;TYPE=HOME:;;12 Rue de Rivoli;Paris;;75001;France
ORG:Example Studio
NOTE:Prefers afternoon appointments\\, texts rather than calls. Allergic to
  latex\\; ask before using gloves.
PHOTO:https://lh3.googleusercontent.com/contacts/ANQ7xKx0Bh7s2r
CATEGORIES:myContacts,Clients
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:María José García López de la Fuente y Hernández-Castellanos (Estudio d
 e Danza)
N:García López de la Fuente y Hernández-Castellanos;María José;;;
EMAIL;TYPE=INTERNET:mj.garcia@example.es
TEL;TYPE=CELL:+34 612 34 56 78
CATEGORIES:myContacts
END:VCARD
"""
)

ICLOUD = crlf(
    """\
BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.5//EN
N:Nguyen;Linh;;;
FN:Linh Nguyen
ORG:Nguyen Design;
item1.EMAIL;type=INTERNET;type=pref:LINH@NGUYEN-DESIGN.EXAMPLE
item1.X-ABLabel:_$!<Other>!$_
TEL;type=CELL;type=VOICE;type=pref:(415) 555-0134
item2.TEL;type=IPHONE;type=CELL;type=VOICE:+1 (415) 555-0177
item3.ADR;type=HOME;type=pref:;;1 Market St;San Francisco;CA;94105;United States
item3.X-ABADR:us
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAASABIAAD/4QBMRXhpZgAATU0AKgAAAAgAAYdpAAQ
 AAAABAAAAGgAAAAAAA6ABAAMAAAABAAEAAKACAAQAAAABAAAAEKADAAQAAAABAAAAEAAAAAD/7QA4
\tUGhvdG9zaG9wIDMuMAA4QklNBAQAAAAAAAA4QklNBCUAAAAAABDUHYzZjwCyBOmACZjs=
END:VCARD
BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.5//EN
N:Kowalski\\, Jr.;Piotr;Jan,Adam;Dr.;
EMAIL;type=INTERNET;type=WORK;type=pref:piotr.kowalski@example.pl
TEL;type=WORK;type=VOICE:+48 22 123 45 67
END:VCARD
"""
)

# Android's "Export to .vcf" writes 2.1 with QUOTED-PRINTABLE for any name that is not ASCII,
# breaking long encoded lines with a soft break ("=" at the end of the line).
ANDROID = crlf(
    """\
BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;
FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen=20M=C3=BCller=20=E2=80=93=20Physio=
therapie=20am=20Kanal
TEL;CELL;PREF:+49 151 23456789
TEL;HOME:030 1234567
EMAIL;HOME:juergen@example.de
PHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEB
 AgGBgUGBwkICAcHCAgJCgoNCwoJDAAMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==

END:VCARD
BEGIN:VCARD
VERSION:2.1
N:Singh;Priya;;;
FN:Priya Singh
TEL;CELL:+91 98765 43210
TEL;WORK;PREF:022 2345 6789
END:VCARD
"""
)

VCARD4 = """\
BEGIN:VCARD
VERSION:4.0
FN:Camille Dubois
N:Dubois;Camille;;;
TEL;VALUE=uri;TYPE="cell,voice";PREF=1:tel:+33-6-98-76-54-32
TEL;VALUE=uri;TYPE=work:tel:+1-514-55
	5-0142;ext=7
EMAIL;TYPE=work:camille@exemple.fr
LANG;PREF=2:en
LANG;PREF=1:fr-CA
TZ:America/Toronto
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Sam Taylor
TEL;VALUE=uri:tel:+1-212-555-0100
TZ;VALUE=utc-offset:-0500
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Rae Holt
TEL:+1 303 555 0100
TZ:-07:00
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Lee Park
EMAIL:lee@example.org
TZ;VALUE=text:-05:00; EST; Raleigh/North America
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Nobody Known
TZ:Mars/Olympus_Mons
LANG:tlh
END:VCARD
"""


JUERGEN = "Jürgen Müller \N{EN DASH} Physiotherapie am Kanal"  # "=E2=80=93" above


@pytest.fixture(scope="module")
def book() -> AddressBook:
    return contacts.parse(GOOGLE + ICLOUD + ANDROID + VCARD4, region="CA")


def test_every_card_of_every_export_is_read_in_order(book: AddressBook) -> None:
    assert [c.name for c in book.contacts] == [
        "Martin, Alex",
        "María José García López de la Fuente y Hernández-Castellanos (Estudio de Danza)",
        "Linh Nguyen",
        "Piotr Jan Adam Kowalski, Jr.",  # no FN: given, additional, family from N
        JUERGEN,
        "Priya Singh",
        "Camille Dubois",
        "Sam Taylor",
        "Rae Holt",
        "Lee Park",
        "Nobody Known",
    ]
    assert len(book) == 11


def test_a_google_card_keeps_every_number_and_address_as_written(book: AddressBook) -> None:
    alex = book.contacts[0]
    assert alex == Contact(
        name="Martin, Alex",
        phones=("+33 6 12 34 56 78", "(416) 555-0134", "+1 647-555-0188 ext. 12"),
        emails=("alex.martin@example.org", "Alex.Martin@Example-Studio.COM"),
        zone=None,
        languages=(),
    )


def test_icloud_and_android_cards(book: AddressBook) -> None:
    linh, piotr, juergen, priya = book.contacts[2:6]
    assert linh.phones == ("(415) 555-0134", "+1 (415) 555-0177")
    assert linh.emails == ("LINH@NGUYEN-DESIGN.EXAMPLE",)
    assert piotr.emails == ("piotr.kowalski@example.pl",)
    assert juergen.phones == ("+49 151 23456789", "030 1234567")
    assert juergen.emails == ("juergen@example.de",)
    assert priya.phones == ("+91 98765 43210", "022 2345 6789")


def test_vcard4_numbers_languages_and_zones(book: AddressBook) -> None:
    camille, sam, rae, lee, nobody = book.contacts[6:]
    assert camille.phones == ("+33-6-98-76-54-32", "+1-514-555-0142;ext=7")
    assert camille.languages == ("fr-CA", "en")  # by PREF, not by order in the file
    assert camille.zone == ZoneInfo("America/Toronto")
    assert sam.zone == dt.timezone(dt.timedelta(hours=-5))
    assert rae.zone == dt.timezone(dt.timedelta(hours=-7))
    assert lee.zone == dt.timezone(dt.timedelta(hours=-5))  # RFC 2426's own TZ example
    # An unknown zone name is no zone; an unknown language is kept for the chooser to refuse.
    assert nobody.zone is None
    assert nobody.languages == ("tlh",)


@pytest.mark.parametrize(
    ("sender", "name"),
    [
        ("+33612345678", "Martin, Alex"),
        ("whatsapp:+33612345678", "Martin, Alex"),
        ("+14165550134", "Martin, Alex"),  # written "(416) 555-0134": Canada, the default
        ("+16475550188", "Martin, Alex"),  # written with an extension
        ("alex.martin@example.org", "Martin, Alex"),
        ("ALEX.MARTIN@example-studio.com", "Martin, Alex"),
        ("Alex Martin <Alex.Martin@Example-Studio.com>", "Martin, Alex"),
        (
            "+34612345678",
            "María José García López de la Fuente y Hernández-Castellanos (Estudio de Danza)",
        ),
        ("linh@nguyen-design.example", "Linh Nguyen"),
        ("+14155550134", "Linh Nguyen"),
        ("+14155550177", "Linh Nguyen"),
        ("+48221234567", "Piotr Jan Adam Kowalski, Jr."),
        ("+4915123456789", JUERGEN),
        ("juergen@example.de", JUERGEN),
        ("+919876543210", "Priya Singh"),
        ("+33698765432", "Camille Dubois"),
        ("+15145550142", "Camille Dubois"),
        ("+12125550100", "Sam Taylor"),
        ("lee@example.org", "Lee Park"),
    ],
)
def test_lookup_finds_a_known_sender(book: AddressBook, sender: str, name: str) -> None:
    found = book.lookup(sender)
    assert found is not None
    assert found.name == name


@pytest.mark.parametrize(
    "sender",
    [
        "+14165550135",  # one digit off a known number
        "+16135550134",  # the same last digits in another area
        "+4930123456",  # Jürgen's "030 1234567" is German: read as Canadian it is no number
        "+912223456789",  # likewise Priya's "022 2345 6789"
        "alex.martin@example.com",
        "stranger@example.org",
        "not a number",
        "",
    ],
)
def test_lookup_knows_no_one_else(book: AddressBook, sender: str) -> None:
    assert book.lookup(sender) is None


def test_a_number_written_without_country_is_the_business_countrys() -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Jürgen\nTEL:030 1234567\nEND:VCARD\n"
    assert contacts.parse(card, region="DE").lookup("+4930 1234567") is not None
    assert contacts.parse(card, region="CA").lookup("+49301234567") is None
    assert contacts.parse(card, region=None).lookup("+49301234567") is None


def test_letters_in_a_number_are_read_as_digits() -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Flowers\nTEL:1-800-FLOWERS\nEND:VCARD\n"
    found = contacts.parse(card, region="US").lookup("+18003569377")
    assert found is not None
    assert found.name == "Flowers"


def test_a_number_in_two_cards_belongs_to_the_first() -> None:
    cards = (
        "BEGIN:VCARD\nFN:Ana (home)\nTEL:+1 416 555 0100\nEMAIL:family@example.org\nEND:VCARD\n"
        "BEGIN:VCARD\nFN:Ben (home)\nTEL:416-555-0100\nEMAIL:FAMILY@example.org\nEND:VCARD\n"
    )
    book = contacts.parse(cards, region="CA")
    assert [book.lookup(s).name for s in ("+14165550100", "family@example.org")] == [  # type: ignore[union-attr]
        "Ana (home)",
        "Ana (home)",
    ]


def test_a_contact_is_made_once_and_the_book_cannot_be_changed(book: AddressBook) -> None:
    assert book.lookup("+33612345678") is book.lookup("alex.martin@example.org")
    with pytest.raises(AttributeError):
        book.lookup("+33612345678").name = "Someone else"  # type: ignore[misc, union-attr]
    with pytest.raises(AttributeError):
        book.extra = 1  # type: ignore[attr-defined]


def test_escapes_in_names() -> None:
    card = "BEGIN:VCARD\nFN:K\\, Lee\\; Studio\\\\Work\\nTwo\nTEL:+1 212 555 0101\nEND:VCARD\n"
    found = contacts.parse(card, region="US").lookup("+12125550101")
    assert found is not None
    assert found.name == "K, Lee; Studio\\Work\nTwo"


def test_lower_case_names_and_old_mac_line_ends() -> None:
    card = "begin:vcard\rversion:3.0\rfn:Zoë\rtel;type=cell:+44 20 7946 0000\rend:vcard\r"
    found = contacts.parse(card, region="GB").lookup("+442079460000")
    assert found is not None
    assert found.name == "Zoë"


def test_files_in_utf8_with_a_bom_and_in_utf16_are_read(tmp_path: Path) -> None:
    for encoding in ("utf-8-sig", "utf-16"):
        path = tmp_path / f"{encoding}.vcf"
        path.write_text(GOOGLE, encoding=encoding)
        assert contacts.load(path, region="CA").lookup("+33612345678") is not None


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text(GOOGLE + ANDROID, encoding="utf-8")
    book = contacts.load(path, region="ca")
    assert len(book) == 4
    assert book.region == "CA"
    assert repr(book) == f"AddressBook({str(path)!r}, 4 contacts)"


# -- refused, each in one line that says what is wrong and what to do ------------------------


def one_line_error(path: Path, region: str | None = "CA") -> str:
    with pytest.raises(ContactsError) as caught:
        contacts.load(path, region=region)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "\n" not in message
    return message


HOW = "export your contacts as a vCard (.vcf) file from Google Contacts, iCloud or your phone"


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    assert one_line_error(path) == f"{path} does not exist; {HOW}"


def test_a_folder(tmp_path: Path) -> None:
    assert one_line_error(tmp_path) == f"{tmp_path} is a folder, not a file; {HOW}"


def test_a_file_that_cannot_be_opened(tmp_path: Path) -> None:
    path = tmp_path / "loop.vcf"
    os.symlink(path, path)  # a link to itself: the system refuses to open it
    assert one_line_error(path) == (
        f"{path} cannot be read (Too many levels of symbolic links); {HOW}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Name,Given Name,Family Name,E-mail 1 - Value\nAlex Martin,Alex,Martin,a@example.org\n",
        "",
        "END:VCARD\n",
    ],
    ids=["a Google CSV export", "an empty file", "no BEGIN"],
)
def test_not_a_vcard_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text(text, encoding="utf-8")
    assert one_line_error(path) == f"{path} is not a vCard file (it has no BEGIN:VCARD); {HOW}"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_bytes("BEGIN:VCARD\nFN:Zoë\nEND:VCARD\n".encode("latin-1"))
    assert one_line_error(path) == f"{path} is not UTF-8 text, so not a vCard file; {HOW}"


def test_a_file_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text(GOOGLE + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Half a card\r\n", encoding="utf-8")
    assert one_line_error(path) == (
        f"{path} is cut short: the card that begins on line 27 has no END:VCARD; {HOW}"
    )
    assert GOOGLE.count("\r\n") == 26  # so line 27 is the last BEGIN:VCARD


def test_a_file_over_the_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text(GOOGLE, encoding="utf-8")
    monkeypatch.setattr(contacts, "MAX_BYTES", 2 * 2**20)
    assert contacts.load(path, region="CA")  # well under
    path.write_bytes(GOOGLE.encode() * (2 * 2**20 // len(GOOGLE.encode()) + 1))
    assert one_line_error(path) == (
        f"{path} is over 2 MiB, the most hours reads; export your contacts again without photos"
    )


def test_a_file_over_the_contact_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text(GOOGLE + ICLOUD, encoding="utf-8")
    monkeypatch.setattr(contacts, "MAX_CONTACTS", 4)
    assert len(contacts.load(path, region="CA")) == 4
    path.write_text(GOOGLE + ICLOUD + ANDROID, encoding="utf-8")
    assert one_line_error(path) == (
        f"{path} holds 6 contacts, more than the 4 hours reads; export only your clients, say"
    )


def test_the_caps_are_those_documented() -> None:
    assert contacts.MAX_BYTES == 256 * 2**20
    assert contacts.MAX_CONTACTS == 100_000


def test_an_unknown_country(tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text(GOOGLE, encoding="utf-8")
    assert one_line_error(path, region="XX") == (
        "'XX' is not a country whose phone numbers can be read; "
        "use an ISO 3166 two-letter code like CA, GB or FR"
    )


def test_a_line_without_a_value_is_passed_over() -> None:
    card = "BEGIN:VCARD\nFN:Odd\nTEL;TYPE=CELL\nEMAIL:\nTEL:+1 212 555 0102\nEND:VCARD\n"
    book = contacts.parse(card, region="US")
    assert book.contacts[0].phones == ("+1 212 555 0102",)
    assert book.contacts[0].emails == ()
    assert book.lookup("+12125550102") is not None
