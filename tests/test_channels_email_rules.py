"""One rule set for the mail no auto-reply may answer, and both email modes keep to it.

Every case is delivered through LMTP to a real Dovecot holding the Sieve script `hours
autoreply sync` uploaded in sieve mode: Sieve mode's answer is whether Dovecot's `vacation`
replied. The same delivered messages are then read over IMAP and put to the engine's decision,
as IMAP mode does: its answer is whether the engine would reply. Both must match the table.
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from pathlib import Path
from typing import NamedTuple

import pytest

from hours import autoreply as engine
from hours import config
from hours.channels.email_imap import incoming
from hours.clients.imap import ImapReader
from hours.clients.mail import (
    BULK_PRECEDENCE,
    LIST_HEADERS,
    RECIPIENT_HEADERS,
    ROBOT_LOCALPARTS,
    never_answer,
    parse_header_block,
)
from hours.clients.net import Endpoint
from hours.clikit import build_schedule
from hours.journal import Journal
from tests.email_e2e import PASSWORD_ENV, sync
from tests.helpers import write_config
from tests.servers.dovecot import Dovecot, MailUser, make_message
from tests.servers.smtp import SmtpRecorder

ME = "{me}"  # stands for the user's own address in the table


class Case(NamedTuple):
    """A mail, and why it must not be answered (None: it gets the reply)."""

    sender: str  # the From address; "" for a mail without From
    envelope: str  # MAIL FROM, which Dovecot keeps as Return-Path; "" for the null path
    reason: str | None
    extra: dict[str, str] = {}  # noqa: RUF012 - read only
    to: str = ME


CASES = {
    "a person": Case("zoe@c01.test", "zoe@c01.test", None),
    "a person, Cc": Case("zoe@c02.test", "zoe@c02.test", None, {"Cc": ME}, "x@c02.test"),
    "a person, Resent-To": Case(
        "zoe@c03.test", "zoe@c03.test", None, {"Resent-To": ME}, "x@c03.test"
    ),
    "noreplyguy is a person": Case("noreplyguy@c04.test", "noreplyguy@c04.test", None),
    "requests is a person": Case("requests@c05.test", "requests@c05.test", None),
    "Auto-Submitted: no": Case("zoe@c06.test", "zoe@c06.test", None, {"Auto-Submitted": "no"}),
    "List-Id": Case("news@c07.test", "news@c07.test", "mailing_list", {"List-Id": "<n.c07.test>"}),
    "List-Unsubscribe": Case(
        "deals@c08.test", "deals@c08.test", "mailing_list", {"List-Unsubscribe": "<mailto:u@x>"}
    ),
    "List-Post": Case("talk@c09.test", "talk@c09.test", "mailing_list", {"List-Post": "<x>"}),
    "Precedence: bulk": Case("ads@c10.test", "ads@c10.test", "bulk", {"Precedence": "bulk"}),
    "Precedence: list": Case("ads@c11.test", "ads@c11.test", "bulk", {"Precedence": "list"}),
    "Precedence: junk": Case("ads@c12.test", "ads@c12.test", "bulk", {"Precedence": "junk"}),
    "Auto-Submitted: auto-generated": Case(
        "bot@c13.test", "bot@c13.test", "auto_submitted", {"Auto-Submitted": "auto-generated"}
    ),
    "Auto-Submitted: auto-replied": Case(
        "ooo@c14.test", "ooo@c14.test", "auto_submitted", {"Auto-Submitted": "auto-replied"}
    ),
    "null return path": Case("zoe@c15.test", "", "no_return_path"),
    "MAILER-DAEMON, null path": Case("MAILER-DAEMON@c16.test", "", "no_return_path"),
    "MAILER-DAEMON": Case("MAILER-DAEMON@c17.test", "mailer-daemon@c17.test", "robot_sender"),
    "postmaster": Case("postmaster@c18.test", "postmaster@c18.test", "robot_sender"),
    "noreply": Case("noreply@c19.test", "noreply@c19.test", "robot_sender"),
    "no-reply": Case("no-reply@c20.test", "no-reply@c20.test", "robot_sender"),
    "no_reply": Case("no_reply@c21.test", "no_reply@c21.test", "robot_sender"),
    "noreply+x": Case("noreply+x@c22.test", "noreply+x@c22.test", "robot_sender"),
    "noreply-alerts": Case("noreply-alerts@c23.test", "noreply-alerts@c23.test", "robot_sender"),
    "alerts-noreply": Case("alerts-noreply@c24.test", "alerts-noreply@c24.test", "robot_sender"),
    "donotreply": Case("DoNotReply@c25.test", "donotreply@c25.test", "robot_sender"),
    "do-not-reply": Case("do-not-reply@c26.test", "do-not-reply@c26.test", "robot_sender"),
    "do_not_reply": Case("do_not_reply@c27.test", "do_not_reply@c27.test", "robot_sender"),
    "bounces": Case("bounces@c28.test", "bounces@c28.test", "robot_sender"),
    "bounce-123": Case("bounce-123@c29.test", "bounce-123@c29.test", "robot_sender"),
    "listserv": Case("listserv@c30.test", "listserv@c30.test", "robot_sender"),
    "majordomo": Case("majordomo@c31.test", "majordomo@c31.test", "robot_sender"),
    "owner-list": Case("owner-list@c32.test", "owner-list@c32.test", "robot_sender"),
    "list-request": Case("list-request@c33.test", "list-request@c33.test", "robot_sender"),
    "list-owner": Case("list-owner@c34.test", "list-owner@c34.test", "robot_sender"),
    "a robot in the return path": Case("zoe@c35.test", "bounces+zoe=c35@c35.test", "robot_sender"),
    "no From": Case("", "zoe@c36.test", "robot_sender"),
    "not addressed to me": Case("zoe@c37.test", "zoe@c37.test", "not_addressed", {}, "x@c37.test"),
    "from myself": Case(ME, ME, "own_address"),
}


def message(case: Case, me: str) -> EmailMessage:
    """Build the case's mail, addressed as the table says."""
    sender, to = case.sender.replace(ME, me), case.to.replace(ME, me)
    extra = {name: value.replace(ME, me) for name, value in case.extra.items()}
    if sender:
        return make_message(sender=sender, to=to, extra=extra)
    msg = make_message(sender="x@x.test", to=to, extra=extra)
    del msg["From"]
    return msg


