"""The WSGI application: Slack's requests at POST /slack/events, GET /healthz and, when
installable by many workspaces, Bolt's OAuth flow at GET /slack/install and
GET /slack/oauth_redirect.

Every request to /slack/events is checked here before anything parses it: its size (413 past
MAX_BODY_BYTES, decided from Content-Length before reading), its Slack signature and
timestamp (401), and whether the same signed request was already processed (401). Only then
does Bolt see it. Bolt's own signature check is off (bot.build_app): on a failure it logs the
whole body at INFO, and nothing here ever logs a body, only a count of what was refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest

from config import DEFAULT_MAX_BODY_BYTES

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack signs the time of each request and we refuse any more than 5 minutes off.
SIGNATURE_WINDOW = 5 * 60
# Slack retries an unanswered event at most three times, numbering them 1, 2, 3.
MAX_RETRY = 3
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
logger = logging.getLogger(__name__)


class Replays:
    """Signatures of requests already processed, kept while their timestamp is still inside
    the 5-minute window (after that the timestamp check refuses them anyway).

    A repeat is processed only as one of Slack's own retries: with `X-Slack-Retry-Num` higher
    than any seen for that signature, at most 3. The header isn't signed, so a replayer can
    add it, but that buys at most three repeats, and every decision is idempotent anyway.

    Per process: with several processes behind a load balancer each remembers only what it
    served itself.
    """

    def __init__(self, capacity: int = 50_000, now: Callable[[], float] = time.time) -> None:
        self.capacity, self.now = capacity, now
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._warned = False

    def first_time(self, signature: str, timestamp: int, retry: int) -> bool:
        with self._lock:
            self._forget_expired()
            seen = self._seen.get(signature)
            if seen is not None and not seen[1] < retry <= MAX_RETRY:
                return False
            self._seen[signature] = (timestamp + SIGNATURE_WINDOW, retry)
            if len(self._seen) > self.capacity:
                # More signed requests in 5 minutes than we keep: forget the oldest. Only
                # Slack can sign, so this is real traffic far beyond this app's.
                self._seen.popitem(last=False)
                if not self._warned:
                    self._warned = True
                    logger.warning("Remembering only the last %s request signatures", self.capacity)
            return True

    def _forget_expired(self) -> None:
        now = self.now()
        while self._seen:
            signature, (expires, _retry) = next(iter(self._seen.items()))
            if expires >= now:
                return
            del self._seen[signature]

    def __len__(self) -> int:
        return len(self._seen)


class InstallLimit:
    """At most `per_window` install links (each one an OAuth state row) per client address in
    any `window` seconds; past it, 429. Addresses are forgotten once quiet for a window, and at
    most `capacity` are remembered (the quietest go first)."""

    def __init__(
        self,
        per_window: int = 10,
        window: float = 60.0,
        capacity: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window, self.window, self.capacity = per_window, window, capacity
        self.monotonic = monotonic
        self._issued: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        with self._lock:
            now = self.monotonic()
            recent = [t for t in self._issued.pop(address, []) if now - t < self.window]
            allowed = len(recent) < self.per_window
            if allowed:
                recent.append(now)
            self._issued[address] = recent
            while len(self._issued) > self.capacity:
                self._issued.popitem(last=False)
            return allowed

    def retry_after(self, address: str) -> int:
        """Whole seconds until `address` may have another link."""
        with self._lock:
            issued = self._issued.get(address) or [self.monotonic()]
            return max(1, int(issued[0] + self.window - self.monotonic() + 0.999))


class _Refusals:
    """A line in the log at most once a minute, however many requests are refused: enough to
    notice a wrong SLACK_SIGNING_SECRET, never a flood (and never a body)."""

    def __init__(self, every: float = 60.0, monotonic: Callable[[], float] = time.monotonic):
        self.every, self.monotonic = every, monotonic
        self._counts: dict[str, int] = {}
        self._next = 0.0
        self._lock = threading.Lock()

    def note(self, why: str) -> None:
        with self._lock:
            self._counts[why] = self._counts.get(why, 0) + 1
            if self.monotonic() < self._next:
                return
            self._next = self.monotonic() + self.every
            counts, self._counts = self._counts, {}
        summary = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
        logger.warning("Refused requests to %s: %s", EVENTS_PATH, summary)


def wsgi_app(
    app: App,
    healthy: Callable[[], bool],
    *,
    signing_secret: str,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    replays: Replays | None = None,
    install_limit: InstallLimit | None = None,
) -> Callable[..., Iterable[bytes]]:
    """Slack's requests for the Bolt app, plus a health check that load balancers probe.

    Args:
        app: the Bolt app (with its own signature check off: this layer does it).
        healthy: True once storage is open and usable.
        signing_secret: the Slack app's signing secret; every request must be signed with it.
        max_body_bytes: larger requests get 413 unread (MAX_BODY_BYTES).
        replays: the memory of processed signatures (tests pass one to look inside).
        install_limit: how many install links one address may have (tests pass one with
            their own clock).
    """
    if not signing_secret:
        raise ValueError("signing_secret is required to serve Slack over HTTP")
    secret = signing_secret.encode()
    replays = replays if replays is not None else Replays()
    refusals = _Refusals()
    install_limit = install_limit if install_limit is not None else InstallLimit()

    def answer(start_response: Callable[..., Any], status: HTTPStatus, text: str) -> list[bytes]:
        start_response(f"{status.value} {status.phrase}", [("Content-Type", "text/plain")])
        return [text.encode()]

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
            if path == flow.install_path:
                # Each link is a state row in the database: bounded per address.
                address = str(environ.get("REMOTE_ADDR") or "")
                if not install_limit.allow(address):
                    wait = install_limit.retry_after(address)
                    start_response(
                        "429 Too Many Requests",
                        [("Content-Type", "text/plain"), ("Retry-After", str(wait))],
                    )
                    return [
                        f"Too many install links from your address: wait {wait} seconds, then "
                        f"open {flow.install_path} again.\n".encode()
                    ]
            if path in (flow.install_path, flow.redirect_uri_path):
                return _install(app, path, environ, start_response)
        if path != EVENTS_PATH or method != "POST":
            return answer(start_response, HTTPStatus.NOT_FOUND, "Not Found\n")
        body = _read_body(environ, max_body_bytes)
        if body is None:
            refusals.note("too large")
            return answer(
                start_response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large\n"
            )
        headers = _headers(environ)
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not (
            _TIMESTAMP.match(timestamp)
            and signature
            and _signed(secret, body, timestamp, signature, time.time())
        ):
            refusals.note("unsigned, stale or wrongly signed")
            return answer(start_response, HTTPStatus.UNAUTHORIZED, "invalid request\n")
        retry = headers.get("x-slack-retry-num", "")
        if not replays.first_time(signature, int(timestamp), int(retry) if retry.isdigit() else 0):
            refusals.note("repeats of a processed request")
            return answer(start_response, HTTPStatus.UNAUTHORIZED, "invalid request\n")
        try:
            bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
            request = BoltRequest(
                body=body.decode("utf-8"),
                query=environ.get("QUERY_STRING", ""),
                headers=bolt_headers,
            )
        except ValueError:  # not UTF-8, or malformed JSON (UnicodeDecodeError is a ValueError)
            refusals.note("signed but unreadable")
            return answer(start_response, HTTPStatus.BAD_REQUEST, "unreadable request\n")
        response = app.dispatch(request)
        wsgi = WsgiHttpResponse(
            status=response.status, headers=response.headers, body=response.body
        )
        start_response(wsgi.status, wsgi.get_headers())
        return wsgi.get_body()

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


def _signed(secret: bytes, body: bytes, timestamp: str, signature: str, now: float) -> bool:
    """Slack's signature (v0, HMAC-SHA256 of `v0:<timestamp>:<body>`) over the body's bytes as
    they came, and a timestamp within SIGNATURE_WINDOW of `now`.

    slack_sdk's SignatureVerifier decodes the body as UTF-8 first, so a body that isn't UTF-8
    raised (HTTP 500 and a traceback per request) before any refusal could be counted; and
    `hmac.compare_digest` raises on a str with non-ASCII characters, so both sides are bytes.
    """
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW:
        return False
    signed = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The body, or None if it is longer than `limit`: refused from Content-Length unread,
    and without one (chunked) never read past `limit` + 1 bytes."""
    stream = environ.get("wsgi.input")
    length = (environ.get("CONTENT_LENGTH") or "").strip()
    if length:
        # (waitress refuses a malformed Content-Length before we see it)
        if not length.isdigit() or int(length) > limit:
            return None
        return stream.read(int(length)) if stream else b""
    body = stream.read(limit + 1) if stream else b""
    return None if len(body) > limit else body


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.lower().replace("_", "-")] = environ[key]
    return headers
