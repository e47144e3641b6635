"""Replies that know the client, end to end: `hours autoreply sync` on the real Dovecot (IMAP
mode) with the SMTP recorder, and on the Twilio fake (poll mode).

New clients get the booking link, returning ones (answered before, or in the contacts file) the
usual reply; a French number the French template with French dates; an email with
`Content-Language: es` the Spanish one; the contacts file's TZ wins over what the message says.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.email_e2e import PASSWORD_ENV, at, imap_config, sync
from tests.helpers import config_file, run, write_config
from tests.phone_helpers import CELL, NUMBER, phone_config
from tests.phone_helpers import at as phone_at
from tests.phone_helpers import sync as phone_sync
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.smtp import SmtpRecorder
from tests.servers.twilio_fake import TwilioFake

URL = "https://book.example.com/sam"
BOOKING = f"P.S. If you'd like to book, you can pick a time right away: {URL}"
CONTACTS = """\
BEGIN:VCARD
VERSION:3.0
FN:Ana Souza
EMAIL;TYPE=INTERNET:ana@client.test
TEL;TYPE=CELL:(212) 555-0111
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Kenji Sato
EMAIL:kenji@client.test
TEL;VALUE=uri:tel:+44-20-7946-0000
TZ:America/Los_Angeles
END:VCARD
"""
SPANISH = """
[autoreply.lang.es]
message = "Hola {sender_name}: te respondo {next_open_with_local}."
new_client_message = "Hola {sender_name}: te respondo {next_open_with_local}. Reserva: {booking_url}"
subject = "Re: {subject} (respuesta automática)"
"""
FRENCH = """
[autoreply.lang.fr]
sms_message = "Merci ! {business} est fermé. Je vous réponds {next_open_with_local}."
sms_new_client_message = "Bienvenue ! Je vous réponds {next_open_with_local}. Réservez : {booking_url}"
"""


def client_aware(extra: str) -> None:
    """Give the config that the test wrote a booking link, the contacts file and `extra`."""
    path = config_file()
    (path.parent / "contacts.vcf").write_text(CONTACTS)
    text = path.read_text().replace("[autoreply]\n", '[autoreply]\ncontacts = "contacts.vcf"\n')
    path.write_text(f'booking_url = "{URL}"\n{text}{extra}')


# -- email, IMAP mode ------------------------------------------------------------------------


@pytest.fixture
def smtp(mail_user: MailUser, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpRecorder]:
    """An SMTP server that takes the user's own login, as a provider's submission port does."""
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    recorder = SmtpRecorder(logins={mail_user.address: mail_user.password}).start()
    yield recorder
    recorder.stop()


@pytest.fixture
def inbox(dovecot: Dovecot, mail_user: MailUser, smtp: SmtpRecorder) -> MailUser:
    """The config, client-aware, and the first sync, which starts the inbox's cursor."""
    imap_config(dovecot, mail_user, smtp)
    client_aware(SPANISH)
    assert sync(at("2026-11-16T12:00"))["action"] == "started"
    return mail_user


def deliver(dovecot: Dovecot, user: MailUser, sender: str, when: str, **headers: str) -> None:
    """Store a mail from `sender` that arrived at `when` (New York time), headers replaced."""
    message = make_message(sender=sender, to=user.address, subject="Nails on Tuesday?")
    for name, value in headers.items():
        name = name.replace("_", "-")
        del message[name]
        message[name] = value
    dovecot.append(user, [message], arrived=at(when))


def replies(smtp: SmtpRecorder) -> dict[str, tuple[str, str]]:
    """Return each reply the SMTP server took, by recipient: (subject, body)."""
    out = {}
    for m in smtp.messages:
        (to,) = m.rcpt_tos
        body = m.message.get_content().replace("\r\n", "\n")
        out[to] = (str(m.message["Subject"]), body)
    return out


def test_email_new_returning_spanish_and_abroad(
    dovecot: Dovecot, inbox: MailUser, smtp: SmtpRecorder
) -> None:
    # Date in UTC, as many servers stamp it: no zone for the sender, no brackets.
    deliver(dovecot, inbox, "new@client.test", "2026-11-16T18:30")
    deliver(dovecot, inbox, "ana@client.test", "2026-11-16T18:31")  # in the contacts
    deliver(
        dovecot,
        inbox,
        "Lucia <lucia@client.test>",
        "2026-11-16T18:32",
        Content_Language="es",
        Date="Mon, 16 Nov 2026 20:32:00 -0330",
    )
    # Kenji's contact says Los Angeles; his mail's Date says -0330: the contact wins.
    deliver(
        dovecot,
        inbox,
        "kenji@client.test",
        "2026-11-16T18:33",
        Date="Mon, 16 Nov 2026 20:03:00 -0330",
    )

    row = sync(at("2026-11-16T18:35"))

    assert (row["replied"], row["skipped"]) == (4, {})
    got = replies(smtp)
    subject, body = got["new@client.test"]
    assert "get back to you tomorrow at 9:00 AM — in 14 hours 25 minutes.\n" in body
    assert body.endswith(f"Warmly,\nSam's Nails\n\n{BOOKING}\n")
    subject, body = got["ana@client.test"]
    assert "get back to you tomorrow at 9:00 AM — in 14 hours 25 minutes.\n" in body
    assert URL not in body
    subject, body = got["lucia@client.test"]
    assert subject == "Re: Nails on Tuesday? (respuesta automática)"
    assert body == f"Hola Lucia: te respondo mañana, 9:00 (10:30 GMT-03:30). Reserva: {URL}\n"
    subject, body = got["kenji@client.test"]
    assert "get back to you tomorrow at 9:00 AM (6:00 AM your time) — in 14 hours" in body
    assert URL not in body


