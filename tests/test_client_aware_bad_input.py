"""Bad input to the replies that know the client: one `Error:` line naming the file and the key,
the documented exit status, and nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hours import contacts
from tests.helpers import config_file, run, snapshot, write_config

CARD = "BEGIN:VCARD\nVERSION:3.0\nFN:Ana Souza\nTEL:+12125550111\nEND:VCARD\n"
BASE = """\
name = "Sam's Nails"
timezone = "America/New_York"
{top}
[week]
mon = "09:00-17:00"
[autoreply]
{shared}
[autoreply.phone]
number = "+15550001111"
account_sid_env = "HOURS_TEST_SID"
auth_token_env = "HOURS_TEST_TOKEN"
{rest}"""
PREVIEW = ["autoreply", "preview", "--from", "+12125550100", "--at", "2026-11-23T19:00"]
HOW = "export your contacts as a vCard (.vcf) file from Google Contacts, iCloud or your phone"


def config(top: str = "", shared: str = "", rest: str = "") -> str:
    return BASE.format(top=top, shared=shared, rest=rest)


# (id, config, the contacts file's bytes or None for none, argv, exit status, the error line
# after "Error: "; {path} is the config, {contacts} the contacts file)
CASES = [
    (
        "contacts file missing",
        config(shared='contacts = "contacts.vcf"'),
        None,
        PREVIEW,
        3,
        f"{{path}}: [autoreply] contacts: {{contacts}} does not exist; {HOW}",
    ),
    (
        "contacts file missing, at sync",
        config(shared='contacts = "contacts.vcf"'),
        None,
        ["autoreply", "sync", "--at", "2026-11-23T19:00"],
        3,
        f"{{path}}: [autoreply] contacts: {{contacts}} does not exist; {HOW}",
    ),
    (
        "contacts file not vCard",
        config(shared='contacts = "contacts.vcf"'),
        b"name,phone\nAna,+12125550111\n",
        PREVIEW,
        3,
        f"{{path}}: [autoreply] contacts: {{contacts}} is not a vCard file (it has no "
        f"BEGIN:VCARD); {HOW}",
    ),
    (
        "contacts file not text",
        config(shared='contacts = "contacts.vcf"'),
        b"\xff\xfe\x00BEGIN\xc3",
        PREVIEW,
        3,
        f"{{path}}: [autoreply] contacts: {{contacts}} is not UTF-8 text, so not a vCard file; "
        f"{HOW}",
    ),
    (
        "contacts file cut short",
        config(shared='contacts = "contacts.vcf"'),
        CARD.encode() + b"BEGIN:VCARD\nFN:Bo\n",
        PREVIEW,
        3,
        f"{{path}}: [autoreply] contacts: {{contacts}} is cut short: the card that begins on "
        f"line 6 has no END:VCARD; {HOW}",
    ),
    (
        "contacts file huge",
        config(shared='contacts = "contacts.vcf"'),
        CARD.encode() * (2**20 // len(CARD) + 1),
        PREVIEW,
        3,
        "{path}: [autoreply] contacts: {contacts} is over 1 MiB, the most hours reads; export "
        "your contacts again without photos",
    ),
    (
        "contacts not text",
        config(shared="contacts = 5"),
        None,
        ["status"],
        3,
        "{path}: [autoreply] contacts: must be text, in quotes",
    ),
    (
        "a language Babel does not know",
        config(rest='[autoreply.lang.klingon]\nmessage = "Qapla\'"\n'),
        None,
        ["status"],
        3,
        "{path}: [autoreply.lang.klingon]: 'klingon' is not a language code Babel knows; use one "
        "like fr, es, de or pt-BR",
    ),
    (
        "a default language Babel does not know",
        config(shared='language = "xx"'),
        None,
        ["status"],
        3,
        "{path}: [autoreply] language: 'xx' is not a language code Babel knows; use one like fr, "
        "es, de or pt-BR",
    ),
    (
        "one language twice",
        config(
            rest='[autoreply.lang.pt-BR]\nmessage = "a"\n[autoreply.lang.pt_BR]\nmessage = "b"\n'
        ),
        None,
        ["status"],
        3,
        "{path}: [autoreply.lang.pt_BR]: pt_BR has another table already; merge the two",
    ),
    (
        "a language that is not a table",
        config(shared='lang = "fr"'),
        None,
        ["status"],
        3,
        "{path}: [autoreply.lang]: must be a table",
    ),
    (
        "a language's templates that are not a table",
        config(rest='[autoreply.lang]\nfr = "Bonjour"\n'),
        None,
        ["status"],
        3,
        '{path}: [autoreply.lang.fr]: must be a table of templates, like message = "..."',
    ),
    (
        "a field a language's text cannot use",
        config(rest='[autoreply.lang.fr]\nsms_message = "Bonjour {sender_name}"\n'),
        None,
        ["status"],
        3,
        "{path}: [autoreply.lang.fr] sms_message: {sender_name} is not a field you can use; use "
        "{business}, {emergency_keyword}, {next_open}, {next_open_date}, {next_open_local}, "
        "{next_open_relative}, {next_open_with_local}, {reason}",
    ),
    (
        "who covers said outside a language's cover message",
        config(rest='[autoreply.lang.fr]\nsms_message = "{cover_name} vous répondra"\n'),
        None,
        ["status"],
        3,
        "{path}: [autoreply.lang.fr] sms_message: {cover_name} is not a field you can use; use "
        "{business}, {emergency_keyword}, {next_open}, {next_open_date}, {next_open_local}, "
        "{next_open_relative}, {next_open_with_local}, {reason}",
    ),
    (
        "a field a language's cover message cannot use",
        config(rest='[autoreply.lang.fr]\ncover_message = "{cover_name} : {subject}"\n'),
        None,
        ["status"],
        3,
        "{path}: [autoreply.lang.fr] cover_message: {subject} is not a field you can use; use "
        "{business}, {cover_name}, {emergency_keyword}, {next_open}, {next_open_date}, "
        "{next_open_local}, {next_open_relative}, {next_open_with_local}, {reason}",
    ),
    (
        "a language's template that is not text",
        config(rest="[autoreply.lang.fr]\nmessage = 3\n"),
        None,
        ["status"],
        3,
        "{path}: [autoreply.lang.fr] message: must be text, in quotes",
    ),
    (
        "{booking_url} without booking_url",
        config(shared='new_client_message = "Book at {booking_url}"'),
        None,
        ["status"],
        3,
        "{path}: [autoreply] new_client_message: {booking_url} needs booking_url set: add "
        'booking_url = "https://..." beside name at the top of the config',
    ),
    (
        "{booking_url} without booking_url, in a language's table",
        config(rest='[autoreply.lang.es]\nsms_new_client_message = "Reserva: {booking_url}"\n'),
        None,
        ["status"],
        3,
        "{path}: [autoreply.lang.es] sms_new_client_message: {booking_url} needs booking_url "
        'set: add booking_url = "https://..." beside name at the top of the config',
    ),
    (
        "a booking URL that is not http(s)",
        config(top='booking_url = "ftp://book.example.com"'),
        None,
        ["status"],
        3,
        "{path}: booking_url: 'ftp://book.example.com' is not a web address; use one that starts "
        "with https:// (or http://), like https://book.example.com/sam",
    ),
    (
        "a booking URL without a host",
        config(top='booking_url = "https://"'),
        None,
        ["status"],
        3,
        "{path}: booking_url: 'https://' is not a web address; use one that starts with https:// "
        "(or http://), like https://book.example.com/sam",
    ),
    (
        "a booking URL with a space",
        config(top='booking_url = "https://book.example.com/sam nails"'),
        None,
        ["status"],
        3,
        "{path}: booking_url: 'https://book.example.com/sam nails' is not a web address; use one "
        "that starts with https:// (or http://), like https://book.example.com/sam",
    ),
    (
        "a booking URL that is not text",
        config(top="booking_url = true"),
        None,
        ["status"],
        3,
        "{path}: booking_url: must be text, in quotes",
    ),
    (
        "--from an address for texts",
        config(),
        None,
        ["autoreply", "preview", "--channel", "sms", "--from", "alex@example.org"],
        2,
        "--from 'alex@example.org' is an email address: use --channel email with it",
    ),
    (
        "--from a number for email",
        config(),
        None,
        ["autoreply", "preview", "--channel", "email", "--from", "+33612345678"],
        2,
        "--from '+33612345678' is a phone number: use --channel sms, whatsapp or voice with it",
    ),
    (
        "--from neither",
        config(),
        None,
        ["autoreply", "preview", "--from", "alex"],
        2,
        "--from 'alex' is not a phone number; write it in E.164, like +33612345678",
    ),
]


@pytest.mark.parametrize(
    ("text", "vcard", "argv", "status", "message"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_input(
    text: str,
    vcard: bytes | None,
    argv: list[str],
    status: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(contacts, "MAX_BYTES", 2**20)  # a huge file, in small
    path = write_config(text)
    book = path.parent / "contacts.vcf"
    if vcard is not None:
        book.write_bytes(vcard)
    before = snapshot(path.parent)
    result = run(*argv)
    expected = message.replace("{path}", str(path)).replace("{contacts}", str(book))
    assert result.stderr == f"Error: {expected}\n"
    assert (result.exit_code, result.stdout) == (status, "")
    assert snapshot(path.parent) == before


def test_a_sync_that_cannot_read_the_contacts_sends_nothing_and_takes_no_lock() -> None:
    write_config(config(shared='contacts = "contacts.vcf"'))
    state = Path(os.environ["HOURS_HOME"])
    result = run("autoreply", "sync", "--at", "2026-11-23T19:00")
    assert result.exit_code == 3
    assert not state.exists()  # refused before the journal or the lock was touched


def test_a_contacts_path_is_read_from_home_or_beside_the_config(tmp_path: Path) -> None:
    write_config(config(shared='contacts = "~/cards/all.vcf"'))
    home = tmp_path / "home"
    result = run(*PREVIEW)
    assert result.stderr.startswith(
        f"Error: {config_file()}: [autoreply] contacts: {home}/cards/all.vcf does not exist"
    )
    (home / "cards").mkdir()
    (home / "cards" / "all.vcf").write_text(CARD)
    assert run(*PREVIEW).exit_code == 0
    absolute = tmp_path / "elsewhere.vcf"
    write_config(config(shared=f'contacts = "{absolute}"'))
    assert f"{absolute} does not exist" in run(*PREVIEW).stderr


def test_hours_status_never_reads_the_contacts_file() -> None:
    write_config(config(shared='contacts = "contacts.vcf"'))
    result = run("status", "--at", "2026-11-23T19:00")
    assert (result.exit_code, result.stderr) == (1, "")
