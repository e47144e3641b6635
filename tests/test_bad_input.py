"""Bad input gets one clear `Error:` line, the documented exit status, and changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hours.config import MAX_CONFIG_BYTES
from tests.helpers import config_file, run, snapshot, write_config

GOOD = """\
# keep me
timezone = "Europe/London"

[week]
mon = "09:00-17:00"
"""

# (id, config text or None for no file, argv, exit status, the error line after "Error: ")
CASES = [
    (
        "time 25:00 on the command line",
        GOOD,
        ["set", "mon", "25:00-26:00"],
        2,
        "'25:00' is not a time: use 00:00 to 23:59",
    ),
    (
        "minute 60 on the command line",
        GOOD,
        ["set", "mon", "9:60-17"],
        2,
        "'9:60' is not a time: minutes run from 00 to 59",
    ),
    (
        "empty range",
        GOOD,
        ["set", "mon", "13-13"],
        2,
        "'13-13' is empty: the end must differ from the start (an end before the start runs past "
        "midnight, like 22:00-02:00)",
    ),
    (
        "overlapping intervals",
        GOOD,
        ["set", "tue", "9-12", "11-14"],
        2,
        "09:00-12:00 and 11:00-14:00 overlap; give separate ranges or join them",
    ),
    (
        "unknown weekday",
        GOOD,
        ["set", "funday", "9-17"],
        2,
        "'funday' is not a day; use mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, a list "
        "like mon,wed,fri, or weekdays, weekend, daily",
    ),
    (
        "unknown time zone",
        GOOD,
        ["set", "--timezone", "Mars/Olympus"],
        2,
        "'Mars/Olympus' is not a known time zone; use an IANA name like Europe/London",
    ),
    (
        "to before from",
        GOOD,
        ["off", "2026-12-26", "2026-12-24"],
        2,
        "TO (2026-12-24) is before FROM (2026-12-26); swap them",
    ),
    (
        "bad rrule",
        GOOD,
        ["off", "2026-01-09", "--every", "FREQ=SOMETIMES"],
        2,
        "Invalid value for '--every': 'FREQ=SOMETIMES' is not an RRULE (invalid 'FREQ': "
        "SOMETIMES); use e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=FR. See 'hours off --help'.",
    ),
    (
        "unknown country",
        GOOD,
        ["holidays", "XX"],
        2,
        "country: 'XX' is not a supported country code; use an ISO 3166-1 alpha-2 code like GB, US "
        "or CA (`hours holidays --countries`)",
    ),
    (
        "unknown subdivision",
        GOOD,
        ["holidays", "GB", "--subdivision", "XYZ"],
        2,
        "subdivision: 'XYZ' is not a subdivision of GB; use one of: ENG, NIR, SCT, WLS",
    ),
    (
        "--at not a date-time",
        GOOD,
        ["status", "--at", "next tuesday"],
        2,
        "Invalid value for '--at': 'next tuesday' is not a date-time; use ISO 8601 like "
        "2026-12-25T10:00 or 2026-12-25T10:00+01:00. See 'hours status --help'.",
    ),
    (
        "--at a bare date",
        GOOD,
        ["status", "--at", "2026-12-25"],
        2,
        "Invalid value for '--at': '2026-12-25' is not a date-time; use ISO 8601 like "
        "2026-12-25T10:00 or 2026-12-25T10:00+01:00. See 'hours status --help'.",
    ),
    (
        "config: time 25:00",
        'timezone = "UTC"\n[week]\nmon = "25:00-26:00"\n',
        ["status"],
        3,
        "{path}: [week] mon: '25:00' is not a time: use 00:00 to 23:59",
    ),
    (
        "config: minute 60",
        'timezone = "UTC"\n[week]\nmon = "09:60-17:00"\n',
        ["status"],
        3,
        "{path}: [week] mon: '09:60' is not a time: minutes run from 00 to 59",
    ),
    (
        "config: empty range",
        'timezone = "UTC"\n[week]\nmon = "09:00-09:00"\n',
        ["status"],
        3,
        "{path}: [week] mon: '09:00-09:00' is empty: the end must differ from the start (an end "
        "before the start runs past midnight, like 22:00-02:00)",
    ),
    (
        "config: overlap",
        'timezone = "UTC"\n[week]\nmon = ["09:00-12:00", "11:00-13:00"]\n',
        ["status"],
        3,
        "{path}: [week] mon: 09:00-12:00 and 11:00-13:00 overlap; make them separate or join them",
    ),
    (
        "config: overnight overlap",
        'timezone = "UTC"\n[week]\nmon = ["22:00-06:00", "23:00-23:30"]\n',
        ["status"],
        3,
        "{path}: [week] mon: 22:00-06:00 and 23:00-23:30 overlap; make them separate or join them",
    ),
    (
        "config: unknown weekday",
        'timezone = "UTC"\n[week]\nmonday = "09:00-17:00"\n',
        ["status"],
        3,
        "{path}: [week]: 'monday' is not a day; use mon, tue, wed, thu, fri, sat, sun",
    ),
    (
        "config: unknown zone",
        'timezone = "Europe/Atlantis"\n',
        ["status"],
        3,
        "{path}: timezone: 'Europe/Atlantis' is not a known time zone; use an IANA name like "
        "Europe/London or America/New_York",
    ),
    (
        "config: no zone",
        "[week]\n",
        ["status"],
        3,
        '{path}: timezone: missing; add a line like timezone = "Europe/London"',
    ),
    (
        "config: to before from",
        'timezone = "UTC"\n[[closed]]\nfrom = 2026-12-26\nto = 2026-12-24\n',
        ["status"],
        3,
        "{path}: [[closed]] #1 to: 2026-12-24 is before from (2026-12-26); swap them",
    ),
    (
        "config: bad rrule",
        'timezone = "UTC"\n[[closed]]\nrrule = "FREQ=WEEKLY;BYDAY=XX"\nstart = 2026-01-01\n',
        ["status"],
        3,
        "{path}: [[closed]] #1 rrule: 'FREQ=WEEKLY;BYDAY=XX' is not an RRULE (invalid "
        "'BYDAY': XX); use e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
    ),
    (
        "config: unknown country",
        'timezone = "UTC"\n[holidays]\ncountry = "ZZ"\n',
        ["status"],
        3,
        "[holidays] country: 'ZZ' is not a supported country code; use an ISO 3166-1 alpha-2 code "
        "like GB, US or CA (`hours holidays --countries`)",
    ),
    (
        "config: not TOML",
        'timezone = "UTC"\n[week\nmon = "09:00-17:00"\n',
        ["status"],
        3,
        "{path}: not valid TOML: Expected ']' at the end of a table declaration (at line 2, column "
        "6); fix that line",
    ),
    (
        "config: a date that is not one",
        'timezone = "UTC"\n[[closed]]\ndate = "soon"\n',
        ["status"],
        3,
        "{path}: [[closed]] #1 date: 'soon' is not a date; use YYYY-MM-DD, like 2026-12-24",
    ),
    (
        "config: negative earnings",
        'timezone = "UTC"\n[earnings]\nweekly = -5\n',
        ["status"],
        3,
        "{path}: [earnings] weekly: -5: earnings must be a positive number",
    ),
    *(
        (
            f"email {name}",
            f'{GOOD}[autoreply.email]\naddress = "sam@example.com"\n{keys}\n',
            ["autoreply", "sync"],
            3,
            "{path}: [autoreply.email] " + message,
        )
        for name, keys, message in [
            (
                "mode unknown",
                'mode = "pop"',
                "mode: 'pop': use imap, sieve, gmail or outlook",
            ),
            (
                "only_contacts outside gmail mode",
                'mode = "outlook"\nonly_contacts = true',
                "only_contacts: is for mode gmail, not outlook",
            ),
            (
                "only_domain not a boolean",
                'mode = "gmail"\nonly_domain = "yes"',
                "only_domain: must be true or false",
            ),
            (
                "external_audience outside outlook mode",
                'mode = "gmail"\nexternal_audience = "all"',
                "external_audience: is for mode outlook, not gmail",
            ),
            (
                "external_audience unknown",
                'mode = "outlook"\nexternal_audience = "everyone"',
                "external_audience: 'everyone': use all or contactsOnly",
            ),
            (
                "api_base in clear off loopback",
                'mode = "gmail"\napi_base = "http://gmail.example.com"',
                "api_base: 'http://gmail.example.com' would send the access token in clear; use "
                "https (plain http only on loopback: 127.0.0.1, ::1, localhost)",
            ),
            (
                "api_base not a URL",
                'mode = "outlook"\napi_base = "graph.microsoft.com"',
                "api_base: 'graph.microsoft.com': use a URL like https://graph.microsoft.com",
            ),
            (
                "api_base outside the provider modes",
                'mode = "sieve"\napi_base = "https://x.test"\nsieve = { host = "h" }',
                "api_base: is for mode gmail or outlook, not sieve",
            ),
            (
                "a password in gmail mode",
                'mode = "gmail"\npassword_env = "MAIL_PASSWORD"',
                "password_env: mode gmail signs in with OAuth2, not a password: remove "
                "password_env, and run `hours login google` or set token_command",
            ),
            (
                "a password and a token command",
                'mode = "outlook"\ntoken_command = "oama access sam"\npassword_command = "pass x"',
                "password_command: mode outlook signs in with OAuth2, not a password: remove "
                "password_command, and run `hours login microsoft` or set token_command",
            ),
            (
                "a password login in outlook mode",
                'mode = "outlook"\nauth = "password"',
                'auth: "password": this mode signs in with OAuth2 (`hours login` or token_command)',
            ),
            (
                "another provider's account in gmail mode",
                'mode = "gmail"\nprovider = "icloud"',
                'provider: mode gmail is for a Google account, and provider = "icloud" is not one',
            ),
        ]
    ),
]


@pytest.mark.parametrize(
    ("config", "argv", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(config: str | None, argv: list[str], status: int, message: str) -> None:
    path = write_config(config) if config is not None else config_file()
    before = snapshot(path.parent)
    result = run(*argv)
    assert result.exit_code == status
    assert result.stderr == f"Error: {message.format(path=path)}\n"
    assert result.stdout == ""
    assert snapshot(path.parent) == before


def test_bad_input_through_the_console_script_has_no_traceback() -> None:
    path = write_config('timezone = "UTC"\n[week]\nmon = "25:00-26:00"\n')
    # env given: the inherited C environment may hold a COLUMNS that readline set in this
    # process, which would (rightly) wrap the error line.
    proc = subprocess.run(
        [sys.executable, "-m", "hours", "status"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )
    assert proc.returncode == 3
    assert proc.stderr == f"Error: {path}: [week] mon: '25:00' is not a time: use 00:00 to 23:59\n"


def test_config_that_is_a_directory() -> None:
    config_file().mkdir(parents=True)
    result = run("status")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: {config_file()} is a directory, not a config file; pass a file with --config\n"
    )


def as_unprivileged(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run `hours ARGV` with file permissions enforced, even for root (DAC capabilities dropped)."""
    command = [sys.executable, "-m", "hours", *argv]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to test permissions as root")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=os.environ)


