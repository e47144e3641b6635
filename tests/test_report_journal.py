"""The report counts the auto-replies the channels really journalled, through the real engine."""

from __future__ import annotations

import json

from tests.helpers import run
from tests.phone_helpers import ANN, BOB, CAT, NUMBER, VIP, WHATSAPP, at, sync
from tests.servers.twilio_fake import TwilioFake

DAN = "+15559990004"


def autoreplies(week: str, *extra: str) -> dict[str, int]:
    result = run("report", "--week", week, "--format", "json", *extra, catch=False)
    assert result.exit_code == 0, result.output
    counts: dict[str, int] = json.loads(result.stdout)["autoreplies"]
    return counts


def test_the_report_counts_what_a_phone_sync_sent(twilio: TwilioFake) -> None:
    # Monday 23 November 2026 after 17:00 in New York: closed.
    twilio.receive(ANN, NUMBER, "Can I book Thursday?", at(23, 19, 0))
    twilio.receive(f"whatsapp:{BOB}", WHATSAPP, "Hola! Open tomorrow?", at(23, 19, 1))
    twilio.missed_call(CAT, NUMBER, at(23, 19, 2))
    twilio.receive(DAN, NUMBER, "URGENT my nail came off", at(23, 19, 3))  # reply + forward
    twilio.receive(VIP, NUMBER, "Around?", at(23, 19, 4))  # never answered
    assert sync(at(23, 19, 5))["replied"] == 4
    # the next Monday evening belongs to the next week
    twilio.receive(ANN, NUMBER, "Next week?", at(30, 19, 0))
    assert sync(at(30, 19, 5))["replied"] == 1

    # the emergency forward to the practitioner's own cell is not an auto-reply
    assert autoreplies("2026-W48") == {"email": 0, "sms": 2, "voice": 1, "whatsapp": 1}
    assert autoreplies("2026-W49") == {"email": 0, "sms": 1, "voice": 0, "whatsapp": 0}
    assert autoreplies("2026-W47") == {"email": 0, "sms": 0, "voice": 0, "whatsapp": 0}
    # 19:05 on Monday 30 November in New York is Tuesday morning in Tokyo: still week 49
    assert autoreplies("2026-W49", "--tz", "Asia/Tokyo")["sms"] == 1
    text = run("report", "--week", "2026-W48", catch=False).stdout
    assert text.endswith("Auto-replies sent: email 0 · SMS 2 · voice 1 · WhatsApp 1\n")
