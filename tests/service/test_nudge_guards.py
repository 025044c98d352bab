"""The nudge pass's guards, end to end: commands over signed HTTP to the app `bot.build_app`
builds, the pass `bot.build_engine` builds, the fake Slack stamping posts with the test's clock.

Each test names the guard it protects: removing that guard makes it fail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot
import config as config_module
from config import Config
from domain.models import NudgeStatus
from local_slack import Failure, LocalSlack
from service import delivery as delivery_module
from service import nudges as nudges_module
from service.nudges import MAX_LOOKUP_PAGES
from storage.tinydb_store import TinyDBStore
from tests.checks import ok
from tests.conftest import Clock
from tests.nudge_pass import nudge_engine, nudge_pass
from tests.slack_http import SECRET, AppServer, LazyListeners, serve

TEAM1, TEAM2 = "T0TEAM1", "T0TEAM2"
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def posted_parts(slack: LocalSlack) -> list[tuple[str, str]]:
    """(nudge key, part) of every message Slack holds: proves nothing landed twice."""
    return sorted(
        (m["metadata"]["event_payload"]["key"], m["metadata"]["event_payload"]["part"])
        for messages in slack.messages.values()
        for m in messages
        if m.get("metadata")
    )


def channels_posted_to(slack: LocalSlack) -> list[str]:
    return [c.args["channel"] for c in slack.calls_to("chat.postMessage")]


@pytest.fixture
def acme_quiet(server: AppServer, clock: Clock) -> None:
    """acme, in #C0ACME, asked on Monday: quiet (stage 1) by Friday morning."""
    clock.set("2026-11-23T10:00")
    ok(server.slash("add acme as unresponsive in <#C0ACME|acme>"))
    ok(server.slash("asked acme the signed contract"))
    clock.now = FRIDAY


# the look-ups before posting again ----------------------------------------------------------
def test_a_suggestion_that_landed_unanswered_is_found_in_the_thread_not_posted_again(
    server, config, store, slack, clock, acme_quiet
) -> None:
    """Guard: the conversations.replies look-up before re-posting a thread suggestion."""
    # The alert goes through; the suggestion lands in its thread but the answer comes too late.
    slack.fail("chat.postMessage", None, Failure(delay=1.0, then_succeed=True))
    first = nudge_pass(config, store, slack, clock, timeout=0.3)
    assert first.posted == [] and first.failed == ["quiet:ask-2:1"]
    nudge = store.find(TEAM1, "acme").nudges["quiet:ask-2:1"]
    assert nudge.ts and not nudge.thread_ts

    clock.now += timedelta(minutes=15)
    second = nudge_pass(config, store, slack, clock)
    assert second.posted == ["quiet:ask-2:1"]
    assert posted_parts(slack) == [("quiet:ask-2:1", "alert"), ("quiet:ask-2:1", "suggestion")]
    assert slack.calls_to("conversations.replies"), "the retry looked in the thread first"
    landed = slack.messages["C0ACME"][1]
    nudge = store.find(TEAM1, "acme").nudges["quiet:ask-2:1"]
    assert nudge.thread_ts == landed["ts"] and nudge.status is NudgeStatus.POSTED


def test_the_look_up_reads_only_since_the_nudge_was_recorded(
    server, config, store, slack, clock, acme_quiet
) -> None:
    """Guard: the `oldest` window of the alert look-up. Without it, a channel's older
    messages would fill every page, the look-up would give up, and the nudge never post."""
    # Thousands of messages from earlier in the week, before the nudge was recorded.
    earlier = (FRIDAY - timedelta(days=3)).timestamp()
    slack.messages["C0ACME"] = [
        {"ts": f"{earlier + i:.6f}", "text": f"earlier {i}"}
        for i in range(MAX_LOOKUP_PAGES * 15 + 100)
    ]
    # The alert times out and never lands.
    slack.fail("chat.postMessage", Failure(status=500, delay=1.0))
    assert nudge_pass(config, store, slack, clock, timeout=0.3).posted == []

    clock.now += timedelta(minutes=15)
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == ["quiet:ask-2:1"]
    assert len(slack.calls_to("conversations.history")) == 1, "one page: only the recent past"
    assert posted_parts(slack) == [("quiet:ask-2:1", "alert"), ("quiet:ask-2:1", "suggestion")]


