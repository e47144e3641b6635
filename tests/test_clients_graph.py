"""The Graph client against the stateful fake over HTTP: round trips, each fault, the token kept out."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from hours.clients import rest
from hours.clients.graph import (
    SCOPE,
    AutomaticReplies,
    DateTimeTimeZone,
    GraphClient,
    MailboxSettings,
)
from hours.clients.rest import ApiError, Busy, MissingScope, TokenRefused
from hours.errors import ConfigError, Exit, ProviderError
from tests.servers.graph_fake import READ, TOKEN, GraphFake
from tests.servers.json_fake import ManualClock, silent_server

TORONTO = ZoneInfo("America/Toronto")
FRIDAY_EVENING = dt.datetime(2026, 11, 27, 17, 0, tzinfo=TORONTO)
MONDAY_MORNING = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TORONTO)
WINDOW = AutomaticReplies(
    status="scheduled",
    external_audience="contactsOnly",
    internal_reply_message="<p>Closed until Monday at 9:00 AM.</p>",
    external_reply_message="<p>Thanks! You&#39;ll hear from us Monday at 9:00 AM.</p>",
    scheduled_start=DateTimeTimeZone.of(FRIDAY_EVENING, TORONTO),
    scheduled_end=DateTimeTimeZone.of(MONDAY_MORNING, TORONTO),
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def graph(graph_fake: GraphFake, clock: ManualClock) -> GraphClient:
    return GraphClient(TOKEN, api_base=graph_fake.url, sleep=clock.sleep, clock=clock)


# -- round trips ---------------------------------------------------------------------------


def test_a_new_mailbox_reads_as_graph_answers_it(graph: GraphClient, graph_fake: GraphFake) -> None:
    utc = "UTC"
    assert graph.get_mailbox_settings() == MailboxSettings(
        time_zone="Pacific Standard Time",
        automatic_replies=AutomaticReplies(
            status="disabled",
            external_audience="all",
            scheduled_start=DateTimeTimeZone(dt.datetime(2026, 1, 5, 8, 0), utc),
            scheduled_end=DateTimeTimeZone(dt.datetime(2026, 1, 6, 8, 0), utc),
        ),
    )
    [seen] = graph_fake.seen()
    assert (seen.method, seen.path, seen.authorization) == (
        "GET",
        "/v1.0/me/mailboxSettings",
        f"Bearer {TOKEN}",
    )


def test_a_window_is_set_in_the_zone_and_read_back(
    graph: GraphClient, graph_fake: GraphFake
) -> None:
    assert graph.set_automatic_replies(WINDOW) == WINDOW
    [patch] = graph_fake.seen("PATCH")
    assert patch.body == {
        "automaticRepliesSetting": {
            "status": "scheduled",
            "externalAudience": "contactsOnly",
            "internalReplyMessage": WINDOW.internal_reply_message,
            "externalReplyMessage": WINDOW.external_reply_message,
            "scheduledStartDateTime": {
                "dateTime": "2026-11-27T17:00:00",
                "timeZone": "America/Toronto",
            },
            "scheduledEndDateTime": {
                "dateTime": "2026-11-30T09:00:00",
                "timeZone": "America/Toronto",
            },
        }
    }
    assert graph_fake.automatic_replies["scheduledEndDateTime"] == {
        "dateTime": "2026-11-30T09:00:00.0000000",
        "timeZone": "America/Toronto",
    }
    assert graph.get_mailbox_settings().automatic_replies == WINDOW


def test_a_patch_keeps_the_other_mailbox_settings(
    graph: GraphClient, graph_fake: GraphFake
) -> None:
    before = dict(graph_fake.settings)
    graph.set_automatic_replies(WINDOW)
    after = graph_fake.settings
    assert {k: v for k, v in after.items() if k != "automaticRepliesSetting"} == {
        k: v for k, v in before.items() if k != "automaticRepliesSetting"
    }


def test_the_users_own_automatic_replies_are_put_back_exactly(
    graph: GraphClient, graph_fake: GraphFake
) -> None:
    graph_fake.set_automatic_replies(
        status="alwaysEnabled",
        externalAudience="none",
        internalReplyMessage="<p>On parental leave</p>",
        externalReplyMessage="",
    )
    before = graph_fake.automatic_replies
    theirs = graph.get_mailbox_settings().automatic_replies
    graph.set_automatic_replies(WINDOW)
    assert graph_fake.automatic_replies != before
    graph.set_automatic_replies(theirs)
    assert graph_fake.automatic_replies == before


def test_a_schedule_that_ends_before_it_starts_is_refused_with_graphs_code(
    graph: GraphClient,
) -> None:
    backwards = AutomaticReplies(
        status="scheduled",
        scheduled_start=WINDOW.scheduled_end,
        scheduled_end=WINDOW.scheduled_start,
    )
    with pytest.raises(ApiError) as caught:
        graph.set_automatic_replies(backwards)
    assert (caught.value.status, caught.value.code) == (400, "ErrorInvalidScheduledOofDuration")
    assert str(caught.value) == (
        "Microsoft Graph answered 400 ErrorInvalidScheduledOofDuration while setting the "
        "automatic replies: The scheduled end time must be after the scheduled start time."
    )


def test_a_zone_graph_does_not_know_is_refused(graph: GraphClient) -> None:
    nowhere = DateTimeTimeZone(dt.datetime(2026, 11, 27, 17, 0), "Mars/Olympus_Mons")
    setting = AutomaticReplies(status="scheduled", scheduled_start=nowhere)
    with pytest.raises(ApiError, match=r"TimeZoneNotSupportedException .*'Mars/Olympus_Mons'"):
        graph.set_automatic_replies(setting)


def test_graphs_seven_decimals_and_a_wall_clock_in_a_zone() -> None:
    read = DateTimeTimeZone.from_json(
        {"dateTime": "2026-11-27T17:00:00.1234567", "timeZone": "UTC"}, "scheduledStartDateTime"
    )
    assert read == DateTimeTimeZone(dt.datetime(2026, 11, 27, 17, 0, 0, 123456), "UTC")
    # 2026-03-08 07:30 UTC is 03:30 in Toronto, just after the spring-forward gap
    moment = dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)
    assert DateTimeTimeZone.of(moment, TORONTO).as_json() == {
        "dateTime": "2026-03-08T03:30:00",
        "timeZone": "America/Toronto",
    }


@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        (None, "without automatic replies"),
        ({"status": "sometimes"}, "status 'sometimes' and audience 'all', which hours does not"),
        ({"externalReplyMessage": 7}, "externalReplyMessage is not text"),
        ({"scheduledStartDateTime": {"dateTime": "soon", "timeZone": "UTC"}}, "cannot read"),
        ({"scheduledEndDateTime": "2026-11-27"}, "scheduledEndDateTime that is not an object"),
    ],
)
def test_an_answer_hours_cannot_read_is_a_provider_error(answer: object, complaint: str) -> None:
    with pytest.raises(ProviderError, match=complaint):
        AutomaticReplies.from_json(answer)


# -- faults --------------------------------------------------------------------------------


def test_a_refused_token_is_told_apart_so_the_caller_refreshes_once(
    graph: GraphClient, graph_fake: GraphFake
) -> None:
    graph_fake.expire_token()
    with pytest.raises(TokenRefused) as caught:
        graph.get_mailbox_settings()
    assert str(caught.value) == (
        "Microsoft Graph refused the access token (401) while reading the automatic replies: "
        "Access token has expired or is not yet valid."
    )
    assert caught.value.exit_status == Exit.PROVIDER
    assert graph.get_mailbox_settings().automatic_replies.status == "disabled"


def test_a_token_without_readwrite_is_a_config_error_naming_it(
    graph: GraphClient, graph_fake: GraphFake
) -> None:
    graph_fake.scopes = {READ}
    graph.get_mailbox_settings()  # reading needs only MailboxSettings.Read
    with pytest.raises(MissingScope) as caught:
        graph.set_automatic_replies(WINDOW)
    assert caught.value.scope == SCOPE == "MailboxSettings.ReadWrite"
    assert caught.value.exit_status == Exit.CONFIG
    assert "the token lacks the scope MailboxSettings.ReadWrite" in str(caught.value)
    assert graph_fake.automatic_replies["status"] == "disabled"


def test_retry_after_is_honoured_within_the_deadline(
    graph: GraphClient, graph_fake: GraphFake, clock: ManualClock
) -> None:
    graph_fake.fail(429, method="PATCH", retry_after="3", times=2)
    assert graph.set_automatic_replies(WINDOW, deadline=clock() + 10) == WINDOW
    assert clock.slept == [3.0, 3.0]
    assert len(graph_fake.seen("PATCH")) == 3


def test_retry_after_beyond_the_deadline_gives_up_at_once(
    graph: GraphClient, graph_fake: GraphFake, clock: ManualClock
) -> None:
    graph_fake.fail(503, retry_after="30", message="The service is temporarily unavailable.")
    with pytest.raises(Busy) as caught:
        graph.set_automatic_replies(WINDOW, deadline=clock() + 10)
    assert str(caught.value) == (
        "Microsoft Graph answered 503 while setting the automatic replies (it asked to wait "
        "30 s, past this run's deadline): The service is temporarily unavailable.; the next "
        "run tries again."
    )
    assert clock.slept == []
    assert graph_fake.automatic_replies["status"] == "disabled"


def test_a_500_is_retried_then_given_up_when_the_deadline_comes(
    graph: GraphClient, graph_fake: GraphFake, clock: ManualClock
) -> None:
    graph_fake.fail(500, times=99)
    with pytest.raises(Busy, match=r"\(no time was left in this run to try again\)"):
        graph.get_mailbox_settings(deadline=clock() + 5)
    assert clock.slept == [1.0, 2.0]  # a third wait (4 s) would end past the deadline
    assert len(graph_fake.seen()) == 3


def test_the_token_is_never_in_an_error_in_any_encoding(
    graph: GraphClient, graph_fake: GraphFake
) -> None:
    header = f"Bearer {TOKEN}"
    echoes = [
        header,
        quote(TOKEN, safe=""),
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(f"Authorization: {header}".encode()).decode(),
    ]
    for status in (400, 403, 404):
        graph_fake.fail(status, message=" | ".join(echoes), code="ErrorEcho")
        with pytest.raises(ProviderError) as caught:
            graph.get_mailbox_settings()
        text = str(caught.value)
        assert text.startswith(f"Microsoft Graph answered {status} ErrorEcho while reading")
        assert not [form for form in rest.secret_forms(TOKEN) if form in text]
        assert TOKEN.split(".")[1] not in text


def test_no_answer_within_the_time_limit() -> None:
    with silent_server() as url:
        client = GraphClient(TOKEN, api_base=url, timeout=0.3)
        with pytest.raises(ProviderError, match=r"gave no answer within 0.3 s while setting"):
            client.set_automatic_replies(WINDOW)


def test_plain_http_only_on_loopback() -> None:
    with pytest.raises(ConfigError, match="would send the access token in clear"):
        GraphClient(TOKEN, api_base="http://graph.example.com")
    assert GraphClient(TOKEN, api_base="http://[::1]:9").api_base == "http://[::1]:9"
    assert GraphClient(TOKEN).api_base == "https://graph.microsoft.com"
