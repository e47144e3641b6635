"""The client's zone and language, and when you are back said in it, with the known pitfalls."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import timezone as phone_zones

from hours import humanize, locales
from hours.locales import ClientZone, LanguageChoice, LanguageError

# -- the zone of a phone number ------------------------------------------------------------

ZONE_CASES = [
    # (id, number, zone or None)
    ("Brisbane landline, an exchange phonenumbers knows", "+61 7 3403 8888", "Australia/Brisbane"),
    ("Cairns landline: phonenumbers says Sydney", "+61 7 4044 3044", "Australia/Brisbane"),
    ("Sunshine Coast landline: phonenumbers says Sydney", "+61 7 5441 1234", "Australia/Brisbane"),
    ("Tweed Heads, New South Wales, on 07", "+61 7 5536 1234", None),
    ("Australian mobile: eight zones", "+61 412 345 678", None),
    ("Australian toll-free", "+61 1800 123 456", None),
    ("Perth or Adelaide: 08 spans both", "+61 8 9000 1234", None),
    ("Sydney landline: 02 holds Lord Howe Island's half-hour exchanges", "+61 2 9000 1234", None),
    ("Manhattan", "+1 212 555 0100", "America/New_York"),
    ("Toronto", "+1 416 555 0100", "America/Toronto"),
    ("Honolulu", "+1 808 555 0100", "Pacific/Honolulu"),
    ("Regina: Saskatchewan keeps no daylight saving", "+1 306 555 0100", "America/Regina"),
    ("South Dakota: 605 spans Mountain and Central", "+1 605 555 0100", None),
    ("Idaho: 208 spans Mountain and Pacific", "+1 208 555 0100", None),
    ("Arizona 928: the Navajo Nation keeps daylight saving", "+1 928 871 0100", None),
    (
        "Florida 850, an exchange listed as Central (Pensacola)",
        "+1 850 434 0100",
        "America/Chicago",
    ),
    ("Florida 850, Tallahassee: not listed, so the default, a guess", "+1 850 222 0100", None),
    ("Indiana 219, an exchange not listed: a guess", "+1 219 555 0100", None),
    ("US toll-free", "+1 800 555 0100", None),
    ("London landline", "+44 20 7946 0000", "Europe/London"),
    (
        "Manchester landline (01 also holds the Channel Islands, same clock)",
        "+44 161 496 0000",
        "Europe/London",
    ),
    ("UK mobile", "+44 7700 900123", None),
    ("UK freephone", "+44 800 123 4567", None),
    ("Mumbai landline, UTC+5:30", "+91 22 2345 6789", "Asia/Kolkata"),
    ("Indian mobile", "+91 98765 43210", None),
    ("Paris landline", "+33 1 23 45 67 89", "Europe/Paris"),
    ("French mobile", "+33 6 12 34 56 78", None),
    ("Madrid landline: 9 also holds the Canary exchanges", "+34 91 234 5678", None),
    (
        "Sao Paulo mobile: Brazilian mobiles carry an area code",
        "+55 11 91234 5678",
        "America/Sao_Paulo",
    ),
    ("a WhatsApp sender", "whatsapp:+33123456789", "Europe/Paris"),
    ("not a valid number", "+1 555 555 0100", None),
    ("not a number", "hello", None),
]


@pytest.mark.parametrize(
    ("number", "zone"), [c[1:] for c in ZONE_CASES], ids=[c[0] for c in ZONE_CASES]
)
def test_zone_for_number(number: str, zone: str | None) -> None:
    found = locales.zone_for_number(number)
    assert (found.key if found else None) == zone


def phonenumbers_says(number: str) -> tuple[str, ...]:
    return tuple(phone_zones.time_zones_for_number(phonenumbers.parse(number)))


def test_the_pitfalls_are_phonenumbers_own() -> None:
    """What the table above corrects: so a phonenumbers release that fixes them shows here."""
    assert phonenumbers_says("+61 7 4044 3044") == ("Australia/Sydney",)
    assert len(phonenumbers_says("+61 412 345 678")) == 8
    assert phonenumbers_says("+1 850 555 0100") == ("America/New_York",)
    assert phonenumbers_says("+1 219 555 0100") == ("America/New_York",)
    assert phonenumbers_says("+91 22 2345 6789") == ("Asia/Calcutta",)


def test_a_queensland_zone_keeps_no_daylight_saving() -> None:
    zone = locales.zone_for_number("+61 7 4044 3044")
    assert zone is not None
    january = dt.datetime(2027, 1, 15, 12, tzinfo=dt.UTC)
    assert january.astimezone(zone).utcoffset() == dt.timedelta(hours=10)
    assert january.astimezone(ZoneInfo("Australia/Sydney")).utcoffset() == dt.timedelta(hours=11)


def test_kolkata_is_half_an_hour_off_the_hour() -> None:
    zone = locales.zone_for_number("+91 22 2345 6789")
    assert zone is not None
    assert dt.datetime(2026, 6, 1, tzinfo=zone).utcoffset() == dt.timedelta(hours=5, minutes=30)


def test_the_07_ranges_shared_with_new_south_wales_cover_its_towns() -> None:
    """The towns phonenumbers' own place names put on 07 in New South Wales all fall back."""
    from phonenumbers.geodata import GEOCODE_DATA
    from phonenumbers.tzdata import TIMEZONE_DATA

    nsw = {"Tweed Heads", "Bonshaw", "Yetman", "North Star", "Atholwood", "Legume"}
    prefixes = [
        p for p, names in GEOCODE_DATA.items() if p.startswith("617") and names.get("en") in nsw
    ]
    assert len(prefixes) > 100
    assert all(p.startswith(locales.QUEENSLAND_SHARED) for p in prefixes)
    # Every 07 exchange phonenumbers names a zone for is Brisbane: only its default is wrong.
    assert {TIMEZONE_DATA[p] for p in TIMEZONE_DATA if p.startswith("617") and p != "617"} == {
        ("Australia/Brisbane",)
    }