def test_the_look_up_gives_up_after_its_page_limit_and_posts_nothing(
    server, config, store, slack, clock, acme_quiet, caplog
) -> None:
    """Guard: the page limit of the look-up, and that giving up means "retry", never "post"."""
    slack.fail("chat.postMessage", Failure(delay=1.0, then_succeed=True))
    assert nudge_pass(config, store, slack, clock, timeout=0.3).posted == []
    (ours,) = slack.messages["C0ACME"]
    assert float(ours["ts"]) == FRIDAY.timestamp(), "Slack stamps a post with the time it lands"
    # A very busy channel: more than the look-up will read lands after ours, the same morning.
    slack.messages["C0ACME"] += [
        {"ts": f"{float(ours['ts']) + 1 + i / 1000:.6f}", "text": f"chatter {i}"}
        for i in range(MAX_LOOKUP_PAGES * 15 + 50)
    ]

    clock.now += timedelta(minutes=15)
    with caplog.at_level(logging.WARNING, logger="service.nudges"):
        report = nudge_pass(config, store, slack, clock)
    assert report.posted == [] and report.failed == ["quiet:ask-2:1"]
    assert len(slack.calls_to("conversations.history")) == MAX_LOOKUP_PAGES
    assert "could not rule out an earlier post of quiet:ask-2:1" in caplog.text
    assert posted_parts(slack) == [("quiet:ask-2:1", "alert")], "no second copy"
    nudge = store.find(TEAM1, "acme").nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.PENDING and nudge.ts == ""


# guards on nudges waiting to be posted ---------------------------------------------------------
def test_a_waiting_step_1_is_posted_even_when_its_age_reaches_step_2(
    server, config, store, slack, clock
) -> None:
    """Guard: the ladder never skips a step. A pending step 1 whose situation has aged into
    step 2 is still the message posted (step 2 would be a first chase that says "again")."""
    clock.set("2026-11-25T10:00")  # Wednesday
    ok(server.slash("add acme quiet 1 days in <#C0ACME|acme>"))
    ok(server.slash("asked acme the logo"))
    clock.set("2026-11-26T18:00")  # Thursday evening: stage 1 is due, outside working hours
    evening = nudge_pass(config, store, slack, clock)
    assert evening.recorded == ["acme: quiet:ask-2:1"] and evening.outside_hours

    clock.now = FRIDAY  # two business days of silence now: its age calls for stage 2
    report = nudge_pass(config, store, slack, clock)
    assert report.stale == [] and report.posted == ["quiet:ask-2:1"]
    assert posted_parts(slack) == [("quiet:ask-2:1", "alert"), ("quiet:ask-2:1", "suggestion")]


