"""`hours cost`: the real hourly wage, on a configured schedule and on the built-in default."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hours.config import parse
from hours.errors import ConfigError
from hours.money import money
from hours.schedule import Schedule
from hours.wage import real_wage
from tests.helpers import config_file, run, write_config

CONFIG = """\
# keep me
name = "Sam's Nails"
timezone = "Europe/London"

[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"

[holidays]
country = "GB"
subdivision = "ENG"

[[closed]]
from = 2026-12-24
to = 2026-12-31
reason = "Christmas"

[earnings]
weekly = 1200
currency = "GBP"

[[earnings.compare]]
label = "newspaper delivery"
hourly = 12.50
"""

AT = "2026-11-23T10:00"


def test_cost_on_a_configured_schedule() -> None:
    write_config(CONFIG)
    result = run("cost", "--at", AT, catch=False)
    assert result.exit_code == 0
    # 52 weeks from Mon 23 Nov 2026: 260 weekdays of 8 hours, less 12 closed weekdays
    # (24-31 Dec: 6; New Year's Day, Good Friday, Easter Monday, two May bank holidays and
    # the August one) = 1984 hours; 62,400 / 1984 = 31.45.
    assert result.stdout == (
        "Sam's Nails earns £1,200.00 a week.\n"
        "\n"
        "                      hours a week  per hour\n"
        "  available 24/7               168     £7.14\n"
        "  your hours                    40    £30.00\n"
        "  your real year*            38.15    £31.45\n"
        "  newspaper delivery           96†    £12.50\n"
        "\n"
        "  * 1984 open hours from 23 Nov 2026 to 21 Nov 2027, holidays and closures taken out\n"
        "  † the hours a week that rate needs to pay what you earn\n"
        "\n"
        "Available 24/7 you earn £7.14 an hour — less than newspaper delivery at £12.50.\n"
        "Keeping to your hours you earn £30.00 an hour, and 128 of the week's 168 hours are "
        "yours again.\n"
    )
    assert result.stderr == ""


def test_cost_json_has_exactly_the_spec_keys() -> None:
    write_config(CONFIG)
    result = run("cost", "--at", AT, "--json", catch=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "currency": "GBP",
        "weekly_earnings": 1200.0,
        "rows": [
            {"label": "24/7", "hours_per_week": 168.0, "hourly": 7.14},
            {"label": "your hours", "hours_per_week": 40.0, "hourly": 30.0},
            {"label": "newspaper delivery", "hours_per_week": 96.0, "hourly": 12.5},
        ],
        "year": {"open_hours": 1984.0, "hourly": 31.45},
    }


def test_cost_on_the_built_in_default_with_earnings_given() -> None:
    result = run("cost", "--earnings", "5200/month", "--currency", "eur", "--at", AT, catch=False)
    assert result.exit_code == 0
    # 5200 a month is 5200 x 12 / 52 = 1200 a week; the default has no holidays: 2080 hours.
    assert result.stdout == (
        "You earn €5,200.00 a month (€1,200.00 a week).\n"
        "\n"
        "                   hours a week  per hour\n"
        "  available 24/7            168     €7.14\n"
        "  your hours                 40    €30.00\n"
        "  your real year*            40    €30.00\n"
        "\n"
        "  * 2080 open hours from 23 Nov 2026 to 21 Nov 2027, holidays and closures taken out\n"
        "\n"
        "Available 24/7 you earn €7.14 an hour.\n"
        "Keeping to your hours you earn €30.00 an hour, and 128 of the week's 168 hours are "
        "yours again.\n"
    )
    assert result.stderr.startswith("Note: no config at ")


def test_cost_yearly_earnings_and_json_on_the_default() -> None:
    result = run("cost", "--earnings", "62400/year", "--json", "--at", AT, catch=False)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["currency"] == "USD"
    assert data["weekly_earnings"] == 1200.0
    assert [r["label"] for r in data["rows"]] == ["24/7", "your hours"]
    assert data["year"] == {"open_hours": 2080.0, "hourly": 30.0}


def test_cost_names_every_compared_job_that_pays_more() -> None:
    write_config(
        CONFIG.replace("weekly = 1200", "weekly = 900")
        + '\n[[earnings.compare]]\nlabel = "dog walking"\nhourly = 15\n'
        + '\n[[earnings.compare]]\nlabel = "a penny"\nhourly = 0.01\n'
    )
    result = run("cost", "--at", AT, catch=False)
    assert result.exit_code == 0
    assert (
        "Available 24/7 you earn £5.36 an hour — less than newspaper delivery at £12.50 and "
        "dog walking at £15.00.\n"
    ) in result.stdout


def test_cost_config_is_not_changed() -> None:
    path = write_config(CONFIG)
    run("cost", "--at", AT, "--earnings", "100", catch=False)
    assert path.read_text() == CONFIG


@pytest.mark.parametrize(
    ("currency", "amount", "text"),
    [
        ("USD", 7.142857, "$7.14"),
        ("EUR", 1234.5, "€1,234.50"),
        ("GBP", 30, "£30.00"),
        ("CAD", 12.5, "CA$12.50"),
        ("AUD", 12.5, "A$12.50"),
        ("JPY", 840.4, "¥840"),
        ("KWD", 1.23456, "KWD\u00a01.235"),
        ("CHF", 7.1, "CHF\u00a07.10"),
        ("usd", -3, "-$3.00"),
    ],
)
def test_money_has_the_currency_symbol_and_decimals(
    currency: str, amount: float, text: str
) -> None:
    assert money(amount, currency) == text


def _schedule(text: str) -> Schedule:
    return Schedule(parse(text, config_file()).spec)


def test_real_wage_refuses_a_week_with_no_open_hours() -> None:
    schedule = _schedule('timezone = "UTC"\n')
    with pytest.raises(ConfigError, match="your week has no open hours"):
        real_wage(schedule, 1200, "USD", (), today=dt.date(2026, 11, 23))


def test_real_wage_refuses_a_year_closed_throughout() -> None:
    schedule = _schedule(
        'timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n'
        '[[closed]]\nfrom = 2026-01-01\nto = 2028-12-31\nreason = "Sabbatical"\n'
    )
    with pytest.raises(ConfigError, match="no open hours in the 52 weeks from 2026-11-23"):
        real_wage(schedule, 1200, "USD", (), today=dt.date(2026, 11, 23))


def test_real_wage_counts_elapsed_hours_across_dst() -> None:
    # A night shift every day in New York: the night the clocks go back is nine hours long,
    # the night they go forward seven; the year holds one of each.
    schedule = _schedule(
        'timezone = "America/New_York"\n[week]\n'
        + "".join(
            f'{d} = "22:00-06:00"\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        )
    )
    wage = real_wage(schedule, 560, "USD", [("x", 1.0)], today=dt.date(2026, 6, 1))
    assert wage.yours.hours_per_week == 56
    assert wage.year_open_hours == 364 * 8
    assert wage.hours_given_back == 112
    assert wage.compare[0].hours_per_week == 560


@pytest.mark.parametrize(
    "argv",
    [
        ["set", "--currency", "US1"],
        ["init", "--currency", "US1", "--earnings", "1200/week"],
        ["cost", "--earnings", "1200/week", "--currency", "US1"],
        ["set", "--currency", "XYZ"],
        ["cost", "--earnings", "1200/week", "--currency", "XYZ"],
    ],
)
def test_set_init_and_cost_refuse_a_currency_alike(argv: list[str]) -> None:
    """One parameter type reads --currency everywhere: an ISO 4217 code Babel knows."""
    before = config_file().exists()
    result = run(*argv)
    code = argv[argv.index("--currency") + 1]
    assert result.exit_code == 2, result.output
    assert (
        f"Invalid value for '--currency': {code!r} is not a currency code; use three letters "
        "like USD, EUR or GBP." in result.output
    )
    assert config_file().exists() == before


@pytest.mark.parametrize("command", ["set", "init", "cost"])
def test_set_init_and_cost_read_earnings_alike(command: str) -> None:
    argv = {"set": ["set"], "init": ["init"], "cost": ["cost"]}[command]
    result = run(*argv, "--earnings", "2400/fortnight")
    assert result.exit_code == 2, result.output
    assert (
        "Invalid value for '--earnings': '2400/fortnight': the period must be week, month or "
        "year, like 1200/week" in result.output
    )
