"""The `[autoreply]` tables, validated when the config loads — never at 2 a.m. in cron.

Templates are checked here for unknown fields, durations parsed, servers and secrets named,
language codes checked with Babel, so that `hours autoreply sync` only meets the errors the
network gives it (and the contacts file's, which is read only by what needs it:
`hours.config.contacts_of`).

Each reply is written from a template chosen by who it is for (`Autoreply.template`): its
channel, whether the sender is new, and their language. A language's table
(`[autoreply.lang.fr]`) holds any of `schema.LANGUAGE_TEMPLATES`; one it leaves out is the
default language's.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hours.config import schema
from hours.config.email_providers import PROVIDERS, MailProvider, Preset, by_host
from hours.parsing import is_e164, parse_duration
from hours.record import Record

Fail = Callable[[str, str], Exception]  # (where, message) -> the error to raise


class Field(Record):
    """A template field: where it may be used, what a fixed text makes of it, a sample of it."""

    fixed: str  # "" when a text fixed on the server fills it as a reply written per sender does
    email_only: bool = False
    only_in: str = ""  # the templates it is for, when not every one (checked where they are read)
    # Rendered into every format spec at load, so a spec the field cannot take fails then.
    sample: object = "Sam's Nails"


# The template fields. A reply written per sender fills each for its sender; a text fixed on the
# server for everyone (Sieve, swap, Gmail and Outlook modes: `hours.channels.FIXED_TEXT_MODES`) fills
# them as `fixed` says. `hours doctor` and the README say the same from this table.
FIELDS: dict[str, Field] = {
    "business": Field(""),
    "next_open": Field(""),
    "next_open_with_local": Field("your time only, as {next_open} says it"),
    "next_open_local": Field('your time with its zone, for everyone: "tomorrow at 9:00 AM EST"'),
    "next_open_date": Field(""),
    "next_open_relative": Field(
        "counted from when the text was made: the evening's start (Sieve), the window's start "
        "(Gmail, Outlook), the last sync (swap)"
    ),
    "reason": Field(""),
    "emergency_keyword": Field(""),
    "booking_url": Field(""),
    "emergency_press": Field("", only_in="voice_message"),
    "cover_name": Field("", only_in="cover_message and cover_voice_message"),
    "sender_name": Field('"there"', email_only=True),
    "subject": Field(
        'the server fills it in where Sieve has `variables`, else "your message"; Gmail writes '
        "its own for the default `Re: {subject}`, Outlook always",
        email_only=True,
    ),
}
# The settings a text fixed for everyone cannot follow, and what it does instead.
FIXED_TEXT_SETTINGS: dict[str, str] = {
    "new_client_message": "not used: new and returning clients get `message` alike",
    "[autoreply.lang.*]": "not used: everyone gets the default language",
    "contacts": "not read: no client's zone, language or name is known",
}
COMMON_FIELDS = frozenset(n for n, f in FIELDS.items() if not f.email_only and not f.only_in)
EMAIL_FIELDS = frozenset(n for n, f in FIELDS.items() if not f.only_in)
# What a field needs set before a template may use it.
NEEDS = {
    "booking_url": 'needs booking_url set: add booking_url = "https://..." beside name at the '
    "top of the config"
}
# The template a reply is written from, by slot (its channel's templates, and whether the sender
# is new): the keys of a language's table tried in turn, as the default language's keys fall
# back (whatsapp_message to sms_message to message).
SLOTS: dict[str, tuple[str, ...]] = {
    "email": ("message",),
    "email_new": ("new_client_message",),
    "sms": ("sms_message", "message"),
    "sms_new": ("sms_new_client_message", "new_client_message"),
    "whatsapp": ("whatsapp_message", "sms_message", "message"),
    "whatsapp_new": (
        "whatsapp_new_client_message",
        "sms_new_client_message",
        "new_client_message",
    ),
    "emergency": ("emergency_message",),
    "subject": ("subject",),
    # While someone covers, new and returning clients alike hear who covers; a language's
    # cover_message serves both (someone new gets the booking line in the default one only).
    "cover": ("cover_message",),
    "cover_new": ("cover_message",),
}
DEFAULT_LANGUAGE = "en"  # the language of the built-in templates
# While someone covers: who, in the texts that say so.
COVER_FIELDS = COMMON_FIELDS | {"cover_name"}
# A spoken greeting may say the key that rings your cell; without it the key is said after it.
VOICE_FIELDS = COMMON_FIELDS | {"emergency_press"}
PRESS_KEYS = frozenset("0123456789*#")
DIAL_TIMEOUT = (5, 600, 20)  # seconds: least, most (Twilio's own limits), default
MAX_CALL_MINUTES = (1, 240, 30)  # minutes: Twilio cuts any call at 4 hours
REPEAT_WINDOW = (dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(minutes=15))
# The widest a format spec may pad or cut a field: enough for any layout, and a template
# cannot make every reply (or the check at load) a gigabyte of spaces.
MAX_FIELD_WIDTH = 1000
_NUMBER = re.compile(r"\d+")
SECURITY = ("ssl", "starttls", "none")
AUTH = ("password", "xoauth2", "oauthbearer")
OAUTH_ENDPOINTS = ("authorization", "token", "device", "revocation")
EMAIL_MODES = ("imap", "sieve", "gmail", "outlook")
# The modes in which the provider's own responder answers, set to one closed window at a time,
# and the `hours login` each signs in with.
RESPONDER_MODES = {"gmail": "google", "outlook": "microsoft"}
# The providers' own API hosts, for messages (the clients hold the defaults).
API_EXAMPLES = {"gmail": "https://gmail.googleapis.com", "outlook": "https://graph.microsoft.com"}
# Whose account each of them is, for messages.
RESPONDER_LABELS = {"gmail": "Google", "outlook": "Microsoft"}
# Graph's externalAudience values that answer someone outside the organisation.
AUDIENCES = ("all", "contactsOnly")
DEFAULT_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
    "smtp": {"ssl": 465, "starttls": 587, "none": 25},
    "sieve": {"ssl": 4190, "starttls": 4190, "none": 4190},
}

DEFAULT_EMAIL_MESSAGE = """\
Hi {sender_name},

