"""The everyday commands, end to end through the entry point: exact output and exit status."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.helpers import config_file, run, write_config

LONDON = """\
timezone = "Europe/London"

[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
"""


def newcomer() -> None:
    """Do what the README's tour does, from nothing."""
    assert run("init", "--timezone", "Europe/London").exit_code == 0
    assert run("set", "mon-fri", "9-17").exit_code == 0
    assert run("set", "sat", "10-14").exit_code == 0
    assert run("off", "2026-12-24", "2026-12-26", "--reason", "Christmas").exit_code == 0
    assert run("holidays", "GB", "--subdivision", "ENG", "--at", "2026-11-22T12:00").exit_code == 0


def test_status_on_the_builtin_default_says_so_once_on_stderr() -> None:
    result = run("status", "--at", "2026-11-23T10:00")  # a Monday; TZ=UTC in tests
    assert result.exit_code == 0
    assert result.stdout == "Open — closes today at 17:00, in 7 hours\n"
    assert result.stderr == (
        f"Note: no config at {config_file()}; using the built-in default "
        "(Monday-Friday 09:00-17:00, UTC). Run `hours init` to make it yours.\n"
    )
    assert not config_file().exists()


def test_the_newcomers_tour() -> None:
    newcomer()
    result = run("status", "--at", "2026-12-25T10:00")
    assert result.exit_code == 1
    assert result.stdout == (
        "Closed (Christmas) — opens Tuesday 29 December at 09:00, in 3 days 23 hours\n"
    )
    assert result.stderr == ""

    result = run("next", "--count", "4", "--json", "--at", "2026-12-25T10:00")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "changes": [
            {"at": "2026-12-29T09:00:00+00:00", "open": True, "reason": None, "cover": None},
            {
                "at": "2026-12-29T17:00:00+00:00",
                "open": False,
                "reason": "outside hours",
                "cover": None,
            },
            {"at": "2026-12-30T09:00:00+00:00", "open": True, "reason": None, "cover": None},
            {
                "at": "2026-12-30T17:00:00+00:00",
                "open": False,
                "reason": "outside hours",
                "cover": None,
            },
        ]
    }

    result = run("show")
    assert result.exit_code == 0
    assert result.stdout == (
        f"Your hours — Europe/London ({config_file()})\n"
        "\n"
        "Week:\n"
        "  Mon  09:00-17:00                          8 h\n"
        "  Tue  09:00-17:00                          8 h\n"
        "  Wed  09:00-17:00                          8 h\n"
        "  Thu  09:00-17:00                          8 h\n"
        "  Fri  09:00-17:00                          8 h\n"
        "  Sat  10:00-14:00                          4 h\n"
        "  Sun  closed\n"
        "  44 hours a week of 168 (124 yours)\n"
        "\n"
        "Closed:\n"
        "  1. 2026-12-24 to 2026-12-26, all day: Christmas\n"
        "\n"
        "Extra openings:\n"
        "  none\n"
        "\n"
        "Cover while you are closed:\n"
        "  nobody\n"
        "\n"
        "Public holidays:\n"
        "  GB-ENG\n"
    )


def test_status_json_and_quiet() -> None:
    newcomer()
    result = run("status", "--json", "--at", "2026-12-28T12:00")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "open": False,
        "at": "2026-12-28T12:00:00+00:00",
        "timezone": "Europe/London",
        "since": "2026-12-23T17:00:00+00:00",
        "until": "2026-12-29T09:00:00+00:00",
        "next_open": "2026-12-29T09:00:00+00:00",
        "reason": "Boxing Day (observed)",
        "cover": None,
    }
    quiet = run("status", "-q", "--at", "2026-12-29T12:00")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    quiet = run("status", "-q", "--at", "2026-12-29T18:00")
    assert (quiet.exit_code, quiet.stdout) == (1, "")


def test_status_open_json_and_offsets() -> None:
    write_config(LONDON)
    result = run("status", "--json", "--at", "2026-07-01T08:30:00Z")  # 09:30 BST
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "open": True,
        "at": "2026-07-01T09:30:00+01:00",
        "timezone": "Europe/London",
        "since": "2026-07-01T09:00:00+01:00",
        "until": "2026-07-01T17:00:00+01:00",
        "next_open": "2026-07-02T09:00:00+01:00",
        "reason": None,
        "cover": None,
    }


def test_next_human_output() -> None:
    write_config(LONDON)
    result = run("next", "-n", "3", "--at", "2026-11-27T16:00")
    assert result.exit_code == 0
    assert result.stdout == (
        "Fri 27 Nov 2026 17:00  closes (outside hours), in 1 hour\n"
        "Mon 30 Nov 2026 09:00  opens, in 2 days 17 hours\n"
        "Mon 30 Nov 2026 17:00  closes (outside hours), in 3 days 1 hour\n"
    )