def test_a_waiting_nudge_snoozed_since_it_was_recorded_is_held_back(
    server, config, store, slack, clock
) -> None:
    """Guard: a pending nudge about a situation snoozed after it was recorded waits."""
    clock.set("2026-11-23T10:00")
    ok(server.slash("add acme in <#C0ACME|acme>"))
    ok(server.slash("asked acme the logo"))
    clock.set("2026-11-26T18:00")  # Thursday evening: recorded, waiting for the morning
    assert nudge_pass(config, store, slack, clock).recorded == ["acme: quiet:ask-2:1"]
    ok(server.slash("snooze acme quiet 1 week"))

    clock.now = FRIDAY
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == [] and slack.calls_to("chat.postMessage") == []
    assert store.find(TEAM1, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.PENDING


def test_a_nudge_recorded_before_the_client_was_archived_is_not_posted(
    server, config, store, slack, clock
) -> None:
    """Guard: an archived client gets no nudges, not even one recorded before the archive (its
    situation is still open, so only the archive itself can hold it back)."""
    clock.set("2026-11-23T10:00")
    ok(server.slash("add acme in <#C0ACME|acme>"))
    ok(server.slash("asked acme the logo"))
    clock.set("2026-11-26T18:00")  # Thursday evening: recorded, waiting for the morning
    assert nudge_pass(config, store, slack, clock).recorded == ["acme: quiet:ask-2:1"]
    ok(server.slash("archive acme"))

    clock.now = FRIDAY
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == [] and slack.calls_to("chat.postMessage") == []
    assert report.stale == ["quiet:ask-2:1"]
    assert store.find(TEAM1, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.STALE


def test_after_a_429_the_pass_posts_nothing_more_to_that_workspace(
    server, team2_server, config, store, slack, clock
) -> None:
    """Guard: one workspace rate limited stops that workspace's posts for the pass, and only
    that workspace's."""
    clock.set("2026-11-20T10:00")
    for name, team, chan in (("a1", TEAM1, "C0A1"), ("a2", TEAM1, "C0A2"), ("b1", TEAM2, "C0B1")):
        served = server if team == TEAM1 else team2_server
        ok(served.slash(f"add {name} in <#{chan}|{name}>", team=team))
        ok(served.slash(f"asked {name} the copy", team=team))
    clock.now = FRIDAY
    slack.fail("chat.postMessage", Failure(status=429, retry_after=120))

    report = nudge_pass(config, store, slack, clock)
    team1 = [c for c in channels_posted_to(slack) if c in ("C0A1", "C0A2")]
    assert len(team1) == 1, "one refused post, then nothing more to that workspace"
    assert channels_posted_to(slack).count("C0B1") == 2, "the other workspace is not held up"
    assert len(report.posted) == 1

    clock.now += timedelta(seconds=121)
    assert len(nudge_pass(config, store, slack, clock).posted) == 2
    assert len(posted_parts(slack)) == 6


# non-default ladders, wired from the environment ------------------------------------------------
@pytest.fixture
def laddered(
    slack: LocalSlack, db_path: Path, clock: Clock, lazy: LazyListeners
) -> Iterator[tuple[AppServer, Config, TinyDBStore]]:
    """The app as `python bot.py` builds it from settings that move every ladder."""
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_PATH": str(db_path),
        "QUIET_STAGES": "2,3,4",
        "OVERDUE_DAYS": "3,10,30",
        "CONTROLLING_REVISIONS": "2,3,5",
        "CONTROLLING_WINDOW_DAYS": "7",
    }
    config = config_module.load(env)
    store = bot.open_store(config, clock)
    running = serve(bot.build_app(config, store, clock=clock, listener_executor=lazy), lazy)
    yield running, config, store
    running.close()


def test_configured_ladders_change_when_nudges_fire(laddered, slack, clock) -> None:
    server, config, store = laddered
    clock.set("2026-11-20T10:00")
    ok(server.slash("add hush in <#C0Q|q>"))  # quiet after 3 business days
    ok(server.slash("asked hush the copy"))
    ok(server.slash("add payer in <#C0P|p>"))
    ok(server.slash("invoice payer 900 due 2026-11-25"))
    ok(server.slash("add boss in <#C0B|b>"))
    clock.set("2026-11-25T10:00")
    ok(server.slash("revision boss move the logo"))
    clock.set("2026-11-26T10:00")
    text = ok(server.slash("revision boss move it back"))
    assert "That's 2 in 7 days: a pattern worth raising" in text  # the app's ladders

    # Friday: 5 business days quiet, 2 days overdue, 2 revisions in a week. The defaults
    # would nudge the first two; these settings nudge only the third.
    clock.now = FRIDAY
    text = ok(server.slash("status boss"))
    assert ":pencil2: 2 revisions in 7 days" in text
    assert ":mute:" not in ok(server.slash("status hush"))
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == ["controlling:since-2026-11-25:1"]
    assert report.recorded == ["boss: controlling:since-2026-11-25:1"] and report.failed == []

    # Tuesday: 7 business days quiet (stage 1 at 2 x 3), 6 days overdue (stage 1 at 3).
    clock.set("2026-12-01T10:00")
    report = nudge_pass(config, store, slack, clock)
    assert sorted(report.posted) == ["overdue:inv-INV-1:1", "quiet:ask-2:1"]


# a bug is not a retry ---------------------------------------------------------------------------
@pytest.mark.parametrize("bug", [KeyError("blocks"), IndexError("list index out of range")])
def test_a_programming_error_while_posting_is_logged_as_an_error_not_retried_quietly(
    server, config, store, slack, clock, acme_quiet, caplog, monkeypatch, bug
) -> None:
    def broken_alert(*args, **kwargs):
        raise bug

    monkeypatch.setattr(nudges_module.ui, "alert", broken_alert)
    with caplog.at_level(logging.WARNING):
        report = nudge_pass(config, store, slack, clock)
    cid = store.find(TEAM1, "acme").client.client_id
    assert report.failed == [f"{cid}: error"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info and errors[0].exc_info[0] is type(bug)
    assert "will retry" not in caplog.text


def test_a_programming_error_while_delivering_an_approved_message_surfaces(
    server, config, store, slack, clock, acme_quiet, monkeypatch
) -> None:
    from dataclasses import replace

    nudge_pass(config, store, slack, clock)
    cid = store.find(TEAM1, "acme").client.client_id

    def approved(record):
        nudge = replace(record.nudges["quiet:ask-2:1"], delivery="pending")
        client = replace(record.client, shared_channel="C0SHARED")
        return replace(record, client=client, nudges={**record.nudges, nudge.key: nudge}), []

    store.update(TEAM1, cid, approved)

    def broken_escape(text: str) -> str:
        raise KeyError(text)

    monkeypatch.setattr(delivery_module, "escape", broken_escape)
    engine = nudge_engine(config, store, slack)
    with pytest.raises(KeyError):
        engine.deliver(TEAM1, cid, "quiet:ask-2:1", clock.now)
