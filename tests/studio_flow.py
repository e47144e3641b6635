"""Studio flow definitions as Twilio would run them, and TwiML as Twilio would walk it.

`problems` checks a definition beyond what the fake refuses (tests/servers/twilio_fake.py:
`flow_problems`): what the channel promises of its flows (every call put through shows the
business number, numbers in E.164, limits within Twilio's) and that every Liquid reference names
a widget of the flow. `walk` runs a definition for one scripted caller, widget by widget, the
way Studio does: it says, gathers a key, splits on it, connects a call that is answered or not,
records; and returns what the caller went through. `walk_twiml` does the same for a TwiML
document served by Twilio's Echo twimlet, following its `action` URLs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers.twilio_fake import flow_problems

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_LIQUID = re.compile(r"\{\{\s*widgets\.(\w+)\.(\w+)\s*\}\}")
_RAW = re.compile(r"\{% raw %\}(.*?)\{% endraw %\}", re.S)
MAX_STEPS = 50

Step = tuple[Any, ...]  # ("say", text) | ("dial", to, caller_id, timeout, limit) | ("record", s)


def problems(definition: dict[str, Any], number: str) -> list[str]:
    """Return what is wrong with a definition the channel made for the business `number`."""
    found = flow_problems(definition)
    if found:
        return found
    names = {s["name"] for s in definition["states"]}
    for state in definition["states"]:
        name, kind, props = state["name"], state["type"], state["properties"]
        for text in _strings(props) + _strings(state["transitions"]):
            for widget, _ in _LIQUID.findall(_RAW.sub("", text)):
                if widget not in names:
                    found.append(f"{name}: refers to no widget {widget!r}")
        if kind == "connect-call-to":
            if props.get("noun") != "number" or not E164.fullmatch(str(props.get("to"))):
                found.append(f"{name}: connects to {props.get('to')!r}, not a number in E.164")
            if props.get("caller_id") != number:
                found.append(f"{name}: caller ID {props.get('caller_id')!r} is not {number}")
            if not 5 <= props.get("timeout", 0) <= 600:
                found.append(f"{name}: timeout must be 5 to 600 seconds")
            if not 1 <= props.get("time_limit", 0) <= 14400:
                found.append(f"{name}: time_limit must be 1 to 14400 seconds")
        if kind == "gather-input-on-call" and props.get("number_of_digits") != 1:
            found.append(f"{name}: a single key is gathered")
        if kind == "record-voicemail" and not 1 <= props.get("max_length", 0) <= 14400:
            found.append(f"{name}: max_length must be 1 to 14400 seconds")
        if kind == "split-based-on":
            for t in state["transitions"]:
                for c in t.get("conditions", []):
                    if c.get("type") != "equal_to":
                        found.append(f"{name}: only equal_to conditions are walked")
    reachable = _reachable(definition)
    found += [f"{n}: never reached" for n in sorted(names - reachable)]
    return found


def walk(
    definition: dict[str, Any], *, key: str | None = None, answers: dict[str, str] | None = None
) -> list[Step]:
    """Run the flow for one incoming call; return what the caller heard and was put through to.

    `key` is pressed at the first gather (None: the caller presses nothing); `answers` gives the
    DialCallStatus each number's call ends with (a number not in it does not answer).
    """
    states = {s["name"]: s for s in definition["states"]}
    widgets: dict[str, dict[str, str]] = {}
    steps: list[Step] = []
    name: str | None = definition["initial_state"]
    for _ in range(MAX_STEPS):
        if name is None:
            return steps
        state = states[name]
        kind, props = state["type"], state["properties"]
        if kind == "trigger":
            event = "incomingCall"
        elif kind == "say-play":
            steps.append(("say", _literal(props["say"])))
            event = "audioComplete"
        elif kind == "gather-input-on-call":
            steps.append(("say", _literal(props["say"])))
            if key is not None:
                widgets[name] = {"Digits": key}
                event = "keypress"
            else:
                event = "timeout"
        elif kind == "split-based-on":
            name = _split(state, _render(props["input"], widgets))
            continue
        elif kind == "connect-call-to":
            to = props["to"]
            steps.append(("dial", to, props["caller_id"], props["timeout"], props["time_limit"]))
            widgets[name] = {"DialCallStatus": (answers or {}).get(to, "no-answer")}
            event = "callCompleted"
        elif kind == "record-voicemail":
            steps.append(("record", props["max_length"]))
            event = "recordingComplete"
        else:
            raise AssertionError(f"the walker does not know {kind}")
        name = _next(state, event)
    raise AssertionError("the flow did not end")


def walk_twiml(twiml: str, *, key: str | None = None) -> list[Step]:
    """Walk a TwiML document as Twilio does for a call, following Echo twimlet action URLs.

    A `<Gather>` that hears `key` goes to its action (Echo ignores the key it is sent); one that
    hears nothing falls through to the next verb. `<Record>` goes to its action when done.
    """
    steps: list[Step] = []
    document: str | None = twiml
    for _ in range(MAX_STEPS):
        if document is None:
            return steps
        root = ET.fromstring(document)
        assert root.tag == "Response", root.tag
        document = None
        for verb in root:
            if verb.tag == "Say":
                steps.append(("say", verb.text or ""))
            elif verb.tag == "Gather":
                steps += [("say", s.text or "") for s in verb if s.tag == "Say"]
                if key is not None:
                    document = echoed(verb.get("action", ""))
                    break
            elif verb.tag == "Dial":
                number = "".join(n.text or "" for n in verb.iter("Number")) or verb.text
                steps.append(
                    (
                        "dial",
                        number,
                        verb.get("callerId"),
                        verb.get("timeout"),
                        verb.get("timeLimit"),
                    )
                )
            elif verb.tag == "Record":
                steps.append(("record", int(verb.get("maxLength", "3600"))))
                document = echoed(verb.get("action", ""))
                break
            elif verb.tag == "Hangup":
                steps.append(("hangup",))
                return steps
            else:
                raise AssertionError(f"the walker does not know <{verb.tag}>")
    raise AssertionError("the TwiML did not end")


def echoed(url: str) -> str:
    """Return the TwiML an Echo twimlet URL serves."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://twimlets.com/echo", url
    return parse_qs(parts.query)["Twiml"][0]


def _split(state: dict[str, Any], value: str) -> str | None:
    """Return where a Split Based On goes for its input's value: the first match, or noMatch."""
    for t in state["transitions"]:
        if t["event"] == "match" and all(value == c["value"] for c in t["conditions"]):
            return t.get("next")
    return _next(state, "noMatch")


def _next(state: dict[str, Any], event: str) -> str | None:
    for t in state["transitions"]:
        if t["event"] == event:
            return t.get("next")
    raise AssertionError(f"{state['name']} has no transition for {event}")


def _literal(text: str) -> str:
    """Return what Studio says for a `say`: raw blocks as written, no Liquid left to run."""
    raw = _RAW.sub(lambda m: m.group(1), text)
    assert "{{" not in _RAW.sub("", text), f"Liquid outside a raw block: {text!r}"
    return raw


def _render(text: str, widgets: dict[str, dict[str, str]]) -> str:
    return _LIQUID.sub(lambda m: widgets.get(m.group(1), {}).get(m.group(2), ""), text)


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _reachable(definition: dict[str, Any]) -> set[str]:
    states = {s["name"]: s for s in definition["states"]}
    seen: set[str] = set()
    todo = [definition["initial_state"]]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [t["next"] for t in states[name]["transitions"] if "next" in t]
    return seen
