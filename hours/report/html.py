"""The report as one self-contained, printable HTML page: a week to pin on the wall.

No network fetches: inline CSS, system fonts, no images. It prints on one landscape A4 or
Letter page (the content is sized in millimetres to fit the smaller of the two, Letter's width
and A4's height, within 12 mm margins), colours kept.
"""

from __future__ import annotations

from html import escape

from hours.humanize import hours as hours_text
from hours.report import (
    CHANNEL_NAMES,
    DASH,
    Day,
    Span,
    WeekReport,
    closure_notes,
    cover_notes,
    headline,
    minutes,
    opening_notes,
    span_text,
)

EARNINGS_HINT = "hours set --earnings 1200/week"

CSS = """
:root {
  --ink: #2b2724; --muted: #8c8279; --faint: #ece5db; --paper: #fbf8f3;
  --open: #2f5d50; --open-soft: #dfe9e4; --closed: #b5655a; --line: #d9d0c4;
  --cover: #5e7fa3;
}
* { box-sizing: border-box; }
@page { size: landscape; margin: 12mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; background: #e9e4dc; color: var(--ink);
  font: 10pt/1.35 "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
}
.sheet {
  width: 255mm; margin: 10mm auto; padding: 9mm 10mm 7mm; background: var(--paper);
  box-shadow: 0 1mm 6mm rgba(0,0,0,.12); border-radius: 1.5mm;
}
@media print {
  body { background: none; }
  .sheet { width: auto; margin: 0; padding: 4mm 6mm 0; box-shadow: none; border-radius: 0; }
}
header { display: flex; justify-content: space-between; align-items: flex-end;
  border-bottom: 0.6mm solid var(--ink); padding-bottom: 3mm; }
.kicker { font-size: 7.5pt; letter-spacing: .28em; text-transform: uppercase; color: var(--muted); }
h1 { font: 400 25pt/1.05 Georgia, "Times New Roman", "DejaVu Serif", serif; margin: 1.5mm 0 0;
  letter-spacing: -.01em; }
h1.long { font-size: 18pt; }
.when { flex-shrink: 0; padding-left: 6mm; white-space: nowrap; }
.when { text-align: right; }
.dates { font: italic 14pt/1.2 Georgia, "Times New Roman", "DejaVu Serif", serif; }
.zone { font-size: 8pt; color: var(--muted); margin-top: 1mm; }
.week { margin-top: 4mm; }
.row { display: grid; grid-template-columns: 27mm 1fr 60mm 12mm; column-gap: 4mm; }
.row.line { height: 15mm; border-top: 0.2mm solid var(--line); }
.row.line > div { display: flex; flex-direction: column; justify-content: center; min-width: 0; }
.row.foot { border-top: 0.2mm solid var(--line); }
.ruler { position: relative; height: 5mm; font-size: 7pt; color: var(--muted);
  font-variant-numeric: tabular-nums; }
.ruler span { position: absolute; bottom: .6mm; transform: translateX(-50%); }
.day b { font: 400 13pt/1.1 Georgia, "Times New Roman", "DejaVu Serif", serif; }
.day small { color: var(--muted); font-size: 8pt; letter-spacing: .06em; }
.bar { position: relative; height: 7.5mm; border-radius: 1mm; background: #fff;
  box-shadow: inset 0 0 0 0.2mm var(--line); overflow: hidden; }
.bar .h, .bar .m { position: absolute; top: 0; bottom: 0; width: 0.2mm; background: var(--faint); }
.bar .m { top: 55%; }
.bar .h.q { background: var(--line); }
.open { position: absolute; top: 0.9mm; bottom: 0.9mm; background: var(--open); border-radius: 0.8mm; }
.shut { position: absolute; top: 0; bottom: 0; border-radius: 1mm;
  background: repeating-linear-gradient(135deg, rgba(181,101,90,.28) 0 0.6mm, transparent 0.6mm 1.6mm); }
.hours { font-size: 10pt; font-variant-numeric: tabular-nums; }
.hours .note { color: var(--closed); font-style: italic; font-size: 7.5pt; line-height: 1.2;
  overflow: hidden; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; }
.cover { position: absolute; top: 2.2mm; bottom: 2.2mm; border-radius: 0.8mm;
  background: var(--cover); opacity: .55; }
.hours .none { color: var(--muted); }
.hours .cover-note { color: var(--cover); }
.hours .extra-note { color: var(--open); }
.total { text-align: right; align-items: flex-end; font-variant-numeric: tabular-nums;
  font-weight: 600; }
.row.closed .day b, .row.closed .total { color: var(--muted); }
.legend { grid-column: 2; font-size: 7pt; color: var(--muted); padding-top: 1.5mm; }
.legend i { display: inline-block; width: 4mm; height: 2.4mm; vertical-align: -0.3mm;
  margin: 0 1mm 0 3mm; border-radius: .5mm; }
.legend i:first-child { margin-left: 0; }
.legend .k-open { background: var(--open); }
.legend .k-cover { background: var(--cover); opacity: .55; }
.legend .k-shut { background: repeating-linear-gradient(135deg, rgba(181,101,90,.45) 0 0.6mm, transparent 0.6mm 1.6mm);
  box-shadow: inset 0 0 0 0.2mm var(--line); }
footer { display: grid; grid-template-columns: 1.15fr 1.2fr 1fr; gap: 4mm; margin-top: 4mm; }
.stat { background: #fff; border: 0.2mm solid var(--line); border-radius: 1.2mm; padding: 2.6mm 3.5mm; }
.stat .big { font: 400 19pt/1.1 Georgia, "Times New Roman", "DejaVu Serif", serif; }
.stat .big em { font-style: normal; color: var(--open); }
.stat p { margin: 1mm 0 0; font-size: 8pt; color: var(--muted); }
.stat code { white-space: nowrap; }
footer.clients { grid-template-columns: 1fr 2fr; }
.stat .label { font-size: 7pt; letter-spacing: .22em; text-transform: uppercase; color: var(--muted); }
.colophon { margin-top: 2.5mm; font-size: 7pt; color: var(--muted); text-align: right; }
"""


