"""Ranges as people type them: `9-5` is nine to five, and the command says how it read it."""

from __future__ import annotations

import json

import pytest

from hours.parsing import read_range, read_ranges
from hours.schedule import Range
from tests.helpers import config_file, run, write_config

LONDON = 'timezone = "Europe/London"\n\n[week]\nmon = "09:00-17:00"\n'

# typed on the command line -> saved, and the note the command prints about how it read it
NINE_TO_FIVE = [
    ("9-5", "09:00-17:00", "Note: read 9-5 as 09:00-17:00.\n"),
    ("9-5pm", "09:00-17:00", ""),  # the pm says it
    ("9am-5", "09:00-17:00", "Note: read 9am-5 as 09:00-17:00.\n"),  # 5 after 9am is 5pm
    ("10-2", "10:00-14:00", "Note: read 10-2 as 10:00-14:00.\n"),
    ("12-8", "12:00-20:00", "Note: read 12-8 as 12:00-20:00.\n"),
    ("22-6", "22:00-06:00", ""),  # a 24-hour start: overnight, as written
    ("9pm-5am", "21:00-05:00", ""),  # am/pm: overnight, as written
    ("7-3", "07:00-15:00", "Note: read 7-3 as 07:00-15:00.\n"),
    ("11-11", "11:00-23:00", "Note: read 11-11 as 11:00-23:00.\n"),
]


@pytest.mark.parametrize(("typed", "saved", "note"), NINE_TO_FIVE)
def test_set_reads_the_nine_to_five_family(typed: str, saved: str, note: str) -> None:
    write_config(LONDON)
    result = run("set", "tue", typed, catch=False)
    assert result.exit_code == 0
    assert result.stderr == note
    assert f'tue = "{saved}"' in config_file().read_text()
    first, last = saved.split("-")
    assert json.loads(run("show", "--json").stdout)["week"]["tue"] == [[first, last]]


@pytest.mark.parametrize(("typed", "saved", "note"), NINE_TO_FIVE)
def test_the_parser_reads_the_table_alike(typed: str, saved: str, note: str) -> None:
    read, how = read_range(typed)
    assert str(read) == saved
    assert (f"Note: {how}.\n" if how else "") == note


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("9pm-5", "21:00-05:00"),  # the next 5 after 9 pm is in the morning
        ("1pm-5", "13:00-17:00"),
        ("9:30-5:30", "09:30-17:30"),
        ("12-12", "12:00-24:00"),
        ("09:00-05:00", "09:00-05:00"),  # a leading zero is the 24-hour clock
        ("13-5", "13:00-05:00"),  # 13 is no hour of the 12-hour clock
        ("9-17", "09:00-17:00"),
        ("0-5", "00:00-05:00"),
    ],
)
def test_edges_of_the_rule(typed: str, saved: str) -> None:
    assert str(read_range(typed)[0]) == saved


def test_an_empty_range_is_still_refused() -> None:
    with pytest.raises(ValueError, match="is empty"):
        read_range("13-13")


def test_a_range_over_sixteen_hours_gets_a_notice() -> None:
    write_config(LONDON)
    result = run("set", "wed", "09:00-05:00", catch=False)
    assert result.exit_code == 0
    assert result.stderr == "Note: 09:00-05:00 runs 20 hours, past midnight into the next day.\n"
    result = run("set", "thu", "6-23", catch=False)
    assert result.stderr == "Note: 06:00-23:00 runs 17 hours.\n"
    # sixteen hours is long, but not a slip: no notice
    assert run("set", "fri", "6-22", catch=False).stderr == ""


def test_off_hours_and_open_read_ranges_alike() -> None:
    write_config(LONDON)
    result = run("off", "2099-11-25", "--hours", "11-3", "--reason", "Dentist", catch=False)
    assert result.exit_code == 0
    assert result.stderr == "Note: read 11-3 as 11:00-15:00.\n"
    assert result.stdout == "Added closure 1: 2099-11-25, 11:00-15:00: Dentist\n"
    result = run("open", "2099-12-20", "10-4", catch=False)
    assert result.stderr == "Note: read 10-4 as 10:00-16:00.\n"
    assert result.stdout == "Open on Sunday 20 December 2099: 10:00-16:00\n"
    result = run("open", "2099-12-21", "4-23", catch=False)
    assert result.stderr == "Note: 04:00-23:00 runs 19 hours.\n"


def test_the_config_file_is_never_read_on_the_twelve_hour_clock() -> None:
    write_config('timezone = "Europe/London"\n\n[week]\nmon = "09:00-05:00"\n')
    result = run("show", "--json")
    assert json.loads(result.stdout)["week"]["mon"] == [["09:00", "05:00"]]
    write_config('timezone = "Europe/London"\n\n[week]\nmon = "9-5"\n')
    refused = run("show")
    assert refused.exit_code == 3
    assert "'9' is not a time; use HH:MM" in refused.stderr


def test_several_ranges_read_and_checked_together() -> None:
    ranges, notes = read_ranges(["12:30-5", "9-12"])
    assert ranges == [Range(540, 720), Range(750, 1020)]
    assert notes == ["read 12:30-5 as 12:30-17:00"]
    # the rule needs an end at or before the start: 1-5 is one to five in the night
    assert read_ranges(["1-5"]) == ([Range(60, 300)], [])
    with pytest.raises(ValueError, match="overlap"):
        read_ranges(["9-5", "3pm-6pm"])  # 09:00-17:00 and 15:00-18:00
