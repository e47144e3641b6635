"""The email channel in outlook mode against the Graph fake: the automatic replies set for each
window in the config's zone, what Exchange does to what it keeps taken as the same, the user's
settings (with Graph's leftover schedule) put back exactly, and the failures. Every PATCH body
is checked against Graph's own description by the fake."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.helpers import run
from tests.responder_e2e import TokenCommand, at, cli, responder_config, sync
from tests.servers.graph_fake import READ, TOKEN, GraphFake
from tests.servers.oauth import OAuthServer

MONDAY_EVENING = at("2026-11-23T18:00")


@pytest.fixture
def tokens(tmp_path: Path) -> TokenCommand:
    return TokenCommand(tmp_path / "token", TOKEN)


@pytest.fixture
def outlook(graph_fake: GraphFake, tokens: TokenCommand) -> GraphFake:
    """The fake, with a config in outlook mode pointing at it and signing in by token_command."""
    responder_config("outlook", graph_fake, token_command=tokens.command)
    return graph_fake


def test_a_new_mailbox_is_put_back_with_its_leftover_schedule(outlook: GraphFake) -> None:
    before = outlook.automatic_replies  # disabled, with a schedule from January left in it
    out = cli("autoreply", "install")
    assert out.startswith(
        "email (outlook): Outlook sign-in works; recorded Outlook's automatic replies as it is "
        "(off)."
    )
    assert sync(MONDAY_EVENING)["action"] == "set"
    assert outlook.automatic_replies["status"] == "scheduled"
    assert cli("autoreply", "uninstall") == (
        "email (outlook): put back Outlook's automatic replies as recorded (off)\n"
    )
    assert outlook.automatic_replies == before


def test_what_exchange_does_to_what_it_keeps_is_no_change(outlook: GraphFake) -> None:
    sync(MONDAY_EVENING)
    set_by_hours = outlook.automatic_replies
    # Exchange answers the schedule in UTC, and the messages wrapped in a whole document.
    outlook.set_automatic_replies(
        internalReplyMessage=f"<html>\r\n<body>\r\n{set_by_hours['internalReplyMessage']}"
        "\r\n</body>\r\n</html>\r\n",
        scheduledStartDateTime={"dateTime": "2026-11-23T22:00:00", "timeZone": "UTC"},
        scheduledEndDateTime={"dateTime": "2026-11-24T14:00:00", "timeZone": "UTC"},
    )
    assert sync(at("2026-11-23T21:00"))["action"] == "unchanged"
    assert len(outlook.seen("PATCH")) == 1
    # A real change is one: the end an hour later is the user's.
    outlook.set_automatic_replies(
        scheduledEndDateTime={"dateTime": "2026-11-24T15:00:00", "timeZone": "UTC"}
    )
    assert sync(at("2026-11-23T21:05"))["action"] == "adopted yours, set"


def test_who_outside_the_organisation_is_answered(
    graph_fake: GraphFake, tokens: TokenCommand
) -> None:
    responder_config(
        "outlook",
        graph_fake,
        token_command=tokens.command,
        extra='external_audience = "contactsOnly"',
    )
    sync(MONDAY_EVENING)
    (patch,) = graph_fake.seen("PATCH")
    assert patch.body["automaticRepliesSetting"]["externalAudience"] == "contactsOnly"


def test_closed_with_no_opening_in_sight_is_always_on(
    graph_fake: GraphFake, tokens: TokenCommand
) -> None:
    """Graph cannot schedule a period without an end: "alwaysEnabled" takes no dates."""
    responder_config(
        "outlook",
        graph_fake,
        token_command=tokens.command,
        # Closed for longer than the schedule looks ahead (5 years).
        extra='[[closed]]\nfrom = 2026-11-20\nto = 2033-01-01\nreason = "Retired"',
    )
    row = sync(MONDAY_EVENING)
    assert row["window"] == ["2026-11-19T17:00:00-05:00", None]  # closed since Thursday
    (patch,) = graph_fake.seen("PATCH")
    setting = patch.body["automaticRepliesSetting"]
    assert setting["status"] == "alwaysEnabled"
    assert "scheduledEndDateTime" not in setting
    assert "closed (Retired)" in setting["externalReplyMessage"]
    assert "as soon as I can" in setting["externalReplyMessage"]
    assert sync(at("2026-11-24T18:00"))["action"] == "unchanged"


def test_a_token_with_read_only_permission_is_a_configuration_error(outlook: GraphFake) -> None:
    outlook.scopes = {READ}
    result = run("autoreply", "sync", "--at", MONDAY_EVENING.isoformat())
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: email: Microsoft Graph refused setting the automatic replies (403): the token "
        "lacks the scope MailboxSettings.ReadWrite; sign in again granting it. Make "
        "token_command ask for the scope MailboxSettings.ReadWrite.\n"
    )


def test_a_refused_token_is_fetched_again_once(outlook: GraphFake, tokens: TokenCommand) -> None:
    outlook.expire_token()
    assert sync(MONDAY_EVENING)["action"] == "set"
    assert tokens.runs == 2


def test_a_schedule_graph_refuses_is_reported_with_graphs_code(outlook: GraphFake) -> None:
    outlook.fail(
        400,
        method="PATCH",
        code="ErrorInvalidScheduledOofDuration",
        message="The scheduled end time must be after the scheduled start time.",
    )
    result = run("autoreply", "sync", "--json", "--at", MONDAY_EVENING.isoformat())
    assert result.exit_code == 4
    (row,) = json.loads(result.stdout)["channels"]
    assert row["error"] == (
        "Microsoft Graph answered 400 ErrorInvalidScheduledOofDuration while setting the "
        "automatic replies: The scheduled end time must be after the scheduled start time."
    )


def test_no_stored_login_says_which_to_make(graph_fake: GraphFake) -> None:
    responder_config("outlook", graph_fake, token_command=None)
    result = run("autoreply", "install")
    assert result.exit_code == 3
    store = Path(os.environ["HOURS_HOME"]) / "oauth" / "microsoft.json"
    assert result.stderr == (
        f"Error: no Microsoft login is stored in {store}; run `hours login microsoft`\n"
    )


MS_CLIENT_ID = "00000000-0000-0000-0000-0000000000aa"


def test_from_hours_login_to_the_first_window(
    graph_fake: GraphFake, oauth_server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With mode = "outlook" in the config, `hours login microsoft` asks for Graph's mailbox
    settings, and that login is what install and sync use (refreshed at the OAuth server)."""
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # the device flow's polling
    oauth_server.register_client(MS_CLIENT_ID)
    graph_fake.accepts = oauth_server.active
    responder_config(
        "outlook",
        graph_fake,
        token_command=None,
        extra=f'oauth_client_id = "{MS_CLIENT_ID}"\n'
        f'oauth_device_url = "{oauth_server.url("/devicecode")}"\n'
        f'oauth_token_url = "{oauth_server.url("/token")}"',
    )
    login = run("login", "microsoft", "--json")
    assert login.exit_code == 0, login.output
    assert json.loads(login.stdout)["scopes"] == [
        "https://graph.microsoft.com/MailboxSettings.ReadWrite",
        "offline_access",
    ]
    cli("autoreply", "install")
    assert sync(MONDAY_EVENING)["action"] == "set"
    refreshes = [r.form for r in oauth_server.requests_to("/token")][1:]
    assert [f["grant_type"] for f in refreshes] == ["refresh_token", "refresh_token"]
    # Microsoft is asked for Graph's scopes on each refresh, not the mail servers'.
    assert {f["scope"] for f in refreshes} == {
        "https://graph.microsoft.com/MailboxSettings.ReadWrite offline_access"
    }
