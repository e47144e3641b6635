"""The README's Limits and Exit status tables say what the code does: each figure in them is
read here from the constant the code uses, so changing one without the other fails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hours import calendar, config, contacts
from hours.clients import imap, managesieve, rest, smtp, twilio
from hours.commands.autoreply import BACKSTOP_SECONDS
from hours.config import autoreply, secrets
from hours.config.autoreply import DEFAULT_SYNC_TIMEOUT, MAX_FIELD_WIDTH, SYNC_TIMEOUT_RANGE
from hours.errors import Exit
from hours.parsing import CLOSURE_FREQUENCIES, FIRST_DATE, LAST_DATE, MAX_AMOUNT, MAX_DURATION

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def mib(size: int) -> str:
    return f"{size >> 20} MiB"


def row(what: str) -> str:
    """Return the Limits row whose first cell starts with `what`."""
    [found] = [line for line in section("Limits").splitlines() if line.startswith(f"| {what}")]
    return found


LIMITS = [
    ("dates and date-times on the command line", [f"{FIRST_DATE} to {LAST_DATE} (exit 2)"]),
    ("dates in the config", [f"{FIRST_DATE} to {LAST_DATE} (exit 3)"]),
    ("`min_interval`, `max_age`", [f"at most {MAX_DURATION.days} days"]),
    (
        "`sync_timeout`",
        [
            f"{SYNC_TIMEOUT_RANGE[0].seconds} s to {SYNC_TIMEOUT_RANGE[1].seconds // 60} minutes",
            f"default {DEFAULT_SYNC_TIMEOUT.seconds // 60} minutes",
        ],
    ),
    ("one wait on a server", [f"at most {imap.WAIT:g} s"]),
    ("a sync still going past `sync_timeout`", [f"{BACKSTOP_SECONDS:g} s more"]),
    ("a `*_command` for a secret", [f"at most {secrets.COMMAND_WAIT:g} s"]),
    (
        "one IMAP answer",
        [
            f"lines of at most {imap.CAPS.line:,} bytes",
            f"at most {imap.CAPS.lines:,} lines",
            mib(imap.CAPS.total),
        ],
    ),
    (
        "one SMTP reply",
        [
            f"lines of at most {smtp.CAPS.line:,} bytes",
            f"at most {smtp.CAPS.lines:,} lines",
            mib(smtp.CAPS.total),
        ],
    ),
    (
        "one ManageSieve answer",
        [
            f"lines of at most {managesieve.CAPS.line:,} bytes",
            f"at most {managesieve.CAPS.lines:,} lines",
            mib(managesieve.CAPS.total),
        ],
    ),
    ("one Twilio answer", [mib(twilio.MAX_ANSWER_BYTES), f"{twilio.MAX_RECORDS:,} records"]),
    (
        "a `Retry-After`",
        [f"up to {twilio.MAX_RETRY_AFTER:g} s", f"up to {rest.MAX_RETRY_WAIT:g} s"],
    ),
    ("one Gmail or Graph answer", [mib(rest.MAX_ANSWER_BYTES)]),
    ("the config file", [f"at most {mib(config.MAX_CONFIG_BYTES)}"]),
    ("earnings", [f"at most {MAX_AMOUNT:,}"]),
    ("a recurring closure's `RRULE`", [", ".join(f"`{f}`" for f in CLOSURE_FREQUENCIES[:-1])]),
    ("calendar import: occurrences read", [f"at most {calendar.MAX_IMPORT_OCCURRENCES:,}"]),
    (
        "the contacts file",
        [f"at most {mib(contacts.MAX_BYTES)} and {contacts.MAX_CONTACTS:,} contacts (exit 3)"],
    ),
    ("template format specs", [f"up to {MAX_FIELD_WIDTH}"]),
    ("a config edit waiting for another", [f"{config.EDIT_LOCK_WAIT:g} s"]),
]


@pytest.mark.parametrize(("what", "says"), LIMITS, ids=[w for w, _ in LIMITS])
def test_the_limits_table_says_what_the_code_does(what: str, says: list[str]) -> None:
    found = row(what)
    for figure in says:
        assert figure in found, (figure, found)


def test_every_client_waits_the_same_at_most() -> None:
    assert imap.WAIT == smtp.WAIT == managesieve.WAIT == twilio.HTTP_TIMEOUT == rest.HTTP_TIMEOUT


def test_the_table_check_can_fail() -> None:
    with pytest.raises(AssertionError):
        test_the_limits_table_says_what_the_code_does("one IMAP answer", ["at most 7 lines"])


def test_the_exit_status_table_lists_every_status() -> None:
    table = section("Exit status")
    for status in Exit:
        assert f"\n| {int(status)} | " in table
    assert "`sync_timeout` ran out" in table
    # Under the interval `hours cron install` sets by default, as the table says.
    from hours.commands.cron import install

    [every] = [p.default for p in install.params if p.name == "every"]
    assert dt.timedelta(minutes=every) > autoreply.DEFAULT_SYNC_TIMEOUT
