"""Extreme values get a documented range and one `Error:` line, never a traceback.

Dates run from 1900-01-01 to 9000-12-31: before 1900 the time-zone database knows only local
mean time (offsets like -5:17:32), and after 9000 there is room for every search ahead (`next
--count 1000`, ten years of `calendar export`) before Python's calendar ends in 9999. Durations
(`min_interval`, `max_age`) are at most 365 days.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hours.parsing import FIRST_DATE, LAST_DATE, MAX_AMOUNT, MAX_DURATION, parse_duration
from tests.helpers import run, snapshot, write_config

GOOD = 'timezone = "Europe/London"\n[week]\nmon = "09:00-17:00"\n'
WITH_HOLIDAYS = GOOD + '[holidays]\ncountry = "GB"\n'
RANGE = "is out of range: dates run from 1900-01-01 to 9000-12-31"

# (id, argv, the error line after "Error: ")
REFUSED = [
    (
        "--at at the end of time",
        ["status", "--at", "9999-12-31T23:59"],
        f"Invalid value for '--at': '9999-12-31T23:59' {RANGE}. See 'hours status --help'.",
    ),
    (
        "--at at the start of time",
        ["status", "--at", "0001-01-01T00:00"],
        f"Invalid value for '--at': '0001-01-01T00:00' {RANGE}. See 'hours status --help'.",
    ),
    (
        "--at just past the range",
        ["status", "--at", "9001-01-01T00:00"],
        f"Invalid value for '--at': '9001-01-01T00:00' {RANGE}. See 'hours status --help'.",
    ),
    (
        "--at just before the range",
        ["status", "--at", "1899-12-31T23:59"],
        f"Invalid value for '--at': '1899-12-31T23:59' {RANGE}. See 'hours status --help'.",
    ),
    (
        "a week of 9999",
        ["report", "--week", "9999-W52"],
        f"Invalid value for '--week': '9999-W52' {RANGE}. See 'hours report --help'.",
    ),
    (
        "a week of year 1",
        ["report", "--week", "0001-W01"],
        f"Invalid value for '--week': '0001-W01' {RANGE}. See 'hours report --help'.",
    ),
    (
        "a report date of 9999",
        ["report", "--date", "9999-12-31"],
        f"Invalid value for '--date': '9999-12-31' {RANGE}. See 'hours report --help'.",
    ),
    (
        "next 1000 from 9999",
        ["next", "--count", "1000", "--at", "9999-12-01T00:00"],
        f"Invalid value for '--at': '9999-12-01T00:00' {RANGE}. See 'hours next --help'.",
    ),
    (
        "a closure in 9999",
        ["off", "9999-12-31"],
        f"Invalid value for 'FROM': '9999-12-31' {RANGE}. See 'hours off --help'.",
    ),
    (
        "an opening in year 1",
        ["open", "0001-01-01", "9-17"],
        f"Invalid value for 'DATE': '0001-01-01' {RANGE}. See 'hours open --help'.",
    ),
]


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_date_out_of_range_is_one_error(tmp_path: Path, argv: list[str], message: str) -> None:
    write_config(WITH_HOLIDAYS)
    before = snapshot(tmp_path)
    result = run(*argv)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")
    assert snapshot(tmp_path) == before


def test_the_ends_of_the_range_work() -> None:
    write_config(WITH_HOLIDAYS)
    last = run("next", "--count", "1000", "--at", "9000-12-31T23:59", "--json")
    assert last.exit_code == 0, last.output
    changes = json.loads(last.stdout)["changes"]
    assert len(changes) == 1000
    assert changes[0]["at"] == "9001-01-05T09:00:00+00:00"  # the first Monday of 9001
    assert run("status", "--at", "9000-12-31T23:59").exit_code == 1
    assert run("report", "--week", "9000-W52", "--format", "json").exit_code == 0
    assert run("calendar", "export", "--weeks", "520", "--at", "9000-12-25T10:00").exit_code == 0
    first = run("status", "--at", "1900-01-01T00:00+14:00", "--json")  # 1899 in London
    assert first.exit_code == 1, first.output
    assert json.loads(first.stdout)["next_open"] == "1900-01-01T09:00:00+00:00"


# -- durations -------------------------------------------------------------------------------

PHONE = """\
timezone = "UTC"
[week]
mon = "09:00-17:00"
[autoreply]
{key} = "{value}"
[autoreply.phone]
number = "+15550001111"
account_sid_env = "HOURS_TEST_TWILIO_SID"
auth_token_env = "HOURS_TEST_TWILIO_TOKEN"
"""


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("min_interval", "99999999999999999999w"),
        ("max_age", "1000000000d"),
        ("max_age", "366d"),
        ("min_interval", "53w"),
        ("max_age", "8761h"),
        ("min_interval", "1" + "0" * 5000 + "s"),
    ],
    ids=lambda v: v if len(v) < 40 else f"{v[:8]}...",
)
def test_a_duration_past_the_maximum_is_one_error(key: str, value: str) -> None:
    path = write_config(PHONE.format(key=key, value=value))
    result = run("status")
    shown = value if len(value) < 40 else f"{value[:20]}..."
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: {path}: [autoreply] {key}: {shown!r} is too long: a duration is at most 365d\n"
    )


@pytest.mark.parametrize("value", ["365d", "52w", "8760h", "1d12h", "525600m"])
def test_durations_up_to_the_maximum_are_taken(value: str) -> None:
    write_config(PHONE.format(key="max_age", value=value))
    result = run("status", "--at", "2026-11-23T10:00")
    assert (result.exit_code, result.stderr) == (0, "")
    assert parse_duration(value) <= MAX_DURATION == dt.timedelta(days=365)


def test_the_readme_limits_table_says_what_the_code_does() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    limits = readme.split("## Limits", 1)[1].split("\n## ", 1)[0]
    assert f"| {FIRST_DATE} to {LAST_DATE} (exit 2) |" in limits
    assert f"| at most {MAX_DURATION.days} days (" in limits


# -- amounts ---------------------------------------------------------------------------------

TOO_LARGE = f"is too large: amounts are at most {MAX_AMOUNT:,}"


@pytest.mark.parametrize(
    "argv",
    [["cost", "--earnings", "1e308/week"], ["set", "--earnings", "1e300/week"]],
    ids=["cost", "set"],
)
def test_earnings_past_the_maximum_on_the_command_line(tmp_path: Path, argv: list[str]) -> None:
    write_config(GOOD)
    before = snapshot(tmp_path)
    result = run(*argv)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: Invalid value for '--earnings': {argv[-1]!r} {TOO_LARGE}. "
        f"See 'hours {argv[0]} --help'.\n"
    )
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("table", "where", "shown"),
    [
        ("[earnings]\nweekly = 1e308\n", "[earnings] weekly", "1e+308"),
        ("[earnings]\nyearly = 1000000001\n", "[earnings] yearly", "1000000001"),
        (
            "[earnings]\nmonthly = 12345678901234567890123456789012345678\n",
            "[earnings] monthly",
            "12345678901234567890123456789012345678",
        ),
        (
            '[earnings]\nweekly = 1200\n[[earnings.compare]]\nlabel = "x"\nhourly = 1e300\n',
            "[[earnings.compare]] #1 hourly",
            "1e+300",
        ),
    ],
    ids=["1e308", "a billion and one", "38 digits", "a compared rate"],
)
def test_earnings_past_the_maximum_in_the_file(table: str, where: str, shown: str) -> None:
    path = write_config(GOOD + table)
    result = run("cost")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"Error: {path}: {where}: {shown} {TOO_LARGE}\n"


def test_earnings_up_to_the_maximum_are_worked_out() -> None:
    write_config(GOOD + f"[earnings]\nweekly = {MAX_AMOUNT}\n")
    result = run("cost", "--json", "--at", "2026-11-23T10:00")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert rows[0] == {
        "label": "24/7",
        "hours_per_week": 168.0,
        "hourly": round(MAX_AMOUNT / 168, 2),
    }
    assert run("cost", "--earnings", "1000000000/year").exit_code == 0


# -- the file itself -------------------------------------------------------------------------


def test_arrays_nested_deeper_than_the_reader_follows() -> None:
    path = write_config(GOOD + "x = " + "[" * 500 + "]" * 500 + "\n")
    result = run("status")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: {path}: not valid TOML: arrays or inline tables nested deeper than the reader "
        "can follow; a config needs three levels at most\n"
    )


@pytest.mark.parametrize(
    ("entry", "where", "value"),
    [
        ("[[closed]]\ndate = 0001-01-01\n", "[[closed]] #1 date", "0001-01-01"),
        ("[[closed]]\nfrom = 2026-01-01\nto = 9999-12-31\n", "[[closed]] #1 to", "9999-12-31"),
        (
            '[[closed]]\nrrule = "FREQ=DAILY"\nstart = 1899-12-31\n',
            "[[closed]] #1 start",
            "1899-12-31",
        ),
        (
            '[[open]]\ndate = "9001-01-01"\nhours = "09:00-10:00"\n',
            "[[open]] #1 date",
            "9001-01-01",
        ),
    ],
    ids=["year 1", "to 9999", "rule from 1899", "opening in 9001"],
)
def test_a_date_in_the_file_out_of_range(entry: str, where: str, value: str) -> None:
    path = write_config(GOOD + entry)
    result = run("status")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"Error: {path}: {where}: {value!r} {RANGE}\n"


def test_a_secrets_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = write_config(
        PHONE.format(key="max_age", value="24h")
        .replace('account_sid_env = "HOURS_TEST_TWILIO_SID"\n', "")
        .replace('auth_token_env = "HOURS_TEST_TWILIO_TOKEN"\n', "")
    )
    secrets = path.parent / "secrets.toml"
    secrets.write_bytes(b'[phone]\naccount_sid = "AC\xff\xfe"\nauth_token = "t"\n')
    secrets.chmod(0o600)
    result = run("autoreply", "sync", "-q")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"Error: phone: cannot read {secrets}: it is not UTF-8 text\n"
