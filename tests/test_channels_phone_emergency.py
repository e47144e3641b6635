"""Poll mode's ways through, end to end against the stateful Twilio fake.

Repeat callers (two missed calls from one number within `repeat_window`, at least a minute
apart, alert your cell once a night and get the emergency message), VIP calls (an alert on the
first), and cover windows (texts and missed calls passed on to whoever covers, and the sender
told who that is). Every request goes over HTTP to the fake, which keeps what was sent.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hours.autoreply import RepeatCall, repeat_call
from tests.helpers import run, write_config
from tests.phone_helpers import ANN, BOB, CELL, NUMBER, VIP, at, bodies, phone_config, sync
from tests.servers.twilio_fake import TwilioFake

AFTER_HOURS = (
    "Hi! Thanks for your message. Sam's Nails is closed right now. I'll get back to you "
    "tomorrow at 9:00 AM. If it can't wait, reply URGENT."
)
EMERGENCY = "Thank you. I've been alerted and will get back to you as soon as I possibly can."
JO = "+15551230001"
COVER = """\
[[cover]]
name = "Jo"
number = "+15551230001"
days = "mon-fri"
hours = "18:00-22:00"
sms = true
"""
JO_COVERS = "Hi! Sam's Nails is closed right now, and Jo is covering: Jo will get back to you soon."


def seconds(when: dt.datetime, s: int) -> dt.datetime:
    return when + dt.timedelta(seconds=s)


# -- the rule, as a pure function ------------------------------------------------------------

WINDOW = dt.timedelta(minutes=15)
NIGHT = (at(23, 17), at(24, 9))


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        ([0, 300], (0, 300)),  # five minutes apart
        ([0, 30], None),  # a redialler
        ([0, 30, 90], (30, 90)),  # a redialler, then a minute later a person
        ([0, 20, 40, 60, 80, 100], None),  # a redialler that keeps going: never a pair
        ([0, 240, 540], (0, 240)),  # three calls: the first pair
        ([0, 900], (0, 900)),  # exactly the window
        ([0, 901], None),  # a second past it
        ([0, 60], (0, 60)),  # exactly a minute
        ([600, 0, 300], (0, 300)),  # in any order
        ([0, 2000, 2300], (2000, 2300)),  # the first two too far apart
    ],
)
def test_repeat_call_finds_the_first_close_pair(
    offsets: list[int], expected: tuple[int, int] | None
) -> None:
    calls = [seconds(at(23, 22), s) for s in offsets]
    found = repeat_call(calls, window=WINDOW, period=NIGHT)
    if expected is None:
        assert found is None
    else:
        assert found == RepeatCall(*(seconds(at(23, 22), s) for s in expected))


def test_repeat_call_keeps_to_its_closed_period() -> None:
    # one call before the night began, one in it: not a pair of this night
    assert repeat_call([at(23, 16, 55), at(23, 17, 5)], window=WINDOW, period=NIGHT) is None
    # one at the end of the night, one after it opened
    assert repeat_call([at(24, 8, 55), at(24, 9, 5)], window=WINDOW, period=NIGHT) is None
    # a night without end in sight
    found = repeat_call([at(24, 8, 55), at(24, 9, 5)], window=WINDOW, period=(at(23, 17), None))
    assert found == RepeatCall(at(24, 8, 55), at(24, 9, 5))
    assert found.gap == dt.timedelta(minutes=10)


# -- repeat callers through the channel ------------------------------------------------------


def alerts(fake: TwilioFake) -> list[str]:
    return bodies(fake, CELL)


def test_two_missed_calls_five_minutes_apart_alert_you_once(twilio: TwilioFake) -> None:
    twilio.missed_call(ANN, NUMBER, at(23, 23, 0))
    twilio.missed_call(ANN, NUMBER, at(23, 23, 5))

    row = sync(at(23, 23, 7))

    assert (row["replied"], row["skipped"]) == (1, {"called_again": 1})
    assert alerts(twilio) == [
        f"Sam's Nails — {ANN} called twice in 5 minutes (23:00 and 23:05) and got your "
        "emergency message."
    ]
    # the caller hears the emergency message instead of the after-hours one
    assert bodies(twilio, ANN) == [EMERGENCY]
    [alert] = twilio.sent(CELL)
    assert (alert["from"], alert["_validity_period"]) == (NUMBER, 3600)


def test_a_call_answered_after_hours_then_a_second_makes_it_an_emergency(
    twilio: TwilioFake,
) -> None:
    twilio.missed_call(ANN, NUMBER, at(23, 23, 0))
    assert sync(at(23, 23, 2))["replied"] == 1
    assert bodies(twilio, ANN) == [AFTER_HOURS]
    assert alerts(twilio) == []

    twilio.missed_call(ANN, NUMBER, at(23, 23, 6))
    row = sync(at(23, 23, 8))

    assert (row["replied"], row["skipped"]) == (1, {})
    assert bodies(twilio, ANN) == [AFTER_HOURS, EMERGENCY]
    assert alerts(twilio) == [
        f"Sam's Nails — {ANN} called twice in 6 minutes (23:00 and 23:06) and got your "
        "emergency message."
    ]


def test_a_redialler_thirty_seconds_apart_gets_the_after_hours_reply_only(
    twilio: TwilioFake,
) -> None:
    twilio.missed_call(ANN, NUMBER, at(23, 23, 0))
    twilio.missed_call(ANN, NUMBER, seconds(at(23, 23, 0), 30))

    row = sync(at(23, 23, 5))

    assert (row["replied"], row["skipped"]) == (1, {"already_replied": 1})
    assert bodies(twilio, ANN) == [AFTER_HOURS]
    assert alerts(twilio) == []


def test_three_calls_still_one_alert(twilio: TwilioFake) -> None:
    for minute in (0, 4, 9):
        twilio.missed_call(ANN, NUMBER, at(23, 23, minute))
        sync(at(23, 23, minute + 1))
    # and later that night, two more close together: still the one alert of the night
    for minute in (40, 45):
        twilio.missed_call(ANN, NUMBER, at(23, 23, minute))
    row = sync(at(23, 23, 50))

    assert row["skipped"] == {"already_replied": 2}
    assert len(alerts(twilio)) == 1
    assert bodies(twilio, ANN) == [AFTER_HOURS, EMERGENCY]


def test_the_next_night_is_another_period(twilio: TwilioFake) -> None:
    for day in (23, 24):
        twilio.missed_call(ANN, NUMBER, at(day, 22, 0))
        twilio.missed_call(ANN, NUMBER, at(day, 22, 3))
        sync(at(day, 22, 5))
    assert len(alerts(twilio)) == 2
    assert bodies(twilio, ANN) == [EMERGENCY, EMERGENCY]


def test_two_callers_are_each_their_own(twilio: TwilioFake) -> None:
    twilio.missed_call(ANN, NUMBER, at(23, 23, 0))
    twilio.missed_call(BOB, NUMBER, at(23, 23, 4))
    row = sync(at(23, 23, 6))
    assert (row["replied"], alerts(twilio)) == (2, [])


def test_a_vip_call_alerts_you_on_the_first_and_gets_no_reply(twilio: TwilioFake) -> None:
    twilio.missed_call(VIP, NUMBER, at(23, 23, 10))

    row = sync(at(23, 23, 12))

    assert (row["replied"], row["skipped"]) == (0, {"vip": 1})
    assert alerts(twilio) == [f"Sam's Nails — missed call from {VIP} (VIP) at 23:10."]
    assert twilio.sent(VIP) == []
    # a VIP's text is still left alone, with no alert: texts are yours to read
    twilio.receive(VIP, NUMBER, "Call me when you can", at(23, 23, 20))
    assert sync(at(23, 23, 22))["skipped"] == {"vip": 1}
    assert len(alerts(twilio)) == 1


def test_no_alert_without_a_cell_to_text(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio).replace(f'forward_to = "{CELL}"', 'forward_to = "s@x.test"'))
    twilio.missed_call(VIP, NUMBER, at(23, 23, 10))
    twilio.missed_call(ANN, NUMBER, at(23, 23, 0))
    twilio.missed_call(ANN, NUMBER, at(23, 23, 5))
    row = sync(at(23, 23, 12))
    # without a cell, two calls are two missed calls: one after-hours reply
    assert (row["replied"], row["skipped"]) == (1, {"vip": 1, "already_replied": 1})
    assert [m["to"] for m in twilio.sent()] == [ANN]


def test_repeat_window_is_read_from_the_config(twilio: TwilioFake) -> None:
    write_config(
        phone_config(twilio).replace("[autoreply.phone]", 'repeat_window = "3m"\n[autoreply.phone]')
    )
    twilio.missed_call(ANN, NUMBER, at(23, 23, 0))
    twilio.missed_call(ANN, NUMBER, at(23, 23, 5))
    assert sync(at(23, 23, 7))["skipped"] == {"already_replied": 1}
    assert alerts(twilio) == []


def test_an_alert_that_fails_is_tried_again_next_sync(twilio: TwilioFake) -> None:
    twilio.missed_call(ANN, NUMBER, at(23, 23, 0))
    twilio.missed_call(ANN, NUMBER, at(23, 23, 5))
    twilio.unreachable[CELL] = 21612
    row = sync(at(23, 23, 7), code=4)
    assert row["error"] is not None
    assert f"cannot text {CELL} (alert)" in row["error"]
    del twilio.unreachable[CELL]
    row = sync(at(23, 23, 10))
    assert len(alerts(twilio)) == 1
    assert bodies(twilio, ANN) == [EMERGENCY]


# -- cover windows in poll mode ----------------------------------------------------------------


def test_a_text_while_jo_covers_goes_to_jo_and_the_client_hears_who(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio) + "\n" + COVER)
    twilio.receive(ANN, NUMBER, "Can I move   my 10am\ntomorrow?", at(23, 19, 0))

    row = sync(at(23, 19, 5))

    assert (row["replied"], row["skipped"]) == (1, {})
    assert bodies(twilio, JO) == [
        f"Sam's Nails — text from {ANN} at 19:00: Can I move my 10am tomorrow?"
    ]
    assert bodies(twilio, ANN) == [JO_COVERS]
    # a second text that night goes to Jo too; the client already knows who covers
    twilio.receive(ANN, NUMBER, "Or Wednesday?", at(23, 19, 30))
    row = sync(at(23, 19, 35))
    assert (row["replied"], row["skipped"]) == (0, {"already_replied": 1})
    assert bodies(twilio, JO)[-1] == f"Sam's Nails — text from {ANN} at 19:30: Or Wednesday?"
    assert len(bodies(twilio, ANN)) == 1
    # after Jo's window, the after-hours reply, and nothing to Jo
    twilio.receive(BOB, NUMBER, "Hello?", at(23, 22, 30))
    sync(at(23, 22, 35))
    assert (bodies(twilio, BOB), len(bodies(twilio, JO))) == ([AFTER_HOURS], 2)


def test_whatsapp_goes_to_jo_by_text(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio) + "\n" + COVER)
    twilio.receive(f"whatsapp:{ANN}", f"whatsapp:{NUMBER}", "Hola", at(23, 19, 0))
    sync(at(23, 19, 5))
    [handover] = twilio.sent(JO)
    assert (handover["from"], handover["body"]) == (
        NUMBER,
        f"Sam's Nails — WhatsApp from {ANN} at 19:00: Hola",
    )
    assert bodies(twilio, f"whatsapp:{ANN}") == [JO_COVERS]


def test_missed_calls_go_to_a_cover_who_takes_calls(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio) + "\n" + COVER.replace("sms = true", "voice = true"))
    twilio.missed_call(ANN, NUMBER, at(23, 19, 0))
    twilio.missed_call(ANN, NUMBER, at(23, 19, 4))
    twilio.receive(BOB, NUMBER, "Open tomorrow?", at(23, 19, 10))

    row = sync(at(23, 19, 15))

    # both calls go to Jo (who covers calls: no alert to your cell); the text is not Jo's
    assert bodies(twilio, JO) == [
        f"Sam's Nails — missed call from {ANN} at 19:00; please call them back.",
        f"Sam's Nails — missed call from {ANN} at 19:04; please call them back.",
    ]
    assert (bodies(twilio, ANN), alerts(twilio)) == ([JO_COVERS], [])
    assert bodies(twilio, BOB) == [AFTER_HOURS]
    assert (row["replied"], row["skipped"]) == (2, {"already_replied": 1})


def test_the_keyword_still_reaches_you_while_jo_covers(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio) + "\n" + COVER)
    twilio.receive(ANN, NUMBER, "URGENT the door code fails", at(23, 19, 0))
    sync(at(23, 19, 5))
    assert alerts(twilio) == [f"URGENT text from {ANN}: URGENT the door code fails"]
    assert (bodies(twilio, ANN), bodies(twilio, JO)) == ([EMERGENCY], [])


def test_texts_from_jo_to_the_line_are_not_a_clients(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio) + "\n" + COVER)
    twilio.receive(JO, NUMBER, "Ann is sorted", at(23, 19, 0))
    assert sync(at(23, 19, 5))["skipped"] == {"own_address": 1}
    assert twilio.sent() == []


def test_a_cover_message_of_your_own_and_the_counts(twilio: TwilioFake) -> None:
    own = '[autoreply]\ncover_message = "{cover_name} has your message, {business} is off."\n'
    write_config(phone_config(twilio).replace("[autoreply]\n", own) + "\n" + COVER)
    twilio.receive(ANN, NUMBER, "Hi", at(23, 19, 0))
    sync(at(23, 19, 5))
    assert bodies(twilio, ANN) == ["Jo has your message, Sam's Nails is off."]
    # the reply to Ann is an auto-reply; the text to Jo is not
    result = run("report", "--week", "2026-W48", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["autoreplies"] == {
        "email": 0,
        "sms": 1,
        "voice": 0,
        "whatsapp": 0,
    }


def test_a_dry_run_tells_nobody(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio) + "\n" + COVER)
    twilio.receive(ANN, NUMBER, "Hi", at(23, 19, 0))
    twilio.missed_call(VIP, NUMBER, at(23, 19, 1))
    row = sync(at(23, 19, 5), "--dry-run")
    assert (row["replied"], row["skipped"]) == (1, {"vip": 1})
    assert twilio.sent() == []


def test_preview_while_jo_covers(twilio: TwilioFake) -> None:
    write_config(phone_config(twilio) + "\n" + COVER)
    result = run("autoreply", "preview", "--channel", "sms", "--at", "2026-11-23T19:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"(Jo covers now: each message is passed on to Jo at {JO}.)\n"
        f"{JO_COVERS}\n\nSMS: 86 characters, GSM-7, 86 septets: 1 segment.\n"
    )
    result = run("autoreply", "preview", "--channel", "whatsapp", "--at", "2026-11-23T19:00")
    assert result.stdout.splitlines()[-1] == (
        "WhatsApp: 86 characters (WhatsApp has no SMS segments)."
    )
    # Jo takes texts only: a missed call gets the after-hours text, as outside the window
    result = run("autoreply", "preview", "--channel", "voice", "--at", "2026-11-23T19:00")
    assert "Jo covers" not in result.stdout
    assert AFTER_HOURS in result.stdout
    assert twilio.requests == []
