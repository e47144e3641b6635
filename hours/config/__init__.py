"""Load the config file into validated, frozen values, and edit it with the user's layout kept.

The folder holds the loader and validator (here), the schema every key is listed in
(`schema`), the parsed file kept for the next start (`cache`), the `[autoreply]` tables
(`autoreply`), the mail providers' presets (`email_providers`), the `[autoreply.email]` table
a setup writes (`email_table`), secrets (`secrets`) and the layout of tables the commands add
(`toml_layout`). It imports the schedule, parsing, files and errors, and the wire clients'
address checks; never click, rich, the engine or a channel.

Every error names the file and the `[section] key`, says what was wrong and what is allowed.
Unknown keys are warnings, so a config written for a newer version still loads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hours.config import cache, schema
from hours.errors import ConfigError
from hours.files import write_atomic
from hours.parsing import PERIODS, is_e164, parse_days, parse_range
from hours.record import Record
from hours.schedule import (
    DAYS,
    Closure,
    Cover,
    Opening,
    Range,
    Spec,
    cover_overlap,
    overlapping,
)

if TYPE_CHECKING:  # each loads only when used: an edit, a config with [autoreply], a sync
    import tomlkit

    from hours.config.autoreply import Autoreply
    from hours.contacts import AddressBook

DEFAULT_WEEK = dict.fromkeys(DAYS[:5], "09:00-17:00")
# How far two covers are compared for overlaps where one recurs by an RRULE: in two years every
# monthly or yearly rule has come round twice. Weekly covers repeat within a week, and a dated
# one can meet another only on its own dates.
RRULE_HORIZON = dt.timedelta(days=2 * 366)
# Weekly covers with no dates repeat from any Monday; 2001-01-01 was one.
ANY_MONDAY = dt.date(2001, 1, 1)


class Holidays(Record):
    """Which public holidays close the business."""

    country: str
    subdivision: str | None = None
    keep_open: tuple[str, ...] = ()  # public holidays worked anyway
    include: tuple[str, ...] = ()  # holidays of other categories (optional, bank) that close


class CompareRate(Record):
    """An hourly rate to set the real wage beside."""

    label: str
    hourly: float


class Earnings(Record):
    """What the practitioner earns, and in what currency."""

    amount: float
    period: str  # week, month or year
    currency: str | None = None  # None: the country's (money.default_currency)
    compare: tuple[CompareRate, ...] = ()

    @property
    def weekly(self) -> float:
        """Return the earnings per week (a month is 52/12 weeks)."""
        return self.amount * PERIODS[self.period]


def checked_currency(cfg: Config) -> str:
    """Return the config's currency, or raise ConfigError unless Babel knows it (ISO 4217).

    Checked where money is shown, not at every load: `hours status` does not load Babel.
    """
    assert cfg.earnings is not None
    assert cfg.earnings.currency is not None, "only a currency the config names is checked"
    from hours.money import currency_code

    try:
        return currency_code(cfg.earnings.currency)
    except ValueError as e:
        raise ConfigError(f"{cfg.path}: [earnings] currency: {e}") from None


class Config(Record):
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


# Ten thousand closures take under a megabyte; a config this large is not one.
MAX_CONFIG_BYTES = 10 << 20


def load(path: Path, cache_dir: Path | None = None, *, keep: bool = False) -> Config:
    """Read and validate the config file at `path`.

    With `cache_dir` (the state directory), what tomllib made of the file is taken from there
    while the file's text stays the same (`cache`), and validated all the same; with `keep`
    too, what it makes of a file not found there is kept there.
    """
    text = read_text(path)
    kept = None if cache_dir is None else cache.read(cache_dir, text)
    raw = read_toml(text, path) if kept is None else kept
    cfg = validate(raw, path, from_file=True)
    if cache_dir is not None and keep and kept is None:  # only a config that loads is kept
        cache.write(cache_dir, text, raw)
    return cfg


def read_text(path: Path) -> str:
    """Return the config's text, or raise ConfigError: only a regular file, of UTF-8 text.

    Opened without waiting, then checked: a named pipe would block until someone writes to
    it, and /dev/zero never ends. A byte-order mark is dropped, as editors on Windows write one.
    """
    import stat

    kinds = {stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a device", stat.S_IFSOCK: "a socket"}
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
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
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else kinds.get(stat.S_IFMT(mode), "not a file")
        raise ConfigError(f"{path} is {what}, not a config file; pass a file with --config")
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_CONFIG_BYTES + 1)
        except OSError as e:
            raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path} is larger than {MAX_CONFIG_BYTES >> 20} MiB, which no config needs; is it "
            "the right file?"
        )
    try:
        return data.decode().removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None


def parse(text: str, path: Path, *, from_file: bool = False) -> Config:
    """Validate config text; `path` names the file in messages.

    `from_file`: the text was read from `path`, whose owner and mode are then checked too
    when it names a command to run (`refuse_unsafe`).
    """
    return validate(read_toml(text, path), path, from_file=from_file)


def read_toml(text: str, path: Path) -> dict[str, Any]:
    """Return the TOML document `text`, or raise ConfigError; `path` names the file."""
    import tomllib  # not at the top: a start that finds the config parsed (`cache`) skips it

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}; fix that line") from None
    except RecursionError:
        raise ConfigError(
            f"{path}: not valid TOML: arrays or inline tables nested deeper than the reader can "
            "follow; a config needs three levels at most"
        ) from None


def validate(raw: dict[str, Any], path: Path, *, from_file: bool = False) -> Config:
    """Validate a parsed config; `path` names the file in messages, `from_file` as in `parse`."""
    if from_file:
        refuse_unsafe(path, raw)
    return _Validator(path).config(raw)


def commands_named(raw: Mapping[str, Any]) -> list[str]:
    """Return the keys of a config that name a command to run, like `[autoreply.email] password_command`."""
    out = []
    for key in schema.KEYS:
        if not key.endswith("_command"):
            continue
        *tables, name = key.split(".")
        table: Any = raw
        for part in tables:
            table = table.get(part) if isinstance(table, dict) else None
        if isinstance(table, dict) and table.get(name):
            out.append(f"[{'.'.join(tables)}] {name}" if tables else name)
    return out


def refuse_unsafe(path: Path, raw: Mapping[str, Any]) -> None:
    """Refuse, as ssh does, a config naming a command that someone else could have written.

    `hours` runs a config's `*_command` (from cron, unattended): a config, or the directory
    holding it, that another user owns or that group or others may write would let them run
    commands as you. The error says what to run to fix it.
    """
    commands = commands_named(raw)
    if not commands:
        return
    import shlex
    import stat

    real = Path(os.path.realpath(path))
    named = f"{path} names a command to run ({', '.join(commands)})"
    me = os.geteuid()
    for where in (real, real.parent):
        try:
            st = where.stat()
        except OSError:
            continue
        what = "it" if where == real else f"its directory {where}"
        quoted = shlex.quote(str(where))
        if st.st_uid not in (me, 0):
            raise ConfigError(
                f"{named}, but {what} belongs to another user (uid {st.st_uid}), who could "
                f"change that command; make it yours: sudo chown $(id -un) {quoted}"
            )
        sticky = where != real and st.st_mode & stat.S_ISVTX
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not sticky:
            raise ConfigError(
                f"{named}, but {what} can be written by others (mode "
                f"{stat.S_IMODE(st.st_mode):04o}), who could change that command; run: "
                f"chmod go-w {quoted}"
            )


def load_or_default(path: Path, cache_dir: Path | None = None, *, keep: bool = False) -> Config:
    """Load `path` (as `load` does), or return the built-in default if there is no file there."""
    if not path.exists() and not path.is_symlink():
        return default(path)
    return load(path, cache_dir, keep=keep)


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
            cover=tuple(self.cover(i, c) for i, c in enumerate(self.array(raw, "cover"), 1)),
        )
        self.cover_overlap(spec)
        autoreply = self.autoreply(self.table(raw, "autoreply"), booking_url)
        self.cover_numbers(spec, autoreply)
        return Config(
            path=self.path,
            spec=spec,
            name=name,
            holidays=self.holidays(self.get(raw, "holidays")),
            earnings=self.earnings(self.get(raw, "earnings")),
            autoreply=autoreply,
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
        from hours.parsing import check_date

        if value is None:
            raise self.fail(where, "missing; give a date like 2026-12-24")
        if isinstance(value, dt.datetime):
            raise self.fail(where, f"{value} is a date-time; use a date like 2026-12-24")
        day = value if isinstance(value, dt.date) else None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                day = dt.date.fromisoformat(value)
        if day is None:
            raise self.fail(where, f"{value!r} is not a date; use YYYY-MM-DD, like 2026-12-24")
        try:
            check_date(day, str(value))
        except ValueError as e:
            raise self.fail(where, str(e)) from None
        return day

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
            body = check_rrule(rule, start, lambda msg: self.fail(f"{where} rrule", msg))
            return Closure(reason, start, None, ranges, body)
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

    def cover(self, n: int, entry: Mapping[str, Any]) -> Cover:
        where = f"[[cover]] #{n}"

        def field(key: str) -> Any:
            return self.get(entry, f"cover[].{key}", where=f"{where} {key}")

        name = field("name")
        if name is None or not name.strip():
            raise self.fail(f"{where} name", 'missing; say who covers, like name = "Jo"')
        number = field("number")
        if number is None or not is_e164(number.strip()):
            raise self.fail(
                f"{where} number", f"{number!r}: use E.164, a + and the digits, like +15551230001"
            )
        media = frozenset(m for m in ("sms", "voice") if field(m))
        if not media:
            raise self.fail(
                where,
                f"{name.strip()} takes neither texts nor calls; add sms = true, voice = true, "
                "or both",
            )
        ranges = (
            self.ranges(f"{where} hours", field("hours"), allow_closed=False)
            if "hours" in entry
            else ()
        )
        cover = functools.partial(Cover, name.strip(), number.strip(), media, ranges=ranges)
        forms = [k for k in ("days", "date", "rrule") if k in entry]
        if len(forms) > 1 or ("date" in entry and ("from" in entry or "to" in entry)):
            raise self.fail(where, "give one of days, date, from/to or rrule, not several")
        if "rrule" in entry:
            rule = field("rrule")
            if "to" in entry:
                raise self.fail(f"{where} to", "a recurring cover ends where its RRULE says")
            start = self.date(f"{where} start", field("start") or field("from"))
            if not isinstance(rule, str):
                raise self.fail(f"{where} rrule", 'must be text like "FREQ=WEEKLY;BYDAY=FR"')
            check_rrule(rule, start, lambda msg: self.fail(f"{where} rrule", msg))
            return cover(first=start, rrule=rule.strip().removeprefix("RRULE:"))
        first = None if "from" not in entry else self.date(f"{where} from", field("from"))
        last = None if "to" not in entry else self.date(f"{where} to", field("to"))
        if first is not None and last is not None and last < first:
            raise self.fail(f"{where} to", f"{last} is before from ({first}); swap them")
        if "days" in entry:
            days = field("days")
            try:
                keys = parse_days(",".join(days) if isinstance(days, list) else days)
            except ValueError as e:
                raise self.fail(f"{where} days", str(e)) from None
            if not keys:
                raise self.fail(f"{where} days", 'names no day; use e.g. "mon-fri"')
            return cover(days=tuple(DAYS.index(k) for k in keys), first=first, last=last)
        if "date" in entry:
            return cover(first=self.date(f"{where} date", field("date")))
        if first is None:
            raise self.fail(
                where, "needs days = ..., date = YYYY-MM-DD, from = ... to = ..., or rrule = ..."
            )
        return cover(first=first, last=last or first)

    def cover_overlap(self, spec: Spec) -> None:
        """Refuse two covers whose windows share any instant, naming both."""
        for (a, first), (b, second) in itertools.combinations(enumerate(spec.cover, 1), 2):
            start, end = _overlap_horizon(first, second)
            pair = spec._replace(cover=(first, second))
            found = cover_overlap(pair, start, end) if start < end else None
            if found is not None:
                # Two weekly covers without dates meet every week: the date checked is any one.
                weekly = first.first is None and second.first is None
                when = (
                    f"on {found.at:%A}s at {found.at:%H:%M}"
                    if weekly
                    else f"{found.at:%A %d %B %Y at %H:%M}"
                )
                raise self.fail(
                    f"[[cover]] #{a} and #{b}",
                    f"{first.name} and {second.name} both cover {when}; one person covers at a "
                    "time: change the days, dates or hours of one",
                )

    def cover_numbers(self, spec: Spec, autoreply: Autoreply | None) -> None:
        """Refuse a cover number that is the business's own Twilio number."""
        phone = autoreply.phone if autoreply else None
        if phone is None:
            return
        own = {phone.number, (phone.whatsapp or "").removeprefix("whatsapp:")}
        for n, c in enumerate(spec.cover, 1):
            if c.number in own:
                raise self.fail(
                    f"[[cover]] #{n} number",
                    f"{c.number} is your own Twilio number ([autoreply.phone]); give the phone "
                    f"{c.name} answers",
                )

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

    def amount(self, where: str, value: float) -> None:
        from hours.parsing import check_amount

        try:
            check_amount(value, value)
        except ValueError as e:
            raise self.fail(where, str(e)) from None

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
            self.amount(f"[[earnings.compare]] #{n} hourly", hourly)
            compare.append(CompareRate(label.strip(), float(hourly)))
        if not given:
            return None
        key, amount = given[0]
        if not _positive(amount):
            raise self.fail(f"[earnings] {key}", f"{amount!r}: earnings must be a positive number")
        self.amount(f"[earnings] {key}", amount)
        period = {"weekly": "week", "monthly": "month", "yearly": "year"}[key]
        code = currency.strip().upper() if currency is not None else None
        return Earnings(float(amount), period, code, tuple(compare))


