"""Load the config file into validated, frozen values, and edit it with the user's layout kept.

The folder holds the loader and validator (here), the schema every key is listed in
(`schema`), the `[autoreply]` tables (`autoreply`), the mail providers' presets
(`email_providers`), the `[autoreply.email]` table a setup writes (`email_table`), secrets
(`secrets`) and the layout of tables the commands add (`toml_layout`). It imports the schedule, parsing, files and errors,
and the wire clients' address checks; never click, rich, the engine or a channel.

Every error names the file and the `[section] key`, says what was wrong and what is allowed.
Unknown keys are warnings, so a config written for a newer version still loads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hours.config import schema
from hours.errors import ConfigError
from hours.files import write_atomic
from hours.parsing import PERIODS, parse_range
from hours.schedule import DAYS, Closure, Opening, Range, Spec, overlapping

if TYPE_CHECKING:  # each loads only when used: an edit, a config with [autoreply], a sync
    import tomlkit

    from hours.config.autoreply import Autoreply
    from hours.contacts import AddressBook

DEFAULT_WEEK = dict.fromkeys(DAYS[:5], "09:00-17:00")


class Holidays(NamedTuple):
    """Which public holidays close the business."""

    country: str
    subdivision: str | None = None
    keep_open: tuple[str, ...] = ()  # public holidays worked anyway
    include: tuple[str, ...] = ()  # holidays of other categories (optional, bank) that close


class CompareRate(NamedTuple):
    """An hourly rate to set the real wage beside."""

    label: str
    hourly: float


class Earnings(NamedTuple):
    """What the practitioner earns, and in what currency."""

    amount: float
    period: str  # week, month or year
    currency: str | None = None  # None: the country's (money.default_currency)
    compare: tuple[CompareRate, ...] = ()

    @property
    def weekly(self) -> float:
        """Return the earnings per week (a month is 52/12 weeks)."""
        return self.amount * PERIODS[self.period]


class Config(NamedTuple):
    """The whole validated config."""

    path: Path
    spec: Spec
    name: str = ""
    holidays: Holidays | None = None
    earnings: Earnings | None = None
    autoreply: Autoreply | None = None
    is_default: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def timezone(self) -> str:
        """Return the IANA name of the config's time zone."""
        return self.spec.timezone


def guess_timezone() -> str:
    """Return the machine's IANA time zone name, or UTC when it cannot be told."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.partition("zoneinfo/")[2])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    for name in candidates:
        if name and _zone_exists(name):
            return name
    return "UTC"


def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def default(path: Path, timezone: str | None = None) -> Config:
    """Return the built-in default: Monday to Friday 09:00-17:00 in the machine's zone."""
    tz = timezone or guess_timezone()
    week = tuple((Range(540, 1020),) if day in DEFAULT_WEEK else () for day in DAYS)
    return Config(path=path, spec=Spec(timezone=tz, week=week), is_default=True)


def default_text(timezone: str) -> str:
    """Return the text of a new config file holding the built-in default."""
    week = "\n".join(f'{day} = "{DEFAULT_WEEK.get(day, "closed")}"' for day in DAYS)
    return (
        "# hours: when you are available. `hours init --example` prints every key, explained.\n"
        f'timezone = "{timezone}"\n\n'
        '[week]                              # a day left out, or "closed", is closed\n'
        f"{week}\n"
    )


def load(path: Path) -> Config:
    """Read and validate the config file at `path`."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigError(
            f"{path} is a directory, not a config file; pass a file with --config"
        ) from None
    except PermissionError:
        raise ConfigError(
            f"cannot read {path}: permission denied; check its owner and mode"
        ) from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Config:
    """Validate config text; `path` names the file in messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}; fix that line") from None
    return _Validator(path).config(raw)


def load_or_default(path: Path) -> Config:
    """Load `path`, or return the built-in default if there is no file there."""
    if not path.exists() and not path.is_symlink():
        return default(path)
    return load(path)


