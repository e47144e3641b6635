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
    "hours.report",
    "hours.autoreply",
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


AT = ["--at", "2026-11-23T10:00"]


@pytest.mark.parametrize(
    "argv",
    [["status", "-q", *AT], ["status", "--json", *AT], ["next", *AT], []],
    ids=["status -q", "status --json", "next", "bare hours (the dashboard)"],
)
def test_status_and_next_import_no_heavy_library(argv: list[str]) -> None:
    write_config(
        'timezone = "America/Toronto"\n\n[week]\nmon = "09:00-17:00"\n\n'
        '[holidays]\ncountry = "CA"\nsubdivision = "ON"\n'
    )
    # The first run fills the holiday cache, as a user's first run does (the dashboard has no
    # --at: it asks for today's year).
    assert run("status", "--at", "2026-11-23T10:00").exit_code == 0
    assert run("status").exit_code in (0, 1)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
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
