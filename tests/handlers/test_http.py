"""The WSGI app: size, signature and replay checks in front of every request (over real\nHTTP), and the health check."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from domain.models import Kind
from handlers.http import Replays, wsgi_app
from storage.tinydb_store import TinyDBStore
from tests.checks import stored_files
from tests.slack_http import SECRET, AppServer, serve, sign


def test_healthz(server: AppServer) -> None:
    res = server.request("/healthz", method="GET")
    assert res.status == 200
    assert res.body == "ok\n"


def test_healthz_reports_missing_storage(server: AppServer, store: TinyDBStore) -> None:
    for path in sorted(store.root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    store.root.rmdir()
    res = server.request("/healthz", method="GET")
    assert res.status == 503
    assert "storage unavailable" in res.body


def test_a_bad_signature_is_refused_and_stores_nothing(
    server: AppServer, store: TinyDBStore
) -> None:
    before = stored_files(store)
    res = server.slash("add acme", secret="not-the-signing-secret")
    assert res.status == 401
    assert stored_files(store) == before
    assert store.clients("T0TEAM1") == []


def test_a_stale_timestamp_is_refused_and_stores_nothing(
    server: AppServer, store: TinyDBStore
) -> None:
    # Signed correctly, but more than 5 minutes old: a replayed request.
    before = stored_files(store)
    res = server.slash("add acme", timestamp=int(time.time()) - 6 * 60)
    assert res.status == 401
    assert stored_files(store) == before
    assert store.clients("T0TEAM1") == []


def test_unsigned_requests_are_refused(server: AppServer, store: TinyDBStore) -> None:
    before = stored_files(store)
    res = server.request(
        "/slack/events",
        "command=%2Fclient&text=add+acme&team_id=T0TEAM1&user_id=U0ALICE",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert res.status == 401
    assert stored_files(store) == before


def test_a_fresh_signature_is_accepted(server: AppServer, store: TinyDBStore) -> None:
    # The same request, correctly signed and 4 minutes old, goes through.
    res = server.slash("add acme", timestamp=int(time.time()) - 4 * 60)
    assert res.status == 200
    assert store.find("T0TEAM1", "acme") is not None


# the body cap ---------------------------------------------------------------------------------
MARKER = "tactful-body-marker-7f3e"


def test_a_body_over_the_cap_gets_413_unread_and_nothing_of_it_is_logged(
    server: AppServer, store: TinyDBStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = stored_files(store)
    big = f"command=%2Fclient&text=note+acme+{MARKER}&pad=" + "x" * (2 * 1024 * 1024)
    res = server.request(
        "/slack/events", big, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert res.status == 413
    assert MARKER not in caplog.text
    assert stored_files(store) == before


def test_a_body_just_under_the_cap_is_read_and_checked(server: AppServer) -> None:
    # The default cap is 1 MiB: an unsigned request just under it gets as far as the
    # signature check.
    body = "x" * (1024 * 1024)
    res = server.request("/slack/events", body, {"Content-Type": "text/plain"})
    assert res.status == 401


def test_a_chunked_body_over_the_cap_gets_413(app, lazy, store: TinyDBStore) -> None:
    small = serve(app, lazy, max_body_bytes=4096)
    try:
        # No Content-Length: urllib sends an iterable body chunked.
        chunks = iter([MARKER.encode(), b"y" * 8192])
        req = urllib.request.Request(
            small.url + "/slack/events",
            data=chunks,
            method="POST",
            headers={"Content-Type": "text/plain", "Transfer-Encoding": "chunked"},
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 413
        # ...while a signed command under the cap still works on the same app.
        assert small.slash("add acme").status == 200
    finally:
        small.close()
    assert store.find("T0TEAM1", "acme") is not None


class Stream(io.BytesIO):
    """wsgi.input that records how much the app asked for."""

    asked = 0

    def read(self, size: int | None = -1) -> bytes:
        self.asked += size if size and size > 0 else len(self.getvalue())
        return super().read(size)


def test_without_a_content_length_reading_stops_one_byte_past_the_cap(app) -> None:
    # waitress always passes a length (it de-chunks first); other WSGI servers may pass a
    # chunked body without one.
    wsgi = wsgi_app(app, lambda: True, signing_secret=SECRET, max_body_bytes=4096)
    stream = Stream(MARKER.encode() + b"z" * 10 * 1024 * 1024)
    statuses = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "wsgi.input": stream}
    wsgi(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"]
    assert stream.asked == 4097


# refused quietly ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": str(int(time.time()))},
    ],
)
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"type": "event_callback", "event": ' + f'"{MARKER}"'),
        ("application/x-www-form-urlencoded", f"payload=%7Bnot+json+{MARKER}"),
        ("application/x-www-form-urlencoded", f"command=%2Fclient&text=add+{MARKER}"),
    ],
)
def test_bad_or_missing_signatures_get_401_quietly(
    server: AppServer,
    store: TinyDBStore,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    content_type: str,
    body: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    res = server.request("/slack/events", body, {"Content-Type": content_type, **headers})
    assert res.status == 401
    assert MARKER not in caplog.text and MARKER not in res.body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert store.clients("T0TEAM1") == []


def test_a_signed_request_with_a_bad_signature_logs_nothing_of_its_body(
    server: AppServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert server.slash(f"note acme {MARKER}", secret="not-the-signing-secret").status == 401
    assert server.slash(f"note acme {MARKER}", timestamp=int(time.time()) - 3600).status == 401
    assert MARKER not in caplog.text
    # ...but the operator is told, once, that requests are being refused.
    assert "Refused requests to /slack/events" in caplog.text


def test_signed_but_malformed_json_is_refused_without_a_traceback(
    server: AppServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    res = server.post_signed('{"type": "event_callback", ' + MARKER, "application/json")
    assert res.status == 400
    assert MARKER not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# Latin-1 and a lone continuation byte: not UTF-8 however it is read.
NOT_UTF8 = "text=caf\xe9+".encode("latin-1") + MARKER.encode() + b"\x80\xff"


def sign_bytes(body: bytes, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 signature over raw bytes (slack_sdk's signer takes only text)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def test_the_raw_bytes_signer_signs_as_slack_sdk_does() -> None:
    now = int(time.time())
    assert sign_bytes(b"text=caf\xc3\xa9", now) == sign("text=café", now)


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Refused requests" in r.getMessage()]


def test_an_unsigned_body_that_isnt_utf8_gets_401_quietly_and_is_counted(
    server: AppServer, store: TinyDBStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    forged = {
        **form,
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=00",
    }
    non_ascii = {**form, **sign_bytes(NOT_UTF8, int(time.time())), "X-Slack-Signature": "v0=\xe9"}
    for headers in [form, forged, non_ascii] * 5:
        assert server.request("/slack/events", NOT_UTF8, headers).status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "Traceback" not in caplog.text and MARKER not in caplog.text
    # Counted with the other refusals: the first is logged at once, the rest wait a minute.
    assert refusal_lines(caplog) == [
        "Refused requests to /slack/events: 1 unsigned, stale or wrongly signed"
    ]
    assert store.clients("T0TEAM1") == []


def test_a_signed_body_that_isnt_utf8_gets_400_quietly_and_is_counted(
    server: AppServer, store: TinyDBStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for content_type in ("application/x-www-form-urlencoded", "application/json"):
        body = NOT_UTF8 + content_type.encode()  # two requests, two signatures
        headers = {"Content-Type": content_type, **sign_bytes(body, int(time.time()))}
        res = server.request("/slack/events", body, headers)
        assert res.status == 400, content_type
        assert MARKER not in res.body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "Traceback" not in caplog.text and MARKER not in caplog.text
    assert refusal_lines(caplog) == ["Refused requests to /slack/events: 1 signed but unreadable"]
    assert store.clients("T0TEAM1") == []


def test_other_paths_and_methods_are_not_found(server: AppServer) -> None:
    assert server.request("/slack/events", method="GET").status == 404
    assert server.request("/admin", "x").status == 404


# replays -------------------------------------------------------------------------------------
def test_a_replayed_command_is_processed_once(server: AppServer, store: TinyDBStore) -> None:
    assert server.slash("add acme").status == 200
    body = urlencode(
        {
            "command": "/client",
            "text": "note acme called about the launch",
            "team_id": "T0TEAM1",
            "user_id": "U0ALICE",
            "channel_id": "C0WORK",
            "trigger_id": "1.2.replayed",
        }
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    statuses = [server.request("/slack/events", body, headers).status for _ in range(3)]
    assert statuses == [200, 401, 401]
    record = store.find("T0TEAM1", "acme")
    notes = [e for e in store.history("T0TEAM1", record.client.client_id) if e.kind is Kind.NOTE]
    assert [n.text for n in notes] == ["called about the launch"]


def test_slack_retries_are_processed_but_a_retry_number_is_not_reusable(
    server: AppServer, store: TinyDBStore
) -> None:
    body = urlencode(
        {
            "command": "/client",
            "text": "add acme",
            "team_id": "T0TEAM1",
            "user_id": "U0ALICE",
            "trigger_id": "1.2.retried",
        }
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}

    def send(retry: str | None) -> int:
        extra = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"}
        return server.request("/slack/events", body, {**headers, **(extra if retry else {})}).status

    # Slack numbers its retries 1, 2, 3; each gets through once (the command then says the
    # client exists), and no number, or a used or made-up one, is a replay.
    assert [send(None), send("1"), send("1"), send("2"), send(None), send("3"), send("4")] == [
        200,
        200,
        401,
        200,
        401,
        200,
        401,
    ]
    assert len(store.clients("T0TEAM1")) == 1


def test_remembered_signatures_are_forgotten_after_the_window_and_bounded() -> None:
    now = [1_800_000_000.0]
    replays = Replays(capacity=3, now=lambda: now[0])
    ts = int(now[0])
    assert replays.first_time("v0=a", ts, 0)
    assert not replays.first_time("v0=a", ts, 0)
    now[0] += 5 * 60 + 1  # the timestamp check refuses it from now on: no need to remember
    assert replays.first_time("v0=b", int(now[0]), 0)
    assert len(replays) == 1
    for sig in ("v0=c", "v0=d", "v0=e"):
        assert replays.first_time(sig, int(now[0]), 0)
    assert len(replays) == 3
