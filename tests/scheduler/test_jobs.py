"""The periodic job: the pass, then the overview refresh that keeps `/client list` cheap."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

import bot
from local_slack import LocalSlack
from scheduler import jobs
from service.commands import ClientCommands
from storage.atomic import file_clock_ns
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
    # Settled files, as a live store's are: an hour old on the clock that stamps them.
    hour_ago = file_clock_ns(store.root) / 1e9 - 3600
    for path in (store.root / "teams" / TEAM / "clients").iterdir():
        os.utime(path, (hour_ago, hour_ago))
    assert "3 clients" in commands.run(TEAM, "U0A", "list", friday).text

    commands.refresh_overviews(MONDAY)  # the first pass after midnight

    reads: list[object] = []
    read = store._read_client_file
    monkeypatch.setattr(store, "_read_client_file", lambda path: reads.append(path) or read(path))
    assert "3 clients" in commands.run(TEAM, "U0A", "list", MONDAY).text
    assert reads == []


def test_a_scan_from_cron_saves_the_overview_for_the_serving_processes(
    tmp_path, slack: LocalSlack, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    db = tmp_path / "data" / "tactful.json"
    store = TinyDBStore(db)
    ClientCommands(store, UTC).run(TEAM, "U0A", "add acme", MONDAY)
    hour_ago = file_clock_ns(store.root) / 1e9 - 3600  # on the clock that stamps the files
    for path in (store.root / "teams" / TEAM / "clients").iterdir():
        os.utime(path, (hour_ago, hour_ago))
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": slack.url,
        "DATABASE_PATH": str(db),
    }.items():
        monkeypatch.setenv(name, value)

    assert bot.main(["scan", "--now", "2026-11-30T10:00"]) == 0

    saved = (store.root / "teams" / TEAM / "overview.json").read_text()
    assert '"version":"2026-11-30|' in saved and '"name":"acme"' in saved
