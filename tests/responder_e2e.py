"""Shared pieces of the gmail and outlook mode tests: configs that point the email channel at
the Gmail or Graph fake, a token command that counts its runs, and syncs through the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.helpers import run, write_config
from tests.servers.json_fake import JsonFake

ZONE = ZoneInfo("America/New_York")
WEEKDAYS = "\n".join(f'{d} = "09:00-17:00"' for d in ("mon", "tue", "wed", "thu", "fri"))


def at(text: str) -> dt.datetime:
    """Return a New York wall-clock time as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZONE)


def epoch_ms(text: str) -> str:
    """Return a New York wall-clock time as Gmail's epoch milliseconds."""
    return str(int(at(text).timestamp() * 1000))


class TokenCommand:
    """A token_command that prints the token in a file, and counts how often it ran."""

    def __init__(self, folder: Path, token: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.token_file = folder / "token"
        self.runs_file = folder / "runs"
        self.token_file.write_text(token + "\n")

    @property
    def command(self) -> str:
        """Return the command, for the config."""
        return f"echo run >> '{self.runs_file}'; cat '{self.token_file}'"

    @property
    def runs(self) -> int:
        """Return how many times the command ran."""
        return len(self.runs_file.read_text().split()) if self.runs_file.exists() else 0


def responder_config(
    mode: str,
    fake: JsonFake | None,
    *,
    token_command: str | None,
    extra: str = "",
    shared: str = "",
    holidays: bool = False,
) -> Path:
    """Write a config whose email channel, in `mode`, is the fake; open weekdays 9 to 5."""
    sign_in = f"token_command = {json.dumps(token_command)}" if token_command else ""
    api_base = f'api_base = "{fake.url}"' if fake is not None else ""
    country = '[holidays]\ncountry = "US"' if holidays else ""
    return write_config(f"""\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
{WEEKDAYS}
{country}
[autoreply]
{shared}
[autoreply.email]
mode = "{mode}"
address = "sam@example.com"
{sign_in}
{api_base}
{extra}
""")


def sync(when: dt.datetime, *, expect: int = 0, dry_run: bool = False) -> dict[str, Any]:
    """Run `hours autoreply sync --json --at WHEN` and return the email channel's row."""
    args = ["autoreply", "sync", "--json", "--at", when.isoformat()]
    if dry_run:
        args.append("--dry-run")
    result = run(*args)
    assert result.exit_code == expect, result.output
    (row,) = json.loads(result.stdout)["channels"]
    assert isinstance(row, dict)
    return row


def cli(*args: str, expect: int = 0) -> str:
    """Run `hours ARGS`, check its exit status, and return what it printed on stdout."""
    result = run(*args)
    assert result.exit_code == expect, result.output
    return result.stdout
