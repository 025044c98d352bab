"""One damaged client file, end to end: the nudge pass posts every other client's nudge, and
the team sees the healthy clients with a notice, over signed HTTP and in App Home."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

import bot
from local_slack import LocalSlack
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.handlers.test_home_http import home_opened, view_of, wait_for_publish
from tests.slack_http import AppServer

TEAM, OTHER = "T0TEAM1", "T0TEAM2"
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
NOTICE = "1 client record could not be read and is left out"


def run(store: TinyDBStore, text: str, team: str = TEAM) -> None:
    reply = ClientCommands(store, UTC).run(team, "U0ALICE", text, FRIDAY)
    assert ":warning:" not in reply.text, reply.text


@pytest.fixture
def damaged_acme(store: TinyDBStore) -> str:
    """acme, globex (same team) and initech (another team) all due a quiet nudge on Friday;
    then acme's file is cut short, as a full disk or a bad restore might leave it."""
    for team, name in ((TEAM, "acme"), (TEAM, "globex"), (OTHER, "initech")):
        run(store, f"add {name} as unresponsive in <#C0{name.upper()}|{name}>", team)
        run(store, f"asked {name} sign-off on the posts on 2026-11-23", team)
    path = store._client_path(TEAM, store.find(TEAM, "acme").client.client_id)
    path.write_bytes(path.read_bytes()[:100])
    return str(path)


def test_the_pass_posts_every_other_clients_nudge(
    config, store, slack: LocalSlack, damaged_acme: str, caplog
) -> None:
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    engine = bot.build_engine(config, store, client=client, pace=lambda channel: None)
    caplog.set_level(logging.ERROR)

    report = engine.scan(FRIDAY)

    channels = sorted({c.args["channel"] for c in slack.calls_to("chat.postMessage")})
    assert channels == ["C0GLOBEX", "C0INITECH"]
    assert len(report.posted) == 2 and report.unreadable == [damaged_acme]
    assert "1 unreadable (see the log)" in report.summary()
    assert [r.levelname for r in caplog.records if damaged_acme in r.getMessage()] == ["ERROR"]

    # The next pass skips it again, quietly: the log is not spammed every 15 minutes.
    assert engine.scan(FRIDAY).unreadable == [damaged_acme]
    assert len([r for r in caplog.records if damaged_acme in r.getMessage()]) == 1


def test_list_status_and_home_show_the_healthy_clients_and_a_notice(
    server: AppServer, slack: LocalSlack, damaged_acme: str
) -> None:
    listed = server.slash("list")
    assert listed.status == 200
    assert "2 clients" not in listed.text and "1 client, 1 needing attention" in listed.text
    assert "*globex* (unresponsive): :mute: quiet 4 business days" in listed.text
    assert NOTICE in listed.text and "Tactful's log names each file" in listed.text
    assert "acme" not in listed.text

    status = server.slash("status globex")
    assert status.status == 200 and "quiet 4 business days" in status.text
    damaged = server.slash("status acme")
    assert damaged.status == 200 and damaged.json()["response_type"] == "ephemeral"
    assert "its file is damaged, so nothing was changed" in damaged.text
    assert "Something went wrong" not in damaged.text
    assert "its file is damaged, so nothing was changed" in server.slash("heard acme").text
    assert NOTICE not in server.slash("list", team=OTHER).text

    published = wait_for_publish(slack)
    assert server.event(home_opened()).status == 200
    assert published.wait(timeout=10)
    texts = json.dumps(view_of(slack.calls_to("views.publish")[0]), ensure_ascii=False)
    assert NOTICE in texts and "*globex* · unresponsive" in texts