def test_email_a_client_answered_before_is_returning(
    dovecot: Dovecot, inbox: MailUser, smtp: SmtpRecorder
) -> None:
    deliver(dovecot, inbox, "new@client.test", "2026-11-16T18:30")
    sync(at("2026-11-16T18:35"))
    deliver(dovecot, inbox, "new@client.test", "2026-11-17T18:30")  # the next night
    assert sync(at("2026-11-17T18:35"))["replied"] == 1
    first, second = (m.message.get_content() for m in smtp.messages)
    assert URL in first
    assert URL not in second
    assert "get back to you tomorrow at 9:00 AM" in second


# -- texts, Twilio poll mode -----------------------------------------------------------------


@pytest.fixture
def texts(twilio: TwilioFake) -> TwilioFake:
    write_config(phone_config(twilio))
    client_aware(FRENCH)
    return twilio


USUAL = (
    "Hi! Thanks for your message. Sam's Nails is closed right now. I'll get back to you "
    "tomorrow at 9:00 AM{theirs}. If it can't wait, reply URGENT."
)


def test_texts_new_returning_french_and_abroad(texts: TwilioFake) -> None:
    new, ana, paris, french_mobile, kenji = (
        "+12125550100",
        "+12125550111",
        "+33123456789",
        "+33612345678",
        "+442079460000",
    )
    for sender in (new, ana, paris, french_mobile, kenji):
        texts.receive(sender, NUMBER, "Hello, can I book?", phone_at(23, 19, 0))

    row = phone_sync(phone_at(23, 19, 5))

    assert (row["replied"], row["skipped"]) == (5, {})
    said = {
        to: [m["body"] for m in texts.sent(to)] for to in (new, ana, paris, french_mobile, kenji)
    }
    assert said == {
        new: [USUAL.format(theirs="") + f" Book now: {URL}"],
        ana: [USUAL.format(theirs="")],  # in the contacts, written (212) 555-0111
        paris: [f"Bienvenue ! Je vous réponds demain à 09:00 (15:00 UTC+01:00). Réservez : {URL}"],
        # A mobile says no zone: the French text in the business's time alone.
        french_mobile: [f"Bienvenue ! Je vous réponds demain à 09:00. Réservez : {URL}"],
        # A London number, but Kenji's contact says Los Angeles; and he is not new.
        kenji: [USUAL.format(theirs=" (6:00 AM your time)")],
    }


def test_texts_the_next_night_a_new_client_is_returning(texts: TwilioFake) -> None:
    texts.receive("+33123456789", NUMBER, "Bonjour", phone_at(23, 19, 0))
    phone_sync(phone_at(23, 19, 5))
    texts.receive("+33123456789", NUMBER, "Bonsoir", phone_at(24, 19, 0))
    phone_sync(phone_at(24, 19, 5))
    assert [m["body"] for m in texts.sent("+33123456789")] == [
        f"Bienvenue ! Je vous réponds demain à 09:00 (15:00 UTC+01:00). Réservez : {URL}",
        "Merci ! Sam's Nails est fermé. Je vous réponds demain à 09:00 (15:00 UTC+01:00).",
    ]


def test_texts_a_missing_contacts_file_stops_the_sync_before_anything_is_sent(
    texts: TwilioFake,
) -> None:
    texts.receive("+12125550100", NUMBER, "Hello", phone_at(23, 19, 0))
    book = config_file().parent / "contacts.vcf"
    book.unlink()
    result = run("autoreply", "sync", "--json", "--at", phone_at(23, 19, 5).isoformat())
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: {config_file()}: [autoreply] contacts: {book} does not exist; export your "
        "contacts as a vCard (.vcf) file from Google Contacts, iCloud or your phone\n"
    )
    assert texts.sent() == []
    assert texts.seen("GET", "/Messages.json") == []


# -- while someone covers ----------------------------------------------------------------------

JO = "+15551230001"
JO_COVERS = """
[[cover]]
name = "Jo"
number = "+15551230001"
days = "mon-fri"
hours = "18:00-22:00"
sms = true
voice = true
"""
FRENCH_COVER = 'cover_message = "Bonsoir ! {cover_name} vous répond ce soir ; moi {next_open}."\n'
COVER_TEXT = (
    "Hi! Sam's Nails is closed right now, and Jo is covering: Jo will get back to you soon."
)


