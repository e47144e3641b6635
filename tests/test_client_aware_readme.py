"""The README's section on new and returning clients holds true: its files and commands give
the output it shows, and its table of what one text for everyone makes of each field is the
code's (`hours.config.autoreply.FIELDS` and `FIXED_TEXT_SETTINGS`)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from hours.config.autoreply import FIELDS, FIXED_TEXT_SETTINGS
from tests.helpers import run

README = Path(__file__).parent.parent / "README.md"
SECTION = "### New and returning clients, their time and their language"
FILE = re.compile(r"<!--\s*file:\s*(\S+)\s*-->")


def section() -> list[str]:
    lines = README.read_text().splitlines()
    start = lines.index(SECTION)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    return lines[start:end]


def blocks(lines: list[str]) -> list[tuple[str, str | None, list[str]]]:
    """Return the fenced blocks as (kind, the file it is written to, lines)."""
    out = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            end = lines.index("```", i + 1)
            directive = FILE.fullmatch(lines[i - 1].strip())
            kind = lines[i].removeprefix("```")
            out.append((kind, directive.group(1) if directive else None, lines[i + 1 : end]))
            i = end
        i += 1
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """Tell whether output is what the README shows, a line `...` standing for any lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def test_the_sections_commands_print_what_it_shows(tmp_path: Path) -> None:
    home = tmp_path / "home"
    found = blocks(section())
    files = [(path, body) for _, path, body in found if path is not None]
    assert [path for path, _ in files] == ["~/clients.toml", "~/contacts.vcf"]
    for path, body in files:
        (home / path.removeprefix("~/")).write_text("\n".join(body) + "\n")
    consoles = [body for kind, _, body in found if kind == "console"]
    steps: list[tuple[str, list[str]]] = []
    for body in consoles:
        for line in body:
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    assert len(steps) == 5
    for command, expected in steps:
        argv = [a.replace("~", str(home), 1) for a in shlex.split(command)]
        assert argv[0] == "hours"
        result = run(*argv[1:])
        assert result.exit_code == 0, result.output
        actual = [line.rstrip() for line in result.output.splitlines()]
        assert matches(expected, actual), (command, actual)


def test_the_walk_can_fail() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert not matches(["a", "...", "d"], ["a", "b", "c"])
    assert not matches(["a"], ["a", "b"])


def test_the_table_of_one_text_for_everyone_is_the_codes() -> None:
    lines = section()
    start = next(i for i, line in enumerate(lines) if line.startswith("| field or setting |"))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        key, said = (cell.strip() for cell in line.strip("|").split(" | "))
        rows[key] = said
    same = ", ".join(f"`{{{name}}}`" for name, f in FIELDS.items() if not f.fixed)
    assert rows == {
        same: "as in any reply",
        **{f"`{{{name}}}`": f.fixed for name, f in FIELDS.items() if f.fixed},
        **{f"`{key}`": what for key, what in FIXED_TEXT_SETTINGS.items()},
    }
