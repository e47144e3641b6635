"""Swap mode's after-hours calls as a Twilio Studio flow: the definition Studio's REST API takes.

The flow answers a call to the business number while closed when a caller may press a key to
reach the practitioner (`[autoreply.emergency] press`) or someone covers calls: a greeting that
listens for the key and puts the caller through to `forward_to`, or first rings whoever covers;
voicemail when nobody answers or no key is pressed. TwiML served without a server of the user's
(Twilio's Echo twimlet) cannot tell one key from another, nor an answered call from an
unanswered one; a flow can (the README says more). Every call put through shows the business
number as its caller ID, rings for `dial_timeout` seconds and lasts at most `time_limit`.

Pure: the definition is built from values here; the REST calls are `TwilioApi`'s.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from hours.record import Record

FLOW_NAME = "hours after-hours {number}"
# A flow's webhook, as Studio gives it and as a number's voice URL holds it.
_WEBHOOK = re.compile(
    r"https://webhooks\.twilio\.com/v1/Accounts/AC[0-9a-fA-F]{32}/Flows/(FW[0-9a-fA-F]{32})"
)
VOICEMAIL_SECONDS = 120
GATHER_SECONDS = 5  # how long the greeting waits for a key once it has been spoken
# The widgets' names, which the Liquid expressions of the splits refer to.
TRIGGER, GREETING, WHICH_KEY, DIAL, DIAL_ANSWERED = (
    "Trigger",
    "greeting",
    "which_key",
    "emergency_dial",
    "emergency_answered",
)
COVER_INTRO, COVER_DIAL, COVER_ANSWERED = "cover_intro", "cover_dial", "cover_answered"
VOICEMAIL_PROMPT, VOICEMAIL = "voicemail_prompt", "voicemail"


class CoverCall(Record):
    """Whoever covers calls now: their name, their phone, and what a caller hears first."""

    name: str
    number: str
    intro: str


class CallPlan(Record):
    """What the after-hours flow does with a call, in the words and numbers it needs."""

    number: str  # the business's Twilio number: the caller ID of every call put through
    greeting: str  # the after-hours greeting, which listens for `press` when there is one
    voicemail_prompt: str  # said before the beep when the key's call is not answered
    press: str | None  # the key that rings `forward_to`
    forward_to: str | None
    cover: CoverCall | None
    dial_timeout: int  # seconds a call put through rings
    time_limit: int  # seconds a call put through may last


def flow_name(number: str) -> str:
    """Return the name of the flow `hours` keeps for a number (how an orphan is found again)."""
    return FLOW_NAME.format(number=number)


def flow_sid_of(url: str) -> str | None:
    """Return the SID of the flow whose webhook `url` is, or None if it is no flow's."""
    found = _WEBHOOK.fullmatch(url)
    return found.group(1) if found else None


def liquid_text(text: str) -> str:
    """Return `text` as Studio says it literally: Liquid markup in it is not run."""
    if "{{" not in text and "{%" not in text:
        return text
    return "{% raw %}" + text.replace("{% endraw %}", "") + "{% endraw %}"