class _Validator:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {message}")

    def get(
        self, table: Mapping[str, Any], path: str, default: Any = None, *, where: str | None = None
    ) -> Any:
        """Return the schema's key `path` in `table`, its kind checked, or `default`."""
        section, _, key = path.replace("[]", "").rpartition(".")
        if where is None:
            where = f"[{section}] {key}" if section else key
            if schema.KEYS[path].kind is schema.TABLE:
                where = f"[{path}]"
        value = schema.get(table, path, lambda message: self.fail(where, message))
        return default if value is None else value

    def config(self, raw: dict[str, Any]) -> Config:
        self.unknown(raw)
        tz = self.get(raw, "timezone")
        if tz is None:
            raise self.fail("timezone", 'missing; add a line like timezone = "Europe/London"')
        if not isinstance(tz, str) or not _zone_exists(tz):
            raise self.fail(
                "timezone",
                f"{tz!r} is not a known time zone; use an IANA name like Europe/London "
                "or America/New_York",
            )
        name = self.get(raw, "name", "")
        if not isinstance(name, str):
            raise self.fail("name", "must be text, in quotes")
        booking_url = self.booking_url(self.get(raw, "booking_url"))
        spec = Spec(
            timezone=tz,
            week=self.week(self.table(raw, "week")),
            closed=tuple(self.closure(i, c) for i, c in enumerate(self.array(raw, "closed"), 1)),
            open=self.openings(self.array(raw, "open")),
        )
        return Config(
            path=self.path,
            spec=spec,
            name=name,
            holidays=self.holidays(self.get(raw, "holidays")),
            earnings=self.earnings(self.get(raw, "earnings")),
            autoreply=self.autoreply(self.table(raw, "autoreply"), booking_url),
            warnings=tuple(self.warnings),
        )

    def booking_url(self, value: str | None) -> str | None:
        """Return the booking address if it is one a client's phone or mail can open."""
        if value is None:
            return None
        from urllib.parse import urlsplit

        text = value.strip()
        try:
            parts = urlsplit(text)
            host = parts.hostname
        except ValueError:  # a bracketed host that is not an IPv6 address
            host = None
        # Sent inside texts and mails as it is: a space or a control character would cut it.
        odd = any(c.isspace() or not c.isprintable() for c in text)
        if host is None or parts.scheme.lower() not in ("https", "http") or odd:
            raise self.fail(
                "booking_url",
                f"{value!r} is not a web address; use one that starts with https:// (or "
                "http://), like https://book.example.com/sam",
            )
        return text

    def autoreply(self, raw: dict[str, Any], booking_url: str | None) -> Autoreply | None:
        if not raw:
            return None
        from hours.config import (
            autoreply as autoreply_settings,  # `hours status` without auto-replies skips it
        )

        return autoreply_settings.parse(
            raw, self.fail, booking_url=booking_url, base=self.path.parent
        )

    def unknown(self, raw: Mapping[str, Any]) -> None:
        for path in schema.unknown(raw):
            table, _, key = path.replace("[]", "").rpartition(".")
            if table == "week":
                raise self.fail(
                    "[week]", f"{key!r} is not a day; use mon, tue, wed, thu, fri, sat, sun"
                )
            here = f"[{table}] {key}" if table else key
            self.warnings.append(f"{self.path}: {here}: unknown key, ignored")

    def table(self, raw: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{key}]", "must be a table")
        return value

    def array(self, raw: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"[[{key}]]", f"must be an array of tables, written [[{key}]]")
        return value

    def ranges(self, where: str, value: Any, *, allow_closed: bool) -> tuple[Range, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, 'must be a range like "09:00-17:00" or a list of ranges')
        if allow_closed and [v.strip().lower() for v in value] in (["closed"], []):
            return ()
        out = []
        for v in value:
            try:
                out.append(parse_range(v))
            except ValueError as e:
                raise self.fail(where, str(e)) from None
        clash = overlapping(out)
        if clash:
            raise self.fail(
                where, f"{clash[0]} and {clash[1]} overlap; make them separate or join them"
            )
        return tuple(sorted(out))

    def week(self, raw: Mapping[str, Any]) -> tuple[tuple[Range, ...], ...]:
        return tuple(
            self.ranges(f"[week] {day}", self.get(raw, f"week.{day}", "closed"), allow_closed=True)
            for day in DAYS
        )

    def date(self, where: str, value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            raise self.fail(where, f"{value} is a date-time; use a date like 2026-12-24")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(where, f"{value!r} is not a date; use YYYY-MM-DD, like 2026-12-24")

    def reason(
        self, where: str, entry: Mapping[str, Any], fallback: str, path: str = "closed[]"
    ) -> str:
        value = self.get(entry, f"{path}.reason", fallback, where=f"{where} reason")
        if not isinstance(value, str):
            raise self.fail(f"{where} reason", "must be text, in quotes")
        return value.strip() or fallback

    def closure(self, n: int, entry: Mapping[str, Any]) -> Closure:
        where = f"[[closed]] #{n}"

        def field(key: str) -> Any:
            return self.get(entry, f"closed[].{key}", where=f"{where} {key}")

        ranges = (
            self.ranges(f"{where} hours", field("hours"), allow_closed=False)
            if "hours" in entry
            else ()
        )
        reason = self.reason(where, entry, "closed")
        if "rrule" in entry:
            rule = field("rrule")
            start = self.date(f"{where} start", field("start") or field("from"))
            if not isinstance(rule, str):
                raise self.fail(f"{where} rrule", 'must be text like "FREQ=WEEKLY;BYDAY=FR"')
            check_rrule(rule, start, lambda msg: self.fail(f"{where} rrule", msg))
            return Closure(reason, start, None, ranges, rule.strip().removeprefix("RRULE:"))
        if "date" in entry and "from" in entry:
            raise self.fail(where, "give either date or from/to, not both")
        if "date" in entry:
            return Closure(reason, self.date(f"{where} date", field("date")), None, ranges)
        if "from" not in entry:
            raise self.fail(where, "needs date = YYYY-MM-DD, from = ... to = ..., or rrule = ...")
        first = self.date(f"{where} from", field("from"))
        last = self.date(f"{where} to", field("to") or field("from"))
        if last < first:
            raise self.fail(f"{where} to", f"{last} is before from ({first}); swap them")
        return Closure(reason, first, last, ranges)

    def openings(self, entries: list[dict[str, Any]]) -> tuple[Opening, ...]:
        by_date: dict[dt.date, Opening] = {}
        for n, entry in enumerate(entries, 1):
            where = f"[[open]] #{n}"
            if "date" not in entry or "hours" not in entry:
                raise self.fail(where, 'needs date = YYYY-MM-DD and hours = "HH:MM-HH:MM"')
            day = self.date(f"{where} date", self.get(entry, "open[].date", where=f"{where} date"))
            hours = self.get(entry, "open[].hours", where=f"{where} hours")
            ranges = self.ranges(f"{where} hours", hours, allow_closed=False)
            reason = self.get(entry, "open[].reason", where=f"{where} reason")
            if reason is not None and not isinstance(reason, str):
                raise self.fail(f"{where} reason", "must be text, in quotes")
            if day in by_date:  # several entries for one date add up
                earlier = by_date[day]
                ranges = self.ranges(
                    f"{where} hours", [str(r) for r in earlier.ranges + ranges], allow_closed=False
                )
                reason = earlier.reason or reason
            by_date[day] = Opening(day, ranges, reason)
        return tuple(sorted(by_date.values(), key=lambda o: o.date))

    def holidays(self, raw: Any) -> Holidays | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.fail("[holidays]", "must be a table")
        country = self.get(raw, "holidays.country")
        if country is None:
            return None
        if not isinstance(country, str) or not country.strip():
            raise self.fail("[holidays] country", 'must be a country code like "GB" or "US"')
        sub = self.get(raw, "holidays.subdivision")
        if sub is not None and not isinstance(sub, str):
            raise self.fail("[holidays] subdivision", 'must be a code like "ENG" or "ON"')
        keep = tuple(self.get(raw, "holidays.keep_open", []))
        include = tuple(self.get(raw, "holidays.include", []))
        code = sub.strip().upper() if sub else None
        return Holidays(country.strip().upper(), code, keep, include)

    def earnings(self, raw: Any) -> Earnings | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.fail("[earnings]", "must be a table")
        given = [
            (k, self.get(raw, f"earnings.{k}")) for k in ("weekly", "monthly", "yearly") if k in raw
        ]
        if len(given) > 1:
            raise self.fail("[earnings]", "give one of weekly, monthly or yearly, not several")
        currency = self.get(raw, "earnings.currency")
        if currency is not None and (not isinstance(currency, str) or len(currency.strip()) != 3):
            raise self.fail(
                "[earnings] currency", 'must be a three-letter code like "USD" or "EUR"'
            )
        compare = []
        for n, c in enumerate(self.array(raw, "compare"), 1):
            where = f"[[earnings.compare]] #{n}"
            label = self.get(c, "earnings.compare[].label", where=f"{where} label")
            hourly = self.get(c, "earnings.compare[].hourly", where=f"{where} hourly")
            if not isinstance(label, str) or not label.strip():
                raise self.fail(f"[[earnings.compare]] #{n} label", "must be text, in quotes")
            if not _positive(hourly):
                raise self.fail(f"[[earnings.compare]] #{n} hourly", "must be a positive number")
            compare.append(CompareRate(label.strip(), float(hourly)))
        if not given:
            return None
        key, amount = given[0]
        if not _positive(amount):
            raise self.fail(f"[earnings] {key}", f"{amount!r}: earnings must be a positive number")
        period = {"weekly": "week", "monthly": "month", "yearly": "year"}[key]
        code = currency.strip().upper() if currency is not None else None
        return Earnings(float(amount), period, code, tuple(compare))


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < float("inf")
    )


