"""`hours status` imports only what it uses: no heavy library on the path cron and prompts run.

How fast that path starts is measured by benchmarks/startup_bench.py; this test pins down the
cause of a slow start rather than the time, which a shared machine cannot measure reliably.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.helpers import run, write_config

HEAVY = (
    "rich",
    "twilio",
    "icalendar",
    "holidays",
    "babel",
    "dateutil",
    "tomlkit",
    "imapclient",
    "requests",
    "aiohttp",
    "phonenumbers",
    "hours.report",
    "hours.autoreply",
    "hours.contacts",
    "hours.locales",
    "hours.channels",
    "hours.clients",
)
# Standard modules that cost a millisecond or more each to load and that `hours status` does
# not need (tempfile is for writing, urllib.parse for URLs, json for --json only, inspect and
# platform for nothing). Python's start may load some (an editable install's .pth loads pathlib,
# and pathlib loads urllib.parse on Python 3.11), and click loads inspect, uuid and platform:
# the probe forgets them after importing click, so that only a load by hours brings one back.
SLOW_STDLIB = ("tempfile", "shutil", "uuid", "platform", "inspect", "urllib.parse", "json")
PROBE = """\
import json, sys
import click
# What starting Python and importing click load (site's .pth files, click's own imports) is
# the baseline's too; forget those of SLOW_STDLIB, so only a load by `hours` brings one back.
for name in sys.argv[1].split(","):
    sys.modules.pop(name, None)
from hours.cli import main
sys.argv = ["hours", *sys.argv[2:]]
try:
    main()
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


AT = ["--at", "2026-11-23T10:00"]
CONFIG = (
    'timezone = "America/Toronto"\n\n[week]\nmon = "09:00-17:00"\n\n'
    '[holidays]\ncountry = "CA"\nsubdivision = "ON"\n'
)


def probe(*argv: str) -> dict[str, Any]:
    """Run `hours ARGV` in a fresh Python; return its exit status and the modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(SLOW_STDLIB), *argv],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "argv",
    [["status", "-q", *AT], ["status", "--json", *AT], ["next", *AT], []],
    ids=["status -q", "status --json", "next", "bare hours (the dashboard)"],
)
def test_status_and_next_import_no_heavy_library(argv: list[str]) -> None:
    write_config(CONFIG)
    # The first run fills the holiday cache, as a user's first run does (the dashboard has no
    # --at: it asks for today's year).
    assert run("status", "--at", "2026-11-23T10:00").exit_code == 0
    assert run("status").exit_code in (0, 1)
    result = probe(*argv)
    assert result["code"] == 0
    loaded = {m for m in result["modules"] if m.split(".")[0] in HEAVY or m in HEAVY}
    assert loaded == set()
    # json only to print JSON: the holiday cache is plain text
    needed = {"json"} if "--json" in argv else set()
    assert {m for m in SLOW_STDLIB if m in result["modules"]} == needed
    # The probe is sound: the schedule engine itself was loaded and answered.
    assert "hours.schedule" in result["modules"]
    # The config was read as parsed at the first run: tomllib compiles its expressions as it
    # loads, which costs more than the whole of the config's checking.
    assert "tomllib" not in result["modules"]


def test_the_probe_sees_a_slow_module_that_hours_loads() -> None:
    # The first run writes the holiday cache, atomically, through tempfile: the probe must
    # see that load although Python's start may have loaded tempfile before.
    write_config(CONFIG)
    result = probe("status", "-q", *AT)
    assert result["code"] == 0
    assert "tempfile" in result["modules"]
    assert "hours.public_holidays" in result["modules"]


def test_status_reads_no_contacts_file_and_loads_none_of_their_libraries() -> None:
    """A config that knows its clients (a booking link, a contacts file) starts as lean."""
    write_config(
        'timezone = "America/Toronto"\nbooking_url = "https://book.example.com/sam"\n'
        '[week]\nmon = "09:00-17:00"\n[autoreply]\ncontacts = "~/contacts.vcf"\n'
        'new_client_message = "Book at {booking_url}"\n[autoreply.email]\n'
        'address = "sam@example.com"\npassword_env = "X"\n'
        'imap = { host = "imap.example.com" }\nsmtp = { host = "smtp.example.com" }\n'
    )
    result = probe("status", "-q", *AT)
    assert result["code"] == 0
    assert {m for m in result["modules"] if m.split(".")[0] in HEAVY or m in HEAVY} == set()
    # booking_url is checked with urllib.parse as the config loads (never at 2 a.m. in cron);
    # pathlib, on every start's path, has loaded it already on Python 3.11.
    assert {m for m in SLOW_STDLIB if m in result["modules"]} == {"urllib.parse"}
    assert "hours.config.autoreply" in result["modules"]  # the table was read and checked