def test_every_zone_phonenumbers_names_is_known_by_its_current_name() -> None:
    from phonenumbers.tzdata import TIMEZONE_DATA

    names = {name for zones in TIMEZONE_DATA.values() for name in zones}
    assert all(locales.zone_named(name) is not None for name in names)
    assert set(locales.RENAMED_ZONES.values()) <= zoneinfo.available_timezones()
    assert locales.zone_named("Asia/Calcutta") == ZoneInfo("Asia/Kolkata")
    assert locales.zone_named("Mars/Olympus_Mons") is None


# -- the offset of an email's Date ----------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "offset"),
    [
        ("Tue, 24 Nov 2026 22:15:00 -0330", dt.timedelta(hours=-3, minutes=-30)),
        ("Tue, 24 Nov 2026 22:15:00 +0530", dt.timedelta(hours=5, minutes=30)),
        ("Tue, 24 Nov 2026 22:15:00 +0000", dt.timedelta(0)),
        ("Tue, 24 Nov 2026 22:15:00 EST", dt.timedelta(hours=-5)),  # RFC 822's names
        ("24 Nov 2026 22:15 +1245", dt.timedelta(hours=12, minutes=45)),  # Chatham Islands
        ("Tue, 24 Nov 2026 22:15:00 -0000", None),  # RFC 5322: zone unknown
        ("Tue, 24 Nov 2026 22:15:00 +2300", None),  # no place keeps that time
        ("yesterday", None),
        ("", None),
    ],
)
def test_offset_from_date(header: str, offset: dt.timedelta | None) -> None:
    found = locales.offset_from_date(header)
    assert (found.utcoffset(None) if found else None) == offset


def test_the_client_zone_comes_from_the_most_certain_source() -> None:
    paris, offset = ZoneInfo("Europe/Paris"), dt.timezone(dt.timedelta(hours=-7))
    date = "Tue, 24 Nov 2026 22:15:00 -0330"
    assert locales.client_zone(contact=paris, number="+14165550100", date_header=date) == (
        ClientZone(paris, "zone", "contact")
    )
    assert locales.client_zone(contact=offset, number="+14165550100") == (
        ClientZone(offset, "offset", "contact")
    )
    assert locales.client_zone(number="+14165550100", date_header=date) == (
        ClientZone(ZoneInfo("America/Toronto"), "zone", "phone")
    )
    # A number whose zone is not certain falls to the next source, then to nothing.
    found = locales.client_zone(number="+61412345678", date_header=date)
    assert found == ClientZone(dt.timezone(dt.timedelta(hours=-3, minutes=-30)), "offset", "email")
    assert found.name == "UTC-3:30"
    assert locales.client_zone(number="+61412345678") is None
    assert locales.client_zone() is None


# -- the client's language -----------------------------------------------------------------