def test_init_writes_0600_and_refuses_to_overwrite() -> None:
    result = run("init", "--timezone", "Europe/London", "--hours", "9-12", "--hours", "13-17")
    assert result.exit_code == 0, result.output
    path = config_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert 'mon = ["09:00-12:00", "13:00-17:00"]' in path.read_text()
    before = path.read_text()
    again = run("init", "--timezone", "Asia/Tokyo")
    assert again.exit_code == 2
    assert again.stderr == (
        f"Error: {path} already exists; pass --force to overwrite it, or edit it with `hours set`\n"
    )
    assert path.read_text() == before
    assert run("init", "--timezone", "Asia/Tokyo", "--force").exit_code == 0
    assert 'timezone = "Asia/Tokyo"' in path.read_text()


def test_init_at_a_terminal_asks_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hours.commands.init.at_terminal", lambda: True)
    # The last answer, empty, skips the email channel.
    answers = "Sam's Nails\nAmerica/Toronto\nmon-fri\n9-12 13-17\nCA\nON\n1200/week\nCAD\n\n"
    result = run("init", input=answers)
    assert result.exit_code == 0, result.output
    text = config_file().read_text()
    assert 'name = "Sam\'s Nails"' in text
    assert 'timezone = "America/Toronto"' in text
    assert 'fri = ["09:00-12:00", "13:00-17:00"]' in text
    assert 'country = "CA"' in text
    assert 'subdivision = "ON"' in text
    assert "weekly = 1200" in text
    assert 'currency = "CAD"' in text


def test_init_at_a_terminal_asks_again_after_a_bad_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hours.commands.init.at_terminal", lambda: True)
    answers = "\nMars/Olympus\nEurope/Paris\n\n\n\n\n\n"
    result = run("init", input=answers)
    assert result.exit_code == 0, result.output
    assert "'Mars/Olympus' is not a known time zone" in result.stderr
    assert 'timezone = "Europe/Paris"' in config_file().read_text()


def test_set_keeps_comments_and_prints_the_week() -> None:
    write_config(
        '# my hours\ntimezone = "Europe/London"  # home\n\n[week]\nmon = "09:00-17:00"  # Mondays\n'
    )
    result = run("set", "tue", "9-12", "13-17")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0:3] == [
        "Your hours — Europe/London",
        "  Mon  09:00-17:00                          8 h",
        "  Tue  09:00-12:00, 13:00-17:00             7 h",
    ]
    text = config_file().read_text()
    assert text.startswith('# my hours\ntimezone = "Europe/London"  # home\n')
    assert 'mon = "09:00-17:00"  # Mondays' in text
    assert 'tue = ["09:00-12:00", "13:00-17:00"]' in text


def test_set_overnight_and_closed_and_shorthands() -> None:
    write_config(LONDON)
    assert run("set", "fri", "10pm-2am").exit_code == 0
    assert run("set", "weekend", "closed").exit_code == 0
    assert run("set", "mon,wed", "9:30-17:30").exit_code == 0
    show = json.loads(run("show", "--json").stdout)
    assert show["week"] == {
        "mon": [["09:30", "17:30"]],
        "tue": [["09:00", "17:00"]],
        "wed": [["09:30", "17:30"]],
        "thu": [["09:00", "17:00"]],
        "fri": [["22:00", "02:00"]],
        "sat": [],
        "sun": [],
    }
    # Friday 22:00 to Saturday 02:00: open at 01:00 on Saturday
    assert run("status", "-q", "--at", "2026-11-28T01:00").exit_code == 0


