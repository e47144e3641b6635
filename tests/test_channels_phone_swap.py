"""Swap mode end to end, `hours doctor` on the phone channel, and `preview` of sms/voice/whatsapp."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest

from hours.clients.twilio import ECHO_TWIMLET
from tests.helpers import run, write_config
from tests.phone_helpers import ANN, NUMBER, at, phone_config, sync
from tests.servers.twilio_fake import TwilioFake

AS_FOUND = {
    "sms_url": "https://example.com/sms",
    "sms_method": "POST",
    "sms_fallback_url": "",
    "voice_url": "https://example.com/voice",
    "voice_method": "GET",
    "voice_fallback_url": "https://example.com/voice-fallback",
}
SMS_TEXT = (
    "Hi! Thanks for your message. Sam's Nails is closed right now. I'll get back to you "
    "tomorrow at 9:00 AM. If it can't wait, reply URGENT."
)
GREETING = (
    "Hi, you've reached Sam's Nails. We're closed right now and back tomorrow at 9:00 AM. "
    "Please leave a message after the tone, and I'll call you back then."
)
HANGUP = f"{ECHO_TWIMLET}?Twiml=%3CResponse%3E%3CHangup%20%2F%3E%3C%2FResponse%3E"


@pytest.fixture
def swap(twilio: TwilioFake) -> TwilioFake:
    """The fake's number with webhooks of the user's own, and the config in swap mode."""
    twilio.numbers.clear()
    twilio.add_number(NUMBER, **AS_FOUND, sms_application_sid="", voice_application_sid="")
    write_config(phone_config(twilio, mode="swap"))
    return twilio


def settings(fake: TwilioFake) -> dict[str, Any]:
    """Return the number as Twilio has it, without the time it was last changed."""
    number = fake.number(NUMBER)
    del number["date_updated"]
    return number


def echoed(url: str) -> str:
    """Return the TwiML an Echo twimlet URL serves."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == ECHO_TWIMLET
    return parse_qs(parts.query)["Twiml"][0]


def writes(fake: TwilioFake) -> int:
    """Count the updates the number got."""
    return len(fake.seen("POST", "/IncomingPhoneNumbers/"))


def test_install_closed_open_uninstall_leaves_the_number_as_found(swap: TwilioFake) -> None:
    found = settings(swap)

    result = run("autoreply", "install", "--channel", "phone")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"phone (swap): recorded {NUMBER}'s sms and voice webhooks")
    assert writes(swap) == 0

    # closed: texts and calls get the after-hours TwiML from Twilio's Echo twimlet
    assert sync(at(23, 19, 0))["action"] == "swapped"
    now = swap.number(NUMBER)
    assert echoed(now["sms_url"]) == f"<Response><Message>{SMS_TEXT}</Message></Response>"
    assert echoed(now["voice_url"]) == (
        f"<Response><Say>{GREETING}</Say>"
        f'<Record action="{HANGUP.replace("&", "&amp;")}" maxLength="120" method="GET" '
        'playBeep="true" /><Hangup /></Response>'
    )
    assert (now["sms_method"], now["voice_method"]) == ("GET", "GET")
    assert (now["sms_fallback_url"], now["voice_fallback_url"]) == (
        "",
        "https://example.com/voice-fallback",
    )
    assert writes(swap) == 1

    # closed still: one read, no write
    reads = len(swap.seen("GET", "/IncomingPhoneNumbers/"))
    assert sync(at(23, 19, 30))["action"] == "unchanged"
    assert (writes(swap), len(swap.seen("GET", "/IncomingPhoneNumbers/"))) == (1, reads + 1)

    # open: what install found, back
    assert sync(at(24, 10, 0))["action"] == "restored"
    assert settings(swap) == found
    assert sync(at(24, 11, 0))["action"] == "unchanged"
    assert writes(swap) == 2

    assert sync(at(24, 18, 0))["action"] == "swapped"
    uninstall = run("autoreply", "uninstall", "--channel", "phone")
    assert uninstall.stdout == (
        f"phone (swap): put back {NUMBER}'s sms and voice webhooks as install found them\n"
    )
    assert settings(swap) == found
    status = json.loads(run("autoreply", "status", "--json").stdout)
    assert status["channels"][0]["installed"] is False


