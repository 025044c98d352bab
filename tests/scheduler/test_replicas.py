"""Several replicas on one PostgreSQL database, one nudge each.

Three `bot.py` processes run their nudge passes at once over six workspaces, against the fake
Slack Web API. The first post Slack receives lands, but its replica is killed (SIGKILL) before
it hears back, with its claims on its workspaces still held. A following pass then takes the
dead replica's workspaces over. Every due nudge ends up in Slack exactly once: its alert once
and its suggestion once, the killed post found by the outbox's look-up, never posted again.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from domain.models import NudgeStatus
from local_slack import Call, Failure, LocalSlack
from service.commands import ClientCommands
from service.nudges import NudgeSchedule
from storage.postgres_store import PostgresStore
from tests.postgres import fresh_schema

ROOT = Path(__file__).resolve().parents[2]
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # inside working hours (UTC)
TEAMS = [f"T0TEAM{n}" for n in range(1, 7)]
CLIENTS = 3  # per team, each with one quiet nudge due


def _seed(store: PostgresStore) -> None:
    commands = ClientCommands(store, UTC)
    for team in TEAMS:
        for n in range(CLIENTS):
            for text in (f"add c{n} in <#C0{team[2:]}W{n}|work>", f"asked c{n} copy on 2026-11-20"):
                reply = commands.run(team, "U0ALICE", text, FRIDAY)
                assert ":warning:" not in reply.text, reply.text


def _replica(url: str, slack: LocalSlack, n: int) -> subprocess.Popen:
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.scheduler.replica",
            url,
            slack.url,
            f"xoxb-replica-{n}",
            FRIDAY.isoformat(),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout.readline() == "ready\n"
    return child


def _posts(slack: LocalSlack) -> Counter:
    """What Slack holds, per (client, nudge key, part)."""
    found: Counter = Counter()
    for messages in slack.messages.values():
        for m in messages:
            payload = (m.get("metadata") or {}).get("event_payload") or {}
            found[payload.get("client_id"), payload.get("key"), payload.get("part")] += 1
    return found


def test_three_replicas_one_killed_mid_post_post_each_nudge_once(clock) -> None:
    clock.now = FRIDAY
    with fresh_schema() as (_schema, url):
        store = PostgresStore(url, schedule=NudgeSchedule(UTC, clock=clock))
        _seed(store)
        replicas: dict[str, subprocess.Popen] = {}
        killed: list[str] = []

        def kill_the_poster(call: Call) -> None:
            # The first post has landed in Slack; its replica dies before hearing back.
            if call.method == "chat.postMessage" and not killed:
                killed.append(call.token)
                replicas[call.token].send_signal(signal.SIGKILL)

        slack = LocalSlack(team_id=TEAMS[0], clock=clock, on_call=kill_the_poster).start()
        try:
            slack.fail("chat.postMessage", Failure(then_succeed=True, delay=0.5))
            for n in range(3):
                replicas[f"xoxb-replica-{n}"] = _replica(url, slack, n)
            for child in replicas.values():  # every pass starts together
                child.stdin.write("go\n")
                child.stdin.flush()
            outs = {token: child.communicate(timeout=120)[0] for token, child in replicas.items()}
            assert len(killed) == 1
            dead = replicas[killed[0]]
            assert dead.returncode == -signal.SIGKILL
            for token, child in replicas.items():
                if child is not dead:
                    assert child.returncode == 0, outs[token]
            posted_by = {t: out.split()[1:] for t, out in outs.items() if out.startswith("posted")}

            # The dead replica's workspaces are left with a post Slack has but we never stored.
            following = _replica(url, slack, 3)
            out, _ = following.communicate("go\n", timeout=120)
            assert following.returncode == 0, out
            posted_by["xoxb-replica-3"] = out.split()[1:]
        finally:
            slack.stop()

        posts = _posts(slack)
        due = {
            (r.client.client_id, key)
            for team in TEAMS
            for r in store.clients(team)
            for key in r.nudges
        }
        assert len(due) == len(TEAMS) * CLIENTS
        expected = {(cid, key, part) for cid, key in due for part in ("alert", "suggestion")}
        assert set(posts) == expected
        assert max(posts.values()) == 1, [k for k, v in posts.items() if v > 1]
        # Each nudge reported posted by exactly one pass, and stored as posted.
        reported = Counter(key for keys in posted_by.values() for key in keys)
        assert sum(reported.values()) == len(due)
        for team in TEAMS:
            for record in store.clients(team):
                assert all(n.status is NudgeStatus.POSTED for n in record.nudges.values())
        # The killed post was found by its metadata, not sent again.
        assert len(slack.calls_to("chat.postMessage")) == len(expected)
        store.close()
