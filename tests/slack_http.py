"""Talking to the app as Slack does: over real HTTP, signed with the signing secret."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import waitress
from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret-0123456789abcdef"
TEAM1 = "T0TEAM1"  # the workspace a request comes from unless a test names another
_serial = itertools.count(1)


def fresh_id(prefix: str = "") -> str:
    """A new trigger_id / event_id, as Slack gives every command, click and event: two
    requests are byte-identical (same signature) only when one is a replay of the other."""
    return f"{prefix}{next(_serial)}.{int(time.time())}.tactfultest"


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """Everything the person would read: the fallback text and every block's text."""
        data = self.json()
        parts = [data.get("text", "")]
        for block in data.get("blocks", []):
            if "text" in block:
                parts.append(block["text"]["text"])
            parts.extend(
                e.get("text", "")
                for e in block.get("elements", [])
                if isinstance(e.get("text"), str)
            )
        return "\n".join(parts)


def slash_command(
    text: str, team: str = "T0TEAM1", user: str = "U0ALICE", channel: str = "C0WORK"
) -> dict[str, str]:
    """`/client text`'s fields as Slack sends them: a form over HTTP, JSON in Socket Mode."""
    return {
        "token": "legacy-unused",
        "team_id": team,
        "team_domain": "agency",
        "channel_id": channel,
        "channel_name": "work",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/client",
        "text": text,
        "api_app_id": "A0TACTFUL",
        "is_enterprise_install": "false",
        "response_url": f"https://hooks.slack.invalid/commands/{team}/1/abc",
        "trigger_id": fresh_id(),
    }


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


class LazyListeners(futures.ThreadPoolExecutor):
    """The executor Bolt runs the app's lazy listeners on (bot.build_app's
    `listener_executor`), which a test can wait on: the HTTP answer comes back at the ack,
    the work after it finishes a moment later, on these threads."""

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="lazy")
        self._started: list[futures.Future] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._started.append(future)
        return future

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(not f.done() for f in self._started)

    def settle(self, timeout: float = 10) -> None:
        """Wait until every lazy listener started so far has finished (they are started
        before the HTTP answer is sent, so a finished request's work is among them)."""
        with self._lock:
            started = list(self._started)
        _done, not_done = futures.wait(started, timeout)
        if not_done:
            raise AssertionError(f"{len(not_done)} lazy listener(s) still running after {timeout}s")


def serve(app: Any, lazy: LazyListeners | None = None, **options: Any) -> AppServer:
    """The Bolt app behind the real WSGI layer (signature, size and replay checks), on
    loopback. `options` go to handlers.http.wsgi_app."""
    from handlers.http import wsgi_app

    options.setdefault("healthy", lambda: True)
    return AppServer(wsgi_app(app, signing_secret=SECRET, **options), lazy=lazy)


class AppServer:
    """The app's WSGI callable, served by waitress on a loopback port.

    With `lazy`, each request returns once the lazy listeners it started have finished, so a
    test reads their effects; pass `settle=False` to look between the ack and that work.
    """

    @classmethod
    def at(cls, url: str) -> AppServer:
        """Talk to an app served elsewhere (e.g. `python bot.py` in a subprocess)."""
        remote = cls.__new__(cls)
        remote.url = url
        remote.responses = []
        return remote

    lazy: LazyListeners | None = None

    def __init__(self, wsgi: Any, lazy: LazyListeners | None = None) -> None:
        self.lazy = lazy
        self.server = waitress.create_server(
            wsgi, host="127.0.0.1", port=0, threads=8, clear_untrusted_proxy_headers=True
        )
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.closing = False
        # Every answer the app gave, for checks across a whole test (tests/conftest.py).
        self.responses: list[Response] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError:
            # close() from the test thread can pull a socket out from under select().
            if not self.closing:
                raise

    def close(self) -> None:
        self.closing = True
        self.server.close()

    def request(
        self,
        path: str,
        body: str | bytes = "",
        headers: dict[str, str] | None = None,
        method: str = "POST",
        settle: bool = True,
    ) -> Response:
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(
            self.url + path,
            data=data if method == "POST" else None,
            method=method,
            headers=headers or {},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                response = Response(res.status, res.read().decode())
        except urllib.error.HTTPError as err:
            response = Response(err.code, err.read().decode())
        self.responses.append(response)
        if settle and self.lazy is not None:
            self.lazy.settle()
        return response

    def post_signed(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        secret: str = SECRET,
        extra: dict[str, str] | None = None,
        settle: bool = True,
    ) -> Response:
        headers = {"Content-Type": content_type, **sign(body, timestamp, secret), **(extra or {})}
        return self.request("/slack/events", body, headers, settle=settle)

    def slash(
        self,
        text: str,
        team: str = TEAM1,
        user: str = "U0ALICE",
        channel: str = "C0WORK",
        **kw: Any,
    ) -> Response:
        form = slash_command(text, team, user, channel)
        return self.post_signed(urlencode(form), "application/x-www-form-urlencoded", **kw)

    def interact(self, payload: dict[str, Any], **kw: Any) -> Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post_signed(body, "application/x-www-form-urlencoded", **kw)

    def event(
        self, event: dict[str, Any], team: str = TEAM1, event_id: str = "", **kw: Any
    ) -> Response:
        body = json.dumps(
            {
                "token": "legacy-unused",
                "team_id": team,
                "api_app_id": "A0TACTFUL",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or fresh_id("Ev"),
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team, "user_id": "UTACTFUL", "is_bot": True}],
            }
        )
        return self.post_signed(body, "application/json", **kw)