def contacts_of(cfg: Config) -> AddressBook | None:
    """Read the contacts file `[autoreply] contacts` names, or None when it names none.

    Read only by what needs it (a sync, a preview, `hours doctor`), never by `hours status`.
    Numbers written without a country code are the business's country's: `[holidays] country`,
    else its time zone's. Raises ConfigError naming the config, the key and what is wrong.
    """
    settings = cfg.autoreply
    if settings is None or settings.contacts is None:
        return None
    from hours import contacts

    try:
        return contacts.load(settings.contacts, region=business_country(cfg))
    except contacts.ContactsError as e:
        raise ConfigError(f"{cfg.path}: [autoreply] contacts: {e}") from None


def business_country(cfg: Config) -> str | None:
    """Return the business's country for phone numbers: the holidays', else its zone's."""
    from hours import contacts, locales

    for country in (
        cfg.holidays.country if cfg.holidays else None,
        locales.country_of_zone(cfg.timezone),
    ):
        if country is None:
            continue
        try:
            return contacts.check_region(country)
        except contacts.ContactsError:
            continue  # a holidays country phone numbers do not have: try the zone's
    return None


def check_rrule(rule: str, start: dt.date, fail: Callable[[str], Exception]) -> None:
    """Raise fail(message) unless `rule` is an RFC 5545 RRULE that dateutil can expand."""
    from dateutil.rrule import rrulestr

    text = rule.strip().removeprefix("RRULE:")
    try:
        rrulestr(text, dtstart=dt.datetime.combine(start, dt.time()))
    except (ValueError, TypeError) as e:
        raise fail(
            f"{rule!r} is not an RRULE ({e}); use e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
        ) from None


