"""Installable by many workspaces, a frozen installations database (PostgreSQL behind
tests/frozen_proxy.py): each request's authorisation (Bolt's authorize, reading the
workspace's installation) can't be read, and Slack gets a short answer that nothing was done
within its 3 s, instead of an acknowledgement after the database wakes. Over signed HTTP."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import bot
from config import Config
from local_slack import LocalSlack
from service.workspaces import UNAUTHORISED_REPLY, Installations
from storage.tinydb_store import TinyDBStore
from tests.conftest import Clock
from tests.frozen_proxy import FrozenProxy
from tests.installs import install
from tests.postgres import fresh_schema
from tests.slack_http import SECRET, AppServer, LazyListeners, serve

SLACK_DEADLINE = 3.0
TEAM = "T0AAA"
CLIENT_SECRET = "client-secret-do-not-print"


@pytest.fixture
def proxy() -> Iterator[tuple[FrozenProxy, str]]:
    """(the proxy, the installations' DATABASE_URL through it)."""
    with fresh_schema(migrated=False) as (_schema, url):
        parts = urlsplit(url)
        with FrozenProxy((parts.hostname or "127.0.0.1", parts.port or 5432)) as frozen:
            proxied = url.replace(
                parts.netloc,
                parts.netloc.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{frozen.port}"),
            )
            try:
                yield frozen, proxied
            finally:
                frozen.thaw()


def oauth_config(slack: LocalSlack, db_path: Path) -> Config:
    """Installable by many workspaces: no bot token of its own."""
    return Config(
        bot_token="",
        signing_secret=SECRET,
        client_id="1111.2222",
        client_secret=CLIENT_SECRET,
        slack_api_url=slack.url,
        database_path=db_path,
    )


@pytest.fixture
def installations(
    proxy: tuple[FrozenProxy, str], slack: LocalSlack, db_path: Path
) -> Iterator[Installations]:
    config = replace(oauth_config(slack, db_path), database_url=proxy[1], database_timeout=1)
    found = bot.open_installations(config)
    yield found
    proxy[0].thaw()
    found.engine.dispose()


@pytest.fixture
def server(
    installations: Installations,
    slack: LocalSlack,
    store: TinyDBStore,
    clock: Clock,
    lazy: LazyListeners,
    db_path: Path,
) -> Iterator[AppServer]:
    config = oauth_config(slack, db_path)
    app = bot.build_app(
        config, store, clock=clock, installations=installations, listener_executor=lazy
    )
    running = serve(app, lazy, healthy=store.writable)
    yield running
    running.close()


def timed_slash(server: AppServer, text: str) -> tuple[int, str, float]:
    started = time.monotonic()
    res = server.slash(text, team=TEAM)
    return res.status, res.body, time.monotonic() - started


@pytest.mark.parametrize("pooled", [True, False], ids=["open connection", "new connection"])
def test_a_frozen_installations_database_gets_a_quick_answer_that_nothing_was_done(
    server: AppServer,
    installations: Installations,
    proxy: tuple[FrozenProxy, str],
    slack: LocalSlack,
    store: TinyDBStore,
    caplog: pytest.LogCaptureFixture,
    pooled: bool,
) -> None:
    assert install(server, slack, TEAM).status == 200
    status, body, _ = timed_slash(server, "add acme")
    assert status == 200 and "acme" in body
    if not pooled:
        installations.engine.dispose()  # the next request must connect afresh
    proxy[0].freeze()
    with caplog.at_level(logging.WARNING):
        status, body, took = timed_slash(server, "add bolt")
    assert took < SLACK_DEADLINE
    assert status == 200 and body == UNAUTHORISED_REPLY
    assert list(store.names(TEAM)) == ["acme"]  # nothing was done
    warned = [r.getMessage() for r in caplog.records if r.name == "service.workspaces"]
    assert any(f"Could not read team {TEAM}'s installation" in m for m in warned)
    assert not any(r.exc_info for r in caplog.records)  # quiet: no traceback
    assert CLIENT_SECRET not in caplog.text and "xoxb-" not in caplog.text
    # The database wakes: the next request is authorised again, on a fresh connection.
    proxy[0].thaw()
    status, body, _ = timed_slash(server, "add bolt")
    assert status == 200 and "bolt" in body
    assert sorted(store.names(TEAM)) == ["acme", "bolt"]
