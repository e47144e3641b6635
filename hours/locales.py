"""The client's time zone and language, and saying when you are back in that language.

Time zone, most certain first (`client_zone`):
1. the contact's vCard TZ: a named zone, or an offset kept as an offset;
2. a phone number's zone, only when it is certain (`zone_for_number`): the number is valid and
   geographic as libphonenumber defines it (fixed line; fixed-or-mobile in the North American
   plan; mobile only in Mexico, Argentina, Brazil, Indonesia and China, whose mobile numbers
   carry an area code), phonenumbers names exactly one zone for it, and that zone is not a
   guess. phonenumbers answers an area's default zone for every exchange it has no entry of its
   own for; where the same area holds exchanges that keep another time (a US area code split
   between Eastern and Central, Spain's Canary exchanges), that default is a guess, and a guess
   falls back. The Australian 07 area is the exception we can correct: phonenumbers defaults it
   to Sydney, but Queensland keeps no daylight saving, so those numbers are Brisbane, except in
   the ranges that 07 shares with the New South Wales towns on it (Tweed Heads, Bonshaw, Yetman,
   North Star, Atholwood, Legume), which fall back;
3. an email's `Date` header: its offset, kept as an offset, never a guessed zone name. An
   offset of +0000 says nothing certain: webmail and mail servers stamp UTC whatever the
   sender's clock, and "your time" would then be wrong for everyone not in UTC.

Language, most certain first (`choose_language`): the contact's LANG, the email's
`Content-Language`, then the official languages (CLDR, by Babel) of the phone number's country
in order of speakers, each only when a template exists in it; else the default.

Saying when: English is said as `hours.humanize` says it (those strings are pinned by tests);
every other language through Babel's CLDR data (relative days like "demain", weekday names, the
locale's time format and its "{date} at {time}" pattern), with no-break spaces and the
typographic apostrophe made plain, since a single one pushes an SMS out of the GSM alphabet
into UCS-2 parts of half the length.

Babel and phonenumbers are imported when first needed, never on the `hours status` path.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hours import humanize

if TYPE_CHECKING:
    from babel import Locale

# Old names phonenumbers still uses, and the current ones: systems that ship only current names
# (Debian's tzdata without tzdata-legacy) know just the latter, and they read better.
RENAMED_ZONES = {
    "Africa/Asmera": "Africa/Asmara",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Godthab": "America/Nuuk",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
}
# Australian 07 numbers in these ranges may be in New South Wales towns, which keep daylight
# saving; tests/test_locales.py checks them against phonenumbers' own place names.
QUEENSLAND_SHARED = ("61745", "61746", "61755", "61756", "617750")
# Two years of days, enough to see any difference in two zones' daylight-saving rules.
_CLOCK_SAMPLES = tuple(
    dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(days=d) for d in range(731)
)
# CLDR's narrow and plain no-break spaces and its typographic apostrophe (French
# "aujourd\u2019hui"): none is in the GSM alphabet, so one would send an SMS as UCS-2, in parts of
# 67 characters rather than 153.
_PLAIN = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2019": "'"})


class LanguageError(ValueError):
    """A language code Babel does not know: one line saying so and what is allowed."""


# -- the client's time zone ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientZone:
    """Where the client's clock stands, as far as it can be known, and how it was learnt."""

    tz: dt.tzinfo  # a ZoneInfo for a named zone, a dt.timezone for a bare offset
    kind: Literal["zone", "offset"]
    source: Literal["contact", "phone", "email"]

    @property
    def name(self) -> str:
        """Say the zone: "Australia/Brisbane", or "UTC-3:30" for an offset."""
        if isinstance(self.tz, ZoneInfo):
            return self.tz.key
        return utc_label(self.tz.utcoffset(None) or dt.timedelta())


