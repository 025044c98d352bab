"""`/client offboard` and its checklist buttons, as Slack sends them (signed, over HTTP): the
checklist is saved with the client and posted after the ack; each button ticks its item once,
with who and when; the handover waits while money is owed; `/client unarchive` undoes the
archive."""

from __future__ import annotations

import itertools
import json
import re
import threading
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from domain import offboarding as ob
from domain.models import Kind
from service.commands import ClientCommands
from tests.checks import live_markup
from ui import offboarding as ui

TEAM = "T0TEAM1"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CLICKS = itertools.count(1)


def run(store, text: str, clock) -> None:
    reply = ClientCommands(store, UTC).run(TEAM, "U0ALICE", text, clock.now)
    assert ":warning:" not in reply.text, reply.text


def checklist_post(slack, count: int = 1):
    posts = [c for c in slack.wait_for("chat.postMessage", count) if c.args["channel"] == "C0WORK"]
    return posts[-1].args


def press(server, client_id: str, item: str, ts: str, user: str = "U0BOB"):
    payload = json.loads((FIXTURES / "block_actions.json").read_text())
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}
    payload["container"].update(message_ts=ts, channel_id="C0WORK")
    payload["channel"] = {"id": "C0WORK", "name": "work"}
    payload["actions"] = [
        {
            "action_id": ui.ACTION_IDS[item],
            "block_id": ui.block_id(client_id),
            "type": "button",
            "value": client_id,
            "text": {"type": "plain_text", "text": "x"},
            # Each click is its own payload (a double click is two), signed anew.
            "action_ts": f"1800000100.{next(CLICKS):06d}",
        }
    ]
    res = server.interact(payload)
    assert res.status == 200, res.body
    return res


@pytest.fixture
def offboarded(server, slack, store, clock):
    run(store, "add acme as late-payer", clock)
    run(store, "invoice acme £900 due 2026-11-20 #A1", clock)
    res = server.slash("offboard acme they didn't pay for three months")
    body = res.json()
    assert body["response_type"] == "ephemeral" and live_markup(body) == []
    assert "Offboarding *acme*: the checklist is saved" in res.text
    post = checklist_post(slack)
    record = store.find(TEAM, "acme")
    assert record.offboarding is not None
    assert record.offboarding.reason == "they didn't pay for three months"
    assert record.offboarding.started_by == "U0ALICE"
    # The message that shows it is remembered, so ticks update it.
    ts = slack.messages["C0WORK"][-1]["ts"]
    assert (record.offboarding.channel, record.offboarding.ts) == ("C0WORK", ts)
    return record.client.client_id, ts, post


def test_the_checklist_is_posted_with_a_button_per_step(offboarded, store) -> None:
    client_id, _ts, post = offboarded
    assert live_markup(post) == []
    blocks = post["blocks"]
    assert len(blocks) <= 50
    actions = next(b for b in blocks if b["type"] == "actions")
    assert ui.parse_block_id(actions["block_id"]) == client_id
    assert all(e["value"] == client_id for e in actions["elements"])
    assert [e["action_id"] for e in actions["elements"]] == list(ui.ACTION_IDS.values())
    shown = json.dumps(blocks)
    assert "they didn't pay for three months" in shown
    assert "still owes money (#A1): hold the handover" in shown
    history = list(store.history(TEAM, client_id))
    assert history[0].kind is Kind.OFFBOARDING and history[0].text.startswith("they didn't")