def _pct(value: int) -> str:
    return f"{value / 1440 * 100:.3f}%"


def _block(day: Day, span: Span, cls: str) -> str:
    a = max(minutes(day.date, span.start), 0)
    z = min(max(minutes(day.date, span.end), a), 1440)
    title = escape(span_text(day.date, span) + (f" {span.reason}" if span.reason else ""))
    return f'<div class="{cls}" style="left:{_pct(a)};width:{_pct(z - a)}" title="{title}"></div>'


def _lines() -> str:
    """Return the bar's hour lines (every third one stronger) and half-hour ticks."""
    out = []
    for half in range(1, 48):
        if half % 2:
            out.append(f'<i class="m" style="left:{_pct(half * 30)}"></i>')
        else:
            q = " q" if half % 6 == 0 else ""
            out.append(f'<i class="h{q}" style="left:{_pct(half * 30)}"></i>')
    return "".join(out)


def _row(day: Day, lines: str) -> str:
    blocks = (
        [_block(day, s, "shut") for s in day.closed_union()]
        + [_block(day, s, "cover") for s in day.cover]
        + [_block(day, s, "open") for s in day.open]
    )
    if day.open:
        text = ", ".join(span_text(day.date, s) for s in day.open)
        hours = f"<span>{escape(text)}</span>"
    else:
        hours = '<span class="none">Closed</span>'
    notes = [f'<span class="shut-note">{escape(n)}</span>' for n in closure_notes(day)]
    notes += [f'<span class="extra-note">{escape(n)}</span>' for n in opening_notes(day)]
    notes += [f'<span class="cover-note">{escape(n)}</span>' for n in cover_notes(day)]
    if notes:
        hours += f'<span class="note">{"; ".join(notes)}</span>'
    total = f"{hours_text(day.hours)} h" if day.open else DASH
    classes = "row line" + (" closed" if not day.open else "")
    return (
        f'<div class="{classes}">'
        f'<div class="day"><b>{day.date:%A}</b><small>{day.date.day} {day.date:%B}</small></div>'
        f'<div><div class="bar">{lines}{"".join(blocks)}</div></div>'
        f'<div class="hours">{hours}</div>'
        f'<div class="total">{total}</div>'
        "</div>"
    )


