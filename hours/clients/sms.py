"""How long a text is in SMS segments: GSM-7 (3GPP TS 23.038) or, failing that, UCS-2.

A text that fits the GSM 7-bit alphabet goes as 160 septets in one segment, or 153 per segment
once it is split (the rest is the concatenation header); a character of the extension table
(€, [, ], {, }, ~, |, ^, \\ and form feed) takes two septets, an escape and itself, and the two
never straddle a segment. One character outside the alphabet (an em dash, a curly quote, an
emoji) sends the whole text as UCS-2: 70 UTF-16 code units in one segment, 67 per segment once
split, an emoji's surrogate pair kept together.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE = {"GSM-7": 160, "UCS-2": 70}
MULTI = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True, slots=True)
class SmsLength:
    """A text's encoding, its length in that encoding's units, and its segments."""

    encoding: str  # GSM-7 | UCS-2
    characters: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    non_gsm: tuple[str, ...]  # the characters that forced UCS-2, in order of first use


def measure(text: str) -> SmsLength:
    """Return how `text` goes out as SMS."""
    non_gsm = tuple(dict.fromkeys(c for c in text if c not in GSM7_BASIC | GSM7_EXTENSION))
    if non_gsm:
        encoding = "UCS-2"
        sizes = [len(c.encode("utf-16-le")) // 2 for c in text]
    else:
        encoding = "GSM-7"
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
    units = sum(sizes)
    if units <= SINGLE[encoding]:
        segments = 1
    else:
        segments, used = 1, 0
        for size in sizes:  # a character's units never straddle two segments
            if used + size > MULTI[encoding]:
                segments, used = segments + 1, 0
            used += size
    return SmsLength(encoding, len(text), units, segments, non_gsm)
