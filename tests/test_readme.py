"""The README runs as written: its `console` blocks, in order, in a fresh home.

Each `$ ...` line of a console block is run, and what follows it, up to the next `$` line, is
what it must print (stdout and stderr as a terminal shows them, in the order written). A line
`...` stands for any number of lines. A fenced block right after a line
`<!-- file: PATH -->` is written to PATH first (`~` is the fresh home), so the README can show
the config or the calendar its commands use.

The commands are run in-process through the real entry point, with the clock at MOMENT and the
machine's zone Europe/London, so the output is the same every day; paths under the fresh home
are shown as under /home/sam. A small shell runs them: `hours ...`, `echo` (with `$?`), and
`&&`. The README is compared, never rewritten: its outputs are abbreviated by hand with `...`,
which a generator (cog, as sqlite-utils uses) would expand.
"""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from hours.cli import cli
from tests.helpers import freeze_clock

README = Path(__file__).parent.parent / "README.md"
MOMENT = "2026-11-23T10:00:00+00:00"  # a Monday morning in London
HOME_SHOWN = "/home/sam"
# The sections walked so far: from the tour up to (not into) the cost and report section,
# whose examples assume a config the README does not show yet.
FIRST_SECTION = "## A tour"
STOP_BEFORE = "## What 24/7 really costs"
FILE_DIRECTIVE = re.compile(r"<!--\s*file:\s*(\S+)\s*-->")


@dataclass
class Block:
    """A fenced block of the README: a console transcript, or a file to write."""

    line: int  # where its first line is in the README, 1-based
    kind: str  # "console" or "file"
    lines: list[str]
    path: str | None = None


@dataclass
class Step:
    """One `$` command of a console block and the output the README shows for it."""

    line: int
    command: str
    expected: list[str] = field(default_factory=list)


def blocks(text: str, first: str | None = None, stop: str | None = None) -> list[Block]:
    """Return the console blocks and files of `text`, from a heading `first` to one `stop`.

    A heading is matched by its start: "## What 24/7 really costs" stops at that section.
    """
    lines = text.splitlines()
    out: list[Block] = []
    walking = first is None
    i = 0
    while i < len(lines):
        line = lines[i]
        if first is not None and line.startswith(first):
            walking = True
        if stop is not None and line.startswith(stop):
            break
        fence = line.strip()
        if walking and fence.startswith("```"):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            body = lines[i + 1 : end]
            directive = FILE_DIRECTIVE.fullmatch(lines[i - 1].strip()) if i else None
            if directive:
                out.append(Block(i + 2, "file", body, directive.group(1)))
            elif fence == "```console":
                out.append(Block(i + 2, "console", body))
            i = end
        i += 1
    return out


def steps(block: Block) -> list[Step]:
    """Split a console block into its commands and the output shown for each."""
    out: list[Step] = []
    for n, line in enumerate(block.lines):
        if line.startswith("$ "):
            out.append(Step(block.line + n, line[2:]))
        elif not out:
            raise AssertionError(f"README.md:{block.line + n}: output before any `$` command")
        else:
            out[-1].expected.append(line)
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """Tell whether the output is what the README shows, a `...` line standing for any lines."""
    if not expected:
        return not actual
    if expected[0].strip() == "...":
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