LANGUAGE_CASES = [
    # (id, keyword arguments, available, expected)
    ("the contact's LANG", {"contact": ["fr"]}, {"fr", "es"}, LanguageChoice("fr", "contact")),
    (
        "a LANG with a country takes the language",
        {"contact": ["fr-CA"]},
        {"fr"},
        LanguageChoice("fr", "contact"),
    ),
    (
        "the contact's second LANG",
        {"contact": ["de", "es"]},
        {"es"},
        LanguageChoice("es", "contact"),
    ),
    (
        "a LANG Babel does not know is passed over",
        {"contact": ["tlh", "es"]},
        {"es"},
        LanguageChoice("es", "contact"),
    ),
    (
        "a LANG in the default language",
        {"contact": ["en-GB"], "number": "+33612345678"},
        {"fr"},
        LanguageChoice("en", "contact"),
    ),
    (
        "Content-Language",
        {"content_language": "de-DE"},
        {"de", "fr"},
        LanguageChoice("de", "content-language"),
    ),
    (
        "Content-Language with two",
        {"content_language": "it, fr"},
        {"fr"},
        LanguageChoice("fr", "content-language"),
    ),
    (
        "the contact before the email",
        {"contact": ["es"], "content_language": "fr"},
        {"es", "fr"},
        LanguageChoice("es", "contact"),
    ),
    ("a French number", {"number": "+33612345678"}, {"fr"}, LanguageChoice("fr", "phone")),
    (
        "a French number, no French templates",
        {"number": "+33612345678"},
        {"es"},
        LanguageChoice("en", "default"),
    ),
    (
        "a Brazilian number takes pt-BR",
        {"number": "+5511912345678"},
        {"pt_BR", "pt_PT"},
        LanguageChoice("pt_BR", "phone"),
    ),
    (
        "a Portuguese number takes pt",
        {"number": "+351912345678"},
        {"pt", "pt_BR"},
        LanguageChoice("pt", "phone"),
    ),
    ("a Japanese number", {"number": "+819012345678"}, {"ja"}, LanguageChoice("ja", "phone")),
    (
        "Belgium: Dutch first, then French",
        {"number": "+3222345678"},
        {"fr"},
        LanguageChoice("fr", "phone"),
    ),
    ("Canada: English first", {"number": "+15145550100"}, {"fr"}, LanguageChoice("en", "phone")),
    (
        "a WhatsApp sender",
        {"number": "whatsapp:+34612345678"},
        {"es"},
        LanguageChoice("es", "phone"),
    ),
    (
        "a number from no country",
        {"number": "+80012345678"},
        {"fr"},
        LanguageChoice("en", "default"),
    ),
    ("nothing known", {}, {"fr"}, LanguageChoice("en", "default")),
]


@pytest.mark.parametrize(
    ("known", "available", "expected"),
    [c[1:] for c in LANGUAGE_CASES],
    ids=[c[0] for c in LANGUAGE_CASES],
)
def test_choose_language(
    known: dict[str, object], available: set[str], expected: LanguageChoice
) -> None:
    assert locales.choose_language(available=available, default="en", **known) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("pt-BR", "pt_BR"),
        ("pt_br", "pt_BR"),
        ("zh-Hant-TW", "zh_Hant_TW"),
        ("ja", "ja"),
    ],
)
def test_parse_language(code: str, canonical: str) -> None:
    assert locales.parse_language(code) == canonical


@pytest.mark.parametrize("code", ["xx", "tlh", "en-XX", "", "fr;es"])
def test_an_unknown_language_is_one_line(code: str) -> None:
    with pytest.raises(LanguageError) as caught:
        locales.parse_language(code)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        f"{code!r} is not a language code Babel knows; use one like fr, es, de or pt-BR"
    )


# -- when you are back, said in a language ---------------------------------------------------

TORONTO = ZoneInfo("America/Toronto")
NOW = dt.datetime(2026, 11, 23, 20, 0, tzinfo=TORONTO)  # Monday evening
TOMORROW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TORONTO)
WEDNESDAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=TORONTO)
THURSDAY = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TORONTO)
LATER = dt.datetime(2026, 12, 7, 13, 30, tzinfo=TORONTO)

