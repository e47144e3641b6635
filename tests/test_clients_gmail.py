"""The Gmail client against the stateful fake over HTTP: round trips, each fault, the token kept out."""

from __future__ import annotations

import base64
import datetime as dt
import json
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from hours.clients import rest
from hours.clients.gmail import (
    SCOPE,
    GmailClient,
    VacationSettings,
    from_epoch_ms,
    to_epoch_ms,
)
from hours.clients.rest import ApiError, Busy, MissingScope, TokenRefused
from hours.errors import ConfigError, Exit, ProviderError
from tests.servers.gmail_fake import TOKEN, GmailFake
from tests.servers.json_fake import ManualClock, silent_server
from tests.servers.smtp import free_port

NY = ZoneInfo("America/New_York")
FRIDAY_EVENING = dt.datetime(2026, 11, 27, 17, 0, tzinfo=NY)
MONDAY_MORNING = dt.datetime(2026, 11, 30, 9, 0, tzinfo=NY)
WINDOW = VacationSettings(
    enable_auto_reply=True,
    response_subject="Back Monday",
    response_body_plain_text="Thanks! We're closed; you'll hear from us Monday at 9:00 AM.",
    response_body_html="<p>Thanks! We&#39;re closed; you&#39;ll hear from us Monday at 9:00 AM.</p>",
    start_time=FRIDAY_EVENING,
    end_time=MONDAY_MORNING,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def gmail(gmail_fake: GmailFake, clock: ManualClock) -> GmailClient:
    return GmailClient(TOKEN, api_base=gmail_fake.url, sleep=clock.sleep, clock=clock)


# -- round trips ---------------------------------------------------------------------------


def test_a_new_account_reads_as_gmails_defaults(gmail: GmailClient, gmail_fake: GmailFake) -> None:
    assert gmail.get_vacation() == VacationSettings()
    [seen] = gmail_fake.seen()
    assert (seen.method, seen.path, seen.authorization) == (
        "GET",
        "/gmail/v1/users/me/settings/vacation",
        f"Bearer {TOKEN}",
    )


def test_a_window_is_set_as_epoch_milliseconds_and_read_back(
    gmail: GmailClient, gmail_fake: GmailFake
) -> None:
    assert gmail.update_vacation(WINDOW) == WINDOW
    [put] = gmail_fake.seen("PUT")
    assert put.body == {
        "enableAutoReply": True,
        "restrictToContacts": False,
        "restrictToDomain": False,
        "responseSubject": "Back Monday",
        "responseBodyPlainText": WINDOW.response_body_plain_text,
        "responseBodyHtml": WINDOW.response_body_html,
        # 2026-11-27 22:00 UTC and 2026-11-30 14:00 UTC
        "startTime": "1795816800000",
        "endTime": "1796047200000",
    }
    assert gmail.get_vacation() == WINDOW
    assert gmail_fake.vacation["startTime"] == "1795816800000"


def test_a_put_replaces_the_whole_setting(gmail: GmailClient, gmail_fake: GmailFake) -> None:
    gmail_fake.set_vacation(
        enableAutoReply=True,
        responseSubject="On holiday",
        responseBodyHtml="<b>Away</b>",
        restrictToContacts=True,
        startTime="1795816800000",
    )
    plain = VacationSettings(enable_auto_reply=True, response_body_plain_text="Closed now.")
    gmail.update_vacation(plain)
    assert gmail_fake.vacation == {
        "enableAutoReply": True,
        "responseSubject": "",
        "responseBodyPlainText": "Closed now.",
        "responseBodyHtml": "",
        "restrictToContacts": False,
        "restrictToDomain": False,
    }


def test_the_users_own_responder_is_put_back_exactly(
    gmail: GmailClient, gmail_fake: GmailFake
) -> None:
    gmail_fake.set_vacation(
        enableAutoReply=True,
        responseSubject="Skiing",
        responseBodyPlainText="Back on the 5th.",
        restrictToDomain=True,
        startTime="1798761600000",
        endTime="1799625600000",
    )
    before = gmail_fake.vacation
    theirs = gmail.get_vacation()
    gmail.update_vacation(WINDOW)
    assert gmail_fake.vacation != before
    gmail.update_vacation(theirs)
    assert gmail_fake.vacation == before


def test_gmail_refuses_a_window_that_ends_before_it_starts(gmail: GmailClient) -> None:
    backwards = VacationSettings(
        enable_auto_reply=True,
        response_subject="x",
        start_time=MONDAY_MORNING,
        end_time=FRIDAY_EVENING,
    )
    with pytest.raises(ApiError, match="startTime must precede endTime") as caught:
        gmail.update_vacation(backwards)
    assert (caught.value.status, caught.value.code) == (400, "INVALID_ARGUMENT")


def test_epoch_milliseconds_both_ways() -> None:
    assert to_epoch_ms(dt.datetime(1970, 1, 1, 0, 0, 1, 500_000, tzinfo=dt.UTC)) == "1500"
    assert from_epoch_ms("1795816800000", "startTime") == FRIDAY_EVENING
    assert from_epoch_ms(1795816800000, "startTime") == FRIDAY_EVENING
    with pytest.raises(ValueError, match="timezone-aware"):
        to_epoch_ms(dt.datetime(2026, 11, 27, 17, 0))


@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        ({"startTime": "string"}, "startTime is 'string', not epoch milliseconds"),
        ({"endTime": True}, "endTime is True, not epoch milliseconds"),
        ({"enableAutoReply": "yes"}, "enableAutoReply is 'yes', not true or false"),
        ({"responseSubject": 7}, "responseSubject is not text"),
    ],
)
def test_an_answer_hours_cannot_read_is_a_provider_error(
    answer: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ProviderError, match=complaint):
        VacationSettings.from_json(answer)


