"""The one schema of the config file: every key, the type of its value, and what it is for.

The loader reads every key through it (`Schema.get`, which checks the value's type and refuses
a key the schema lacks), warns of every key of the file that it does not list, and a test holds
`config.example.toml` to document each of its keys and to load cleanly. A new key is one line
here, then its meaning where its table is validated.

A path is a key's dotted name; `[]` marks an array of tables: `closed[].from`; `*` stands for a
table's name that the user chooses: `autoreply.lang.*` is `[autoreply.lang.fr]`, `[autoreply.lang.es]`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hours.record import Record


class Kind(Record):
    """A type of value: what it is called, how it is told, what is said when it is not one."""

    name: str
    accepts: Callable[[Any], bool]
    message: str


def _text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


TEXT = Kind("text", lambda v: isinstance(v, str), "must be text, in quotes")
# Values whose words are checked where the table is validated: the message names what is allowed.
WORD = Kind("text", lambda v: True, "")
TEMPLATE = Kind("text with {fields}", lambda v: isinstance(v, str), "must be text, in quotes")
DURATION = Kind(
    "duration", lambda v: isinstance(v, str), 'must be a duration in quotes, like "12h"'
)
DATE = Kind("date", lambda v: True, "")  # a TOML date, or text in YYYY-MM-DD
RANGES = Kind(
    "range or list of ranges",
    lambda v: isinstance(v, str) or _text_list(v),
    'must be a range like "09:00-17:00" or a list of ranges',
)
PATTERNS = Kind(
    "list of patterns", _text_list, 'must be a list like ["+15551234567", "*@bigclient.com"]'
)
NUMBER = Kind("number", lambda v: True, "")  # checked with its sign where it is read
PORT = Kind("port number", lambda v: True, "")  # checked with its range where it is read
DAY_LIST = Kind(
    "days",
    lambda v: isinstance(v, str) or _text_list(v),
    'must be days like "mon-fri", "sat,sun" or a list like ["mon", "wed"]',
)
BOOL = Kind("true or false", lambda v: isinstance(v, bool), "must be true or false")
TABLE = Kind("table", lambda v: isinstance(v, dict), "must be a table")
SERVER = Kind("server table", lambda v: isinstance(v, dict), "must be a table")


class Key(Record):
    """One key of the config: its kind, and a line saying what it does."""

    kind: Kind
    doc: str


def _channel_common(table: str, channel: str) -> dict[str, Key]:
    return {
        f"{table}.message": Key(TEMPLATE, f"the reply's text{channel}"),
        f"{table}.new_client_message": Key(
            TEMPLATE, f"the reply to someone new: never answered, not in your contacts{channel}"
        ),
        f"{table}.min_interval": Key(DURATION, f"how soon a sender may be answered again{channel}"),
        f"{table}.max_age": Key(
            DURATION, f"how old a message may be and still be answered{channel}"
        ),
        f"{table}.vip": Key(PATTERNS, f"numbers, addresses and *@domain never answered{channel}"),
    }


def _server(table: str, what: str) -> dict[str, Key]:
    return {
        table: Key(SERVER, f"the {what} server"),
        f"{table}.host": Key(TEXT, f"the {what} server's host name"),
        f"{table}.port": Key(PORT, f"the {what} server's port (default: by security)"),
        f"{table}.security": Key(WORD, "ssl, starttls, or none (loopback only)"),
    }


def _holiday_names(example: str) -> Kind:
    return Kind(
        "list of holiday names", _text_list, f'must be a list of holiday names like ["{example}"]'
    )


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The templates a language's table may hold; one left out is the default language's.
LANGUAGE_TEMPLATES = {
    "message": "the reply",
    "new_client_message": "the reply to someone new",
    "subject": "the email reply's subject",
    "sms_message": "the text sent back",
    "sms_new_client_message": "the text sent back to someone new",
    "whatsapp_message": "the WhatsApp reply",
    "whatsapp_new_client_message": "the WhatsApp reply to someone new",
    "emergency_message": "what the sender of an emergency hears",
    "cover_message": "what a client hears while someone covers (phone poll mode)",
}

KEYS: dict[str, Key] = {
    "name": Key(TEXT, "your business name, shown in auto-replies as {business}"),
    "booking_url": Key(TEXT, "where clients book, an http(s) address: {booking_url} in replies"),
    "timezone": Key(WORD, "your IANA time zone, like Europe/London (required)"),
    "week": Key(TABLE, "the weekly template: a day left out, or closed, is closed"),
    **{f"week.{day}": Key(RANGES, f"the hours of each {day}") for day in DAYS},
    "holidays": Key(TABLE, "close on a country's public holidays"),
    "holidays.country": Key(WORD, "the country's ISO 3166-1 code, like GB"),
    "holidays.subdivision": Key(WORD, "a state, province or nation code, like ENG"),
    "holidays.keep_open": Key(
        _holiday_names("Easter Monday"), "public holidays you work anyway (hours holidays --list)"
    ),
    "holidays.include": Key(
        _holiday_names("Civic Holiday"), "optional (or bank, ...) holidays that close you too"
    ),
    "closed[]": Key(TABLE, "a closure: a day off, a vacation, part of a day, a recurring day off"),
    "closed[].date": Key(DATE, "the one date closed"),
    "closed[].from": Key(DATE, "the first date closed"),
    "closed[].to": Key(DATE, "the last date closed (inclusive)"),
    "closed[].hours": Key(RANGES, "only these hours of each date (default: the whole day)"),
    "closed[].rrule": Key(WORD, "an RFC 5545 RRULE: the closure recurs from `start`"),
    "closed[].start": Key(DATE, "the first date of a recurring closure"),
    "closed[].reason": Key(TEXT, "why: said by `hours status`, the report and auto-replies"),
    "open[]": Key(TABLE, "one-off hours that replace the template for a date"),
    "open[].date": Key(DATE, "the date"),
    "open[].hours": Key(RANGES, "its hours"),
    "open[].reason": Key(TEXT, "why: said by `hours next` and the report"),
    "cover[]": Key(TABLE, "someone who takes your texts or calls while you are closed, and when"),
    "cover[].name": Key(TEXT, "who covers, as clients hear it: {cover_name}"),
    "cover[].number": Key(TEXT, "their phone, in E.164 (not your Twilio number)"),
    "cover[].days": Key(DAY_LIST, 'weekly: the days, like "mon-fri" or ["sat", "sun"]'),
    "cover[].hours": Key(RANGES, "the hours of each of its dates (default: the whole day)"),
    "cover[].date": Key(DATE, "the one date covered"),
    "cover[].from": Key(DATE, "the first date covered (with days: from when the days apply)"),
    "cover[].to": Key(DATE, "the last date covered, inclusive"),
    "cover[].rrule": Key(WORD, "an RFC 5545 RRULE: the cover recurs from `start`"),
    "cover[].start": Key(DATE, "the first date of a recurring cover"),
    "cover[].sms": Key(BOOL, "takes your texts: passed on to them (poll mode)"),
    "cover[].voice": Key(BOOL, "takes your calls: rung instead of you (swap mode)"),
    "earnings": Key(TABLE, "what you earn, for `hours cost` and the report"),
    "earnings.weekly": Key(NUMBER, "earnings a week"),
    "earnings.monthly": Key(NUMBER, "earnings a month (x12/52 a week)"),
    "earnings.yearly": Key(NUMBER, "earnings a year (/52 a week)"),
    "earnings.currency": Key(WORD, "the ISO 4217 code of the currency, like USD"),
    "earnings.compare[]": Key(TABLE, "an hourly rate to set your real wage beside"),
    "earnings.compare[].label": Key(TEXT, "what the rate is"),
    "earnings.compare[].hourly": Key(NUMBER, "the rate an hour"),
    "autoreply": Key(TABLE, "after-hours auto-replies; these keys are shared by every channel"),
    **_channel_common("autoreply", ""),
    "autoreply.sync_timeout": Key(
        DURATION, "the longest one sync may take, every channel together; under the cron interval"
    ),
    "autoreply.contacts": Key(TEXT, "your contacts, a vCard file: the people in it are not new"),
    "autoreply.language": Key(WORD, "the language of the templates outside [autoreply.lang.*]"),
    "autoreply.lang": Key(TABLE, "templates in other languages: a table per language"),
    "autoreply.lang.*": Key(TABLE, "the templates in one language, a code like fr, es or pt-BR"),
    **{
        f"autoreply.lang.*.{key}": Key(TEMPLATE, f"{doc}, in this language")
        for key, doc in LANGUAGE_TEMPLATES.items()
    },
    "autoreply.emergency": Key(TABLE, "the way through for what cannot wait"),
    "autoreply.emergency.keyword": Key(WORD, "one word that marks a message as an emergency"),
    "autoreply.emergency.forward_to": Key(TEXT, "your cell (by SMS) or an address (by email)"),
    "autoreply.emergency.message": Key(TEMPLATE, "what the sender of an emergency hears"),
    "autoreply.emergency.press": Key(
        WORD, "the key a caller presses to ring forward_to (swap mode): 0-9, * or #"
    ),
    "autoreply.emergency.dial_timeout": Key(
        NUMBER, "seconds forward_to or a cover rings before voicemail (default 20)"
    ),
    "autoreply.emergency.max_call_minutes": Key(
        NUMBER, "the longest a call put through lasts, in minutes (default 30)"
    ),
    "autoreply.emergency.repeat_window": Key(
        DURATION, "two missed calls within it are an emergency (poll mode; 1m to 1h, default 15m)"
    ),
    "autoreply.cover_message": Key(TEMPLATE, "what a client hears while someone covers"),
    "autoreply.email": Key(TABLE, "the email channel"),
    **_channel_common("autoreply.email", ", for email only"),
    "autoreply.email.mode": Key(
        WORD,
        "imap (poll, reply over SMTP), sieve (a server script), gmail (Gmail's vacation "
        "responder) or outlook (Outlook's automatic replies)",
    ),
    "autoreply.email.address": Key(TEXT, "your address: replies come from it"),
    "autoreply.email.aliases": Key(
        Kind(
            "list of addresses", _text_list, 'must be a list of addresses like ["me@example.com"]'
        ),
        "your other addresses",
    ),
    "autoreply.email.username": Key(TEXT, "the login (default: the address)"),
    "autoreply.email.password_env": Key(TEXT, "the environment variable holding the password"),
    "autoreply.email.password_command": Key(TEXT, "a command that prints the password"),
    "autoreply.email.provider": Key(
        WORD, "gmail, outlook, microsoft365, icloud, fastmail or yahoo: fills servers and auth"
    ),
    "autoreply.email.auth": Key(WORD, "password (default), xoauth2 or oauthbearer (OAuth2)"),
    "autoreply.email.token_command": Key(
        TEXT, "a command that prints an OAuth2 access token (else `hours login`'s)"
    ),
    "autoreply.email.oauth_client_file": Key(
        TEXT, "for `hours login google`: your Desktop app client's JSON file"
    ),
    "autoreply.email.oauth_client_id": Key(
        TEXT, "for `hours login microsoft`: your app registration's Application (client) ID"
    ),
    "autoreply.email.oauth_tenant": Key(
        WORD, "for `hours login microsoft`: common, consumers, organizations, or your directory"
    ),
    **{
        f"autoreply.email.oauth_{name}_url": Key(
            TEXT, f"for `hours login`: another {name} endpoint (a test server, a national cloud)"
        )
        for name in ("authorization", "token", "device", "revocation")
    },
    "autoreply.email.only_contacts": Key(BOOL, "gmail: answer only your contacts"),
    "autoreply.email.only_domain": Key(BOOL, "gmail: answer only your Workspace domain"),
    "autoreply.email.external_audience": Key(
        WORD, "outlook: who outside your organisation is answered: all or contactsOnly"
    ),
    "autoreply.email.api_base": Key(TEXT, "gmail, outlook: another host for the provider's API"),
    **_server("autoreply.email.imap", "IMAP"),
    **_server("autoreply.email.smtp", "SMTP"),
    **_server("autoreply.email.sieve", "ManageSieve"),
    "autoreply.email.subject": Key(TEMPLATE, "the reply's subject"),
    "autoreply.phone": Key(TABLE, "the phone channel (Twilio)"),
    **_channel_common("autoreply.phone", ", for the phone only"),
    "autoreply.phone.provider": Key(WORD, "twilio"),
    "autoreply.phone.number": Key(TEXT, "your business number, in E.164"),
    "autoreply.phone.whatsapp": Key(TEXT, "your WhatsApp sender, like whatsapp:+15550001111"),
    "autoreply.phone.account_sid_env": Key(TEXT, "the variable holding the Account SID"),
    "autoreply.phone.account_sid_command": Key(TEXT, "a command that prints the Account SID"),
    "autoreply.phone.auth_token_env": Key(TEXT, "the variable holding the Auth Token"),
    "autoreply.phone.auth_token_command": Key(TEXT, "a command that prints the Auth Token"),
    "autoreply.phone.mode": Key(WORD, "poll (text back over REST) or swap (switch webhooks)"),
    "autoreply.phone.sms_message": Key(TEMPLATE, "the text sent back"),
    "autoreply.phone.sms_new_client_message": Key(TEMPLATE, "the text sent back to someone new"),
    "autoreply.phone.whatsapp_message": Key(TEMPLATE, "the WhatsApp reply"),
    "autoreply.phone.whatsapp_new_client_message": Key(
        TEMPLATE, "the WhatsApp reply to someone new"
    ),
    "autoreply.phone.voice_message": Key(TEMPLATE, "the greeting a caller hears (swap mode)"),
    "autoreply.phone.cover_message": Key(TEMPLATE, "what a client hears while someone covers"),
    "autoreply.phone.cover_voice_message": Key(
        TEMPLATE, "what a caller hears before a cover's phone rings (swap mode)"
    ),
    "autoreply.phone.missed_call_text": Key(BOOL, "text back a missed call (poll mode)"),
    "autoreply.phone.api_base": Key(TEXT, "another Twilio host (regional processing)"),
    "autoreply.phone.sms_twiml_url": Key(TEXT, "your TwiML Bin for texts (swap mode)"),
    "autoreply.phone.voice_twiml_url": Key(TEXT, "your TwiML Bin for calls (swap mode)"),
}


def is_table(path: str) -> bool:
    """Tell whether `path` names a table (or an array of tables) rather than a value."""
    return path in KEYS and KEYS[path].kind in (TABLE, SERVER)


def get(table: Mapping[str, Any], path: str, fail: Callable[[str], Exception]) -> Any:
    """Return the value of the key `path` in `table` (None if absent), checked for its kind.

    `fail(message)` makes the error for a value of another kind. A path the schema does not list
    is a mistake in the code, not in the file: it raises KeyError.
    """
    kind = KEYS[path].kind
    value = table.get(path.rpartition(".")[2].removesuffix("[]"))
    if value is not None and not kind.accepts(value):
        raise fail(kind.message)
    return value


def unknown(raw: Mapping[str, Any], where: str = "", shown: str = "") -> list[str]:
    """Return the paths of the keys in `raw` (the table at `where`) that the schema lacks.

    `where` is the table's path in the schema (`autoreply.lang.*`), `shown` as the file has it
    (`autoreply.lang.fr`); the paths returned are as the file has them.
    """
    out = []
    for key, value in raw.items():
        path = f"{where}.{key}" if where else key
        seen = f"{shown}.{key}" if shown else key
        if path not in KEYS and f"{path}[]" not in KEYS and f"{where}.*" in KEYS:
            path = f"{where}.*"  # a name the user chose: [autoreply.lang.fr]
        if path in KEYS and not isinstance(value, list):
            if isinstance(value, dict) and is_table(path):
                out += unknown(value, path, seen)
        elif f"{path}[]" in KEYS and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    out += unknown(item, f"{path}[]", f"{seen}[]")
        elif path not in KEYS:
            out.append(seen)
    return out
