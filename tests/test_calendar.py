"""`hours calendar export|import`: the round trip across DST weeks, and events becoming closures."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import icalendar
import pytest

from hours.clikit import build_schedule
from hours.config import load
from tests.helpers import config_file, run, write_config

UTC = dt.UTC

NEW_YORK = """\
# New York hours
name = "Sam's Nails"
timezone = "America/New_York"

[week]
mon = "09:00-17:00"
tue = ["09:00-12:00", "13:00-17:00"]
wed = "09:00-17:00"
fri = "09:00-17:00"
sat = "22:00-06:00"                 # the night the clocks go back is nine hours long
sun = "01:30-02:30"                 # 01:30 happens twice on 1 November: the first counts

[holidays]
country = "US"

[[closed]]
date = 2026-11-04
hours = "12:00-24:00"
reason = "Dentist"

[[closed]]
from = 2026-11-06
to = 2026-11-06
reason = "Day off"
"""

LONDON = """\
name = "Nails by Jo"
timezone = "Europe/London"

[week]
mon = "09:00-17:00"
thu = "09:00-17:00"
sat = "23:00-04:00"                 # the night the clocks go forward is four hours long
sun = "00:30-03:30"                 # 01:00-02:00 does not exist on 29 March

[[closed]]
date = 2026-03-26
hours = "12:00-13:00"
reason = "Lunch with Mum"
"""


def events(text: str, kind: str) -> list[Any]:
    cal = icalendar.Calendar.from_ical(text)
    return [e for e in cal.walk("VEVENT") if e.get("X-HOURS-KIND") == kind]


def instants(ev: Any) -> tuple[dt.datetime, dt.datetime]:
    return ev.decoded("DTSTART").astimezone(UTC), ev.decoded("DTEND").astimezone(UTC)


def window(at: str, weeks: int) -> tuple[dt.datetime, dt.datetime, Any]:
    schedule = build_schedule(load(config_file()))
    now = dt.datetime.fromisoformat(at).replace(tzinfo=schedule.zone)
    monday = now.date() - dt.timedelta(days=now.weekday())
    start = schedule.localize(monday)
    return start, schedule.localize(monday + dt.timedelta(weeks=weeks)), schedule


@pytest.mark.parametrize(
    ("config", "at", "zone"),
    [
        (NEW_YORK, "2026-10-28T12:00", "America/New_York"),  # 1 Nov: clocks go back
        (NEW_YORK, "2026-03-04T12:00", "America/New_York"),  # 8 Mar: clocks go forward
        (LONDON, "2026-03-25T12:00", "Europe/London"),  # 29 Mar: clocks go forward
        (LONDON, "2026-10-21T12:00", "Europe/London"),  # 25 Oct: clocks go back
    ],
    ids=["new-york-autumn", "new-york-spring", "london-spring", "london-autumn"],
)
def test_export_round_trip_across_a_dst_week(config: str, at: str, zone: str) -> None:
    write_config(config)
    result = run("calendar", "export", "--weeks", "2", "--at", at, catch=False)
    assert result.exit_code == 0
    text = result.stdout_bytes.decode()  # .stdout would turn RFC 5545's CRLF into LF
    start, end, schedule = window(at, 2)
    expected = [
        (s.astimezone(UTC), e.astimezone(UTC)) for s, e in schedule.open_intervals(start, end)
    ]
    assert len(expected) >= 6
    assert [instants(e) for e in events(text, "open")] == expected
    # The VTIMEZONE alone must say the same: rename the zone so no client could know it
    # (a new name each time: icalendar caches the zones it has read by their TZID).
    assert f"TZID:{zone}\r\n" in text
    alias = f"Salon time {uuid.uuid4().hex}"
    renamed = text.replace(f"TZID:{zone}", f"TZID:{alias}").replace(f"TZID={zone}", f"TZID={alias}")
    assert alias in renamed
    assert [instants(e) for e in events(renamed, "open")] == expected
    for ev in events(renamed, "open"):
        assert str(ev.decoded("DTSTART").tzinfo) != zone  # really read from the VTIMEZONE
    # Closures and holidays, whole days as all-day events, each with its reason.
    closed = [
        (s.astimezone(UTC), e.astimezone(UTC), why)
        for s, e, why in schedule.closures(start.date() - dt.timedelta(days=1), end.date())
        if s < end and e > start
    ]
    got = []
    for ev in events(text, "closed"):
        s, e = ev.decoded("DTSTART"), ev.decoded("DTEND")
        if not isinstance(s, dt.datetime):  # all-day: midnight to midnight in the zone
            s, e = schedule.localize(s), schedule.localize(e)
        got.append((s.astimezone(UTC), e.astimezone(UTC), str(ev["X-HOURS-REASON"])))
        assert str(ev["SUMMARY"]).endswith(f"closed — {ev['X-HOURS-REASON']}")
    assert sorted(got) == sorted(closed)


def test_export_is_a_calendar_to_subscribe_to() -> None:
    write_config(NEW_YORK)
    first = run("calendar", "export", "--weeks", "2", "--at", "2026-10-28T12:00").stdout
    later = run("calendar", "export", "--weeks", "2", "--at", "2026-10-30T08:00").stdout
    cal = icalendar.Calendar.from_ical(first)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Sam's Nails — open hours"
    assert len(cal.walk("VTIMEZONE")) == 1
    evs = cal.walk("VEVENT")
    assert {str(e["TRANSP"]) for e in evs} == {"TRANSPARENT"}
    assert all(str(e["UID"]).endswith("@hours") for e in evs)
    assert len({str(e["UID"]) for e in evs}) == len(evs)
    # The same events keep their UIDs from one export to the next; only DTSTAMP moves.
    assert [str(e["UID"]) for e in evs] == [
        str(e["UID"]) for e in icalendar.Calendar.from_ical(later).walk("VEVENT")
    ]
    day_off = next(e for e in evs if e.get("X-HOURS-REASON") == "Day off")
    assert day_off.decoded("DTSTART") == dt.date(2026, 11, 6)
    assert day_off.decoded("DTEND") == dt.date(2026, 11, 7)
    dentist = next(e for e in evs if e.get("X-HOURS-REASON") == "Dentist")
    assert dentist.decoded("DTSTART").isoformat() == "2026-11-04T12:00:00-05:00"


def test_export_to_a_file_and_on_the_default(tmp_path: Path) -> None:
    out = tmp_path / "hours.ics"
    result = run("calendar", "export", "-o", str(out), "--at", "2026-11-25T10:00", catch=False)
    assert result.exit_code == 0
    assert result.stderr.endswith(f"Wrote {out}\n")
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    opens = [e for e in cal.walk("VEVENT") if e.get("X-HOURS-KIND") == "open"]
    assert len(opens) == 8 * 5  # eight weeks of the default Monday-Friday
    assert opens[0].decoded("DTSTART").isoformat() == "2026-11-23T09:00:00+00:00"


ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VTIMEZONE
TZID:Custom Paris
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:yoga@test
DTSTAMP:20261001T000000Z
SUMMARY:Yoga class
DTSTART;TZID=Europe/Berlin:20261104T180000
DTEND;TZID=Europe/Berlin:20261104T193000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Berlin:20261111T180000
END:VEVENT
BEGIN:VEVENT
UID:standup@test
DTSTAMP:20261001T000000Z
SUMMARY:Client call, New York
DTSTART;TZID=America/New_York:20261026T090000
DTEND;TZID=America/New_York:20261026T100000
RRULE:FREQ=WEEKLY;COUNT=2
END:VEVENT
BEGIN:VEVENT
UID:mondays@test
DTSTAMP:20261001T000000Z
SUMMARY:Mondays off
DTSTART;VALUE=DATE:20261102
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3
EXDATE;VALUE=DATE:20261109
END:VEVENT
BEGIN:VEVENT
UID:trip@test
DTSTAMP:20261001T000000Z
SUMMARY:Trip to Lisbon
DTSTART;VALUE=DATE:20261207
DTEND;VALUE=DATE:20261210
END:VEVENT
BEGIN:VEVENT
UID:dentist@test
DTSTAMP:20261001T000000Z
SUMMARY:Dentist
DTSTART:20261105T140000Z
DTEND:20261105T150000Z
END:VEVENT
BEGIN:VEVENT
UID:paris@test
DTSTAMP:20261001T000000Z
SUMMARY:Late call\\, Paris
DTSTART;TZID=Custom Paris:20261106T220000
DTEND;TZID=Custom Paris:20261107T020000
END:VEVENT
BEGIN:VEVENT
UID:floating@test
DTSTAMP:20261001T000000Z
SUMMARY:School run
DTSTART:20261110T080000
DURATION:PT1H
END:VEVENT
BEGIN:VEVENT
UID:course@test
DTSTAMP:20261001T000000Z
SUMMARY:Course
DTSTART;TZID=Europe/London:20261112T150000
DTEND;TZID=Europe/London:20261115T100000
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTAMP:20261001T000000Z
SUMMARY:Cancelled lunch
STATUS:CANCELLED
DTSTART:20261103T120000Z
DTEND:20261103T130000Z
END:VEVENT
BEGIN:VEVENT
UID:past@test
DTSTAMP:20261001T000000Z
SUMMARY:Long ago
DTSTART;VALUE=DATE:20260101
END:VEVENT
END:VCALENDAR
"""

