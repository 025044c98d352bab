"""A stand-in for Slack's Socket Mode endpoint: a WebSocket server on a loopback port.

Slack's side of Socket Mode, as the app sees it: the app calls apps.connections.open (here,
`LocalSlack` answers with this server's URL), opens the WebSocket, gets `hello`, then gets
envelopes `{"envelope_id", "type", "payload", "accepts_response_payload"}` and answers each
with an ack `{"envelope_id", "payload"?}`. The `websockets` library does the protocol
(handshake, framing, ping/pong); this keeps the envelopes and the acks.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from websockets.sync.server import Server, ServerConnection, serve


class SocketModeEndpoint:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._connection: ServerConnection | None = None
        self.acks: dict[str, dict[str, Any]] = {}
        # No server pings: the app's client pings us, and we answer (the library does).
        self._server: Server = serve(self._serve, "127.0.0.1", 0, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket=local"

    def start(self) -> SocketModeEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def _serve(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "local", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": "A0TACTFUL"},
                }
            )
        )
        with self._lock:
            self._connection = connection
            self._lock.notify_all()
        for raw in connection:  # until the app closes the connection
            ack = json.loads(raw)
            with self._lock:
                self.acks[ack["envelope_id"]] = ack
                self._lock.notify_all()

    def wait_connected(self, timeout: float = 30) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: self._connection is not None, timeout):
                raise AssertionError("the app never opened the Socket Mode connection")

    def send(self, kind: str, payload: dict[str, Any], accepts_response_payload: bool) -> str:
        """Send one envelope (`slash_commands`, `interactive` or `events_api`); its id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        with self._lock:
            assert self._connection is not None, "not connected"
            self._connection.send(json.dumps(envelope))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """The app's ack of an envelope, waiting for it."""
        with self._lock:
            if not self._lock.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"no ack for envelope {envelope_id}")
            return self.acks[envelope_id]