def validate_timezone(name: str) -> str:
    """Return `name` if it is a known IANA time zone, else raise ValueError saying so."""
    if not _zone_exists(name):
        raise ValueError(f"{name!r} is not a known time zone; use an IANA name like Europe/London")
    return name


def edit(
    path: Path, change: Callable[[tomlkit.TOMLDocument], None], *, timezone: str | None = None
) -> Config:
    """Apply `change` to the config document, validate the result, and only then write it.

    The user's comments and layout are kept (tomlkit). With no file yet, the change starts
    from the built-in default in `timezone` (or the machine's zone).
    """
    import tomlkit

    if path.exists() or path.is_symlink():
        load(path)  # refuse to edit a file that does not load: the error names what to fix
        text = path.read_text()
    else:
        text = default_text(timezone or guess_timezone())
    doc = tomlkit.parse(text)
    change(doc)
    new_text = tomlkit.dumps(doc)
    config = parse(new_text, path)
    save_text(path, new_text)
    return config


def save_text(path: Path, text: str) -> None:
    """Write the config text atomically with mode 0600, or raise ConfigError saying why not."""
    try:
        write_atomic(path, text, mode=0o600)
    except PermissionError:
        raise ConfigError(
            f"cannot write {path}: permission denied; check that you own {path.parent}"
        ) from None
    except OSError as e:
        raise ConfigError(f"cannot write {path}: {e.strerror}") from None
