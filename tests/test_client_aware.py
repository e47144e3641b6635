"""Replies that know the client: the templates by language and newness, who a sender is, and
what each of them gets, through the engine with a real journal and contacts file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hours import autoreply, config
from hours.autoreply import Client, Incoming, SyncRun
from hours.clients.mail import parse_header_block
from hours.clikit import build_schedule
from hours.config import schema
from hours.config.autoreply import (
    DEFAULT_COVER_MESSAGE,
    FIELDS,
    SLOTS,
    Autoreply,
    PhoneSettings,
)
from hours.journal import Journal
from hours.locales import ClientZone, LanguageChoice

NY = ZoneInfo("America/New_York")
URL = "https://book.example.com/sam"
CONTACTS = """\
BEGIN:VCARD
VERSION:3.0
FN:Ana Souza
N:Souza;Ana;;;
TEL;TYPE=CELL:(212) 555-0111
EMAIL:ana@example.org
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Kenji Sato
TEL;VALUE=uri:tel:+44-20-7946-0000
EMAIL;TYPE=work:Kenji@Example.JP
TZ:Asia/Tokyo
LANG;PREF=1:es
END:VCARD
"""
CONFIG = f"""\
name = "Sam's Nails"
timezone = "America/New_York"
booking_url = "{URL}"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
[autoreply]
contacts = "contacts.vcf"
vip = ["+15551234567"]
[autoreply.emergency]
keyword = "URGENT"
[autoreply.email]
message = "Back {{next_open_with_local}}."
address = "sam@example.com"
password_env = "X"
imap = {{ host = "127.0.0.1", port = 1143, security = "none" }}
smtp = {{ host = "127.0.0.1", port = 1025, security = "none" }}
[autoreply.phone]
number = "+15550001111"
account_sid_env = "SID"
auth_token_env = "TOKEN"
[autoreply.lang.fr]
message = "Merci ! Je vous réponds {{next_open_with_local}}."
new_client_message = "Bienvenue ! Je vous réponds {{next_open_local}}. Réservez : {{booking_url}}"
subject = "Re : {{subject}}"
[autoreply.lang.es]
message = "¡Gracias! Te respondo {{next_open_with_local}}."
"""
USUAL_SMS = (
    "Hi! Thanks for your message. Sam's Nails is closed right now. I'll get back to you "
    "tomorrow at 9:00 AM. If it can't wait, reply URGENT."
)
NEW_SMS = f"{USUAL_SMS} Book now: {URL}"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Return a November 2026 instant in New York (the 23rd is a Monday)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=NY)


def load(tmp_path: Path, text: str = CONFIG) -> config.Config:
    (tmp_path / "contacts.vcf").write_text(CONTACTS)
    return config.parse(text, tmp_path / "config.toml")


@pytest.fixture
def cfg(tmp_path: Path) -> config.Config:
    return load(tmp_path)


@pytest.fixture
def settings(cfg: config.Config) -> Autoreply:
    assert cfg.autoreply is not None
    return cfg.autoreply


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "state")
    yield j
    j.close()


def text(sender: str) -> Incoming:
    return Incoming("sms", f"SM-{sender}", sender, at(23, 19, 0), text="Hello?")


def email(sender: str, *headers: str) -> Incoming:
    block = "\r\n".join([f"From: {sender}", "To: sam@example.com", "Subject: Nails", *headers])
    mail = parse_header_block(7, at(23, 19, 0), (block + "\r\n\r\n").encode())
    return Incoming("email", "1:7", sender, at(23, 19, 0), mail=mail, subject="Nails")


# -- the templates ---------------------------------------------------------------------------


def test_a_languages_table_falls_back_key_by_key(settings: Autoreply) -> None:
    assert settings.languages.keys() == {"fr", "es"}
    assert settings.template("sms", "fr") == settings.languages["fr"]["message"]
    assert settings.template("whatsapp_new", "fr") == settings.languages["fr"]["new_client_message"]
    assert settings.template("subject", "fr") == "Re : {subject}"
    # Spanish has no new-client message and no subject: those are the default language's.
    assert settings.template("sms_new", "es") == settings.template("sms_new", "en")
    assert settings.template("subject", "es") == "Re: {subject}"
    assert settings.languages_with("sms") == {"fr", "es"}
    assert settings.languages_with("sms_new") == {"fr"}
    assert settings.languages_with("emergency") == frozenset()
    assert settings.template("emergency", "fr") == settings.template("emergency", "en")


def test_a_new_clients_message_is_the_usual_one_with_the_booking_link(
    settings: Autoreply,
) -> None:
    assert settings.phone is not None
    assert settings.email is not None
    assert settings.phone.sms_new_client_message == settings.phone.sms_message + (
        " Book now: {booking_url}"
    )
    assert settings.phone.whatsapp_new_client_message == settings.phone.sms_new_client_message
    assert settings.email.new_client_message == (
        "Back {next_open_with_local}.\n\nP.S. If you'd like to book, you can pick a time right "
        "away: {booking_url}\n"
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ((f'booking_url = "{URL}"\n', ""), "no booking_url"),
        (("[autoreply]\n", '[autoreply]\nlanguage = "fr"\n'), "the built-in line is English"),
        (
            ("[autoreply.phone]\n", '[autoreply.phone]\nsms_message = "Book: {booking_url:.60}"\n'),
            "the usual text gives the link already",
        ),
    ],
)
def test_without_a_booking_line_to_add_someone_new_gets_the_usual_message(
    tmp_path: Path, change: tuple[str, str], why: str
) -> None:
    text = CONFIG.replace(*change).replace(" : {booking_url}", "")
    settings = load(tmp_path, text).autoreply
    assert settings is not None
    assert settings.phone is not None
    assert settings.phone.sms_new_client_message == settings.phone.sms_message, why


def test_the_new_client_keys_from_the_most_specific(tmp_path: Path) -> None:
    phone = (
        "[autoreply.phone]\n"
        'sms_new_client_message = "sms {booking_url}"\n'
        'new_client_message = "phone"\n'
    )
    text = CONFIG.replace("[autoreply.phone]\n", phone).replace(
        "[autoreply]\n", '[autoreply]\nnew_client_message = "for every channel"\n'
    )
    settings = load(tmp_path, text).autoreply
    assert settings is not None
    assert settings.phone is not None
    assert settings.email is not None
    assert settings.phone.sms_new_client_message == "sms {booking_url}"
    assert settings.phone.whatsapp_new_client_message == "sms {booking_url}"
    assert settings.email.new_client_message == "for every channel"
    whatsapp = phone_settings(
        tmp_path, text.replace(phone, phone + 'whatsapp_new_client_message = "wa"\n')
    )
    assert whatsapp.whatsapp_new_client_message == "wa"
    without_sms = text.replace('sms_new_client_message = "sms {booking_url}"\n', "")
    assert phone_settings(tmp_path, without_sms).sms_new_client_message == "phone"


def test_while_someone_covers_everyone_hears_the_cover_message_someone_new_with_the_link(
    tmp_path: Path,
) -> None:
    french = '[autoreply.lang.fr]\ncover_message = "{cover_name} vous répondra."\n'
    settings = load(tmp_path, CONFIG.replace("[autoreply.lang.fr]\n", french)).autoreply
    assert settings is not None
    assert settings.phone is not None
    assert settings.phone.cover_new_client_message == (
        f"{DEFAULT_COVER_MESSAGE} Book now: {{booking_url}}"
    )
    assert [autoreply.slot(c, "cover", new=n) for c in ("sms", "voice") for n in (False, True)] == [
        "cover",
        "cover_new",
    ] * 2
    assert settings.languages_with("cover") == settings.languages_with("cover_new") == {"fr"}
    # a language's cover message is for new and returning clients alike
    assert (
        settings.template("cover", "fr")
        == settings.template("cover_new", "fr")
        == ("{cover_name} vous répondra.")
    )
    assert settings.template("cover", "es") == DEFAULT_COVER_MESSAGE
    assert settings.template("cover_new", "es") == settings.phone.cover_new_client_message
    # a cover message that gives the link itself, or no booking_url: nothing added
    own = '[autoreply]\ncover_message = "{cover_name}: {booking_url}"\n'
    linked = phone_settings(tmp_path, CONFIG.replace("[autoreply]\n", own))
    assert linked.cover_new_client_message == linked.cover_message == "{cover_name}: {booking_url}"
    unbooked = phone_settings(
        tmp_path, CONFIG.replace(f'booking_url = "{URL}"\n', "").replace(": {booking_url}", "")
    )
    assert unbooked.cover_new_client_message == DEFAULT_COVER_MESSAGE


def phone_settings(tmp_path: Path, text: str) -> PhoneSettings:
    settings = load(tmp_path, text).autoreply
    assert settings is not None
    assert settings.phone is not None
    return settings.phone


def test_every_slot_names_only_templates_a_languages_table_may_hold() -> None:
    keys = {key for chain in SLOTS.values() for key in chain}
    assert keys == set(schema.LANGUAGE_TEMPLATES)
    assert {f"autoreply.lang.*.{k}" for k in keys} <= schema.KEYS.keys()


def test_a_language_code_is_kept_as_babel_names_it(tmp_path: Path) -> None:
    text = CONFIG.replace("[autoreply.lang.es]", "[autoreply.lang.pt-BR]")
    settings = load(tmp_path, text).autoreply
    assert settings is not None
    assert settings.languages.keys() == {"fr", "pt_BR"}


def test_an_unknown_key_in_a_languages_table_is_a_warning_naming_that_table(
    tmp_path: Path,
) -> None:
    text = CONFIG + 'voice_message = "Bonjour"\n'
    cfg = load(tmp_path, text.replace("[autoreply.lang.es]", "[autoreply.lang.it]"))
    assert cfg.warnings == (
        f"{tmp_path / 'config.toml'}: [autoreply.lang.it] voice_message: unknown key, ignored",
    )


# -- who a sender is -------------------------------------------------------------------------

# (id, message, answered before, why known, zone and how it was told, language and how)
WHO = [
    (
        "a new client in New York",
        text("+12125550100"),
        False,
        (),
        ("America/New_York", "phone"),
        ("en", "phone"),
    ),
    (
        "a new client on a Paris landline",
        text("+33123456789"),
        False,
        (),
        ("Europe/Paris", "phone"),
        ("fr", "phone"),
    ),
    (
        "a French mobile: no zone, the country's language",
        text("+33612345678"),
        False,
        (),
        None,
        ("fr", "phone"),
    ),
    (
        "in the contacts, written without the country code",
        text("+12125550111"),
        False,
        ("in your contacts as Ana Souza",),
        ("America/New_York", "phone"),
        ("en", "phone"),
    ),
    (
        "the contact's TZ and LANG win over the London number's",
        text("+442079460000"),
        False,
        ("in your contacts as Kenji Sato",),
        ("Asia/Tokyo", "contact"),
        ("es", "contact"),
    ),
    (
        "answered before",
        text("+12125550100"),
        True,
        ("answered before",),
        ("America/New_York", "phone"),
        ("en", "phone"),
    ),
    (
        "a VIP",
        text("+15551234567"),
        False,
        ("a VIP",),
        None,  # 555 numbers are fictional: no zone, no country
        ("en", "default"),
    ),
    (
        "an email in Spanish from half an hour off the hour",
        email("zoe@client.test", "Date: Mon, 23 Nov 2026 20:30:00 -0330", "Content-Language: es"),
        True,
        ("answered before",),
        ("UTC-3:30", "email"),
        ("es", "content-language"),
    ),
    (
        "someone new writing in Spanish: no new-client message in Spanish",
        email("zoe@client.test", "Content-Language: es"),
        False,
        (),
        None,
        ("en", "default"),
    ),
    (
        "an email stamped in UTC says nothing of the sender's clock",
        email("zoe@client.test", "Date: Tue, 24 Nov 2026 00:00:00 +0000"),
        False,
        (),
        None,
        ("en", "default"),
    ),
    (
        "an email from a contact: the contact's zone wins over the Date's",
        email("kenji@example.jp", "Date: Mon, 23 Nov 2026 20:30:00 -0330"),
        False,
        ("in your contacts as Kenji Sato",),
        ("Asia/Tokyo", "contact"),
        ("es", "contact"),
    ),
    (
        "an email in a language without templates",
        email("zoe@client.test", "Content-Language: de"),
        False,
        (),
        None,
        ("en", "default"),
    ),
]


@pytest.mark.parametrize(
    ("msg", "answered", "known", "zone", "language"),
    [w[1:] for w in WHO],
    ids=[w[0] for w in WHO],
)
def test_who_a_sender_is(
    cfg: config.Config,
    settings: Autoreply,
    msg: Incoming,
    answered: bool,
    known: tuple[str, ...],
    zone: tuple[str, str] | None,
    language: tuple[str, str],
) -> None:
    book = config.contacts_of(cfg)
    client = autoreply.client_of(msg, settings, contacts=book, answered_before=answered)
    assert client.known == known
    assert client.new == (not known)
    assert (None if client.zone is None else (client.zone.name, client.zone.source)) == zone
    assert (client.language.language, client.language.source) == language


def test_without_other_languages_nothing_is_chosen(tmp_path: Path) -> None:
    """No table in another language: the default, without asking Babel or the number."""
    settings = load(tmp_path, CONFIG.split("[autoreply.lang.fr]")[0]).autoreply
    assert settings is not None
    client = autoreply.client_of(
        text("+33123456789"), settings, contacts=None, answered_before=False
    )
    assert client.language == LanguageChoice("en", "default")


# -- what they get ---------------------------------------------------------------------------

PARIS = ClientZone(ZoneInfo("Europe/Paris"), "zone", "phone")
TOKYO = ClientZone(ZoneInfo("Asia/Tokyo"), "zone", "contact")
ENGLISH, FRENCH = LanguageChoice("en", "phone"), LanguageChoice("fr", "phone")
# (id, client, what the text says)
FOUR_CASES = [
    ("new, in your zone", Client((), "", None, ENGLISH), NEW_SMS),
    (
        "new, abroad, in French",
        Client((), "", PARIS, FRENCH),
        f"Bienvenue ! Je vous réponds aujourd'hui à 15:00 UTC+01:00. Réservez : {URL}",
    ),
    ("returning, in your zone", Client(("answered before",), "", None, ENGLISH), USUAL_SMS),
    (
        "returning, abroad, in English",
        Client(("answered before",), "", TOKYO, ENGLISH),
        USUAL_SMS.replace("9:00 AM.", "9:00 AM (11:00 PM your time)."),
    ),
    (
        "returning, abroad, in French",
        Client(("answered before",), "", PARIS, FRENCH),
        "Merci ! Je vous réponds demain à 09:00 (15:00 UTC+01:00).",
    ),
]


@pytest.mark.parametrize(
    ("client", "said"), [c[1:] for c in FOUR_CASES], ids=[c[0] for c in FOUR_CASES]
)
def test_what_each_client_gets(
    cfg: config.Config, settings: Autoreply, client: Client, said: str
) -> None:
    reply = autoreply.render_reply(
        text("+15559990000"), "reply", client, settings, build_schedule(cfg), at(23, 19), cfg.name
    )
    assert reply.text == said


def test_an_email_in_french_gets_the_french_subject(
    cfg: config.Config, settings: Autoreply
) -> None:
    client = Client((), "", PARIS, FRENCH)
    msg = email("camille@example.fr")
    reply = autoreply.render_reply(
        msg, "reply", client, settings, build_schedule(cfg), at(23, 19), ""
    )
    assert (reply.subject, reply.text) == (
        "Re : Nails",
        f"Bienvenue ! Je vous réponds aujourd'hui à 15:00 UTC+01:00. Réservez : {URL}",
    )


def test_the_first_reply_is_for_someone_new_and_the_next_for_a_returning_client(
    cfg: config.Config, settings: Autoreply, journal: Journal
) -> None:
    """The journal is what makes a sender known: a reply journalled once, they are returning."""
    run = SyncRun(at(23, 19, 5), build_schedule(cfg), settings, cfg.name, journal)
    msg = text("+12125550100")
    assert autoreply.reply_to(msg, "reply", run).text == NEW_SMS
    rid = journal.begin_reply("sms", "reply", msg.sender, msg.item, at(23, 17), at(23, 19, 5))
    journal.reply_sent(rid, at(23, 19, 5))
    assert autoreply.reply_to(msg, "reply", run).text == USUAL_SMS
    # A missed call from the same number shares the phone's history; an email address does not.
    call = Incoming("voice", "CA1", "+12125550100", at(23, 19))
    assert autoreply.reply_to(call, "reply", run).text == USUAL_SMS
    assert "P.S." in autoreply.reply_to(email("new@client.test"), "reply", run).text


def test_a_contact_is_known_through_the_sync_run(
    cfg: config.Config, settings: Autoreply, journal: Journal
) -> None:
    book = config.contacts_of(cfg)
    assert book is not None
    run = SyncRun(at(23, 19, 5), build_schedule(cfg), settings, cfg.name, journal, contacts=book)
    assert autoreply.reply_to(text("+12125550111"), "reply", run).text == USUAL_SMS
    run.contacts = None
    assert autoreply.reply_to(text("+12125550111"), "reply", run).text == NEW_SMS


def test_fields_for_one_text_for_everyone(cfg: config.Config, settings: Autoreply) -> None:
    """Sieve and swap mode pass no client: the business's time, with its zone where asked."""
    values = autoreply.fields(
        build_schedule(cfg), at(23, 19), cfg.name, settings.emergency, booking_url=URL
    )
    assert values.keys() == FIELDS.keys()
    assert values["next_open_with_local"] == values["next_open"] == "tomorrow at 9:00 AM"
    assert values["next_open_local"] == "tomorrow at 9:00 AM EST"
    assert values["booking_url"] == URL
    french = autoreply.fields(build_schedule(cfg), at(23, 19), cfg.name, None, language="fr")
    assert (french["next_open"], french["next_open_date"], french["next_open_relative"]) == (
        "demain à 09:00",
        "mar. 24 novembre",
        "dans 14 heures",
    )