IMPORT_CONFIG = """\
# Jo's hours: keep this comment
timezone = "Europe/London"

[week]
mon = "09:00-17:00"   # Mondays
tue = "09:00-17:00"

[[closed]]                # already there
date = 2026-11-05
hours = "14:00-15:00"
reason = "Dentist"

[earnings]
weekly = 900
"""

LISTED = """\
  2026-10-26, 13:00-14:00: Client call, New York
  2026-11-02, all day: Mondays off
  2026-11-02, 14:00-15:00: Client call, New York
  2026-11-04, 17:00-18:30: Yoga class
  2026-11-06, 21:00-24:00: Late call, Paris
  2026-11-07, 00:00-01:00: Late call, Paris
  2026-11-10, 08:00-09:00: School run
  2026-11-12, 15:00-24:00: Course
  2026-11-13 to 2026-11-14, all day: Course
  2026-11-15, 00:00-10:00: Course
  2026-11-16, all day: Mondays off
  2026-11-18, 17:00-18:30: Yoga class
  2026-11-25, 17:00-18:30: Yoga class
  2026-12-07 to 2026-12-09, all day: Trip to Lisbon
"""


@pytest.fixture
def ics(tmp_path: Path) -> Path:
    path = tmp_path / "events.ics"
    path.write_text(ICS.replace("\n", "\r\n"))
    return path


