"""Templates: plain fields only, every format spec tried when the config loads, and a reply
rendered before anything about it is journalled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hours import autoreply, config
from hours.autoreply import ChannelResult, Incoming, Reply, SyncRun
from hours.clikit import build_schedule
from hours.config.autoreply import EMAIL_FIELDS, FIELDS, MAX_FIELD_WIDTH, NEEDS
from hours.journal import Journal
from tests.helpers import run, snapshot, write_config

NY = ZoneInfo("America/New_York")
CONFIG = """\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
[autoreply]
message = "{message}"
[autoreply.email]
address = "sam@example.com"
password_env = "X"
imap = {{ host = "127.0.0.1", port = 1143, security = "none" }}
smtp = {{ host = "127.0.0.1", port = 1025, security = "none" }}
"""
# What [autoreply] message may use here (booking_url is not set).
KNOWN = ", ".join("{" + f + "}" for f in sorted(EMAIL_FIELDS - NEEDS.keys()))

# (template, the error after "[autoreply] message: ")
REFUSED = [
    (
        "{business.__class__}",
        "{business.__class__}: a field is a plain name, like {business}, with no . or []",
    ),
    ("{business[99]}", "{business[99]}: a field is a plain name, like {business}, with no . or []"),
    (
        "{business:d}",
        "{business:d}: unknown format code 'd' for object of type 'str'; {business} is text",
    ),
    (
        "{next_open_date:%A}",
        "{next_open_date:%A}: invalid format specifier '%A' for object of type 'str'; "
        "{next_open_date} is text",
    ),
    ("{reason!z}", "{reason!z}: a field takes no !z; write {reason}"),
    ("{reason!r}", "{reason!r}: a field takes no !r; write {reason}"),
    ("{}", f"{{}} is not a field you can use; use {KNOWN}"),
    ("{0}", f"{{0}} is not a field you can use; use {KNOWN}"),
    ("{business:{reason}}", "{business:{reason}}: a format spec cannot hold another field"),
    (
        "{business:>1000000000}",
        f"{{business:>1000000000}}: a width or precision is at most {MAX_FIELD_WIDTH}",
    ),
    ("{business:,}", "{business:,}: cannot specify ',' with 's'; {business} is text"),
]


@pytest.mark.parametrize(("template", "message"), REFUSED, ids=[t for t, _ in REFUSED])
def test_a_template_that_could_fail_later_is_refused_at_load(
    tmp_path: Path, template: str, message: str
) -> None:
    path = write_config(CONFIG.format(message=template))
    before = snapshot(tmp_path)
    result = run("autoreply", "preview")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"Error: {path}: [autoreply] message: {message}\n"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("Back {next_open}.", "Back tomorrow at 9:00 AM."),
        ("{business:>14}|", "   Sam's Nails|"),
        ("{business:.3}!", "Sam!"),
        ("{{literal}} {reason:^17}|", "{literal}   outside hours  |"),
    ],
)
def test_plain_fields_and_text_formats_are_taken(template: str, shown: str) -> None:
    write_config(CONFIG.format(message=template))
    result = run("autoreply", "preview", "--at", "2026-11-23T19:00")
    assert result.exit_code == 0, result.output
    assert shown in result.stdout.splitlines()


def test_the_engine_fills_exactly_the_fields_templates_are_checked_against() -> None:
    cfg = config.parse(CONFIG.format(message="x"), Path("config.toml"))
    values = autoreply.fields(
        build_schedule(cfg), dt.datetime(2026, 11, 23, 19, tzinfo=NY), "", None
    )
    assert set(values) == set(FIELDS)
    # Every sample has the type the engine fills in, so a spec that passes the check renders.
    assert all(type(values[name]) is type(f.sample) for name, f in FIELDS.items())


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Reply] = []

    def deliver(self, reply: Reply) -> None:
        self.sent.append(reply)


def test_a_reply_that_cannot_be_rendered_is_not_journalled(tmp_path: Path) -> None:
    """Rendering comes first: a template that fails leaves no trace, so the next sync answers."""
    cfg = config.parse(CONFIG.format(message="Back {next_open}."), Path("config.toml"))
    assert cfg.autoreply is not None
    assert cfg.autoreply.email is not None
    email = cfg.autoreply.email
    # Past the load check (as a bug would be): the engine must still journal nothing.
    policy = email.policy._replace(message="{business:d}")
    broken_email = email._replace(policy=policy, new_client_message="{business:d}")
    broken = cfg.autoreply._replace(email=broken_email)
    now = dt.datetime(2026, 11, 23, 19, 5, tzinfo=NY)
    msg = Incoming(
        "email",
        "1:7",
        "ann@x.org",
        now - dt.timedelta(minutes=5),
        mail=_mail(now),
        recipients=("sam@example.com",),
    )
    journal = Journal(tmp_path / "state")
    try:
        run_ = SyncRun(now, build_schedule(cfg), broken, cfg.name, journal)
        result = ChannelResult("email", "imap")
        with pytest.raises(ValueError, match="Unknown format code 'd'"):
            autoreply.answer(run_, result, [msg], policy, ("sam@example.com",), Outbox(), None)
        assert journal.decided("email", "1:7") is None
        assert not journal.journalled("email", "1:7", "reply")
        # Fixed, the next sync answers it.
        fixed = SyncRun(now, build_schedule(cfg), cfg.autoreply, cfg.name, journal)
        outbox = Outbox()
        autoreply.answer(fixed, result, [msg], email.policy, ("sam@example.com",), outbox, None)
        assert [r.text for r in outbox.sent] == ["Back tomorrow at 9:00 AM."]
    finally:
        journal.close()


def _mail(arrived: dt.datetime) -> autoreply.IncomingMail:
    from hours.clients.mail import parse_header_block

    head = b"From: ann@x.org\r\nTo: sam@example.com\r\nSubject: Booking\r\n\r\n"
    return parse_header_block(7, arrived - dt.timedelta(minutes=5), head)


def test_every_field_is_documented_in_the_readme_and_the_example() -> None:
    root = Path(__file__).resolve().parent.parent
    for doc in ("README.md", "config.example.toml"):
        text = (root / doc).read_text()
        assert {name for name in FIELDS if f"{{{name}}}" not in text} == set(), doc
