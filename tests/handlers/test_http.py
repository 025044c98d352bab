"""The WSGI app: Slack's signature checks in front of every request, and the health check."""

from __future__ import annotations

import time

from storage.tinydb_store import TinyDBStore
from tests.checks import stored_files
from tests.slack_http import AppServer


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
