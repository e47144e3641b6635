"""XOAUTH2 and OAUTHBEARER: the exact bytes, and logins to real servers on loopback.

Dovecot (IMAP and ManageSieve) and aiosmtpd check each token at the loopback OAuth2 server's
introspection endpoint: a token it issued for that user logs in; a wrong, expired or another
user's token is refused, and the server's failure challenge is read for the error message.
"""

from __future__ import annotations

import base64
import imaplib
import smtplib
import socket
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from hours.clients import managesieve, sasl
from hours.clients.managesieve import ManageSieve, SieveError
from hours.clients.net import Endpoint
from hours.clients.sasl import OAuthSasl, SaslFailure, TokenLogin
from hours.clients.smtp import SmtpSender
from hours.errors import ProviderError
from tests.servers.dovecot import Dovecot, MailUser
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import SmtpRecorder

TOKEN = "ya29.a0Af-distinctive"


def test_xoauth2_initial_response_is_exact() -> None:
    assert sasl.xoauth2("sam@example.com", TOKEN) == (
        b"user=sam@example.com\x01auth=Bearer ya29.a0Af-distinctive\x01\x01"
    )


def test_oauthbearer_initial_response_is_rfc_7628() -> None:
    assert sasl.oauthbearer("sam@example.com", TOKEN, host="imap.example.com", port=993) == (
        b"n,a=sam@example.com,\x01host=imap.example.com\x01port=993\x01"
        b"auth=Bearer ya29.a0Af-distinctive\x01\x01"
    )
    # The authzid is a saslname: ',' and '=' are escaped (RFC 5801).
    assert sasl.oauthbearer("a,b=c@x", "t", host="h", port=1).startswith(b"n,a=a=2Cb=3Dc@x,\x01")


def test_initial_response_by_mechanism_name() -> None:
    assert sasl.initial_response("XOAUTH2", "u", "t", host="h", port=1) == sasl.xoauth2("u", "t")
    with pytest.raises(ValueError, match="'PLAIN' is not one of XOAUTH2, OAUTHBEARER"):
        sasl.initial_response("PLAIN", "u", "t", host="h", port=1)


@pytest.mark.parametrize(
    ("challenge", "failure", "described"),
    [
        (
            b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}',
            SaslFailure("401", "https://mail.google.com/"),
            "the access token is invalid or has expired (it asks for scope "
            "https://mail.google.com/)",
        ),
        (
            base64.b64encode(b'{"status":"invalid_token"}'),
            SaslFailure("invalid_token"),
            "the access token is invalid or has expired",
        ),
        (
            '{"status":"insufficient_scope","scope":"mail"}',
            SaslFailure("insufficient_scope", "mail"),
            "the access token does not grant access to mail (it asks for scope mail)",
        ),
        (
            b'{"status":"400"}',
            SaslFailure("400"),
            "the server found the login request malformed",
        ),
        (
            b'{"status":"499"}',
            SaslFailure("499"),
            "the server refused the access token (status 499)",
        ),
    ],
)
def test_a_failure_challenge_is_read(
    challenge: bytes | str, failure: SaslFailure, described: str
) -> None:
    parsed = sasl.parse_failure(challenge)
    assert parsed == failure
    assert parsed.describe() == described


@pytest.mark.parametrize("challenge", [b"", b"+ go ahead", b"[1, 2]", b'{"scope": "x"}', b"\xff"])
def test_anything_else_is_no_failure(challenge: bytes) -> None:
    assert sasl.parse_failure(challenge) is None


def test_one_exchange_answers_the_failure_as_each_mechanism_needs() -> None:
    challenge = b'{"status":"401"}'
    xoauth2 = OAuthSasl("XOAUTH2", "u@x", TOKEN)
    assert xoauth2() == "user=u@x\x01auth=Bearer ya29.a0Af-distinctive\x01\x01"
    assert xoauth2(challenge) == ""
    assert xoauth2.failure == SaslFailure("401")
    bearer = OAuthSasl("OAUTHBEARER", "u@x", TOKEN, host="h", port=143)
    assert (
        bearer(b"") == "n,a=u@x,\x01host=h\x01port=143\x01auth=Bearer ya29.a0Af-distinctive\x01\x01"
    )
    assert bearer(challenge) == "\x01"
    assert TOKEN not in repr(bearer)