def test_import_dry_run_lists_and_changes_nothing(ics: Path) -> None:
    path = write_config(IMPORT_CONFIG)
    result = run(
        "calendar", "import", str(ics), "--dry-run", "--at", "2026-10-20T10:00", catch=False
    )
    assert result.exit_code == 0
    assert result.stdout == (
        f"Would add 14 closures from {ics} (1 already in your config):\n" + LISTED
    )
    assert path.read_text() == IMPORT_CONFIG


def test_import_adds_closures_keeping_comments_and_twice_adds_nothing(ics: Path) -> None:
    path = write_config(IMPORT_CONFIG)
    result = run("calendar", "import", str(ics), "--at", "2026-10-20T10:00", catch=False)
    assert result.exit_code == 0
    assert result.stdout == f"Added 14 closures from {ics} (1 already in your config):\n" + LISTED
    text = path.read_text()
    assert text.startswith(IMPORT_CONFIG.split("[earnings]")[0])  # comments and layout kept
    assert text.endswith(
        '[[closed]]\nfrom = 2026-12-07\nto = 2026-12-09\nreason = "Trip to Lisbon"\n'
        "\n[earnings]\nweekly = 900\n"
    )
    assert (
        '[[closed]]\ndate = 2026-11-06\nhours = "21:00-24:00"\nreason = "Late call, Paris"\n\n'
        in text
    )
    # The schedule now closes at those times, with the events' summaries as reasons.
    status = run("status", "--at", "2026-11-04T17:30", "--json").stdout
    assert '"reason": "Yoga class"' in status
    assert '"reason": "Mondays off"' in run("status", "--at", "2026-11-16T10:00", "--json").stdout
    assert '"open": true' in run("status", "--at", "2026-11-09T10:00", "--json").stdout  # EXDATE
    again = run("calendar", "import", str(ics), "--at", "2026-10-20T10:00", catch=False)
    assert again.exit_code == 0
    assert again.stdout == f"Nothing to add from {ics} (15 already in your config).\n"
    assert path.read_text() == text


