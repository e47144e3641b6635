"""SASL for OAuth2 access tokens: XOAUTH2 and OAUTHBEARER (RFC 7628), for IMAP, SMTP and ManageSieve.

One `OAuthSasl` object carries one exchange: it answers first with the initial response, and if
the server sends back its failure challenge (a JSON document with a status and scope) it keeps
what the server said and answers as each mechanism requires, so the server can finish with NO.

A mail client is given a password (text) or a `TokenLogin`: the mechanism, where access tokens
come from, and what to tell the user when the server refuses them. `token_attempts` is the one
rule every client follows: a refused token is fetched once more and tried once more. `MailLogin`
is what the IMAP, SMTP and ManageSieve clients share: where they log in, with what, and the
secret of the moment that no message of theirs may show.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

from hours.clients.net import Deadline, Endpoint, hide

if TYPE_CHECKING:  # a protocol only: the OAuth client (and requests) load where tokens are used
    from hours.clients.oauth import TokenSource

Mechanism = Literal["XOAUTH2", "OAUTHBEARER"]
MECHANISMS: tuple[str, ...] = get_args(Mechanism)

# RFC 7628 section 3.1: key/value pairs are separated by ^A (0x01).
_SEP = "\x01"


def xoauth2(user: str, token: str) -> bytes:
    """Return Google's and Microsoft's XOAUTH2 initial response (before base64)."""
    return f"user={user}{_SEP}auth=Bearer {token}{_SEP}{_SEP}".encode()


def oauthbearer(user: str, token: str, *, host: str, port: int) -> bytes:
    """Return the RFC 7628 OAUTHBEARER initial response (before base64)."""
    # The GS2 header's authzid is a saslname: ',' and '=' are escaped (RFC 5801 section 4).
    authzid = user.replace("=", "=3D").replace(",", "=2C")
    return (
        f"n,a={authzid},{_SEP}host={host}{_SEP}port={port}{_SEP}auth=Bearer {token}{_SEP}{_SEP}"
    ).encode()


def initial_response(mechanism: str, user: str, token: str, *, host: str, port: int) -> bytes:
    """Return the initial response of `mechanism` (before base64)."""
    if mechanism == "XOAUTH2":
        return xoauth2(user, token)
    if mechanism == "OAUTHBEARER":
        return oauthbearer(user, token, host=host, port=port)
    raise ValueError(f"{mechanism!r} is not one of {', '.join(MECHANISMS)}")


@dataclass(frozen=True)
class SaslFailure:
    """What a server said when it refused a token: its status, and the scope it wants."""

    status: str
    scope: str = ""

    def describe(self) -> str:
        """Say in a few words why the token was refused, for a one-line error."""
        if self.status in ("401", "invalid_token"):
            reason = "the access token is invalid or has expired"
        elif self.status in ("403", "insufficient_scope"):
            reason = "the access token does not grant access to mail"
        elif self.status in ("400", "invalid_request"):
            reason = "the server found the login request malformed"
        else:
            reason = f"the server refused the access token (status {self.status})"
        return f"{reason} (it asks for scope {self.scope})" if self.scope else reason


def parse_failure(challenge: bytes | str) -> SaslFailure | None:
    """Read a server's failure challenge: JSON, or base64 of JSON; None if it is neither."""
    raw = challenge.encode() if isinstance(challenge, str) else challenge
    candidates = [raw]
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(raw, validate=True))
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict) and "status" in data:
            scope = data.get("scope")
            return SaslFailure(str(data["status"]), scope if isinstance(scope, str) else "")
    return None