def _overlap_horizon(a: Cover, b: Cover) -> tuple[dt.date, dt.date]:
    """Return the dates [start, end) on which two covers can first share an instant, if ever."""
    one = dt.timedelta(days=1)
    for c in (a, b):
        if c.rrule is None and not c.days:  # dated: only its own dates, and the night after
            assert c.first is not None
            return c.first, (c.last or c.first) + 2 * one
    starts = [c.first for c in (a, b) if c.first is not None]
    ends = [c.last for c in (a, b) if c.last is not None]
    start = max(starts, default=ANY_MONDAY)
    span = RRULE_HORIZON if a.rrule or b.rrule else 9 * one
    return start, min([start + span, *(e + 2 * one for e in ends)])


def _positive(value: Any) -> bool:
    """Tell whether `value` is a number above 0 (a bool is not; nan and infinity are not)."""
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
    from hours import contacts
    from hours.money import territory_of_zone

    for country in (
        cfg.holidays.country if cfg.holidays else None,
        territory_of_zone(cfg.timezone),
    ):
        if country is None:
            continue
        try:
            return contacts.check_region(country)
        except contacts.ContactsError:
            continue  # a holidays country phone numbers do not have: try the zone's
    return None


def check_rrule(rule: str, start: dt.date, fail: Callable[[str], Exception]) -> str:
    """Return `rule` without `RRULE:`, or raise fail(message) unless a closure can recur by it."""
    from hours.parsing import check_closure_rrule

    try:
        return check_closure_rrule(rule, start)
    except ValueError as e:
        raise fail(str(e)) from None