# -- faults --------------------------------------------------------------------------------


def test_a_refused_token_is_told_apart_so_the_caller_refreshes_once(
    gmail: GmailClient, gmail_fake: GmailFake
) -> None:
    gmail_fake.expire_token()
    with pytest.raises(TokenRefused, match=r"^Gmail refused the access token \(401\)") as caught:
        gmail.get_vacation()
    assert caught.value.exit_status == Exit.PROVIDER
    assert gmail.get_vacation() == VacationSettings()  # the fault was once
    stranger = GmailClient("ya29.someone-elses-token", api_base=gmail_fake.url)
    with pytest.raises(TokenRefused, match="invalid authentication credentials"):
        stranger.get_vacation()


def test_a_token_without_the_settings_scope_is_a_config_error_naming_it(
    gmail: GmailClient, gmail_fake: GmailFake
) -> None:
    gmail_fake.scopes = {"https://www.googleapis.com/auth/gmail.readonly"}
    assert gmail.get_vacation() == VacationSettings()  # reading needs only gmail.readonly
    with pytest.raises(MissingScope) as caught:
        gmail.update_vacation(WINDOW)
    assert caught.value.scope == SCOPE
    assert caught.value.exit_status == Exit.CONFIG
    assert str(caught.value) == (
        "Gmail refused setting the vacation responder (403): the token lacks the scope "
        "https://www.googleapis.com/auth/gmail.settings.basic; sign in again granting it."
    )
    assert gmail_fake.vacation["enableAutoReply"] is False


def test_another_403_is_not_taken_for_a_missing_scope(
    gmail: GmailClient, gmail_fake: GmailFake
) -> None:
    gmail_fake.fail(403, message="Mail service not enabled", code="failedPrecondition")
    with pytest.raises(ApiError, match="Gmail answered 403 PERMISSION_DENIED while reading"):
        gmail.get_vacation()


def test_retry_after_is_honoured_within_the_deadline(
    gmail: GmailClient, gmail_fake: GmailFake, clock: ManualClock
) -> None:
    gmail_fake.fail(429, method="PUT", retry_after="7")
    assert gmail.update_vacation(WINDOW, deadline=clock() + 30) == WINDOW
    assert clock.slept == [7.0]
    assert len(gmail_fake.seen("PUT")) == 2


def test_retry_after_beyond_the_deadline_gives_up_at_once(
    gmail: GmailClient, gmail_fake: GmailFake, clock: ManualClock
) -> None:
    gmail_fake.fail(429, retry_after="120", message="Rate Limit Exceeded")
    with pytest.raises(Busy) as caught:
        gmail.update_vacation(WINDOW, deadline=clock() + 30)
    assert str(caught.value) == (
        "Gmail answered 429 while setting the vacation responder (it asked to wait 120 s, past "
        "this run's deadline): Rate Limit Exceeded; the next run tries again."
    )
    assert (caught.value.status, caught.value.retry_after, caught.value.exit_status) == (
        429,
        120.0,
        Exit.PROVIDER,
    )
    assert clock.slept == []
    assert len(gmail_fake.seen()) == 1
    assert gmail_fake.vacation["enableAutoReply"] is False


