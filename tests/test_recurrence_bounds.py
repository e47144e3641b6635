"""Recurring closures and imported events stay bounded: a closure recurs at most daily, a rule
that never falls on a date is refused, expansion costs what the window costs, and one import
reads at most MAX_IMPORT_OCCURRENCES occurrences, merging those that touch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from hours import config
from hours.calendar import MAX_IMPORT_OCCURRENCES
from hours.clikit import build_schedule
from hours.parsing import _finds_promptly, check_closure_rrule, rrule_parts
from hours.schedule import rephase
from tests.helpers import run, snapshot, write_config

CONFIG = 'timezone = "Europe/London"\n[week]\nmon = "09:00-17:00"\ntue = "09:00-17:00"\n'
EVERY = "Invalid value for '--every'"

# (rule, what the error says after the rule)
REFUSED = [
    (
        "FREQ=SECONDLY",
        " repeats more often than daily; closures and covers recur by the day "
        "(FREQ=DAILY, WEEKLY, MONTHLY or YEARLY), their hours given apart",
    ),
    (
        "FREQ=MINUTELY",
        " repeats more often than daily; closures and covers recur by the day "
        "(FREQ=DAILY, WEEKLY, MONTHLY or YEARLY), their hours given apart",
    ),
    (
        "FREQ=HOURLY;INTERVAL=5",
        " repeats more often than daily; closures and covers recur by the day "
        "(FREQ=DAILY, WEEKLY, MONTHLY or YEARLY), their hours given apart",
    ),
    (
        "FREQ=DAILY;BYHOUR=9",
        ": closures and covers recur by the day, so BYHOUR does not apply; give their hours apart",
    ),
    (
        "FREQ=WEEKLY;BYMINUTE=5",
        ": closures and covers recur by the day, so BYMINUTE does not apply; give their hours "
        "apart",
    ),
    (
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        " falls on no date from 2026-01-09 on (a day that does not exist, like 30 February?)",
    ),
    (
        "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
        " falls on no date from 2026-01-09 on (a day that does not exist, like 30 February?)",
    ),
    (
        "FREQ=DAILY;UNTIL=20251231",
        " falls on no date from 2026-01-09 on (its UNTIL (20251231) comes first?)",
    ),
    (
        # Every seventh day from a Friday is a Friday: never a Monday, though each part is fine.
        "FREQ=DAILY;INTERVAL=7;BYDAY=MO",
        " falls on no date from 2026-01-09 on (a day that does not exist, like 30 February?)",
    ),
    (
        "FREQ=SOMETIMES",
        " is not an RRULE (invalid 'FREQ': SOMETIMES); use e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
    ),
]


@pytest.mark.parametrize(("rule", "why"), REFUSED, ids=[r for r, _ in REFUSED])
def test_off_every_refuses_a_rule_a_closure_cannot_take_naming_the_option(
    tmp_path: Path, rule: str, why: str
) -> None:
    write_config(CONFIG)
    before = snapshot(tmp_path)
    result = run("off", "2026-01-09", "--every", rule)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {EVERY}: {rule!r}{why}. See 'hours off --help'.\n"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("rule", "why"), REFUSED, ids=[r for r, _ in REFUSED])
def test_the_same_rule_in_the_file_is_a_config_error(rule: str, why: str) -> None:
    path = write_config(CONFIG + f'[[closed]]\nrrule = "{rule}"\nstart = 2026-01-09\n')
    result = run("status")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"Error: {path}: [[closed]] #1 rrule: {rule!r}{why}\n"


def test_a_daily_or_weekly_rule_is_taken_and_stored_without_its_prefix() -> None:
    path = write_config(CONFIG)
    result = run("off", "2026-01-09", "--every", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR")
    assert result.exit_code == 0, result.output
    assert 'rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"' in path.read_text()


@settings(max_examples=200, deadline=None)
@given(
    freq=st.sampled_from(["WEEKLY", "MONTHLY", "YEARLY"]),
    interval=st.integers(1, 10_000),
    days=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1),
    start=st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
)
def test_a_rule_checked_without_a_time_limit_finds_its_date_by_its_second_period(
    freq: str, interval: int, days: set[str], start: dt.date
) -> None:
    # The check skips its timed search for these rules: each must find a date at once.
    rule = f"FREQ={freq};INTERVAL={interval};BYDAY={','.join(sorted(days))}"
    assert _finds_promptly(rrule_parts(rule))
    assert check_closure_rrule(rule, start) == rule
    first = rrulestr(rule, dtstart=dt.datetime.combine(start, dt.time())).after(
        dt.datetime.combine(start, dt.time()), inc=True
    )
    assert first is not None
    # The period holding the start may have no such weekday left; the next one does.
    longest = {"WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}[freq]
    assert first.date() - start <= dt.timedelta(days=2 * interval * longest)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;INTERVAL=7;BYDAY=FR",
        "FREQ=MONTHLY;BYDAY=5FR",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYDAY=FR;BYMONTH=2",
    ],
)
def test_a_rule_that_might_match_nothing_is_searched_with_a_time_limit(rule: str) -> None:
    assert not _finds_promptly(rrule_parts(rule))


RULES = st.sampled_from(
    [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=3",
        "FREQ=DAILY;INTERVAL=9;BYDAY=MO,FR",
        "FREQ=WEEKLY;BYDAY=SA",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        "FREQ=WEEKLY;INTERVAL=5",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=WEEKLY;INTERVAL=3;UNTIL=20300101",
        "FREQ=DAILY;COUNT=40",
        "FREQ=MONTHLY;BYDAY=1MO",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    rule=RULES,
    start=st.dates(dt.date(1900, 1, 1), dt.date(2030, 1, 1)),
    offset=st.integers(0, 60_000),
)
def test_a_rule_moved_to_the_window_falls_on_the_same_dates(
    rule: str, start: dt.date, offset: int
) -> None:
    """The schedule starts old daily and weekly rules near the window: the dates are the same."""
    begin = dt.datetime.combine(start, dt.time())
    lo = begin + dt.timedelta(days=offset)
    hi = lo + dt.timedelta(days=400)
    later = rephase(rule, begin, lo)
    assert begin <= later <= max(lo, begin)
    if "COUNT" not in rule and rule.split(";")[0] in ("FREQ=DAILY", "FREQ=WEEKLY"):
        # Moved to within two periods of the window: the walk no longer depends on the start.
        assert (lo - later).days < 2 * 7 * 9 or later == begin
    original = rrulestr(rule, dtstart=begin).between(lo, hi, inc=True)
    moved = rrulestr(rule, dtstart=later).between(lo, hi, inc=True)
    assert moved == original


def test_closures_spanning_centuries_cost_the_window_only() -> None:
    """A daily rule from 1900 and hours closed every day from 1900 to 9000 answer as expected."""
    text = CONFIG + (
        '[[closed]]\nrrule = "FREQ=WEEKLY;BYDAY=TU"\nstart = 1900-01-02\nreason = "Tuesdays"\n'
        '[[closed]]\nfrom = 1900-01-01\nto = 9000-12-31\nhours = "12:00-13:00"\nreason = "Lunch"\n'
    )
    cfg = config.parse(text, Path("config.toml"))
    schedule = build_schedule(cfg)
    london = ZoneInfo("Europe/London")
    monday = dt.datetime(2026, 11, 23, 12, 30, tzinfo=london)
    assert schedule.closed_reason(monday) == "Lunch"
    assert schedule.closed_reason(monday + dt.timedelta(days=1)) == "Tuesdays"
    assert schedule.next_open(monday) == dt.datetime(2026, 11, 23, 13, 0, tzinfo=london)


# -- calendar import -----------------------------------------------------------------------


def one_event(start: str, end: str, extra: str = "", summary: str = "Busy") -> str:
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:one@test\n"
        f"DTSTAMP:20261001T000000Z\nSUMMARY:{summary}\nDTSTART{start}\nDTEND{end}\n{extra}"
        "END:VEVENT\nEND:VCALENDAR\n"
    ).replace("\n", "\r\n")


def test_an_event_every_minute_is_refused_above_the_cap(tmp_path: Path) -> None:
    path = write_config(CONFIG)
    ics = tmp_path / "minutes.ics"
    ics.write_text(one_event(":20261110T100000Z", ":20261110T100100Z", "RRULE:FREQ=MINUTELY\n"))
    result = run("calendar", "import", str(ics), "--at", "2026-11-10T09:00")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {ics} has more than {MAX_IMPORT_OCCURRENCES:,} event occurrences in those "
        "weeks (the event 'Busy' repeats every minute); import fewer weeks with --weeks, or "
        "leave that event out; nothing was changed\n"
    )
    assert path.read_text() == CONFIG


def test_occurrences_that_touch_make_one_closure(tmp_path: Path) -> None:
    """An hourly hour-long event is one closure, the days it fills one whole-day range."""
    write_config(CONFIG)
    ics = tmp_path / "hours.ics"
    ics.write_text(
        one_event(
            ":20261110T200000Z", ":20261110T210000Z", "RRULE:FREQ=HOURLY;UNTIL=20261113T060000Z\n"
        )
    )
    result = run("calendar", "import", str(ics), "--dry-run", "--at", "2026-11-10T09:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Would add 3 closures from {ics}:\n"
        "  2026-11-10, 20:00-24:00: Busy\n"
        "  2026-11-11 to 2026-11-12, all day: Busy\n"
        "  2026-11-13, 00:00-07:00: Busy\n"
    )


def test_an_event_repeating_on_no_date_is_refused_naming_it(tmp_path: Path) -> None:
    write_config(CONFIG)
    ics = tmp_path / "never.ics"
    rule = "FREQ=DAILY;BYMONTHDAY=30;BYMONTH=2"
    ics.write_text(one_event(":20261110T100000Z", ":20261110T110000Z", f"RRULE:{rule}\n", "Leap"))
    result = run("calendar", "import", str(ics), "--at", "2026-11-10T09:00")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {ics}: the event 'Leap' repeats by a rule that falls on no date ({rule}); "
        "nothing was changed\n"
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [(":00010101T000000Z", ":99991231T000000Z"), (";VALUE=DATE:00010101", ";VALUE=DATE:99991231")],
    ids=["timed", "all day"],
)
def test_an_event_from_the_year_1_to_9999_closes_the_window(
    tmp_path: Path, start: str, end: str
) -> None:
    write_config(CONFIG)
    ics = tmp_path / "forever.ics"
    ics.write_text(one_event(start, end))
    result = run("calendar", "import", str(ics), "--weeks", "2", "--at", "2026-11-10T09:00")
    assert (result.exit_code, result.stderr) == (0, "")
    assert (
        result.stdout == f"Added 1 closure from {ics}:\n  2026-11-10 to 2026-11-23, all day: Busy\n"
    )


def test_a_daily_event_from_the_year_1_is_read_from_the_window(tmp_path: Path) -> None:
    write_config(CONFIG)
    ics = tmp_path / "daily.ics"
    ics.write_text(one_event(":00010101T100000Z", ":00010101T110000Z", "RRULE:FREQ=DAILY\n"))
    result = run(
        "calendar", "import", str(ics), "--weeks", "1", "--dry-run", "--at", "2026-11-10T09:00"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:3] == [
        "  2026-11-10, 10:00-11:00: Busy",
        "  2026-11-11, 10:00-11:00: Busy",
    ]
    assert len(result.stdout.splitlines()) == 1 + 7
