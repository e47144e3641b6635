"""Bare `hours`: where you stand, today and tomorrow, the week, and three next steps; exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from hours import config as configmod
from hours.commands.dashboard import next_steps
from tests.helpers import config_file, freeze_clock, run, write_config

FULL = """\
name = "Sam's Nails"
timezone = "Europe/London"

[week]
mon = "09:00-17:00"
tue = ["09:00-12:00", "13:00-17:00"]
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "22:00-02:00"

[holidays]
country = "GB"
subdivision = "ENG"

[[closed]]
date = 2026-12-23
hours = "15:00-24:00"
reason = "Early close"

[earnings]
weekly = 1200
currency = "GBP"

[autoreply.email]
address = "sam@example.com"
password_env = "HOURS_TEST_PASSWORD"
imap = { host = "127.0.0.1", port = 1143, security = "none" }
smtp = { host = "127.0.0.1", port = 1025, security = "none" }
"""


def test_no_config(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch, "2026-11-23T10:00:00+00:00")  # a Monday; TZ=UTC in tests
    result = run(catch=False)
    assert result.exit_code == 0
    assert result.stdout == (
        "Your hours — UTC (built-in default)\n"
        "Open — closes today at 17:00, in 7 hours\n"
        "\n"
        "  Today      Mon 23 Nov  09:00-17:00\n"
        "  Tomorrow   Tue 24 Nov  09:00-17:00\n"
        "  This week  40 hours open of 168 (128 yours)\n"
        "\n"
        "Next steps:\n"
        "  hours init                      make these hours yours: zone, days, hours\n"
        "  hours set --earnings 1200/week  then `hours cost` says what 24/7 really pays\n"
        "  hours autoreply setup email     answer clients' email after hours, once and warmly\n"
    )
    assert result.stderr == (
        f"Note: no config at {config_file()}; using the built-in default "
        "(Monday-Friday 09:00-17:00, UTC). Run `hours init` to make it yours.\n"
    )
    assert not config_file().exists()


def test_full_config_closed_on_a_holiday(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(FULL)
    freeze_clock(monkeypatch, "2026-12-25T10:00:00+00:00")
    result = run(catch=False)
    assert result.exit_code == 0  # closed, but the dashboard is no test
    assert result.stderr == ""
    assert result.stdout == (
        "Sam's Nails — Europe/London\n"
        "Closed (Christmas Day) — opens Tuesday 29 December at 09:00, in 3 days 23 hours\n"
        "\n"
        "  Today      Fri 25 Dec  closed (Christmas Day)\n"
        "  Tomorrow   Sat 26 Dec  closed (Boxing Day)\n"
        "  This week  29 hours open of 168 (139 yours)\n"
        "\n"
        "Next steps:\n"
        "  hours cost    what 24/7 really pays you an hour\n"
        "  hours report  this week at a glance, to print or send\n"
        "  hours next    your next openings and closings\n"
    )


def test_full_config_open_with_a_split_day_and_a_night(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(FULL.replace("[[closed]]", "[[closedX]]").replace("[holidays]", "[holidaysX]"))
    freeze_clock(monkeypatch, "2026-12-01T10:30:00+00:00")  # a Tuesday
    result = run(catch=False)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:6] == [
        "Open — closes today at 12:00, in 1 hour 30 minutes",
        "",
        "  Today      Tue 1 Dec  09:00-12:00, 13:00-17:00",
        "  Tomorrow   Wed 2 Dec  09:00-17:00",
        "  This week  35 hours open of 168 (133 yours)",
    ]
    steps = result.stdout.split("Next steps:\n")[1]
    assert steps.splitlines() == [
        "  hours holidays --countries    close on your public holidays",
        "  hours off DATE --reason TEXT  a day off or a vacation",
        "  hours cost                    what 24/7 really pays you an hour",
    ]


def test_a_partial_closure_shows_on_its_day(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(FULL)
    freeze_clock(monkeypatch, "2026-12-23T16:00:00+00:00")  # Wednesday, after the early close
    lines = run(catch=False).stdout.splitlines()
    assert lines[1:5] == [
        "Closed (Early close) — opens tomorrow at 09:00, in 17 hours",
        "",
        "  Today      Wed 23 Dec  09:00-15:00 (Early close)",
        "  Tomorrow   Thu 24 Dec  09:00-17:00",
    ]


def test_an_overnight_shift_is_split_at_midnight_as_in_the_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_config(FULL)
    freeze_clock(monkeypatch, "2026-12-04T23:00:00+00:00")  # Friday night, at work
    lines = run(catch=False).stdout.splitlines()
    assert lines[1:5] == [
        "Open — closes tomorrow at 02:00, in 3 hours",
        "",
        "  Today      Fri 4 Dec  22:00-24:00",
        "  Tomorrow   Sat 5 Dec  00:00-02:00",
    ]


def test_three_steps_fit_every_config() -> None:
    empty = configmod.default(Path("/nowhere/config.toml"), "UTC")
    assert [s.command for s in next_steps(empty)] == [
        "hours init",
        "hours set --earnings 1200/week",
        "hours autoreply setup email",
    ]
    full = configmod.parse(FULL, Path("config.toml"))
    assert [s.command for s in next_steps(full)] == ["hours cost", "hours report", "hours next"]
    written = configmod.parse('timezone = "UTC"\n', Path("config.toml"))
    assert [s.command for s in next_steps(written)] == [
        "hours set --earnings 1200/week",
        "hours autoreply setup email",
        "hours holidays --countries",
    ]


def test_bare_groups_print_their_help_on_stdout() -> None:
    for group in ("autoreply", "autoreply setup", "calendar", "cron"):
        result = run(*group.split(), catch=False)
        assert result.exit_code == 0
        assert result.stderr == ""
        assert result.stdout.startswith(f"Usage: hours {group} [OPTIONS] COMMAND [ARGS]...\n")
        assert "Commands:\n" in result.stdout
        assert result.stdout == run(*group.split(), "--help").stdout
