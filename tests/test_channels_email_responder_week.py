"""A Gmail user's and an Outlook user's week, end to end through the CLI with `--at`.

Each installs (`hours autoreply install`, `hours cron install`) with a holiday responder of
their own already set up in Gmail or Outlook, then syncs run through the week of Thanksgiving
2026 in New York: weekday evenings, the holiday, the weekend. Each closed window is set in turn
with its own text, a sync with nothing to change writes nothing, and `uninstall` puts the
holiday responder back exactly. Every request body went through the fake's contract check
(tests/servers/mail_api_plugin.py fails the test on any violation).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hours import cron
from tests.responder_e2e import TokenCommand, at, cli, epoch_ms, responder_config, sync
from tests.servers.crontab import stand_in_crontab
from tests.servers.gmail_fake import TOKEN as GMAIL_TOKEN
from tests.servers.gmail_fake import GmailFake
from tests.servers.graph_fake import TOKEN as GRAPH_TOKEN
from tests.servers.graph_fake import GraphFake

MONDAY = ("2026-11-23T17:00", "2026-11-24T09:00")
TUESDAY = ("2026-11-24T17:00", "2026-11-25T09:00")
THANKSGIVING = ("2026-11-25T17:00", "2026-11-27T09:00")  # Thursday 26 is a public holiday
WEEKEND = ("2026-11-27T17:00", "2026-11-30T09:00")
# Each sync of the week, and the window the responder must hold after it.
WEEK = [
    ("2026-11-23T09:30", MONDAY),  # open: tonight's window is set ahead
    ("2026-11-23T12:30", MONDAY),
    ("2026-11-23T17:05", MONDAY),  # closed: the same window
    ("2026-11-23T23:55", MONDAY),
    ("2026-11-24T03:00", MONDAY),  # after midnight, still Monday night's
    ("2026-11-24T09:05", TUESDAY),  # open again: moved on to the next one
    ("2026-11-24T17:30", TUESDAY),
    ("2026-11-25T12:00", THANKSGIVING),
    ("2026-11-26T12:00", THANKSGIVING),
    ("2026-11-27T08:55", THANKSGIVING),
    ("2026-11-27T10:00", WEEKEND),
    ("2026-11-28T12:00", WEEKEND),
    ("2026-11-29T22:00", WEEKEND),
]
# What each window's text says: why it is closed, and when the sender hears back.
SAYS = {
    MONDAY: ("outside hours", "Tuesday at 9:00 AM"),
    TUESDAY: ("outside hours", "Wednesday at 9:00 AM"),
    THANKSGIVING: ("Thanksgiving Day", "Friday at 9:00 AM"),
    WEEKEND: ("outside hours", "Monday at 9:00 AM"),
}


def text(window: tuple[str, str]) -> str:
    """Return the default message of a window, as the provider sends it."""
    reason, back = SAYS[window]
    return (
        "Hi there,\n\n"
        f"Thank you for your message. It reached me while Sam's Nails is closed ({reason}), so "
        f"I'm away from my inbox right now. I'll read it properly and get back to you {back}.\n\n"
        "Warmly,\nSam's Nails\n"
    )


def html(window: tuple[str, str]) -> str:
    """Return the same message as HTML."""
    reason, back = SAYS[window]
    return (
        "<p>Hi there,</p>"
        f"<p>Thank you for your message. It reached me while Sam's Nails is closed ({reason}), "
        f"so I'm away from my inbox right now. I'll read it properly and get back to you "
        f"{back}.</p><p>Warmly,<br>Sam's Nails</p>"
    )


def live_the_week(crontab: Path) -> list[str]:
    """Install, put the cron line in, sync through the week; return each sync's action."""
    cli("autoreply", "install", "--channel", "email")
    cli("cron", "install")
    assert cron.MARK in crontab.read_text()
    assert "autoreply sync -q" in crontab.read_text()
    actions = []
    for when, window in WEEK:
        row = sync(at(when))
        assert row["error"] is None
        assert row["window"] == [at(window[0]).isoformat(), at(window[1]).isoformat()], when
        actions.append(row["action"])
    # A write only when the window moves on: four windows, four writes.
    assert actions == [
        "set",
        *["unchanged"] * 4,
        "set",
        "unchanged",
        "set",
        "unchanged",
        "unchanged",
        "set",
        "unchanged",
        "unchanged",
    ]
    return actions