def test_handover_is_blocked_with_a_warning_while_money_is_owed(
    offboarded, server, slack, store, clock
) -> None:
    client_id, ts, post = offboarded
    press(server, client_id, ob.HANDOVER, ts)
    note = slack.wait_for("chat.postEphemeral")[-1].args
    assert note["user"] == "U0BOB"
    assert "Hold the handover: acme still owes money (#A1)" in note["text"]
    assert ob.HANDOVER not in store.find(TEAM, "acme").offboarding.ticks

    run(store, "paid acme #A1", clock)
    press(server, client_id, ob.HANDOVER, ts)
    update = slack.wait_for("chat.update")[-1].args
    assert update["ts"] == ts
    tick = store.find(TEAM, "acme").offboarding.ticks[ob.HANDOVER]
    assert tick.by == "U0BOB" and tick.at == clock.now
    assert "Full access to every account handed over: <@U0BOB>" in json.dumps(update["blocks"])
    # Slack asks for a new block_id per update; the buttons' values still name the client.
    (before,) = [b for b in post["blocks"] if b["type"] == "actions"]
    (after,) = [b for b in update["blocks"] if b["type"] == "actions"]
    assert after["block_id"] != before["block_id"]
    assert ui.parse_block_id(after["block_id"]) == client_id
    assert {e["value"] for e in after["elements"]} == {client_id}


def test_a_double_click_and_two_people_make_one_tick(offboarded, server, slack, store) -> None:
    client_id, ts, _post = offboarded
    users = ["U0BOB", "U0CAROL", "U0BOB", "U0DAN"]
    threads = [
        threading.Thread(target=press, args=(server, client_id, ob.REASON, ts, u)) for u in users
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    record = store.find(TEAM, "acme")
    checked = [e for e in store.history(TEAM, client_id) if e.kind is Kind.CHECKED]
    assert [e.ref for e in checked] == [ob.REASON]
    first = record.offboarding.ticks[ob.REASON].by
    assert checked[0].logged_by == first
    # The others were told who was first (three notes: everyone but the first click).
    notes = slack.wait_for("chat.postEphemeral", 3)
    assert all("already ticked" in n.args["text"] for n in notes)


def test_archive_from_the_checklist_and_unarchive_undoes_it(
    offboarded, server, slack, store, clock
) -> None:
    client_id, ts, _post = offboarded
    press(server, client_id, ob.ARCHIVED, ts)
    record = store.find(TEAM, "acme")
    assert record.client.archived
    assert ob.ARCHIVED in record.offboarding.ticks
    kinds = [e.kind for e in store.history(TEAM, client_id)][:2]
    assert kinds == [Kind.ARCHIVED, Kind.CHECKED]

    clock.now += timedelta(hours=1)
    res = server.slash("unarchive acme")
    assert "is active again" in res.text
    record = store.find(TEAM, "acme")
    assert not record.client.archived
    assert ob.ARCHIVED not in record.offboarding.ticks, "the archive step is open again"
    assert record.offboarding.reason == "they didn't pay for three months", "the rest is kept"


def test_export_from_the_checklist_sends_the_files_and_ticks(
    offboarded, server, slack, store
) -> None:
    client_id, ts, _post = offboarded
    press(server, client_id, ob.EXPORTED, ts, user="U0CAROL")
    slack.wait_for("files.completeUploadExternal")
    assert {f["channel"] for f in slack.files} == {"D0CAROL"}
    names = sorted(
        re.sub(r"^acme-record-\d{4}-\d{2}-\d{2}", "", f["filename"]) for f in slack.files
    )
    assert names == ["-internal.csv", ".csv", ".md"]
    assert store.find(TEAM, "acme").offboarding.ticks[ob.EXPORTED].by == "U0CAROL"


def test_offboard_needs_a_reason_and_stores_nothing_without_one(server, store, clock) -> None:
    run(store, "add acme", clock)
    res = server.slash("offboard acme")
    assert res.json()["text"].startswith(":warning:")
    assert "Say why you are leaving them" in res.text
    assert store.find(TEAM, "acme").offboarding is None


def test_archiving_by_command_ticks_the_archive_step(offboarded, server, store) -> None:
    res = server.slash("archive acme", user="U0DAN")
    assert "Archived *acme*" in res.text
    record = store.find(TEAM, "acme")
    assert record.client.archived and record.offboarding.ticks[ob.ARCHIVED].by == "U0DAN"
