"""The weekly availability report: the WeekReport value, its builder, and what renderers share.

The value holds instants; the renderers say them. The JSON document and the sentences every
format shares are here; each format has a module: `text` (the terminal, with rich), `markdown`,
`html`, `svg`; the week's events come from `hours.calendar`. This module imports only the
schedule and `hours.money`; only the renderers may import rich (never click).

A report is shown in one zone (the config's, or a client's with --tz): its seven days are the
ISO week's dates in that zone, and an interval that crosses midnight there is split between
the two days, so the days' hours add up to the week's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hours.humanize import hours as hours_text
from hours.schedule import Schedule

CHANNELS = ("email", "sms", "voice", "whatsapp")
CHANNEL_NAMES = {"email": "email", "sms": "SMS", "voice": "voice", "whatsapp": "WhatsApp"}
CELL_MINUTES = 30  # the grid's resolution: half hours (the text grid uses hours when narrow)
HOURS_PER_WEEK = 168.0
FORMATS = ("text", "markdown", "html", "svg", "json", "ics")
EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".svg": "svg",
    ".json": "json",
    ".ics": "ics",
}
UTC = dt.UTC
DASH = "\u2013"  # the en dash between two times, as in 09:00-17:00 typeset


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of one day, as instants in the report's zone: open time or a closure."""

    start: dt.datetime
    end: dt.datetime
    reason: str | None = None

    @property
    def hours(self) -> float:
        """Return the elapsed hours (a night that gains an hour counts it)."""
        return (self.end.timestamp() - self.start.timestamp()) / 3600


@dataclass(frozen=True, slots=True)
class Day:
    """One date of the week in the report's zone: its open spans, closures, cover and notes."""

    date: dt.date
    open: tuple[Span, ...]
    closures: tuple[Span, ...]  # each clipped to the day, with its reason
    notes: tuple[str, ...] = ()  # why the day has extra hours
    cover: tuple[Span, ...] = ()  # who takes the line while closed: the reason is their name

    @property
    def hours(self) -> float:
        """Return the day's open hours."""
        return sum(s.hours for s in self.open)

    @property
    def cover_hours(self) -> float:
        """Return the day's hours that someone covers (closed hours, not yours to work)."""
        return sum(s.hours for s in self.cover)

    @property
    def closed_reason(self) -> str | None:
        """Return the reasons of the closures and holidays on this day, or None."""
        reasons = list(dict.fromkeys(s.reason for s in self.closures if s.reason))
        return "; ".join(reasons) or None

    def open_cells(self, cell_minutes: int = CELL_MINUTES) -> tuple[float, ...]:
        """Return, for each cell of the wall clock (a half hour), the fraction of it open."""
        return _cells(self.date, self.open, cell_minutes)

    def closed_cells(self, cell_minutes: int = CELL_MINUTES) -> tuple[float, ...]:
        """Return, for each cell of the wall clock (a half hour), the fraction a closure takes."""
        return _cells(self.date, self.closures, cell_minutes)

    def closed_union(self) -> tuple[Span, ...]:
        """Return the time the day's closures take, overlapping ones merged, reasons joined.

        A holiday inside a vacation is one stretch of closed time: drawn once, it shows in one
        shade rather than in as many as there are closures on top of each other.
        """
        merged: list[tuple[dt.datetime, dt.datetime, list[str]]] = []
        for s in sorted(self.closures, key=lambda s: (s.start, s.end)):
            if merged and s.start <= merged[-1][1]:
                start, end, reasons = merged[-1]
                merged[-1] = (start, max(end, s.end), reasons)
            else:
                merged.append((s.start, s.end, []))
            reasons = merged[-1][2]
            if s.reason and s.reason not in reasons:
                reasons.append(s.reason)
        return tuple(Span(a, z, "; ".join(reasons) or None) for a, z, reasons in merged)

    def cover_cells(self, cell_minutes: int = CELL_MINUTES) -> tuple[float, ...]:
        """Return, for each cell of the wall clock (a half hour), the fraction someone covers."""
        return _cells(self.date, self.cover, cell_minutes)


@dataclass(frozen=True, slots=True)
class Pay:
    """The week's hourly wage: the weekly earnings over the week's hours and its open hours."""

    currency: str
    weekly_earnings: float
    always_on: float
    actual: float | None  # None in a week with no open hours


