"""Only the agency acts: in a Slack Connect channel the client's people see Tactful's buttons
and can press them, and Slack signs their clicks like anyone's. Each act from outside the
workspace that installed Tactful (and its Enterprise org) is refused, politely and only to
them, and changes nothing. Signed payloads over HTTP, in the shapes Slack sends from a
shared channel (tests/fixtures/slack_connect/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from domain import offboarding as ob
from domain.models import Kind, NudgeStatus
from tests.handlers import test_actions
from tests.handlers.test_actions import TEAM, events
from tests.slack_http import fresh_id, slash_command
from ui import log_form
from ui import nudges as ui
from ui import offboarding as ui_offboarding
from ui.boundary import NOT_THE_AGENCY

CONNECT = Path(__file__).resolve().parents[1] / "fixtures" / "slack_connect"
CLIENT_ORG = "T0CLIENT"
# A quiet client whose suggestion is posted in #acme: (client id, key, thread ts).
posted = test_actions.posted


def fixture(name: str) -> dict[str, Any]:
    payload = json.loads((CONNECT / f"{name}.json").read_text())
    payload["trigger_id"] = fresh_id()
    return payload


def click(action_id: str, block_id: str, name: str = "block_actions_client_org", **action):
    payload = fixture(name)
    payload["actions"] = [
        {"action_id": action_id, "block_id": block_id, "action_ts": "1800000100.000200", **action}
    ]
    return payload


def pressed(action_id: str, block_id: str, name: str = "block_actions_client_org"):
    text = {"type": "plain_text", "text": "x"}
    return click(action_id, block_id, name, type="button", value=action_id, text=text)


def refusals(slack) -> list[dict[str, Any]]:
    return [c.args for c in slack.calls_to("chat.postEphemeral")]


def assert_untouched(store, slack) -> None:
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.POSTED and nudge.decided_by == ""
    for kind in (Kind.APPROVED, Kind.SENT, Kind.SNOOZED, Kind.DISMISSED, Kind.EDITED):
        assert events(store, kind) == []
    assert slack.calls_to("chat.update") == [] and slack.calls_to("views.open") == []
    assert "C0SHARED" not in slack.messages


@pytest.mark.parametrize(
    "action",
    [
        {"action_id": ui.APPROVE, "type": "button", "value": ui.APPROVE},
        {"action_id": ui.DISMISS, "type": "button", "value": ui.DISMISS},
        {"action_id": ui.EDIT, "type": "button", "value": ui.EDIT},
        {
            "action_id": ui.SNOOZE,
            "type": "static_select",
            "selected_option": {"value": "3d", "text": {"type": "plain_text", "text": "3 days"}},
        },
        {"action_id": ui.SNOOZE_UNTIL, "type": "datepicker", "selected_date": "2026-12-10"},
    ],
    ids=lambda a: a["action_id"],
)
def test_the_clients_click_on_a_suggestion_is_refused_and_changes_nothing(
    server, store, slack, posted, action
):
    client_id, key, thread_ts = posted
    payload = click(block_id=ui.block_id(client_id, key), **action)
    payload["container"]["message_ts"] = thread_ts
    res = server.interact(payload)
    assert res.status == 200
    assert_untouched(store, slack)
    assert store.find(TEAM, "acme").state.snoozed_until == {}
    # Told, politely, only them, where they clicked.
    [told] = refusals(slack)
    assert (told["user"], told["channel"], told["text"]) == ("U0JO", "C0SHARED", NOT_THE_AGENCY)


def test_the_clients_click_on_archive_leaves_the_client_chased(server, store, slack, clock):
    server.slash("add acme as late-payer")
    server.slash("invoice acme £5000 due 2026-09-21 #A1")
    server.slash("offboard acme they stopped paying")
    record = store.find(TEAM, "acme")
    before = list(store.history(TEAM, record.client.client_id))
    for item in (ob.ARCHIVED, ob.REASON, ob.EXPORTED):
        server.interact(
            pressed(
                ui_offboarding.ACTION_IDS[item], ui_offboarding.block_id(record.client.client_id)
            )
        )
    after = store.find(TEAM, "acme")
    assert not after.client.archived and after.offboarding is not None
    assert after.offboarding.ticks == {}
    assert list(store.history(TEAM, record.client.client_id)) == before
    assert slack.files == [] and slack.calls_to("chat.update") == []
    assert [t["text"] for t in refusals(slack)] == [NOT_THE_AGENCY] * 3


def test_the_clients_edit_form_is_refused_in_the_form(server, store, slack, posted):
    client_id, key, thread_ts = posted
    payload = fixture("view_submission_client_org")
    metadata = {"team": TEAM, "client_id": client_id, "key": key}
    metadata |= {"channel": "C0ACME", "thread_ts": thread_ts}
    values = {ui.MESSAGE_BLOCK: {ui.MESSAGE_INPUT: {"type": "plain_text_input", "value": "Pay"}}}
    payload["view"].update(
        callback_id=ui.EDIT_VIEW,
        private_metadata=json.dumps(metadata),
        state={"values": values},
    )
    res = server.interact(payload)
    assert res.json() == {
        "response_action": "errors",
        "errors": {ui.MESSAGE_BLOCK: NOT_THE_AGENCY},
    }
    assert_untouched(store, slack)
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert [v.text for v in nudge.versions][-1] != "Pay"


def test_the_clients_message_shortcut_opens_nothing(server, store, slack, posted):
    res = server.interact(fixture("message_action_client_org"))
    assert res.status == 200
    assert_untouched(store, slack)
    assert [(t["user"], t["text"]) for t in refusals(slack)] == [("U0JO", NOT_THE_AGENCY)]


def test_the_clients_menu_search_lists_no_clients(server, store, slack, posted):
    payload = fixture("block_actions_client_org")
    payload |= {"type": "block_suggestion", "action_id": log_form.CLIENT_SEARCH, "value": "a"}
    payload["block_id"] = "client"
    res = server.interact(payload)
    assert res.json() == {"options": []}


def test_a_command_from_another_workspace_is_answered_and_stores_nothing(server, store, slack):
    before = store.teams()
    res = server.slash("add acme in <#C0SHARED|acme-shared>", team=CLIENT_ORG, user="U0JO")
    assert res.json() == {"response_type": "ephemeral", "text": NOT_THE_AGENCY}
    assert store.teams() == before and store.find(CLIENT_ORG, "acme") is None
    # A bare /client (the form) opens nothing either.
    server.slash("", team=CLIENT_ORG, user="U0JO")
    assert slack.calls_to("views.open") == []


def test_a_command_from_another_workspace_of_an_enterprise_org_is_refused(server, store, slack):
    form = slash_command("add acme", team="T0OTHER", user="U0JO") | {"enterprise_id": "E0ELSE"}
    res = server.post_signed(urlencode(form), "application/x-www-form-urlencoded")
    assert res.json()["text"] == NOT_THE_AGENCY
    assert store.find("T0OTHER", "acme") is None


@pytest.fixture
def enterprise_slack(slack):
    """The agency's workspace is one of an Enterprise org's (auth.test says so)."""
    slack.enterprise_id = "E0AGENCY"
    return slack


def test_a_colleague_from_another_workspace_of_the_agencys_org_may_act(
    enterprise_slack, server, store, posted
):
    client_id, key, thread_ts = posted
    payload = pressed(ui.APPROVE, ui.block_id(client_id, key), "block_actions_same_enterprise")
    payload["container"]["message_ts"] = thread_ts
    server.interact(payload)
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.APPROVED and nudge.decided_by == "W0SAM"
    assert refusals(enterprise_slack) == []
    # Their command, from their own workspace of the same org, works too.
    form = slash_command("note acme called them", team="T0OTHER", user="W0SAM")
    form["enterprise_id"] = "E0AGENCY"
    res = server.post_signed(urlencode(form), "application/x-www-form-urlencoded")
    assert res.json()["text"] != NOT_THE_AGENCY


def test_the_agencys_own_people_still_act_in_the_shared_channel(server, store, slack, posted):
    client_id, key, thread_ts = posted
    payload = pressed(ui.APPROVE, ui.block_id(client_id, key))
    payload["user"]["team_id"] = TEAM
    payload["container"]["message_ts"] = thread_ts
    server.interact(payload)
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.APPROVED
    assert refusals(slack) == []
