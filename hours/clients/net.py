"""Where a mail server is and how to reach it safely: shared by IMAP, SMTP and ManageSieve."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Literal, get_args

from hours.errors import ProviderError

Security = Literal["ssl", "starttls", "none"]
SECURITY_CHOICES: tuple[str, ...] = get_args(Security)


@dataclass(frozen=True)
class Endpoint:
    """A server's host, port and transport security."""

    host: str
    port: int
    security: Security


def is_loopback(host: str) -> bool:
    """Tell whether `host` names this machine without asking DNS."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_safe(endpoint: Endpoint, *, service: str) -> None:
    """Refuse a plaintext connection anywhere but loopback, where no one can listen in."""
    if endpoint.security not in SECURITY_CHOICES:
        raise ProviderError(
            f"{service}: security {endpoint.security!r} is not one of "
            f"{', '.join(SECURITY_CHOICES)}."
        )
    if endpoint.security == "none" and not is_loopback(endpoint.host):
        raise ProviderError(
            f'{service}: security = "none" would send the password in clear to '
            f"{endpoint.host}; it is allowed only on loopback (127.0.0.1, ::1, localhost). "
            'Use "ssl" or "starttls".'
        )


def describe(endpoint: Endpoint) -> str:
    """Name the server for an error message: host and port, never credentials."""
    return f"{endpoint.host}:{endpoint.port}"


def scrub(exc: BaseException, password: str | None, timeout: float, detail: str = "") -> str:
    """Describe a network error for a one-line message, with the password never in it.

    `detail` is the server's own words when the caller has them (an SMTP reply, say).
    """
    if isinstance(exc, socket.timeout | TimeoutError):
        text = f"no answer within {timeout:g} s"
    elif isinstance(exc, ConnectionRefusedError):
        text = "connection refused (is the host and port right, and the server up?)"
    else:
        text = detail or str(exc) or type(exc).__name__
    return text.replace(password, "***") if password else text
