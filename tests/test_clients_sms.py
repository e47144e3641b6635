"""SMS segments: GSM-7 with its extension table counting double, UCS-2, and the boundaries."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hours.clients.sms import GSM7_BASIC, GSM7_EXTENSION, measure


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the extension table takes two septets each
        ("€" * 81, "GSM-7", 162, 2),
        ("[x]" * 40, "GSM-7", 200, 2),
        # an escape and its character never straddle two segments
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("é" * 160, "GSM-7", 160, 1),  # in the GSM alphabet
        ("a" * 69 + "—", "UCS-2", 70, 1),
        ("a" * 70 + "—", "UCS-2", 71, 2),
        ("—" * 134, "UCS-2", 134, 2),
        ("—" * 135, "UCS-2", 135, 3),
        ("👍" * 35, "UCS-2", 70, 1),  # a surrogate pair is two units
        ("👍" * 36, "UCS-2", 72, 2),
        ("a" + "👍" * 33 + "👍", "UCS-2", 69, 1),
        ("a" * 66 + "👍" + "a" * 66 + "👍", "UCS-2", 136, 3),  # the pairs stay whole
    ],
)
def test_segments(text: str, encoding: str, units: int, segments: int) -> None:
    m = measure(text)
    assert (m.encoding, m.units, m.segments) == (encoding, units, segments)


def test_what_forces_ucs2_is_named() -> None:
    m = measure("Closed \u2014 back at 9 \u2019til 5 \u2014 see you")
    assert m.non_gsm == ("\u2014", "\u2019")  # an em dash, a curly apostrophe
    assert measure("plain").non_gsm == ()


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=700))
def test_gsm7_segments_are_at_least_the_naive_count(text: str) -> None:
    m = measure(text)
    assert m.encoding == "GSM-7"
    naive = 1 if m.units <= 160 else math.ceil(m.units / 153)
    assert naive <= m.segments <= naive + m.units // 153
