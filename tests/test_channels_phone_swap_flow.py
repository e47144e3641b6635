"""Swap mode with the call flow, end to end: install, sync, uninstall against the Twilio fake.

The fake keeps the number and the Studio flows; after each sync the number's voice URL is
followed to the flow the fake holds, and that flow is walked as Studio runs it
(tests/studio_flow.py): at 23:00 pressing 1 rings your cell, during Jo's window Jo rings.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from hours.journal import Journal
from tests.helpers import run, write_config
from tests.phone_helpers import CELL, NUMBER, at, phone_config, sync
from tests.servers.twilio_fake import TwilioFake
from tests.studio_flow import echoed, problems, walk, walk_twiml

AS_FOUND = {
    "sms_url": "https://example.com/sms",
    "sms_method": "POST",
    "sms_fallback_url": "",
    "voice_url": "https://example.com/voice",
    "voice_method": "GET",
    "voice_fallback_url": "https://example.com/voice-fallback",
}
JO = "+15551230001"
EMERGENCY_LINE = 'press = "1"\nmax_call_minutes = 10\n'
COVER = f"""
[[cover]]
name = "Jo"
number = "{JO}"
days = "mon-fri"
hours = "18:00-22:00"
voice = true
"""
CELL_DIAL = ("dial", CELL, NUMBER, 20, 600)
JO_DIAL = ("dial", JO, NUMBER, 20, 600)


def swap_config(fake: TwilioFake, *, press: bool = True, cover: bool = False) -> str:
    text = phone_config(fake, mode="swap")
    if press:
        text = text.replace("[autoreply.phone]", EMERGENCY_LINE + "[autoreply.phone]")
    return text + (COVER if cover else "")


@pytest.fixture
def swap(twilio: TwilioFake) -> TwilioFake:
    twilio.numbers.clear()
    twilio.add_number(NUMBER, **AS_FOUND)
    write_config(swap_config(twilio))
    return twilio


def number(fake: TwilioFake) -> dict[str, Any]:
    found = fake.number(NUMBER)
    return {k: found[k] for k in AS_FOUND}


def the_flow(fake: TwilioFake) -> dict[str, Any]:
    [flow] = fake.flows.values()
    return flow


def calls_go_to(fake: TwilioFake) -> dict[str, Any]:
    """Follow the number's voice URL to the flow the fake holds; return that flow's definition."""
    now = fake.number(NUMBER)
    assert now["voice_method"] == "POST"
    [flow] = [f for f in fake.flows.values() if f["webhook_url"] == now["voice_url"]]
    definition: dict[str, Any] = flow["definition"]
    assert problems(definition, NUMBER) == []
    return definition


def writes(fake: TwilioFake) -> list[str]:
    """Return the write requests the fake got, as METHOD PATH."""
    return [
        f"{r.method} {r.path}"
        for r in fake.requests
        if r.method in ("POST", "DELETE") and "/Messages.json" not in r.path
    ]


def install(fake: TwilioFake) -> str:
    result = run("autoreply", "install", "--channel", "phone")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_caller_at_23_pressing_1_is_put_through_to_your_cell(swap: TwilioFake) -> None:
    out = install(swap)
    # the flow is made at install, checked by Studio first; the number is not touched yet
    flow = the_flow(swap)
    assert f"Calls while closed go to the Studio flow {flow['webhook_url']}." in out
    assert writes(swap) == ["POST /v2/Flows/Validate", "POST /v2/Flows"]
    assert flow["friendly_name"] == f"hours after-hours {NUMBER}"
    assert number(swap) == AS_FOUND

    assert sync(at(23, 23, 0))["action"] == "swapped, flow updated"
    definition = calls_go_to(swap)
    greeting = (
        "Hi, you've reached Sam's Nails. We're closed right now and back tomorrow at 9:00 AM. If "
        "this is an emergency, press 1 now. Otherwise, please leave a message after the tone, "
        "and I'll call you back then."
    )
    assert walk(definition, key="1", answers={CELL: "completed"}) == [("say", greeting), CELL_DIAL]
    assert walk(definition) == [("say", greeting), ("record", 120)]
    # texts still get the Echo <Message>
    assert echoed(swap.number(NUMBER)["sms_url"]).startswith("<Response><Message>Hi! Thanks")

    # the next sync that night finds everything as it should be: it reads, and writes nothing
    before = len(writes(swap))
    assert sync(at(23, 23, 5))["action"] == "unchanged"
    assert len(writes(swap)) == before
    assert swap.seen("GET", f"/v2/Flows/{flow['sid']}")

    # open again: your own webhooks back; the flow stays for tonight
    assert sync(at(24, 9, 5))["action"] == "restored"
    assert number(swap) == AS_FOUND
    assert the_flow(swap)["sid"] == flow["sid"]

    # uninstall: the number as install found it, and the flow gone
    result = run("autoreply", "uninstall", "--channel", "phone")
    assert result.exit_code == 0, result.output
    assert f"deleted the call flow {flow['sid']}" in result.stdout
    assert (number(swap), swap.flows) == (AS_FOUND, {})


def test_during_jos_window_the_same_call_rings_jo(swap: TwilioFake) -> None:
    write_config(swap_config(swap, cover=True))
    install(swap)
    assert sync(at(23, 17, 5))["action"] == "swapped, flow updated"
    # 17:05: closed, Jo not yet on
    assert walk(calls_go_to(swap), answers={JO: "completed", CELL: "completed"})[1:] == [
        ("record", 120)
    ]
    assert sync(at(23, 18, 5))["action"] == "flow updated"
    intro = "Thanks for calling Sam's Nails. Jo is covering right now; connecting you."
    definition = calls_go_to(swap)
    assert walk(definition, key="1", answers={JO: "completed"}) == [("say", intro), JO_DIAL]
    # Jo does not answer: pressing 1 still reaches you
    assert walk(definition, key="1", answers={CELL: "completed"})[-1] == CELL_DIAL
    # Jo's window ends: the flow no longer rings Jo
    assert sync(at(23, 22, 5))["action"] == "flow updated"
    assert JO_DIAL not in walk(calls_go_to(swap), key="1", answers={CELL: "completed"})


def test_a_voice_cover_without_a_key_uses_a_flow_only_in_its_window(twilio: TwilioFake) -> None:
    twilio.numbers.clear()
    twilio.add_number(NUMBER, **AS_FOUND)
    write_config(swap_config(twilio, press=False, cover=True))
    out = install(twilio)
    assert "Studio flow" not in out  # nothing needs one yet: Jo is not on
    assert twilio.flows == {}
    sync(at(23, 17, 5))
    # Echo's greeting and voicemail, as without covers
    voice = echoed(twilio.number(NUMBER)["voice_url"])
    assert [s[0] for s in walk_twiml(voice)] == ["say", "record", "hangup"]
    assert sync(at(23, 18, 5))["action"] == "swapped, flow created"
    # without [autoreply.emergency] max_call_minutes, a call lasts at most 30 minutes
    assert walk(calls_go_to(twilio), answers={JO: "completed"})[-1] == (
        "dial",
        JO,
        NUMBER,
        20,
        1800,
    )
    assert sync(at(23, 22, 5))["action"] == "swapped"
    assert twilio.number(NUMBER)["voice_url"].startswith("https://twimlets.com/echo?")


def test_a_flow_edited_in_the_console_is_written_again(swap: TwilioFake) -> None:
    install(swap)
    sync(at(23, 23, 0))
    flow = the_flow(swap)
    edited = json.loads(json.dumps(flow["definition"]))
    edited["states"][1]["properties"]["say"] = "Something else"
    swap.edit_flow(flow["sid"], edited)
    row = sync(at(23, 23, 5))
    assert row["action"] == "flow rewritten (it was edited in the Twilio console)"
    assert walk(calls_go_to(swap), key="1", answers={CELL: "completed"})[-1] == CELL_DIAL


def test_a_flow_deleted_in_the_console_is_made_again(swap: TwilioFake) -> None:
    install(swap)
    sync(at(23, 23, 0))
    swap.flows.clear()
    assert sync(at(23, 23, 5))["action"] == "swapped, flow created"
    assert walk(calls_go_to(swap), key="1", answers={CELL: "completed"})[-1] == CELL_DIAL
    # uninstall deletes the new one
    assert run("autoreply", "uninstall", "--channel", "phone").exit_code == 0
    assert swap.flows == {}


def test_a_flow_left_by_a_crash_is_found_by_its_name(swap: TwilioFake) -> None:
    write_config(swap_config(swap, press=False))
    install(swap)  # no key, nobody covering: no flow yet
    # a sync that created the flow was killed before the journal had its SID
    orphan = swap.add_flow(f"hours after-hours {NUMBER}", {"states": []})
    write_config(swap_config(swap))
    assert sync(at(23, 23, 0))["action"] == "swapped, flow updated"
    assert list(swap.flows) == [orphan]
    assert walk(calls_go_to(swap), key="1", answers={CELL: "completed"})[-1] == CELL_DIAL
    # a flow of someone else's with another name is never touched
    other = swap.add_flow("my own IVR", {"states": []})
    assert run("autoreply", "uninstall", "--channel", "phone").exit_code == 0
    assert list(swap.flows) == [other]


def test_studio_refusing_the_flow_leaves_the_number_alone(swap: TwilioFake) -> None:
    install(swap)
    swap.fail("POST", "/v2/Flows/Validate", 400, 20001, message="Invalid flow definition")
    row = sync(at(25, 23, 0), code=4)  # another night: the greeting says Thursday
    assert row["action"] == "failed"
    assert "Twilio answered 400 (error 20001) while checking the Studio flow" in row["error"]
    assert number(swap) == AS_FOUND
    # the next sync tries again, and swaps
    assert sync(at(25, 23, 5))["action"].startswith("swapped")


def test_a_dry_run_writes_nothing(swap: TwilioFake) -> None:
    install(swap)
    before = writes(swap)
    assert sync(at(27, 23, 0), "--dry-run")["action"] == "would have swapped"
    assert writes(swap) == before


def test_install_refuses_a_number_already_on_an_earlier_installs_flow(swap: TwilioFake) -> None:
    install(swap)
    sync(at(23, 23, 0))
    flow_url = swap.number(NUMBER)["voice_url"]
    # the journal is lost while the number still sends calls to the flow
    journal = Journal(Path(os.environ["HOURS_HOME"]))
    journal.set_prior("phone", None)
    journal.close()
    # and the texts' webhook was set back by hand, the calls' not
    swap.numbers[swap.number(NUMBER)["sid"]]["sms_url"] = AS_FOUND["sms_url"]
    result = run("autoreply", "install", "--channel", "phone")
    assert result.exit_code == 4
    assert "voice URL already points at the call flow of an earlier install" in result.stderr
    assert swap.number(NUMBER)["voice_url"] == flow_url


def test_preview_says_what_a_caller_hears(swap: TwilioFake) -> None:
    write_config(swap_config(swap, cover=True))
    result = run("autoreply", "preview", "--channel", "voice", "--at", "2026-11-23T19:00")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:4] == [
        "What a caller hears after hours (swap mode: a Twilio Studio flow, kept by hours):",
        "  Thanks for calling Sam's Nails. Jo is covering right now; connecting you.",
        f"  - rings Jo at {JO} (caller ID {NUMBER}) for up to 20 seconds; a call lasts at most "
        "10 minutes.",
        "  - Jo does not answer:",
    ]
    assert swap.requests == []


def test_doctor_follows_the_call_flow(swap: TwilioFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no crontab
    write_config(swap_config(swap, cover=True).replace("voice = true", "voice = true\nsms = true"))
    install(swap)
    sync(at(23, 23, 0))
    flow = the_flow(swap)
    out = run("--no-color", "doctor").stdout
    assert f"[  ok] phone (swap) call flow — {flow['sid']}, revision {flow['revision']}" in out
    assert (
        "[warn] phone (swap) cover — Jo covers texts: only poll mode passes texts on; in swap "
        "mode a text while they cover gets the after-hours reply"
    ) in out
    swap.edit_flow(flow["sid"], flow["definition"])
    out = run("--no-color", "doctor").stdout
    assert (
        f"[warn] phone (swap) call flow — {flow['sid']} was edited in the Twilio console "
        f"(revision {flow['revision']}); the next sync while closed writes it again"
    ) in out
    swap.flows.clear()
    out = run("--no-color", "doctor").stdout
    assert (
        f"[FAIL] phone (swap) call flow — {flow['sid']} was deleted at Twilio; the next sync "
        "while closed makes it again"
    ) in out


def test_doctor_in_poll_mode_says_what_needs_swap_mode(
    twilio: TwilioFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    text = phone_config(twilio).replace("[autoreply.phone]", 'press = "1"\n[autoreply.phone]')
    write_config(text + COVER)
    out = run("--no-color", "doctor").stdout
    assert (
        "[warn] phone (poll) ways through — press = '1' needs swap mode: poll mode never answers "
        "a call; a caller gets through by calling twice within repeat_window"
    ) in out
    assert (
        "[warn] phone (poll) ways through — Jo covers calls: poll mode cannot ring Jo, and texts "
        "them each missed call instead; swap mode rings them"
    ) in out
    assert "missed_call_text = false" not in out
    write_config(text.replace('mode = "poll"', 'mode = "poll"\nmissed_call_text = false'))
    out = run("--no-color", "doctor").stdout
    assert (
        "[warn] phone (poll) ways through — missed_call_text = false: missed calls are not read, "
        "so neither a VIP's call nor a repeated call alerts you"
    ) in out
