"""Public holidays from the `holidays` package, cached in the state directory.

Importing `holidays` costs more than the rest of `hours status` together, so the dates a
schedule needs are kept in a small text file, keyed by country, subdivision and the installed
package, and the package is imported only when the cache misses. The file is lines of tab-
separated fields, read with str.split: even importing json would add to every start.

A calendar closes on its country's public holidays, less those kept open, and on the holidays
of its other categories (optional, bank, government, ...) that are included by name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hours.errors import ConfigError
from hours.files import write_atomic

_LANGUAGE = "en_US"  # names users can type in keep_open, where the calendar has them
PUBLIC = "public"  # the package's category of holidays that close by default
# The cache's first line: its format, then the years it holds, then the package it came from.
_CACHE_HEADER = "hours holidays 3"


def _fingerprint() -> str:
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        raise ConfigError("the holidays package is not installed; reinstall hours")
    return f"{spec.origin}:{os.stat(spec.origin).st_mtime_ns}"


def _calendar(
    country: str, subdivision: str | None, years: Sequence[int], category: str = PUBLIC
) -> Any:
    """Return the holidays package's calendar, or raise ConfigError naming what is unknown."""
    import holidays

    countries = holidays.list_supported_countries()
    if country not in countries:
        raise ConfigError(
            f"[holidays] country: {country!r} is not a supported country code; "
            "use an ISO 3166-1 alpha-2 code like GB, US or CA (`hours holidays --countries`)"
        )
    if subdivision is not None and subdivision not in countries[country]:
        known = ", ".join(countries[country]) or "none"
        raise ConfigError(
            f"[holidays] subdivision: {subdivision!r} is not a subdivision of {country}; "
            f"use one of: {known}"
        )
    cls = type(holidays.country_holidays(country, subdiv=subdivision))
    native = str(getattr(cls, "default_language", "") or "")
    supported = getattr(cls, "supported_languages", ())
    # Keep a calendar's own English (en_GB, en_CA); translate others to English where it can.
    language = None if native.startswith("en") or _LANGUAGE not in supported else _LANGUAGE
    return holidays.country_holidays(
        country, subdiv=subdivision, years=years, language=language, categories=(category,)
    )


def _categories(country: str, subdivision: str | None) -> tuple[str, ...]:
    """Return the categories the country's calendar knows, public first."""
    import holidays

    validate(country, subdivision)
    cls = type(holidays.country_holidays(country, subdiv=subdivision))
    others = sorted(set(getattr(cls, "supported_categories", ())) - {PUBLIC})
    return (PUBLIC, *others)


def validate(country: str, subdivision: str | None) -> None:
    """Raise ConfigError unless the country and subdivision are known to the package."""
    _calendar(country, subdivision, [])


def countries() -> dict[str, list[str]]:
    """Return the supported country codes and their subdivisions."""
    import holidays

    return dict(holidays.list_supported_countries())


# One holiday of a calendar: its date, name and category (public, optional, bank, ...). A plain
# tuple: `hours status` reads a few hundred from the cache at every start.
Holiday = tuple[dt.date, str, str]


class HolidayCalendar:
    """Closing holidays for one country and subdivision, year by year, through the cache."""

    def __init__(
        self,
        country: str,
        subdivision: str | None,
        keep_open: Sequence[str],
        cache_dir: Path | None,
        include: Sequence[str] = (),
    ) -> None:
        self.country = country
        self.subdivision = subdivision
        self.keep_open = {k.casefold() for k in keep_open}
        self.include = {k.casefold() for k in include}
        name = f"holidays-{country}-{subdivision or 'all'}.tsv"
        self.cache_file = cache_dir / name if cache_dir else None
        self._years: dict[int, list[Holiday]] | None = None

    def entries(self, year: int) -> list[Holiday]:
        """Return every holiday of `year` in every category, closing or not, by date."""
        return list(self._year(year))

    def closes(self, holiday: Holiday) -> bool:
        """Tell whether `holiday` closes the business: public and not kept open, or included."""
        _, name, category = holiday
        if category == PUBLIC:
            return name.casefold() not in self.keep_open
        return name.casefold() in self.include

    def __call__(self, year: int) -> list[tuple[dt.date, str]]:
        """Return the holidays of `year` that close the business."""
        by_date: dict[dt.date, list[str]] = {}
        for h in self._year(year):
            day, name, _ = h
            if self.closes(h) and name not in by_date.get(day, []):
                by_date.setdefault(day, []).append(name)
        return [(day, "; ".join(names)) for day, names in sorted(by_date.items())]

    def _year(self, year: int) -> list[Holiday]:
        if self._years is None:
            self._years = self._read_cache()
        if year not in self._years:
            self._fill(year)
        return self._years[year]

    def _read_cache(self) -> dict[int, list[Holiday]]:
        if self.cache_file is None:
            return {}
        try:
            head, *lines = self.cache_file.read_text(encoding="utf-8").splitlines()
            header, years, fingerprint = head.split("\t")
            if header != _CACHE_HEADER or fingerprint != _fingerprint():
                return {}
            out: dict[int, list[Holiday]] = {int(y): [] for y in years.split()}
            for line in lines:
                day, category, name = line.split("\t")
                date = dt.date.fromisoformat(day)
                out[date.year].append((date, name, category))
            return out
        except (OSError, ValueError, KeyError, UnicodeDecodeError):
            return {}  # a missing or damaged cache is only slower

    def _fill(self, year: int) -> None:
        assert self._years is not None
        # Fetch a few years at once: queries move forward, and the import is the cost.
        wanted = [y for y in range(year - 1, year + 3) if y not in self._years]
        found: dict[int, list[Holiday]] = {y: [] for y in wanted}
        public: set[tuple[dt.date, str]] = set()
        for category in _categories(self.country, self.subdivision):
            calendar = _calendar(self.country, self.subdivision, wanted, category)
            for day, names in sorted(calendar.items()):
                for name in str(names).split("; "):
                    if category == PUBLIC:
                        public.add((day, name))
                    elif (day, name) in public:
                        continue  # a public holiday that is also, say, optional is public
                    if day.year in found:
                        found[day.year].append((day, name, category))
        for y, days in found.items():
            self._years[y] = sorted(days, key=lambda h: (h[0], h[2] != PUBLIC))
        if self.cache_file is not None:
            years = " ".join(str(y) for y in sorted(self._years))
            lines = [f"{_CACHE_HEADER}\t{years}\t{_fingerprint()}"]
            for y in sorted(self._years):
                lines += [f"{d.isoformat()}\t{c}\t{_one_line(n)}" for d, n, c in self._years[y]]
            # The state directory may be read-only; the cache is only an optimisation.
            with contextlib.suppress(OSError):
                write_atomic(self.cache_file, "\n".join(lines) + "\n", mode=0o600)


def _one_line(name: str) -> str:
    """Return a holiday's name as one field of a line of the cache."""
    return " ".join(name.replace("\t", " ").split())