def zone_named(name: str) -> ZoneInfo | None:
    """Return the zone called `name` (current or old IANA name), or None if there is none."""
    name = RENAMED_ZONES.get(name, name)
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_for_number(number: str) -> ZoneInfo | None:
    """Return the zone of an E.164 number when it is certain (module docstring), else None."""
    import phonenumbers
    from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

    try:
        parsed = phonenumbers.parse(number.strip().removeprefix("whatsapp:"), None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if not phonenumbers.is_number_geographical(parsed):
        return None
    digits = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]
    # The same longest-prefix look-up as phonenumbers.timezone, keeping the prefix it used.
    key = next(
        (digits[:n] for n in range(TIMEZONE_LONGEST_PREFIX, 0, -1) if digits[:n] in TIMEZONE_DATA),
        None,
    )
    if key is None:
        return None
    zones = TIMEZONE_DATA[key]
    if len(zones) != 1:
        return None
    if key in _guessed_defaults():
        if key == "617" and not digits.startswith(QUEENSLAND_SHARED):
            return zone_named("Australia/Brisbane")
        return None
    return zone_named(zones[0])


@functools.cache
def _guessed_defaults() -> frozenset[str]:
    """Return the prefixes whose single zone is only a default, beside exchanges in other time."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    guessed = set()
    for key, zones in TIMEZONE_DATA.items():
        for cut in range(len(key) - 1, 0, -1):
            parent = TIMEZONE_DATA.get(key[:cut])
            if parent is None:
                continue
            if len(parent) == 1 and any(not _same_clock(z, parent[0]) for z in zones):
                guessed.add(key[:cut])
            break
    return frozenset(guessed)


@functools.cache
def _clock(name: str) -> tuple[dt.timedelta | None, ...]:
    zone = zone_named(name)
    if zone is None:
        return ()
    return tuple(zone.utcoffset(t.astimezone(zone)) for t in _CLOCK_SAMPLES)


def _same_clock(a: str, b: str) -> bool:
    """Tell whether two zones keep the same time (links like Europe/Jersey do)."""
    return a == b or (bool(_clock(a)) and _clock(a) == _clock(b))


def offset_from_date(header: str) -> dt.timezone | None:
    """Return the UTC offset an email's `Date` header was written in, or None if it says none.

    "-0000" means the sender's zone is unknown (RFC 5322 3.3), so it gives None, as does a
    header that is not a date or an offset no place uses.
    """
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(header.strip())
    except (ValueError, TypeError, IndexError):
        return None
    offset = when.utcoffset()
    if offset is None or not dt.timedelta(hours=-12) <= offset <= dt.timedelta(hours=14):
        return None
    return dt.timezone(offset)


def client_zone(
    *,
    contact: dt.tzinfo | None = None,
    number: str | None = None,
    date_header: str | None = None,
) -> ClientZone | None:
    """Return the client's zone from what is known of them, most certain first; None if unknown."""
    if contact is not None:
        kind: Literal["zone", "offset"] = "zone" if isinstance(contact, ZoneInfo) else "offset"
        return ClientZone(contact, kind, "contact")
    if number:
        zone = zone_for_number(number)
        if zone is not None:
            return ClientZone(zone, "zone", "phone")
    if date_header:
        offset = offset_from_date(date_header)
        if offset is not None and offset.utcoffset(None):  # +0000: see the module docstring
            return ClientZone(offset, "offset", "email")
    return None


# -- the client's language ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    """The language a reply is written in, and what chose it."""

    language: str  # Babel's identifier: "fr", "pt_BR"
    source: Literal["contact", "content-language", "phone", "default"]


def parse_language(code: str) -> str:
    """Return Babel's identifier for a language code ("pt-BR" -> "pt_BR"), or raise LanguageError."""
    from babel import Locale, UnknownLocaleError

    text = code.strip().replace("-", "_")
    try:
        return str(Locale.parse(text))
    except (UnknownLocaleError, ValueError, TypeError):
        raise LanguageError(
            f"{code!r} is not a language code Babel knows; use one like fr, es, de or pt-BR"
        ) from None


