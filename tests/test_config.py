"""The config file: the example documents every key and loads; paths; writes are atomic."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest

from hours import config
from hours.files import config_path, state_dir, write_atomic
from hours.schedule import Range

EXAMPLE = Path(__file__).parent.parent / "config.example.toml"


def schema_keys(schema: dict[str, Any]) -> set[str]:
    """Return every key name in the schema, at any depth."""
    keys = set(schema)
    for value in schema.values():
        if isinstance(value, dict):
            keys |= schema_keys(value)
        elif isinstance(value, list):
            keys |= schema_keys(value[0])
    return keys


def test_the_example_loads_cleanly() -> None:
    cfg = config.load(EXAMPLE)
    assert cfg.warnings == ()
    assert cfg.timezone == "America/Toronto"
    assert cfg.spec.week[1] == (Range(540, 720), Range(780, 1020))
    assert cfg.spec.week[4] == (Range(1320, 120),)
    assert [c.reason for c in cfg.spec.closed] == [
        "Christmas",
        "Early close",
        "Every other Friday off",
    ]
    assert cfg.holidays == config.Holidays("CA", "ON", ("Family Day",), ("Civic Holiday",))
    assert cfg.earnings is not None
    assert cfg.earnings.weekly == 1200


def test_the_example_documents_every_key() -> None:
    text = EXAMPLE.read_text()

    def documented(key: str) -> bool:  # as `key = ...`, or as a table header [..key] / [[..key]]
        return re.search(rf"(^|[\s\[.]){key}(\s*=|\])", text, re.MULTILINE) is not None

    missing = sorted(k for k in schema_keys(config.SCHEMA) if not documented(k))
    assert missing == []


@pytest.mark.parametrize(
    ("text", "weekly"),
    [("weekly = 1200", 1200.0), ("monthly = 5200", 1200.0), ("yearly = 62400", 1200.0)],
)
def test_earnings_periods(text: str, weekly: float) -> None:
    cfg = config.parse(f'timezone = "UTC"\n[earnings]\n{text}\n', Path("c.toml"))
    assert cfg.earnings is not None
    assert cfg.earnings.weekly == pytest.approx(weekly)


def test_config_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOURS_CONFIG", str(tmp_path / "env.toml"))
    assert config_path("/x/flag.toml") == Path("/x/flag.toml")
    assert config_path(None) == tmp_path / "env.toml"
    monkeypatch.delenv("HOURS_CONFIG")
    assert config_path(None) == tmp_path / "home" / ".config" / "hours" / "config.toml"
    assert state_dir() == tmp_path / "state"
    monkeypatch.delenv("HOURS_HOME")
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "hours"


def test_write_atomic_is_0600_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.toml"
    write_atomic(target, "a = 1\n")
    write_atomic(target, "a = 2\n")
    assert target.read_text() == "a = 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["file.toml"]


def test_edit_refuses_an_invalid_result_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('timezone = "UTC"  # mine\n')

    def bad(doc: Any) -> None:
        doc["timezone"] = "Nowhere/Special"

    with pytest.raises(config.ConfigError, match="is not a known time zone"):
        config.edit(path, bad)
    assert path.read_text() == 'timezone = "UTC"  # mine\n'


def test_open_entries_on_one_date_add_up() -> None:
    text = (
        'timezone = "UTC"\n[[open]]\ndate = 2026-12-20\nhours = "10:00-12:00"\nreason = "Rush"\n'
        '[[open]]\ndate = 2026-12-20\nhours = "13:00-15:00"\n'
    )
    cfg = config.parse(text, Path("c.toml"))
    assert [(o.date.isoformat(), o.ranges, o.reason) for o in cfg.spec.open] == [
        ("2026-12-20", (Range(600, 720), Range(780, 900)), "Rush")
    ]


def test_default_is_monday_to_friday_nine_to_five(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Chicago")
    cfg = config.default(Path("c.toml"))
    assert cfg.is_default
    assert cfg.timezone == "America/Chicago"
    assert cfg.spec.template_minutes() == 40 * 60