@dataclass
class OAuthSasl:
    """One SASL exchange with an access token, as the callable smtplib and imaplib take.

    `smtplib.SMTP.auth(mech, sasl)` and `imaplib.IMAP4.authenticate(mech, sasl)` call it with
    each server challenge (None or empty first); ManageSieve sends `initial_base64()` itself.
    """

    mechanism: Mechanism
    user: str
    token: str = field(repr=False)
    host: str = ""
    port: int = 0
    # What the server said when it refused the token, once it has.
    failure: SaslFailure | None = field(default=None, init=False)
    _sent: bool = field(default=False, init=False, repr=False)

    def initial(self) -> bytes:
        """Return the initial response (before base64)."""
        return initial_response(
            self.mechanism, self.user, self.token, host=self.host, port=self.port
        )

    def initial_base64(self) -> str:
        """Return the initial response in base64, for a command line (SASL-IR, ManageSieve)."""
        self._sent = True
        return base64.b64encode(self.initial()).decode("ascii")

    def respond_base64(self, challenge: str) -> str:
        """Answer a base64 challenge in base64, as ManageSieve carries them (RFC 5804 2.1)."""
        try:
            decoded = base64.b64decode(challenge, validate=True)
        except (binascii.Error, ValueError):
            decoded = challenge.encode()
        return base64.b64encode(self(decoded).encode()).decode("ascii")

    def __call__(self, challenge: bytes | None = None) -> str:
        """Answer a challenge: the initial response first, then the reply a failure needs."""
        if not self._sent and not challenge:
            self._sent = True
            return self.initial().decode()
        self._sent = True
        self.failure = parse_failure(challenge or b"") or self.failure
        return answer_to_failure(self.mechanism)


def answer_to_failure(mechanism: str) -> str:
    """Return what a client sends after a failure challenge, so the server can say NO.

    XOAUTH2 (Google's description) wants an empty response; OAUTHBEARER wants a single ^A
    (RFC 7628 section 3.2.3).
    """
    return _SEP if mechanism == "OAUTHBEARER" else ""


@dataclass(frozen=True)
class TokenLogin:
    """How a mail client logs in with OAuth2: the mechanism, the tokens, what to run if refused."""

    mechanism: Mechanism
    tokens: TokenSource = field(repr=False)
    # What the user runs when the server refuses the tokens: "run `hours login microsoft` again".
    advice: str

    def refused(self, service: str, where: str, user: str, why: str) -> str:
        """Say that the server refused a token and a fresh one after it, and what to run."""
        return (
            f"{service} {where} refused the OAuth2 access token for {user} ({self.mechanism}), "
            f"and a fresh one after it: {why}; {self.advice}"
        )


Credential = str | TokenLogin  # a password, or OAuth2 access tokens


def token_attempts(login: TokenLogin) -> Iterator[str]:
    """Yield an access token; when asked again (the server refused it), a fresh one, once."""
    yield login.tokens.access_token()
    login.tokens.invalidate()
    yield login.tokens.access_token()


def offers(mechanism: str, offered: list[str], *, service: str, where: str) -> str | None:
    """Return why a server offering `offered` SASL mechanisms cannot take `mechanism`, or None."""
    if mechanism.upper() in (m.upper() for m in offered):
        return None
    return (
        f"{service} {where} offers no {mechanism} login (it offers: {', '.join(offered) or 'none'})"
    )


class MailLogin:
    """A mail server's login: the endpoint, the credential, and the secret to keep out of errors.

    `password` is the password, or a TokenLogin for OAuth2 (XOAUTH2 or OAUTHBEARER). Each wait
    on the server gets at most `timeout`, and never past `deadline` (the sync's).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        password: Credential | None,
        *,
        timeout: float,
        deadline: Deadline | None,
    ) -> None:
        self.endpoint = endpoint
        self._credential = password
        # What must never reach a message: the password, or the last access token sent.
        self._password = password if isinstance(password, str) else None
        hide(self._password)
        self.timeout = timeout
        self.deadline = deadline

    def _tokens(self, login: TokenLogin) -> Iterator[str]:
        """Yield the access tokens to try (`token_attempts`), each kept out of every message."""
        for token in token_attempts(login):
            self._password = token
            hide(token)
            yield token
