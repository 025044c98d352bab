"""The periodic job: the pass, then the overview refresh that keeps `/client list` cheap."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

import bot
from local_slack import LocalSlack
from scheduler import jobs
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore

TEAM = "T0TEAM1"
MONDAY = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)


def test_after_each_pass_the_job_runs_its_follow_up(config, store, slack: LocalSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    engine = bot.build_engine(config, store, client=client, pace=lambda channel: None)
    ran = threading.Event()
    seen: list[datetime] = []
    # APScheduler plans the first run at clock() by the wall clock: a fixed "now" that is now.
    now = datetime.now(UTC)

    def after(now: datetime) -> None:
        seen.append(now)
        ran.set()

    scheduler = jobs.start(
        engine, bot.scheduler_lock(config), tz=UTC, minutes=15, clock=lambda: now, after=after
    )
    try:
        assert ran.wait(timeout=10), "the follow-up never ran"
    finally:
        scheduler.shutdown(wait=True)
    assert seen == [now]


def test_the_first_list_of_a_new_day_reads_no_record_once_refreshed(
    store: TinyDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = ClientCommands(store, UTC)
    friday = MONDAY - timedelta(days=3)
    for name in ("acme", "globex", "initech"):
        commands.run(TEAM, "U0A", f"add {name}", friday)
    hour_ago = time.time() - 3600  # settled files, as a live store's are
    for path in (store.root / "teams" / TEAM / "clients").iterdir():
        os.utime(path, (hour_ago, hour_ago))
    assert "3 clients" in commands.run(TEAM, "U0A", "list", friday).text

    commands.refresh_overviews(MONDAY)  # the first pass after midnight

    reads: list[object] = []
    read = store._read_client_file
    monkeypatch.setattr(store, "_read_client_file", lambda path: reads.append(path) or read(path))
    assert "3 clients" in commands.run(TEAM, "U0A", "list", MONDAY).text
    assert reads == []