def test_import_without_a_config_writes_one_in_the_machine_zone(ics: Path) -> None:
    result = run("calendar", "import", str(ics), "--at", "2026-12-01T10:00", catch=False)
    assert result.exit_code == 0
    assert result.stdout == (
        f"Added 1 closure from {ics}:\n  2026-12-07 to 2026-12-09, all day: Trip to Lisbon\n"
    )
    text = config_file().read_text()
    assert 'timezone = "UTC"' in text
    assert text.endswith(
        '\n[[closed]]\nfrom = 2026-12-07\nto = 2026-12-09\nreason = "Trip to Lisbon"\n'
    )


def test_importing_an_export_skips_its_open_hours(tmp_path: Path) -> None:
    write_config(NEW_YORK)
    exported = tmp_path / "mine.ics"
    run("calendar", "export", "-o", str(exported), "--weeks", "3", "--at", "2026-10-28T12:00")
    assert exported.read_bytes().count(b"\r\n") == exported.read_bytes().count(b"\n")
    result = run("calendar", "import", str(exported), "--dry-run", "--at", "2026-10-26T00:00")
    assert result.exit_code == 0
    # Its closures are the config's own (already there) and the US holidays it closes on;
    # its open hours are not closures.
    assert result.stdout == (
        f"Would add 1 closure from {exported} (2 already in your config):\n"
        "  2026-11-11, all day: Veterans Day\n"
    )