def test_a_5xx_without_retry_after_backs_off_within_the_deadline(
    gmail: GmailClient, gmail_fake: GmailFake, clock: ManualClock
) -> None:
    gmail_fake.fail(500, times=2)
    assert gmail.get_vacation(deadline=clock() + 30) == VacationSettings()
    assert clock.slept == [1.0, 2.0]


def test_a_5xx_that_goes_on_is_given_up_after_a_few_tries(
    gmail: GmailClient, gmail_fake: GmailFake, clock: ManualClock
) -> None:
    gmail_fake.fail(503, times=99, retry_after="1", message="The service is currently unavailable.")
    with pytest.raises(Busy, match=r"^Gmail answered 503 .* \(still, after 5 tries\)"):
        gmail.get_vacation(deadline=clock() + 600)
    assert len(gmail_fake.seen()) == rest.MAX_ATTEMPTS


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = dt.datetime(2026, 11, 23, 22, 0, tzinfo=dt.UTC).timestamp()
    assert rest.retry_after_seconds("120", now) == 120.0
    assert rest.retry_after_seconds("Mon, 23 Nov 2026 22:00:45 GMT", now) == 45.0
    assert rest.retry_after_seconds("Mon, 23 Nov 2026 21:59:00 GMT", now) == 0.0
    assert rest.retry_after_seconds("soon", now) is None
    assert rest.retry_after_seconds(None, now) is None


def test_without_a_deadline_nothing_is_retried(gmail: GmailClient, gmail_fake: GmailFake) -> None:
    gmail_fake.fail(503, retry_after="1")
    with pytest.raises(Busy, match=r"\(no time was left in this run to try again\)"):
        gmail.get_vacation()
    assert len(gmail_fake.seen()) == 1


def test_a_deadline_already_past_sends_nothing(
    gmail: GmailClient, gmail_fake: GmailFake, clock: ManualClock
) -> None:
    with pytest.raises(Busy, match="no time was left in this run for reading"):
        gmail.get_vacation(deadline=clock() - 1)
    assert gmail_fake.seen() == []


def test_the_token_is_never_in_an_error_in_any_encoding(
    gmail: GmailClient, gmail_fake: GmailFake
) -> None:
    header = f"Bearer {TOKEN}"
    echoes = [
        TOKEN,
        quote(TOKEN, safe=""),
        json.dumps(TOKEN)[1:-1].replace("/", "\\/"),
        base64.b64encode(header.encode()).decode(),
        base64.urlsafe_b64encode(TOKEN.encode()).decode().rstrip("="),
        TOKEN.encode().hex(),
    ]
    for status in (400, 401, 429):
        gmail_fake.fail(status, message="you sent:\n" + "\n".join(echoes))
        with pytest.raises(ProviderError) as caught:
            gmail.get_vacation()
        text = str(caught.value)
        assert "\n" not in text
        assert text.count("***") >= 1
        assert not [form for form in rest.secret_forms(TOKEN) if form in text]
        assert TOKEN[10:30] not in text


def test_no_answer_within_the_time_limit() -> None:
    with silent_server() as url:
        client = GmailClient(TOKEN, api_base=url, timeout=0.3)
        with pytest.raises(
            ProviderError, match=r"^Gmail gave no answer within 0.3 s while reading"
        ):
            client.get_vacation()


def test_a_server_that_is_not_there() -> None:
    client = GmailClient(TOKEN, api_base=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(
        ProviderError, match=r"^Gmail: could not reach 127.0.0.1:\d+ while"
    ) as caught:
        client.get_vacation()
    assert TOKEN not in str(caught.value)


def test_an_answer_too_large_is_refused(gmail: GmailClient, gmail_fake: GmailFake) -> None:
    gmail_fake.fail(400, message="x" * (rest.MAX_ANSWER_BYTES + 1))
    with pytest.raises(ProviderError, match="answered with more than 1024 KiB"):
        gmail.get_vacation()


def test_plain_http_only_on_loopback() -> None:
    with pytest.raises(ConfigError, match="would send the access token in clear"):
        GmailClient(TOKEN, api_base="http://gmail.example.com")
    with pytest.raises(ConfigError, match="is not an http"):
        GmailClient(TOKEN, api_base="ftp://127.0.0.1")
    assert GmailClient(TOKEN, api_base="http://localhost:9/").api_base == "http://localhost:9"
    assert GmailClient(TOKEN).api_base == "https://gmail.googleapis.com"
