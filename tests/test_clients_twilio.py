"""The Twilio provider layer against the fake over HTTP: api_base, retries, pacing, errors."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hours.clients.twilio import (
    ApiBaseHttpClient,
    TwilioApi,
    Unreachable,
    changed,
    echo_url,
    is_echo_url,
)
from hours.errors import ProviderError
from tests.servers.smtp import free_port
from tests.servers.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, TwilioFake

NUMBER = "+15550001111"
ANN = "+15559990001"
NY = ZoneInfo("America/New_York")


@pytest.fixture
def fake(twilio_fake: TwilioFake) -> TwilioFake:
    twilio_fake.add_number(NUMBER)
    return twilio_fake


def api(fake: TwilioFake, **kwargs: object) -> TwilioApi:
    kwargs.setdefault("send_interval", 0.0)
    return TwilioApi(ACCOUNT_SID, AUTH_TOKEN, api_base=fake.url, **kwargs)  # type: ignore[arg-type]


def test_rewrite_keeps_path_and_query_on_another_host() -> None:
    client = ApiBaseHttpClient("https://api.dublin.ie1.twilio.com")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?Page=1&PageToken=PA2"
    assert client.rewrite(url) == (
        "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/AC1/Messages.json?Page=1&PageToken=PA2"
    )
    prefixed = ApiBaseHttpClient("http://127.0.0.1:8080/twilio/")
    assert prefixed.rewrite(url).startswith("http://127.0.0.1:8080/twilio/2010-04-01/")
    assert ApiBaseHttpClient().rewrite(url) == url


def test_plain_http_only_on_loopback() -> None:
    with pytest.raises(ProviderError, match="would send the Auth Token in clear"):
        TwilioApi(ACCOUNT_SID, AUTH_TOKEN, api_base="http://twilio.example.com")
    TwilioApi(ACCOUNT_SID, AUTH_TOKEN, api_base="http://localhost:9")


def test_the_date_filter_is_sent_in_utc(fake: TwilioFake) -> None:
    evening = dt.datetime(2026, 11, 23, 19, 30, tzinfo=NY)
    api(fake).inbound_messages(NUMBER, evening)
    api(fake).missed_calls(NUMBER, evening)
    assert fake.seen("GET", "/Messages.json")[0].query["DateSent>"] == "2026-11-24T00:30:00Z"
    calls = fake.seen("GET", "/Calls.json")
    assert [(c.query["Status"], c.query["StartTime>"]) for c in calls] == [
        ("no-answer", "2026-11-24T00:30:00Z"),
        ("busy", "2026-11-24T00:30:00Z"),
    ]


def test_only_inbound_messages_are_listed(fake: TwilioFake) -> None:
    when = dt.datetime(2026, 11, 23, 19, 0, tzinfo=NY)
    fake.receive(ANN, NUMBER, "hi", when)
    api(fake).send(NUMBER, ANN, "hello", validity_period=900)
    [message] = api(fake).inbound_messages(NUMBER, when)
    assert (message.sender, message.body, message.sent) == (ANN, "hi", when.astimezone(dt.UTC))


def test_429_backs_off_then_gives_up(fake: TwilioFake) -> None:
    slept: list[float] = []
    fake.fail("GET", "/IncomingPhoneNumbers.json", 429, 20429, times=2)
    assert api(fake, sleep=slept.append).find_number(NUMBER).phone_number == NUMBER
    assert slept == [0.5, 1.0]
    fake.fail("GET", "/IncomingPhoneNumbers.json", 429, 20429, times=10)
    with pytest.raises(ProviderError) as e:
        api(fake, sleep=slept.append).find_number(NUMBER)
    assert e.value.message == (
        f"Twilio answered 429 (error 20429) while looking up {NUMBER}: still rate-limited after "
        "5 tries; the next sync tries again. Twilio is rate-limiting this account"
    )


def test_retry_after_is_honoured(fake: TwilioFake) -> None:
    slept: list[float] = []
    fake.fail("POST", "/Messages.json", 429, 20429, headers={"Retry-After": "2"})
    api(fake, sleep=slept.append).send(NUMBER, ANN, "hello", validity_period=900)
    assert slept == [2.0]
    assert len(fake.sent(ANN)) == 1


def test_at_most_one_message_a_second_per_number(fake: TwilioFake) -> None:
    fake.add_number("+15550002222")
    client = api(fake, send_interval=None)  # the real pace
    client.send(NUMBER, ANN, "one", validity_period=900)
    client.send("+15550002222", ANN, "from another number", validity_period=900)
    client.send(NUMBER, ANN, "two", validity_period=900)
    times = [m["_monotonic"] for m in fake.sent(ANN)]
    assert times[1] - times[0] < 0.5  # another number is not held back
    assert times[2] - times[0] >= 0.99


def test_errors_never_carry_the_credentials(fake: TwilioFake) -> None:
    fake.fail("GET", "/Messages.json", 400, 20001, message=f"bad {ACCOUNT_SID} with {AUTH_TOKEN}")
    with pytest.raises(ProviderError) as e:
        api(fake).inbound_messages(NUMBER)
    assert ACCOUNT_SID not in e.value.message
    assert AUTH_TOKEN not in e.value.message
    assert e.value.message == (
        f"Twilio answered 400 (error 20001) while listing the messages to {NUMBER}: bad AC… with …"
    )


def test_unreachable_recipients(fake: TwilioFake) -> None:
    fake.opted_out.add(ANN)
    with pytest.raises(Unreachable) as e:
        api(fake).send(NUMBER, ANN, "hello", validity_period=900)
    assert (e.value.reason, e.value.code) == ("opted_out", 21610)
    fake.unreachable["+15558880000"] = 21614
    with pytest.raises(Unreachable) as e:
        api(fake).send(NUMBER, "+15558880000", "hello", validity_period=900)
    assert e.value.reason == "unreachable"


def test_a_validity_period_is_always_within_twilios_range(fake: TwilioFake) -> None:
    api(fake).send(NUMBER, ANN, "a", validity_period=0)
    api(fake).send(NUMBER, ANN, "b", validity_period=99999)
    assert [m["_validity_period"] for m in fake.sent(ANN)] == [1, 36000]


def test_no_such_number(fake: TwilioFake) -> None:
    with pytest.raises(ProviderError, match=r"this account has no phone number \+15559999999"):
        api(fake).find_number("+15559999999")


def test_nothing_listening() -> None:
    client = TwilioApi(ACCOUNT_SID, AUTH_TOKEN, api_base=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ProviderError, match=r"cannot reach 127\.0\.0\.1:\d+ while looking up"):
        client.find_number(NUMBER)


def test_update_sends_only_what_it_is_given(fake: TwilioFake) -> None:
    sid = fake.number(NUMBER)["sid"]
    fake.numbers[sid]["sms_fallback_url"] = "https://example.com/old"
    number = api(fake).update_number(
        sid, {"sms_url": echo_url("<Response/>"), "sms_fallback_url": ""}
    )
    assert is_echo_url(number.webhooks["sms_url"])
    assert number.webhooks["sms_fallback_url"] == ""
    [update] = fake.seen("POST", "/IncomingPhoneNumbers/")
    assert update.form == {"SmsUrl": echo_url("<Response/>"), "SmsFallbackUrl": ""}


def test_changed_never_sends_an_empty_method() -> None:
    current = {"sms_url": "a", "sms_method": "POST", "voice_url": ""}
    desired = {"sms_url": "a", "sms_method": "", "voice_url": "b"}
    assert changed(current, desired) == {"voice_url": "b"}


def test_the_fake_keeps_what_it_was_sent(fake: TwilioFake) -> None:
    """What one request creates or changes, a later one reads back: the fake has state."""
    client = api(fake)
    message_sid = client.send(NUMBER, ANN, "hello", validity_period=900)
    [listed] = client.client.messages.list(from_=NUMBER)
    assert (listed.sid, listed.to, listed.body, listed.direction) == (
        message_sid,
        ANN,
        "hello",
        "outbound-api",
    )
    sid = fake.number(NUMBER)["sid"]
    client.update_number(sid, {"voice_url": "https://example.com/v", "voice_method": "GET"})
    again = api(fake).fetch_number(sid)
    assert (again.webhooks["voice_url"], again.webhooks["voice_method"]) == (
        "https://example.com/v",
        "GET",
    )
    assert [r.method for r in fake.seen("GET", f"/IncomingPhoneNumbers/{sid}.json")] == ["GET"]
