"""Cover windows in `hours report`, in every format, with their own mark; `hours cost` unchanged."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import icalendar
import pytest

from tests.helpers import run, write_config
from tests.report_config import COVERED

CONFIG = COVERED
WITHOUT_COVER = CONFIG.split("[[cover]]")[0] + "[earnings]\nweekly = 1200\n"

GRID = """\
            0     3     6     9     12    15    18    21    24
Mon 23 Nov  ··················████████████████▒▒▒▒▒▒▒▒▒▒▒▒▒▒      8 h
Tue 24 Nov  ▒▒················████████████████▒▒▒▒▒▒▒▒▒▒▒▒▒▒      8 h
Wed 25 Nov  ▒▒················████████████████▒▒▒▒▒▒▒▒▒▒▒▒▒▒      8 h
Thu 26 Nov  ▒▒░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒      –
Fri 27 Nov  ▒▒················████████████████▒▒▒▒▒▒▒▒▒▒····      8 h
Sat 28 Nov  ················································      –
Sun 29 Nov  ················································      –
            █ open  ▌ part of the half hour  · closed  ░ closure or holiday
            ▒ covered while closed: Jo, Kim
"""


def report(*args: str) -> str:
    result = run("report", "--week", "2026-W48", *args, catch=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_text_draws_cover_with_its_own_mark_and_counts_its_hours() -> None:
    write_config(CONFIG)
    text = report("--format", "text")
    assert GRID in text
    # Jo's window opens at 16:00, but cover starts at the closing: nobody covers while open.
    assert "Mon 23 Nov  09:00–17:00   8 h  Jo covers 17:00–22:00; Kim covers 22:00–24:00\n" in text
    assert "Thu 26 Nov  closed             Thanksgiving; Kim covers 00:00–01:00,\n" in text
    # Thursday is closed all day for Thanksgiving, so Jo covers from 16:00 there
    assert "Jo covers 16:00–22:00" in text
    assert "Covered while you are closed: 38 hours (Jo 26, Kim 12).\n" in text


def test_json_days_list_who_covers_when() -> None:
    write_config(CONFIG)
    doc = json.loads(report("--format", "json"))
    monday, thursday, saturday = doc["days"][0], doc["days"][3], doc["days"][5]
    assert monday["cover"] == [
        ["2026-11-23T17:00:00-05:00", "2026-11-23T22:00:00-05:00", "Jo"],
        ["2026-11-23T22:00:00-05:00", "2026-11-24T00:00:00-05:00", "Kim"],
    ]
    assert monday["cover_hours"] == 7
    assert thursday["cover"] == [
        ["2026-11-26T00:00:00-05:00", "2026-11-26T01:00:00-05:00", "Kim"],
        ["2026-11-26T16:00:00-05:00", "2026-11-26T22:00:00-05:00", "Jo"],
        ["2026-11-26T22:00:00-05:00", "2026-11-27T00:00:00-05:00", "Kim"],
    ]
    assert (saturday["cover"], saturday["cover_hours"]) == ([], 0)
    assert doc["cover_hours"] == 38
    # Cover is closed time someone else takes: the open hours and the wage do not change.
    write_config(WITHOUT_COVER)
    plain = json.loads(report("--format", "json"))
    assert (doc["total_hours"], doc["hourly"]) == (plain["total_hours"], plain["hourly"])
    assert [d["hours"] for d in doc["days"]] == [d["hours"] for d in plain["days"]]


def test_markdown_has_the_cover_notes_the_sentence_and_the_grid() -> None:
    write_config(CONFIG)
    text = report("--format", "markdown")
    assert "| Mon 23 Nov | 09:00–17:00 | 8 h | Jo covers 17:00–22:00; Kim covers 22:00–24:00 |" in (
        text
    )
    assert "Covered while you are closed: 38 hours (Jo 26, Kim 12).\n" in text
    assert GRID in text


def test_html_and_svg_draw_cover_blocks_with_a_legend_entry() -> None:
    write_config(CONFIG)
    html = report("--format", "html")
    # Monday and Friday two blocks, Tuesday to Thursday three: Kim's nights cross midnight
    assert html.count('<div class="cover" ') == 13
    assert 'title="17:00–22:00 Jo"' in html
    assert '<i class="k-cover"></i>covered while closed: Jo, Kim' in html
    assert "Jo and Kim cover 38 of them." in html
    svg = report("--format", "svg")
    root = ET.fromstring(svg.encode())
    ns = "{http://www.w3.org/2000/svg}"
    covered = [r for r in root.iter(f"{ns}rect") if r.get("fill") == "#a9bcd1"]
    assert len(covered) == 13 + 1  # the blocks, and the legend's swatch
    titles = [t.text for r in covered for t in r.iter(f"{ns}title")]
    assert "22:00–24:00 Kim" in titles
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "covered while closed: Jo, Kim" in texts
    assert "covered by Jo, Kim" in texts


def test_a_week_nobody_covers_has_no_cover_mark() -> None:
    write_config(WITHOUT_COVER)
    assert "▒" not in report("--format", "text")
    assert "k-cover" not in report("--format", "html").split("</style>")[1]
    assert "covered" not in report("--format", "svg")


def test_ics_has_the_cover_events_and_an_import_leaves_them_out(tmp_path: object) -> None:
    write_config(CONFIG)
    data = run("report", "--week", "2026-W48", "--format", "ics", catch=False).stdout_bytes
    cal = icalendar.Calendar.from_ical(data)
    covers = [e for e in cal.walk("VEVENT") if str(e.get("X-HOURS-KIND")) == "cover"]
    assert len(covers) == 5 + 4  # events are not cut at midnight
    assert {str(e["SUMMARY"]) for e in covers} == {
        "Sam's Nails: Jo covers",
        "Sam's Nails: Kim covers",
    }
    assert {str(c) for e in covers for c in e["CATEGORIES"].cats} == {"Covered"}
    # the client-facing calendar export does not name who covers
    exported = run("calendar", "export", "--weeks", "1", "--at", "2026-11-23T08:00").stdout_bytes
    assert b"covers" not in exported
    # importing the report's calendar turns its closures, not its cover, into closures
    path = tmp_path / "week.ics"  # type: ignore[operator]
    path.write_bytes(data)
    write_config(
        WITHOUT_COVER.replace('[[closed]]\ndate = 2026-11-26\nreason = "Thanksgiving"\n', "")
    )
    result = run("calendar", "import", str(path), "--dry-run", "--at", "2026-11-23T08:00")
    assert result.exit_code == 0, result.output
    assert "covers" not in result.output
    assert "Thanksgiving" in result.output


def test_cost_is_unchanged_by_cover() -> None:
    write_config(CONFIG)
    with_cover = run("cost", "--json").stdout
    write_config(WITHOUT_COVER)
    assert run("cost", "--json").stdout == with_cover


def test_the_clients_sheet_does_not_say_who_covers() -> None:
    write_config(CONFIG)
    for fmt in ("text", "markdown", "html", "svg", "ics"):
        out = report("--format", fmt, "--for", "clients")
        assert "Jo" not in out, fmt
        assert "▒" not in out, fmt
    doc = json.loads(report("--format", "json", "--for", "clients"))
    assert [d["cover"] for d in doc["days"]] == [[]] * 7


def test_a_narrow_terminal_draws_cover_an_hour_a_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(CONFIG)
    monkeypatch.setenv("COLUMNS", "60")
    lines = report("--format", "text").splitlines()
    assert "Mon 23 Nov  ·········████████▒▒▒▒▒▒▒      8 h" in lines
    assert any(line.strip() == "▒ covered while closed: Jo, Kim" for line in lines)
