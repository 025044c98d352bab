"""One replica's nudge pass, in a process of its own, for the replicas test.

python -m tests.scheduler.replica DATABASE_URL SLACK_API_URL TOKEN NOW
    Open the store and the engine as bot.py does, print "ready", wait for a line on stdin,
    run one pass at NOW (ISO) under the database's pass lock, print "posted <key> ..." and
    exit. TOKEN tells the fake Slack which replica a call came from.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import bot
from config import Config
from scheduler import jobs
from service.nudges import NudgeSchedule
from storage.postgres_store import PostgresStore


def main(url: str, slack_url: str, token: str, now_iso: str) -> None:
    now = datetime.fromisoformat(now_iso)
    config = Config(
        bot_token=token, signing_secret="unused", slack_api_url=slack_url, database_url=url
    )
    store = PostgresStore(url, schedule=NudgeSchedule(UTC, clock=lambda: now))
    engine = bot.build_engine(config, store, pace=lambda _channel: None)
    lock = bot.scheduler_lock(config)
    print("ready", flush=True)
    sys.stdin.readline()
    report = jobs.run_pass(engine, lock, now, wait=False)
    print("posted", *(report.posted if report else []), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
