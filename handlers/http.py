"""The WSGI application: Slack's requests at POST /slack/events, and GET /healthz."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def wsgi_app(app: App, healthy: Callable[[], bool]) -> Callable[..., Iterable[bytes]]:
    """Bolt's WSGI adapter, plus a health check that load balancers and Kubernetes can probe.

    Args:
        app: the Bolt app; it verifies every request's Slack signature.
        healthy: True once storage is open and usable.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            ok = healthy()
            start_response(
                "200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")]
            )
            return [b"ok\n" if ok else b"storage unavailable\n"]
        return slack(environ, start_response)

    return application
