"""Config and helpers shared by the phone channel's tests against the fake Twilio."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from tests.helpers import run
from tests.servers.twilio_fake import TwilioFake

NY = ZoneInfo("America/New_York")
NUMBER = "+15550001111"
WHATSAPP = "whatsapp:+15550001111"
CELL = "+15557654321"  # the practitioner's own cell: forward_to
VIP = "+15551234567"
ANN, BOB, CAT = "+15559990001", "+15559990002", "+15559990003"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Return a November 2026 instant in New York (the 23rd is a Monday)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=NY)


def phone_config(
    fake: TwilioFake, *, mode: str = "poll", extra: str = "", email: bool = False
) -> str:
    """Return a config whose phone channel talks to the fake."""
    mail = (
        """\
[autoreply.email]
address = "sam@example.com"
password_env = "HOURS_TEST_PASSWORD"
imap = { host = "127.0.0.1", port = 1143, security = "none" }
smtp = { host = "127.0.0.1", port = 1025, security = "none" }
"""
        if email
        else ""
    )
    return f"""\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
[autoreply]
min_interval = "12h"
max_age = "24h"
vip = ["{VIP}"]
[autoreply.emergency]
keyword = "URGENT"
forward_to = "{CELL}"
{mail}[autoreply.phone]
number = "{NUMBER}"
whatsapp = "{WHATSAPP}"
account_sid_env = "HOURS_TEST_TWILIO_SID"
auth_token_env = "HOURS_TEST_TWILIO_TOKEN"
mode = "{mode}"
api_base = "{fake.url}"
{extra}"""


def sync(when: dt.datetime, *extra: str, code: int = 0) -> dict[str, Any]:
    """Run `hours autoreply sync --at WHEN --json` and return the phone channel's row."""
    result = run("autoreply", "sync", "--json", "--at", when.isoformat(), *extra)
    assert result.exit_code == code, result.output
    doc = json.loads(result.stdout)
    rows = [c for c in doc["channels"] if c["channel"] == "phone"]
    assert len(rows) == 1
    row: dict[str, Any] = rows[0]
    return row


def bodies(fake: TwilioFake, to: str) -> list[str]:
    """Return the texts the fake was asked to send to `to`."""
    return [m["body"] for m in fake.sent(to)]