Thank you for your message. It reached me while {business} is closed ({reason}), so I'm away \
from my inbox right now. I'll read it properly and get back to you {next_open_with_local} — \
{next_open_relative}.
{emergency_line}
Warmly,
{business}
"""
# Gmail and Outlook send one text all through a closed window, to everyone, with no keyword
# let through: no "in 14 hours" that would be wrong by morning, no way through to promise.
DEFAULT_RESPONDER_MESSAGE = """\
Hi {sender_name},

Thank you for your message. It reached me while {business} is closed ({reason}), so I'm away \
from my inbox right now. I'll read it properly and get back to you {next_open}.

Warmly,
{business}
"""
DEFAULT_EMAIL_EMERGENCY_LINE = (
    "\nIf it truly can't wait, write again with {emergency_keyword} in the subject and it will "
    "reach me right away.\n"
)
DEFAULT_SMS_MESSAGE = (
    "Hi! Thanks for your message. {business} is closed right now. I'll get back to you "
    "{next_open_with_local}.{emergency_line}"
)
DEFAULT_SMS_EMERGENCY_LINE = " If it can't wait, reply {emergency_keyword}."
DEFAULT_VOICE_MESSAGE = (
    "Hi, you've reached {business}. We're closed right now and back {next_open}. "
    "Please leave a message after the tone, and I'll call you back then."
)
# Said after a greeting that does not say the key itself ({emergency_press}).
PRESS_PROMPT = "If this is an emergency, press {emergency_press} now."
DEFAULT_VOICE_PRESS_MESSAGE = (
    "Hi, you've reached {business}. We're closed right now and back {next_open}. If this is an "
    "emergency, press {emergency_press} now. Otherwise, please leave a message after the tone, "
    "and I'll call you back then."
)
DEFAULT_COVER_MESSAGE = (
    "Hi! {business} is closed right now, and {cover_name} is covering: {cover_name} will get "
    "back to you soon."
)
DEFAULT_COVER_VOICE_MESSAGE = (
    "Thanks for calling {business}. {cover_name} is covering right now; connecting you."
)
DEFAULT_EMERGENCY_MESSAGE = (
    "Thank you. I've been alerted and will get back to you as soon as I possibly can."
)
DEFAULT_SUBJECT = "Re: {subject}"
# What a new client's reply adds to the usual one, when booking_url is set and no
# new_client_message is written (in the built-in templates' language only).
EMAIL_BOOKING_LINE = (
    "\n\nP.S. If you'd like to book, you can pick a time right away: {booking_url}\n"
)
SMS_BOOKING_LINE = " Book now: {booking_url}"
# One sync's whole time: every network wait is cut to what is left of it. Under the cron
# interval (5 minutes by default), so a stuck server never keeps the next sync out.
DEFAULT_SYNC_TIMEOUT = dt.timedelta(minutes=4)
SYNC_TIMEOUT_RANGE = (dt.timedelta(seconds=1), dt.timedelta(hours=1))


class Secret(Record):
    """Where a secret comes from: an environment variable, a command, or secrets.toml."""

    label: str  # "[autoreply.email] password", for messages
    env: str | None = None
    command: str | None = None
    file_key: tuple[str, str] = ("", "")  # [table] key in secrets.toml


class Server(Record):
    """A mail server: host, port, and how the connection is secured."""

    host: str
    port: int
    security: str  # ssl | starttls | none (loopback only)


class Policy(Record):
    """Who gets a reply and how often, for one channel."""

    message: str
    min_interval: dt.timedelta
    max_age: dt.timedelta
    vip: tuple[str, ...]


class Emergency(Record):
    """The ways through: a keyword, a key to press, repeat calls; where they go; what is heard."""

    keyword: str | None  # None: no keyword route
    forward_to: str | None  # your cell (E.164) or an email address
    message: str
    press: str | None = None  # the key a caller presses to ring forward_to (swap mode)
    dial_timeout: int = DIAL_TIMEOUT[2]  # seconds a put-through call rings
    max_call_minutes: int = MAX_CALL_MINUTES[2]
    repeat_window: dt.timedelta = REPEAT_WINDOW[2]

    @property
    def cell(self) -> str | None:
        """Return forward_to when it is a phone number (texts and calls can reach it)."""
        return self.forward_to if self.forward_to and is_e164(self.forward_to) else None


class OAuthClient(Record):
    """What `hours login` takes from the config: the OAuth client, the tenant, other endpoints."""

    client_file: str | None = None  # Google: the Desktop app client's JSON, as written
    client_id: str | None = None  # Microsoft: the app registration's Application (client) ID
    tenant: str | None = None  # Microsoft: common, consumers, organizations, or a directory
    endpoints: tuple[tuple[str, str], ...] = ()  # (authorization|token|device|revocation, URL)


class EmailSettings(Record):
    """The email channel."""

    mode: str  # imap | sieve | gmail | outlook
    address: str
    aliases: tuple[str, ...]
    username: str
    password: Secret
    imap: Server | None
    smtp: Server | None
    sieve: Server | None
    subject: str
    policy: Policy
    new_client_message: str  # the reply to someone new
    provider: str | None = None  # a name of email_providers.PROVIDERS
    auth: str = "password"  # password | xoauth2 | oauthbearer
    token_command: str | None = None
    # The `hours login` provider (google | microsoft) whose login the servers take: from
    # `provider`, or recognised from the hosts; None where none is known.
    login: str | None = None
    oauth: OAuthClient = OAuthClient()
    only_contacts: bool = False  # gmail: restrictToContacts
    only_domain: bool = False  # gmail: restrictToDomain
    external_audience: str = "all"  # outlook: all | contactsOnly
    api_base: str | None = None  # gmail, outlook: another host (None: the provider's own)

    @property
    def addresses(self) -> tuple[str, ...]:
        """Return every address of the user's, lower-cased."""
        return tuple(a.lower() for a in (self.address, *self.aliases))