class Shell:
    """Just enough of a shell for the README: `hours`, `echo`, `$?` and `&&`, in a fresh home."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.status = 0
        self.runner = CliRunner()

    def run(self, command: str) -> list[str]:
        """Run one command line; return what it printed, as the README would show it."""
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
        printed: list[str] = []
        while words:
            end = words.index("&&") if "&&" in words else len(words)
            printed += self.simple([w.replace("$?", str(self.status)) for w in words[:end]])
            if self.status != 0:
                break
            words = words[end + 1 :]
        return printed

    def simple(self, argv: list[str]) -> list[str]:
        if argv[0] == "echo":
            self.status = 0
            return [" ".join(argv[1:])]
        if argv[0] != "hours":
            raise AssertionError(f"the README walker runs only hours and echo, not {argv[0]}")
        args = [a.replace("~", str(self.home), 1) if a.startswith("~") else a for a in argv[1:]]
        result = self.runner.invoke(cli, args, prog_name="hours")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        self.status = result.exit_code
        text = result.output.replace(str(self.home), HOME_SHOWN)
        return [line.rstrip() for line in text.splitlines()]

    def write(self, path: str, lines: list[str]) -> None:
        target = self.home / path[2:] if path.startswith("~/") else self.home / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n")


def walk(text: str, shell: Shell, first: str | None = None, stop: str | None = None) -> int:
    """Run every block in order; fail at the first output that differs. Return the commands run."""
    ran = 0
    for block in blocks(text, first, stop):
        if block.kind == "file":
            assert block.path is not None
            shell.write(block.path, block.lines)
            continue
        for step in steps(block):
            actual = shell.run(step.command)
            ran += 1
            expected = [line.rstrip() for line in step.expected]
            if not matches(expected, actual):
                diff = "\n".join(
                    difflib.unified_diff(expected, actual, "README", "actual", lineterm="")
                )
                raise AssertionError(f"README.md:{step.line}: $ {step.command}\n{diff}")
    return ran


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new user's machine: nothing configured, in London, on the README's Monday."""
    home = tmp_path / "sam"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOURS_CONFIG", "HOURS_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TZ", "Europe/London")
    monkeypatch.chdir(home)
    freeze_clock(monkeypatch, MOMENT)
    return home


def test_the_readme_runs_as_written(fresh_home: Path) -> None:
    text = README.read_text()
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert any(h.startswith(FIRST_SECTION) for h in headings)
    assert any(h.startswith(STOP_BEFORE) for h in headings)
    ran = walk(text, Shell(fresh_home), FIRST_SECTION, STOP_BEFORE)
    assert ran >= 15  # the tour was walked, not skipped
    # the config the tour made is in the fresh home, where the README says it is
    assert (fresh_home / ".config" / "hours" / "config.toml").exists()


# -- the walker itself ---------------------------------------------------------------------

SAMPLE = """\
# Sample

<!-- file: ~/.config/hours/config.toml -->
```toml
timezone = "Europe/London"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
```

```console
$ hours status
Open — closes today at 17:00, in 7 hours
$ hours status --at 2026-11-23T18:00   # in the evening
Closed (outside hours) — opens tomorrow at 09:00, in 15 hours
$ echo $?
1
$ hours status -q && echo "at work"
at work
$ hours show
...
Public holidays:
  none (`hours holidays GB` to close on them)
```
"""


def test_the_walker_runs_a_sample(fresh_home: Path) -> None:
    assert walk(SAMPLE, Shell(fresh_home)) == 5


@pytest.mark.parametrize(
    ("wrong", "line"),
    [
        ("in 7 hours", "in 8 hours"),  # an output that differs
        ("at work\n", "at home\n"),
        ("$ echo $?\n1", "$ echo $?\n0"),  # a status that differs
        ("  none (`hours holidays GB`", "  none (`hours holidays FR`"),  # after a `...`
        ("Open — closes", "Opened — closes"),
    ],
)
def test_the_walker_fails_on_a_difference(fresh_home: Path, wrong: str, line: str) -> None:
    with pytest.raises(AssertionError, match=r"README.md:\d+: \$ "):
        walk(SAMPLE.replace(wrong, line), Shell(fresh_home))


def test_the_walker_refuses_what_it_cannot_run(fresh_home: Path) -> None:
    with pytest.raises(AssertionError, match="runs only hours and echo, not rm"):
        walk("```console\n$ rm -rf ~\n```\n", Shell(fresh_home))


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        (["a", "...", "d"], ["a", "b", "c", "d"], True),
        (["a", "...", "d"], ["a", "d"], True),
        (["a", "  ...", "d"], ["a", "b", "e"], False),
        (["a"], ["a", "b"], False),
        (["..."], [], True),
    ],
)
def test_an_ellipsis_stands_for_any_lines(expected: list[str], actual: list[str], ok: bool) -> None:
    assert matches(expected, actual) is ok
