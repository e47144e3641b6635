"""The parsed config kept in the state directory stands only for the very text it was made from.

A start that finds it skips tomllib (tests/test_lean_start.py); these tests show that an entry
is never used for another text, by another `hours`, from a file someone else could have
written, or in place of validation.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import Any, NoReturn

import pytest

from hours import config as configmod
from hours.config import cache
from hours.errors import ConfigError
from tests.helpers import run, write_config

CONFIG = """\
timezone = "America/Toronto"
[week]
mon = "09:00-17:00"
[[closed]]
rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
start = 2026-01-09
reason = "Every other Friday off"
"""
# Every kind of value TOML has, dates and times with and without offsets among them.
EVERY_KIND = """\
text = "a\\tb"
whole = -12
real = 12.5
yes = true
day = 2026-12-24
local = 2026-12-24T10:30:00.250
utc = 2026-12-24T10:30:00Z
offset = 2026-12-24T10:30:00-05:00
clock = 07:45:30.000001
empty = []
nested = [[1, 2], ["x"], [{ when = 2026-01-09 }]]
[table.inner]
list = [2026-01-01, 00:00:00]
"""


def state() -> Path:
    return Path(os.environ["HOURS_HOME"])


@pytest.fixture(autouse=True)
def state_directory() -> None:
    """Make the state directory, as the first run with holidays, a cron line or a sync does."""
    state().mkdir()


def test_the_state_directory_is_not_made_for_it() -> None:
    state().rmdir()
    path = write_config(CONFIG)
    configmod.load(path, state(), keep=True)
    assert not state().exists()


def no_parser(text: str) -> NoReturn:
    raise AssertionError("tomllib was asked to parse")


def test_a_config_loaded_once_loads_again_without_tomllib(monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(CONFIG)
    first = configmod.load(path, state(), keep=True)
    assert (state() / cache.FILE_NAME).is_file()
    monkeypatch.setattr(tomllib, "loads", no_parser)
    assert configmod.load(path, state(), keep=True) == first
    # Without a state directory nothing is kept or looked for: the parser is needed.
    with pytest.raises(AssertionError, match="tomllib was asked"):
        configmod.load(path)


def test_every_toml_value_comes_back_as_tomllib_made_it(tmp_path: Path) -> None:
    raw = tomllib.loads(EVERY_KIND)
    cache.write(tmp_path, EVERY_KIND, raw)
    kept = cache.read(tmp_path, EVERY_KIND)
    assert kept == raw
    assert kept is not None
    assert type(kept["day"]) is dt.date
    assert type(kept["local"]) is dt.datetime
    assert kept["offset"].utcoffset() == dt.timedelta(hours=-5)
    assert kept["local"].tzinfo is None


def test_an_edited_file_is_parsed_again_whatever_its_size_and_times_say() -> None:
    path = write_config(CONFIG)
    configmod.load(path, state(), keep=True)
    before = path.stat()
    # Same length, same modification time: only the text tells the edit.
    path.write_text(CONFIG.replace("09:00-17:00", "10:00-18:00"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    cfg = configmod.load(path, state(), keep=True)
    assert str(cfg.spec.week[0][0]) == "10:00-18:00"


def kept_for(text: str, raw: dict[str, Any]) -> None:
    cache.write(state(), text, raw)
    assert cache.read(state(), text) == raw  # the entry itself is good


def test_an_entry_is_validated_like_a_parsed_file() -> None:
    path = write_config(CONFIG)
    kept_for(CONFIG, {**tomllib.loads(CONFIG), "timezone": "Mars/Olympus"})
    with pytest.raises(ConfigError, match="'Mars/Olympus' is not a known time zone"):
        configmod.load(path, state(), keep=True)


@pytest.mark.parametrize("mode", [0o620, 0o602], ids=oct)
def test_an_entry_others_could_have_written_is_not_read(mode: int) -> None:
    path = write_config(CONFIG)
    kept_for(CONFIG, {**tomllib.loads(CONFIG), "timezone": "Mars/Olympus"})
    (state() / cache.FILE_NAME).chmod(mode)
    assert cache.read(state(), CONFIG) is None
    assert configmod.load(path, state(), keep=True).timezone == "America/Toronto"


def test_an_entry_of_another_hours_or_python_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    kept_for(CONFIG, tomllib.loads(CONFIG))
    monkeypatch.setattr(cache, "_STAMP", ("hours parsed config 1", "0.0.0", "another Python"))
    assert cache.read(state(), CONFIG) is None


@pytest.mark.parametrize(
    "damage", [b"", b"\x00" * 40, b"not marshal at all", b"\xe9\x03\x00\x00\x00"]
)
def test_a_damaged_entry_is_only_slower(damage: bytes) -> None:
    path = write_config(CONFIG)
    first = configmod.load(path, state(), keep=True)
    entry = state() / cache.FILE_NAME
    entry.write_bytes(damage)
    assert cache.read(state(), CONFIG) is None
    assert configmod.load(path, state(), keep=True) == first
    assert cache.read(state(), CONFIG) is not None  # written anew


def test_only_the_lean_commands_keep_it() -> None:
    write_config(CONFIG)
    assert run("show").exit_code == 0
    assert not (state() / cache.FILE_NAME).exists()
    assert run("next", "--at", "2026-11-23T10:00").exit_code == 0
    assert (state() / cache.FILE_NAME).is_file()


def test_a_config_that_fails_keeps_nothing() -> None:
    write_config(CONFIG.replace("America/Toronto", "Mars/Olympus"))
    result = run("status", "--at", "2026-11-23T10:00")
    assert result.exit_code == 3
    assert not (state() / cache.FILE_NAME).exists()


def test_status_keeps_the_parsed_config_and_answers_the_same_from_it() -> None:
    write_config(CONFIG)
    at = ["--at", "2026-11-27T12:00"]  # an other Friday: closed, for the rule's reason
    first = run("status", *at)
    assert (state() / cache.FILE_NAME).is_file()
    again = run("status", *at)
    assert (first.exit_code, first.output) == (again.exit_code, again.output)
    assert first.exit_code == 1
    assert "Every other Friday off" in first.output