class PhoneSettings(Record):
    """The phone channel (Twilio)."""

    provider: str
    number: str
    whatsapp: str | None
    account_sid: Secret
    auth_token: Secret
    mode: str  # poll | swap
    sms_message: str
    whatsapp_message: str
    voice_message: str
    missed_call_text: bool
    api_base: str
    sms_twiml_url: str | None
    voice_twiml_url: str | None
    policy: Policy
    sms_new_client_message: str  # the text sent back to someone new
    whatsapp_new_client_message: str
    cover_message: str = DEFAULT_COVER_MESSAGE
    cover_voice_message: str = DEFAULT_COVER_VOICE_MESSAGE
    cover_new_client_message: str = DEFAULT_COVER_MESSAGE  # cover_message, with the booking line


class Autoreply(Record):
    """Everything the auto-reply engine needs from the config."""

    emergency: Emergency | None
    email: EmailSettings | None
    phone: PhoneSettings | None
    booking_url: str | None = None
    contacts: Path | None = None  # the vCard file, `~` expanded; read by config.contacts_of
    language: str = DEFAULT_LANGUAGE  # Babel's identifier of the default templates' language
    # Other languages' templates: Babel's identifier -> template key -> text.
    languages: Mapping[str, Mapping[str, str]] = MappingProxyType({})
    sync_timeout: dt.timedelta = DEFAULT_SYNC_TIMEOUT

    def template(self, slot: str, language: str) -> str:
        """Return the template of a slot (`SLOTS`) in a language, else in the default one."""
        table = self.languages.get(language, {})
        for key in SLOTS[slot]:
            if key in table:
                return table[key]
        return self._default(slot)

    def languages_with(self, slot: str) -> frozenset[str]:
        """Return the languages other than the default that have a template for a slot."""
        return frozenset(
            language
            for language, table in self.languages.items()
            if any(key in table for key in SLOTS[slot])
        )

    def _default(self, slot: str) -> str:
        email, phone = self.email, self.phone
        if slot == "emergency":
            assert self.emergency is not None
            return self.emergency.message
        if slot in ("email", "email_new", "subject"):
            assert email is not None
            return {
                "email": email.policy.message,
                "email_new": email.new_client_message,
                "subject": email.subject,
            }[slot]
        assert phone is not None
        return {
            "sms": phone.sms_message,
            "sms_new": phone.sms_new_client_message,
            "whatsapp": phone.whatsapp_message,
            "whatsapp_new": phone.whatsapp_new_client_message,
            "cover": phone.cover_message,
            "cover_new": phone.cover_new_client_message,
        }[slot]


def check_template(
    text: str,
    allowed: frozenset[str],
    fail: Callable[[str], Exception],
    needs: Mapping[str, str] = MappingProxyType({}),
) -> str:
    """Return `text` if it is a str.format template of plain `allowed` fields.

    A field is a bare name: no attribute (`{business.__class__}` reads into Python objects), no
    index, no `!conversion`. Each format spec is tried on a sample of the field's type, so a
    spec the value cannot take (`{business:d}`) fails here, not at 2 a.m. in cron. `needs`
    says, for a field left out of `allowed` only for want of a setting, what to set.
    """
    known = ", ".join("{" + a + "}" for a in sorted(allowed))
    try:
        parts = [
            (f, spec, conv) for _, f, spec, conv in string.Formatter().parse(text) if f is not None
        ]
    except ValueError as e:
        raise fail(
            f"is not a valid template ({e}); write a literal brace as {{{{ or }}}}"
        ) from None
    for name, spec, conversion in parts:
        shown = "{" + name + (f"!{conversion}" if conversion else "")
        shown += (f":{spec}" if spec else "") + "}"
        if name and not name.isidentifier() and not name.isdigit():
            plain = re.split(r"[.\[]", name, maxsplit=1)[0].strip() or "business"
            raise fail(f"{shown}: a field is a plain name, like {{{plain}}}, with no . or []")
        if name in needs and name not in allowed:
            raise fail(f"{{{name}}} {needs[name]}")
        if name not in allowed:
            raise fail(f"{shown} is not a field you can use; use {known}")
        if conversion:
            raise fail(f"{shown}: a field takes no !{conversion}; write {{{name}}}")
        if not spec:
            continue
        if "{" in spec:
            raise fail(f"{shown}: a format spec cannot hold another field")
        if any(int(n) > MAX_FIELD_WIDTH for n in _NUMBER.findall(spec)):
            raise fail(f"{shown}: a width or precision is at most {MAX_FIELD_WIDTH}")
        try:
            format(FIELDS[name].sample, spec)
        except (ValueError, TypeError) as e:
            raise fail(f"{shown}: {_first_lower(str(e).rstrip('.'))}; {{{name}}} is text") from None
    return text


