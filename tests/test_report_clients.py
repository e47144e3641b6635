"""`hours report --for clients`: the sheet to send or pin up, in every format.

It leaves out the wage and the auto-replies and is headed "When you can reach {business}".
Also here: overlapping closures drawn once, as their union, and the earnings hint kept whole.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import icalendar
import pytest

from hours.clikit import build_schedule
from hours.config import parse
from hours.report import build
from tests.helpers import config_file, run, write_config
from tests.report_config import CONFIG

SVG = "{http://www.w3.org/2000/svg}"
# A week of a holiday inside a vacation, and a partial closure inside a whole-day one.
CHRISTMAS = (
    CONFIG
    + '\n[holidays]\ncountry = "CA"\nsubdivision = "ON"\n'
    + '\n[[closed]]\nfrom = 2026-12-24\nto = 2026-12-26\nreason = "Christmas"\n'
    + '\n[[closed]]\ndate = 2026-12-25\nhours = "10:00-12:00"\nreason = "Church"\n'
    + '\n[[closed]]\ndate = 2026-12-22\nhours = "12:00-13:00"\nreason = "Dentist"\n'
    + '\n[[closed]]\ndate = 2026-12-22\nhours = "12:30-14:00"\nreason = "Dentist"\n'
)
FORMATS = ("text", "markdown", "html", "svg", "json", "ics")


def report(*args: str) -> str:
    result = run("report", "--week", "2026-W48", *args, catch=False)
    assert result.exit_code == 0
    assert result.stderr == ""
    return unescape(result.stdout)  # HTML and SVG write "Sam&#x27;s"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_for_clients_leaves_out_the_wage_and_the_replies(fmt: str) -> None:
    write_config(CONFIG)
    mine = report("--format", fmt)
    theirs = report("--format", fmt, "--for", "clients")
    # What the practitioner's report says that clients must not read ...
    private = ("CA$", "hourly", "wage", "Auto-replies", "auto-replies", "are yours")
    for word in private:
        assert word not in theirs, word
    # ... is there in the practitioner's own (so the check above can fail).
    if fmt != "ics":  # the calendar never held the wage
        assert [w for w in private if w in mine] != []
    assert "When you can reach Sam's Nails" in theirs
    assert "When you can reach" not in mine
    if fmt != "json":  # the practitioner's JSON has no title
        assert "Sam's Nails" in mine


def test_the_text_sheet_for_clients() -> None:
    write_config(CONFIG)
    text = report("--for", "clients")
    assert text.startswith("When you can reach Sam's Nails — week 48, 23–29 November 2026\n")
    assert text.endswith(
        "Sun 29 Nov  12:00–16:00                 4 h  Pop-up (extra hours)\n\n"
        "Open 40.5 hours this week.\n"
    )


def test_the_json_for_clients_says_whom_it_is_for() -> None:
    write_config(CONFIG)
    mine = json.loads(report("--json"))
    theirs = json.loads(report("--json", "--for", "clients"))
    assert set(mine) - set(theirs) == {"hourly", "autoreplies"}
    assert set(theirs) - set(mine) == {"for", "headline"}
    assert theirs["for"] == "clients"
    assert theirs["headline"] == "When you can reach Sam's Nails"
    assert theirs["days"] == mine["days"]
    assert theirs["total_hours"] == mine["total_hours"] == 40.5


def test_the_calendar_for_clients_is_named_for_them() -> None:
    write_config(CONFIG)
    mine = icalendar.Calendar.from_ical(report("--format", "ics"))
    theirs = icalendar.Calendar.from_ical(report("--format", "ics", "--for", "clients"))
    assert str(mine["X-WR-CALNAME"]) == "Sam's Nails — open hours"
    assert str(theirs["X-WR-CALNAME"]) == "When you can reach Sam's Nails"
    assert len(theirs.walk("VEVENT")) == len(mine.walk("VEVENT"))


def test_without_a_name_clients_read_when_they_can_reach_me() -> None:
    write_config(CONFIG.replace('name = "Sam\'s Nails"\n', ""))
    assert report("--for", "clients").startswith("When you can reach me — week 48")


def test_the_clients_sheet_never_opens_the_journal() -> None:
    # The practitioner's report reads the replies from the journal (and fails on one that is
    # not a journal); the clients' sheet has no use for it.
    write_config(CONFIG)
    state = Path(os.environ["HOURS_HOME"])
    state.mkdir(parents=True, exist_ok=True)
    (state / "journal.sqlite3").write_text("not a journal")
    assert run("report", "--week", "2026-W48").exit_code == 3
    result = run("report", "--week", "2026-W48", "--for", "clients")
    assert (result.exit_code, result.stderr) == (0, "")


def test_for_takes_me_or_clients() -> None:
    write_config(CONFIG)
    result = run("report", "--for", "friends")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--for': 'friends' is not one of")
    assert report("--for", "me") == report()


# -- overlapping closures, drawn once ---------------------------------------------------------


def christmas_week() -> tuple[str, str]:
    write_config(CHRISTMAS)
    html = run("report", "--week", "2026-W52", "--format", "html", catch=False).stdout
    svg = run("report", "--week", "2026-W52", "--format", "svg", catch=False).stdout
    return html, svg


def test_the_union_of_a_days_closures() -> None:
    cfg = parse(CHRISTMAS, config_file())
    week = build(build_schedule(cfg), 2026, 52)
    tuesday, friday = week.days[1], week.days[4]
    assert len(friday.closures) == 3  # the vacation, Christmas Day, the service inside them
    (whole,) = friday.closed_union()
    assert (whole.start.hour, whole.end - whole.start) == (0, friday.closures[0].end - whole.start)
    assert whole.reason == "Christmas; Christmas Day; Church"
    (dentist,) = tuesday.closed_union()  # 12:00-13:00 and 12:30-14:00 overlap
    assert (f"{dentist.start:%H:%M}", f"{dentist.end:%H:%M}") == ("12:00", "14:00")
    assert dentist.reason == "Dentist"


def test_html_and_svg_draw_overlapping_closures_once() -> None:
    html, svg = christmas_week()
    rows = html.split('<div class="row line')[1:]
    shut = [row.count('class="shut"') for row in rows]
    # Mon, Tue (the dentist once), Wed, Thu, Fri (vacation, holiday, service: once), Sat, Sun
    assert shut == [0, 1, 0, 1, 1, 1, 0]
    root = ET.fromstring(svg.encode())
    hatches = [
        r
        for r in root.iter(f"{SVG}rect")
        if r.get("fill") == "url(#hatch)" and r.find(f"{SVG}title") is not None
    ]
    assert len(hatches) == 4
    titles = [h.findtext(f"{SVG}title") for h in hatches]
    assert titles == [
        "12:00–14:00 Dentist",
        "00:00–24:00 Christmas",
        "00:00–24:00 Christmas; Christmas Day; Church",
        "00:00–24:00 Christmas; Boxing Day",
    ]


# -- the earnings hint ------------------------------------------------------------------------


def test_the_earnings_hint_never_breaks_inside_the_command() -> None:
    write_config(CONFIG.split("[earnings]")[0])
    html = report("--format", "html")
    assert "<code>hours set --earnings 1200/week</code>" in html
    assert ".stat code { white-space: nowrap; }" in html
    root = ET.fromstring(report("--format", "svg").encode())
    notes = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "Set your earnings: hours set --earnings 1200/week" in notes


def svg_title(*args: str) -> list[tuple[str | None, str | None, str | None]]:
    """Return the (y, font size, text) of the title's lines in the SVG report."""
    svg = run("report", "--week", "2026-W48", "--format", "svg", *args, catch=False).stdout
    texts = ET.fromstring(svg.encode()).iter(f"{SVG}text")
    return [(t.get("y"), t.get("font-size"), t.text) for t in texts if t.get("y") in TITLE_Y]


TITLE_Y = ("86.0", "100.0", "114.0")


def test_a_long_headline_takes_two_lines_of_the_svg_clear_of_the_dates() -> None:
    write_config(CONFIG)
    assert svg_title() == [("100.0", "38", "Sam's Nails")]
    assert svg_title("--for", "clients") == [("100.0", "38", "When you can reach Sam's Nails")]
    write_config(CONFIG.replace("Sam's Nails", "Samantha's Nail & Beauty Studio, Queen West"))
    assert svg_title("--for", "clients") == [
        ("86.0", "26", "When you can reach Samantha's Nail & Beauty"),
        ("114.0", "26", "Studio, Queen West"),
    ]
