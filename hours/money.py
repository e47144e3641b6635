"""Say an amount of money in its currency: "$7.14", "£30.00", "CA$12.50", "¥840".

Babel formats from the Unicode CLDR, so every ISO 4217 code gets its symbol and its number of
decimals right (JPY none, KWD three) without a table here to keep up to date. The locale is
English ("en"), whose symbols do not depend on where the reader is: a report sent to a client
abroad says "CA$" or "A$" rather than a bare "$" that could be anyone's dollar.
"""

from __future__ import annotations

import datetime as dt

LOCALE = "en"
FALLBACK_CURRENCY = "USD"  # where neither a country nor a time zone tells (UTC, Etc/GMT+5)


def money(amount: float, currency: str) -> str:
    """Format `amount` in `currency` (a three-letter code), with its symbol and decimals."""
    from babel.numbers import format_currency

    text: str = format_currency(amount, currency.upper(), locale=LOCALE)
    # CLDR writes an alphabetic symbol flush against the digits ("CHF7.14"); space it out.
    sign = "-" if text.startswith("-") else ""
    body = text.removeprefix("-")
    i = 0
    while i < len(body) and body[i].isalpha():
        i += 1
    if 0 < i < len(body) and body[i].isdigit():
        body = f"{body[:i]}\u00a0{body[i:]}"
    return sign + body


def currency_code(text: str) -> str:
    """Return `text` as an ISO 4217 code that Babel knows, upper-case; raise ValueError if not."""
    from babel.numbers import is_currency

    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha() or not is_currency(code):
        raise ValueError(f"{text!r} is not a currency code; use three letters like USD, EUR or GBP")
    return code


def default_currency(country: str | None, timezone: str, *, on: dt.date) -> str:
    """Return the currency of `country` (ISO 3166-1), else of the time zone's country, on a date.

    The zone's country comes from the tz database as CLDR keeps it; the currency is the first
    legal tender CLDR lists for the country on that date.
    """
    from babel.numbers import get_territory_currencies

    for territory in (country, territory_of_zone(timezone)):
        if territory:
            found: list[str] = get_territory_currencies(territory.upper(), on, tender=True)
            if found:
                return found[0]
    return FALLBACK_CURRENCY


def territory_of_zone(timezone: str) -> str | None:
    """Return the country (ISO 3166-1 alpha-2) of an IANA time zone, or None if it has none."""
    from babel.core import get_global

    name = get_global("zone_aliases").get(timezone, timezone)
    territory: str | None = get_global("zone_territories").get(name)
    return None if territory in (None, "ZZ", "001") else territory