@pytest.fixture
def user(mail_user: MailUser, monkeypatch: pytest.MonkeyPatch) -> MailUser:
    monkeypatch.setenv(PASSWORD_ENV, mail_user.password)
    return mail_user


def write_sieve_config(dovecot: Dovecot, user: MailUser) -> Path:
    """Closed all week (no [week]): the script's window runs from now for 14 days."""
    return write_config(f"""\
name = "Sam's Nails"
timezone = "UTC"
[autoreply.email]
mode = "sieve"
address = "{user.address}"
password_env = "{PASSWORD_ENV}"
imap = {{ host = "{dovecot.host}", port = {dovecot.imap_port}, security = "none" }}
sieve = {{ host = "{dovecot.host}", port = {dovecot.sieve_port}, security = "none" }}
""")


def test_both_email_modes_answer_the_same_mail(
    dovecot: Dovecot, user: MailUser, submission: SmtpRecorder
) -> None:
    path = write_sieve_config(dovecot, user)
    assert sync()["action"] == "uploaded"
    reader = ImapReader(
        Endpoint(dovecot.host, dovecot.imap_port, "none"), user.address, user.password
    )
    before = reader.check()

    sieve_replied = {}
    for label, case in CASES.items():
        dovecot.deliver(
            user, message(case, user.address), mail_from=case.envelope.replace(ME, user.address)
        )
        # Pigeonhole sends its vacation reply before LMTP acknowledges the delivery.
        reply_to = (case.envelope or case.sender).replace(ME, user.address)
        sieve_replied[label] = bool(submission.sent_to(reply_to))

    polled = reader.poll(before)
    assert len(polled.messages) == len(CASES)
    cfg = config.load(path)
    assert cfg.autoreply is not None
    email = cfg.autoreply.email
    assert email is not None
    journal = Journal(path.parent / "state")
    try:
        run = engine.SyncRun(
            dt.datetime.now(dt.UTC), build_schedule(cfg), cfg.autoreply, cfg.name, journal
        )
        decided = {
            label: engine.decide(
                incoming(mail, polled.cursor.uidvalidity), run, email.policy, email.addresses
            )
            for label, mail in zip(CASES, polled.messages, strict=True)
        }
    finally:
        journal.close()

    expected = {label: case.reason is None for label, case in CASES.items()}
    imap_replies = {label: d.action == "reply" for label, d in decided.items()}
    assert sieve_replied == expected
    assert imap_replies == expected
    reasons = {label: d.reason for label, d in decided.items()}
    assert reasons == {
        label: {"not_addressed": "not_addressed_to_me"}.get(str(c.reason), c.reason)
        for label, c in CASES.items()
    }


def test_the_rule_set_can_tell_a_robot_from_a_person() -> None:
    """The table's own check: a person's mail is not excluded, a robot's is, by the one rule."""
    arrived = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    person = parse_header_block(1, arrived, b"From: zoe@c.test\r\nTo: me@x.test\r\n\r\n")
    robot = parse_header_block(1, arrived, b"From: noreply+x@c.test\r\nTo: me@x.test\r\n\r\n")
    assert (never_answer(person), never_answer(robot)) == (None, "robot_sender")


def test_the_readme_lists_the_rule_set() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("#### Which mail is never answered", 1)[1].split("\n#", 1)[0]
    listed = set(re.findall(r"`([^`]+)`", section))
    rules = {*ROBOT_LOCALPARTS, *LIST_HEADERS, *BULK_PRECEDENCE, *RECIPIENT_HEADERS}
    assert rules - listed == set()
    reasons = {c.reason for c in CASES.values()} - {None, "not_addressed"} | {"not_addressed_to_me"}
    assert {r for r in reasons if f"(`{r}`)" not in section} == set()