# For each language: next_open tomorrow, the day after, Thursday, two weeks on; the date; the
# time to go; then tomorrow's opening for a client of unknown zone, in Paris, and one whose
# email said -0330.
SAID = {
    "en": (
        "tomorrow at 9:00 AM",
        "Wednesday at 9:00 AM",
        "Thursday at 9:00 AM",
        "Monday 7 December at 1:30 PM",
        "Tuesday 24 November",
        "in 13 hours",
        "tomorrow at 9:00 AM EST",
        "today at 3:00 PM your time",
        "tomorrow at 10:30 AM your time, 14:00 UTC+0",
    ),
    "fr": (
        "demain à 09:00",
        "après-demain à 09:00",
        "jeudi à 09:00",
        "lun. 7 décembre à 13:30",
        "mar. 24 novembre",
        "dans 13 heures",
        "demain à 09:00 UTC-05:00",
        "aujourd'hui à 15:00 UTC+01:00",
        "demain à 10:30 UTC-03:30",
    ),
    "es": (
        "mañana, 9:00",
        "pasado mañana, 9:00",
        "jueves, 9:00",
        "lun, 7 de diciembre, 13:30",
        "mar, 24 de noviembre",
        "dentro de 13 horas",
        "mañana, 9:00 GMT-05:00",
        "hoy, 15:00 GMT+01:00",
        "mañana, 10:30 GMT-03:30",
    ),
    "de": (
        "morgen um 09:00",
        "übermorgen um 09:00",
        "Donnerstag um 09:00",
        "Mo., 7. Dezember um 13:30",
        "Di., 24. November",
        "in 13 Stunden",
        "morgen um 09:00 GMT-05:00",
        "heute um 15:00 GMT+01:00",
        "morgen um 10:30 GMT-03:30",
    ),
    "pt_BR": (
        "amanhã às 09:00",
        "depois de amanhã às 09:00",
        "quinta-feira às 09:00",
        "seg., 7 de dezembro às 13:30",
        "ter., 24 de novembro",
        "em 13 horas",
        "amanhã às 09:00 -05:00 GMT",
        "hoje às 15:00 +01:00 GMT",
        "amanhã às 10:30 -03:30 GMT",
    ),
    "ja": (
        "明日の 9:00",
        "明後日の 9:00",
        "木曜日の 9:00",
        "12月7日(月)の 13:30",
        "11月24日(火)",
        "13 時間後",
        "明日の 9:00 GMT-05:00",
        "今日の 15:00 GMT+01:00",
        "明日の 10:30 GMT-03:30",
    ),
}
PARIS = ClientZone(ZoneInfo("Europe/Paris"), "zone", "phone")
EMAIL = ClientZone(dt.timezone(dt.timedelta(hours=-3, minutes=-30)), "offset", "email")


@pytest.mark.parametrize("language", list(SAID))
def test_when_you_are_back_in_each_language(language: str) -> None:
    said = (
        locales.next_open(TOMORROW, NOW, language),
        locales.next_open(WEDNESDAY, NOW, language),
        locales.next_open(THURSDAY, NOW, language),
        locales.next_open(LATER, NOW, language),
        locales.next_open_date(TOMORROW, language),
        locales.next_open_relative(TOMORROW, NOW, language),
        locales.next_open_local(TOMORROW, NOW, language, None),
        locales.next_open_local(TOMORROW, NOW, language, PARIS),
        locales.next_open_local(TOMORROW, NOW, language, EMAIL),
    )
    assert said == SAID[language]
    # Nothing that would push an SMS out of the GSM alphabet but the language's own letters.
    assert not any(c in text for text in said for c in "\u202f\u00a0\u2019")


BRACKETS = [
    # (id, language, client, said)
    ("English, Paris", "en", PARIS, "tomorrow at 9:00 AM (3:00 PM your time)"),
    (
        "English, Tokyo",
        "en",
        ClientZone(ZoneInfo("Asia/Tokyo"), "zone", "phone"),
        "tomorrow at 9:00 AM (11:00 PM your time)",
    ),
    (
        "English, Adelaide: another day",
        "en",
        ClientZone(ZoneInfo("Australia/Adelaide"), "zone", "contact"),
        # Wednesday 00:30 there, while it is already Tuesday noon there: their "tomorrow" too.
        "tomorrow at 9:00 AM (tomorrow at 12:30 AM your time)",
    ),
    (
        "English, an email's offset",
        "en",
        EMAIL,
        "tomorrow at 9:00 AM (10:30 AM your time, 14:00 UTC+0)",
    ),
    (
        "English, same clock as the business",
        "en",
        ClientZone(ZoneInfo("America/New_York"), "zone", "phone"),
        "tomorrow at 9:00 AM",
    ),
    ("English, zone unknown", "en", None, "tomorrow at 9:00 AM"),
    ("French, Paris", "fr", PARIS, "demain à 09:00 (15:00 UTC+01:00)"),
    ("Spanish, an email's offset", "es", EMAIL, "mañana, 9:00 (10:30 GMT-03:30)"),
    ("German, Paris", "de", PARIS, "morgen um 09:00 (15:00 GMT+01:00)"),
    ("Brazilian Portuguese, Paris", "pt_BR", PARIS, "amanhã às 09:00 (15:00 +01:00 GMT)"),
    ("Japanese, Paris", "ja", PARIS, "明日の 9:00 (15:00 GMT+01:00)"),
]


