"""The config file: the example documents every key and loads; paths; writes are atomic."""

from __future__ import annotations

import fnmatch
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from hours import config
from hours.config import schema
from hours.files import config_path, state_dir, write_atomic
from hours.schedule import Range

EXAMPLE = Path(__file__).parent.parent / "config.example.toml"


def sections(text: str) -> dict[str, str]:
    """Return the example's text by table: every [table] or [[table]] section, joined."""
    out: dict[str, str] = {"": ""}
    name = ""
    for line in text.splitlines():
        header = re.match(r"^\[\[?([\w.]+)\]\]?", line)
        if header:
            name = header.group(1)
        out[name] = out.get(name, "") + line + "\n"
    return out


def documented(path: str, by_table: dict[str, str]) -> bool:
    """Tell whether the key at `path` is set, or named in a comment, in its own table's text.

    A `*` in the path stands for a name the user chooses: `autoreply.lang.*` is documented by
    the example's `[autoreply.lang.fr]`, as is `autoreply.lang`, which holds it.
    """
    table, _, key = path.replace("[]", "").rpartition(".")
    name = path.replace("[]", "")
    if schema.is_table(path) and any(
        fnmatch.fnmatchcase(t, name) or t.startswith(f"{name}.") for t in by_table
    ):
        return True
    named = [t for t in by_table if "*" in table and fnmatch.fnmatchcase(t, table)]
    text = by_table[named[0]] if named else by_table.get(table)
    if text is None:  # an inline table: its line in the parent table
        parent, _, name = table.rpartition(".")
        lines = [
            ln for ln in by_table.get(parent, "").splitlines() if ln.startswith(f"{name} = {{")
        ]
        text = "\n".join(lines)
    return re.search(rf"(^|[\s,{{]){re.escape(key)}(\s*=|,|\s+(and|may)\b)", text, re.M) is not None


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
    by_table = sections(EXAMPLE.read_text())
    missing = sorted(path for path in schema.KEYS if not documented(path, by_table))
    assert missing == []
    assert [path for path, key in schema.KEYS.items() if not key.doc.strip()] == []


def test_the_documentation_check_can_fail() -> None:
    by_table = sections(EXAMPLE.read_text())
    assert documented("autoreply.email.imap.port", by_table)
    assert documented("autoreply.email.password_env", by_table)  # in a comment: `or: ...`
    # Named, but in another table's section, or not at all: not documented.
    assert not documented("autoreply.emergency.mode", by_table)
    assert not documented("holidays.weekly", by_table)
    # A table of a name the user chooses: documented by one of its kind, with its own keys only.
    assert documented("autoreply.lang.*.sms_message", by_table)
    assert not documented("autoreply.lang.*.voice_message", by_table)
    without = {name: text for name, text in by_table.items() if ".lang." not in name}
    assert not documented("autoreply.lang.*.message", without)
    assert not documented("autoreply.lang.*", without)


def test_every_key_the_loader_reads_is_in_the_schema() -> None:
    """A key missing from the schema cannot be read: the code asks the schema for each."""
    with pytest.raises(KeyError):
        schema.get({"colour": "blue"}, "colour", ValueError)


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