# --- IMAP on Dovecot ------------------------------------------------------------------


def imap(dovecot: Dovecot) -> IMAPClient:
    return IMAPClient(dovecot.host, port=dovecot.imap_port, ssl=False, timeout=10)


def test_imap_takes_both_mechanisms_with_a_good_token(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser, oauth_server: OAuthServer
) -> None:
    token = oauth_server.issue_access_token(oauth_mail_user.address)
    client = imap(dovecot_oauth)
    assert b"AUTH=XOAUTH2" in client.capabilities()
    assert client.oauth2_login(oauth_mail_user.address, token) == [b"Logged in"]
    assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
    client.logout()
    client = imap(dovecot_oauth)
    assert client.oauthbearer_login(oauth_mail_user.address, token) == [b"Logged in"]
    client.logout()
    introspected = [r.form["token"] for r in oauth_server.requests_to("/introspect")]
    assert introspected == [token, token]


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_imap_refuses_a_bad_an_expired_and_another_users_token(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser, oauth_server: OAuthServer, mechanism: str
) -> None:
    other = dovecot_oauth.new_user()
    expired = oauth_server.issue_access_token(oauth_mail_user.address)
    oauth_server.expire(expired)
    others = oauth_server.issue_access_token(other.address)
    expected = (
        SaslFailure("401", "mail") if mechanism == "XOAUTH2" else SaslFailure("invalid_token")
    )
    for token in ("ya29.never-issued", expired, others):
        session = imaplib.IMAP4(dovecot_oauth.host, dovecot_oauth.imap_port, timeout=10)
        exchange = OAuthSasl(
            mechanism,  # type: ignore[arg-type]
            oauth_mail_user.address,
            token,
            host=dovecot_oauth.host,
            port=dovecot_oauth.imap_port,
        )
        with pytest.raises(imaplib.IMAP4.error, match=r"AUTHENTICATIONFAILED"):
            session.authenticate(mechanism, exchange)
        session.shutdown()
        assert exchange.failure == expected
    # Through IMAPClient's own methods too: a good token still works afterwards.
    with pytest.raises(LoginError):
        imap(dovecot_oauth).oauth2_login(oauth_mail_user.address, expired)
    good = oauth_server.issue_access_token(oauth_mail_user.address)
    assert imap(dovecot_oauth).oauth2_login(oauth_mail_user.address, good) == [b"Logged in"]


def test_passwords_still_work_beside_tokens(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser
) -> None:
    with dovecot_oauth.imap(oauth_mail_user) as client:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0


# --- ManageSieve on Dovecot -----------------------------------------------------------


