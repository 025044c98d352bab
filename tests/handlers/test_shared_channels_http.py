"""The team's messages never go into a channel shared with an outside organisation: `in #c`
naming one is refused with what to type instead, `report ... share` and `offboard` typed in one
answer privately, and the nudge pass sends a nudge whose channel became shared by DM instead.
Signed commands over HTTP; the fake Slack answers `conversations.info` as Slack does."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slack_sdk import WebClient

import bot
from domain.models import Kind

TEAM = "T0TEAM1"
CONNECT = "C0CONNECT"  # a Slack Connect channel with the client's org


@pytest.fixture
def connect(slack):
    slack.ext_shared.add(CONNECT)
    return slack


def posted_in(slack, channel: str) -> list[dict]:
    return [c.args for c in slack.calls_to("chat.postMessage") if c.args["channel"] == channel]


@pytest.mark.parametrize(
    "text",
    [
        f"add acme in <#{CONNECT}|acme-connect>",
        f"add acme in <#{CONNECT}|acme-connect> shared <#{CONNECT}|acme-connect>",
        "add acme in <#C0ACME|acme> shared <#C0ACME|acme>",  # the client's own channel
    ],
)
def test_adding_a_client_with_nudges_in_a_shared_channel_is_refused(connect, server, store, text):
    res = server.slash(text)
    assert res.status == 200
    assert "shared with people outside your organisation" in res.text
    assert "Nothing was saved" in res.text
    assert "`/client add acme in #your-team-channel`" in res.text
    assert store.find(TEAM, "acme") is None


def test_a_channel_whose_sharing_is_pending_is_refused_too(slack, server, store):
    slack.pending_ext_shared.add("C0INVITED")
    res = server.slash("add acme in <#C0INVITED|acme-soon>")
    assert "shared with people outside your organisation" in res.text
    assert store.find(TEAM, "acme") is None


def test_setting_the_nudge_channel_to_a_shared_one_changes_nothing(connect, server, store):
    server.slash("add acme in <#C0ACME|acme> shared <#C0SHARED|acme-shared>")
    for channel in (CONNECT, "C0SHARED"):  # shared with their org / set as theirs
        res = server.slash(f"set acme in <#{channel}|c>")
        assert "can't go there: the client would read them" in res.text
        assert "`/client set acme in #your-team-channel`" in res.text
    record = store.find(TEAM, "acme")
    assert record.client.channel == "C0ACME"
    kinds = [e.kind for e in store.history(TEAM, record.client.client_id)]
    assert kinds == [Kind.ADDED]


def test_a_team_channel_is_still_accepted(connect, server, store):
    res = server.slash(f"add acme in <#C0ACME|acme> shared <#{CONNECT}|acme-connect>")
    assert ":white_check_mark:" in res.text
    client = store.find(TEAM, "acme").client
    assert (client.channel, client.shared_channel) == ("C0ACME", CONNECT)
    infos = [c.args["channel"] for c in connect.calls_to("conversations.info")]
    assert infos == ["C0ACME"]  # asked once, about the channel for the team's nudges


def test_a_report_shared_in_a_shared_channel_goes_to_the_dm(connect, server, store):
    server.slash("add acme as late-payer")
    server.slash("invoice acme £5000 due 2026-09-21 #A1")
    res = server.slash("report acme share", channel=CONNECT)
    assert "sending it to your DM" in res.text and "report acme share" in res.text
    assert posted_in(connect, CONNECT) == []
    [dm] = posted_in(connect, "D0ALICE")
    assert "acme" in dm["text"]


def test_an_offboarding_typed_in_a_shared_channel_is_posted_to_the_dm(connect, server, store):
    server.slash("add acme as late-payer")
    res = server.slash("offboard acme they stopped paying", channel=CONNECT)
    assert "sending it to your DM" in res.text
    assert posted_in(connect, CONNECT) == []
    assert posted_in(connect, "D0ALICE")
    offboarding = store.find(TEAM, "acme").offboarding
    assert offboarding is not None and offboarding.reason == "they stopped paying"
    assert offboarding.channel == "D0ALICE"  # its ticks update the DM's checklist


def test_in_a_team_channel_the_report_is_still_posted_there(connect, server, store):
    server.slash("add acme")
    server.slash("report acme share", channel="C0WORK")
    assert posted_in(connect, "C0WORK")


@pytest.mark.parametrize("setting", ["client channel", "NUDGE_CHANNEL"])
def test_a_nudge_is_never_posted_in_a_channel_that_became_shared(
    slack, server, store, config, clock, setting
):
    where = " in <#C0ACME|acme>" if setting == "client channel" else ""
    server.slash(f"add acme as unresponsive{where} owner <@U0SAM|sam>")
    server.slash("asked acme sign-off on the posts on 2026-11-23")
    # Later, the channel is shared with the client's org.
    slack.ext_shared.add("C0ACME")
    if setting == "NUDGE_CHANNEL":
        config = replace(config, nudge_channel="C0ACME")
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    engine = bot.build_engine(config, store, client=client, pace=lambda _c: None)
    report = engine.scan(clock.now)
    assert report.posted == ["quiet:ask-2:1"]
    assert posted_in(slack, "C0ACME") == []
    # To the owner instead, as a client with no channel's nudges go.
    assert posted_in(slack, "D0SAM")
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].channel == "D0SAM"


def test_a_pass_asks_slack_about_each_channel_once(slack, server, store, config, clock):
    # Four clients nudged in one team channel, two messages each (the alert and its thread).
    names = ["acme", "globex", "initech", "umbrella"]
    for name in names:
        server.slash(f"add {name} as unresponsive in <#C0TEAM|team> owner <@U0SAM|sam>")
        server.slash(f"asked {name} sign-off on the posts on 2026-11-23")
    before = len(slack.calls_to("conversations.info"))
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    engine = bot.build_engine(config, store, client=client, pace=lambda _c: None)
    report = engine.scan(clock.now)
    assert len(report.posted) == len(names)
    assert len(posted_in(slack, "C0TEAM")) >= 2 * len(names)
    asked = [c.args["channel"] for c in slack.calls_to("conversations.info")[before:]]
    assert asked == ["C0TEAM"]
    # The next pass asks again: a channel shared since is seen then.
    server.slash("add wayne as unresponsive in <#C0TEAM|team> owner <@U0SAM|sam>")
    server.slash("asked wayne the logo on 2026-11-23")
    slack.ext_shared.add("C0TEAM")
    in_team, before = len(posted_in(slack, "C0TEAM")), len(slack.calls_to("conversations.info"))
    report = engine.scan(clock.now)
    assert len(report.posted) == 1
    assert [c.args["channel"] for c in slack.calls_to("conversations.info")[before:]] == ["C0TEAM"]
    assert len(posted_in(slack, "C0TEAM")) == in_team  # by DM to the owner instead
