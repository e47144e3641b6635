"""What the gmail and outlook modes share: the window of the moment and its text, the HTML, the
README's table of email modes (read from the code), and what preview and doctor say."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hours import channels
from hours.autoreply import TRAIT_LABELS, Traits
from hours.channels.responder import closed_window, html_body, text_of, window_text
from hours.config import parse
from hours.schedule import Schedule
from tests.helpers import run
from tests.responder_e2e import TokenCommand, at, responder_config
from tests.servers.gmail_fake import TOKEN as GMAIL_TOKEN
from tests.servers.gmail_fake import GmailFake
from tests.servers.graph_fake import TOKEN as GRAPH_TOKEN
from tests.servers.graph_fake import GraphFake

README = Path(__file__).resolve().parent.parent / "README.md"
NEW_YORK = ZoneInfo("America/New_York")


def schedule(week: str, zone: str = "America/New_York", extra: str = "") -> Schedule:
    cfg = parse(f'timezone = "{zone}"\n[week]\n{week}\n{extra}', Path("c.toml"))
    return Schedule(cfg.spec)


WEEKDAYS = "\n".join(f'{d} = "09:00-17:00"' for d in ("mon", "tue", "wed", "thu", "fri"))


# -- the window of the moment --------------------------------------------------------------


def test_open_now_the_next_window_closed_now_the_one_going_on() -> None:
    s = schedule(WEEKDAYS)
    evening = (at("2026-11-23T17:00"), at("2026-11-24T09:00"))
    assert closed_window(s, at("2026-11-23T10:00")) == evening
    assert closed_window(s, at("2026-11-23T17:00")) == evening  # the closing minute itself
    assert closed_window(s, at("2026-11-24T08:59")) == evening
    assert closed_window(s, at("2026-11-24T09:00")) == (
        at("2026-11-24T17:00"),
        at("2026-11-25T09:00"),
    )


def test_no_window_when_never_closed_and_no_end_when_never_open() -> None:
    always = "\n".join(
        f'{d} = "00:00-24:00"' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    assert closed_window(schedule(always), at("2026-11-23T10:00")) is None
    never = schedule('mon = "closed"')
    now = at("2026-11-23T10:00:42")
    assert closed_window(never, now) == (at("2026-11-23T10:00"), None)
    # Closed since before the schedule looks back: the window held keeps its start.
    held = (at("2026-11-01T00:00"), None)
    assert closed_window(never, now, held) == held


ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    minutes=st.integers(0, 366 * 24 * 60),
)
def test_every_window_ends_after_it_starts_and_after_now(zone: str, minutes: int) -> None:
    """What Graph's ErrorInvalidScheduledOofDuration refuses never comes: a window ends after
    its start and after now, through DST changes and overnight shifts, and is the same window
    at every moment of it."""
    s = schedule(
        'mon = "09:00-17:00"\ntue = ["09:00-12:00", "13:00-17:00"]\nfri = "22:00-02:00"\n'
        'sat = "10:00-14:00"',
        zone,
    )
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    window = closed_window(s, now)
    assert window is not None
    start, end = window
    assert end is not None
    assert start < end
    assert now < end
    assert not s.is_open(start)
    assert s.is_open(end)
    assert s.open_seconds(start, end) == 0
    if not s.is_open(now):
        assert start <= now
        assert closed_window(s, start) == window
        assert closed_window(s, end - dt.timedelta(minutes=1)) == window
    else:
        assert now < start


# -- its text ------------------------------------------------------------------------------


def test_the_text_names_the_day_and_the_holiday_in_the_window() -> None:
    cfg = parse(
        f'timezone = "America/New_York"\n[week]\n{WEEKDAYS}\n'
        '[[closed]]\ndate = 2026-11-26\nreason = "Thanksgiving"\n'
        "[autoreply.email]\n"
        'mode = "gmail"\naddress = "sam@example.com"\n'
        'message = "{business}: closed ({reason}), back {next_open} ({next_open_relative}). '
        'Hi {sender_name}, about {subject}."\n',
        Path("c.toml"),
    )
    assert cfg.autoreply is not None
    assert cfg.autoreply.email is not None
    s = Schedule(cfg.spec)

    evening = window_text(cfg.autoreply, s, "Sam", (at("2026-11-23T17:00"), at("2026-11-24T09:00")))
    assert evening.text == (
        "Sam: closed (outside hours), back Tuesday at 9:00 AM (in 16 hours). Hi there, about "
        "your message."
    )
    holiday = window_text(cfg.autoreply, s, "Sam", (at("2026-11-25T17:00"), at("2026-11-27T09:00")))
    assert holiday.text.startswith("Sam: closed (Thanksgiving), back Friday at 9:00 AM")
    assert evening.subject == "Re: your message"


def test_the_html_is_the_text_escaped_in_paragraphs() -> None:
    text = "Hi there,\n\nBack <Monday> & soon.\nSam's Nails\n"
    assert (
        html_body(text) == "<p>Hi there,</p><p>Back &lt;Monday&gt; &amp; soon.<br>Sam's Nails</p>"
    )
    assert text_of(html_body(text)) == "Hi there, Back <Monday> & soon. Sam's Nails"


def test_html_kept_another_way_says_the_same() -> None:
    ours = html_body("Hi,\n\nBack Tuesday.")
    wrapped = f"<html>\r\n<head></head><body>\r\n<div>{ours}</div>\r\n</body>\r\n</html>"
    assert text_of(wrapped) == text_of(ours)
    assert text_of(html_body("Hi,\n\nBack Wednesday.")) != text_of(ours)


# -- the README's table of email modes -----------------------------------------------------


def readme_table() -> dict[str, dict[str, str]]:
    """Return the README's email-mode table: {mode: {row label: cell}}."""
    lines = README.read_text().splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("| | `imap` |"))
    modes = [m.strip(" `") for m in lines[head].strip("|").split("|")][1:]
    table: dict[str, dict[str, str]] = {m: {} for m in modes}
    for line in lines[head + 2 :]:
        if not line.startswith("|"):
            break
        label, *cells = (c.strip() for c in line.strip().strip("|").split(" | "))
        for mode, cell in zip(modes, cells, strict=True):
            table[mode][label] = cell
    return table