GMAIL_HOLIDAY = {
    "enableAutoReply": True,
    "responseSubject": "Away in Lisbon",
    "responseBodyPlainText": "I'm in Lisbon until 4 January, and will answer then.",
    "responseBodyHtml": "<p>I'm in Lisbon until <b>4 January</b>, and will answer then.</p>",
    "restrictToContacts": True,
    "restrictToDomain": False,
    "startTime": epoch_ms("2026-12-24T00:00"),
    "endTime": epoch_ms("2027-01-04T00:00"),
}


def test_a_gmail_users_week(
    gmail_fake: GmailFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crontab = stand_in_crontab(tmp_path, monkeypatch)
    tokens = TokenCommand(tmp_path / "token", GMAIL_TOKEN)
    responder_config("gmail", gmail_fake, token_command=tokens.command, holidays=True)
    gmail_fake.set_vacation(**GMAIL_HOLIDAY)
    holiday = gmail_fake.vacation

    live_the_week(crontab)

    puts = [r.body for r in gmail_fake.seen("PUT")]
    windows = [MONDAY, TUESDAY, THANKSGIVING, WEEKEND]
    assert puts == [
        {
            "enableAutoReply": True,
            "restrictToContacts": False,
            "restrictToDomain": False,
            # The default subject, "Re: {subject}": left to Gmail, which answers with "Re: "
            # and the sender's own subject.
            "responseBodyPlainText": text(window),
            "responseBodyHtml": html(window),
            "startTime": epoch_ms(window[0]),
            "endTime": epoch_ms(window[1]),
        }
        for window in windows
    ]
    # One read per sync (and one at install), never more.
    assert len(gmail_fake.seen("GET")) == 1 + len(WEEK)

    out = cli("autoreply", "uninstall", "--channel", "email")
    assert out == (
        "email (gmail): put back Gmail's vacation responder as recorded (on for Thu 24 Dec "
        "00:00 to Mon 04 Jan 00:00: “Away in Lisbon”)\n"
    )
    assert gmail_fake.vacation == holiday
    assert gmail_fake.take_violations() == []


GRAPH_HOLIDAY = {
    "status": "scheduled",
    "externalAudience": "contactsOnly",
    "internalReplyMessage": "<p>On holiday until 4 January.</p>",
    "externalReplyMessage": "<p>I'm in <b>Lisbon</b> until 4 January.</p>",
    # Set in Outlook on the web, which writes a Windows zone name.
    "scheduledStartDateTime": {
        "dateTime": "2026-12-24T00:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    },
    "scheduledEndDateTime": {
        "dateTime": "2027-01-04T00:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    },
}


def test_an_outlook_users_week(
    graph_fake: GraphFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crontab = stand_in_crontab(tmp_path, monkeypatch)
    tokens = TokenCommand(tmp_path / "token", GRAPH_TOKEN)
    responder_config("outlook", graph_fake, token_command=tokens.command, holidays=True)
    graph_fake.set_automatic_replies(**GRAPH_HOLIDAY)
    holiday = graph_fake.automatic_replies

    live_the_week(crontab)

    patches = [r.body for r in graph_fake.seen("PATCH")]
    assert patches == [
        {
            "automaticRepliesSetting": {
                "status": "scheduled",
                "externalAudience": "all",
                "internalReplyMessage": html(window),
                "externalReplyMessage": html(window),
                "scheduledStartDateTime": {
                    "dateTime": f"{window[0]}:00",
                    "timeZone": "America/New_York",
                },
                "scheduledEndDateTime": {
                    "dateTime": f"{window[1]}:00",
                    "timeZone": "America/New_York",
                },
            }
        }
        for window in [MONDAY, TUESDAY, THANKSGIVING, WEEKEND]
    ]
    assert len(graph_fake.seen("GET")) == 1 + len(WEEK)

    out = cli("autoreply", "uninstall", "--channel", "email")
    assert out == (
        "email (outlook): put back Outlook's automatic replies as recorded (scheduled for "
        "Thu 24 Dec 00:00 Pacific Standard Time to Mon 04 Jan 00:00 Pacific Standard Time "
        "(outside your organisation: only your contacts))\n"
    )
    assert graph_fake.automatic_replies == holiday
    assert graph_fake.take_violations() == []
