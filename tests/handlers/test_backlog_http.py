"""A backlog that doesn't flood a channel, end to end: clients set up over signed HTTP, the
pass bot.build_engine builds against the fake Slack, App Home's Post reminder clicked over
signed HTTP (twice at once)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from domain.backlog import BACKLOG_CAP
from domain.models import NudgeStatus
from local_slack import LocalSlack
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup, ok
from tests.conftest import Clock
from tests.handlers.test_home_http import click, opened
from tests.nudge_pass import nudge_pass
from tests.slack_http import AppServer
from ui import agenda as ag

TEAM = "T0TEAM1"
CLIENTS = 40


def name(i: int) -> str:
    return f"client{i:02d}"


@pytest.fixture
def backlog(server: AppServer, clock: Clock) -> None:
    """40 clients in #C0ACME, each with an invoice unpaid: client00 the longest overdue."""
    clock.set("2026-11-02T09:00")
    for i in range(CLIENTS):
        ok(server.slash(f"add {name(i)} in <#C0ACME|acme>"))
        ok(server.slash(f"invoice {name(i)} 100 due 2026-10-{31 - i % 30:02d} #INV{i}"))
    clock.set("2026-11-27T10:00")  # a Friday, in working hours: every one is overdue


def alerts(slack: LocalSlack) -> list[dict]:
    return [
        m
        for m in slack.messages.get("C0ACME", [])
        if (m.get("metadata") or {}).get("event_payload", {}).get("part") == "alert"
    ]


def summaries(slack: LocalSlack) -> list[dict]:
    return [m for m in slack.messages.get("C0ACME", []) if "more clients need" in m["text"]]


def started(store: TinyDBStore) -> list[str]:
    return sorted(r.client.name for r in store.clients(TEAM) if r.nudges)


def test_forty_due_in_one_channel_post_ten_and_one_summary_and_the_rest_wait(
    server, config, store: TinyDBStore, slack: LocalSlack, clock: Clock, backlog
) -> None:
    report = nudge_pass(config, store, slack, clock)
    assert len(report.posted) == BACKLOG_CAP == 10
    assert len(alerts(slack)) == 10
    (summary,) = summaries(slack)
    assert summary["text"].startswith("30 more clients need a first reminder about an overdue")
    assert "App Home" in summary["text"] and "Post reminder" in summary["text"]
    assert live_markup(summary) == [] and "<" not in summary["text"], "plain, nobody pinged"
    assert len(slack.messages["C0ACME"]) == 10 * 2 + 1, "10 alerts, 10 threads, 1 summary"
    # The most overdue first (the same step for all): the ten oldest invoices.
    oldest = sorted(range(CLIENTS), key=lambda i: (31 - i % 30, i))[:10]
    assert started(store) == sorted(name(i) for i in oldest)
    # Those held back were never recorded: no nudge, no ladder moved, nothing logged.
    held = [r for r in store.clients(TEAM) if r.client.name not in started(store)]
    assert len(held) == 30 and all(not r.nudges for r in held)
    assert len(report.held) == 30

    # The next pass that day (a fresh engine, as after a restart): the next ten, no second
    # summary for the same channel that day.
    clock.now += timedelta(hours=1)
    again = nudge_pass(config, store, slack, clock)
    assert len(again.posted) == 10 and len(summaries(slack)) == 1
    assert len(alerts(slack)) == 20

    # The next working day: ten more at most and one summary of what is left.
    clock.now += timedelta(days=3)
    monday = nudge_pass(config, store, slack, clock)
    assert len(monday.posted) <= 10 and len(monday.held) == 10
    assert len(summaries(slack)) == 2
    assert summaries(slack)[-1]["text"].startswith("10 more clients need a first reminder")
    assert len(alerts(slack)) == 30
    nudged = [r.client.name for r in store.clients(TEAM) if r.nudges]
    assert len(nudged) == len(set(nudged)) == 30, "each client started once"


def test_post_reminder_in_home_starts_a_held_client_once_whoever_clicks(
    server, config, store: TinyDBStore, slack: LocalSlack, clock: Clock, backlog
) -> None:
    nudge_pass(config, store, slack, clock)
    held = next(r for r in store.clients(TEAM) if not r.nudges)
    cid = held.client.client_id
    view = opened(server, slack)
    buttons = [
        b["accessory"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == ag.POST_REMINDER
    ]
    assert buttons and all(b["text"]["text"] == "Post reminder" for b in buttons)
    before = len(slack.messages["C0ACME"])

    # Two people click the same client's button at the same moment.
    go = threading.Barrier(2)

    def press(user: str) -> None:
        go.wait()
        click(server, ag.POST_REMINDER, cid, user=user)

    pressers = [threading.Thread(target=press, args=(u,)) for u in ("U0ALICE", "U0BOB")]
    for t in pressers:
        t.start()
    for t in pressers:
        t.join(20)
    mine = [
        (m["metadata"]["event_payload"]["key"], m["metadata"]["event_payload"]["part"])
        for m in slack.messages["C0ACME"][before:]
        if (m.get("metadata") or {}).get("event_payload", {}).get("client_id") == cid
    ]
    assert sorted(p for _k, p in mine) == ["alert", "suggestion"], "posted exactly once"
    record = store.get(TEAM, cid)
    assert record is not None
    (nudge,) = record.nudges.values()
    assert nudge.status is NudgeStatus.POSTED
    # The other clicker is told it was already started (a DM, not a second post).
    told = [
        c.args
        for c in slack.calls_to("chat.postMessage")
        if c.args["channel"] in ("U0ALICE", "U0BOB")
    ]
    assert len(told) == 1 and "already started" in told[0]["text"]
    assert json.dumps(told[0]).count(held.client.name) == 1

    # The pass doesn't post it again.
    clock.now += timedelta(hours=1)
    nudge_pass(config, store, slack, clock)
    again = [
        m
        for m in slack.messages["C0ACME"]
        if (m.get("metadata") or {}).get("event_payload", {}).get("client_id") == cid
    ]
    assert len(again) == 2
