"""`[[cover]]` and the emergency line in the config: what loads, and every refusal in one line."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from hours import config
from hours.errors import ConfigError
from hours.schedule import Cover, Range
from tests.helpers import run, write_config

BASE = """\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
"""
JO = """\
[[cover]]
name = "Jo"
number = "+15551230001"
days = "mon-fri"
hours = "17:00-22:00"
sms = true
voice = true
"""
PHONE = """\
[autoreply.emergency]
keyword = "URGENT"
forward_to = "+15557654321"
[autoreply.phone]
number = "+15550001111"
whatsapp = "whatsapp:+15550001111"
account_sid_env = "SID"
auth_token_env = "TOKEN"
"""


def load(text: str) -> config.Config:
    return config.parse(text, Path("c.toml"))


def test_the_three_forms_of_a_cover() -> None:
    cfg = load(
        BASE
        + JO
        + """\
[[cover]]
name = "Kim"
number = "+15551230002"
from = 2026-12-26
to = 2026-12-27
voice = true
[[cover]]
name = " Lee "
number = "+15551230003"
rrule = "RRULE:FREQ=MONTHLY;BYDAY=1SA"
start = 2026-01-03
hours = ["10:00-12:00", "13:00-18:00"]
sms = true
[[cover]]
name = "Max"
number = "+15551230004"
days = ["sun"]
from = 2027-01-03
voice = true
sms = false
"""
    )
    both = frozenset({"sms", "voice"})
    assert cfg.spec.cover == (
        Cover("Jo", "+15551230001", both, days=(0, 1, 2, 3, 4), ranges=(Range(1020, 1320),)),
        Cover(
            "Kim",
            "+15551230002",
            frozenset({"voice"}),
            first=dt.date(2026, 12, 26),
            last=dt.date(2026, 12, 27),
        ),
        Cover(
            "Lee",
            "+15551230003",
            frozenset({"sms"}),
            first=dt.date(2026, 1, 3),
            ranges=(Range(600, 720), Range(780, 1080)),
            rrule="FREQ=MONTHLY;BYDAY=1SA",
        ),
        Cover("Max", "+15551230004", frozenset({"voice"}), days=(6,), first=dt.date(2027, 1, 3)),
    )
    assert cfg.warnings == ()


def test_the_emergency_line_and_its_defaults() -> None:
    cfg = load(BASE + '[autoreply.emergency]\nforward_to = "+15557654321"\npress = "#"\n')
    assert cfg.autoreply is not None
    e = cfg.autoreply.emergency
    assert e is not None
    assert (e.keyword, e.cell, e.press) == (None, "+15557654321", "#")
    assert (e.dial_timeout, e.max_call_minutes) == (20, 30)
    assert e.repeat_window == dt.timedelta(minutes=15)
    cfg = load(
        BASE
        + '[autoreply.emergency]\nforward_to = "+15557654321"\ndial_timeout = 5\n'
        + 'max_call_minutes = 240\nrepeat_window = "1h"\n'
    )
    assert cfg.autoreply is not None
    e = cfg.autoreply.emergency
    assert e is not None
    assert (e.dial_timeout, e.max_call_minutes, e.repeat_window) == (5, 240, dt.timedelta(hours=1))
    # an address is no cell: nothing can ring it or text it
    cfg = load(BASE + '[autoreply.emergency]\nkeyword = "URGENT"\nforward_to = "me@sam.test"\n')
    assert cfg.autoreply is not None
    assert cfg.autoreply.emergency is not None
    assert cfg.autoreply.emergency.cell is None


def test_cover_messages_shared_and_for_the_phone() -> None:
    shared = '[autoreply]\ncover_message = "{cover_name} has it."\n'
    cfg = load(BASE + shared + PHONE + 'cover_voice_message = "Ringing {cover_name}."\n')
    assert cfg.autoreply is not None
    phone = cfg.autoreply.phone
    assert phone is not None
    assert (phone.cover_message, phone.cover_voice_message) == (
        "{cover_name} has it.",
        "Ringing {cover_name}.",
    )
    own = load(BASE + shared + PHONE + 'cover_message = "Ask {cover_name}."\n')
    assert own.autoreply is not None
    assert own.autoreply.phone is not None
    assert own.autoreply.phone.cover_message == "Ask {cover_name}."


WHERE = "[[cover]] #1"
# (id, config text, the error after the path)
CASES = [
    (
        "a cover number not E.164",
        BASE + JO.replace("+15551230001", "555-123-0001"),
        f"{WHERE} number: '555-123-0001': use E.164, a + and the digits, like +15551230001",
    ),
    (
        "a cover number that is the Twilio number",
        BASE + JO.replace("+15551230001", "+15550001111") + PHONE,
        f"{WHERE} number: +15550001111 is your own Twilio number ([autoreply.phone]); give the "
        "phone Jo answers",
    ),
    (
        "a cover number that is the WhatsApp sender",
        BASE + JO + PHONE.replace("whatsapp:+15550001111", "whatsapp:+15551230001"),
        f"{WHERE} number: +15551230001 is your own Twilio number ([autoreply.phone]); give the "
        "phone Jo answers",
    ),
    (
        "two covers overlapping",
        BASE
        + JO
        + '[[cover]]\nname = "Kim"\nnumber = "+15551230002"\ndate = 2026-12-24\n'
        + 'hours = "21:00-23:00"\nvoice = true\n',
        "[[cover]] #1 and #2: Jo and Kim both cover Thursday 24 December 2026 at 21:00; one "
        "person covers at a time: change the days, dates or hours of one",
    ),
    (
        "an overnight cover running into the next",
        BASE
        + JO.replace("17:00-22:00", "22:00-02:00").replace("mon-fri", "mon")
        + '[[cover]]\nname = "Kim"\nnumber = "+15551230002"\ndays = "tue"\n'
        + 'hours = "01:00-03:00"\nvoice = true\n',
        "[[cover]] #1 and #2: Jo and Kim both cover on Tuesdays at 01:00; one "
        "person covers at a time: change the days, dates or hours of one",
    ),
    (
        "a monthly cover meeting a weekly one",
        BASE
        + JO.replace("mon-fri", "fri")
        + '[[cover]]\nname = "Lee"\nnumber = "+15551230003"\nrrule = "FREQ=MONTHLY;BYMONTHDAY=13"\n'
        + "start = 2026-01-01\nsms = true\n",
        "[[cover]] #1 and #2: Jo and Lee both cover Friday 13 February 2026 at 17:00; one "
        "person covers at a time: change the days, dates or hours of one",
    ),
    (
        "a cover taking neither",
        BASE + JO.replace("sms = true\nvoice = true\n", "sms = false\n"),
        f"{WHERE}: Jo takes neither texts nor calls; add sms = true, voice = true, or both",
    ),
    (
        "a cover with no name",
        BASE + JO.replace('name = "Jo"\n', 'name = "  "\n'),
        f'{WHERE} name: missing; say who covers, like name = "Jo"',
    ),
    (
        "a cover with no when",
        BASE + JO.replace('days = "mon-fri"\n', ""),
        f"{WHERE}: needs days = ..., date = YYYY-MM-DD, from = ... to = ..., or rrule = ...",
    ),
    (
        "a cover with two whens",
        BASE + JO.replace('days = "mon-fri"\n', 'days = "mon"\ndate = 2026-12-24\n'),
        f"{WHERE}: give one of days, date, from/to or rrule, not several",
    ),
    (
        "a cover on no day",
        BASE + JO.replace('days = "mon-fri"', 'days = "funday"'),
        f"{WHERE} days: 'funday' is not a day; use mon, tue, wed, thu, fri, sat, sun, a range "
        "like mon-fri, a list like mon,wed,fri, or weekdays, weekend, daily",
    ),
    (
        "a cover ending before it starts",
        BASE + JO.replace('days = "mon-fri"', "from = 2026-12-26\nto = 2026-12-24"),
        f"{WHERE} to: 2026-12-24 is before from (2026-12-26); swap them",
    ),
    (
        "a recurring cover with no start",
        BASE + JO.replace('days = "mon-fri"', 'rrule = "FREQ=WEEKLY;BYDAY=SA"'),
        f"{WHERE} start: missing; give a date like 2026-12-24",
    ),
    (
        "a cover with a bad rrule",
        BASE + JO.replace('days = "mon-fri"', 'rrule = "FREQ=SOMETIMES"\nstart = 2026-01-01'),
        f"{WHERE} rrule: 'FREQ=SOMETIMES' is not an RRULE (invalid 'FREQ': SOMETIMES); use "
        "e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
    ),
    (
        "sms not a boolean",
        BASE + JO.replace("sms = true", 'sms = "yes"'),
        f"{WHERE} sms: must be true or false",
    ),
    (
        "press not one key",
        BASE + '[autoreply.emergency]\nforward_to = "+15557654321"\npress = "12"\n',
        "[autoreply.emergency] press: '12': use one key: a digit 0-9, or * or #, in quotes",
    ),
    (
        "press as a number",
        BASE + '[autoreply.emergency]\nforward_to = "+15557654321"\npress = 1\n',
        "[autoreply.emergency] press: 1: use one key: a digit 0-9, or * or #, in quotes",
    ),
    (
        "press without a cell to ring",
        BASE + '[autoreply.emergency]\nforward_to = "me@sam.test"\npress = "1"\n',
        "[autoreply.emergency] press: a caller who presses it is put through to forward_to, "
        "which must then be your cell in E.164, like +15557654321",
    ),
    (
        "forward_to neither a number nor an address",
        BASE + '[autoreply.emergency]\nforward_to = "555 765 4321"\n',
        "[autoreply.emergency] forward_to: '555 765 4321': use your cell in E.164, like "
        "+15557654321, or an email address",
    ),
    (
        "repeat_window under a minute",
        BASE + '[autoreply.emergency]\nforward_to = "+15557654321"\nrepeat_window = "30s"\n',
        "[autoreply.emergency] repeat_window: '30s': two calls count as one emergency within 1m "
        "to 1h; a shorter window would count an auto-redialer, a longer one two separate worries",
    ),
    (
        "repeat_window over an hour",
        BASE + '[autoreply.emergency]\nforward_to = "+15557654321"\nrepeat_window = "61m"\n',
        "[autoreply.emergency] repeat_window: '61m': two calls count as one emergency within 1m "
        "to 1h; a shorter window would count an auto-redialer, a longer one two separate worries",
    ),
    (
        "dial_timeout out of range",
        BASE + '[autoreply.emergency]\nforward_to = "+15557654321"\ndial_timeout = 2\n',
        "[autoreply.emergency] dial_timeout: 2: use a whole number of seconds, 5 to 600",
    ),
    (
        "max_call_minutes not whole",
        BASE + '[autoreply.emergency]\nforward_to = "+15557654321"\nmax_call_minutes = 2.5\n',
        "[autoreply.emergency] max_call_minutes: 2.5: use a whole number of minutes, 1 to 240",
    ),
    (
        "{cover_name} outside a cover message",
        BASE + PHONE + 'sms_message = "Ask {cover_name}"\n',
        "[autoreply.phone] sms_message: {cover_name} is not a field you can use; use {business}, "
        "{emergency_keyword}, {next_open}, {next_open_date}, {next_open_local}, "
        "{next_open_relative}, {next_open_with_local}, {reason}",
    ),
    (
        "an unknown field in a cover message",
        BASE + PHONE + 'cover_message = "Ask {cover}"\n',
        "[autoreply.phone] cover_message: {cover} is not a field you can use; use {business}, "
        "{cover_name}, {emergency_keyword}, {next_open}, {next_open_date}, "
        "{next_open_local}, {next_open_relative}, {next_open_with_local}, {reason}",
    ),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_cover_and_emergency_settings(text: str, message: str) -> None:
    path = write_config(text)
    before = path.read_bytes()
    result = run("status")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"Error: {path}: {message}\n"
    assert path.read_bytes() == before
    assert not Path(os.environ["HOURS_HOME"]).exists()


def test_covers_that_only_touch_are_not_an_overlap() -> None:
    kim = '[[cover]]\nname = "Kim"\nnumber = "+15551230002"\ndays = "mon-fri"\n'
    cfg = load(BASE + JO + kim + 'hours = "22:00-02:00"\nvoice = true\n')
    assert [c.name for c in cfg.spec.cover] == ["Jo", "Kim"]
    # ...and the same pair overlapping by a minute is refused (the check above can fail)
    with pytest.raises(ConfigError, match="Jo and Kim both cover"):
        load(BASE + JO + kim + 'hours = "21:59-02:00"\nvoice = true\n')