def test_set_creates_the_config_from_the_default() -> None:
    result = run(
        "set", "--timezone", "Asia/Kolkata", "--earnings", "5200/month", "--currency", "inr"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Created {config_file()}\n"
    text = config_file().read_text()
    assert 'timezone = "Asia/Kolkata"' in text
    assert "monthly = 5200" in text
    assert 'currency = "INR"' in text


def test_off_list_and_remove() -> None:
    write_config(LONDON)
    assert run("off", "2026-11-25", "--hours", "15-24", "--reason", "Early close").exit_code == 0
    result = run(
        "off", "2026-01-09", "--every", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "--reason", "Fridays"
    )
    assert (
        result.stdout == "Added closure 2: every other Friday from 2026-01-09, all day: Fridays\n"
    )
    listed = run("off", "--list")
    assert listed.stdout == (
        "1. 2026-11-25, 15:00-24:00: Early close\n"
        "2. every other Friday from 2026-01-09, all day: Fridays\n"
    )
    assert run("status", "-q", "--at", "2026-11-25T16:00").exit_code == 1
    st = json.loads(run("status", "--json", "--at", "2026-11-27T10:00").stdout)  # 46 weeks on
    assert (st["open"], st["reason"]) == (False, "Fridays")
    assert run("status", "-q", "--at", "2026-11-20T10:00").exit_code == 0  # the Friday between
    removed = run("off", "--remove", "1")
    assert removed.stdout == "Removed closure 1: 2026-11-25, 15:00-24:00: Early close\n"
    assert run("off", "--list").stdout.startswith("1. every other Friday")
    missing = run("off", "--remove", "5")
    assert (missing.exit_code, missing.stderr) == (
        2,
        "Error: there is no closure 5; `hours off --list` shows 1\n",
    )


def test_open_replaces_the_template_for_that_date() -> None:
    write_config(LONDON)
    result = run("open", "2026-12-20", "10-16", "--reason", "Holiday rush")
    assert result.stdout == "Open on Sunday 20 December 2026: 10:00-16:00\n"
    changes = json.loads(run("next", "-n", "2", "--json", "--at", "2026-12-20T00:00").stdout)
    assert changes["changes"] == [
        {"at": "2026-12-20T10:00:00+00:00", "open": True, "reason": "Holiday rush", "cover": None},
        {
            "at": "2026-12-20T16:00:00+00:00",
            "open": False,
            "reason": "outside hours",
            "cover": None,
        },
    ]


def test_off_and_open_leave_a_blank_line_between_tables() -> None:
    write_config(LONDON + "\n[earnings]  # what I make\nweekly = 900\n")
    assert run("off", "2026-12-24", "2026-12-26", "--reason", "Christmas").exit_code == 0
    assert run("off", "2026-11-25", "--hours", "15-24", "--reason", "Early close").exit_code == 0
    assert run("open", "2026-12-20", "10-16").exit_code == 0
    assert run("open", "2026-12-21", "9-12", "13-18", "--reason", "Rush").exit_code == 0
    assert run("off", "2026-12-31").exit_code == 0
    assert config_file().read_text() == LONDON + (
        "\n[earnings]  # what I make\nweekly = 900\n"
        '\n[[closed]]\nfrom = 2026-12-24\nto = 2026-12-26\nreason = "Christmas"\n'
        '\n[[closed]]\ndate = 2026-11-25\nhours = "15:00-24:00"\nreason = "Early close"\n'
        '\n[[closed]]\ndate = 2026-12-31\nreason = "Day off"\n'
        '\n[[open]]\ndate = 2026-12-20\nhours = ["10:00-16:00"]\n'
        '\n[[open]]\ndate = 2026-12-21\nhours = ["09:00-12:00", "13:00-18:00"]\nreason = "Rush"\n'
    )


def test_holidays_list_none_and_keep_open() -> None:
    write_config(LONDON)
    result = run(
        "holidays", "GB", "-s", "ENG", "--keep-open", "Easter Monday", "--at", "2026-01-01T00:00"
    )
    assert result.exit_code == 0, result.output
    assert "  Mon 06 Apr 2026  Easter Monday  (open: kept open)\n" in result.stdout
    assert "  Fri 25 Dec 2026  Christmas Day\n" in result.stdout
    assert run("status", "-q", "--at", "2026-04-06T10:00").exit_code == 0
    assert run("status", "-q", "--at", "2026-04-03T10:00").exit_code == 1
    listed = run("holidays", "--list", "--year", "2027")
    assert "  Mon 03 May 2027  May Day\n" in listed.stdout
    assert run("holidays", "--none").stdout == "Public holidays no longer close you.\n"
    assert run("status", "-q", "--at", "2026-04-03T10:00").exit_code == 0


def test_holiday_dates_are_cached_in_the_state_dir() -> None:
    write_config(LONDON + '\n[holidays]\ncountry = "GB"\nsubdivision = "SCT"\n')
    assert run("status", "-q", "--at", "2026-11-30T10:00").exit_code == 1  # St Andrew's Day
    cache = Path(os.environ["HOURS_HOME"]) / "holidays-GB-SCT.tsv"
    head, *lines = cache.read_text().splitlines()
    assert head.startswith("hours holidays 3\t2025 2026 2027 2028\t")
    assert "2026-11-30\tpublic\tSaint Andrew's Day" in lines
    # Read back, with no import of the holidays package: St Andrew's Day still closes.
    cache.write_text(cache.read_text().replace("Saint Andrew's Day", "Cached Day"))
    result = run("status", "--at", "2026-11-30T10:00")
    assert result.stdout.startswith("Closed (Cached Day)")


def test_a_damaged_holiday_cache_is_made_again() -> None:
    write_config(LONDON + '\n[holidays]\ncountry = "GB"\nsubdivision = "SCT"\n')
    cache = Path(os.environ["HOURS_HOME"]) / "holidays-GB-SCT.tsv"
    cache.parent.mkdir(parents=True)
    for damaged in ("", "hours holidays 3\t2026\n", "hours holidays 2\t2026\tx\n2026-11-30\n"):
        cache.write_text(damaged)
        result = run("status", "--at", "2026-11-30T10:00")
        assert result.stdout.startswith("Closed (Saint Andrew's Day)"), damaged
        assert cache.read_text().startswith("hours holidays 3\t")


def test_unknown_keys_warn_and_still_work() -> None:
    write_config("colour = 'blue'\n" + LONDON + "[earnings]\nweekly = 100\nbonus = 3\n")
    result = run("status", "-q", "--at", "2026-11-23T10:00")
    assert result.exit_code == 0
    assert result.stderr == (
        f"Warning: {config_file()}: colour: unknown key, ignored\n"
        f"Warning: {config_file()}: [earnings] bonus: unknown key, ignored\n"
    )


def test_no_color_and_plain_output_have_no_escapes() -> None:
    write_config(LONDON)
    result = run("--no-color", "next", "-n", "1", "--at", "2026-11-23T08:00")
    assert "\x1b" not in result.output