def test_only_what_differs_is_written(swap: TwilioFake) -> None:
    run("autoreply", "install", "--channel", "phone")
    sync(at(23, 19, 0))
    [update] = swap.seen("POST", "/IncomingPhoneNumbers/")
    assert set(update.form) == {"SmsUrl", "SmsMethod", "VoiceUrl"}  # voice was GET already
    sync(at(24, 10, 0))
    restore = swap.seen("POST", "/IncomingPhoneNumbers/")[-1]
    assert restore.form == {
        "SmsUrl": "https://example.com/sms",
        "SmsMethod": "POST",
        "VoiceUrl": "https://example.com/voice",
    }


def test_twiml_bins_of_your_own(swap: TwilioFake) -> None:
    extra = (
        'sms_twiml_url = "https://handler.twilio.com/twiml/EH1"\n'
        'voice_twiml_url = "https://handler.twilio.com/twiml/EH2"\n'
    )
    write_config(phone_config(swap, mode="swap", extra=extra))
    run("autoreply", "install", "--channel", "phone")
    sync(at(23, 19, 0))
    now = swap.number(NUMBER)
    assert (now["sms_url"], now["sms_method"]) == ("https://handler.twilio.com/twiml/EH1", "POST")
    assert (now["voice_url"], now["voice_method"]) == (
        "https://handler.twilio.com/twiml/EH2",
        "POST",
    )
    assert sync(at(23, 20, 0))["action"] == "unchanged"


def test_webhooks_changed_by_hand_are_kept(swap: TwilioFake) -> None:
    run("autoreply", "install", "--channel", "phone")
    sid = swap.number(NUMBER)["sid"]
    swap.numbers[sid]["voice_url"] = "https://example.com/new-voice"  # changed in the console
    sync(at(23, 19, 0))  # closed: swapped all the same
    assert echoed(swap.number(NUMBER)["voice_url"]).startswith("<Response><Say>")
    sync(at(24, 10, 0))  # open: the new one comes back, not the one install found
    assert swap.number(NUMBER)["voice_url"] == "https://example.com/new-voice"
    sync(at(24, 18, 0))
    run("autoreply", "uninstall", "--channel", "phone")
    assert swap.number(NUMBER)["voice_url"] == "https://example.com/new-voice"


def test_a_field_changed_in_the_console_while_closed_is_kept_field_by_field(
    swap: TwilioFake,
) -> None:
    """sms_fallback_url set while swapped: kept while closed, and still there once open."""
    run("autoreply", "install", "--channel", "phone")
    assert sync(at(23, 19, 0))["action"] == "swapped"
    sid = swap.number(NUMBER)["sid"]
    swap.numbers[sid]["sms_fallback_url"] = "https://example.com/new-fallback"  # the console
    swap.numbers[sid]["voice_method"] = "POST"  # and this, for the user's own voice URL
    before = writes(swap)

    assert sync(at(23, 20, 0))["action"] == "swapped"  # the closed method is put back
    [update] = swap.seen("POST", "/IncomingPhoneNumbers/")[before:]
    assert update.form == {"VoiceMethod": "GET"}  # for the Echo twimlet; nothing else
    assert swap.number(NUMBER)["sms_fallback_url"] == "https://example.com/new-fallback"

    assert sync(at(24, 10, 0))["action"] == "restored"
    now = swap.number(NUMBER)
    assert {k: now[k] for k in AS_FOUND} == AS_FOUND | {
        "sms_fallback_url": "https://example.com/new-fallback",
        "voice_method": "POST",
    }
    run("autoreply", "uninstall", "--channel", "phone")
    now = swap.number(NUMBER)
    assert now["sms_fallback_url"] == "https://example.com/new-fallback"


def test_swap_without_install_fails_and_says_how(swap: TwilioFake) -> None:
    row = sync(at(23, 19, 0), code=4)
    assert row["error"] == (
        "swap mode is not installed: run `hours autoreply install --channel phone` "
        "(it records the number's webhooks, so they can be put back)"
    )
    assert writes(swap) == 0


def test_install_twice_keeps_what_the_first_found(swap: TwilioFake) -> None:
    run("autoreply", "install", "--channel", "phone")
    sync(at(23, 19, 0))
    again = run("autoreply", "install", "--channel", "phone")
    assert "already installed" in again.stdout
    sync(at(24, 10, 0))
    assert swap.number(NUMBER)["sms_url"] == "https://example.com/sms"


