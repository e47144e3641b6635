"""`hours holidays`: names are checked against the country's calendar; optional ones included."""

from __future__ import annotations

import json

import pytest

from tests.helpers import config_file, run, snapshot, write_config

TORONTO = 'timezone = "America/Toronto"\n\n[week]\nmon = "09:00-17:00"\n'
AT = ("--at", "2026-11-23T10:00")
ONTARIO_PUBLIC = (
    "New Year's Day, Family Day, Good Friday, Victoria Day, Canada Day, Labor Day, "
    "Thanksgiving Day, Christmas Day, Boxing Day, Boxing Day (observed), "
    "Christmas Day (observed)"
)


def test_keep_open_refuses_a_name_not_among_the_holidays() -> None:
    path = write_config(TORONTO)
    before = snapshot(path.parent)
    result = run("holidays", "CA", "-s", "ON", "--keep-open", "Civic Day", *AT)
    assert result.exit_code == 2
    assert result.stderr == (
        f'Error: "Civic Day" is not a public holiday of CA-ON; --keep-open takes one of: '
        f"{ONTARIO_PUBLIC}\n"
    )
    assert snapshot(path.parent) == before


def test_keep_open_on_an_optional_holiday_points_at_include() -> None:
    write_config(TORONTO)
    result = run("holidays", "CA", "-s", "ON", "--keep-open", "Civic Holiday", *AT)
    assert result.exit_code == 2
    assert result.stderr == (
        'Error: "Civic Holiday" is not one of CA-ON\'s public holidays, so it never closed you; '
        'to close on it, use --include "Civic Holiday"\n'
    )


def test_include_closes_on_an_optional_holiday() -> None:
    write_config(TORONTO)
    civic = ("--at", "2026-08-03T10:00")  # Ontario's Civic Holiday, a Monday
    assert run("holidays", "CA", "-s", "ON", *AT).exit_code == 0
    assert run("status", "-q", *civic).exit_code == 0  # optional: open
    result = run("holidays", "CA", "-s", "ON", "--include", "civic holiday", *AT)
    assert result.exit_code == 0, result.output
    assert "  Mon 03 Aug 2026  Civic Holiday  (optional; closed: included)\n" in result.stdout
    assert 'include = ["Civic Holiday"]' in config_file().read_text()  # the calendar's spelling
    st = json.loads(run("status", "--json", *civic).stdout)
    assert (st["open"], st["reason"]) == (False, "Civic Holiday")
    show = json.loads(run("show", "--json").stdout)["holidays"]
    assert show == {
        "country": "CA",
        "subdivision": "ON",
        "keep_open": [],
        "include": ["Civic Holiday"],
    }


def test_include_refuses_a_public_or_unknown_name() -> None:
    write_config(TORONTO)
    public = run("holidays", "CA", "-s", "ON", "--include", "Christmas Day", *AT)
    assert (public.exit_code, public.stderr) == (
        2,
        'Error: "Christmas Day" is a public holiday of CA-ON: it closes you already\n',
    )
    unknown = run("holidays", "CA", "-s", "ON", "--include", "Pancake Day", *AT)
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith(
        'Error: "Pancake Day" is not one of CA-ON\'s other holidays; --include takes one of: '
        "Easter Monday, "
    )
    none = run("holidays", "GB", "--include", "Christmas Eve", *AT)
    assert (none.exit_code, none.stderr) == (
        2,
        "Error: GB has no holidays besides its public ones, so there is none to include\n",
    )


def test_list_has_a_header_and_marks_what_is_kept_open_or_included() -> None:
    write_config(
        TORONTO + '\n[holidays]\ncountry = "CA"\nsubdivision = "ON"\n'
        'keep_open = ["Family Day"]\ninclude = ["Civic Holiday"]\n'
    )
    result = run("holidays", "--list", "--year", "2026", catch=False)
    assert result.exit_code == 0
    assert result.stdout == (
        "Holidays of CA-ON in 2026 (closed on each unless it says open):\n"
        "  Thu 01 Jan 2026  New Year's Day\n"
        "  Mon 16 Feb 2026  Family Day  (open: kept open)\n"
        "  Fri 03 Apr 2026  Good Friday\n"
        "  Mon 18 May 2026  Victoria Day\n"
        "  Wed 01 Jul 2026  Canada Day\n"
        "  Mon 03 Aug 2026  Civic Holiday  (optional; closed: included)\n"
        "  Mon 07 Sep 2026  Labor Day\n"
        "  Mon 12 Oct 2026  Thanksgiving Day\n"
        "  Fri 25 Dec 2026  Christmas Day\n"
        "  Sat 26 Dec 2026  Boxing Day\n"
        "  Mon 28 Dec 2026  Boxing Day (observed)\n"
        "Others you may --include: Easter Monday (optional); "
        "National Day for Truth and Reconciliation, Remembrance Day (government).\n"
    )
    assert run("status", "-q", "--at", "2026-02-16T10:00").exit_code == 0  # kept open
    assert run("status", "-q", "--at", "2026-04-06T10:00").exit_code == 0  # not included


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"Civic Holiday"', 'must be a list of holiday names like ["Civic Holiday"]'),
        ("[1]", 'must be a list of holiday names like ["Civic Holiday"]'),
    ],
)
def test_include_in_the_config_must_be_a_list_of_names(value: str, message: str) -> None:
    path = write_config(TORONTO + f'\n[holidays]\ncountry = "CA"\ninclude = {value}\n')
    result = run("status")
    assert result.exit_code == 3
    assert result.stderr == f"Error: {path}: [holidays] include: {message}\n"


@pytest.mark.parametrize(
    ("zone", "example"),
    [
        ("America/New_York", "hours holidays US"),
        ("Europe/Paris", "hours holidays FR"),
        ("UTC", "hours holidays --countries"),
    ],
)
def test_without_holidays_the_hint_names_the_zones_country(zone: str, example: str) -> None:
    write_config(f'timezone = "{zone}"\n\n[week]\nmon = "09:00-17:00"\n')
    shown = run("show").stdout
    listed = run("holidays", "--list").stdout
    assert f"  none (`{example}` to close on them)\n" in shown
    assert listed == f"No public holidays set. Close on them with `{example}`.\n"
