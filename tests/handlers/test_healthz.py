"""GET /healthz proves the store can write now (a write probe), as bot.py wires it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import bot
import storage.atomic as atomic
import storage.tinydb_store as tinydb_store
from local_slack import LocalSlack
from storage.tinydb_store import TinyDBStore
from tests.slack_http import SECRET, TEAM1, AppServer


@pytest.fixture
def served(tmp_path: Path, slack: LocalSlack, monkeypatch: pytest.MonkeyPatch):
    """The app exactly as `waitress-serve --call bot:create_wsgi` builds it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "data" / "tactful.json"))
    # Every probe really probes: the answer is otherwise kept for a couple of seconds.
    monkeypatch.setattr(tinydb_store, "PROBE_CACHE_SECONDS", 0.0)
    server = AppServer(bot.create_wsgi())
    yield server, tmp_path / "data" / "tactful"
    server.close()


def test_healthy_when_the_store_can_write(served) -> None:
    server, folder = served
    res = server.request("/healthz", method="GET")
    assert (res.status, res.body) == (200, "ok\n")
    assert not [p for p in folder.iterdir() if p.name.startswith(".write-probe")]


@pytest.mark.parametrize(
    "failure",
    [OSError(errno.ENOSPC, "No space left on device"), OSError(errno.EROFS, "Read-only")],
)
def test_unhealthy_when_a_write_fails(
    served, monkeypatch: pytest.MonkeyPatch, failure: OSError
) -> None:
    """Full or read-only: simulated at fsync (tests run as root, whom chmod doesn't stop)."""
    server, folder = served
    fsync = os.fsync

    def failing(fd: int) -> None:
        raise failure

    monkeypatch.setattr(atomic.os, "fsync", failing)
    res = server.request("/healthz", method="GET")
    assert (res.status, res.body) == (503, "storage unavailable\n")
    assert not [p for p in folder.iterdir() if p.name.startswith(".write-probe")]
    monkeypatch.setattr(atomic.os, "fsync", fsync)
    assert server.request("/healthz", method="GET").status == 200


def test_a_full_disk_is_503_every_time_until_writes_succeed_again(
    server: AppServer, store: TinyDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up just after a healthy probe: the command's write fails, and from then
    on every health check says so, not only those after the last healthy answer has aged."""
    clock = [1000.0]
    monkeypatch.setattr(tinydb_store.time, "monotonic", lambda: clock[0])
    assert server.request("/healthz", method="GET").status == 200
    fsync = os.fsync

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    server.slash("add acme")
    assert store.find(TEAM1, "acme") is None
    answers = []
    for _ in range(24):
        answers.append(server.request("/healthz", method="GET").status)
        clock[0] += 0.5
    assert answers == [503] * 24
    monkeypatch.setattr(atomic.os, "fsync", fsync)
    clock[0] += tinydb_store.PROBE_CACHE_SECONDS
    assert server.request("/healthz", method="GET").status == 200
    server.slash("add acme")
    assert store.find(TEAM1, "acme") is not None