@pytest.fixture
def covered(twilio: TwilioFake) -> TwilioFake:
    write_config(phone_config(twilio))
    client_aware(FRENCH + FRENCH_COVER + JO_COVERS)
    return twilio


def test_while_jo_covers_each_client_hears_it_in_their_language_someone_new_with_the_link(
    covered: TwilioFake,
) -> None:
    new, ana, paris = "+12125550100", "+12125550111", "+33123456789"
    for sender in (new, ana, paris):
        covered.receive(sender, NUMBER, "Can I come tomorrow?", phone_at(23, 19, 0))

    row = phone_sync(phone_at(23, 19, 5))

    assert (row["replied"], row["skipped"]) == (3, {})
    said = {to: [m["body"] for m in covered.sent(to)] for to in (new, ana, paris)}
    assert said == {
        new: [f"{COVER_TEXT} Book now: {URL}"],
        ana: [COVER_TEXT],
        # French has its own cover message, for someone new too, with French dates
        paris: ["Bonsoir ! Jo vous répond ce soir ; moi demain à 09:00."],
    }
    # Jo is told who wrote: the name too, when the contacts file has it
    assert sorted(m["body"] for m in covered.sent(JO)) == [
        f"Sam's Nails — text from {new} at 19:00: Can I come tomorrow?",
        f"Sam's Nails — text from {paris} at 19:00: Can I come tomorrow?",
        f"Sam's Nails — text from Ana Souza ({ana}) at 19:00: Can I come tomorrow?",
    ]


def test_after_jos_window_the_same_clients_get_the_usual_replies(covered: TwilioFake) -> None:
    covered.receive("+33123456789", NUMBER, "Bonjour", phone_at(23, 22, 30))
    phone_sync(phone_at(23, 22, 35))
    assert [m["body"] for m in covered.sent("+33123456789")] == [
        f"Bienvenue ! Je vous réponds demain à 09:00 (15:00 UTC+01:00). Réservez : {URL}"
    ]
    assert covered.sent(JO) == []


def test_preview_from_while_jo_covers_says_the_language_it_is_written_in(
    covered: TwilioFake,
) -> None:
    result = run(
        "autoreply",
        "preview",
        "--channel",
        "sms",
        "--at",
        "2026-11-23T19:00",
        "--from",
        "+33123456789",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:6] == [
        "To +33123456789: someone new (never answered, not in your contacts, not a VIP)",
        "Their time: Europe/Paris, from the phone number",
        "Language: fr, the official language of the number's country",
        "",
        f"(Jo covers now: each message is passed on to Jo at {JO}.)",
        "Bonsoir ! Jo vous répond ce soir ; moi demain à 09:00.",
    ]
    # without a French cover message, the French number is told in the default language
    path = config_file()
    path.write_text(path.read_text().replace(FRENCH_COVER, ""))
    result = run(
        "autoreply",
        "preview",
        "--channel",
        "sms",
        "--at",
        "2026-11-23T19:00",
        "--from",
        "+33123456789",
    )
    assert result.stdout.splitlines()[2] == "Language: en, the default"
    assert result.stdout.splitlines()[5] == f"{COVER_TEXT} Book now: {URL}"


def test_a_repeat_callers_alert_names_the_contact(texts: TwilioFake) -> None:
    ana = "+12125550111"
    texts.missed_call(ana, NUMBER, phone_at(23, 23, 0))
    texts.missed_call(ana, NUMBER, phone_at(23, 23, 5))
    phone_sync(phone_at(23, 23, 7))
    assert [m["body"] for m in texts.sent(CELL)] == [
        f"Sam's Nails — Ana Souza ({ana}) called twice in 5 minutes (23:00 and 23:05) and got "
        "your emergency message."
    ]


def test_an_emergency_forward_names_the_contact(texts: TwilioFake) -> None:
    ana, stranger = "+12125550111", "+12125550100"
    texts.receive(ana, NUMBER, "URGENT my nail came off", phone_at(23, 23, 0))
    texts.receive(stranger, NUMBER, "URGENT a nail came off", phone_at(23, 23, 1))
    phone_sync(phone_at(23, 23, 5))
    assert [m["body"] for m in texts.sent(CELL)] == [
        f"URGENT text from Ana Souza <{ana}>: URGENT my nail came off",
        f"URGENT text from {stranger}: URGENT a nail came off",
    ]


def test_preview_from_whoever_covers_sends_nothing_as_a_sync_would(covered: TwilioFake) -> None:
    result = run("autoreply", "preview", "--at", "2026-11-23T23:00", "--from", JO)
    assert (result.exit_code, result.stdout) == (
        0,
        f"To {JO}: one of your own, never auto-replied: nothing is sent.\n",
    )
    covered.receive(JO, NUMBER, "Ana is sorted", phone_at(23, 23, 0))
    assert phone_sync(phone_at(23, 23, 5))["skipped"] == {"own_address": 1}
