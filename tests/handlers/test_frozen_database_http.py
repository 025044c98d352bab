"""A frozen or slow PostgreSQL (behind tests/frozen_proxy.py, or a row lock held by another
connection): /healthz says 503 and a command says nothing was saved, both within Slack's 3 s,
instead of hanging until the database answers. Over signed HTTP."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

import bot
from config import Config
from domain.models import Kind
from local_slack import LocalSlack
from service.commands import ClientCommands
from service.nudges import NudgeSchedule
from storage.postgres_store import PostgresStore
from tests.conftest import Clock
from tests.frozen_proxy import FrozenProxy
from tests.postgres import fresh_schema
from tests.slack_http import SECRET, TEAM1, AppServer, LazyListeners, serve

# Slack gives up on an answer after 3 s.
SLACK_DEADLINE = 3.0
NOT_SAVED = "nothing was saved"


@pytest.fixture
def database(clock: Clock) -> Iterator[tuple[str, FrozenProxy, PostgresStore]]:
    """(the schema's direct URL, the proxy, a store on the proxy with a 1 s timeout)."""
    with fresh_schema() as (_schema, url):
        parts = urlsplit(url)
        with FrozenProxy((parts.hostname or "127.0.0.1", parts.port or 5432)) as proxy:
            proxied = url.replace(
                parts.netloc,
                parts.netloc.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}"),
            )
            store = PostgresStore(proxied, schedule=NudgeSchedule(UTC, clock=clock), timeout=1)
            try:
                yield url, proxy, store
            finally:
                proxy.thaw()
                store.close()


@pytest.fixture
def pg_server(
    database: tuple[str, FrozenProxy, PostgresStore],
    slack: LocalSlack,
    db_path: Path,
    clock: Clock,
    lazy: LazyListeners,
) -> Iterator[AppServer]:
    config = Config(
        bot_token="xoxb-test-token",
        signing_secret=SECRET,
        slack_api_url=slack.url,
        database_path=db_path,
    )
    store = database[2]
    app = bot.build_app(config, store, clock=clock, listener_executor=lazy)
    running = serve(app, lazy, healthy=store.writable)
    yield running
    running.close()


def healthz(server: AppServer) -> int:
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as res:
            return res.status
    except urllib.error.HTTPError as err:
        return err.code


def asks(store: PostgresStore) -> list[str]:
    record = store.find(TEAM1, "acme")
    assert record is not None
    return [i.text for i in store.history(TEAM1, record.client.client_id) if i.kind is Kind.ASKED]


def test_a_frozen_database_gets_503_and_not_saved_within_slacks_deadline(
    pg_server: AppServer, database: tuple[str, FrozenProxy, PostgresStore]
) -> None:
    _url, proxy, store = database
    assert NOT_SAVED not in pg_server.slash("add acme").text
    assert healthz(pg_server) == 200  # the probe's connection is open
    proxy.freeze()
    store._probed = None  # a probe's answer is kept for 2 s: ask again now
    started = time.monotonic()
    assert healthz(pg_server) == 503
    assert time.monotonic() - started < SLACK_DEADLINE
    started = time.monotonic()
    reply = pg_server.slash("asked acme the logo")
    assert reply.status == 200 and NOT_SAVED in reply.text
    assert time.monotonic() - started < SLACK_DEADLINE
    proxy.thaw()
    # It really wasn't saved (the cut transaction never committed), and the store recovers.
    assert asks(store) == []
    assert NOT_SAVED not in pg_server.slash("asked acme the logo").text
    assert asks(store) == ["the logo"]
    store._probed = None  # the failed probe is cached for 2 s: look again now
    assert healthz(pg_server) == 200


def test_a_row_lock_held_elsewhere_gets_not_saved_within_slacks_deadline(
    pg_server: AppServer, database: tuple[str, FrozenProxy, PostgresStore]
) -> None:
    url, _proxy, store = database
    assert NOT_SAVED not in pg_server.slash("add acme").text
    with psycopg.connect(url) as other:  # a transaction, holding acme's row
        other.execute("SELECT 1 FROM clients FOR UPDATE").fetchall()
        started = time.monotonic()
        reply = pg_server.slash("asked acme the logo")
        assert reply.status == 200 and NOT_SAVED in reply.text
        assert time.monotonic() - started < SLACK_DEADLINE
    assert asks(store) == []
    assert NOT_SAVED not in pg_server.slash("asked acme the logo").text
    assert asks(store) == ["the logo"]


def test_a_write_on_a_connection_that_freezes_is_cut_off_and_never_commits(
    database: tuple[str, FrozenProxy, PostgresStore], clock: Clock
) -> None:
    """The connection is open and in use when the database stops answering (over HTTP a
    request may land on a thread that connects afresh; this pins one thread)."""
    _url, proxy, store = database
    commands = ClientCommands(store, UTC)
    assert ":warning:" not in commands.run(TEAM1, "U0A", "add acme", clock()).text
    warm, frozen = threading.Event(), threading.Event()
    outcome: list[str] = []

    def one_thread() -> None:
        store.names(TEAM1)  # this thread's connection is open
        warm.set()
        frozen.wait()
        started = time.monotonic()
        try:
            commands.run(TEAM1, "U0A", "asked acme the logo", clock())
            outcome.append("answered")
        except psycopg.OperationalError:
            outcome.append("cut off")
        outcome.append("in time" if time.monotonic() - started < SLACK_DEADLINE else "late")

    worker = threading.Thread(target=one_thread, daemon=True)
    worker.start()
    try:
        assert warm.wait(10)
        proxy.freeze()
        frozen.set()
        worker.join(10)
    finally:
        proxy.thaw()
        worker.join(10)
    assert outcome == ["cut off", "in time"]
    assert asks(store) == []
    assert ":warning:" not in commands.run(TEAM1, "U0A", "asked acme the logo", clock()).text
    assert asks(store) == ["the logo"]