def test_config_that_cannot_be_read() -> None:
    path = write_config(GOOD)
    path.chmod(0)
    proc = as_unprivileged("status")
    assert proc.returncode == 3
    assert (
        proc.stderr == f"Error: cannot read {path}: permission denied; check its owner and mode\n"
    )


def test_read_only_config_directory_when_writing() -> None:
    path = write_config(GOOD)
    path.parent.chmod(0o500)
    try:
        proc = as_unprivileged("set", "mon", "10-18")
    finally:
        path.parent.chmod(0o700)
    assert proc.returncode == 3
    assert proc.stderr == (
        f"Error: cannot write {path}: permission denied; check that you own {path.parent}\n"
    )
    assert path.read_text() == GOOD
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]


def test_a_config_starting_with_a_byte_order_mark_loads_and_edits() -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert run("status", "--at", "2026-11-23T10:00").exit_code == 0
    result = run("set", "tue", "9-17")
    assert result.exit_code == 0, result.output
    assert path.read_text().startswith(GOOD)  # the mark is not kept; the rest is


@pytest.mark.parametrize("kind", ["named pipe", "device"])
def test_a_config_that_is_not_a_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    if kind == "named pipe":
        path = tmp_path / "config.fifo"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    proc = subprocess.run(
        [sys.executable, "-m", "hours", "--config", str(path), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=os.environ,  # without the COLUMNS readline may have put in the C environment
    )
    assert (proc.returncode, proc.stdout) == (3, "")
    assert (
        proc.stderr == f"Error: {path} is a {kind}, not a config file; pass a file with --config\n"
    )


def test_a_config_larger_than_any_config_is_refused() -> None:
    path = write_config(GOOD + "#" * (MAX_CONFIG_BYTES) + "\n")
    result = run("status")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: {path} is larger than {MAX_CONFIG_BYTES >> 20} MiB, which no config needs; is it "
        "the right file?\n"
    )


def test_max_age_of_zero_is_refused() -> None:
    path = write_config(
        GOOD + '[autoreply]\nmax_age = "0s"\n[autoreply.phone]\nnumber = "+15550001111"\n'
    )
    result = run("autoreply", "status")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: {path}: [autoreply] max_age: '0s' would answer nothing: every message is older "
        "than that; use a duration like 24h\n"
    )


def test_a_currency_babel_does_not_know_is_refused_where_money_is_shown() -> None:
    path = write_config(GOOD + '[earnings]\nweekly = 1200\ncurrency = "XYZ"\n')
    message = (
        f"{path}: [earnings] currency: 'XYZ' is not a currency code; use three letters like "
        "USD, EUR or GBP"
    )
    for argv in (["cost"], ["report"]):
        result = run(*argv)
        assert (result.exit_code, result.stderr) == (3, f"Error: {message}\n")
    doctor = run("doctor")
    assert doctor.exit_code == 3
    assert f"[FAIL] earnings — {message}" in doctor.stdout
    assert run("status", "--at", "2026-11-23T10:00").exit_code == 0  # no money shown there