def uses_field(template: str, name: str) -> bool:
    """Tell whether a template (checked at load) says the field `name`."""
    return any(f == name for _, f, _, _ in string.Formatter().parse(template))


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def parse(
    raw: Mapping[str, Any], fail: Fail, *, booking_url: str | None = None, base: Path = Path()
) -> Autoreply | None:
    """Validate the `[autoreply]` table into settings, or None when there is none.

    `booking_url` is the config's (checked by the loader); a relative contacts path is read
    from `base`, the config's folder.
    """
    if not raw:
        return None
    p = _Parser(fail, booking_url)
    language = p.language("[autoreply] language", p.get(raw, "autoreply.language"))
    p.english = language.split("_")[0] == "en"
    emergency = p.emergency(p.get(raw, "autoreply.emergency"))
    email = p.email(raw, emergency) if "email" in raw else None
    phone = p.phone(raw, emergency) if "phone" in raw else None
    return Autoreply(
        emergency,
        email,
        phone,
        booking_url=booking_url,
        contacts=p.path("[autoreply] contacts", p.get(raw, "autoreply.contacts"), base),
        language=language,
        languages=p.languages(p.get(raw, "autoreply.lang"), language, email, phone),
        sync_timeout=p.sync_timeout(raw),
    )


class _Parser:
    def __init__(self, fail: Fail, booking_url: str | None = None) -> None:
        self.fail = fail
        self.booking_url = booking_url
        self.english = True  # the default templates' language is the built-in ones'

    def get(self, table: Mapping[str, Any], path: str, default: Any = None) -> Any:
        """Return the schema's key `path` in `table`, its kind checked, or `default`."""
        section, _, key = path.rpartition(".")
        where = f"[{path}]" if schema.KEYS[path].kind is schema.TABLE else f"[{section}] {key}"
        value = schema.get(table, path, lambda message: self.fail(where, message))
        return default if value is None else value

    def text(self, where: str, value: Any, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.fail(where, "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be text, in quotes")
        return value.strip()

    def url(
        self,
        where: str,
        value: Any,
        default: str | None = None,
        example: str = "https://api.twilio.com",
    ) -> str | None:
        # Checked here, not by Twilio at 2 a.m.: a URL Twilio cannot call fails every sync.
        from urllib.parse import urlsplit

        text = self.text(where, value) or default
        if text is None:
            return None
        parts = urlsplit(text)
        if parts.scheme not in ("https", "http") or not parts.hostname or " " in text:
            raise self.fail(where, f"{text!r}: use a URL like {example}")
        return text

    def api_base(
        self, where: str, value: Any, default: str | None, secret: str, example: str
    ) -> str | None:
        """Return an API's base URL: https, or plain http on loopback only (for test doubles)."""
        url = self.url(where, value, default, example)
        if url is None:
            return None
        # Imported here: `hours status` loads the config and needs no URL.
        from hours.clients.net import check_url

        try:
            return check_url(url, secret=secret).rstrip("/")
        except ValueError as e:
            raise self.fail(where, str(e)) from None

    def table(self, where: str, value: Any) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        return value

    def duration(self, where: str, value: Any, default: str) -> dt.timedelta:
        if not isinstance(value, str | None):
            raise self.fail(where, 'must be a duration in quotes, like "12h"')
        try:
            return parse_duration(value or default)
        except ValueError as e:
            raise self.fail(where, str(e)) from None

    def sync_timeout(self, raw: Mapping[str, Any]) -> dt.timedelta:
        where = "[autoreply] sync_timeout"
        value = self.get(raw, "autoreply.sync_timeout")
        timeout = self.duration(where, value, "4m")
        low, high = SYNC_TIMEOUT_RANGE
        if not low <= timeout <= high:
            raise self.fail(
                where,
                f"{value!r}: a sync may take from {low.seconds} s to {high.seconds // 60} minutes; "
                "keep it under the cron interval, like 4m",
            )
        return timeout

    def max_age(self, where: str, value: Any) -> dt.timedelta:
        age = self.duration(where, value, "24h")
        if not age:
            raise self.fail(
                where,
                f"{value!r} would answer nothing: every message is older than that; use a duration like 24h",
            )
        return age

    def template(self, where: str, value: Any, default: str, allowed: frozenset[str]) -> str:
        text = self.text(where, value) if value is not None else default
        assert text is not None
        if self.booking_url is None:
            allowed = allowed - {"booking_url"}
        return check_template(text, allowed, lambda msg: self.fail(where, msg), NEEDS)

    def new_client(
        self,
        candidates: list[tuple[str, Any]],
        usual: str,
        booking_line: str,
        allowed: frozenset[str],
    ) -> str:
        """Return the first new-client template given, else the usual one with the booking line.

        `candidates` are (where, value) from the most to the least specific key. Without a
        booking_url there is nothing more to tell someone new, and the built-in line is English;
        a usual message that gives the link itself already tells them.
        """
        for where, value in candidates:
            if value is not None:
                return self.template(where, value, "", allowed)
        if self.booking_url is None or not self.english or uses_field(usual, "booking_url"):
            return usual
        return usual.rstrip() + booking_line

    def path(self, where: str, value: Any, base: Path) -> Path | None:
        text = self.text(where, value)
        if text is None:
            return None
        return base / Path(text).expanduser()  # an absolute path stays what it is

    def language(self, where: str, value: Any) -> str:
        """Return Babel's identifier of a language code, or fail saying it is unknown."""
        if value is None:
            return DEFAULT_LANGUAGE
        if not isinstance(value, str):
            raise self.fail(where, 'must be a language code in quotes, like "fr"')
        if value.strip() == DEFAULT_LANGUAGE:  # the usual case, without loading Babel
            return DEFAULT_LANGUAGE
        # Imported here: `hours status` reads this table and needs no Babel.
        from hours.locales import LanguageError, parse_language

        try:
            return parse_language(value)
        except LanguageError as e:
            raise self.fail(where, str(e)) from None

    def languages(
        self,
        raw: Any,
        default: str,
        email: EmailSettings | None,
        phone: PhoneSettings | None,
    ) -> Mapping[str, Mapping[str, str]]:
        """Validate the `[autoreply.lang.*]` tables: a known language each, templates within."""
        tables = self.table("[autoreply.lang]", raw)
        out: dict[str, Mapping[str, str]] = {}
        for code, table in tables.items():
            where = f"[autoreply.lang.{code}]"
            if not isinstance(table, dict):
                raise self.fail(where, 'must be a table of templates, like message = "..."')
            language = self.language(where, code)
            if language in out:
                raise self.fail(where, f"{language} has another table already; merge the two")
            templates = {}
            for key in schema.LANGUAGE_TEMPLATES:
                value = schema.get(
                    table, f"autoreply.lang.*.{key}", functools.partial(self.fail, f"{where} {key}")
                )
                if value is not None:
                    allowed = self._language_fields(key, email is not None, phone is not None)
                    templates[key] = self.template(f"{where} {key}", value, "", allowed)
            out[language] = MappingProxyType(templates)
        return MappingProxyType(out)

    @staticmethod
    def _language_fields(key: str, email: bool, phone: bool) -> frozenset[str]:
        """Return the fields a language's template may use: email's only where only email reads it."""
        if key == "subject" or (key in ("message", "new_client_message") and email and not phone):
            return EMAIL_FIELDS
        if key == "cover_message":
            return COVER_FIELDS
        return COMMON_FIELDS

    def policy(
        self,
        where: str,
        shared: Mapping[str, Any],
        own: Mapping[str, Any],
        default: str,
        allowed: frozenset[str],
    ) -> Policy:
        def pick(key: str) -> tuple[str, Any]:
            return (
                (f"[{where}] {key}", self.get(own, f"{where}.{key}"))
                if key in own
                else (f"[autoreply] {key}", self.get(shared, f"autoreply.{key}"))
            )

        vip_where, vip = pick("vip")
        if vip is None:
            vip = []
        if not isinstance(vip, list) or not all(isinstance(v, str) for v in vip):
            raise self.fail(vip_where, 'must be a list like ["+15551234567", "*@bigclient.com"]')
        message_where, message = pick("message")
        return Policy(
            message=self.template(message_where, message, default, allowed),
            min_interval=self.duration(*pick("min_interval"), "12h"),
            max_age=self.max_age(*pick("max_age")),
            vip=tuple(v.strip().lower() for v in vip),
        )

    def emergency(self, raw: Any) -> Emergency | None:
        where = "[autoreply.emergency]"
        table = self.table(where, raw)
        keyword = self.text(f"{where} keyword", self.get(table, "autoreply.emergency.keyword"))
        if keyword is not None and not keyword.replace("-", "").replace("_", "").isalnum():
            raise self.fail(f"{where} keyword", "must be one word, like URGENT")
        forward_to = self.text(
            f"{where} forward_to", self.get(table, "autoreply.emergency.forward_to")
        )
        if forward_to is not None and "@" not in forward_to and not is_e164(forward_to):
            raise self.fail(
                f"{where} forward_to",
                f"{forward_to!r}: use your cell in E.164, like +15557654321, or an email address",
            )
        press = self.get(table, "autoreply.emergency.press")
        if press is not None and (not isinstance(press, str) or press not in PRESS_KEYS):
            raise self.fail(
                f"{where} press", f"{press!r}: use one key: a digit 0-9, or * or #, in quotes"
            )
        if press is not None and (forward_to is None or not is_e164(forward_to)):
            raise self.fail(
                f"{where} press",
                "a caller who presses it is put through to forward_to, which must then be your "
                "cell in E.164, like +15557654321",
            )
        if keyword is None and forward_to is None and press is None:
            return None
        return Emergency(
            keyword=keyword,
            forward_to=forward_to,
            message=self.template(
                f"{where} message",
                self.get(table, "autoreply.emergency.message"),
                DEFAULT_EMERGENCY_MESSAGE,
                COMMON_FIELDS,
            ),
            press=press,
            dial_timeout=self.whole(
                f"{where} dial_timeout",
                self.get(table, "autoreply.emergency.dial_timeout"),
                DIAL_TIMEOUT,
                "seconds",
            ),
            max_call_minutes=self.whole(
                f"{where} max_call_minutes",
                self.get(table, "autoreply.emergency.max_call_minutes"),
                MAX_CALL_MINUTES,
                "minutes",
            ),
            repeat_window=self.repeat_window(
                f"{where} repeat_window", self.get(table, "autoreply.emergency.repeat_window")
            ),
        )

    def whole(self, where: str, value: Any, limits: tuple[int, int, int], unit: str) -> int:
        least, most, default = limits
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= most:
            raise self.fail(where, f"{value!r}: use a whole number of {unit}, {least} to {most}")
        return value

    def repeat_window(self, where: str, value: Any) -> dt.timedelta:
        least, most, default = REPEAT_WINDOW
        if value is None:
            return default
        window = self.duration(where, value, "")
        if not least <= window <= most:
            raise self.fail(
                where,
                f"{value!r}: two calls count as one emergency within 1m to 1h; a shorter "
                "window would count an auto-redialer, a longer one two separate worries",
            )
        return window

    def server(
        self, where: str, raw: Any, kind: str, preset: Preset | None = None
    ) -> Server | None:
        """Return a server from its table, each key it leaves out taken from `preset`."""
        if raw is None and preset is None:
            return None
        table = self.table(where, raw)
        host = self.text(f"{where} host", self.get(table, f"autoreply.email.{kind}.host")) or (
            preset.host if preset else None
        )
        if host is None:
            raise self.fail(f"{where} host", "missing")
        default_security = "ssl" if kind != "sieve" else "starttls"
        security = self.get(
            table,
            f"autoreply.email.{kind}.security",
            preset.security if preset else default_security,
        )
        if security not in SECURITY:
            raise self.fail(f"{where} security", f"{security!r}: use ssl, starttls or none")
        # The preset's port goes with the preset's security; another security, its own port.
        default_port = (
            preset.port if preset and security == preset.security else DEFAULT_PORTS[kind][security]
        )
        port = self.get(table, f"autoreply.email.{kind}.port", default_port)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise self.fail(f"{where} port", f"{port!r}: use a port number from 1 to 65535")
        return Server(host, port, security)

    def secret(
        self, where: str, table: Mapping[str, Any], key: str, file_key: tuple[str, str]
    ) -> Secret:
        section = where.strip("[]")
        env = self.text(f"{where} {key}_env", self.get(table, f"{section}.{key}_env"))
        command = self.text(f"{where} {key}_command", self.get(table, f"{section}.{key}_command"))
        if env and command:
            raise self.fail(f"{where} {key}_env", f"give {key}_env or {key}_command, not both")
        return Secret(f"{where} {key}", env, command, file_key)

    def email(self, shared: Mapping[str, Any], emergency: Emergency | None) -> EmailSettings:
        where = "[autoreply.email]"
        t = self.table(where, self.get(shared, "autoreply.email"))
        mode = self.get(t, "autoreply.email.mode", "imap")
        if mode not in EMAIL_MODES:
            raise self.fail(f"{where} mode", f"{mode!r}: use imap, sieve, gmail or outlook")
        address = self.text(
            f"{where} address", self.get(t, "autoreply.email.address"), required=True
        )
        assert address is not None
        if "@" not in address:
            raise self.fail(f"{where} address", f"{address!r} is not an email address")
        aliases = self.get(t, "autoreply.email.aliases", [])
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and "@" in a for a in aliases
        ):
            raise self.fail(
                f"{where} aliases", 'must be a list of addresses like ["me@example.com"]'
            )
        preset = self.provider(t)
        imap, smtp, sieve = (
            self.server(
                f"{where} {k}",
                self.get(t, f"autoreply.email.{k}"),
                k,
                getattr(preset, k, None) if mode == "imap" or k == "sieve" else None,
            )
            for k in ("imap", "smtp", "sieve")
        )
        if mode == "imap" and (imap is None or smtp is None):
            raise self.fail(
                where,
                "mode imap needs imap = { host = ... } and smtp = { host = ... }, or a provider",
            )
        if mode == "sieve" and sieve is None:
            if preset is not None:
                raise self.fail(
                    f"{where} mode",
                    f'{preset.label} offers no ManageSieve: use mode = "imap", or give '
                    "sieve = { host = ... } for a server of your own",
                )
            raise self.fail(where, "mode sieve needs sieve = { host = ..., port = 4190 }")
        password = self.secret(where, t, "password", ("email", "password"))
        given = "password_env" if password.env else "password_command" if password.command else ""
        responder_login = RESPONDER_MODES.get(mode)
        if responder_login and given:
            raise self.fail(
                f"{where} {given}",
                f"mode {mode} signs in with OAuth2, not a password: remove {given}, and run "
                f"`hours login {responder_login}` or set token_command",
            )
        # The provider's API takes an OAuth2 token whatever `auth` says of the mail servers.
        auth, token_command = self.auth(t, preset, password, "xoauth2" if responder_login else None)
        login = preset.login if preset else None
        if preset is None:
            known = by_host(*(s.host for s in (imap, smtp, sieve) if s is not None))
            login = known.login if known else None
        if responder_login:
            if preset is not None and preset.login != responder_login:
                raise self.fail(
                    f"{where} provider",
                    f"mode {mode} is for a {RESPONDER_LABELS[mode]} account, and provider = "
                    f'"{preset.name}" is not one',
                )
            login = responder_login
        if auth != "password" and token_command is None and login is None:
            raise self.fail(
                f"{where} auth",
                f'{auth} needs token_command = "..." (a command that prints an access '
                'token), or provider = "gmail", "outlook" or "microsoft365" to sign in with '
                "`hours login`"
                if preset is None
                else preset.needs(auth),
            )
        only_contacts, only_domain, audience, api_base = (
            self.mode_key(t, mode, key, modes, default)
            for key, modes, default in (
                ("only_contacts", ("gmail",), False),
                ("only_domain", ("gmail",), False),
                ("external_audience", ("outlook",), "all"),
                ("api_base", tuple(RESPONDER_MODES), None),
            )
        )
        if audience not in AUDIENCES:
            raise self.fail(f"{where} external_audience", f"{audience!r}: use all or contactsOnly")
        line = DEFAULT_EMAIL_EMERGENCY_LINE if emergency and emergency.keyword else ""
        policy = self.policy(
            "autoreply.email",
            shared,
            t,
            DEFAULT_RESPONDER_MESSAGE
            if responder_login
            else DEFAULT_EMAIL_MESSAGE.replace("{emergency_line}", line),
            EMAIL_FIELDS,
        )
        new_client = self.new_client(
            [
                (f"{where} new_client_message", self.get(t, "autoreply.email.new_client_message")),
                (
                    "[autoreply] new_client_message",
                    self.get(shared, "autoreply.new_client_message"),
                ),
            ],
            policy.message,
            EMAIL_BOOKING_LINE,
            EMAIL_FIELDS,
        )
        return EmailSettings(
            mode=mode,
            address=address,
            aliases=tuple(aliases),
            username=self.text(f"{where} username", self.get(t, "autoreply.email.username"))
            or address,
            password=password,
            imap=imap,
            smtp=smtp,
            sieve=sieve,
            subject=self.template(
                f"{where} subject",
                self.get(t, "autoreply.email.subject"),
                DEFAULT_SUBJECT,
                EMAIL_FIELDS,
            ),
            policy=policy,
            new_client_message=new_client,
            only_contacts=only_contacts,
            only_domain=only_domain,
            external_audience=audience,
            api_base=self.api_base(
                f"{where} api_base", api_base, None, "access token", API_EXAMPLES.get(mode, "")
            ),
            provider=preset.name if preset else None,
            auth=auth,
            token_command=token_command,
            login=login,
            oauth=self.oauth_client(t, login),
        )

    def provider(self, t: Mapping[str, Any]) -> MailProvider | None:
        name = self.get(t, "autoreply.email.provider")
        if name is None:
            return None
        if name not in PROVIDERS:
            raise self.fail("[autoreply.email] provider", f"{name!r}: use {_or(list(PROVIDERS))}")
        return PROVIDERS[name]

    def auth(
        self,
        t: Mapping[str, Any],
        preset: MailProvider | None,
        password: Secret,
        oauth_only: str | None = None,
    ) -> tuple[str, str | None]:
        """Return how the servers are logged in to, and the token command if there is one.

        `oauth_only` is the mechanism of a mode that signs in with OAuth2 and nothing else
        (gmail, outlook): `auth` defaults to it, and "password" is refused.
        """
        where = "[autoreply.email]"
        default = oauth_only or (preset.auth if preset else "password")
        auth = self.get(t, "autoreply.email.auth", default)
        if auth not in AUTH:
            raise self.fail(f"{where} auth", f"{auth!r}: use {_or(list(AUTH))}")
        if oauth_only and auth == "password":
            raise self.fail(
                f"{where} auth",
                '"password": this mode signs in with OAuth2 (`hours login` or token_command)',
            )
        command = self.text(f"{where} token_command", self.get(t, "autoreply.email.token_command"))
        given = "password_env" if password.env else "password_command" if password.command else None
        if command is not None and given is not None:
            raise self.fail(
                f"{where} token_command",
                f"give {given} (a password) or token_command (an OAuth2 token), not both",
            )
        if auth == "password" and command is not None:
            raise self.fail(
                f"{where} token_command",
                'is for auth = "xoauth2" or "oauthbearer"; set one of them, or give '
                "password_command or password_env for a password",
            )
        if auth != "password" and given is not None:
            if preset is not None and preset.app_password is None and "auth" not in t:
                raise self.fail(f"{where} {given}", preset.refuses_passwords())
            raise self.fail(
                f"{where} {given}",
                f'auth = "{auth}" logs in with an OAuth2 access token, not a password: remove '
                f'{given}, or set auth = "password"',
            )
        return auth, command

    def oauth_client(self, t: Mapping[str, Any], login: str | None) -> OAuthClient:
        """Return what `hours login` takes from the config, checked against the provider."""
        where = "[autoreply.email]"
        urls = [f"oauth_{n}_url" for n in OAUTH_ENDPOINTS]
        keys = ("oauth_client_file", "oauth_client_id", "oauth_tenant", *urls)
        values = {k: self.text(f"{where} {k}", self.get(t, f"autoreply.email.{k}")) for k in keys}
        given = [k for k in keys if values[k] is not None]
        if not given:
            return OAuthClient()
        if login is None:
            raise self.fail(
                f"{where} {given[0]}",
                'is for `hours login`: set provider = "gmail", "outlook" or "microsoft365"',
            )
        if login == "google":
            if values["oauth_client_id"] is not None:
                raise self.fail(
                    f"{where} oauth_client_id",
                    "Google signs in with the Desktop app client's JSON: use oauth_client_file",
                )
            if values["oauth_tenant"] is not None:
                raise self.fail(f"{where} oauth_tenant", "is Microsoft's; Google has no tenants")
        if login == "microsoft" and values["oauth_client_file"] is not None:
            raise self.fail(
                f"{where} oauth_client_file",
                "is Google's; Microsoft signs in with oauth_client_id (the app registration's "
                "Application (client) ID)",
            )
        # Imported here: only a config that names these keys needs the OAuth client's checks.
        from hours.clients.oauth import check_endpoint_url, check_tenant

        endpoints = []
        for name in OAUTH_ENDPOINTS:
            url = values[f"oauth_{name}_url"]
            if url is not None:
                try:
                    endpoints.append((name, check_endpoint_url(url)))
                except ValueError as e:
                    raise self.fail(f"{where} oauth_{name}_url", str(e)) from None
        tenant = values["oauth_tenant"]
        if tenant is not None:
            try:
                check_tenant(tenant)
            except ValueError as e:
                raise self.fail(f"{where} oauth_tenant", str(e)) from None
        return OAuthClient(
            values["oauth_client_file"], values["oauth_client_id"], tenant, tuple(endpoints)
        )

    def mode_key(
        self, table: Mapping[str, Any], mode: str, key: str, modes: tuple[str, ...], default: Any
    ) -> Any:
        """Return a key of [autoreply.email] that only some modes read; refuse it in the others."""
        value = self.get(table, f"autoreply.email.{key}")
        if value is None:
            return default
        if mode not in modes:
            raise self.fail(
                f"[autoreply.email] {key}", f"is for mode {' or '.join(modes)}, not {mode}"
            )
        return value

    def phone(self, shared: Mapping[str, Any], emergency: Emergency | None) -> PhoneSettings:
        where = "[autoreply.phone]"
        t = self.table(where, self.get(shared, "autoreply.phone"))
        provider = self.get(t, "autoreply.phone.provider", "twilio")
        if provider != "twilio":
            raise self.fail(f"{where} provider", f"{provider!r}: only twilio is supported")
        number = self.text(f"{where} number", self.get(t, "autoreply.phone.number"), required=True)
        assert number is not None
        if not (number.startswith("+") and number[1:].isdigit()):
            raise self.fail(f"{where} number", f"{number!r}: use E.164, like +15550001111")
        whatsapp = self.text(f"{where} whatsapp", self.get(t, "autoreply.phone.whatsapp"))
        if whatsapp is not None and not whatsapp.startswith("whatsapp:+"):
            raise self.fail(f"{where} whatsapp", f"{whatsapp!r}: use whatsapp:+15550001111")
        mode = self.get(t, "autoreply.phone.mode", "poll")
        if mode not in ("poll", "swap"):
            raise self.fail(f"{where} mode", f"{mode!r}: use poll or swap")
        missed = self.get(t, "autoreply.phone.missed_call_text", True)
        if not isinstance(missed, bool):
            raise self.fail(f"{where} missed_call_text", "must be true or false")
        api_base = self.api_base(
            f"{where} api_base",
            self.get(t, "autoreply.phone.api_base"),
            "https://api.twilio.com",
            "Auth Token",
            "https://api.twilio.com",
        )
        assert api_base is not None
        line = DEFAULT_SMS_EMERGENCY_LINE if emergency and emergency.keyword else ""
        sms_default = DEFAULT_SMS_MESSAGE.replace("{emergency_line}", line)
        policy = self.policy("autoreply.phone", shared, t, sms_default, COMMON_FIELDS)
        sms = self.template(
            f"{where} sms_message",
            self.get(t, "autoreply.phone.sms_message"),
            policy.message,
            COMMON_FIELDS,
        )
        whatsapp_message = self.template(
            f"{where} whatsapp_message",
            self.get(t, "autoreply.phone.whatsapp_message"),
            sms,
            COMMON_FIELDS,
        )
        # From the most specific key to the shared one: as whatsapp_message falls back to
        # sms_message, a new client's WhatsApp reply falls back to their text.
        new_keys = [
            (
                f"{where} sms_new_client_message",
                self.get(t, "autoreply.phone.sms_new_client_message"),
            ),
            (f"{where} new_client_message", self.get(t, "autoreply.phone.new_client_message")),
            ("[autoreply] new_client_message", self.get(shared, "autoreply.new_client_message")),
        ]
        whatsapp_new = (
            f"{where} whatsapp_new_client_message",
            self.get(t, "autoreply.phone.whatsapp_new_client_message"),
        )
        cover_message = self.template(
            *(
                (f"{where} cover_message", self.get(t, "autoreply.phone.cover_message"))
                if "cover_message" in t
                else ("[autoreply] cover_message", self.get(shared, "autoreply.cover_message"))
            ),
            DEFAULT_COVER_MESSAGE,
            COVER_FIELDS,
        )
        return PhoneSettings(
            provider=provider,
            number=number,
            whatsapp=whatsapp,
            account_sid=self.secret(where, t, "account_sid", ("phone", "account_sid")),
            auth_token=self.secret(where, t, "auth_token", ("phone", "auth_token")),
            mode=mode,
            sms_message=sms,
            whatsapp_message=whatsapp_message,
            voice_message=self.template(
                f"{where} voice_message",
                self.get(t, "autoreply.phone.voice_message"),
                DEFAULT_VOICE_PRESS_MESSAGE
                if emergency is not None and emergency.press is not None
                else DEFAULT_VOICE_MESSAGE,
                VOICE_FIELDS,
            ),
            missed_call_text=missed,
            api_base=api_base,
            sms_twiml_url=self.url(
                f"{where} sms_twiml_url", self.get(t, "autoreply.phone.sms_twiml_url")
            ),
            voice_twiml_url=self.url(
                f"{where} voice_twiml_url", self.get(t, "autoreply.phone.voice_twiml_url")
            ),
            policy=policy,
            sms_new_client_message=self.new_client(new_keys, sms, SMS_BOOKING_LINE, COMMON_FIELDS),
            whatsapp_new_client_message=self.new_client(
                [whatsapp_new, *new_keys], whatsapp_message, SMS_BOOKING_LINE, COMMON_FIELDS
            ),
            cover_message=cover_message,
            cover_voice_message=self.template(
                f"{where} cover_voice_message",
                self.get(t, "autoreply.phone.cover_voice_message"),
                DEFAULT_COVER_VOICE_MESSAGE,
                COVER_FIELDS,
            ),
            cover_new_client_message=self.new_client(
                [], cover_message, SMS_BOOKING_LINE, COVER_FIELDS
            ),
        )


def _or(words: list[str]) -> str:
    """Join words as a person lists choices: "a, b or c"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
