"""The README runs as written: every ```console block, top to bottom, in a fresh home.

How to write the README so that it keeps running (see also its Development section):

- A ```console block is a transcript. Each `$ ` line is run; the lines after it, up to the next
  `$`, are exactly what it prints (stdout and stderr, as a terminal shows them). A line `...`
  stands for any number of lines. A command that prints nothing is followed by nothing.
- The shell is small: `hours`, `echo` (with `$?`), `cp`, `export NAME=VALUE`, `&&`, `# ...`
  comments and `~`. Anything else fails the test rather than being skipped.
- The clock reads MOMENT, a Monday morning in London, the machine's zone; still, give `--at`
  (or `--week`) wherever the output depends on the time, so that a reader gets it too. The
  working directory stands for the repository, with `examples/` in it; the home shows as
  /home/sam.
- `<!-- file: PATH -->` on the line before a fenced block writes the block to PATH (`~/` is the
  home) before the next command; a PATH under `examples/` is a shipped file, which the block
  must equal.
- `<!-- not run: WHY -->` on the line before a ```console block marks one that cannot run here
  (a real sign-in, your real crontab, your real mail server), saying why. Its `hours` commands
  are still parsed as the command line parses them, so a renamed option fails the test.
- Other blocks (```sh, ```toml, ...) are not run.

The README is compared, never rewritten: its outputs are abbreviated by hand with `...`,
which a generator (cog, as sqlite-utils uses) would expand.
"""

from __future__ import annotations

import difflib
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import click
import pytest
from click.testing import CliRunner

from hours.cli import cli
from hours.clikit import App
from tests.helpers import freeze_clock

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
MOMENT = "2026-11-23T10:00:00+00:00"  # a Monday morning in London
HOME_SHOWN = "/home/sam"
DIRECTIVE = re.compile(r"<!--\s*(file|not run):\s*(.*?)\s*-->")


@dataclass
class Block:
    """A fenced block of the README: a console transcript, one not run, or a file to write."""

    line: int  # where its first line is in the README, 1-based
    kind: str  # "console", "not run" or "file"
    lines: list[str]
    note: str | None = None  # the file's path, or why the block is not run


@dataclass
class Step:
    """One `$` command of a console block and the output the README shows for it."""

    line: int
    command: str
    expected: list[str] = field(default_factory=list)


def blocks(text: str) -> list[Block]:
    """Return the console blocks and files of `text`, in order."""
    lines = text.splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        fence = lines[i].strip()
        if fence.startswith("```"):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            body = lines[i + 1 : end]
            directive = DIRECTIVE.fullmatch(lines[i - 1].strip()) if i else None
            kind, note = directive.groups() if directive else ("", None)
            if kind == "file":
                out.append(Block(i + 2, "file", body, note))
            elif fence == "```console":
                if kind == "not run" and not note:
                    raise AssertionError(f"README.md:{i}: say why the block is not run")
                out.append(Block(i + 2, kind or "console", body, note))
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
    """Just enough of a shell for the README, in a fresh home that is also its directory."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.status = 0
        self.env: dict[str, str | None] = {}
        self.runner = CliRunner()

    def words(self, command: str) -> list[list[str]]:
        """Split a command line into its simple commands (joined by `&&`), `~` expanded."""
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        out: list[list[str]] = [[]]
        for word in lexer:
            if word == "&&":
                out.append([])
            else:
                out[-1].append(self.path(word) if word.startswith("~") else word)
        return out

    def path(self, word: str) -> str:
        return str(self.home) + word[1:]

    def run(self, command: str) -> list[str]:
        """Run one command line; return what it printed, as the README would show it."""
        printed: list[str] = []
        for argv in self.words(command):
            printed += self.simple([w.replace("$?", str(self.status)) for w in argv])
            if self.status != 0:
                break
        return printed

    def simple(self, argv: list[str]) -> list[str]:
        name, args = argv[0], argv[1:]
        self.status = 0
        if name == "echo":
            return [" ".join(args)]
        if name == "cp" and len(args) == 2:
            shutil.copyfile(self.home / args[0], self.home / args[1])
            return []
        if name == "export" and len(args) == 1 and "=" in args[0]:
            key, _, value = args[0].partition("=")
            self.env[key] = self.path(value) if value.startswith("~") else value
            return []
        if name != "hours":
            raise AssertionError(f"the README walker runs hours, echo, cp and export, not {name}")
        result = self.runner.invoke(cli, args, prog_name="hours", env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        self.status = result.exit_code
        text = result.output.replace(str(self.home), HOME_SHOWN)
        return [line.rstrip() for line in text.splitlines()]

    def parse(self, command: str) -> None:
        """Parse each `hours` command of a line as the command line would, running nothing."""
        for argv in self.words(command):
            if argv[0] != "hours":
                raise AssertionError(f"a block not run holds only hours commands, not {argv[0]}")
            with mock.patch.object(click.Command, "invoke", return_value=None):
                try:
                    cli.main(argv[1:], "hours", standalone_mode=False, obj=App(None, no_color=True))
                except click.UsageError as e:
                    raise AssertionError(e.format_message()) from None

    def write(self, path: str, lines: list[str]) -> None:
        if path.startswith("examples/"):  # shipped: the README shows it as it is
            shipped = (ROOT / path).read_text().splitlines()
            if lines != shipped:
                diff = difflib.unified_diff(shipped, lines, path, "README", lineterm="")
                raise AssertionError("\n".join(diff))
            return
        target = self.home / path[2:] if path.startswith("~/") else self.home / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n")


@dataclass
class Walked:
    """What a walk did: the commands run, those only parsed, and why each block was not run."""

    ran: int = 0
    parsed: int = 0
    not_run: list[str] = field(default_factory=list)


def walk(text: str, shell: Shell) -> Walked:
    """Run every block in order; fail at the first output that differs."""
    walked = Walked()
    for block in blocks(text):
        if block.kind == "file":
            assert block.note is not None
            shell.write(block.note, block.lines)
            continue
        for step in steps(block):
            if block.kind == "not run":
                try:
                    shell.parse(step.command)
                except AssertionError as e:
                    raise AssertionError(f"README.md:{step.line}: $ {step.command}\n{e}") from None
                walked.parsed += 1
                continue
            actual = shell.run(step.command)
            walked.ran += 1
            expected = [line.rstrip() for line in step.expected]
            if not matches(expected, actual):
                diff = "\n".join(
                    difflib.unified_diff(expected, actual, "README", "actual", lineterm="")
                )
                raise AssertionError(f"README.md:{step.line}: $ {step.command}\n{diff}")
        if block.kind == "not run":
            assert block.note is not None
            walked.not_run.append(block.note)
    return walked


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new user's machine in London on the README's Monday, in a copy of the repository."""
    home = tmp_path / "sam"
    home.mkdir()
    shutil.copytree(EXAMPLES, home / "examples")
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOURS_CONFIG", "HOURS_HOME", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TZ", "Europe/London")
    monkeypatch.chdir(home)
    freeze_clock(monkeypatch, MOMENT)
    return home


