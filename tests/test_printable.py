"""`printable`: text from outside (calendar summaries, servers' answers, errors) made safe to show."""

from __future__ import annotations

import pytest

from hours.errors import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),  # CSI: colours
        ("\x1b[2J\x1b[Hclear", "clear"),  # CSI: clear the screen, move the cursor
        ("\x1b]0;new title\x07x", "x"),  # OSC ended by BEL: the window title
        ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink
        ("\x1b]52;c;cm0gLXJmIH4=\x07paste", "paste"),  # OSC 52: writes the clipboard
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS string
        ("\x9b1mbold", "bold"),  # the 8-bit CSI
        ("\x1bcreset", "reset"),  # a two-character escape
        ("bell\x07 back\x08space del\x7f nul\x00", "bell backspace del nul"),
        ("two\nlines\r\tand a tab", "two lines  and a tab"),
        ("\u202eevil\u202c \u2066iso\u2069", "evil iso"),  # bidi overrides and isolates
        ("c1 \x85next \x90dcs", "c1 next dcs"),
        ("Café 日本 👍🏽 ZWJ 👩‍💻", "Café 日本 👍🏽 ZWJ 👩‍💻"),  # text is left alone
        ("dangling \x1b", "dangling "),
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown
