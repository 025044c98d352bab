"""A command that only reads answers within Slack's 3 seconds whatever the data size: past
its budget the ack says the answer follows, and the answer comes by the command's
response_url once ready. Commands that write still answer inline, once saved."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

import bot
from config import Config
from local_slack import RESPONSE_METHOD, LocalSlack
from storage.tinydb_store import TinyDBStore
from tests.conftest import Clock
from tests.slack_http import AppServer, LazyListeners, serve, slash_command


class HeldStore(TinyDBStore):
    """The file store whose overview (what `/client list` reads) waits until released, as a
    cold overview over thousands of clients does."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.hold = threading.Event()
        self.held = threading.Event()
        self.hold.set()

    def overview(self, *args, **kwargs):
        self.held.set()
        assert self.hold.wait(10), "never released"
        return super().overview(*args, **kwargs)


@pytest.fixture
def held(db_path, clock: Clock) -> HeldStore:
    return HeldStore(db_path)


@pytest.fixture
def quick(
    config: Config, held: HeldStore, clock: Clock, lazy: LazyListeners
) -> Iterator[AppServer]:
    # A budget of a tenth of a second stands in for Slack's 3: nothing here waits for it to run out
    # except the one held request.
    app = bot.build_app(config, held, clock=clock, listener_executor=lazy, answer_within=0.1)
    running = serve(app, lazy, healthy=held.writable)
    yield running
    running.close()


def slash(server: AppServer, slack: LocalSlack, text: str) -> dict:
    form = {**slash_command(text), "response_url": slack.response_url("T0TEAM1")}
    response = server.post_signed(urlencode(form), "application/x-www-form-urlencoded")
    assert response.status == 200
    return json.loads(response.body)


def test_a_slow_list_is_acked_at_once_and_answered_by_response_url(
    quick: AppServer, held: HeldStore, slack: LocalSlack, clock: Clock
) -> None:
    clock.set("2026-11-23T10:00")
    assert "Added *acme*" in slash(quick, slack, "add acme as late-payer")["text"]
    held.hold.clear()
    ack = slash(quick, slack, "list")
    # Answered before the list was ready: the person is told the answer follows.
    assert held.held.is_set() and not held.hold.is_set()
    assert ack["response_type"] == "ephemeral" and "the answer follows" in ack["text"]
    assert slack.calls_to(RESPONSE_METHOD) == []
    held.hold.set()
    (late,) = slack.wait_for(RESPONSE_METHOD)
    assert late.args["response_type"] == "ephemeral" and late.args["replace_original"] is False
    assert late.args["text"] == "1 client, 0 needing attention"
    assert "acme" in json.dumps(late.args["blocks"])


def test_a_quick_list_and_every_write_answer_in_the_ack(
    quick: AppServer, held: HeldStore, slack: LocalSlack, clock: Clock
) -> None:
    clock.set("2026-11-23T10:00")
    assert "Added *acme*" in slash(quick, slack, "add acme")["text"]
    assert slash(quick, slack, "list")["text"] == "1 client, 0 needing attention"
    assert "Logged" in slash(quick, slack, "asked acme the logo files")["text"]
    assert slack.calls_to(RESPONSE_METHOD) == []
