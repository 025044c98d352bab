"""The WSGI application: Slack's requests at POST /slack/events, GET /healthz and, when
installable by many workspaces, Bolt's OAuth flow at GET /slack/install and
GET /slack/oauth_redirect."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest

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
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            ok = healthy()
            start_response(
                "200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")]
            )
            return [b"ok\n" if ok else b"storage unavailable\n"]
        if method == "GET" and app.oauth_flow is not None:
            flow = app.oauth_flow
            if path in (flow.install_path, flow.redirect_uri_path):
                return _install(app, path, environ, start_response)
        return slack(environ, start_response)

    return application


def _install(
    app: App, path: str, environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """A person's browser, not Slack: unsigned by nature, so it goes to Bolt's OAuth flow
    (which checks the state it issued, in the database and in the browser's cookie)."""
    flow = app.oauth_flow
    assert flow is not None
    cookie = environ.get("HTTP_COOKIE")
    request = BoltRequest(
        body="",
        query=environ.get("QUERY_STRING", ""),
        headers={"cookie": cookie} if cookie else {},
    )
    if path == flow.install_path:
        response = flow.handle_installation(request)
    else:
        response = flow.handle_callback(request)
    wsgi = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(wsgi.status, wsgi.get_headers())
    return wsgi.get_body()