def _known(code: str) -> str | None:
    try:
        return parse_language(code)
    except LanguageError:
        return None


def choose_language(
    *,
    available: Collection[str],
    default: str,
    contact: Iterable[str] = (),
    content_language: str | None = None,
    number: str | None = None,
) -> LanguageChoice:
    """Choose the language of a reply: contact, email, phone country, else `default`.

    `available` holds the languages with templates (Babel identifiers, as `parse_language`
    returns them); `default` is the language of the default templates. A wish matches a
    template in the same language and country, else in the same language ("fr_CA" takes "fr";
    "pt" takes "pt_BR").
    """
    languages = {*available, default}
    wishes: list[tuple[Literal["contact", "content-language", "phone"], Iterable[str]]] = [
        ("contact", contact),
        ("content-language", (content_language or "").split(",")),
        ("phone", _country_languages(number) if number else ()),
    ]
    for source, codes in wishes:
        for code in codes:
            match = _match(code, languages) if code.strip() else None
            if match is not None:
                return LanguageChoice(match, source)
    return LanguageChoice(default, "default")


def _match(code: str, languages: Collection[str]) -> str | None:
    known = _known(code)
    if known is None:
        return None
    if known in languages:
        return known
    base = known.split("_")[0]
    if base in languages:
        return base
    same = sorted(lang for lang in languages if lang.split("_")[0] == base)
    return same[0] if same else None


def _country_languages(number: str) -> list[str]:
    """Return the official languages of a number's country, most spoken first, with the country."""
    import phonenumbers
    from babel.languages import get_official_languages

    try:
        parsed = phonenumbers.parse(number.strip().removeprefix("whatsapp:"), None)
    except phonenumbers.NumberParseException:
        return []
    country = phonenumbers.region_code_for_number(parsed)
    if not country or country == "001":  # 001: international services, no country
        return []
    codes: list[str] = []
    for language in get_official_languages(country, de_facto=True):
        codes += [f"{language}_{country}", language]
    return codes


# -- saying when, in a language -----------------------------------------------------------


def _english(language: str) -> bool:
    return language.split("_")[0] == "en"


@functools.lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    from babel import Locale

    return Locale.parse(language)


def _plain(text: str) -> str:
    return text.translate(_PLAIN)


def _day(target: dt.datetime, now: dt.datetime, locale: Locale, *, named: bool = False) -> str:
    from babel.dates import format_date, format_skeleton, get_relative_name

    days = (target.date() - now.astimezone(target.tzinfo).date()).days
    relative = get_relative_name("day", days, locale=locale) if days >= 0 and not named else None
    if relative:
        return str(relative)
    if days < 7:
        return str(format_date(target, "EEEE", locale=locale))
    return str(format_skeleton("MMMMEd", target, locale=locale))


def _time(target: dt.datetime, locale: Locale) -> str:
    from babel.dates import format_time

    return str(format_time(target, "short", locale=locale))


def _at(day: str, time: str, locale: Locale) -> str:
    """Join a day and a time with the locale's "{day} at {time}" pattern (CLDR's relative one)."""
    from babel.dates import get_datetime_format

    pattern = locale.datetime_formats_relative.get("long") or get_datetime_format(
        "long", locale=locale
    )
    # Quotes mark literal text in CLDR patterns ("{1} 'at' {0}"), as Babel's own use drops them.
    return str(pattern).replace("'", "").replace("{0}", time).replace("{1}", day)


def next_open(target: dt.datetime, now: dt.datetime, language: str, *, named: bool = False) -> str:
    """Say when you are back: "tomorrow at 9:00 AM", "demain à 09:00", "明日の 9:00".

    `named` says the day by its name even today or tomorrow ("Tuesday at 9:00 AM").
    """
    if _english(language):
        return humanize.next_open(target, now, named=named)
    locale = _locale(language)
    return _plain(_at(_day(target, now, locale, named=named), _time(target, locale), locale))


