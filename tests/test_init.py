"""`hours init`: flags mean no questions; the currency is the country's; the example ships."""

from __future__ import annotations

import datetime as dt
import json
from importlib.resources import files
from pathlib import Path

import pytest

from hours.money import default_currency, territory_of_zone
from tests.helpers import config_file, run, write_config

ROOT = Path(__file__).parent.parent
LONDON = 'timezone = "Europe/London"\n\n[week]\nmon = "09:00-17:00"\n'


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Act as if a person sat at a terminal, ready to answer."""
    monkeypatch.setattr("hours.commands.init.at_terminal", lambda: True)


@pytest.mark.usefixtures("terminal")
def test_with_flags_it_asks_nothing_and_says_what_it_took() -> None:
    result = run("init", "--timezone", "Europe/London", input="", catch=False)
    assert result.exit_code == 0
    assert result.stdout == (
        f"Wrote {config_file()}\n"
        "Your hours — Europe/London\n"
        "  Mon  09:00-17:00                          8 h\n"
        "  Tue  09:00-17:00                          8 h\n"
        "  Wed  09:00-17:00                          8 h\n"
        "  Thu  09:00-17:00                          8 h\n"
        "  Fri  09:00-17:00                          8 h\n"
        "  Sat  closed\n"
        "  Sun  closed\n"
        "  40 hours a week of 168 (128 yours)\n"
        "Left out, so taken as:\n"
        "  days      mon-fri\n"
        "  hours     9-17\n"
        '  name      none (`hours set --name "Sam\'s Nails"`)\n'
        "  earnings  none (`hours set --earnings 1200/week`)\n"
        "  holidays  none (`hours holidays GB`)\n"
        "  email     no auto-replies (`hours autoreply setup email`)\n"
        "Next: `hours`, `hours status`, `hours off DATE --reason ...`, `hours show`.\n"
    )
    assert result.stderr == ""


@pytest.mark.usefixtures("terminal")
def test_a_bare_init_at_a_terminal_asks() -> None:
    answers = "\nEurope/Paris\n\n\n\n\n\n"  # the last, empty, skips email
    result = run("init", input=answers, catch=False)
    assert result.exit_code == 0
    assert "Time zone [UTC]: Europe/Paris\n" in result.stdout
    assert "Left out" not in result.stdout  # every answer was asked for
    assert 'timezone = "Europe/Paris"' in config_file().read_text()


@pytest.mark.usefixtures("terminal")
def test_interactive_asks_only_for_what_the_flags_leave_out() -> None:
    answers = "Sam's Nails\nmon-sat\n10-6\n\n900/week\n\n\n"
    result = run(
        "init", "--timezone", "Europe/Berlin", "--holidays", "DE", "-i", input=answers, catch=False
    )
    assert result.exit_code == 0
    prompts = [line.split(":")[0] for line in result.stdout.splitlines() if ": " in line][:7]
    assert prompts == [
        "Business name (shown in auto-replies)",
        "Days you work [mon-fri]",
        "Hours (several ranges with spaces, e.g. 9-12 13-17) [9-17]",
        "State or province code (empty for none)",
        "What you earn, e.g. 1200/week (empty to skip)",
        "Currency [EUR]",
        "Email address for after-hours replies (empty to skip)",
    ]
    text = config_file().read_text()
    assert 'sat = "10:00-18:00"' in text  # 10-6 read as ten to six
    assert 'currency = "EUR"' in text


@pytest.mark.parametrize(
    ("flags", "currency"),
    [
        (["-t", "America/Toronto", "--holidays", "CA"], "CAD"),
        (["-t", "Europe/London"], "GBP"),  # the zone's country
        (["-t", "America/New_York", "--holidays", "CA"], "CAD"),  # the holidays country first
        (["-t", "Asia/Tokyo", "--currency", "usd"], "USD"),  # unless --currency says
        (["-t", "UTC"], "USD"),  # no country to go by
    ],
)
def test_the_currency_is_the_countrys(flags: list[str], currency: str) -> None:
    result = run("init", *flags, "--earnings", "1200/week", catch=False)
    assert result.exit_code == 0
    assert f'currency = "{currency}"' in config_file().read_text()


def test_the_summary_names_the_currency_it_took() -> None:
    result = run("init", "-t", "America/Toronto", "--earnings", "1200/week", catch=False)
    assert "  currency  CAD, the currency of CA (`hours set --currency`)\n" in result.stdout
    assert "  earnings" not in result.stdout


def test_cost_on_a_london_config_prints_pounds() -> None:
    write_config(LONDON)
    result = run("cost", "--earnings", "1200/week", "--at", "2026-11-23T10:00", catch=False)
    assert result.exit_code == 0
    assert result.stdout.startswith("You earn £1,200.00 a week.\n")
    assert "£150.00" in result.stdout  # 1200 over Monday's 8 hours
    euros = run("cost", "--earnings", "1200/week", "--currency", "EUR", "--at", "2026-11-23T10:00")
    assert euros.stdout.startswith("You earn €1,200.00 a week.\n")
    data = json.loads(run("cost", "--earnings", "1200/week", "--json").stdout)
    assert data["currency"] == "GBP"


def test_earnings_without_a_currency_are_in_the_countrys() -> None:
    write_config(
        'timezone = "Europe/London"\n[week]\nmon = "09:00-17:00"\n'
        '[holidays]\ncountry = "CA"\n[earnings]\nweekly = 800\n'
    )
    result = run("cost", "--at", "2026-11-23T10:00", catch=False)
    assert result.stdout.startswith("You earn CA$800.00 a week.\n")
    report = run("report", "--format", "markdown", "--at", "2026-11-23T10:00", catch=False)
    assert "Real hourly wage this week: CA$100.00" in report.stdout


def test_set_earnings_writes_the_currency_it_assumes() -> None:
    write_config(LONDON)
    result = run("set", "--earnings", "1200/week", catch=False)
    assert result.stdout.endswith("  Earnings: £1,200.00 a week\n")
    assert 'currency = "GBP"' in config_file().read_text()
    # a currency already there stays
    run("set", "--currency", "EUR", catch=False)
    run("set", "--earnings", "1300/week", catch=False)
    assert 'currency = "EUR"' in config_file().read_text()


@pytest.mark.parametrize(
    ("country", "zone", "currency"),
    [
        (None, "Europe/London", "GBP"),
        ("CA", "UTC", "CAD"),
        (None, "Asia/Calcutta", "INR"),  # an old name of Asia/Kolkata
        ("XX", "Asia/Tokyo", "JPY"),  # no such country: the zone's
        (None, "Etc/GMT+5", "USD"),
    ],
)
def test_default_currency(country: str | None, zone: str, currency: str) -> None:
    assert default_currency(country, zone, on=dt.date(2026, 11, 23)) == currency


def test_a_zone_without_a_country() -> None:
    assert territory_of_zone("UTC") is None
    assert territory_of_zone("America/Toronto") == "CA"


def test_the_example_config_ships_with_the_package() -> None:
    example = (ROOT / "config.example.toml").read_text()
    assert files("hours").joinpath("config.example.toml").read_text() == example
    result = run("init", "--example", catch=False)
    assert (result.exit_code, result.stdout) == (0, example)
    assert not config_file().exists()


def test_the_config_init_writes_points_at_what_is_installed() -> None:
    run("init", "--timezone", "Europe/London", catch=False)
    first = config_file().read_text().splitlines()[0]
    assert (
        first
        == "# hours: when you are available. `hours init --example` prints every key, explained."
    )
    # so does the one `hours set` makes from the built-in default
    config_file().unlink()
    run("set", "mon", "9-17", catch=False)
    assert "`hours init --example`" in config_file().read_text().splitlines()[0]
