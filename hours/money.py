"""Say an amount of money in its currency: "$7.14", "£30.00", "CA$12.50", "¥840".

Babel formats from the Unicode CLDR, so every ISO 4217 code gets its symbol and its number of
decimals right (JPY none, KWD three) without a table here to keep up to date. The locale is
English ("en"), whose symbols do not depend on where the reader is: a report sent to a client
abroad says "CA$" or "A$" rather than a bare "$" that could be anyone's dollar.
"""

from __future__ import annotations

LOCALE = "en"


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
