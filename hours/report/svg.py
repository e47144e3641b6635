"""The report as an SVG image: the week's grid, each day's hours, and the totals.

Self-contained (system fonts, no links), sized 1120 x 756 with a viewBox, so it scales to
wherever it is shown. SVG cannot measure text, so long notes are shortened with an ellipsis.
"""

from __future__ import annotations

import textwrap
from html import escape

from hours.humanize import hours as hours_text
from hours.report import (
    CHANNEL_NAMES,
    DASH,
    Day,
    Span,
    WeekReport,
    closure_notes,
    headline,
    minutes,
    opening_notes,
    span_text,
)

EARNINGS_HINT = "hours set --earnings 1200/week"

W, H = 1120, 756
LEFT, RIGHT = 44, W - 44
BAR_X, BAR_W = 190, 560
TEXT_X = BAR_X + BAR_W + 22
ROW_Y, ROW_H = 168, 58
INK, MUTED, LINE, FAINT = "#2b2724", "#8c8279", "#d9d0c4", "#ece5db"
PAPER, OPEN, CLOSED, COVER = "#fbf8f3", "#2f5d50", "#b5655a", "#5e7fa3"
COVER_FILL = "#a9bcd1"  # the cover's blue on paper, as HTML draws it at 55%
SERIF = "Georgia, 'Times New Roman', 'DejaVu Serif', serif"
SANS = "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"


def _x(minute: int) -> float:
    return BAR_X + BAR_W * minute / 1440


