"""Where nudges go, as the team is told over signed HTTP (`/client add`, `set`, `status`,
`list`, App Home) and as the nudge pass really sends them, against the fake Slack."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from config import Config
from domain.models import NudgeStatus
from local_slack import Failure, LocalSlack
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup, ok
from tests.conftest import Clock
from tests.handlers.test_home_http import home_opened, view_of, wait_for_publish
from tests.nudge_pass import nudge_pass
from tests.slack_http import AppServer

TEAM = "T0TEAM1"


def dm_opened_for(slack: LocalSlack) -> list[str]:
    return [c.args["users"] for c in slack.calls_to("conversations.open")]


@pytest.fixture
def quiet_since_monday(server: AppServer, clock: Clock) -> None:
    """`acme`, added by U0ALICE with no channel and no owner, asked on Monday: quiet by Friday."""
    clock.set("2026-11-23T10:00")
    ok(server.slash("add acme as unresponsive"))
    ok(server.slash("asked acme the signed contract"))
    clock.set("2026-11-27T10:00")


def test_add_says_nudges_go_by_dm_to_whoever_added_the_client(server: AppServer) -> None:
    text = ok(server.slash("add acme"))
    assert "Nudges go by DM to you, who added it (it has no channel or owner)." in text
    assert "`/client set acme in #channel`" in text

    text = ok(server.slash("add globex owner <@U0OLLY|olly>"))
    assert "Nudges go by DM to its owner <@U0OLLY>." in text
    text = ok(server.slash("add initech in <#C0INI|initech>"))
    assert "Nudges go to <#C0INI>." in text

    # The same question, asked by `status` and by `set`, gets the same answer.
    text = ok(server.slash("status acme", user="U0BOB"))
    assert "*Where:* nudges go by DM to <@U0ALICE>, who added it" in text
    text = ok(server.slash("set acme owner <@U0OLLY|olly>"))
    assert "nudges go by DM to its owner <@U0OLLY>" in text
    text = ok(server.slash("status acme"))
    assert "*Where:* nudges go by DM to its owner <@U0OLLY>" in text


class TestANudgeChannelIsSet:
    """NUDGE_CHANNEL=C0NUDGES: where a client's nudges go when it has no channel of its own."""

    @pytest.fixture
    def config(self, config: Config) -> Config:
        return replace(config, nudge_channel="C0NUDGES")

    def test_add_and_status_name_nudge_channel_when_it_is_set(
        self,
        server: AppServer,
        config: Config,
        store: TinyDBStore,
        slack: LocalSlack,
        clock: Clock,
    ) -> None:
        clock.set("2026-11-23T10:00")
        text = ok(server.slash("add acme"))
        assert "Nudges go to <#C0NUDGES> (NUDGE_CHANNEL: it has no channel of its own)." in text
        ok(server.slash("asked acme the logo"))
        text = ok(server.slash("status acme"))
        assert "*Where:* nudges go to <#C0NUDGES> (NUDGE_CHANNEL" in text
        clock.set("2026-11-27T10:00")
        assert nudge_pass(config, store, slack, clock).posted == ["quiet:ask-2:1"]
        assert {c.args["channel"] for c in slack.calls_to("chat.postMessage")} == {"C0NUDGES"}
        assert dm_opened_for(slack) == []


def test_a_client_with_no_channel_or_owner_is_nudged_by_dm_to_whoever_added_it(
    server: AppServer,
    config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    clock: Clock,
    quiet_since_monday: None,
) -> None:
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == ["quiet:ask-2:1"] and report.failed == []
    assert dm_opened_for(slack) == ["U0ALICE"]
    alert, suggestion = (c.args for c in slack.calls_to("chat.postMessage"))
    assert alert["channel"] == suggestion["channel"] == "D0ALICE"
    assert suggestion["thread_ts"] == slack.messages["D0ALICE"][0]["ts"]
    blocks = json.loads(alert["blocks"]) if isinstance(alert["blocks"], str) else alert["blocks"]
    assert "You get this because you added *acme*" in json.dumps(blocks)
    assert live_markup(alert) == []


def test_a_dm_slack_refuses_for_good_is_shown_as_undeliverable_until_fixed(
    server: AppServer,
    config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    clock: Clock,
    quiet_since_monday: None,
) -> None:
    # Whoever added the client has since left: Slack won't open a DM with them.
    slack.fail(
        "conversations.open", Failure(status=200, body={"ok": False, "error": "user_disabled"})
    )
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == [] and report.failed == ["quiet:ask-2:1"]
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.PENDING and nudge.undeliverable == "user_disabled"

    text = ok(server.slash("status acme"))
    assert (
        ":no_entry: A quiet nudge (step 1) could not be delivered: the person to DM has been "
        "deactivated. `/client set acme in #channel`"
    ) in text
    text = ok(server.slash("list"))
    assert "*acme* (unresponsive): :no_entry: nudges can't be delivered" in text

    published = wait_for_publish(slack)
    assert server.event(home_opened()).status == 200
    assert published.wait(timeout=10)
    view = view_of(slack.calls_to("views.publish")[-1])
    home_line = "*acme* · unresponsive · no owner · last contact Mon 23 Nov 2026 · :no_entry:"
    assert f"{home_line} nudges can't be delivered: `/client status` says why" in json.dumps(
        view, ensure_ascii=False
    )

    # The team gives it a channel: the next pass posts there, and the warning goes away.
    ok(server.slash("set acme in <#C0ACME|acme>"))
    clock.now += timedelta(minutes=15)
    assert nudge_pass(config, store, slack, clock).posted == ["quiet:ask-2:1"]
    assert {c.args["channel"] for c in slack.calls_to("chat.postMessage")} == {"C0ACME"}
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].undeliverable == ""
    text = ok(server.slash("status acme"))
    assert "could not be delivered" not in text
    assert "can't be delivered" not in ok(server.slash("list"))


def test_a_channel_without_the_bot_is_shown_with_the_fix(
    server: AppServer,
    config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    clock: Clock,
) -> None:
    clock.set("2026-11-23T10:00")
    ok(server.slash("add acme in <#C0ACME|acme>"))
    ok(server.slash("asked acme the logo"))
    clock.set("2026-11-27T10:00")
    slack.fail(
        "chat.postMessage", Failure(status=200, body={"ok": False, "error": "not_in_channel"})
    )
    assert nudge_pass(config, store, slack, clock).posted == []
    text = ok(server.slash("status acme"))
    assert "could not be delivered: Tactful isn't in the channel (`/invite @Tactful` there)" in text
    # Invited: the next pass posts it, in the same channel, once.
    clock.now += timedelta(minutes=15)
    assert nudge_pass(config, store, slack, clock).posted == ["quiet:ask-2:1"]
    assert len(slack.messages["C0ACME"]) == 2
    assert "could not be delivered" not in ok(server.slash("status acme"))


def test_a_passing_failure_is_not_called_undeliverable(
    server: AppServer,
    config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    clock: Clock,
    quiet_since_monday: None,
) -> None:
    slack.fail("chat.postMessage", Failure(status=500))
    assert nudge_pass(config, store, slack, clock).failed == ["quiet:ask-2:1"]
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].undeliverable == ""
    assert "could not be delivered" not in ok(server.slash("status acme"))


def test_a_nudge_with_no_one_at_all_to_go_to_is_shown_as_undeliverable(
    server: AppServer, config: Config, store: TinyDBStore, slack: LocalSlack, clock: Clock
) -> None:
    # Added by something that isn't a person (an import, say): no one to DM.
    commands = ClientCommands(store, UTC)
    added = commands.run(TEAM, "importer", "add acme", datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert (
        "nudges have nowhere to go" in added.text and "`/client set acme in #channel`" in added.text
    )
    commands.run(TEAM, "importer", "asked acme the logo", datetime(2026, 11, 23, 10, 0, tzinfo=UTC))

    report = nudge_pass(config, store, slack, clock)
    assert report.failed == ["quiet:ask-2:1"] and slack.calls_to("chat.postMessage") == []
    assert dm_opened_for(slack) == []
    text = ok(server.slash("status acme"))
    assert "*Where:* :no_entry: nudges have nowhere to go" in text
    assert "A quiet nudge (step 1) could not be delivered: it had nowhere to go." in text
    assert "*acme* (not classified): :no_entry: nudges can't be delivered" in ok(
        server.slash("list")
    )
