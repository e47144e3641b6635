"""Shared pieces of the email end-to-end tests: configs pointing at the loopback servers,
and `hours autoreply sync` run through the CLI or as a separate process."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.helpers import config_file, run, write_config
from tests.servers.dovecot import Dovecot, MailUser
from tests.servers.smtp import SmtpRecorder

REPO = Path(__file__).resolve().parent.parent
PASSWORD_ENV = "HOURS_TEST_MAIL_PASSWORD"
ZONE = dt.timezone(dt.timedelta(hours=-5))  # America/New_York in November (EST)
WEEKDAYS = "\n".join(f'{d} = "09:00-17:00"' for d in ("mon", "tue", "wed", "thu", "fri"))


def at(text: str) -> dt.datetime:
    """Return a New York wall-clock time in November 2026 as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZONE)


def imap_config(
    dovecot: Dovecot,
    user: MailUser,
    smtp: SmtpRecorder,
    *,
    extra: str = "",
    emergency: str = "",
) -> Path:
    """Write a config whose email channel is the test Dovecot (IMAP) and SMTP recorder."""
    return write_config(f"""\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
{WEEKDAYS}
[autoreply]
vip = ["*@bigclient.test"]
{extra}
[autoreply.emergency]
keyword = "URGENT"
{emergency}
[autoreply.email]
mode = "imap"
address = "{user.address}"
password_env = "{PASSWORD_ENV}"
imap = {{ host = "{dovecot.host}", port = {dovecot.imap_port}, security = "none" }}
smtp = {{ host = "{smtp.host}", port = {smtp.port}, security = "none" }}
""")


def sync(when: dt.datetime | None = None, *, expect: int = 0) -> dict[str, Any]:
    """Run `hours autoreply sync --json` in-process and return its email channel's row."""
    args = ["autoreply", "sync", "--json"]
    if when is not None:
        args += ["--at", when.isoformat()]
    result = run(*args)
    assert result.exit_code == expect, result.output
    (row,) = json.loads(result.stdout)["channels"]
    assert isinstance(row, dict)
    return row


def sync_process(when: dt.datetime) -> subprocess.Popen[str]:
    """Start `hours autoreply sync` as its own process (one that can be killed)."""
    command = [
        sys.executable,
        "-m",
        "hours",
        "--config",
        str(config_file()),
        "autoreply",
        "sync",
        "--json",
        "--at",
        when.isoformat(),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def journal_rows(sql: str) -> list[tuple[Any, ...]]:
    """Read the journal the CLI wrote, directly."""
    path = Path(os.environ["HOURS_HOME"]) / "journal.sqlite3"
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()
