"""`hours autoreply preview --from` for new and returning clients, at home and abroad, and what
`hours doctor` says of the contacts file and of modes that send one text to everyone."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from hours import channels
from hours.config import parse
from hours.doctor import fixed_text_check
from hours.journal import Journal
from tests.fake_channel import FakeChannel
from tests.helpers import config_file, run, snapshot, write_config

URL = "https://book.example.com/sam"
CONTACTS = """\
BEGIN:VCARD
VERSION:3.0
FN:Ana Souza
TEL;TYPE=CELL:(416) 555-0111
EMAIL:ana@client.test
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Camille Martin
TEL;VALUE=uri:tel:+33-6-12-34-56-78
EMAIL:camille@client.test
TZ:Europe/Paris
LANG:fr
END:VCARD
"""
CONFIG = f"""\
name = "Sam's Nails"
timezone = "America/Toronto"
booking_url = "{URL}"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
[autoreply]
contacts = "contacts.vcf"
vip = ["+14165550199"]
[autoreply.emergency]
keyword = "URGENT"
[autoreply.email]
mode = "imap"
address = "sam@example.com"
password_env = "HOURS_TEST_PASSWORD"
imap = {{ host = "127.0.0.1", port = 1143, security = "none" }}
smtp = {{ host = "127.0.0.1", port = 1025, security = "none" }}
sieve = {{ host = "127.0.0.1", port = 4190, security = "none" }}
[autoreply.phone]
number = "+15550001111"
account_sid_env = "HOURS_TEST_SID"
auth_token_env = "HOURS_TEST_TOKEN"
mode = "poll"
[autoreply.lang.fr]
message = "Merci ! {{business}} est fermé. Je vous réponds {{next_open_with_local}}."
new_client_message = "Bienvenue ! Je vous réponds {{next_open_with_local}}. Réservez : {{booking_url}}"
"""
AT = "2026-11-23T19:00"  # a Monday evening in Toronto: closed, back tomorrow at 9:00
USUAL = (
    "Hi! Thanks for your message. Sam's Nails is closed right now. I'll get back to you "
    "tomorrow at 9:00 AM. If it can't wait, reply URGENT."
)


@pytest.fixture(autouse=True)
def configured() -> Path:
    path = write_config(CONFIG)
    (path.parent / "contacts.vcf").write_text(CONTACTS)
    return path


def preview(*args: str) -> str:
    result = run("autoreply", "preview", "--at", AT, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def segments(text: str) -> str:
    n = len(text)
    return f"SMS: {n} characters, GSM-7, {n} septets: {1 if n <= 160 else 2} segment" + (
        "." if n <= 160 else "s."
    )


# -- the four cases --------------------------------------------------------------------------

NEW_HERE = "someone new (never answered, not in your contacts, not a VIP)"
# (id, --from, who they are, their clock, their language, the text)
FOUR_CASES = [
    (
        "new, in Toronto",
        "+14165550100",
        NEW_HERE,
        "America/Toronto, from the phone number",
        "en, the official language of the number's country",
        f"{USUAL} Book now: {URL}",
    ),
    (
        "new, on a Paris landline",
        "+33123456789",
        NEW_HERE,
        "Europe/Paris, from the phone number",
        "fr, the official language of the number's country",
        f"Bienvenue ! Je vous réponds demain à 09:00 (15:00 UTC+01:00). Réservez : {URL}",
    ),
    (
        "returning, in Toronto: in the contacts as (416) 555-0111",
        "+14165550111",
        "a returning client (in your contacts as Ana Souza)",
        "America/Toronto, from the phone number",
        "en, the official language of the number's country",
        USUAL,
    ),
    (
        "returning, abroad: a French mobile, the contact's zone and language",
        "+33 6 12 34 56 78",
        "a returning client (in your contacts as Camille Martin)",
        "Europe/Paris, from your contacts (TZ)",
        "fr, from your contacts (LANG)",
        "Merci ! Sam's Nails est fermé. Je vous réponds demain à 09:00 (15:00 UTC+01:00).",
    ),
]


@pytest.mark.parametrize(
    ("sender", "who", "clock", "language", "text"),
    [c[1:] for c in FOUR_CASES],
    ids=[c[0] for c in FOUR_CASES],
)
def test_preview_from_a_number(sender: str, who: str, clock: str, language: str, text: str) -> None:
    shown = sender.replace(" ", "")
    assert preview("--from", sender) == "\n".join(
        [
            f"To {shown}: {who}",
            f"Their time: {clock}",
            f"Language: {language}",
            "",
            text,
            "",
            segments(text),
            "",
        ]
    )


def test_preview_from_an_address() -> None:
    new = preview("--from", "Alex@Example.org")
    assert new.splitlines()[:9] == [
        "To alex@example.org: " + NEW_HERE,
        "Their time: not known for certain, so replies say your time with its zone",
        "Language: en, the default",
        "",
        "From: Sam's Nails <sam@example.com>",
        "To: alex@example.org",
        "Subject: Re: Appointment next week?",
        "Auto-Submitted: auto-replied",
        "In-Reply-To: <the original message's Message-ID>",
    ]
    assert new.splitlines()[10] == "Hi there,"
    assert new.endswith(f"\n\nP.S. If you'd like to book, you can pick a time right away: {URL}\n")
    known = preview("--from", "camille@client.test").splitlines()
    assert known[:3] == [
        "To camille@client.test: a returning client (in your contacts as Camille Martin)",
        "Their time: Europe/Paris, from your contacts (TZ)",
        "Language: fr, from your contacts (LANG)",
    ]
    assert known[-1] == (
        "Merci ! Sam's Nails est fermé. Je vous réponds demain à 09:00 (15:00 UTC+01:00)."
    )


def test_preview_from_someone_answered_before_reads_the_journal_and_writes_nothing() -> None:
    state = Path(os.environ["HOURS_HOME"])
    preview("--from", "+14165550100")
    assert not state.exists()  # no journal yet: nothing made to find that out
    journal = Journal(state)
    sent = dt.datetime(2026, 11, 16, 23, tzinfo=dt.UTC)
    rid = journal.begin_reply("sms", "reply", "+14165550100", "SM1", sent, sent)
    journal.reply_sent(rid, sent)
    journal.close()
    before = snapshot(state)
    lines = preview("--from", "+14165550100").splitlines()
    assert lines[0] == "To +14165550100: a returning client (answered before)"
    assert lines[4] == USUAL
    # On WhatsApp the same number shares the phone's history.
    whatsapp = preview("--channel", "whatsapp", "--from", "+14165550100").splitlines()
    assert whatsapp[0] == "To whatsapp:+14165550100: a returning client (answered before)"
    assert snapshot(state) == before


def test_preview_from_whom_no_reply_ever_goes() -> None:
    assert preview("--from", "+14165550199") == (
        "To +14165550199: a VIP, never auto-replied: nothing is sent.\n"
    )
    assert preview("--from", "+15550001111") == (
        "To +15550001111: one of your own, never auto-replied: nothing is sent.\n"
    )
    assert preview("--from", "noreply@shop.example") == (
        "To noreply@shop.example: a robot's address, never auto-replied: nothing is sent.\n"
    )


def test_preview_without_from_is_the_usual_reply_and_says_someone_new_gets_another() -> None:
    assert preview("--channel", "sms") == (
        f"{USUAL}\n\n{segments(USUAL)}\n\nSomeone new (never answered, not in your contacts) "
        "gets your new-client message instead: `--from SENDER` shows what one sender gets.\n"
    )


def test_preview_from_in_modes_that_send_everyone_one_text(configured: Path) -> None:
    text = CONFIG.replace('mode = "poll"', 'mode = "swap"').replace(
        'mode = "imap"', 'mode = "sieve"'
    )
    write_config(text)
    sms = preview("--from", "+33123456789").splitlines()
    assert sms[:3] == [
        "(Swap mode sends everyone the same text: who they are, their time zone and language "
        "are not used.)",
        USUAL,
        "",
    ]
    mail = preview("--from", "camille@client.test").splitlines()
    assert mail[:2] == [
        "(Sieve mode sends everyone the same text: who they are, their time zone and language "
        "are not used.)",
        "(Sieve mode: the server sends this, for the closed windows of the next 14 days.)",
    ]
    assert "Merci" not in "\n".join(mail)
    # WhatsApp is answered in poll mode, per sender, whatever the mode of texts.
    whatsapp = preview("--channel", "whatsapp", "--from", "+33123456789").splitlines()
    assert whatsapp[0].startswith("To whatsapp:+33123456789: someone new")


# -- hours doctor ----------------------------------------------------------------------------


@pytest.fixture
def fake_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = "tests.fake_channel:FakeChannel"
    monkeypatch.setattr(channels, "PROVIDERS", dict.fromkeys(channels.PROVIDERS, fake))
    FakeChannel.calls = []
    FakeChannel.fail = None
    FakeChannel.unreadable_secret = None
    for name in ("HOURS_TEST_PASSWORD", "HOURS_TEST_SID", "HOURS_TEST_TOKEN"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("PATH", "/nonexistent")  # no crontab


@pytest.mark.usefixtures("fake_providers")
def test_doctor_counts_the_contacts_or_says_what_is_wrong(configured: Path) -> None:
    book = configured.parent / "contacts.vcf"
    out = run("--no-color", "doctor").stdout
    assert f"[  ok] contacts — 2 in {book}\n" in out
    book.write_text("not a card\n")
    result = run("--no-color", "doctor")
    assert result.exit_code == 3
    assert (
        f"[FAIL] contacts — {configured}: [autoreply] contacts: {book} is not a vCard file (it "
        "has no BEGIN:VCARD);"
    ) in result.stdout


@pytest.mark.usefixtures("fake_providers")
def test_doctor_says_what_one_text_for_everyone_cannot_do() -> None:
    write_config(CONFIG.replace('mode = "poll"', 'mode = "swap"'))
    out = run("--no-color", "doctor").stdout
    assert (
        "[warn] phone (swap) — one text for everyone; new_client_message not used: new and "
        "returning clients get `message` alike; [autoreply.lang.*] not used: everyone gets the "
        "default language; contacts not read: no client's zone, language or name is known; "
        "{next_open_with_local} your time only, as {next_open} says it\n"
    ) in out
    assert "email (imap) —" not in out  # a mode that writes each reply for its sender


def test_doctor_is_silent_on_one_text_for_everyone_when_nothing_asks_more(tmp_path: Path) -> None:
    plain = CONFIG.split("[autoreply.lang.fr]")[0]
    plain = plain.replace(f'booking_url = "{URL}"\n', "").replace('contacts = "contacts.vcf"\n', "")
    settings = parse(plain, tmp_path / "c.toml").autoreply
    assert settings is not None
    assert fixed_text_check(settings, "email", "sieve") is None
    assert fixed_text_check(settings, "phone", "swap") is None
    with_url = parse(CONFIG.split("[autoreply.lang.fr]")[0], tmp_path / "c.toml").autoreply
    assert with_url is not None
    check = fixed_text_check(with_url, "email", "sieve")
    assert check is not None
    assert check.warning
    assert check.detail == (
        "one text for everyone; new_client_message not used: new and returning clients get "
        "`message` alike; contacts not read: no client's zone, language or name is known; "
        "{next_open_with_local} your time only, as {next_open} says it; {next_open_relative} "
        "counted from when the text was made: the evening's start (Sieve), the window's start "
        '(Gmail, Outlook), the last sync (swap); {sender_name} "there"; {subject} the server '
        'fills it in where Sieve has `variables`, else "your message"; Gmail writes its own '
        "for the default `Re: {subject}`, Outlook always"
    )
    assert config_file() != tmp_path / "c.toml"  # the test's own config was not touched
