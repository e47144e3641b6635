"""The smaller points a newcomer meets: suggestions, names in errors, exit statuses."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hours.describe import rrule_text
from tests.helpers import config_file, freeze_clock, run, write_config

LONDON = 'timezone = "Europe/London"\n\n[week]\nmon = "09:00-17:00"\n'


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("stauts", "No such command 'stauts'. Did you mean 'status'?"),
        ("reprot", "No such command 'reprot'. Did you mean 'report'?"),  # a lazy command too
        ("holiday", "No such command 'holiday'. Did you mean 'holidays'?"),
        ("xyzzy", "No such command 'xyzzy'."),
    ],
)
def test_a_mistyped_command_gets_a_suggestion(typed: str, said: str) -> None:
    result = run(typed)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {said} See 'hours --help'.\n"


def test_a_mistyped_subcommand_gets_one_too() -> None:
    result = run("cron", "shwo")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: No such command 'shwo'. Did you mean 'show'? See 'hours cron --help'.\n"
    )


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["off", "2026-13-01"], "Invalid value for 'FROM': '2026-13-01' is not a date"),
        (["off", "2026-12-24", "soon"], "Invalid value for 'TO': 'soon' is not a date"),
        (["open", "Monday", "9-17"], "Invalid value for 'DATE': 'Monday' is not a date"),
        (["open", "2026-12-24"], "Missing argument 'HOURS'."),
    ],
)
def test_errors_name_the_argument_as_the_usage_line_does(argv: list[str], said: str) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {said}")
    assert "[" not in result.stderr.split("See")[0]


def test_usage_lines_show_which_arguments_are_optional() -> None:
    assert run("off", "--help").stdout.startswith("Usage: hours off [OPTIONS] [FROM] [TO]\n")
    assert run("open", "--help").stdout.startswith("Usage: hours open [OPTIONS] DATE HOURS...\n")


def test_report_takes_json_as_every_other_command_does() -> None:
    write_config(LONDON)
    as_json = run("report", "--json", "--at", "2026-11-23T10:00", catch=False)
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["week"] == "2026-W48"
    assert as_json.stdout == run("report", "--format", "json", "--at", "2026-11-23T10:00").stdout
    clash = run("report", "--json", "--format", "html")
    assert (clash.exit_code, clash.stderr) == (
        2,
        "Error: --json is --format json; give one of --json and --format html\n",
    )


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "every other Friday from 2026-01-09"),
        ("FREQ=WEEKLY", "every Friday from 2026-01-09"),  # the start's weekday
        ("FREQ=WEEKLY;BYDAY=MO,WE", "every Monday and Wednesday from 2026-01-09"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=SA", "every 3 weeks on Saturday from 2026-01-09"),
        ("FREQ=DAILY;INTERVAL=2;COUNT=5", "every other day from 2026-01-09, 5 times"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "on the last day of every month from 2026-01-09"),
        (
            "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231T000000Z",
            "on the last Friday of every month from 2026-01-09, until 2026-12-31",
        ),
        ("FREQ=MONTHLY;BYDAY=1MO", "on the first Monday of every month from 2026-01-09"),
        ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", "every year on 24 December from 2026-01-09"),
        ("RRULE:FREQ=MONTHLY;INTERVAL=3", "on the 9th of every 3 months from 2026-01-09"),
        # what the words cannot say is shown as written
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1 from 2026-01-09"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=MONTHLY;BYMONTHDAY=1,15 from 2026-01-09"),
    ],
)
def test_recurring_closures_in_words(rule: str, said: str) -> None:
    assert rrule_text(rule, dt.date(2026, 1, 9)) == said


def test_off_list_says_a_recurring_closure_in_words() -> None:
    write_config(LONDON)
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    added = run("off", "2026-01-09", "--every", rule, "--reason", "Fridays off", catch=False)
    assert (
        added.stdout
        == "Added closure 1: every other Friday from 2026-01-09, all day: Fridays off\n"
    )
    assert run("off", "--list").stdout == (
        "1. every other Friday from 2026-01-09, all day: Fridays off\n"
    )
    assert f'rrule = "{rule}"' in config_file().read_text()  # the file keeps the rule


def test_a_date_already_past_is_saved_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(LONDON)
    freeze_clock(monkeypatch, "2026-11-23T10:00:00+00:00")
    past = run("off", "2026-11-20", "--reason", "Oops", catch=False)
    assert past.exit_code == 0
    assert past.stdout == "Added closure 1: 2026-11-20, all day: Oops\n"
    assert past.stderr == (
        "Warning: 2026-11-20 is past (today is 2026-11-23); the closure is saved but changes "
        "nothing ahead.\n"
    )
    opening = run("open", "2026-11-01", "10-14", catch=False)
    assert opening.stderr == (
        "Warning: 2026-11-01 is past (today is 2026-11-23); the opening is saved but changes "
        "nothing ahead.\n"
    )
    # a range reaching today, a future date and a recurring rule are not warned about
    assert run("off", "2026-11-20", "2026-11-23", catch=False).stderr == ""
    assert run("off", "2026-11-24", catch=False).stderr == ""
    assert run("off", "2026-01-09", "--every", "FREQ=WEEKLY", catch=False).stderr == ""