def validate_timezone(name: str) -> str:
    """Return `name` if it is a known IANA time zone, else raise ValueError saying so."""
    if not _zone_exists(name):
        raise ValueError(f"{name!r} is not a known time zone; use an IANA name like Europe/London")
    return name


# How long an edit waits for another one to finish before giving up.
EDIT_LOCK_WAIT = 10.0


def edit(
    path: Path, change: Callable[[tomlkit.TOMLDocument], None], *, timezone: str | None = None
) -> Config:
    """Apply `change` to the config document, validate the result, and only then write it.

    The user's comments and layout are kept (tomlkit). With no file yet, the change starts
    from the built-in default in `timezone` (or the machine's zone). The file is read, changed
    and written under its edit lock, so two edits at once each see the other's result.
    """
    import tomlkit

    with edit_lock(path):
        if path.exists() or path.is_symlink():
            text = read_text(path)
            parse(text, path, from_file=True)  # refuse to edit a file that does not load
        else:
            text = default_text(timezone or guess_timezone())
        doc = tomlkit.parse(text)
        change(doc)
        new_text = tomlkit.dumps(doc)
        config = parse(new_text, path)
        save_text(path, new_text)
    return config


def lock_path(path: Path) -> Path:
    """Return the edit lock of the config at `path`: a hidden file beside the file it names."""
    target = Path(os.path.realpath(path))
    return target.with_name(f".{target.name}.lock")


@contextlib.contextmanager
def edit_lock(path: Path, wait: float = EDIT_LOCK_WAIT) -> Iterator[None]:
    """Hold the config's edit lock (flock on `lock_path`), waiting up to `wait` seconds for it.

    The config itself cannot be locked: an edit replaces it with a new file, and a lock on the
    old one would keep no one out. The lock file stays; removing it would let a third edit lock
    a new one while a second still waits on the old.
    """
    import fcntl
    import time

    lock = lock_path(path)
    try:
        lock.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except PermissionError:
        # Where the lock cannot be made, the config could not be written either.
        raise ConfigError(
            f"cannot write {path}: permission denied; check that you own {lock.parent}"
        ) from None
    except OSError as e:
        raise ConfigError(f"cannot lock {path} for editing: {lock}: {e.strerror}") from None
    try:
        give_up = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    raise ConfigError(
                        f"{path} is being edited by another hours (it holds {lock}) for more "
                        f"than {wait:g} s; try again"
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing releases the lock


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