DURATION_ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:night@test
DTSTAMP:20261001T000000Z
SUMMARY:Night off
DTSTART;TZID=America/New_York:20261101T000000
DURATION:PT8H
END:VEVENT
BEGIN:VEVENT
UID:shift@test
DTSTAMP:20261001T000000Z
SUMMARY:Night shift elsewhere
DTSTART;TZID=America/New_York:20261024T220000
DURATION:PT8H
RRULE:FREQ=WEEKLY;COUNT=3
END:VEVENT
BEGIN:VEVENT
UID:shift@test
DTSTAMP:20261001T000000Z
RECURRENCE-ID;TZID=America/New_York:20261107T220000
SUMMARY:Night shift elsewhere
DTSTART;TZID=America/New_York:20261107T230000
DTEND;TZID=America/New_York:20261108T030000
END:VEVENT
BEGIN:VEVENT
UID:weekend@test
DTSTAMP:20261001T000000Z
SUMMARY:Weekend away
DTSTART;TZID=America/New_York:20261031T120000
DURATION:P1DT2H
END:VEVENT
END:VCALENDAR
"""


def test_import_times_a_duration_as_elapsed_across_a_dst_night(tmp_path: Path) -> None:
    # New York falls back at 02:00 on Sunday 1 November 2026. RFC 5545: hours of a DURATION are
    # elapsed time (eight hours from midnight end at 07:00), days are on the wall clock.
    write_config('timezone = "America/New_York"\n[week]\nmon = "09:00-17:00"\n')
    path = tmp_path / "nights.ics"
    path.write_text(DURATION_ICS.replace("\n", "\r\n"))
    result = run("calendar", "import", str(path), "--dry-run", "--at", "2026-10-20T12:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Would add 9 closures from {path}:\n"
        "  2026-10-24, 22:00-24:00: Night shift elsewhere\n"
        "  2026-10-25, 00:00-06:00: Night shift elsewhere\n"
        "  2026-10-31, 12:00-24:00: Weekend away\n"
        "  2026-10-31, 22:00-24:00: Night shift elsewhere\n"
        "  2026-11-01, 00:00-05:00: Night shift elsewhere\n"
        "  2026-11-01, 00:00-07:00: Night off\n"
        "  2026-11-01, 00:00-14:00: Weekend away\n"
        "  2026-11-07, 23:00-24:00: Night shift elsewhere\n"
        "  2026-11-08, 00:00-03:00: Night shift elsewhere\n"
    )


def one_event(summary: str, start: str, end: str, extra: str = "") -> str:
    """Return an iCalendar with one event, lines ending in CRLF as RFC 5545 asks."""
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:one@test\n"
        f"DTSTAMP:20261001T000000Z\nSUMMARY:{summary}\nDTSTART{start}\nDTEND{end}\n{extra}"
        "END:VEVENT\nEND:VCALENDAR\n"
    ).replace("\n", "\r\n")


@pytest.mark.parametrize(
    ("start", "end", "extra"),
    [
        (";TZID=Mars/Olympus:20261104T180000", ";TZID=Mars/Olympus:20261104T193000", ""),
        (":20261104T180000Z", ";TZID=Mars/Olympus:20261104T193000", ""),
        (
            ";TZID=Europe/Paris:20261104T180000",
            ";TZID=Europe/Paris:20261104T193000",
            "RRULE:FREQ=WEEKLY;COUNT=3\nEXDATE;TZID=Mars/Olympus:20261111T180000\n",
        ),
    ],
    ids=["DTSTART and DTEND", "DTEND only", "EXDATE"],
)
def test_import_refuses_an_unknown_time_zone_naming_the_event(
    tmp_path: Path, start: str, end: str, extra: str
) -> None:
    """A TZID neither known nor described by a VTIMEZONE is not read as local time."""
    path = write_config(IMPORT_CONFIG)
    ics = tmp_path / "trip.ics"
    ics.write_text(one_event("Trip to Mars", start, end, extra))
    result = run("calendar", "import", str(ics), "--at", "2026-10-20T10:00")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {ics} is not a valid iCalendar file (the event 'Trip to Mars' is in the time "
        "zone 'Mars/Olympus', which is neither a known zone nor described by a VTIMEZONE in the "
        "file); nothing was changed\n"
    )
    assert path.read_text() == IMPORT_CONFIG


def test_import_takes_a_windows_zone_name_it_knows(tmp_path: Path) -> None:
    """Outlook writes Windows zone names; those that map to an IANA zone are read as that."""
    write_config(IMPORT_CONFIG)
    ics = tmp_path / "meeting.ics"
    ics.write_text(
        one_event(
            "Call",
            ";TZID=W. Europe Standard Time:20261104T180000",
            ";TZID=W. Europe Standard Time:20261104T190000",
        )
    )
    result = run("calendar", "import", str(ics), "--dry-run", "--at", "2026-10-20T10:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Would add 1 closure from {ics}:\n  2026-11-04, 17:00-18:00: Call\n"


ESCAPES = "\x1b[2J\x1b[31mFlu\x1b[0m \x1b]0;pwned\x07day\x9b1m\x07\x08 \u202eoff"


def test_import_strips_control_characters_and_escapes_from_summaries(tmp_path: Path) -> None:
    path = write_config(IMPORT_CONFIG)
    ics = tmp_path / "sick.ics"
    ics.write_bytes(one_event(ESCAPES, ";VALUE=DATE:20261110", ";VALUE=DATE:20261111").encode())
    listed = f"Added 1 closure from {ics}:\n  2026-11-10, all day: Flu day off\n"
    result = run("calendar", "import", str(ics), "--at", "2026-10-20T10:00")
    assert (result.exit_code, result.stdout) == (0, listed)
    assert path.read_text().endswith(
        '[[closed]]\ndate = 2026-11-10\nreason = "Flu day off"\n\n[earnings]\nweekly = 900\n'
    )


def test_an_event_named_in_an_error_is_shown_without_its_escapes(tmp_path: Path) -> None:
    write_config(IMPORT_CONFIG)
    ics = tmp_path / "trip.ics"
    ics.write_text(
        one_event("\x1b[8mTrip\x1b[0m", ";TZID=Mars/Olympus:20261104T180000", ":20261104T190000Z")
    )
    result = run("calendar", "import", str(ics))
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert "the event 'Trip' is in the time zone 'Mars/Olympus'" in result.stderr


def test_a_bad_value_holding_an_escaped_line_break_is_one_error_line(tmp_path: Path) -> None:
    """A value the parser quotes back is shown on one line, whatever it holds (`\\n`, ESC)."""
    path = write_config(IMPORT_CONFIG)
    ics = tmp_path / "odd.ics"
    ics.write_text(one_event("Odd", ":2026\\n1104\x1b[2JT180000Z", ":20261104T190000Z"))
    result = run("calendar", "import", str(ics), "--at", "2026-10-20T10:00")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1
    assert "\x1b" not in result.stderr
    assert result.stderr.startswith(f"Error: {ics} is not a valid iCalendar file (DTSTART: ")
    assert result.stderr.endswith("); nothing was changed\n")
    assert path.read_text() == IMPORT_CONFIG
