"""Shared fixtures: a fake Slack Web API on loopback, the app served over real HTTP, an
injected clock, and an environment scrubbed of any real Slack credentials."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

import bot
from config import SETTINGS, Config, setting_of
from local_slack import LocalSlack
from service.nudges import NudgeSchedule
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup, outbound_live_markup
from tests.slack_http import SECRET, AppServer, LazyListeners, serve

# Property tests check behaviour, not speed: Hypothesis's default 200 ms deadline per example
# turns a busy machine into a failure (speed is measured in bench/, never in tests).
settings.register_profile("tactful", deadline=None)
settings.load_profile("tactful")


@pytest.fixture(autouse=True)
def no_real_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up a real token or talk to the real Slack."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    # A family's members too (PAYMENT_DETAILS_EUR...), and any variable config.load would refuse.
    for name in list(os.environ):
        if setting_of(name) or name.startswith(("PAYMENT_DETAILS_", "SIGN_OFF_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def no_timers_left_behind() -> Iterator[None]:
    """A debounced job a test started (App Home's refresh) must not fire inside a later test,
    against a fake Slack and a store that are gone, and log there as if that test broke."""
    before = set(threading.enumerate())
    yield
    for thread in set(threading.enumerate()) - before:
        if isinstance(thread, threading.Timer):
            thread.cancel()


@dataclass
class Clock:
    """The injected `now`: tests move it; nothing ever sleeps."""

    now: datetime = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday

    def __call__(self) -> datetime:
        return self.now

    def set(self, iso: str) -> None:
        self.now = (
            datetime.fromisoformat(iso).replace(tzinfo=self.now.tzinfo or UTC)
            if "+" not in iso
            else datetime.fromisoformat(iso)
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slack(clock: Clock) -> Iterator[LocalSlack]:
    # Messages are stamped with the test's clock, as Slack stamps them with the time of posting.
    fake = LocalSlack(team_id="T0TEAM1", clock=clock).start()
    yield fake
    fake.stop()
    # Whatever the test was about, nothing the app sent may ping, link or mention anyone
    # the app didn't mean to: typed text reaches Slack inert, everywhere.
    assert outbound_live_markup(fake.calls) == [], "live markup sent to Slack"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "tactful.json"


@pytest.fixture
def store(db_path: Path, clock: Clock) -> TinyDBStore:
    """The store as bot.py opens it: keeping the checks index, on the test's clock."""
    return TinyDBStore(db_path, schedule=NudgeSchedule(UTC, clock=clock))


@pytest.fixture
def config(slack: LocalSlack, db_path: Path) -> Config:
    return Config(
        bot_token="xoxb-test-token",
        signing_secret=SECRET,
        slack_api_url=slack.url,
        database_path=db_path,
    )


@pytest.fixture
def lazy() -> Iterator[LazyListeners]:
    """Where the app's lazy listeners run (the work after each ack)."""
    executor = LazyListeners()
    yield executor
    executor.shutdown(wait=True)


@pytest.fixture
def app(config: Config, store: TinyDBStore, clock: Clock, lazy: LazyListeners):
    return bot.build_app(config, store, clock=clock, listener_executor=lazy)


@pytest.fixture
def server(app, store: TinyDBStore, lazy: LazyListeners) -> Iterator[AppServer]:
    running = serve(app, lazy, healthy=store.writable)
    yield running
    running.close()
    # Replies in the HTTP response (ephemeral answers to commands) count as sent too.
    replies = [r for r in running.responses if r.body.startswith("{")]
    assert [m for r in replies for m in live_markup(r.json())] == [], "live markup in a reply"


@pytest.fixture
def team2_server(
    config: Config, store: TinyDBStore, slack: LocalSlack, clock: Clock, lazy: LazyListeners
) -> Iterator[AppServer]:
    """The same store served with the bot token of a second workspace, T0TEAM2: each
    workspace's requests are only answered by an app installed there (one bot token is one
    workspace; anyone else's acts are refused, handlers/agency.py)."""
    from dataclasses import replace

    slack.tokens["xoxb-team2-token"] = "T0TEAM2"
    app = bot.build_app(
        replace(config, bot_token="xoxb-team2-token"), store, clock=clock, listener_executor=lazy
    )
    running = serve(app, lazy, healthy=store.writable)
    yield running
    running.close()
