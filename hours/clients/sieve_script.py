"""Render the Sieve script that answers mail on the server, only inside closed windows.

The script carries the closed windows as UTC instants and compares them with the server's
clock (RFC 5260 `currentdate`), so replies start and stop on the minute without any client
running, and stop by themselves when the last window has passed. Mail that must never be
answered (RFC 3834) is excluded by the script itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hours.clients.mail import BULK_PRECEDENCE, LIST_HEADERS, RECIPIENT_HEADERS, robot_patterns
from hours.record import Record

# Where a rendered text takes the incoming message's subject, with the `variables` extension.
SUBJECT_VARIABLE = "${subject}"


class Segment(Record):
    """A stretch of closed time and what a sender hears in it (its own `next_open`)."""

    start: dt.datetime
    end: dt.datetime
    subject: str
    body: str


class EmergencyRule(Record):
    """Mail with `keyword` in its subject: its own reply, and a copy to `redirect` if set."""

    keyword: str
    subject: str
    body: str
    redirect: str | None = None


_DAY = 86400


def sieve_string(value: str) -> str:
    """Quote `value` as a Sieve string (RFC 5228 section 2.4.2): backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sieve_list(values: Sequence[str]) -> str:
    """Render a Sieve string list."""
    return "[" + ", ".join(sieve_string(v) for v in values) + "]"


def sieve_text(value: str) -> str:
    """Render `value` as a multi-line `text:` string, dot-stuffed, CRLF-terminated."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    stuffed = ["." + line if line.startswith(".") else line for line in lines]
    return "text:\r\n" + "".join(line + "\r\n" for line in stuffed) + ".\r\n"


def iso_utc(instant: dt.datetime) -> str:
    """Format an aware instant as `currentdate :zone "+0000"` renders "iso8601": ...Z.

    Both sides then have one fixed width and format, so Sieve's string comparison
    (i;ascii-casemap) orders them as time.
    """
    if instant.tzinfo is None:
        raise ValueError(f"window bound {instant!r} must be an aware datetime")
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_schedule_script(
    segments: Sequence[Segment],
    *,
    addresses: Sequence[str],
    from_address: str | None = None,
    handle: str = "hours",
    interval: dt.timedelta = dt.timedelta(days=1),
    never_reply: Sequence[str] = (),
    variables: bool = False,
    emergency: EmergencyRule | None = None,
) -> str:
    """Render a script that answers with each segment's own text while now is inside it.

    One fixed `:handle` for every segment, so a sender answered in the evening is not answered
    again after midnight within `interval`. With `variables` (RFC 5229), `${subject}` in a
    subject or body is the incoming message's subject; any other `${` is kept literally.
    `addresses` are the user's own addresses: mail from them is not answered, and mail that
    names none of them in a recipient header is not answered either (RFC 3834 section 3.1.1).
    `never_reply` holds address patterns (`*@bigclient.com`) never to answer. `interval` is how
    long before the same sender is answered again; whole days use `:days`, anything else
    `:seconds` (RFC 6131). Servers raise intervals below their minimum (Dovecot: one day
    unless `sieve_vacation_min_period` says otherwise). With
    `emergency`, mail inside a window whose subject holds the keyword as a whole word, in any
    case (Sieve `regex`), gets the emergency text (under its own handle) instead, and a copy
    goes to its `redirect` address.
    """
    if not addresses:
        raise ValueError("at least one address of the user is needed")
    seconds = int(interval.total_seconds())
    if seconds < 0:
        raise ValueError("interval must not be negative")
    use_days = seconds >= _DAY and seconds % _DAY == 0
    period = f":days {seconds // _DAY}" if use_days else f":seconds {seconds}"
    ordered = sorted(
        (iso_utc(seg.start), iso_utc(seg.end), seg) for seg in segments if seg.end > seg.start
    )
    texts = [t for _, _, seg in ordered for t in (seg.subject, seg.body)]
    if emergency:
        texts += [emergency.subject, emergency.body]
    dollar = variables and any("${" in t.replace(SUBJECT_VARIABLE, "") for t in texts)

    def expandable(text: str) -> str:
        if not variables:
            return text
        # Expansion is single-pass (RFC 5229 section 3): "${dollar}{" stays a literal "${".
        parts = text.split(SUBJECT_VARIABLE)
        return SUBJECT_VARIABLE.join(p.replace("${", "${dollar}{") for p in parts)

    extensions = ["date", "envelope", "relational", "vacation"]
    if not use_days:
        extensions.append("vacation-seconds")
    if variables:
        extensions.append("variables")
    if emergency:
        extensions.append("regex")
    if emergency and emergency.redirect:
        extensions.append("copy")
    lines = [
        "# Written by `hours autoreply sync`; replaced whenever the schedule changes.",
        "# Answers mail only inside the closed windows below, given in UTC.",
        f"require {sieve_list(extensions)};",
        "",
        *_exclusions(addresses, never_reply),
        "",
    ]
    if variables:
        lines += [
            *(['set "dollar" "$";'] if dollar else []),
            'set "subject" "your message";',
            'if header :matches "Subject" "*" {',
            '    set "subject" "${1}";',
            "}",
            "",
        ]
    if not ordered:
        lines.append("# No closed window ahead: nothing is answered.")
        return "\r\n".join(lines) + "\r\n"
    if emergency:
        redirect = emergency.redirect
        lines += [
            _window_test(_merged([(start, end) for start, end, _ in ordered])),
            "",
            f'if header :regex :comparator "i;ascii-casemap" "Subject" '
            f"{sieve_string(keyword_regex(emergency.keyword))} {{",
            *([f"    redirect :copy {sieve_string(redirect)};"] if redirect else []),
            *_vacation(
                f"{handle}-emergency",
                period,
                expandable(emergency.subject),
                from_address,
                addresses,
                expandable(emergency.body),
            ),
            "    stop;",
            "}",
            "",
        ]
    for i, (start, end, seg) in enumerate(ordered):
        keyword = "if" if i == 0 else "} elsif"
        subject = " ".join(expandable(seg.subject).split())
        lines += [
            f'{keyword} allof (currentdate :zone "+0000" :value "ge" "iso8601" "{start}",',
            f'        currentdate :zone "+0000" :value "lt" "iso8601" "{end}") {{',
            *_vacation(handle, period, subject, from_address, addresses, expandable(seg.body)),
        ]
    lines.append("}")
    return "\r\n".join(lines) + "\r\n"


def keyword_regex(keyword: str) -> str:
    """Return a POSIX extended regex (Sieve `regex`) finding `keyword` as a whole word.

    As IMAP mode does (`hours.autoreply.has_keyword`): not inside a longer word, so "URGENT"
    is not found in "urgently". The comparator i;ascii-casemap makes it ignore case.
    """
    word = "".join(f"[{c}]" if not c.isalnum() else c for c in keyword)
    return f"(^|[^[:alnum:]_]){word}([^[:alnum:]_]|$)"


def _merged(windows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join windows that touch (their bounds are same-format UTC strings)."""
    out: list[tuple[str, str]] = []
    for start, end in windows:
        if out and out[-1][1] >= start:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _vacation(
    handle: str,
    period: str,
    subject: str,
    from_address: str | None,
    addresses: Sequence[str],
    body: str,
) -> list[str]:
    return [
        f"    vacation :handle {sieve_string(handle)} {period}",
        f"        :subject {sieve_string(' '.join(subject.split()))}",
        *([f"        :from {sieve_string(from_address)}"] if from_address else []),
        f"        :addresses {sieve_list(addresses)}",
        "        " + sieve_text(body).rstrip("\r\n") + "\r\n    ;",
    ]