def test_doctor_warns_about_what_makes_twilio_ignore_the_webhooks(
    swap: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = swap.number(NUMBER)["sid"]
    swap.numbers[sid]["sms_application_sid"] = "AP" + "1" * 32
    swap.numbers[sid]["trunk_sid"] = "TK" + "2" * 32
    swap.receive(ANN, NUMBER, "hi", at(23, 12, 0), messaging_service_sid="MG" + "3" * 32)
    monkeypatch.setenv("PATH", "/nonexistent")  # no crontab

    out = run("--no-color", "doctor").stdout

    assert f"[  ok] Twilio number — {NUMBER} ({sid}), credentials accepted" in out
    assert f"[FAIL] phone (swap) — texts to {NUMBER} go to the application AP1111" in out
    assert f"[FAIL] phone (swap) — calls to {NUMBER} go to the SIP trunk TK2222" in out
    assert (
        f"[warn] phone (swap) — recent texts to {NUMBER} went through the Messaging Service MG3333"
        in out
    )
    assert (
        "[FAIL] phone (swap) — not installed: run `hours autoreply install --channel phone`" in out
    )
    assert (
        "[warn] phone (swap) limits — swap mode: Twilio answers every text and call while "
        "closed — no once-per-night limit, no max_age, VIPs and your own numbers too, no "
        "keyword pass-through for texts, no repeat-caller alerts, no WhatsApp, no missed-call "
        'texts; mode = "poll" does all of these'
    ) in out


def test_doctor_in_poll_mode(twilio: TwilioFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    out = run("--no-color", "doctor").stdout
    sid = twilio.number(NUMBER)["sid"]
    assert f"[  ok] Twilio number — {NUMBER} ({sid}), credentials accepted" in out
    assert "swap" not in out
    monkeypatch.setenv("HOURS_TEST_TWILIO_TOKEN", "wrong")
    out = run("--no-color", "doctor").stdout
    assert "[FAIL] Twilio — Twilio answered 401 (error 20003) while looking up +15550001111" in out


def test_poll_install_changes_nothing(twilio: TwilioFake) -> None:
    result = run("autoreply", "install", "--channel", "phone")
    assert result.stdout.splitlines()[0] == (
        f"phone (poll): found {NUMBER} ({twilio.number(NUMBER)['sid']}); texts and WhatsApp "
        "messages and missed calls after hours are answered by `hours autoreply sync` "
        "(nothing is changed at Twilio)"
    )
    assert writes(twilio) == 0
    assert run("autoreply", "uninstall", "--channel", "phone").stdout == (
        "phone (poll): nothing to put back: poll mode changes nothing at Twilio\n"
    )


# -- preview ---------------------------------------------------------------------------------


def test_preview_sms_counts_segments(twilio: TwilioFake) -> None:
    result = run("autoreply", "preview", "--channel", "sms", "--at", at(23, 19, 0).isoformat())
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{SMS_TEXT}\n\nSMS: {len(SMS_TEXT)} characters, GSM-7, {len(SMS_TEXT)} septets: 1 segment.\n"
    )


def test_preview_warns_above_two_segments(twilio: TwilioFake) -> None:
    long = "Closed now — back {next_open}. " + "Thanks so much for thinking of us! " * 4
    write_config(phone_config(twilio, extra=f'sms_message = "{long}"\n'))
    out = run("autoreply", "preview", "--channel", "sms", "--at", at(23, 19, 0).isoformat()).stdout
    text = out.splitlines()[0]
    assert out.splitlines()[2] == (
        f"SMS: {len(text)} characters, UCS-2 (because of —), {len(text)} UTF-16 units: 3 segments."
    )
    assert out.splitlines()[3].startswith("Warning: 3 segments, each billed as one text")


def test_preview_voice_shows_the_twiml(swap: TwilioFake) -> None:
    out = run("autoreply", "preview", "--channel", "voice", "--at", at(23, 19, 0).isoformat())
    assert out.stdout.splitlines()[:5] == [
        "What a caller hears after hours, before leaving a voicemail:",
        GREETING,
        "",
        "TwiML (swap mode, served by Twilio's Echo twimlet):",
        f"<Response><Say>{GREETING}</Say>"
        f'<Record action="{HANGUP.replace("&", "&amp;")}" maxLength="120" method="GET" '
        'playBeep="true" /><Hangup /></Response>',
    ]


def test_preview_voice_in_poll_mode_shows_the_missed_call_text(twilio: TwilioFake) -> None:
    out = run("autoreply", "preview", "--channel", "voice", "--at", at(23, 19, 0).isoformat())
    lines = out.stdout.splitlines()
    assert lines[0] == "(Swap mode only: poll mode answers no calls.)"
    assert lines[-4:] == [
        "A missed call after hours gets this text back:",
        SMS_TEXT,
        "",
        f"SMS: {len(SMS_TEXT)} characters, GSM-7, {len(SMS_TEXT)} septets: 1 segment.",
    ]


def test_preview_whatsapp(twilio: TwilioFake) -> None:
    out = run("autoreply", "preview", "--channel", "whatsapp", "--at", at(23, 19, 0).isoformat())
    assert out.stdout == (
        f"{SMS_TEXT}\n\nWhatsApp: {len(SMS_TEXT)} characters (WhatsApp has no SMS segments).\n"
    )


def test_changing_mode_while_installed_says_to_uninstall_first(swap: TwilioFake) -> None:
    found = settings(swap)
    run("autoreply", "install", "--channel", "phone")
    sync(at(23, 19, 0))
    write_config(phone_config(swap, mode="poll"))
    row = sync(at(23, 19, 30), code=4)
    assert row["error"].startswith(
        "the phone channel was installed in swap mode and the config now says poll; run "
        "`hours autoreply uninstall --channel phone`"
    )
    assert run("autoreply", "uninstall", "--channel", "phone").exit_code == 0
    assert settings(swap) == found
    assert sync(at(23, 19, 35))["error"] is None


def test_install_refuses_a_number_already_swapped(swap: TwilioFake, tmp_path: Path) -> None:
    run("autoreply", "install", "--channel", "phone")
    sync(at(23, 19, 0))
    for path in (tmp_path / "state").glob("journal.sqlite3*"):
        path.unlink()  # the journal is lost
    result = run("autoreply", "install", "--channel", "phone")
    assert result.exit_code == 4
    assert "already points at Twilio's Echo twimlet" in result.stderr


def test_no_write_at_all_while_the_number_already_matches(swap: TwilioFake) -> None:
    """Installed while open, synced all day, uninstalled: Twilio never gets a single POST."""
    assert run("autoreply", "install", "--channel", "phone").exit_code == 0
    for hour in (9, 12, 16):
        assert sync(at(23, hour, 30))["action"] == "unchanged"
    assert run("autoreply", "sync", "--dry-run", "--at", at(23, 16, 45).isoformat()).exit_code == 0
    assert run("autoreply", "uninstall", "--channel", "phone").stdout == (
        f"phone (swap): {NUMBER} already has the webhooks install found; nothing written\n"
    )
    posts = [r for r in swap.requests if r.method == "POST"]
    assert posts == []
    # each sync read the number once (and the uninstall once)
    assert len(swap.seen("GET", f"/IncomingPhoneNumbers/{swap.number(NUMBER)['sid']}.json")) == 5


def test_a_dry_run_while_closed_writes_nothing(swap: TwilioFake) -> None:
    run("autoreply", "install", "--channel", "phone")
    assert sync(at(23, 19, 0), "--dry-run")["action"] == "would have swapped"
    assert [r for r in swap.requests if r.method == "POST"] == []
    assert sync(at(23, 19, 1))["action"] == "swapped"


def test_preview_voice_prints_twiml_that_parses_with_markup_in_the_name(swap: TwilioFake) -> None:
    text = phone_config(swap, mode="swap").replace('"Sam\'s Nails"', '"Sam & Co <Nails>"')
    write_config(text)
    out = run("autoreply", "preview", "--channel", "voice", "--at", at(23, 19, 0).isoformat())
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[1].startswith("Hi, you've reached Sam & Co <Nails>. We're closed right now")
    root = ElementTree.fromstring(lines[4])
    assert [(e.tag, e.text) for e in root] == [
        ("Say", lines[1]),
        ("Record", None),
        ("Hangup", None),
    ]
    record = root[1].attrib
    assert (record["method"], record["maxLength"], record["playBeep"]) == ("GET", "120", "true")
    hangup = ElementTree.fromstring(echoed(record["action"]))
    assert [e.tag for e in hangup] == ["Hangup"]


def test_doctor_warns_about_a_relative_time_in_swap_mode(
    swap: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "{next_open_relative}" not in run("--no-color", "doctor").stdout
    extra = 'voice_message = "Back {next_open_relative}."\n'
    write_config(phone_config(swap, mode="swap", extra=extra))
    out = run("--no-color", "doctor").stdout
    assert (
        "[warn] phone (swap) messages — {next_open_relative} changes from minute to minute, so "
        "every sync rewrites the number's webhooks"
    ) in out