def code_table() -> dict[str, dict[str, str]]:
    """Return what each email mode says of itself, from the classes the factory builds."""
    out = {}
    for (channel, mode), target in channels.PROVIDERS.items():
        if channel != "email":
            continue
        module, _, name = target.partition(":")
        traits: Traits = getattr(importlib.import_module(module), name).traits
        out[mode] = {TRAIT_LABELS[k]: v for k, v in traits._asdict().items()}
    return out


def test_the_readme_table_of_email_modes_says_what_the_code_does() -> None:
    assert list(code_table()) == ["imap", "sieve", "gmail", "outlook"]
    assert readme_table() == code_table()


def test_the_table_check_can_fail() -> None:
    table = code_table()
    table["gmail"]["VIPs and emergencies"] = "yes"
    assert readme_table() != table
    assert set(readme_table()["outlook"]) == set(TRAIT_LABELS.values())


# -- preview and doctor --------------------------------------------------------------------


def test_preview_shows_what_gmail_is_set_to(gmail_fake: GmailFake, tmp_path: Path) -> None:
    tokens = TokenCommand(tmp_path, GMAIL_TOKEN)
    responder_config(
        "gmail", gmail_fake, token_command=tokens.command, extra="only_contacts = true"
    )
    result = run("autoreply", "preview", "--channel", "email", "--at", "2026-11-27T12:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Open at Friday 27 November 12:00: nothing is sent now. This is what goes out after hours:\n"
        "\n"
        "(Gmail mode: Gmail's vacation responder answers, set by each sync to one closed window.)\n"
        "Window: Fri 27 Nov 17:00 to Mon 30 Nov 09:00 (America/New_York)\n"
        "Answers: only your contacts\n"
        'Subject: left empty: Gmail answers with "Re: " and the sender\'s subject\n'
        "\n"
        "Hi there,\n"
        "\n"
        "Thank you for your message. It reached me while Sam's Nails is closed (outside hours), "
        "so I'm away from my inbox right now. I'll read it properly and get back to you Monday "
        "at 9:00 AM.\n"
        "\n"
        "Warmly,\n"
        "Sam's Nails\n"
        "\n"
        "HTML body (what Gmail sends to mail programs that show HTML):\n"
        "<p>Hi there,</p><p>Thank you for your message. It reached me while Sam's Nails is "
        "closed (outside hours), so I'm away from my inbox right now. I'll read it properly and "
        "get back to you Monday at 9:00 AM.</p><p>Warmly,<br>Sam's Nails</p>\n"
    )
    assert gmail_fake.seen() == []  # a preview asks nothing of Gmail
    # ... and it is exactly what a sync sets
    run("autoreply", "sync", "--at", "2026-11-27T12:00")
    (put,) = gmail_fake.seen("PUT")
    assert put.body["responseBodyHtml"] in result.stdout
    assert put.body["responseBodyPlainText"].strip() in result.stdout


