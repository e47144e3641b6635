"""`hours report` in every format, on a configured schedule and on the built-in default."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from click.testing import CliRunner
from rich.console import Console
from rich.text import Text

from hours import report as reportmod
from hours.cli import cli
from hours.clikit import build_schedule
from hours.config import parse
from hours.journal import Journal
from hours.report import text as report_text
from tests.helpers import config_file, run, write_config
from tests.report_config import CONFIG

TORONTO = ZoneInfo("America/Toronto")

GRID = """\
            0     3     6     9     12    15    18    21    24
Mon 23 Nov  ··················████████████████··············      8 h
Tue 24 Nov  ··················██████··████████··············      7 h
Wed 25 Nov  ··················████████████░░░░░░░░░░░░░░░░░░      6 h
Thu 26 Nov  ···················███████████████··············    7.5 h
Fri 27 Nov  ············································████      2 h
Sat 28 Nov  ████················████████····················      6 h
Sun 29 Nov  ························████████················      4 h
            █ open  ▌ part of the half hour  · closed  ░ closure or holiday
"""

TEXT = (
    "Sam's Nails — week 48, 23–29 November 2026\n"
    "Times in America/Toronto\n"
    "\n"
    + GRID
    + """
Mon 23 Nov  09:00–17:00                 8 h
Tue 24 Nov  09:00–12:00, 13:00–17:00    7 h
Wed 25 Nov  09:00–15:00                 6 h  Early close (15:00–24:00)
Thu 26 Nov  09:30–17:00               7.5 h
Fri 27 Nov  22:00–24:00                 2 h
Sat 28 Nov  00:00–02:00, 10:00–14:00    6 h
Sun 29 Nov  12:00–16:00                 4 h  Pop-up (extra hours)