def test_the_readme_runs_as_written(fresh_home: Path) -> None:
    text = README.read_text()
    walked = walk(text, Shell(fresh_home))
    # Every command of the README was run or, in a block that cannot run here, parsed.
    assert walked.ran + walked.parsed == len(re.findall(r"^\$ ", text, re.MULTILINE))
    assert walked.ran >= 30
    # the config the tour made is in the fresh home, where the README says it is
    assert (fresh_home / ".config" / "hours" / "config.toml").exists()
    # Blocks that cannot run here are few, and each says why.
    assert len(walked.not_run) <= 8, walked.not_run


def anchors(text: str) -> set[str]:
    """Return the anchors GitHub makes of the headings of `text` (fenced blocks left out)."""
    out = set()
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def test_the_readme_links_lead_to_its_headings() -> None:
    text = README.read_text()
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert {
        "set-up",
        "when-it-really-cant-wait",
        "what-247-really-costs-and-the-weekly-report",
    } <= links
    assert links - anchors(text) == set()
    # a link to a heading that is not there is caught; a heading inside a block is no heading
    sample = "## Set up\n```console\n## Not a heading\n```\n"
    assert anchors(sample) == {"set-up"}


def test_the_examples_load_cleanly() -> None:
    from hours.config import load

    cfg = load(EXAMPLES / "salon.toml")
    assert (cfg.name, cfg.warnings) == ("Sam's Nails", ())


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
    assert walk(SAMPLE, Shell(fresh_home)).ran == 5


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
    with pytest.raises(AssertionError, match="runs hours, echo, cp and export, not rm"):
        walk("```console\n$ rm -rf ~\n```\n", Shell(fresh_home))


def test_cp_and_export_switch_the_config(fresh_home: Path) -> None:
    transcript = """\
```console
$ cp examples/salon.toml ~/salon.toml
$ export HOURS_CONFIG=~/salon.toml
$ hours status --at 2026-11-23T10:00
Open — closes today at 17:00, in 7 hours
$ hours show
Sam's Nails — America/Toronto (/home/sam/salon.toml)
...
```
"""
    assert walk(transcript, Shell(fresh_home)).ran == 4
    assert (fresh_home / "salon.toml").read_text() == (EXAMPLES / "salon.toml").read_text()


NOT_RUN = """\
<!-- not run: it would sign in at Google for real -->
```console
$ hours login google --client ~/client.json --no-browser
Opening a browser to sign in to Google.
$ hours cron install --every 10
```
"""


def test_a_block_not_run_is_parsed_and_says_why(fresh_home: Path) -> None:
    walked = walk(NOT_RUN, Shell(fresh_home))
    assert (walked.ran, walked.not_run) == (0, ["it would sign in at Google for real"])
    assert not (fresh_home / ".local").exists()  # nothing ran: no state directory made


@pytest.mark.parametrize(
    ("wrong", "line", "message"),
    [
        ("--no-browser", "--no-browsr", r"No such option .--no-browsr."),
        ("cron install", "cron instal", r"No such command 'instal'"),
        ("--every 10", "--every ten", r"'ten' is not a valid integer"),
        ("<!-- not run: it would sign in at Google for real -->", "<!-- not run: -->", "say why"),
    ],
)
def test_a_block_not_run_fails_on_what_the_command_line_refuses(
    fresh_home: Path, wrong: str, line: str, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        walk(NOT_RUN.replace(wrong, line), Shell(fresh_home))


def test_a_shipped_file_shown_must_equal_the_file(fresh_home: Path) -> None:
    shipped = (EXAMPLES / "vacation.ics").read_text()
    shown = f"<!-- file: examples/vacation.ics -->\n```text\n{shipped}```\n"
    assert walk(shown, Shell(fresh_home)).ran == 0
    with pytest.raises(AssertionError, match=r"\+SUMMARY:Yoga"):
        walk(shown.replace("SUMMARY:Pilates", "SUMMARY:Yoga"), Shell(fresh_home))


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