class RawSieve:
    """Just enough ManageSieve (RFC 5804) to log in with SASL and list scripts."""

    def __init__(self, dovecot: Dovecot) -> None:
        self.sock = socket.create_connection((dovecot.host, dovecot.sieve_port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.capabilities = self.read_until_status()

    def read_until_status(self) -> list[bytes]:
        lines = []
        while not (line := self.file.readline()).startswith((b"OK", b"NO", b"BYE")):
            lines.append(line)
        lines.append(line)
        return lines

    def authenticate(self, exchange: OAuthSasl) -> bytes:
        """Log in; answer a failure challenge as the mechanism needs; return the status line."""
        command = f'AUTHENTICATE "{exchange.mechanism}" "{exchange.initial_base64()}"\r\n'
        self.sock.sendall(command.encode())
        line = self.file.readline()
        if line.startswith(b'"'):  # a continuation: the server's failure challenge
            answer = exchange.respond_base64(line.strip().strip(b'"').decode())
            self.sock.sendall(f'"{answer}"\r\n'.encode())
            line = self.file.readline()
        return line

    def close(self) -> None:
        self.sock.sendall(b"LOGOUT\r\n")
        self.file.close()
        self.sock.close()


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_managesieve_takes_a_good_token_and_refuses_a_bad_one(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser, oauth_server: OAuthServer, mechanism: str
) -> None:
    good = oauth_server.issue_access_token(oauth_mail_user.address)
    expired = oauth_server.issue_access_token(oauth_mail_user.address)
    oauth_server.expire(expired)

    def login(token: str) -> tuple[bytes, OAuthSasl, RawSieve]:
        sieve = RawSieve(dovecot_oauth)
        exchange = OAuthSasl(
            mechanism,  # type: ignore[arg-type]
            oauth_mail_user.address,
            token,
            host=dovecot_oauth.host,
            port=dovecot_oauth.sieve_port,
        )
        return sieve.authenticate(exchange), exchange, sieve

    status, exchange, sieve = login(good)
    assert b'"SASL" "PLAIN LOGIN XOAUTH2 OAUTHBEARER"\r\n' in sieve.capabilities
    assert status == b'OK "Logged in."\r\n'
    assert exchange.failure is None
    sieve.sock.sendall(b"LISTSCRIPTS\r\n")
    assert sieve.read_until_status()[-1].startswith(b"OK")
    sieve.close()
    for token in ("ya29.never-issued", expired):
        status, exchange, sieve = login(token)
        assert status.startswith(b"NO")
        assert exchange.failure is not None
        assert exchange.failure.describe().startswith("the access token is invalid or has expired")
        sieve.close()


# --- SMTP on aiosmtpd -----------------------------------------------------------------


def message(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "sam@example.test"
    msg["To"] = to
    msg["Subject"] = "Closed now"
    msg.set_content("Back Monday.\n")
    return msg


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_smtp_login_with_a_token_then_send(
    oauth_smtp: SmtpRecorder, oauth_server: OAuthServer, mechanism: str
) -> None:
    token = oauth_server.issue_access_token("sam@example.test")
    with smtplib.SMTP(oauth_smtp.host, oauth_smtp.port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.esmtp_features["auth"].split() == ["LOGIN", "OAUTHBEARER", "PLAIN", "XOAUTH2"]
        exchange = OAuthSasl(
            mechanism,  # type: ignore[arg-type]
            "sam@example.test",
            token,
            host=oauth_smtp.host,
            port=oauth_smtp.port,
        )
        code, _ = smtp.auth(mechanism, exchange)
        assert code == 235
        smtp.send_message(message("zoe@client.test"))
    assert [m.rcpt_tos for m in oauth_smtp.messages] == [("zoe@client.test",)]
    assert [(a.mechanism, a.user, a.accepted) for a in oauth_smtp.oauth_attempts] == [
        (mechanism, "sam@example.test", True)
    ]


@pytest.mark.parametrize(("mechanism", "after"), [("XOAUTH2", b""), ("OAUTHBEARER", b"\x01")])
def test_smtp_refuses_a_bad_token_after_the_failure_challenge(
    oauth_smtp: SmtpRecorder, oauth_server: OAuthServer, mechanism: str, after: bytes
) -> None:
    expired = oauth_server.issue_access_token("sam@example.test")
    oauth_server.expire(expired)
    others = oauth_server.issue_access_token("alex@example.test")
    for token in (expired, others, "ya29.never-issued"):
        with smtplib.SMTP(oauth_smtp.host, oauth_smtp.port, timeout=10) as smtp:
            smtp.ehlo()
            exchange = OAuthSasl(
                mechanism,  # type: ignore[arg-type]
                "sam@example.test",
                token,
                host=oauth_smtp.host,
                port=oauth_smtp.port,
            )
            with pytest.raises(smtplib.SMTPAuthenticationError) as e:
                smtp.auth(mechanism, exchange)
            assert e.value.smtp_code == 535
            assert exchange.failure is not None
            assert exchange.failure.scope == "https://mail.google.com/"
    attempts = oauth_smtp.oauth_attempts
    assert [(a.accepted, a.after_failure) for a in attempts] == [(False, after)] * 3
    assert oauth_smtp.messages == []


# --- the mail clients, given a TokenLogin -----------------------------------------------


class Tokens:
    """Hands out the given tokens in turn, as a token source does after each invalidate."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.handed: list[str] = []

    def access_token(self) -> str:
        token = self.tokens[min(len(self.handed), len(self.tokens) - 1)]
        self.handed.append(token)
        return token

    def invalidate(self) -> None:
        return None


ADVICE = "run `hours login microsoft` again"


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_managesieve_fetches_a_fresh_token_after_a_refusal(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser, oauth_server: OAuthServer, mechanism: str
) -> None:
    expired = oauth_server.issue_access_token(oauth_mail_user.address)
    oauth_server.expire(expired)
    fresh = oauth_server.issue_access_token(oauth_mail_user.address)
    tokens = Tokens(expired, fresh)
    endpoint = Endpoint(dovecot_oauth.host, dovecot_oauth.sieve_port, "none")
    login = TokenLogin(mechanism, tokens, ADVICE)  # type: ignore[arg-type]

    with ManageSieve(endpoint, oauth_mail_user.address, login) as sieve:
        assert sieve.list_scripts().names == ()

    assert tokens.handed == [expired, fresh]


def test_managesieve_sends_a_long_token_as_a_literal(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser, oauth_server: OAuthServer
) -> None:
    # RFC 5804 quotes at most 1024 octets; a token of Microsoft's length goes as a literal.
    assert managesieve._string("abc") == '"abc"'
    assert managesieve._string("x" * 1025) == "{1025+}\r\n" + "x" * 1025
    long = oauth_server.issue_access_token(oauth_mail_user.address, size=3000)
    assert len(long) == 3000
    endpoint = Endpoint(dovecot_oauth.host, dovecot_oauth.sieve_port, "none")
    login = TokenLogin("XOAUTH2", Tokens(long), ADVICE)
    with ManageSieve(endpoint, oauth_mail_user.address, login) as sieve:
        assert sieve.list_scripts().active is None


def test_managesieve_refused_twice_says_why_and_what_to_run(
    dovecot_oauth: Dovecot, oauth_mail_user: MailUser, oauth_server: OAuthServer
) -> None:
    endpoint = Endpoint(dovecot_oauth.host, dovecot_oauth.sieve_port, "none")
    tokens = Tokens("ya29.never-issued")
    with pytest.raises(SieveError) as e:
        ManageSieve(
            endpoint, oauth_mail_user.address, TokenLogin("XOAUTH2", tokens, ADVICE)
        ).connect()
    where = f"{dovecot_oauth.host}:{dovecot_oauth.sieve_port}"
    assert e.value.message == (
        f"ManageSieve {where} refused the OAuth2 access token for {oauth_mail_user.address} "
        "(XOAUTH2), and a fresh one after it: the access token is invalid or has expired "
        f"(it asks for scope mail); {ADVICE}"
    )
    assert tokens.handed == ["ya29.never-issued"] * 2
    assert "ya29.never-issued" not in e.value.message


def test_servers_without_the_mechanism_are_named_with_what_they_offer(
    dovecot: Dovecot, mail_user: MailUser
) -> None:
    login = TokenLogin("XOAUTH2", Tokens("ya29.unused"), ADVICE)
    host = dovecot.host
    with pytest.raises(SieveError) as sieve:
        ManageSieve(Endpoint(host, dovecot.sieve_port, "none"), mail_user.address, login).connect()
    assert sieve.value.message == (
        f"ManageSieve {host}:{dovecot.sieve_port} offers no XOAUTH2 login (it offers: PLAIN, LOGIN)"
    )
    recorder = SmtpRecorder(logins={mail_user.address: mail_user.password}).start()
    try:
        sender = SmtpSender(Endpoint(host, recorder.port, "none"), mail_user.address, login)
        with pytest.raises(ProviderError) as smtp:
            sender.check()
    finally:
        recorder.stop()
    assert smtp.value.message == (
        f"SMTP {host}:{recorder.port} offers no XOAUTH2 login (it offers: LOGIN, PLAIN)"
    )
    assert login.tokens.handed == []  # type: ignore[attr-defined]