Open 40.5 hours of 168 this week — 127.5 are yours.
Real hourly wage this week: CA$29.63 — available 24/7 it would be CA$7.14.
Auto-replies sent: email 0 · SMS 0 · voice 0 · WhatsApp 0
"""
)


def days(*pairs: tuple[str, list[list[str]], float, str | None]) -> list[dict[str, object]]:
    # Nobody covers in this week: each day's cover is empty, and counts no hours.
    return [
        {
            "date": d,
            "intervals": iv,
            "hours": h,
            "closed_reason": why,
            "cover": [],
            "cover_hours": 0,
        }
        for d, iv, h, why in pairs
    ]


JSON = {
    "week": "2026-W48",
    "timezone": "America/Toronto",
    "days": days(
        ("2026-11-23", [["2026-11-23T09:00:00-05:00", "2026-11-23T17:00:00-05:00"]], 8.0, None),
        (
            "2026-11-24",
            [
                ["2026-11-24T09:00:00-05:00", "2026-11-24T12:00:00-05:00"],
                ["2026-11-24T13:00:00-05:00", "2026-11-24T17:00:00-05:00"],
            ],
            7.0,
            None,
        ),
        (
            "2026-11-25",
            [["2026-11-25T09:00:00-05:00", "2026-11-25T15:00:00-05:00"]],
            6.0,
            "Early close",
        ),
        ("2026-11-26", [["2026-11-26T09:30:00-05:00", "2026-11-26T17:00:00-05:00"]], 7.5, None),
        ("2026-11-27", [["2026-11-27T22:00:00-05:00", "2026-11-28T00:00:00-05:00"]], 2.0, None),
        (
            "2026-11-28",
            [
                ["2026-11-28T00:00:00-05:00", "2026-11-28T02:00:00-05:00"],
                ["2026-11-28T10:00:00-05:00", "2026-11-28T14:00:00-05:00"],
            ],
            6.0,
            None,
        ),
        ("2026-11-29", [["2026-11-29T12:00:00-05:00", "2026-11-29T16:00:00-05:00"]], 4.0, None),
    ),
    "total_hours": 40.5,
    "cover_hours": 0,
    "hourly": {"24/7": 7.14, "actual": 29.63},
    "autoreplies": {"email": 0, "sms": 0, "voice": 0, "whatsapp": 0},
}


@pytest.fixture
def configured() -> Path:
    return write_config(CONFIG)


def build(week: int = 48, zone: str | None = None) -> reportmod.WeekReport:
    cfg = parse(CONFIG, config_file())
    assert cfg.earnings is not None
    return reportmod.build(
        build_schedule(cfg),
        2026,
        week,
        zone=ZoneInfo(zone) if zone else None,
        title=cfg.name,
        earnings=(cfg.earnings.weekly, cfg.earnings.currency),
    )


def test_text_report(configured: Path) -> None:
    result = run("report", "--week", "2026-W48", catch=False)
    assert result.exit_code == 0
    assert result.stdout == TEXT
    assert result.stderr == ""


def test_text_report_defaults_to_the_week_of_at(configured: Path) -> None:
    assert run("report", "--at", "2026-11-29T23:59", catch=False).stdout == TEXT
    assert run("report", "--date", "2026-11-23", catch=False).stdout == TEXT


def test_rich_rendering_fits_80_columns_and_reads_the_same_without_colour() -> None:
    r = build()
    coloured = report_text.render(r, color=True)
    assert "\x1b[32m" in coloured  # open time is green
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(Text.from_ansi(coloured), end="")
    assert isinstance(console.file, io.StringIO)
    plain = console.file.getvalue()
    assert plain == TEXT
    assert report_text.render(r, color=False) == TEXT
    assert max(len(line) for line in plain.splitlines()) <= 80


def test_colour_only_on_a_terminal_and_never_with_no_color(configured: Path) -> None:
    runner = CliRunner()
    tty = runner.invoke(cli, ["report", "--week", "2026-W48"], color=True)
    assert "\x1b[" in tty.stdout
    assert re.sub(r"\x1b\[[0-9;]*m", "", tty.stdout) == TEXT
    for argv in (["--no-color", "report", "--week", "2026-W48"],):
        assert runner.invoke(cli, argv, color=True).stdout == TEXT
    os.environ["NO_COLOR"] = "1"
    try:
        assert runner.invoke(cli, ["report", "--week", "2026-W48"], color=True).stdout == TEXT
    finally:
        del os.environ["NO_COLOR"]


def test_markdown_report(configured: Path) -> None:
    result = run("report", "--week", "2026-W48", "--format", "markdown", catch=False)
    assert result.exit_code == 0
    assert result.stdout == (
        "## Sam's Nails — week 48, 23–29 November 2026\n"
        "\n"
        "Times in America/Toronto.\n"
        "\n"
        "| Day | Hours | Open | Notes |\n"
        "| --- | --- | ---: | --- |\n"
        "| Mon 23 Nov | 09:00–17:00 | 8 h | |\n"
        "| Tue 24 Nov | 09:00–12:00, 13:00–17:00 | 7 h | |\n"
        "| Wed 25 Nov | 09:00–15:00 | 6 h | Early close (15:00–24:00) |\n"
        "| Thu 26 Nov | 09:30–17:00 | 7.5 h | |\n"
        "| Fri 27 Nov | 22:00–24:00 | 2 h | |\n"
        "| Sat 28 Nov | 00:00–02:00, 10:00–14:00 | 6 h | |\n"
        "| Sun 29 Nov | 12:00–16:00 | 4 h | Pop-up (extra hours) |\n"
        "\n"
        "**Open 40.5 hours of 168 this week — 127.5 are yours.**\n"
        "\n"
        "Real hourly wage this week: CA$29.63 — available 24/7 it would be CA$7.14.\n"
        "\n"
        "Auto-replies sent: email 0 · SMS 0 · voice 0 · WhatsApp 0\n"
        "\n"
        "```\n" + GRID + "```\n"
    )


def test_json_report_has_exactly_the_spec_keys(configured: Path) -> None:
    result = run("report", "--week", "2026-W48", "--format", "json", catch=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == JSON


def test_json_counts_the_weeks_auto_replies_from_the_journal(configured: Path) -> None:
    journal = Journal(Path(os.environ["HOURS_HOME"]))
    sent = [
        ("email", dt.datetime(2026, 11, 23, 0, 30, tzinfo=TORONTO)),  # Monday, just after midnight
        ("sms", dt.datetime(2026, 11, 24, 20, 0, tzinfo=TORONTO)),
        ("sms", dt.datetime(2026, 11, 29, 23, 59, tzinfo=TORONTO)),  # Sunday, last minute
        ("whatsapp", dt.datetime(2026, 11, 30, 0, 0, tzinfo=TORONTO)),  # next week
        ("voice", dt.datetime(2026, 11, 22, 23, 59, tzinfo=TORONTO)),  # last week
    ]
    for n, (channel, when) in enumerate(sent):
        rid = journal.begin_reply(channel, "reply", f"s{n}", f"i{n}", when, when)
        journal.reply_sent(rid, when)
    journal.close()
    result = run("report", "--week", "2026-W48", "--format", "json", catch=False)
    assert json.loads(result.stdout)["autoreplies"] == {
        "email": 1,
        "sms": 2,
        "voice": 0,
        "whatsapp": 0,
    }
    text = run("report", "--week", "2026-W48", catch=False).stdout
    assert text.endswith("Auto-replies sent: email 1 · SMS 2 · voice 0 · WhatsApp 0\n")


def test_report_in_a_clients_zone_shifts_the_days(configured: Path) -> None:
    result = run("report", "--week", "2026-W48", "--tz", "Europe/London", "--format", "json")
    data = json.loads(result.stdout)
    assert data["timezone"] == "Europe/London"
    by_date = {d["date"]: d for d in data["days"]}
    # Friday 22:00-02:00 in Toronto is Saturday 03:00-07:00 in London.
    assert by_date["2026-11-27"]["intervals"] == []
    assert by_date["2026-11-28"]["intervals"] == [
        ["2026-11-28T03:00:00+00:00", "2026-11-28T07:00:00+00:00"],
        ["2026-11-28T15:00:00+00:00", "2026-11-28T19:00:00+00:00"],
    ]
    # Toronto's Wednesday closure from 15:00 runs into London's Thursday morning.
    assert by_date["2026-11-25"]["closed_reason"] == "Early close"
    assert by_date["2026-11-26"]["closed_reason"] == "Early close"
    assert by_date["2026-11-23"]["intervals"] == [
        ["2026-11-23T14:00:00+00:00", "2026-11-23T22:00:00+00:00"]
    ]
    # Sunday's pop-up 12:00-16:00 Toronto is Sunday 17:00-21:00 London.
    assert by_date["2026-11-29"]["intervals"] == [
        ["2026-11-29T17:00:00+00:00", "2026-11-29T21:00:00+00:00"]
    ]
    assert data["total_hours"] == sum(d["hours"] for d in data["days"]) == 40.5


def test_days_add_up_across_a_dst_night() -> None:
    # The clocks go back at 02:00 on Sunday 1 November 2026 in New York: a 22:00-06:00 night
    # from Saturday lasts nine hours, two on Saturday and seven on Sunday.
    text = 'timezone = "America/New_York"\n[week]\nsat = "22:00-06:00"\n'
    cfg = parse(text, config_file())
    r = reportmod.build(build_schedule(cfg), 2026, 44)
    assert [d.hours for d in r.days] == [0, 0, 0, 0, 0, 2, 7]
    assert r.total_hours == 9
    cells = r.days[6].open_cells()
    assert cells[:12] == (1.0,) * 12
    assert cells[12:] == (0.0,) * 36


NIGHT_OWL = """\
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
sat = "22:00-06:00"
[earnings]
weekly = 1000
currency = "USD"
"""


@pytest.mark.parametrize(
    ("week", "tz", "days", "length", "always_on"),
    [
        # New York falls back on Sunday 1 November: that week has 169 hours, Sunday seven open
        ("2026-W44", "America/New_York", [8, 0, 0, 0, 0, 2, 7], 169, 5.92),
        # London fell back a week earlier (25 October): its week 43 has the 169 hours, and
        # New York's Saturday night is London's Sunday morning, eight hours either way ...
        ("2026-W43", "Europe/London", [8, 0, 0, 0, 0, 0, 8], 169, 5.92),
        # ... and in London's week 44 New York's long night is London's: 03:00-11:00 plus one
        ("2026-W44", "Europe/London", [8, 0, 0, 0, 0, 0, 9], 168, 5.95),
        # Sydney springs forward on 4 October: a 167-hour week; Monday 09:00 in New York is
        # 23:00 there, so Monday's hours run into Tuesday
        ("2026-W40", "Australia/Sydney", [1, 7, 0, 0, 0, 0, 8], 167, 5.99),
    ],
)
def test_a_week_the_clocks_change_counts_elapsed_hours(
    week: str, tz: str, days: list[int], length: int, always_on: float
) -> None:
    write_config(NIGHT_OWL)
    data = json.loads(run("report", "--week", week, "--tz", tz, "--format", "json").stdout)
    assert [d["hours"] for d in data["days"]] == days
    assert data["total_hours"] == sum(days)
    assert data["hourly"] == {"24/7": always_on, "actual": round(1000 / sum(days), 2)}
    free = length - sum(days)
    text = run("report", "--week", week, "--tz", tz, catch=False).stdout
    assert f"Open {sum(days)} hours of {length} this week — {free} are yours.\n" in text
    html = run("report", "--week", week, "--tz", tz, "--format", "html").stdout
    assert f"<em>{sum(days)} h</em> of {length}</div><p>{free} hours are yours.</p>" in html
    svg = run("report", "--week", week, "--tz", tz, "--format", "svg").stdout
    assert f"{sum(days)} h of {length}</text>" in svg


def test_closures_and_holidays_with_their_reasons() -> None:
    write_config(
        CONFIG
        + '\n[holidays]\ncountry = "CA"\nsubdivision = "ON"\n'
        + '\n[[closed]]\nfrom = 2026-12-24\nto = 2026-12-26\nreason = "Christmas"\n'
    )
    result = run("report", "--week", "2026-W52", "--format", "json", catch=False)
    data = json.loads(result.stdout)
    assert [(d["date"], d["hours"], d["closed_reason"]) for d in data["days"]] == [
        ("2026-12-21", 8.0, None),
        ("2026-12-22", 7.0, None),
        ("2026-12-23", 8.0, None),
        ("2026-12-24", 0.0, "Christmas"),
        ("2026-12-25", 0.0, "Christmas; Christmas Day"),
        ("2026-12-26", 0.0, "Christmas; Boxing Day"),
        ("2026-12-27", 0.0, None),
    ]
    # Closed Saturday cuts Friday's night shift at midnight: but Friday is closed too.
    assert data["total_hours"] == 23.0
    assert data["hourly"] == {"24/7": 7.14, "actual": 52.17}
    text = run("report", "--week", "2026-W52", catch=False).stdout
    assert "Fri 25 Dec  closed                         Christmas; Christmas Day\n" in text
    assert "Thu 24 Dec  ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░      –\n" in text


def test_a_week_with_no_open_hours_has_no_actual_wage() -> None:
    write_config(CONFIG + '\n[[closed]]\nfrom = 2026-11-20\nto = 2026-12-06\nreason = "Away"\n')
    data = json.loads(run("report", "--week", "2026-W48", "--format", "json").stdout)
    assert data["total_hours"] == 0
    assert data["hourly"] == {"24/7": 7.14, "actual": None}
    assert [d["closed_reason"] for d in data["days"]] == [
        "Away",
        "Away",
        "Away; Early close",
        "Away",
        "Away",
        "Away",
        "Away",
    ]
    text = run("report", "--week", "2026-W48").stdout
    assert "extra hours" not in text
    assert (
        "No open hours this week; available 24/7 CA$1,200.00 a week pays CA$7.14 an hour.\n" in text
    )


def test_report_on_the_built_in_default() -> None:
    result = run("report", "--week", "2026-W48", "--format", "json", catch=False)
    assert result.exit_code == 0
    assert result.stderr.startswith(f"Note: no config at {config_file()}; using the built-in")
    data = json.loads(result.stdout)
    assert data["timezone"] == "UTC"  # the tests' machine zone
    assert data["hourly"] is None
    assert [d["hours"] for d in data["days"]] == [8, 8, 8, 8, 8, 0, 0]
    assert data["days"][0]["intervals"] == [
        ["2026-11-23T09:00:00+00:00", "2026-11-23T17:00:00+00:00"]
    ]
    text = run("report", "--week", "2026-W48", catch=False).stdout
    assert text.startswith("Opening hours — week 48, 23–29 November 2026\nTimes in UTC\n")
    assert "Real hourly wage" not in text
    for fmt in ("markdown", "html", "svg", "ics"):
        assert run("report", "--week", "2026-W48", "--format", fmt, catch=False).exit_code == 0


def test_week_across_years_and_months() -> None:
    r = build(week=53 - 53 + 1)  # 2026-W01: 29 December 2025 to 4 January 2026
    assert r.dates_text() == "29 December 2025 – 4 January 2026"
    assert build(week=49).dates_text() == "30 November – 6 December 2026"
    assert reportmod.parse_week("2026w53") == (2026, 53)
    assert reportmod.weeks_in_year(2026) == 53
    assert reportmod.weeks_in_year(2027) == 52


def test_svg_is_an_image_of_the_week(configured: Path) -> None:
    result = run("report", "--week", "2026-W48", "--format", "svg", catch=False)
    root = ET.fromstring(result.stdout.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for word in ("Monday", "Sunday", "8 h", "7.5 h", "40.5 h of 168", "CA$29.63", "Sam's Nails"):
        assert word in texts
    assert "http" not in result.stdout.replace("http://www.w3.org/2000/svg", "")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}rect[@fill='#2f5d50']")) == 10


def test_html_is_one_self_contained_page(configured: Path) -> None:
    html = run("report", "--week", "2026-W48", "--format", "html", catch=False).stdout
    assert html.startswith("<!doctype html>")
    assert "@page" in html
    assert "print-color-adjust: exact" in html
    # No network fetches: nothing links out, loads a font, an image or a script.
    assert re.search(r"https?://|<link|<script|<img|@import|url\(", html) is None
    for word in ("Monday", "Sunday", "09:30–17:00", "Early close (15:00–24:00)", "CA$29.63"):
        assert word in html


def test_ics_report_holds_the_weeks_open_hours(configured: Path) -> None:
    result = run("report", "--week", "2026-W48", "--format", "ics", catch=False)
    cal = icalendar.Calendar.from_ical(result.stdout)
    opens = [
        (e.decoded("DTSTART"), e.decoded("DTEND"))
        for e in cal.walk("VEVENT")
        if e.get("X-HOURS-KIND") == "open"
    ]
    schedule = build_schedule(parse(CONFIG, config_file()))
    start, end = reportmod.week_bounds(2026, 48, TORONTO)
    assert opens == schedule.open_intervals(start, end)
    assert len(opens) == 8  # Friday's night shift is one event, not two


def test_output_file_takes_its_format_from_the_extension(configured: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    for name, check in [
        ("week.html", lambda s: s.startswith("<!doctype html>")),
        ("week.svg", lambda s: s.startswith("<?xml")),
        ("week.md", lambda s: s.startswith("## Sam's Nails")),
        ("week.json", lambda s: json.loads(s) == JSON),
        ("week.ics", lambda s: s.startswith("BEGIN:VCALENDAR")),
        ("week.txt", lambda s: s == TEXT),
    ]:
        path = tmp_path / "out" / name
        result = run("report", "--week", "2026-W48", "-o", str(path), catch=False)
        assert result.exit_code == 0
        assert result.stdout == ""
        assert result.stderr == f"Wrote {path}\n"
        assert check(path.read_text())
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    # --format wins over the extension; an existing file is replaced whole.
    path = tmp_path / "out" / "week.txt"
    run("report", "--week", "2026-W48", "-o", str(path), "--format", "json", catch=False)
    assert json.loads(path.read_text()) == JSON
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "week.html",
        "week.ics",
        "week.json",
        "week.md",
        "week.svg",
        "week.txt",
    ]
