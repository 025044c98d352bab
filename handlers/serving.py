"""waitress, set up so that slow clients can't take the HTTP server away from Slack.

waitress closes a connection only after `channel_timeout` seconds with no bytes at all, so a
client sending one byte now and then keeps its connection for ever, and waitress stops
accepting at `connection_limit` connections. Here:

- every request must arrive whole within HTTP_READ_TIMEOUT seconds of its first byte, however
  steadily it trickles in (`_TimedChannel` notes when each request starts; the server's
  periodic maintenance closes the ones past their time). A request already read whole is never
  cut: only reading is bounded, not the work the app does;
- a connection idle that long is closed too (waitress's own `channel_timeout`);
- the server holds HTTP_MAX_CONNECTIONS connections, ten times waitress's default, so holding
  them all needs that many connections renewed every HTTP_READ_TIMEOUT seconds.

Slack sends each request whole within milliseconds, so none of this touches it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

# How often (seconds) waitress looks for connections past their time.
CLEANUP_INTERVAL = 1


class _TimedChannel(HTTPChannel):
    """A connection that remembers when the request it is reading began."""

    reading_since: float | None = None
    _reading: object = None

    def received(self, data: bytes) -> bool:
        done = bool(super().received(data))
        if self.request is None:
            self.reading_since, self._reading = None, None
        elif self.request is not self._reading:
            # A new request began in this chunk (waitress's maintenance uses time.time too).
            self.reading_since, self._reading = time.time(), self.request
        return done


def _close_slow_readers(server: BaseWSGIServer, read_timeout: int) -> None:
    """Give `server` a maintenance pass that also closes connections whose request has taken
    longer than `read_timeout` seconds to arrive."""
    idle_check = server.maintenance

    def maintenance(now: float) -> None:
        idle_check(now)
        for channel in list(server.active_channels.values()):
            since = getattr(channel, "reading_since", None)
            if since is not None and not channel.requests and now - since > read_timeout:
                channel.will_close = True

    server.channel_class = _TimedChannel
    server.maintenance = maintenance


def create(
    app: Callable[..., Iterable[bytes]],
    *,
    host: str,
    port: int,
    read_timeout: int,
    connection_limit: int,
    **adjustments: Any,
) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server bound to host:port (raises OSError if it can't be), not yet running:
    call `.run()` on it.

    Args:
        app: the WSGI application.
        host, port: where to listen (HOST, PORT).
        read_timeout: seconds a request may take to arrive, and a connection may stay idle
            (HTTP_READ_TIMEOUT).
        connection_limit: connections held at once; past it waitress stops accepting until
            one closes (HTTP_MAX_CONNECTIONS).
        adjustments: any other waitress settings (threads, ident, max_request_body_size).
    """
    server = create_server(
        app,
        host=host,
        port=port,
        channel_timeout=read_timeout,
        connection_limit=connection_limit,
        cleanup_interval=CLEANUP_INTERVAL,
        **adjustments,
    )
    listeners = (
        [s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
        if isinstance(server, MultiSocketServer)
        else [server]
    )
    for listener in listeners:
        _close_slow_readers(listener, read_timeout)
    return server