def _exclusions(addresses: Sequence[str], never_reply: Sequence[str]) -> list[str]:
    return [
        "# Never answer automatic mail, lists, robots, or ourselves (RFC 3834): the rules of",
        "# hours.clients.mail.never_answer, which IMAP mode applies.",
        "if anyof (",
        '    allof (exists "Auto-Submitted", not header :is "Auto-Submitted" "no"),',
        f'    header :is "Precedence" {sieve_list(BULK_PRECEDENCE)},',
        *(f'    exists "{name}",' for name in LIST_HEADERS),
        '    envelope :is "from" "",',
        '    not exists "From",',
        f'    envelope :localpart :matches "from" {sieve_list(robot_patterns())},',
        f'    address :localpart :matches "from" {sieve_list(robot_patterns())},',
        f'    address :is "from" {sieve_list(addresses)},',
        *([f'    address :matches "from" {sieve_list(never_reply)},'] if never_reply else []),
        f"    not address :is {sieve_list(RECIPIENT_HEADERS)} {sieve_list(addresses)}",
        ") {",
        "    stop;",
        "}",
    ]


def _window_test(windows: list[tuple[str, str]]) -> str:
    clauses = ",\r\n".join(
        "    allof ("
        f'currentdate :zone "+0000" :value "ge" "iso8601" "{start}", '
        f'currentdate :zone "+0000" :value "lt" "iso8601" "{end}")'
        for start, end in windows
    )
    return f"if not anyof (\r\n{clauses}\r\n) {{\r\n    stop;\r\n}}"
