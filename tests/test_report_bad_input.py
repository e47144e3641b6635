"""Bad input to cost, report and calendar: one clear `Error:` line, its exit status, no change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import config_file, run, snapshot, write_config

GOOD = """\
# keep me
timezone = "Europe/London"

[week]
mon = "09:00-17:00"

[earnings]
weekly = 1200
"""
NO_EARNINGS = 'timezone = "Europe/London"\n[week]\nmon = "09:00-17:00"\n'
NO_HOURS = 'timezone = "Europe/London"\n[earnings]\nweekly = 1200\n'
ALL_YEAR_CLOSED = GOOD + '\n[[closed]]\nfrom = 2026-01-01\nto = 2028-01-01\nreason = "Sabbatical"\n'
ICS_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
BROKEN_ICS = "{ics} is not a valid iCalendar file ({why}); nothing was changed"
FORMATS = "text|markdown|html|svg|json|ics"

# (id, config text or None for no file, argv, .ics content or None, exit status, the error)
CASES: list[tuple[str, str | None, list[str], str | bytes | None, int, str]] = [
    (
        "cost: no earnings configured",
        NO_EARNINGS,
        ["cost"],
        None,
        3,
        "no earnings set (no [earnings] in {path}); set them with `hours set --earnings "
        "1200/week`, or pass --earnings 1200/week",
    ),
    (
        "cost: no earnings on the built-in default",
        None,
        ["cost"],
        None,
        3,
        "no earnings set (no config at {path}); set them with `hours set --earnings 1200/week`, "
        "or pass --earnings 1200/week",
    ),
    (
        "cost: zero earnings in the config",
        GOOD.replace("1200", "0"),
        ["cost"],
        None,
        3,
        "{path}: [earnings] weekly: 0: earnings must be a positive number",
    ),
    (
        "cost: negative earnings in the config",
        GOOD.replace("weekly = 1200", "monthly = -5"),
        ["cost"],
        None,
        3,
        "{path}: [earnings] monthly: -5: earnings must be a positive number",
    ),
    (
        "cost: zero --earnings",
        GOOD,
        ["cost", "--earnings", "0/week"],
        None,
        2,
        "Invalid value for '--earnings': '0/week': earnings must be a positive number. "
        "See 'hours cost --help'.",
    ),
    (
        "cost: negative --earnings",
        GOOD,
        ["cost", "--earnings", "-100"],
        None,
        2,
        "Invalid value for '--earnings': '-100': earnings must be a positive number. "
        "See 'hours cost --help'.",
    ),
    (
        "cost: --earnings not a number",
        GOOD,
        ["cost", "--earnings", "lots"],
        None,
        2,
        "Invalid value for '--earnings': 'lots' is not an amount; use a number like 1200/week. "
        "See 'hours cost --help'.",
    ),
    (
        "cost: --earnings per fortnight",
        GOOD,
        ["cost", "--earnings", "2400/fortnight"],
        None,
        2,
        "Invalid value for '--earnings': '2400/fortnight': the period must be week, month or "
        "year, like 1200/week. See 'hours cost --help'.",
    ),
    (
        "cost: --currency not a code",
        GOOD,
        ["cost", "--currency", "EURO"],
        None,
        2,
        "Invalid value for '--currency': 'EURO' is not a currency code; use three letters like "
        "USD, EUR or GBP. See 'hours cost --help'.",
    ),
    (
        "cost: no open hours in the week",
        NO_HOURS,
        ["cost"],
        None,
        3,
        "your week has no open hours, so there is no hourly wage to work out; set your hours "
        "with `hours set mon-fri 9-17`",
    ),
    (
        "cost: no open hours all year",
        ALL_YEAR_CLOSED,
        ["cost", "--at", "2026-11-23T10:00"],
        None,
        3,
        "you have no open hours in the 52 weeks from 2026-11-23: closures and holidays cover "
        "them all, so there is no hourly wage to work out; see `hours off --list`",
    ),
    (
        "cost: bad --at",
        GOOD,
        ["cost", "--at", "tomorrow"],
        None,
        2,
        "Invalid value for '--at': 'tomorrow' is not a date-time; use ISO 8601 like "
        "2026-12-25T10:00 or 2026-12-25T10:00+01:00. See 'hours cost --help'.",
    ),
    (
        "report: week 54",
        GOOD,
        ["report", "--week", "2026-W54"],
        None,
        2,
        "Invalid value for '--week': '2026-W54' is not a week of 2026: it has weeks 1 to 53. "
        "See 'hours report --help'.",
    ),
    (
        "report: week 53 of a 52-week year",
        GOOD,
        ["report", "--week", "2027-W53"],
        None,
        2,
        "Invalid value for '--week': '2027-W53' is not a week of 2027: it has weeks 1 to 52. "
        "See 'hours report --help'.",
    ),
    (
        "report: week 0",
        GOOD,
        ["report", "--week", "2026-W00"],
        None,
        2,
        "Invalid value for '--week': '2026-W00' is not a week of 2026: it has weeks 1 to 53. "
        "See 'hours report --help'.",
    ),
    (
        "report: week without W",
        GOOD,
        ["report", "--week", "2026-48"],
        None,
        2,
        "Invalid value for '--week': '2026-48' is not an ISO week; use YYYY-Www, like 2026-W48. "
        "See 'hours report --help'.",
    ),
    (
        "report: week in words",
        GOOD,
        ["report", "--week", "next"],
        None,
        2,
        "Invalid value for '--week': 'next' is not an ISO week; use YYYY-Www, like 2026-W48. "
        "See 'hours report --help'.",
    ),
    (
        "report: --week and --date",
        GOOD,
        ["report", "--week", "2026-W48", "--date", "2026-11-25"],
        None,
        2,
        "give --week or --date, not both",
    ),
    (
        "report: bad --date",
        GOOD,
        ["report", "--date", "2026-13-01"],
        None,
        2,
        "Invalid value for '--date': '2026-13-01' is not a date; use YYYY-MM-DD like "
        "2026-12-24. See 'hours report --help'.",
    ),
    (
        "report: unknown --tz",
        GOOD,
        ["report", "--tz", "Mars/Olympus"],
        None,
        2,
        "Invalid value for '--tz': 'Mars/Olympus' is not a known time zone; use an IANA name "
        "like Europe/London. See 'hours report --help'.",
    ),
    (
        "report: unknown --format",
        GOOD,
        ["report", "--format", "pdf"],
        None,
        2,
        "Invalid value for '--format': 'pdf' is not one of 'text', 'markdown', 'html', 'svg', "
        "'json', 'ics'. See 'hours report --help'.",
    ),
    (
        "report: -o with an unknown extension",
        GOOD,
        ["report", "-o", "{dir}/week.pdf"],
        None,
        2,
        f"cannot tell the format from the name '{{dir}}/week.pdf'; pass --format {FORMATS}, or "
        "end the name in .txt, .md, .html, .svg, .json or .ics",
    ),
    (
        "report: -o into a directory that does not exist",
        GOOD,
        ["report", "-o", "{dir}/no/such/week.html"],
        None,
        2,
        "cannot write {dir}/no/such/week.html: there is no directory {dir}/no/such; "
        "nothing was written",
    ),
    (
        "calendar export: -o into a directory that does not exist",
        GOOD,
        ["calendar", "export", "-o", "{dir}/no/hours.ics"],
        None,
        2,
        "cannot write {dir}/no/hours.ics: there is no directory {dir}/no; nothing was written",
    ),
    (
        "report: -o onto a directory",
        GOOD,
        ["report", "--format", "html", "-o", "{dir}"],
        None,
        2,
        "cannot write {dir}: Is a directory; nothing was written",
    ),
    (
        "report: a config that does not load",
        'timezone = "Europe/London"\n[week]\nmon = "25:00-26:00"\n',
        ["report"],
        None,
        3,
        "{path}: [week] mon: '25:00' is not a time: use 00:00 to 23:59",
    ),
    (
        "calendar export: zero weeks",
        GOOD,
        ["calendar", "export", "--weeks", "0"],
        None,
        2,
        "Invalid value for '--weeks': 0 is not in the range 1<=x<=520. "
        "See 'hours calendar export --help'.",
    ),
    (
        "calendar import: no such file",
        GOOD,
        ["calendar", "import", "{dir}/nope.ics"],
        None,
        2,
        "Invalid value for 'FILE': File '{dir}/nope.ics' does not exist. "
        "See 'hours calendar import --help'.",
    ),
    (
        "calendar import: empty file",
        GOOD,
        ["calendar", "import", "{ics}"],
        "",
        2,
        BROKEN_ICS.replace("{why}", "it is empty"),
    ),
    (
        "calendar import: not iCalendar",
        GOOD,
        ["calendar", "import", "{ics}"],
        "Dear Sam, see you Tuesday!\n",
        2,
        BROKEN_ICS.replace(
            "{why}",
            "not an iCalendar line: 'Dear Sam, see you Tuesday!'",
        ),
    ),
    (
        "calendar import: not text",
        GOOD,
        ["calendar", "import", "{ics}"],
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        2,
        BROKEN_ICS.replace("{why}", "it is not UTF-8 text"),
    ),
    (
        "calendar import: cut short",
        GOOD,
        ["calendar", "import", "{ics}"],
        ICS_HEAD + "BEGIN:VEVENT\r\nSUMMARY:Off\r\nDTSTART:20261201T100000Z\r\n",
        2,
        BROKEN_ICS.replace("{why}", "it has no complete BEGIN:VCALENDAR ... END:VCALENDAR"),
    ),
    (
        "calendar import: a date that is not one",
        GOOD,
        ["calendar", "import", "{ics}"],
        ICS_HEAD + "BEGIN:VEVENT\r\nSUMMARY:Off\r\nDTSTART:2026XX01\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        2,
        BROKEN_ICS.replace("{why}", "DTSTART: Wrong date format 2026XX01"),
    ),
    (
        "calendar import: an event with no start",
        GOOD,
        ["calendar", "import", "{ics}"],
        ICS_HEAD + "BEGIN:VEVENT\r\nSUMMARY:Off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        2,
        BROKEN_ICS.replace("{why}", "the event 'Off' has no DTSTART"),
    ),
    (
        "calendar import: a bad RRULE",
        GOOD,
        ["calendar", "import", "{ics}"],
        ICS_HEAD + "BEGIN:VEVENT\r\nSUMMARY:Off\r\nDTSTART:20261201T100000Z\r\n"
        "RRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        2,
        BROKEN_ICS.replace("{why}", "RRULE: Expected frequency, got: SOMETIMES"),
    ),
    (
        "calendar import: dry run of a broken file",
        GOOD,
        ["calendar", "import", "{ics}", "--dry-run"],
        "BEGIN:VCALENDAR\r\n",
        2,
        BROKEN_ICS.replace("{why}", "it has no complete BEGIN:VCALENDAR ... END:VCALENDAR"),
    ),
    (
        "calendar import: into a config that does not load",
        'timezone = "Mars/Olympus"\n',
        ["calendar", "import", "{ics}"],
        ICS_HEAD + "END:VCALENDAR\r\n",
        3,
        "{path}: timezone: 'Mars/Olympus' is not a known time zone; use an IANA name like "
        "Europe/London or America/New_York",
    ),
]


@pytest.mark.parametrize(
    ("config", "argv", "ics", "status", "message"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_input(
    tmp_path: Path,
    config: str | None,
    argv: list[str],
    ics: str | bytes | None,
    status: int,
    message: str,
) -> None:
    path = write_config(config) if config is not None else config_file()
    out = tmp_path / "out"
    out.mkdir()
    ics_path = out / "events.ics"
    if ics is not None:
        ics_path.write_bytes(ics.encode() if isinstance(ics, str) else ics)
    fill = {"path": path, "dir": out, "ics": ics_path}
    before = snapshot(tmp_path)
    result = run(*[a.format(**fill) for a in argv])
    assert result.exit_code == status
    error = f"Error: {message.format(**fill)}\n"
    if config is None:  # the built-in default says so first
        assert result.stderr.startswith("Note: no config at ")
        assert result.stderr.endswith(error)
    else:
        assert result.stderr == error
    assert result.stdout == ""
    assert snapshot(tmp_path) == before


def test_a_journal_that_cannot_be_read() -> None:
    write_config(GOOD)
    state = Path(os.environ["HOURS_HOME"])
    state.mkdir(parents=True)
    (state / "journal.sqlite3").write_bytes(b"this is not a database" * 100)
    result = run("report", "--week", "2026-W48")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: cannot read the journal {state / 'journal.sqlite3'}: file is not a database\n"
    )