def definition(plan: CallPlan) -> dict[str, Any]:
    """Return the flow definition (Studio's JSON) that carries out `plan`.

    A call nobody covers hears the greeting; with a key to press, the greeting listens for it.
    A cover's phone rings first, and if they do not answer the caller hears the greeting.
    Every state is reachable: Studio is given nothing it would warn about.
    """
    assert plan.press is not None or plan.cover is not None, "nothing for a flow to do"
    states: list[dict[str, Any]] = []
    if plan.cover is not None:
        states += [
            _state(
                COVER_INTRO,
                "say-play",
                {"say": liquid_text(plan.cover.intro), "loop": 1},
                [("audioComplete", COVER_DIAL)],
            ),
            *_dial(COVER_DIAL, COVER_ANSWERED, plan.cover.number, plan, GREETING),
        ]
    if plan.press is None:
        states.append(
            _state(
                GREETING,
                "say-play",
                {"say": liquid_text(plan.greeting), "loop": 1},
                [("audioComplete", VOICEMAIL)],
            )
        )
    else:
        assert plan.forward_to is not None
        states += [
            _state(
                GREETING,
                "gather-input-on-call",
                {
                    "say": liquid_text(plan.greeting),
                    "number_of_digits": 1,
                    # "#" must be a key like any other, not the end of the input.
                    "finish_on_key": "",
                    "timeout": GATHER_SECONDS,
                    "stop_gather": True,
                    "loop": 1,
                },
                [("keypress", WHICH_KEY), ("speech", VOICEMAIL), ("timeout", VOICEMAIL)],
            ),
            _split(WHICH_KEY, f"{{{{widgets.{GREETING}.Digits}}}}", plan.press, DIAL, VOICEMAIL),
            *_dial(DIAL, DIAL_ANSWERED, plan.forward_to, plan, VOICEMAIL_PROMPT),
            _state(
                VOICEMAIL_PROMPT,
                "say-play",
                {"say": liquid_text(plan.voicemail_prompt), "loop": 1},
                [("audioComplete", VOICEMAIL)],
            ),
        ]
    states.append(
        _state(
            VOICEMAIL,
            "record-voicemail",
            {
                "max_length": VOICEMAIL_SECONDS,
                "play_beep": "true",
                "timeout": 5,
                "finish_on_key": "#",
                "transcribe": False,
                "trim": "trim-silence",
            },
            [("recordingComplete", None), ("noAudio", None), ("hangup", None)],
        )
    )
    first = COVER_INTRO if plan.cover is not None else GREETING
    trigger = _state(
        TRIGGER,
        "trigger",
        {},
        [
            ("incomingMessage", None),
            ("incomingCall", first),
            ("incomingConversationMessage", None),
            ("incomingRequest", None),
            ("incomingParent", None),
        ],
    )
    return {
        "description": (
            f"hours: the after-hours calls of {plan.number}. Kept by hours; edits made here are "
            "overwritten at its next sync."
        ),
        "initial_state": TRIGGER,
        "flags": {"allow_concurrent_calls": True},
        "states": [trigger, *states],
    }


def fingerprint(flow: dict[str, Any]) -> str:
    """Return a digest of a definition, to tell whether the one at Twilio is still it."""
    return hashlib.sha256(json.dumps(flow, sort_keys=True).encode()).hexdigest()[:32]


def _state(
    name: str, kind: str, properties: dict[str, Any], events: list[tuple[str, str | None]]
) -> dict[str, Any]:
    transitions = [{"event": e} if n is None else {"event": e, "next": n} for e, n in events]
    return {"name": name, "type": kind, "properties": properties, "transitions": transitions}


def _split(name: str, value: str, equal_to: str, match: str, otherwise: str) -> dict[str, Any]:
    state = _state(name, "split-based-on", {"input": value}, [("noMatch", otherwise)])
    state["transitions"].append(
        {
            "event": "match",
            "next": match,
            "conditions": [
                {
                    "friendly_name": f"{value} is {equal_to}",
                    "arguments": [value],
                    "type": "equal_to",
                    "value": equal_to,
                }
            ],
        }
    )
    return state


def _dial(
    name: str, answered: str, to: str, plan: CallPlan, unanswered: str
) -> list[dict[str, Any]]:
    """Return a Connect Call To and the split that sends an unanswered call on to `unanswered`.

    Answered, the call ends when either side hangs up; the flow ends with it.
    """
    status = f"{{{{widgets.{name}.DialCallStatus}}}}"
    dial = _state(
        name,
        "connect-call-to",
        {
            "noun": "number",
            "to": to,
            "caller_id": plan.number,
            "timeout": plan.dial_timeout,
            "time_limit": plan.time_limit,
            "record": False,
        },
        [("callCompleted", answered), ("hangup", None)],
    )
    split = _state(answered, "split-based-on", {"input": status}, [("noMatch", unanswered)])
    split["transitions"].append(
        {
            "event": "match",
            "conditions": [
                {
                    "friendly_name": "answered",
                    "arguments": [status],
                    "type": "equal_to",
                    "value": "completed",
                }
            ],
        }
    )
    return [dial, split]