def _ruler() -> str:
    marks = "".join(f'<span style="left:{_pct(h * 60)}">{h:02d}</span>' for h in range(0, 25, 3))
    return f'<div class="row"><div></div><div class="ruler">{marks}</div></div>'


def _covered(r: WeekReport) -> str:
    by_name = r.cover_by_name()
    if not by_name:
        return ""
    names = " and ".join(name for name, _ in by_name)
    return escape(f" {names} cover {hours_text(r.cover_hours)} of them.")


def _card(label: str, big: str, note: str) -> str:
    return (
        f'<div class="stat"><div class="label">{label}</div>'
        f'<div class="big">{big}</div><p>{note}</p></div>'
    )


def _clients_footer(r: WeekReport) -> str:
    """Return the footer clients see: the week's open hours and what closes it."""
    days_open = sum(1 for d in r.days if d.open)
    closures = list(dict.fromkeys(reason for _, s in r.closures if (reason := s.reason)))
    days_closed = sum(1 for d in r.days if d.closures)
    cards = [
        _card(
            "Open this week",
            f"<em>{hours_text(r.total_hours)} h</em>",
            f"on {days_open} of its 7 days.",
        ),
        _card(
            "Closures",
            f"{days_closed} {'day' if days_closed == 1 else 'days'}" if closures else "None",
            escape("; ".join(closures)) if closures else "Open as usual this week.",
        ),
    ]
    return f'<footer class="clients">{"".join(cards)}</footer>'


def _footer(r: WeekReport) -> str:
    from hours.money import money

    if r.for_clients:
        return _clients_footer(r)
    cards = [
        '<div class="stat"><div class="label">Open this week</div>'
        f'<div class="big"><em>{hours_text(r.total_hours)} h</em> of {hours_text(r.length)}</div>'
        f"<p>{hours_text(r.free_hours)} hours are yours.{_covered(r)}</p></div>"
    ]
    if r.pay is not None:
        p = r.pay
        always = escape(money(p.always_on, p.currency))
        if p.actual is None:
            big, note = "—", f"No open hours this week. Available 24/7: {always} an hour."
        else:
            big = escape(money(p.actual, p.currency))
            note = f"an hour this week. Available 24/7 it would be {always}."
        cards.append(
            '<div class="stat"><div class="label">Real hourly wage</div>'
            f'<div class="big"><em>{big}</em></div><p>{note}</p></div>'
        )
    else:
        cards.append(
            '<div class="stat"><div class="label">Real hourly wage</div>'
            '<div class="big">—</div><p>Set your earnings to see it: '
            f"<code>{EARNINGS_HINT}</code></p></div>"
        )
    sent = sum(n for _, n in r.autoreplies)
    parts = " · ".join(f"{CHANNEL_NAMES[c]} {n}" for c, n in r.autoreplies)
    cards.append(
        '<div class="stat"><div class="label">Auto-replies sent</div>'
        f'<div class="big">{sent}</div><p>{escape(parts)}</p></div>'
    )
    return f"<footer>{''.join(cards)}</footer>"


def render(r: WeekReport) -> str:
    """Render the report as one HTML page."""
    title = headline(r)
    lines = _lines()
    rows = "".join(_row(d, lines) for d in r.days)
    names = ", ".join(name for name, _ in r.cover_by_name())
    covered = f'<i class="k-cover"></i>covered while closed: {escape(names)}' if names else ""
    legend = (
        '<div class="row foot"><div></div><div class="legend"><i class="k-open"></i>open'
        f'<i class="k-shut"></i>closure or holiday{covered} · a line every hour, a tick every '
        "half hour</div></div>"
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} — week {r.week}, {r.year}</title>"
        f"<style>{CSS}</style></head><body>"
        '<main class="sheet"><header><div>'
        f'<div class="kicker">{"Opening hours · " if r.title else ""}week {r.week} · {r.year}</div>'
        f"<h1{' class=long' if len(title) > 32 else ''}>{escape(title)}</h1></div>"
        f'<div class="when"><div class="dates">{escape(r.dates_text())}</div>'
        f'<div class="zone">Times in {escape(r.timezone)}</div></div></header>'
        f'<section class="week">{_ruler()}{rows}{legend}</section>'
        f"{_footer(r)}"
        f'<div class="colophon">{escape(r.label)} · made with hours</div>'
        "</main></body></html>\n"
    )
