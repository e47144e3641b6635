"""Cover windows in `hours status`, `next` and `show`, through the real command line."""

from __future__ import annotations

import json

from tests.helpers import config_file, run, write_config

CONFIG = """\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
[[cover]]
name = "Jo"
number = "+15551230001"
days = "mon-fri"
hours = "18:00-22:00"
sms = true
voice = true
[[cover]]
name = "Kim"
number = "+15551230002"
days = ["mon", "tue", "wed", "thu"]
hours = "22:00-01:00"
voice = true
[[cover]]
name = "Lee"
number = "+15551230003"
date = 2026-11-28
sms = true
"""


def test_status_says_who_covers_and_until_when() -> None:
    write_config(CONFIG)
    result = run("status", "--at", "2026-11-23T19:00")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "Closed (outside hours) — Jo is covering until 22:00; opens tomorrow at 09:00, "
        "in 14 hours\n"
    )
    # Kim's window runs past midnight: its end is said with its day
    result = run("status", "--at", "2026-11-23T23:30")
    assert result.stdout == (
        "Closed (outside hours) — Kim is covering until tomorrow at 01:00; opens tomorrow at "
        "09:00, in 9 hours 30 minutes\n"
    )
    # between covers, and while open, nobody
    result = run("status", "--at", "2026-11-24T03:00")
    assert result.stdout == "Closed (outside hours) — opens today at 09:00, in 6 hours\n"
    result = run("status", "--at", "2026-11-24T10:00")
    assert (result.exit_code, result.stdout) == (0, "Open — closes today at 17:00, in 7 hours\n")


def test_status_json_has_the_cover() -> None:
    write_config(CONFIG)
    doc = json.loads(run("status", "--json", "--at", "2026-11-23T21:00").stdout)
    assert doc["cover"] == {"name": "Jo", "until": "2026-11-23T22:00:00-05:00"}
    # Lee covers all of Saturday, which is all closed: until midnight
    doc = json.loads(run("status", "--json", "--at", "2026-11-28T12:00").stdout)
    assert doc["cover"] == {"name": "Lee", "until": "2026-11-29T00:00:00-05:00"}
    doc = json.loads(run("status", "--json", "--at", "2026-11-23T12:00").stdout)
    assert (doc["open"], doc["cover"]) == (True, None)


def test_next_lists_cover_changes_among_openings_and_closings() -> None:
    write_config(CONFIG)
    result = run("--no-color", "next", "-n", "6", "--at", "2026-11-23T12:00")
    assert result.exit_code == 0
    assert result.stdout == (
        "Mon 23 Nov 2026 17:00  closes (outside hours), in 5 hours\n"
        "Mon 23 Nov 2026 18:00  Jo covers, in 6 hours\n"
        "Mon 23 Nov 2026 22:00  Kim covers, in 10 hours\n"
        "Tue 24 Nov 2026 01:00  Kim's cover ends, in 13 hours\n"
        "Tue 24 Nov 2026 09:00  opens, in 21 hours\n"
        "Tue 24 Nov 2026 17:00  closes (outside hours), in 1 day 5 hours\n"
    )
    doc = json.loads(run("next", "-n", "4", "--json", "--at", "2026-11-23T12:00").stdout)
    assert doc == {
        "changes": [
            {
                "at": "2026-11-23T17:00:00-05:00",
                "open": False,
                "reason": "outside hours",
                "cover": None,
            },
            {
                "at": "2026-11-23T18:00:00-05:00",
                "open": False,
                "reason": "outside hours",
                "cover": "Jo",
            },
            {
                "at": "2026-11-23T22:00:00-05:00",
                "open": False,
                "reason": "outside hours",
                "cover": "Kim",
            },
            {
                "at": "2026-11-24T01:00:00-05:00",
                "open": False,
                "reason": "outside hours",
                "cover": None,
            },
        ]
    }


def test_a_closing_where_a_cover_starts_is_one_change() -> None:
    write_config(CONFIG.replace('hours = "18:00-22:00"', 'hours = "16:00-22:00"'))
    # Jo's window opens at 16:00, but nobody covers while open: from the closing on
    result = run("--no-color", "next", "-n", "2", "--at", "2026-11-23T12:00")
    assert result.stdout == (
        "Mon 23 Nov 2026 17:00  closes (outside hours), Jo covers, in 5 hours\n"
        "Mon 23 Nov 2026 22:00  Kim covers, in 10 hours\n"
    )
    # ...and Friday night Jo's cover ends at 22:00, with no Kim after it
    result = run("--no-color", "next", "-n", "3", "--at", "2026-11-27T12:00")
    assert result.stdout == (
        "Fri 27 Nov 2026 17:00  closes (outside hours), Jo covers, in 5 hours\n"
        "Fri 27 Nov 2026 22:00  Jo's cover ends, in 10 hours\n"
        "Sat 28 Nov 2026 00:00  Lee covers, in 12 hours\n"
    )


def test_show_lists_covers() -> None:
    write_config(CONFIG)
    lines = run("show").stdout.splitlines()
    at = lines.index("Cover while you are closed:")
    assert lines[at + 1 : at + 5] == [
        "  1. Jo (+15551230001), texts and calls: Mon-Fri 18:00-22:00",
        "  2. Kim (+15551230002), calls: Mon-Thu 22:00-01:00",
        "  3. Lee (+15551230003), texts: 2026-11-28, all day",
        "",
    ]
    doc = json.loads(run("show", "--json").stdout)
    assert doc["cover"] == [
        {
            "name": "Jo",
            "number": "+15551230001",
            "sms": True,
            "voice": True,
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "from": None,
            "to": None,
            "rrule": None,
            "hours": [["18:00", "22:00"]],
        },
        {
            "name": "Kim",
            "number": "+15551230002",
            "sms": False,
            "voice": True,
            "days": ["mon", "tue", "wed", "thu"],
            "from": None,
            "to": None,
            "rrule": None,
            "hours": [["22:00", "01:00"]],
        },
        {
            "name": "Lee",
            "number": "+15551230003",
            "sms": True,
            "voice": False,
            "days": None,
            "from": "2026-11-28",
            "to": "2026-11-28",
            "rrule": None,
            "hours": None,
        },
    ]


def test_show_says_recurring_and_bounded_covers() -> None:
    write_config(
        CONFIG.split("[[cover]]")[0]
        + '[[cover]]\nname = "Lee"\nnumber = "+15551230003"\nrrule = "FREQ=MONTHLY;BYDAY=1SA"\n'
        + 'start = 2026-01-03\nhours = "10:00-18:00"\nsms = true\n'
        + '[[cover]]\nname = "Max"\nnumber = "+15551230004"\ndays = "sun,tue,wed,thu"\n'
        + "from = 2027-01-01\nto = 2027-03-31\nvoice = true\n"
    )
    lines = run("show").stdout.splitlines()
    at = lines.index("Cover while you are closed:")
    assert lines[at + 1 : at + 3] == [
        "  1. Lee (+15551230003), texts: FREQ=MONTHLY;BYDAY=1SA from 2026-01-03, 10:00-18:00",
        "  2. Max (+15551230004), calls: Tue-Thu, Sun all day from 2027-01-01 until 2027-03-31",
    ]
    assert config_file().exists()
