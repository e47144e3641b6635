"""Public holidays from the `holidays` package, cached in the state directory.

Importing `holidays` costs more than the rest of `hours status` together, so the dates a
schedule needs are kept in a small JSON file, keyed by country, subdivision and the installed
package, and the package is imported only when the cache misses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hours.errors import ConfigError
from hours.files import write_atomic

_LANGUAGE = "en_US"  # names users can type in keep_open, where the calendar has them


def _fingerprint() -> str:
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        raise ConfigError("the holidays package is not installed; reinstall hours")
    return f"{spec.origin}:{os.stat(spec.origin).st_mtime_ns}"


def _calendar(country: str, subdivision: str | None, years: Sequence[int]) -> Any:
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
    return holidays.country_holidays(country, subdiv=subdivision, years=years, language=language)


def validate(country: str, subdivision: str | None) -> None:
    """Raise ConfigError unless the country and subdivision are known to the package."""
    _calendar(country, subdivision, [])


def countries() -> dict[str, list[str]]:
    """Return the supported country codes and their subdivisions."""
    import holidays

    return dict(holidays.list_supported_countries())


class HolidayCalendar:
    """Closing holidays for one country and subdivision, year by year, through the cache."""

    def __init__(
        self,
        country: str,
        subdivision: str | None,
        keep_open: Sequence[str],
        cache_dir: Path | None,
    ) -> None:
        self.country = country
        self.subdivision = subdivision
        self.keep_open = {k.casefold() for k in keep_open}
        name = f"holidays-{country}-{subdivision or 'all'}.json"
        self.cache_file = cache_dir / name if cache_dir else None
        self._years: dict[int, list[tuple[dt.date, str]]] | None = None

    def all_names(self, year: int) -> list[tuple[dt.date, str]]:
        """Return every holiday of `year`, kept-open ones included."""
        return list(self._year(year))

    def __call__(self, year: int) -> list[tuple[dt.date, str]]:
        """Return the holidays of `year` that close the business."""
        out = []
        for day, names in self._year(year):
            left = [n for n in names.split("; ") if n.casefold() not in self.keep_open]
            if left:
                out.append((day, "; ".join(left)))
        return out

    def _year(self, year: int) -> list[tuple[dt.date, str]]:
        if self._years is None:
            self._years = self._read_cache()
        if year not in self._years:
            self._fill(year)
        return self._years[year]

    def _read_cache(self) -> dict[int, list[tuple[dt.date, str]]]:
        if self.cache_file is None:
            return {}
        try:
            data = json.loads(self.cache_file.read_text())
            if data.get("fingerprint") != _fingerprint():
                return {}
            return {
                int(y): [(dt.date.fromisoformat(d), n) for d, n in days]
                for y, days in data["years"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # a missing or damaged cache is only slower

    def _fill(self, year: int) -> None:
        assert self._years is not None
        # Fetch a few years at once: queries move forward, and the import is the cost.
        wanted = [y for y in range(year - 1, year + 3) if y not in self._years]
        calendar = _calendar(self.country, self.subdivision, wanted)
        for y in wanted:
            self._years[y] = []
        for day, name in sorted(calendar.items()):
            if day.year in self._years:
                self._years[day.year].append((day, str(name)))
        if self.cache_file is not None:
            payload = {
                "fingerprint": _fingerprint(),
                "years": {
                    str(y): [[d.isoformat(), n] for d, n in days] for y, days in self._years.items()
                },
            }
            # The state directory may be read-only; the cache is only an optimisation.
            with contextlib.suppress(OSError):
                write_atomic(self.cache_file, json.dumps(payload), mode=0o600)
