"""`hours status` imports only what it uses: no heavy library on the path cron and prompts run.

How fast that path starts is measured by benchmarks/startup_bench.py; this test pins down the
cause of a slow start rather than the time, which a shared machine cannot measure reliably.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
PROBE = """\
import json, sys
from hours.cli import main
sys.argv = ["hours", *sys.argv[1:]]
try:
    main()
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("argv", [["status", "-q"], ["status", "--json"], ["next"]])
def test_status_and_next_import_no_heavy_library(argv: list[str]) -> None:
    write_config(
        'timezone = "America/Toronto"\n\n[week]\nmon = "09:00-17:00"\n\n'
        '[holidays]\ncountry = "CA"\nsubdivision = "ON"\n'
    )
    # The first run fills the holiday cache, as a user's first run does.
    assert run("status", "--at", "2026-11-23T10:00").exit_code == 0
    at = ["--at", "2026-11-23T10:00"]
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *argv, *at],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    result = json.loads(probe.stdout.splitlines()[-1])
    assert result["code"] == 0
    loaded = {m for m in result["modules"] if m.split(".")[0] in HEAVY or m in HEAVY}
    assert loaded == set()
    # The probe is sound: the schedule engine itself was loaded and answered.
    assert "hours.schedule" in result["modules"]


def test_status_reads_no_contacts_file_and_loads_none_of_their_libraries() -> None:
    """A config that knows its clients (a booking link, a contacts file) starts as lean."""
    write_config(
        'timezone = "America/Toronto"\nbooking_url = "https://book.example.com/sam"\n'
        '[week]\nmon = "09:00-17:00"\n[autoreply]\ncontacts = "~/contacts.vcf"\n'
        'new_client_message = "Book at {booking_url}"\n[autoreply.email]\n'
        'address = "sam@example.com"\npassword_env = "X"\n'
        'imap = { host = "imap.example.com" }\nsmtp = { host = "smtp.example.com" }\n'
    )
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, "status", "-q", "--at", "2026-11-23T10:00"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    result = json.loads(probe.stdout.splitlines()[-1])
    assert result["code"] == 0
    assert {m for m in result["modules"] if m.split(".")[0] in HEAVY or m in HEAVY} == set()
    assert "hours.config.autoreply" in result["modules"]  # the table was read and checked