def test_preview_shows_what_outlook_is_set_to(graph_fake: GraphFake, tmp_path: Path) -> None:
    tokens = TokenCommand(tmp_path, GRAPH_TOKEN)
    responder_config(
        "outlook",
        graph_fake,
        token_command=tokens.command,
        extra='external_audience = "contactsOnly"',
    )
    result = run("autoreply", "preview", "--at", "2026-11-23T19:00")
    assert result.stdout.splitlines()[:6] == [
        "(Outlook mode: Outlook's automatic replies answer, set by each sync to one closed "
        "window.)",
        "Window: Mon 23 Nov 17:00 to Tue 24 Nov 09:00 (America/New_York)",
        "Outside your organisation: only your contacts",
        "Subject: Exchange's own: \"Automatic reply: \" and the sender's subject "
        "([autoreply.email] subject is not used)",
        "",
        "Message (HTML, the same inside and outside your organisation):",
    ]
    run("autoreply", "sync", "--at", "2026-11-23T19:00")
    (patch,) = graph_fake.seen("PATCH")
    assert (
        result.stdout.splitlines()[6]
        == patch.body["automaticRepliesSetting"]["externalReplyMessage"]
    )


def doctor_lines(*prefixes: str) -> list[str]:
    result = run("doctor")
    return [ln for ln in result.stdout.splitlines() if ln.startswith(prefixes)]


@pytest.mark.usefixtures("hours_crontab")
def test_doctor_says_who_holds_the_responder_and_until_when(
    gmail_fake: GmailFake, tmp_path: Path
) -> None:
    tokens = TokenCommand(tmp_path, GMAIL_TOKEN)
    responder_config(
        "gmail",
        gmail_fake,
        token_command=tokens.command,
        shared='vip = ["*@bigclient.test"]\n[autoreply.emergency]\nkeyword = "URGENT"',
    )
    run("autoreply", "install")
    # The window of now, whatever now is: doctor reads the real clock.
    now = dt.datetime.now(NEW_YORK)
    run("autoreply", "sync", "--at", now.isoformat())
    window = closed_window(schedule(WEEKDAYS), now)
    assert window is not None
    assert window[1] is not None
    said = f"{window[0]:%a %d %b %H:%M} to {window[1]:%a %d %b %H:%M}"
    result = run("doctor")
    lines = [ln for ln in result.stdout.splitlines() if "email" in ln]
    assert lines == [
        "[  ok] email OAuth2 token — [autoreply.email] token_command prints one",
        "[warn] email Gmail token scopes — a token from token_command: its scopes cannot be "
        "read here; the first write says (exit 3) if it lacks "
        "https://www.googleapis.com/auth/gmail.settings.basic",
        f"[  ok] email Gmail — Gmail's vacation responder: on for {said}: Gmail's own subject",
        f"[  ok] email Gmail window — `hours` holds it, for {said}",
        "[warn] email (gmail) — Gmail answers your VIPs too: it has no list of senders to leave "
        "alone (IMAP mode has)",
        "[warn] email (gmail) — nothing watches for URGENT in gmail mode: Gmail sends the usual "
        "reply, and no text reaches your phone; leave the keyword out of the email message",
    ]
    assert result.exit_code == 0, result.output

    # A change made in Gmail: doctor says the next sync takes it as the user's.
    gmail_fake.set_vacation(enableAutoReply=False)
    assert doctor_lines("[warn] email Gmail window") == [
        "[warn] email Gmail window — your own setting is there, not a window of `hours`: the "
        "next sync takes it as yours (put back by `uninstall`) and sets the window"
    ]
    # Gmail refusing the token: doctor fails (exit 4), saying so.
    gmail_fake.expire_token(times=2)
    result = run("doctor")
    assert result.exit_code == 4
    assert re.search(
        r"\[FAIL\] email Gmail — Gmail refused the access token \(401\)", result.stdout
    )


def test_preview_from_a_sender_says_gmail_answers_everyone_alike(
    gmail_fake: GmailFake, tmp_path: Path
) -> None:
    tokens = TokenCommand(tmp_path, GMAIL_TOKEN)
    responder_config(
        "gmail", gmail_fake, token_command=tokens.command, shared='vip = ["*@bigclient.test"]'
    )
    result = run(
        "autoreply", "preview", "--from", "boss@bigclient.test", "--at", "2026-11-23T19:00"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "(Gmail mode sends everyone the same text, VIPs included: who they are, their time zone "
        "and language are not used.)",
        "(Gmail mode: Gmail's vacation responder answers, set by each sync to one closed window.)",
        "Window: Mon 23 Nov 17:00 to Tue 24 Nov 09:00 (America/New_York)",
    ]