@dataclass(frozen=True, slots=True)
class WeekReport:
    """One ISO week of availability, in one zone."""

    title: str
    year: int
    week: int
    timezone: str
    days: tuple[Day, ...]
    pay: Pay | None
    autoreplies: tuple[tuple[str, int], ...]
    length: float = HOURS_PER_WEEK  # elapsed hours: 167 or 169 in a week the clocks change
    for_clients: bool = False  # the sheet clients see: no wage, no auto-replies

    @property
    def label(self) -> str:
        """Return the ISO week, like 2026-W48."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def zone(self) -> ZoneInfo:
        """Return the zone the report is shown in."""
        return ZoneInfo(self.timezone)

    @property
    def total_hours(self) -> float:
        """Return the week's open hours."""
        return sum(d.hours for d in self.days)

    @property
    def free_hours(self) -> float:
        """Return the hours of the week left closed."""
        return max(self.length - self.total_hours, 0.0)

    @property
    def cover_hours(self) -> float:
        """Return the week's hours that someone covers."""
        return sum(d.cover_hours for d in self.days)

    def cover_by_name(self) -> tuple[tuple[str, float], ...]:
        """Return each cover's hours this week, in the order they first cover."""
        found: dict[str, float] = {}
        for d in self.days:
            for s in d.cover:
                found[str(s.reason)] = found.get(str(s.reason), 0.0) + s.hours
        return tuple(found.items())

    @property
    def first(self) -> dt.date:
        """Return the Monday."""
        return self.days[0].date

    @property
    def last(self) -> dt.date:
        """Return the Sunday."""
        return self.days[-1].date

    def dates_text(self) -> str:
        """Say the week's dates: "23-29 November 2026", "30 November - 6 December 2026"."""
        a, z = self.first, self.last
        if a.year != z.year:
            return f"{a.day} {a:%B %Y} {DASH} {z.day} {z:%B %Y}"
        if a.month != z.month:
            return f"{a.day} {a:%B} {DASH} {z.day} {z:%B %Y}"
        return f"{a.day}{DASH}{z.day} {z:%B %Y}"

    @property
    def closures(self) -> tuple[tuple[Day, Span], ...]:
        """Return every day's closures, in order."""
        return tuple((d, s) for d in self.days for s in d.closures)


def week_of(value: dt.date) -> tuple[int, int]:
    """Return the ISO (year, week) of a date."""
    iso = value.isocalendar()
    return iso.year, iso.week


def weeks_in_year(year: int) -> int:
    """Return how many ISO weeks `year` has (52 or 53)."""
    return dt.date(year, 12, 28).isocalendar().week


def parse_week(text: str) -> tuple[int, int]:
    """Parse an ISO week like 2026-W48 (or 2026W48); raise ValueError saying what is allowed."""
    raw = text.strip().upper().replace("W", "-W").replace("--", "-")
    year_text, _, week_text = raw.partition("-W")
    if not (year_text.isdigit() and len(year_text) == 4 and week_text.isdigit()):
        raise ValueError(f"{text!r} is not an ISO week; use YYYY-Www, like 2026-W48")
    year, week = int(year_text), int(week_text)
    if not 1 <= week <= weeks_in_year(year):
        raise ValueError(
            f"{text!r} is not a week of {year}: it has weeks 1 to {weeks_in_year(year)}"
        )
    return year, week


def midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """Return the start of a date in a zone, as an instant in UTC."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def minutes(day: dt.date, at: dt.datetime) -> int:
    """Return the wall-clock minute of `at` counted from the start of `day` (1440 = next midnight)."""
    return (at.date() - day).days * 1440 + at.hour * 60 + at.minute


def clock(day: dt.date, at: dt.datetime) -> str:
    """Say the wall-clock time of `at` on `day`, the next midnight as 24:00."""
    m = minutes(day, at)
    return "24:00" if m >= 1440 else f"{at:%H:%M}"


def span_text(day: dt.date, span: Span, dash: str = DASH) -> str:
    """Say a span of a day: "09:00-17:00"."""
    return f"{clock(day, span.start)}{dash}{clock(day, span.end)}"


def _cells(day: dt.date, spans: Sequence[Span], size: int) -> tuple[float, ...]:
    count = 1440 // size
    cells = [0.0] * count
    for s in spans:
        a = max(minutes(day, s.start), 0)
        z = min(max(minutes(day, s.end), a), 1440)
        for k in range(a // size, min((z + size - 1) // size, count)):
            lo, hi = k * size, (k + 1) * size
            cells[k] = min(cells[k] + max(min(z, hi) - max(a, lo), 0) / size, 1.0)
    return tuple(cells)


def _clip(
    spans: Sequence[tuple[dt.datetime, dt.datetime, str | None]],
    lo: dt.datetime,
    hi: dt.datetime,
    zone: ZoneInfo,
) -> tuple[Span, ...]:
    out = []
    for s, e, reason in spans:
        a, z = max(s.astimezone(UTC), lo), min(e.astimezone(UTC), hi)
        if a < z:
            out.append(Span(a.astimezone(zone), z.astimezone(zone), reason))
    return tuple(out)


def build(
    schedule: Schedule,
    year: int,
    week: int,
    *,
    zone: ZoneInfo | None = None,
    title: str = "",
    earnings: tuple[float, str] | None = None,
    autoreplies: Mapping[str, int] | None = None,
    for_clients: bool = False,
) -> WeekReport:
    """Build the report of ISO week `week` of `year`, shown in `zone` (default: the schedule's).

    `earnings` is (weekly amount, currency); `autoreplies` the replies sent that week per channel.
    A report `for_clients` holds neither: they are the practitioner's business; nor who covers
    when (a name and an arrangement of the practitioner's).
    """
    zone = zone or schedule.zone
    monday = dt.date.fromisocalendar(year, week, 1)
    dates = [monday + dt.timedelta(days=i) for i in range(7)]
    bounds = [midnight(d, zone) for d in [*dates, monday + dt.timedelta(days=7)]]
    intervals = [(s, e, None) for s, e in schedule.open_intervals(bounds[0], bounds[-1])]
    covered = [
        (s, e, c.name)
        for s, e, c in ([] if for_clients else schedule.cover_intervals(bounds[0], bounds[-1]))
    ]
    # Closures are kept by the schedule's local dates; a day of margin covers any zone shift.
    local = schedule.zone
    first = bounds[0].astimezone(local).date() - dt.timedelta(days=1)
    last = bounds[-1].astimezone(local).date() + dt.timedelta(days=2)
    closures: list[tuple[dt.datetime, dt.datetime, str | None]] = list(
        schedule.closures(first, last)
    )
    openings = [
        (schedule.localize(o.date, r.start), schedule.localize(o.date, r.span()[1]), o.reason)
        for o in schedule.spec.open
        if o.reason and first <= o.date <= last
        for r in o.ranges
    ]
    days = []
    for i, day in enumerate(dates):
        lo, hi = bounds[i], bounds[i + 1]
        open_spans = _clip(intervals, lo, hi, zone)
        # An extra opening is worth a note only where it is open (no closure took it).
        notes = tuple(
            dict.fromkeys(
                str(o.reason)
                for o in _clip(openings, lo, hi, zone)
                if any(s.start < o.end and o.start < s.end for s in open_spans)
            )
        )
        days.append(
            Day(day, open_spans, _clip(closures, lo, hi, zone), notes, _clip(covered, lo, hi, zone))
        )
    total = sum(d.hours for d in days)
    length = (bounds[-1] - bounds[0]).total_seconds() / 3600  # UTC instants: elapsed time
    pay = None
    if earnings is not None and not for_clients:
        weekly, currency = earnings
        pay = Pay(currency, weekly, weekly / length, weekly / total if total > 0 else None)
    counts = dict.fromkeys(CHANNELS, 0) | dict(autoreplies or {})
    return WeekReport(
        title=title,
        year=year,
        week=week,
        timezone=zone.key,
        days=tuple(days),
        pay=pay,
        autoreplies=() if for_clients else tuple((c, int(counts[c])) for c in CHANNELS),
        length=length,
        for_clients=for_clients,
    )


def week_bounds(year: int, week: int, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Return the instants the ISO week starts and ends at in `zone`."""
    monday = dt.date.fromisocalendar(year, week, 1)
    return midnight(monday, zone), midnight(monday + dt.timedelta(days=7), zone)


def format_for(path: str) -> str | None:
    """Return the format a file name's extension asks for, or None."""
    dot = path.rfind(".")
    return EXTENSIONS.get(path[dot:].lower()) if dot > path.rfind("/") else None


# -- small renderers ---------------------------------------------------------------------


def to_json(r: WeekReport) -> dict[str, object]:
    """Return the JSON document of `hours report --format json` (SPEC section 4).

    For clients the wage (`hourly`) and the auto-reply counts are left out, and `for` and
    `headline` say whom the document is for.
    """
    doc: dict[str, object] = {
        "week": r.label,
        "timezone": r.timezone,
        "days": [
            {
                "date": d.date.isoformat(),
                "intervals": [
                    [s.start.isoformat(timespec="seconds"), s.end.isoformat(timespec="seconds")]
                    for s in d.open
                ],
                "hours": round(d.hours, 2),
                "closed_reason": d.closed_reason,
                "cover": [
                    [
                        s.start.isoformat(timespec="seconds"),
                        s.end.isoformat(timespec="seconds"),
                        s.reason,
                    ]
                    for s in d.cover
                ],
                "cover_hours": round(d.cover_hours, 2),
            }
            for d in r.days
        ],
        "total_hours": round(r.total_hours, 2),
        "cover_hours": round(r.cover_hours, 2),
    }
    if r.for_clients:
        return doc | {"for": "clients", "headline": headline(r)}
    return doc | {
        "hourly": None
        if r.pay is None
        else {
            "24/7": round(r.pay.always_on, 2),
            "actual": None if r.pay.actual is None else round(r.pay.actual, 2),
        },
        "autoreplies": dict(r.autoreplies),
    }


def day_label(day: dt.date) -> str:
    """Say a date short: "Mon 23 Nov"."""
    return f"{day:%a} {day.day:2d} {day:%b}"


def day_hours(d: Day) -> str:
    """Say a day's open spans: "09:00-12:00, 13:00-17:00", or "closed"."""
    return ", ".join(span_text(d.date, s) for s in d.open) or "closed"


def closure_notes(d: Day) -> list[str]:
    """Say a day's closures: "Christmas Day", "Early close (15:00-24:00)"."""
    spans: dict[str, list[str]] = {}  # reason -> its spans that day; "" for the whole day
    for s in d.closures:
        whole = minutes(d.date, s.start) == 0 and minutes(d.date, s.end) >= 1440
        spans.setdefault(str(s.reason), []).append("" if whole else span_text(d.date, s))
    out = []
    for reason, texts in spans.items():
        parts = [t for t in texts if t]
        out.append(
            f"{reason} ({', '.join(parts)})" if parts and len(parts) == len(texts) else reason
        )
    return out


def cover_notes(d: Day) -> list[str]:
    """Say who covers on a day: "Jo covers 18:00-22:00"."""
    spans: dict[str, list[str]] = {}
    for s in d.cover:
        spans.setdefault(str(s.reason), []).append(span_text(d.date, s))
    return [f"{name} covers {', '.join(texts)}" for name, texts in spans.items()]


def opening_notes(d: Day) -> list[str]:
    """Say why a day has extra hours: "Holiday rush (extra hours)"."""
    return [f"{n} (extra hours)" for n in d.notes]


def day_notes(d: Day) -> list[str]:
    """Say a day's closures, then its extra openings, then who covers."""
    return closure_notes(d) + opening_notes(d) + cover_notes(d)


def wage_sentence(r: WeekReport) -> str | None:
    """Say the week's real hourly wage, or None when no earnings are set."""
    from hours.money import money

    if r.pay is None:
        return None
    p = r.pay
    always = money(p.always_on, p.currency)
    if p.actual is None:
        return f"No open hours this week; available 24/7 {money(p.weekly_earnings, p.currency)} a week pays {always} an hour."
    return f"Real hourly wage this week: {money(p.actual, p.currency)} — available 24/7 it would be {always}."


def totals_sentence(r: WeekReport) -> str:
    """Say the week's open hours and, to the practitioner, the hours left over."""
    if r.for_clients:
        return f"Open {hours_text(r.total_hours)} hours this week."
    return (
        f"Open {hours_text(r.total_hours)} hours of {hours_text(r.length)} this week — "
        f"{hours_text(r.free_hours)} are yours."
    )


def cover_sentence(r: WeekReport) -> str | None:
    """Say the hours others cover this week, or None when nobody does."""
    by_name = r.cover_by_name()
    if not by_name:
        return None
    each = ", ".join(f"{name} {hours_text(h)}" for name, h in by_name)
    return f"Covered while you are closed: {hours_text(r.cover_hours)} hours ({each})."


def autoreply_sentence(r: WeekReport) -> str:
    """Say the auto-replies sent, per channel."""
    parts = " · ".join(f"{CHANNEL_NAMES[c]} {n}" for c, n in r.autoreplies)
    return f"Auto-replies sent: {parts}"


def headline(r: WeekReport) -> str:
    """Say whose hours these are: "Sam's Nails", or for clients "When you can reach Sam's Nails"."""
    if r.for_clients:
        return f"When you can reach {r.title or 'me'}"
    return r.title or "Opening hours"


def heading(r: WeekReport) -> str:
    """Say what the report is: "Sam's Nails — week 48, 23-29 November 2026"."""
    return f"{headline(r)} — week {r.week}, {r.dates_text()}"
