"""Bad phone settings and arguments: one `Error:` line, the documented status, nothing written,
and not one request to Twilio."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import run, write_config
from tests.phone_helpers import phone_config
from tests.servers.twilio_fake import TwilioFake

WHERE = "[autoreply.phone]"
# (id, how the good config's phone section is changed, argv, exit status, the error after the path)
CASES = [
    (
        "number not E.164",
        ('number = "+15550001111"', 'number = "555-000-1111"'),
        ["autoreply", "sync"],
        3,
        f"{WHERE} number: '555-000-1111': use E.164, like +15550001111",
    ),
    (
        "whatsapp without its prefix",
        ('whatsapp = "whatsapp:+15550001111"', 'whatsapp = "+15550001111"'),
        ["autoreply", "sync"],
        3,
        f"{WHERE} whatsapp: '+15550001111': use whatsapp:+15550001111",
    ),
    (
        "unknown mode",
        ('mode = "poll"', 'mode = "push"'),
        ["autoreply", "install", "--channel", "phone"],
        3,
        f"{WHERE} mode: 'push': use poll or swap",
    ),
    (
        "api_base in clear off loopback",
        ("api_base = ", 'api_base = "http://twilio.example.com"\n#'),
        ["autoreply", "sync"],
        3,
        f"{WHERE} api_base: 'http://twilio.example.com' would send the Auth Token in clear; use "
        "https (plain http only on loopback: 127.0.0.1, ::1, localhost)",
    ),
    (
        "api_base not a URL",
        ("api_base = ", 'api_base = "api.twilio.com"\n#'),
        ["autoreply", "status"],
        3,
        f"{WHERE} api_base: 'api.twilio.com': use a URL like https://api.twilio.com",
    ),
    (
        "a TwiML Bin that is not a URL",
        ('mode = "poll"', 'mode = "swap"\nsms_twiml_url = "handler.twilio.com/twiml/EH1"'),
        ["autoreply", "sync"],
        3,
        f"{WHERE} sms_twiml_url: 'handler.twilio.com/twiml/EH1': use a URL like "
        "https://api.twilio.com",
    ),
    (
        "unknown template field",
        ('mode = "poll"', 'mode = "poll"\nvoice_message = "Back {when}"'),
        ["autoreply", "preview", "--channel", "voice"],
        3,
        f"{WHERE} voice_message: {{when}} is not a field you can use; use {{business}}, "
        "{emergency_keyword}, {emergency_press}, {next_open}, {next_open_date}, "
        "{next_open_local}, {next_open_relative}, {next_open_with_local}, {reason}",
    ),
    (
        "missed_call_text not a boolean",
        ('mode = "poll"', 'mode = "poll"\nmissed_call_text = "yes"'),
        ["autoreply", "sync"],
        3,
        f"{WHERE} missed_call_text: must be true or false",
    ),
]


@pytest.mark.parametrize(
    ("change", "argv", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_phone_settings(
    twilio: TwilioFake,
    change: tuple[str, str],
    argv: list[str],
    status: int,
    message: str,
) -> None:
    good = phone_config(twilio)
    assert change[0] in good
    path = write_config(good.replace(change[0], change[1], 1))
    before = path.read_bytes()
    result = run(*argv)
    assert (result.exit_code, result.stdout) == (status, "")
    assert result.stderr == f"Error: {path}: {message}\n"
    assert path.read_bytes() == before
    assert not Path(os.environ["HOURS_HOME"]).exists()
    assert twilio.requests == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["autoreply", "preview", "--channel", "fax"],
            "Invalid value for '--channel': 'fax' is not one of 'email', 'sms', 'voice', "
            "'whatsapp'. See 'hours autoreply preview --help'.",
        ),
        (
            ["autoreply", "install", "--channel", "sms"],
            "Invalid value for '--channel': 'sms' is not one of 'email', 'phone'. See "
            "'hours autoreply install --help'.",
        ),
    ],
)
def test_bad_arguments(twilio: TwilioFake, argv: list[str], message: str) -> None:
    result = run(*argv)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")
    assert twilio.requests == []


def test_preview_of_a_phone_channel_without_one(twilio: TwilioFake) -> None:
    write_config(
        'timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n[autoreply.email]\n'
        'address = "sam@example.com"\npassword_env = "X"\n'
        'imap = { host = "127.0.0.1", port = 1, security = "none" }\n'
        'smtp = { host = "127.0.0.1", port = 1, security = "none" }\n'
    )
    result = run("autoreply", "preview", "--channel", "sms")
    assert (result.exit_code, result.stdout) == (3, "")
    assert (
        result.stderr
        == "Error: no [autoreply.phone] in the config; `hours init --example` shows every key\n"
    )


def test_install_of_a_phone_channel_without_one_is_a_config_error(twilio: TwilioFake) -> None:
    write_config(
        'timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n[autoreply.email]\n'
        'address = "sam@example.com"\npassword_env = "X"\n'
        'imap = { host = "127.0.0.1", port = 1, security = "none" }\n'
        'smtp = { host = "127.0.0.1", port = 1, security = "none" }\n'
    )
    for command in ("install", "uninstall"):
        result = run("autoreply", command, "--channel", "phone")
        assert (result.exit_code, result.stdout) == (3, ""), command
        assert result.stderr == (
            "Error: no [autoreply.phone] in the config; `hours init --example` shows every key\n"
        )
    assert twilio.requests == []
    assert not Path(os.environ["HOURS_HOME"]).exists()  # no journal or lock was made