def next_open_date(target: dt.datetime, language: str) -> str:
    """Say the day you are back: "Tuesday 24 November", "mar. 24 novembre"."""
    if _english(language):
        return f"{target:%A} {target.day} {target:%B}"
    from babel.dates import format_skeleton

    return _plain(str(format_skeleton("MMMMEd", target, locale=_locale(language))))


def next_open_relative(target: dt.datetime, now: dt.datetime, language: str) -> str:
    """Say how long until you are back: "in 14 hours", "dans 14 heures"."""
    if _english(language):
        return f"in {humanize.duration(target - now)}"
    from babel.dates import format_timedelta

    text = format_timedelta(target - now, add_direction=True, locale=_locale(language))
    return _plain(str(text))


def utc_label(offset: dt.timedelta) -> str:
    """Say an offset from UTC the short English way: "UTC+0", "UTC-3:30", "UTC+10"."""
    sign = "-" if offset < dt.timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def _zone_label(at: dt.datetime, language: str) -> str:
    """Say the zone of `at`: "EST" in English ("UTC+10" where tzdata has no letters), else CLDR's.

    CLDR's is the language's own "GMT-05:00" (French writes "UTC-05:00").
    """
    if _english(language):
        abbreviation = at.tzname() or ""
        if abbreviation[:1].isalpha():
            return abbreviation
        return utc_label(at.utcoffset() or dt.timedelta())
    from babel.dates import get_timezone_gmt

    return _plain(str(get_timezone_gmt(at, "long", locale=_locale(language))))


def _their_time(
    target: dt.datetime,
    now: dt.datetime,
    language: str,
    client: ClientZone,
    *,
    full: bool,
    named: bool = False,
) -> str:
    """Say `target` on the client's clock: "3:00 PM your time", "15:00 UTC+01:00".

    `full` says the day too; otherwise only the clock, unless it falls on another day than
    `target` does on the business's clock.
    """
    theirs = target.astimezone(client.tz)
    same_day = theirs.date() == target.date()
    if _english(language):
        when = (
            humanize.next_open(theirs, now, named=named)
            if full or not same_day
            else humanize.clock(theirs)
        )
        text = f"{when} your time"
        if client.kind == "offset":  # the offset is the one they wrote with, which may change
            utc = target.astimezone(dt.UTC)
            text += f", {utc:%H:%M} UTC+0"
        return text
    locale = _locale(language)
    when = (
        next_open(theirs, now, language, named=named)
        if full or not same_day
        else _time(theirs, locale)
    )
    return _plain(f"{when} {_zone_label(theirs, language)}")


def next_open_local(
    target: dt.datetime,
    now: dt.datetime,
    language: str,
    client: ClientZone | None,
    *,
    named: bool = False,
) -> str:
    """Say when you are back on the client's clock if known, else on yours with its zone.

    `target` is on the business's clock. "tomorrow at 3:00 PM your time", "tomorrow at 9:00 AM
    your time, 14:00 UTC+0" (an email's offset), "tomorrow at 9:00 AM EST" (unknown).
    """
    if client is None:
        return f"{next_open(target, now, language, named=named)} {_zone_label(target, language)}"
    return _their_time(target, now, language, client, full=True, named=named)


def next_open_with_local(
    target: dt.datetime,
    now: dt.datetime,
    language: str,
    client: ClientZone | None,
    *,
    named: bool = False,
) -> str:
    """Say when you are back on your clock, and on theirs in brackets when it differs.

    "tomorrow at 9:00 AM (3:00 PM your time)"; just "tomorrow at 9:00 AM" when the client's
    zone is unknown or keeps the business's time then.
    """
    mine = next_open(target, now, language, named=named)
    if client is None or target.astimezone(client.tz).utcoffset() == target.utcoffset():
        return mine
    return f"{mine} ({_their_time(target, now, language, client, full=False, named=named)})"