def _text(x: float, y: float, text: str, *, size: float, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{escape(text)}</text>'


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _title(title: str) -> list[str]:
    """Return the title: one line in large type, or a long one on two lines in smaller type.

    Either way it keeps clear of the dates on the right (about 40% of the width).
    """
    if len(title) <= 34:
        return [_text(LEFT, 100, title, size=38, font_family=SERIF, fill=INK)]
    lines = textwrap.wrap(title, 44)
    if len(lines) > 2:
        lines = [lines[0], _short(" ".join(lines[1:]), 44)]
    return [
        _text(LEFT, 114 - 28 * (len(lines) - 1 - i), line, size=26, font_family=SERIF, fill=INK)
        for i, line in enumerate(lines)
    ]


def _span(day: Day, span: Span, y: float, h: float, fill: str, radius: float) -> str:
    a = max(minutes(day.date, span.start), 0)
    z = min(max(minutes(day.date, span.end), a), 1440)
    title = escape(span_text(day.date, span) + (f" {span.reason}" if span.reason else ""))
    return (
        f'<rect x="{_x(a):.2f}" y="{y:.1f}" width="{_x(z) - _x(a):.2f}" height="{h:.1f}" '
        f'rx="{radius}" fill="{fill}"><title>{title}</title></rect>'
    )


def _row(day: Day, y: float) -> list[str]:
    bar_y, bar_h = y + 14, 30
    out = [
        f'<line x1="{LEFT}" y1="{y:.1f}" x2="{RIGHT}" y2="{y:.1f}" stroke="{LINE}"/>',
        _text(
            LEFT,
            y + 30,
            f"{day.date:%A}",
            size=19,
            font_family=SERIF,
            fill=MUTED if not day.open else INK,
        ),
        _text(
            LEFT,
            y + 47,
            f"{day.date.day} {day.date:%B}",
            size=11.5,
            fill=MUTED,
            letter_spacing="0.5",
        ),
        f'<rect x="{BAR_X}" y="{bar_y}" width="{BAR_W}" height="{bar_h}" rx="4" fill="#fff" stroke="{LINE}"/>',
    ]
    for half in range(1, 48):
        x = _x(half * 30)
        if half % 2:
            out.append(
                f'<line x1="{x:.2f}" y1="{bar_y + bar_h * 0.55:.1f}" x2="{x:.2f}" y2="{bar_y + bar_h}" stroke="{FAINT}"/>'
            )
        else:
            stroke = LINE if half % 6 == 0 else FAINT
            out.append(
                f'<line x1="{x:.2f}" y1="{bar_y}" x2="{x:.2f}" y2="{bar_y + bar_h}" stroke="{stroke}"/>'
            )
    out += [_span(day, s, bar_y, bar_h, "url(#hatch)", 4) for s in day.closed_union()]
    out += [_span(day, s, bar_y + 8, bar_h - 16, COVER_FILL, 3) for s in day.cover]
    out += [_span(day, s, bar_y + 3.5, bar_h - 7, OPEN, 3) for s in day.open]
    # SVG cannot wrap: who covers is said by name only, the bar shows when.
    names = list(dict.fromkeys(str(s.reason) for s in day.cover))
    notes = closure_notes(day) + opening_notes(day)
    notes += [f"covered by {', '.join(names)}"] if names else []
    if day.open:
        text = ", ".join(span_text(day.date, s) for s in day.open)
        out.append(_text(TEXT_X, y + (27 if notes else 34), _short(text, 34), size=14, fill=INK))
    else:
        out.append(_text(TEXT_X, y + (27 if notes else 34), "Closed", size=14, fill=MUTED))
    if notes:
        out.append(
            _text(
                TEXT_X,
                y + 45,
                _short("; ".join(notes), 40),
                size=11.5,
                fill=CLOSED if day.closures else OPEN if day.notes else COVER,
                font_style="italic",
            )
        )
    total = f"{hours_text(day.hours)} h" if day.open else DASH
    out.append(
        _text(
            RIGHT,
            y + 34,
            total,
            size=14,
            font_weight="600",
            text_anchor="end",
            fill=INK if day.open else MUTED,
        )
    )
    return out


def _card(x: float, w: float, label: str, big: str, note: str, *, accent: bool) -> list[str]:
    y = ROW_Y + 7 * ROW_H + 50
    if note.endswith(EARNINGS_HINT):  # the command is never shortened: its lead-in gives way
        lead = _short(note.removesuffix(EARNINGS_HINT), int(w / 6.4) - len(EARNINGS_HINT))
        note = lead + EARNINGS_HINT
    else:
        note = _short(note, int(w / 6.4))
    return [
        f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="86" rx="5" fill="#fff" stroke="{LINE}"/>',
        _text(x + 16, y + 22, label.upper(), size=10, fill=MUTED, letter_spacing="2.2"),
        _text(x + 16, y + 53, big, size=27, font_family=SERIF, fill=OPEN if accent else INK),
        _text(x + 16, y + 73, note, size=11.5, fill=MUTED),
    ]


def _cards(r: WeekReport) -> list[str]:
    """Return the footer's cards: for clients the open hours and the closures; else the
    open hours, the wage and the auto-replies."""
    from hours.money import money

    gap = 18
    if r.for_clients:
        width = (RIGHT - LEFT - gap) / 3
        days_open = sum(1 for d in r.days if d.open)
        closures = list(dict.fromkeys(reason for _, s in r.closures if (reason := s.reason)))
        days_closed = sum(1 for d in r.days if d.closures)
        closed = f"{days_closed} {'day' if days_closed == 1 else 'days'}" if closures else "None"
        return _card(
            LEFT,
            width,
            "Open this week",
            f"{hours_text(r.total_hours)} h",
            f"on {days_open} of its 7 days.",
            accent=True,
        ) + _card(
            LEFT + width + gap,
            2 * width,
            "Closures",
            closed,
            "; ".join(closures) if closures else "Open as usual this week.",
            accent=False,
        )
    width = (RIGHT - LEFT - 2 * gap) / 3
    parts = _card(
        LEFT,
        width,
        "Open this week",
        f"{hours_text(r.total_hours)} h of {hours_text(r.length)}",
        f"{hours_text(r.free_hours)} hours are yours."
        + (f" {hours_text(r.cover_hours)} covered." if r.cover_hours else ""),
        accent=True,
    )
    if r.pay is None:
        wage = ("—", f"Set your earnings: {EARNINGS_HINT}")
    elif r.pay.actual is None:
        wage = ("—", f"No open hours. 24/7: {money(r.pay.always_on, r.pay.currency)} an hour.")
    else:
        wage = (
            money(r.pay.actual, r.pay.currency),
            f"an hour this week; 24/7 it would be {money(r.pay.always_on, r.pay.currency)}.",
        )
    parts += _card(LEFT + width + gap, width, "Real hourly wage", *wage, accent=True)
    sent = sum(n for _, n in r.autoreplies)
    channels = " · ".join(f"{CHANNEL_NAMES[c]} {n}" for c, n in r.autoreplies)
    return parts + _card(
        LEFT + 2 * (width + gap), width, "Auto-replies sent", str(sent), channels, accent=False
    )


def render(r: WeekReport) -> str:
    """Render the report as an SVG document."""
    title = headline(r)
    kicker = f"{'Opening hours · ' if r.title else ''}week {r.week} · {r.year}".upper()
    parts = [
        f'<rect width="{W}" height="{H}" fill="{PAPER}"/>',
        _text(LEFT, 58, kicker, size=11, fill=MUTED, letter_spacing="3"),
        *_title(title),
        _text(
            RIGHT,
            88,
            r.dates_text(),
            size=22,
            font_family=SERIF,
            font_style="italic",
            text_anchor="end",
            fill=INK,
        ),
        _text(RIGHT, 108, f"Times in {r.timezone}", size=11.5, text_anchor="end", fill=MUTED),
        f'<rect x="{LEFT}" y="122" width="{RIGHT - LEFT}" height="2.2" fill="{INK}"/>',
    ]
    for hour in range(0, 25, 3):
        parts.append(
            _text(
                _x(hour * 60),
                ROW_Y - 10,
                f"{hour:02d}",
                size=10.5,
                text_anchor="middle",
                fill=MUTED,
            )
        )
    for i, day in enumerate(r.days):
        parts += _row(day, ROW_Y + i * ROW_H)
    bottom = ROW_Y + 7 * ROW_H
    parts += [
        f'<line x1="{LEFT}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" stroke="{LINE}"/>',
        f'<rect x="{BAR_X}" y="{bottom + 12}" width="16" height="9" rx="2" fill="{OPEN}"/>',
        _text(BAR_X + 22, bottom + 20, "open", size=10.5, fill=MUTED),
        f'<rect x="{BAR_X + 64}" y="{bottom + 12}" width="16" height="9" rx="2" fill="url(#hatch)" stroke="{LINE}"/>',
    ]
    names = ", ".join(name for name, _ in r.cover_by_name())
    if names:
        parts += [
            _text(BAR_X + 86, bottom + 20, "closure or holiday", size=10.5, fill=MUTED),
            f'<rect x="{BAR_X + 190}" y="{bottom + 12}" width="16" height="9" rx="2" fill="{COVER_FILL}"/>',
            _text(
                BAR_X + 212,
                bottom + 20,
                _short(f"covered while closed: {names}", 52),
                size=10.5,
                fill=MUTED,
            ),
        ]
    else:
        parts.append(
            _text(
                BAR_X + 86,
                bottom + 20,
                "closure or holiday · a line every hour, a tick every half hour",
                size=10.5,
                fill=MUTED,
            )
        )
    parts += _cards(r)
    parts.append(
        _text(RIGHT, H - 14, f"{r.label} · made with hours", size=10, text_anchor="end", fill=MUTED)
    )
    defs = (
        '<defs><pattern id="hatch" width="7" height="7" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="7" height="7" fill="#fff"/>'
        f'<rect width="2.6" height="7" fill="{CLOSED}" fill-opacity="0.3"/></pattern></defs>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        f'font-family="{SANS}" role="img" aria-label="{escape(title)}, week {r.week} of {r.year}">\n'
        f"<title>{escape(title)} — {escape(r.label)}</title>\n{defs}\n"
        + "\n".join(parts)
        + "\n</svg>\n"
    )
