"""HTTP within the sync's deadline, for the Twilio, Gmail and Graph clients.

`requests` gives a read timeout per socket read, which a server answering one byte every few
seconds never meets; and it reads a whole answer into memory. Here every read of an answer,
from its status line to its last byte, goes through the sockets of a `session()`, each read
given only what is left of the deadline (net.DeadlineIO), and `fetch` refuses an answer larger
than its cap, however it is sent (declared, chunked, compressed).
"""

from __future__ import annotations

import contextvars
import http.client
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection

from hours.clients.net import Deadline, DeadlineIO, TooLarge

# The longest a connection may take to be made, within what is left of the deadline.
CONNECT_WAIT = 10.0


@dataclass(frozen=True)
class _Bounds:
    deadline: Deadline
    wait: float
    max_bytes: int
    doing: str


# The bounds of the request being made in this thread: set by `fetch` around each request,
# read by the answer as it starts (urllib3 builds it deep inside, with no way to pass them).
_ACTIVE: contextvars.ContextVar[_Bounds | None] = contextvars.ContextVar("hours_http", default=None)


class _Response(http.client.HTTPResponse):
    """http.client's answer, reading its socket through DeadlineIO when `fetch` is at work."""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        bounds = _ACTIVE.get()
        if bounds is not None:
            original = self.fp
            raw = DeadlineIO(sock, bounds.deadline, bounds.wait, bounds.doing, bounds.max_bytes * 2)
            self.fp = io.BufferedReader(raw)
            original.close()  # the socket stays open: the connection owns it


class _HTTPConnection(HTTPConnection):
    response_class = _Response


class _HTTPSConnection(HTTPSConnection):
    response_class = _Response


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    """requests' adapter, its connection pools making connections whose answers are bounded."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return manager


def session() -> requests.Session:
    """Return a requests Session whose answers `fetch` can bound."""
    out = requests.Session()
    adapter = _Adapter()
    out.mount("http://", adapter)
    out.mount("https://", adapter)
    return out


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, read whole: its status, headers and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def fetch(
    client: requests.Session,
    method: str,
    url: str,
    *,
    deadline: Deadline,
    wait: float,
    max_bytes: int,
    doing: str,
    **kwargs: Any,
) -> Answer:
    """Send one request and read its whole answer within the deadline, at most `max_bytes`.

    Each wait (to connect, for each read) is at most `wait` and never past the deadline:
    OutOfTime when the deadline passes, TooLarge when the answer passes `max_bytes` (its body
    as decoded). Redirects are not followed. requests' own errors (refused, reset, TLS, a
    timeout) are raised as they come, for the caller to describe.
    """
    connect = deadline.timeout(min(CONNECT_WAIT, wait), doing)
    token = _ACTIVE.set(_Bounds(deadline, wait, max_bytes, doing))
    try:
        with client.request(
            method,
            url,
            timeout=(connect, deadline.timeout(wait, doing)),
            stream=True,
            allow_redirects=False,
            **kwargs,
        ) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_big(max_bytes, doing)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_big(max_bytes, doing)
                chunks.append(chunk)
            return Answer(response.status_code, response.headers, b"".join(chunks))
    finally:
        _ACTIVE.reset(token)


def _too_big(max_bytes: int, doing: str) -> TooLarge:
    return TooLarge(
        f"an answer of more than {max_bytes >> 10} KiB while {doing}; that is not an answer "
        "the provider gives"
    )