@pytest.mark.parametrize(
    ("language", "client", "said"), [c[1:] for c in BRACKETS], ids=[c[0] for c in BRACKETS]
)
def test_the_default_templates_phrase(language: str, client: ClientZone | None, said: str) -> None:
    assert locales.next_open_with_local(TOMORROW, NOW, language, client) == said


def test_a_client_whose_daylight_saving_starts_on_another_date() -> None:
    """New York has sprung forward on 8 March 2026, London not until the 29th: 4 hours, not 5."""
    new_york = ZoneInfo("America/New_York")
    now = dt.datetime(2026, 3, 15, 22, 0, tzinfo=new_york)
    back = dt.datetime(2026, 3, 16, 9, 0, tzinfo=new_york)
    london = ClientZone(ZoneInfo("Europe/London"), "zone", "phone")
    assert (
        locales.next_open_with_local(back, now, "en", london)
        == "tomorrow at 9:00 AM (1:00 PM your time)"
    )
    assert locales.next_open_local(back, now, "en", None) == "tomorrow at 9:00 AM EDT"


def test_a_zone_without_letters_is_said_as_an_offset() -> None:
    sao_paulo = ZoneInfo("America/Sao_Paulo")  # tzdata abbreviates it "-03"
    back = dt.datetime(2026, 11, 24, 9, 0, tzinfo=sao_paulo)
    now = dt.datetime(2026, 11, 23, 20, 0, tzinfo=sao_paulo)
    assert locales.next_open_local(back, now, "en", None) == "tomorrow at 9:00 AM UTC-3"
    kolkata = ZoneInfo("Asia/Kolkata")
    back = dt.datetime(2026, 11, 24, 9, 0, tzinfo=kolkata)
    now = dt.datetime(2026, 11, 23, 20, 0, tzinfo=kolkata)
    assert locales.next_open_local(back, now, "en", None) == "tomorrow at 9:00 AM IST"


def test_english_is_said_as_humanize_says_it() -> None:
    """The English strings are hours.humanize's, which other tests pin: one way to say it."""
    for target in (TOMORROW, WEDNESDAY, THURSDAY, LATER, NOW + dt.timedelta(hours=2)):
        assert locales.next_open(target, NOW, "en") == humanize.next_open(target, NOW)
        assert locales.next_open(target, NOW, "en_GB") == humanize.next_open(target, NOW)


# -- the client's clock across daylight saving, property-tested ------------------------------

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # half an hour of daylight saving
    "Asia/Kolkata",  # half an hour off the hour
    "Australia/Brisbane",  # no daylight saving
    "America/Sao_Paulo",
]


@settings(max_examples=200, deadline=None)
@given(
    business=st.sampled_from(ZONES),
    client=st.sampled_from(ZONES),
    at=st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2028, 12, 31)),
    ahead=st.timedeltas(dt.timedelta(minutes=1), dt.timedelta(days=13)),
)
def test_the_clients_clock_is_the_instant_on_their_zone(
    business: str, client: str, at: dt.datetime, ahead: dt.timedelta
) -> None:
    now = at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(business))
    back = (now + ahead).astimezone(ZoneInfo(business))
    theirs = back.astimezone(ZoneInfo(client))
    zone = ClientZone(ZoneInfo(client), "zone", "phone")
    mine = humanize.next_open(back, now)
    said = locales.next_open_with_local(back, now, "en", zone)
    if theirs.utcoffset() == back.utcoffset():
        assert said == mine
    elif theirs.date() == back.date():
        assert said == f"{mine} ({humanize.clock(theirs)} your time)"
    else:
        assert said == f"{mine} ({humanize.next_open(theirs, now)} your time)"
    assert locales.next_open_local(back, now, "en", zone) == (
        f"{humanize.next_open(theirs, now)} your time"
    )
