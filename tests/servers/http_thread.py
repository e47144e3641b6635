"""Serve HTTP on 127.0.0.1 from a daemon thread: the stateful fakes and the OAuth server do."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(handler: type[BaseHTTPRequestHandler], port: int = 0) -> ThreadingHTTPServer:
    """Start serving `handler` on `port` of 127.0.0.1 (0: a free one); return the server."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


def stop(server: ThreadingHTTPServer | None) -> None:
    """Stop `server` serving and close its socket; nothing when there is none."""
    if server is not None:
        server.shutdown()
        server.server_close()