@pytest.mark.parametrize(
    ("zone", "holidays", "country"),
    [
        ("America/New_York", "", "US"),
        ("America/Toronto", "", "CA"),
        ("America/Toronto", '[holidays]\ncountry = "FR"\n', "FR"),
        ("Europe/London", '[holidays]\ncountry = "UK"\n', "GB"),  # holidays' alias: the zone's
        ("UTC", "", None),
    ],
)
def test_the_business_country_reads_the_numbers_written_without_one(
    tmp_path: Path, zone: str, holidays: str, country: str | None
) -> None:
    text = CONFIG.replace('timezone = "America/New_York"', f'timezone = "{zone}"')
    text = text.replace("[autoreply]\n", f"{holidays}[autoreply]\n")
    cfg = load(tmp_path, text)
    assert config.business_country(cfg) == country
    book = config.contacts_of(cfg)
    assert book is not None
    ana = book.lookup("+12125550111")  # her card says (212) 555-0111
    assert (ana is not None) == (country in ("US", "CA"))  # one numbering plan, +1


def test_a_cover_takes_the_phone_line_only(tmp_path: Path, journal: Journal) -> None:
    jo = '[[cover]]\nname = "Jo"\nnumber = "+15551230001"\ndays = "mon"\nhours = "18:00-22:00"\n'
    cfg = load(tmp_path, CONFIG.replace("[autoreply]\n", jo + "sms = true\n[autoreply]\n"))
    settings = cfg.autoreply
    assert settings is not None
    assert settings.phone is not None
    assert settings.email is not None
    run = SyncRun(at(23, 19, 5), build_schedule(cfg), settings, cfg.name, journal)
    texted = autoreply.decide(text("+12125550100"), run, settings.phone.policy, ())
    assert (texted.action, texted.cover and texted.cover.name) == ("cover", "Jo")
    mail = dataclasses.replace(email("new@client.test"), recipients=("sam@example.com",))
    mailed = autoreply.decide(mail, run, settings.email.policy, settings.email.addresses)
    assert (mailed.action, mailed.cover) == ("reply", None)
