"""Swap mode's call flow: its definition checked, and walked for scripted callers as Studio would.

The definitions are the channel's own (`call_plan` from a config, at a moment); the walker is
tests/studio_flow.py. The Echo path (no key, nobody covering) is TwiML, walked the same way.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hours import config
from hours.autoreply import fields
from hours.channels.phone_twilio import after_hours_twiml, call_plan
from hours.clients import studio
from hours.clikit import build_schedule
from tests.studio_flow import problems, walk, walk_twiml

NY = ZoneInfo("America/New_York")
NUMBER, CELL, JO = "+15550001111", "+15557654321", "+15551230001"
CONFIG = f"""\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
[[cover]]
name = "Jo"
number = "{JO}"
days = "mon"
hours = "18:00-22:00"
voice = true
[autoreply.emergency]
forward_to = "{CELL}"
press = "1"
max_call_minutes = 10
dial_timeout = 25
[autoreply.phone]
number = "{NUMBER}"
account_sid_env = "SID"
auth_token_env = "TOKEN"
mode = "swap"
"""
GREETING = (
    "Hi, you've reached Sam's Nails. We're closed right now and back tomorrow at 9:00 AM. If "
    "this is an emergency, press 1 now. Otherwise, please leave a message after the tone, and "
    "I'll call you back then."
)
PROMPT = "Sorry, nobody could pick up just now. Please leave a message after the tone."
JO_INTRO = "Thanks for calling Sam's Nails. Jo is covering right now; connecting you."
CELL_DIAL = ("dial", CELL, NUMBER, 25, 600)
JO_DIAL = ("dial", JO, NUMBER, 25, 600)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 23, hour, minute, tzinfo=NY)  # a Monday


def flow(text: str = CONFIG, when: dt.datetime | None = None) -> dict[str, Any]:
    cfg = config.parse(text, Path("c.toml"))
    assert cfg.autoreply is not None
    assert cfg.autoreply.phone is not None
    plan = call_plan(
        cfg.autoreply.phone, cfg.autoreply, build_schedule(cfg), when or at(23), cfg.name
    )
    assert plan is not None
    definition = studio.definition(plan)
    assert problems(definition, NUMBER) == []
    return definition


def test_pressing_1_rings_your_cell_with_the_business_number_as_caller_id() -> None:
    definition = flow()
    assert walk(definition, key="1", answers={CELL: "completed"}) == [
        ("say", GREETING),
        CELL_DIAL,
    ]


def test_pressing_1_when_you_do_not_answer_ends_in_voicemail() -> None:
    for status in ("no-answer", "busy", "failed", "canceled"):
        assert walk(flow(), key="1", answers={CELL: status}) == [
            ("say", GREETING),
            CELL_DIAL,
            ("say", PROMPT),
            ("record", 120),
        ]


@pytest.mark.parametrize("key", [None, "7", "0", "*", "#"])
def test_another_key_or_none_goes_to_voicemail(key: str | None) -> None:
    assert walk(flow(), key=key) == [("say", GREETING), ("record", 120)]


def test_the_hash_key_can_be_the_one() -> None:
    definition = flow(CONFIG.replace('press = "1"', 'press = "#"'))
    [gather] = [s for s in definition["states"] if s["type"] == "gather-input-on-call"]
    assert gather["properties"]["finish_on_key"] == ""  # else "#" would end the input empty
    assert walk(definition, key="#", answers={CELL: "completed"})[-1] == CELL_DIAL
    assert walk(definition, key="1")[-1] == ("record", 120)


def test_during_jos_window_the_call_rings_jo_first() -> None:
    definition = flow(when=at(19))
    assert walk(definition, answers={JO: "completed"}) == [("say", JO_INTRO), JO_DIAL]
    # Jo does not pick up: the greeting, and pressing 1 still reaches you
    assert walk(definition, key="1", answers={CELL: "completed"}) == [
        ("say", JO_INTRO),
        JO_DIAL,
        ("say", GREETING),
        CELL_DIAL,
    ]
    assert walk(definition) == [("say", JO_INTRO), JO_DIAL, ("say", GREETING), ("record", 120)]


def test_a_voice_cover_without_a_key_to_press() -> None:
    text = CONFIG.replace('press = "1"\n', "")
    definition = flow(text, when=at(19))
    plain = (
        "Hi, you've reached Sam's Nails. We're closed right now and back tomorrow at 9:00 AM. "
        "Please leave a message after the tone, and I'll call you back then."
    )
    assert walk(definition, answers={JO: "completed"}) == [("say", JO_INTRO), JO_DIAL]
    assert walk(definition, key="1") == [
        ("say", JO_INTRO),
        JO_DIAL,
        ("say", plain),
        ("record", 120),
    ]
    # outside Jo's window no flow is needed: the Echo greeting, walked as Twilio walks TwiML
    cfg = config.parse(text, Path("c.toml"))
    assert cfg.autoreply is not None
    assert cfg.autoreply.phone is not None
    schedule = build_schedule(cfg)
    assert call_plan(cfg.autoreply.phone, cfg.autoreply, schedule, at(23), cfg.name) is None
    _, voice = after_hours_twiml(
        cfg.autoreply.phone, fields(schedule, at(23), cfg.name, cfg.autoreply.emergency)
    )
    for key in (None, "1"):
        # no <Gather>: a key does nothing; the greeting, the voicemail, then the hang-up
        assert walk_twiml(voice, key=key) == [("say", plain), ("record", 120), ("hangup",)]


def test_a_greeting_of_your_own_that_says_the_key() -> None:
    mine = CONFIG.replace(
        "[autoreply.phone]\n",
        '[autoreply.phone]\nvoice_message = "{business}. Urgent? Press {emergency_press}."\n',
    )
    assert walk(flow(mine))[0] == ("say", "Sam's Nails. Urgent? Press 1.")
    # one that does not is followed by the prompt
    theirs = mine.replace("Urgent? Press {emergency_press}.", "Closed.")
    assert walk(flow(theirs))[0] == (
        "say",
        "Sam's Nails. Closed. If this is an emergency, press 1 now.",
    )


def test_liquid_in_a_greeting_is_said_as_written() -> None:
    mine = CONFIG.replace(
        "[autoreply.phone]\n",
        '[autoreply.phone]\nvoice_message = "Sam{{{{s}}}} {{% if %}} {emergency_press}"\n',
    )
    definition = flow(mine)
    [gather] = [s for s in definition["states"] if s["type"] == "gather-input-on-call"]
    assert gather["properties"]["say"] == "{% raw %}Sam{{s}} {% if %} 1{% endraw %}"
    assert walk(definition)[0] == ("say", "Sam{{s}} {% if %} 1")


def test_the_fingerprint_tells_a_changed_flow() -> None:
    a, b = flow(), flow()
    assert studio.fingerprint(a) == studio.fingerprint(b)
    c = flow(when=at(19))
    assert studio.fingerprint(c) != studio.fingerprint(a)


def test_flow_sid_of_a_webhook() -> None:
    sid = "FW" + "0123456789abcdef" * 2
    url = f"https://webhooks.twilio.com/v1/Accounts/AC{'a' * 32}/Flows/{sid}"
    assert studio.flow_sid_of(url) == sid
    assert studio.flow_sid_of(url + "/x") is None
    assert studio.flow_sid_of("https://twimlets.com/echo?Twiml=x") is None


# -- the checks can fail --------------------------------------------------------------------


def broken(change: Any) -> list[str]:
    definition = copy.deepcopy(flow(when=at(19)))
    change({s["name"]: s for s in definition["states"]}, definition)
    return problems(definition, NUMBER)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s, d: s["emergency_dial"]["properties"].update(caller_id="+15559990001"),
            "emergency_dial: caller ID '+15559990001' is not +15550001111",
        ),
        (
            lambda s, d: s["cover_dial"]["properties"].update(to="555-123"),
            "cover_dial: connects to '555-123', not a number in E.164",
        ),
        (
            lambda s, d: s["greeting"]["transitions"][0].update(next="nowhere"),
            "greeting: keypress goes to no widget 'nowhere'",
        ),
        (
            lambda s, d: s["which_key"]["properties"].update(input="{{widgets.gone.Digits}}"),
            "which_key: refers to no widget 'gone'",
        ),
        (
            lambda s, d: s["voicemail"].update(type="record-call"),
            "voicemail: unknown widget type 'record-call'",
        ),
        (
            lambda s, d: s["cover_intro"]["transitions"][0].update(event="finished"),
            "cover_intro: say-play has no event 'finished'",
        ),
        (lambda s, d: d.update(flags={}), "flags.allow_concurrent_calls is required"),
        (lambda s, d: d.update(initial_state="Start"), "initial_state names no widget"),
        (
            lambda s, d: s["emergency_dial"]["properties"].update(time_limit=20000),
            "emergency_dial: time_limit must be 1 to 14400 seconds",
        ),
        (
            lambda s, d: s["Trigger"]["transitions"][1].update(next="greeting"),
            "cover_intro: never reached",
        ),
    ],
)
def test_a_broken_definition_is_refused(change: Any, expected: str) -> None:
    assert expected in broken(change)


def test_the_walker_follows_the_split_it_is_given() -> None:
    definition = flow()
    states = {s["name"]: s for s in definition["states"]}
    states["which_key"]["transitions"][1]["conditions"][0]["value"] = "2"
    # pressing 1 no longer rings you: the walk tells, as the test above would fail
    assert walk(definition, key="1", answers={CELL: "completed"})[-1] == ("record", 120)
