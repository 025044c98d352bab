"""The look-ups before posting again, within the history limits of apps outside the Slack
Marketplace (15 messages a page, one request a minute): end to end, over signed HTTP and the
fake Slack, which stamps posts with the test's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.models import NudgeStatus
from local_slack import Failure, LocalSlack
from service.posting import LOOKUP_LIMIT, MAX_LOOKUP_PAGES
from storage.tinydb_store import TinyDBStore
from tests.checks import ok
from tests.conftest import Clock
from tests.nudge_pass import nudge_pass
from tests.slack_http import AppServer

TEAM1 = "T0TEAM1"
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
KEY = "quiet:ask-2:1"


def parts(slack: LocalSlack) -> list[tuple[str, str]]:
    return sorted(
        (m["metadata"]["event_payload"]["key"], m["metadata"]["event_payload"]["part"])
        for messages in slack.messages.values()
        for m in messages
        if m.get("metadata")
    )


@pytest.fixture
def acme_quiet(server: AppServer, clock: Clock) -> None:
    clock.set("2026-11-23T10:00")
    ok(server.slash("add acme as unresponsive in <#C0ACME|acme>"))
    ok(server.slash("asked acme the signed contract"))
    clock.now = FRIDAY


def test_the_alert_look_up_reads_one_page_of_15_around_the_attempt_and_stops_on_the_metadata(
    server, config, store: TinyDBStore, slack: LocalSlack, clock: Clock, acme_quiet
) -> None:
    # The alert lands but the answer comes too late: its ts is never stored.
    slack.fail("chat.postMessage", Failure(delay=1.0, then_succeed=True))
    assert nudge_pass(config, store, slack, clock, timeout=0.3).posted == []
    (ours,) = slack.messages["C0ACME"]
    # A busy channel afterwards, and a long history before: none of it is read.
    before = (FRIDAY - timedelta(days=2)).timestamp()
    slack.messages["C0ACME"] = [
        *({"ts": f"{before + i:.6f}", "text": f"earlier {i}"} for i in range(500)),
        ours,
        *({"ts": f"{float(ours['ts']) + 3600 + i:.6f}", "text": f"later {i}"} for i in range(500)),
    ]

    clock.now += timedelta(hours=2)
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == [KEY]
    (look,) = slack.calls_to("conversations.history")  # found on the first page: stops there
    assert int(look.args["limit"]) <= 15 == LOOKUP_LIMIT
    assert float(look.args["oldest"]) <= float(ours["ts"]) <= float(look.args["latest"])
    assert float(look.args["latest"]) < float(ours["ts"]) + 3600, "only around the attempt"
    assert parts(slack) == [(KEY, "alert"), (KEY, "suggestion")], "never posted twice"
    assert store.find(TEAM1, "acme").nudges[KEY].ts == ours["ts"]


def test_a_rate_limited_look_up_waits_retry_after_and_posts_nothing_meanwhile(
    server, config, store: TinyDBStore, slack: LocalSlack, clock: Clock, acme_quiet
) -> None:
    slack.fail("chat.postMessage", Failure(delay=1.0, then_succeed=True))
    assert nudge_pass(config, store, slack, clock, timeout=0.3).posted == []
    clock.now += timedelta(minutes=15)
    slack.fail("conversations.history", Failure(status=429, retry_after=120))
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == [] and report.failed == [KEY]
    nudge = store.find(TEAM1, "acme").nudges[KEY]
    assert nudge.next_attempt_at == clock.now + timedelta(seconds=120)
    assert parts(slack) == [(KEY, "alert")], "no blind second post"

    clock.now += timedelta(seconds=60)  # before Retry-After has passed: not even a look
    nudge_pass(config, store, slack, clock)
    assert len(slack.calls_to("conversations.history")) == 1

    clock.now += timedelta(seconds=61)
    assert nudge_pass(config, store, slack, clock).posted == [KEY]
    assert parts(slack) == [(KEY, "alert"), (KEY, "suggestion")]
    assert store.find(TEAM1, "acme").nudges[KEY].status is NudgeStatus.POSTED


def test_a_look_up_that_cannot_tell_within_its_pages_posts_nothing(
    server, config, store: TinyDBStore, slack: LocalSlack, clock: Clock, acme_quiet
) -> None:
    slack.fail("chat.postMessage", Failure(delay=1.0, then_succeed=True))
    assert nudge_pass(config, store, slack, clock, timeout=0.3).posted == []
    (ours,) = slack.messages["C0ACME"]
    # More messages than two pages of 15 in the very seconds after ours.
    slack.messages["C0ACME"] += [
        {"ts": f"{float(ours['ts']) + 1 + i / 100:.6f}", "text": f"chatter {i}"}
        for i in range(MAX_LOOKUP_PAGES * LOOKUP_LIMIT + 5)
    ]
    clock.now += timedelta(minutes=15)
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == [] and report.failed == [KEY]
    looks = slack.calls_to("conversations.history")
    assert len(looks) == MAX_LOOKUP_PAGES <= 2
    assert all(int(c.args["limit"]) <= 15 for c in looks)
    assert parts(slack) == [(KEY, "alert")]
