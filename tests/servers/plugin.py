"""Real servers on loopback that the test suite starts itself (registered from conftest).

Fixtures:
- `dovecot`: one Dovecot per session (IMAP, ManageSieve, LMTP + Sieve); skipped with the reason
  when it cannot be installed, a failure instead when HOURS_REQUIRE_REAL_SERVERS=1.
- `mail_user`: a fresh account with an empty mailbox and no Sieve script, per test.
- `submission`: the SMTP recorder Dovecot sends Sieve `vacation` replies to, emptied at the
  start of each test (`wait_for(n, to=...)`, `sent_to(address)`).
- `smtp_server`: a fresh SMTP recorder per test, which a test may `stop()` to see a failure.
- `oauth_server`: the loopback OAuth2 authorization server (one per session), emptied of
  clients, tokens, faults and recorded requests at the start of each test.
- `dovecot_oauth`: a second Dovecot for the session that also takes XOAUTH2 and OAUTHBEARER
  logins, checking each token at `oauth_server`'s introspection endpoint; `oauth_mail_user`
  is a fresh account on it.
- `oauth_smtp`: a fresh SMTP recorder per test taking XOAUTH2 and OAUTHBEARER logins, checked
  against `oauth_server` too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NoReturn

import pytest

from tests.servers.dovecot import Dovecot, MailUser, missing_packages_reason
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import SmtpRecorder


def unavailable(reason: str) -> NoReturn:
    """Skip the test for a missing real server, or fail it when HOURS_REQUIRE_REAL_SERVERS=1."""
    if os.environ.get("HOURS_REQUIRE_REAL_SERVERS") == "1":
        pytest.fail(f"HOURS_REQUIRE_REAL_SERVERS=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def submission_server() -> Iterator[SmtpRecorder]:
    """Run the SMTP recorder that Dovecot's `submission_host` points at, for the session."""
    recorder = SmtpRecorder().start()
    yield recorder
    recorder.stop()


@pytest.fixture
def submission(submission_server: SmtpRecorder, dovecot: Dovecot) -> SmtpRecorder:
    """Return Dovecot's SMTP recorder, emptied of what earlier tests sent."""
    submission_server.clear()
    return submission_server


@pytest.fixture(scope="session")
def dovecot(submission_server: SmtpRecorder) -> Iterator[Dovecot]:
    """Start one real Dovecot for the session, and stop it at the end."""
    reason = missing_packages_reason()
    if reason is not None:
        unavailable(reason)
    server = Dovecot(submission_port=submission_server.port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_user(dovecot: Dovecot) -> MailUser:
    """Create a fresh account, so no test sees another's mail or scripts."""
    return dovecot.new_user()


@pytest.fixture
def smtp_server() -> Iterator[SmtpRecorder]:
    """Run a fresh SMTP recorder for one test; stopping it early is allowed."""
    recorder = SmtpRecorder().start()
    yield recorder
    recorder.stop()


@pytest.fixture(scope="session")
def oauth_server_session() -> Iterator[OAuthServer]:
    """Run the loopback OAuth2 authorization server for the session."""
    server = OAuthServer().start()
    yield server
    server.stop()


@pytest.fixture
def oauth_server(oauth_server_session: OAuthServer) -> OAuthServer:
    """Return the OAuth2 server with nothing registered, issued, queued or recorded."""
    oauth_server_session.reset()
    return oauth_server_session


@pytest.fixture(scope="session")
def dovecot_oauth(
    submission_server: SmtpRecorder, oauth_server_session: OAuthServer
) -> Iterator[Dovecot]:
    """Start a Dovecot that takes OAuth2 logins (and passwords) for the session."""
    reason = missing_packages_reason()
    if reason is not None:
        unavailable(reason)
    server = Dovecot(
        submission_port=submission_server.port,
        oauth_introspection_url=oauth_server_session.url("/introspect"),
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def oauth_mail_user(dovecot_oauth: Dovecot, oauth_server: OAuthServer) -> MailUser:
    """Create a fresh account on the OAuth2 Dovecot (the OAuth2 server emptied first)."""
    return dovecot_oauth.new_user()


@pytest.fixture
def oauth_smtp(oauth_server: OAuthServer) -> Iterator[SmtpRecorder]:
    """Run a fresh SMTP recorder for one test that takes OAuth2 logins."""
    recorder = SmtpRecorder(oauth_introspection_url=oauth_server.url("/introspect")).start()
    yield recorder
    recorder.stop()
