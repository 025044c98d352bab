"""Approve, edit, snooze and dismiss, as Slack sends them: signed block_actions and
view_submission payloads over HTTP, against the fake Slack Web API."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient

import bot
from domain.inputs import escape
from domain.models import Kind, NudgeStatus
from service.commands import ClientCommands
from tests.slack_http import fresh_id, serve
from ui import nudges as ui

TEAM = "T0TEAM1"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(store, text: str, when: datetime) -> None:
    reply = ClientCommands(store, UTC).run(TEAM, "U0ALICE", text, when)
    assert ":warning:" not in reply.text, reply.text


@pytest.fixture
def posted(config, store, slack, clock):
    """A quiet client with its nudge posted in #acme; returns (client id, key, thread ts)."""
    run(
        store,
        "add acme as unresponsive in <#C0ACME|acme> shared <#C0SHARED|acme-shared>",
        clock.now,
    )
    run(store, "asked acme sign-off on the &lt;launch&gt; posts on 2026-11-23", clock.now)
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    report = bot.build_engine(config, store, client=client, pace=lambda _c: None).scan(clock.now)
    assert report.posted == ["quiet:ask-2:1"]
    record = store.find(TEAM, "acme")
    nudge = record.nudges["quiet:ask-2:1"]
    return record.client.client_id, nudge.key, nudge.thread_ts


def block_action(action_id: str, ref, user: str = "U0BOB", **action) -> dict:
    payload = json.loads((FIXTURES / "block_actions.json").read_text())
    client_id, key, thread_ts = ref
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}
    payload["container"].update(message_ts=thread_ts, channel_id="C0ACME")
    payload["trigger_id"] = fresh_id()
    payload["actions"] = [
        {
            "action_id": action_id,
            "block_id": ui.block_id(client_id, key),
            "action_ts": "1800000100.000200",
            **action,
        }
    ]
    return payload


def button(action_id: str, ref, user: str = "U0BOB") -> dict:
    return block_action(
        action_id,
        ref,
        user,
        type="button",
        value=action_id,
        text={"type": "plain_text", "text": "x"},
    )


def submission(callback_id: str, metadata: str, values: dict, user: str = "U0BOB") -> dict:
    payload = json.loads((FIXTURES / "view_submission.json").read_text())
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}
    payload["view"].update(
        callback_id=callback_id, private_metadata=metadata, state={"values": values}
    )
    payload["trigger_id"] = fresh_id()
    return payload


def thread_message(slack) -> dict:
    return next(
        m for m in slack.messages["C0ACME"] if m.get("thread_ts") and m["ts"] != m["thread_ts"]
    )


def ephemerals(slack, user: str) -> list[str]:
    return [c.args["text"] for c in slack.calls_to("chat.postEphemeral") if c.args["user"] == user]


def events(store, kind: Kind) -> list:
    record = store.find(TEAM, "acme")
    return [e for e in store.history(TEAM, record.client.client_id) if e.kind is kind]


def test_approve_records_logs_updates_the_thread_and_posts_in_the_shared_channel(
    server, store, slack, posted, clock
):
    res = server.interact(button(ui.APPROVE, posted))
    assert res.status == 200
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.APPROVED and nudge.decided_by == "U0BOB"
    final = nudge.versions[-1].text
    approved = events(store, Kind.APPROVED)
    assert len(approved) == 1 and approved[0].text == final and approved[0].logged_by == "U0BOB"
    sent = events(store, Kind.SENT)
    assert len(sent) == 1 and sent[0].text.startswith(
        "message to client, quiet step 1 (posted in the shared channel): "
    )
    # The thread message now shows the final text, who approved, and no buttons.
    update = slack.wait_for("chat.update")[-1].args
    assert update["ts"] == posted[2]
    assert not any(b["type"] == "actions" for b in update["blocks"])
    assert "Approved by <@U0BOB>" in json.dumps(update["blocks"])
    pre = next(b for b in update["blocks"] if b["type"] == "rich_text")
    assert pre["elements"][0]["elements"][0]["text"] == final
    assert "sign-off on the <launch> posts" in final
    # Delivered as the bot in the client's shared channel, exactly as approved.
    slack.wait_for("chat.postMessage", 3)
    # ...with nothing in it live: the client's "<launch>" is shown, never read as markup.
    assert [m["text"] for m in slack.messages["C0SHARED"]] == [escape(final)]


def test_edit_then_approve_approves_the_edited_text_and_keeps_every_version(
    server, store, slack, posted, clock
):
    server.interact({**button(ui.EDIT, posted), "trigger_id": "12345.98765.abcd"})
    opened = slack.wait_for("views.open")[-1].args
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == ui.EDIT_VIEW
    original = store.find(TEAM, "acme").nudges["quiet:ask-2:1"].versions[0].text
    assert view["blocks"][0]["element"]["initial_value"] == original
    new_text = "Hi Jo, could you confirm the launch posts by Tuesday? Thanks!"
    values = {ui.MESSAGE_BLOCK: {ui.MESSAGE_INPUT: {"type": "plain_text_input", "value": new_text}}}
    res = server.interact(submission(ui.EDIT_VIEW, view["private_metadata"], values, user="U0CARA"))
    assert res.status == 200 and res.body in ("", "{}")
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert [v.text for v in nudge.versions] == [original, new_text]
    assert nudge.versions[-1].by == "U0CARA"
    assert "Edited by <@U0CARA>" in json.dumps(slack.wait_for("chat.update")[-1].args["blocks"])
    server.interact(button(ui.APPROVE, posted))
    assert events(store, Kind.APPROVED)[0].text == new_text
    assert [e.text for e in events(store, Kind.EDITED)] == [new_text]


def actions_block_id(message: dict) -> str:
    blocks = (
        message["blocks"] if isinstance(message["blocks"], list) else json.loads(message["blocks"])
    )
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    return actions["block_id"]


def test_each_update_of_the_thread_has_new_block_ids_that_still_name_the_nudge(
    server, store, slack, posted
):
    """Slack asks for a new block_id on each chat.update: the id changes with what the message
    shows, and the nudge it names is read from it as before (old messages' ids too)."""
    first = actions_block_id(thread_message(slack))
    assert ui.parse_block_id(first) == posted[:2]
    metadata = json.dumps(
        {"team": TEAM, "client_id": posted[0], "key": posted[1], "channel": "C0ACME",
         "thread_ts": posted[2]}
    )  # fmt: skip
    values = {ui.MESSAGE_BLOCK: {ui.MESSAGE_INPUT: {"type": "plain_text_input", "value": "Hi!"}}}
    server.interact(submission(ui.EDIT_VIEW, metadata, values, user="U0CARA"))
    edited = actions_block_id(slack.wait_for("chat.update")[-1].args)
    assert edited != first and ui.parse_block_id(edited) == posted[:2]
    # Pressed in the updated message, by its new id: the nudge is found.
    press = button(ui.APPROVE, posted)
    press["actions"][0]["block_id"] = edited
    assert server.interact(press).status == 200
    assert store.find(TEAM, "acme").nudges[posted[1]].status is NudgeStatus.APPROVED
    # A message posted before ids had revisions still names its nudge.
    assert ui.parse_block_id(f"nudge|{posted[0]}|{posted[1]}") == posted[:2]
    assert ui.parse_block_id("nudge~zz|a|b") is None and ui.parse_block_id("nudgex|a|b") is None


def test_an_empty_edit_is_refused_in_the_modal_and_changes_nothing(server, store, slack, posted):
    metadata = json.dumps(
        {
            "team": TEAM,
            "client_id": posted[0],
            "key": posted[1],
            "channel": "C0ACME",
            "thread_ts": posted[2],
        }
    )
    values = {ui.MESSAGE_BLOCK: {ui.MESSAGE_INPUT: {"type": "plain_text_input", "value": "   "}}}
    res = server.interact(submission(ui.EDIT_VIEW, metadata, values))
    assert res.json()["response_action"] == "errors"
    assert len(store.find(TEAM, "acme").nudges["quiet:ask-2:1"].versions) == 1


def test_snooze_holds_that_situation_until_the_date(server, store, slack, posted, clock, config):
    choice = {
        "type": "static_select",
        "selected_option": {"value": "3d", "text": {"type": "plain_text", "text": "3 days"}},
    }
    server.interact(block_action(ui.SNOOZE, posted, **choice))
    record = store.find(TEAM, "acme")
    assert record.nudges["quiet:ask-2:1"].status is NudgeStatus.SNOOZED
    assert record.state.snoozed_until["quiet"] == clock.now.date() + timedelta(days=3)
    assert "Snoozed by <@U0BOB> until Mon 30 Nov 2026" in json.dumps(
        slack.wait_for("chat.update")[-1].args["blocks"]
    )
    engine = bot.build_engine(
        config, store, client=WebClient(base_url=slack.url, retry_handlers=[]), pace=lambda _c: None
    )
    before = len(slack.calls_to("chat.postMessage"))
    assert engine.scan(datetime(2026, 11, 27, 16, 0, tzinfo=UTC)).posted == []
    assert engine.scan(datetime(2026, 12, 1, 10, 0, tzinfo=UTC)).posted  # over: the ladder resumes
    assert len(slack.calls_to("chat.postMessage")) > before


def test_snooze_until_a_date_from_the_date_picker(server, store, posted):
    server.interact(
        block_action(ui.SNOOZE_UNTIL, posted, type="datepicker", selected_date="2026-12-10")
    )
    assert store.find(TEAM, "acme").state.snoozed_until["quiet"].isoformat() == "2026-12-10"


def test_dismiss_with_a_reason_closes_the_stage(server, store, slack, posted, config):
    server.interact({**button(ui.DISMISS, posted), "trigger_id": "1.2.3"})
    view = slack.wait_for("views.open")[-1].args["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    assert view["callback_id"] == ui.DISMISS_VIEW
    values = {
        ui.REASON_BLOCK: {
            ui.REASON_INPUT: {
                "type": "plain_text_input",
                "value": "Spoke on the phone &amp; sorted",
            }
        }
    }
    server.interact(submission(ui.DISMISS_VIEW, view["private_metadata"], values))
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.DISMISSED
    assert "Spoke on the phone" in events(store, Kind.DISMISSED)[0].text
    engine = bot.build_engine(
        config, store, client=WebClient(base_url=slack.url, retry_handlers=[]), pace=lambda _c: None
    )
    assert engine.scan(datetime(2026, 11, 27, 16, 0, tzinfo=UTC)).posted == []  # not nudged again


def test_a_stale_nudge_is_not_sent_when_the_client_replied_since(
    server, store, slack, posted, clock
):
    run(store, "heard acme all approved", clock.now)
    server.interact(button(ui.APPROVE, posted))
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.STALE
    assert events(store, Kind.APPROVED) == [] and events(store, Kind.SENT) == []
    assert "acme replied on Fri 27 Nov 2026" in json.dumps(
        slack.wait_for("chat.update")[-1].args["blocks"]
    )
    assert "C0SHARED" not in slack.messages


def test_a_request_closed_without_a_reply_is_told_as_closed_not_as_a_reply(
    server, store, slack, posted, clock
):
    """Found in a console walk: a request closed with `done` was told as "acme replied on …"
    (a reply from before the suggestion was posted): the reason given must be the true one."""
    # A reply to another request, before the suggestion was posted...
    run(store, "asked acme the logo files on 2026-11-10", clock.now)
    run(store, "heard acme e4 on 2026-11-12", clock.now)
    # ... then the request the suggestion is about is closed by the team.
    run(store, "done acme e2", clock.now)
    server.interact(button(ui.APPROVE, posted))
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.STALE
    blocks = json.dumps(slack.wait_for("chat.update")[-1].args["blocks"])
    assert "the request it was about was answered or closed since this was posted" in blocks
    assert "replied on" not in blocks


def test_two_people_approving_at_once_make_one_approval(server, store, slack, posted):
    barrier = threading.Barrier(2)
    results = []

    def click(user: str) -> None:
        barrier.wait()
        results.append(server.interact(button(ui.APPROVE, posted, user=user)).status)

    threads = [threading.Thread(target=click, args=(u,)) for u in ("U0BOB", "U0CARA")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200]
    assert len(events(store, Kind.APPROVED)) == 1 and len(events(store, Kind.SENT)) == 1
    slack.wait_for("chat.postEphemeral")
    slack.wait_for("chat.postMessage", 3)  # the nudge's two posts, then the one delivery
    assert len(slack.messages["C0SHARED"]) == 1
    winner = store.find(TEAM, "acme").nudges["quiet:ask-2:1"].decided_by
    loser = "U0CARA" if winner == "U0BOB" else "U0BOB"
    assert any(f"already approved by <@{winner}>" in t for t in ephemerals(slack, loser))


def test_a_replayed_action_is_recorded_once(server, store, slack, posted):
    payload = button(ui.APPROVE, posted)
    server.interact(payload)
    server.interact(
        payload, extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert len(events(store, Kind.APPROVED)) == 1 and len(events(store, Kind.SENT)) == 1
    slack.wait_for("chat.postEphemeral")
    assert any("already approved by you" in t for t in ephemerals(slack, "U0BOB"))


@pytest.fixture
def restricted(config, store, clock, slack, lazy):
    """The app with APPROVERS set to one user and one user group."""
    slack.usergroups["S0LEADS"] = ["U0LEAD"]
    app = bot.build_app(
        replace(config, approvers=("U0BOSS", "S0LEADS")), store, clock=clock, listener_executor=lazy
    )
    running = serve(app, lazy)
    yield running
    running.close()


def test_an_unauthorised_user_cannot_approve_or_dismiss(restricted, store, slack, posted):
    restricted.interact(button(ui.APPROVE, posted, user="U0INTERN"))
    restricted.interact({**button(ui.DISMISS, posted, user="U0INTERN"), "trigger_id": "1.2.3"})
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.POSTED
    assert events(store, Kind.APPROVED) == []
    slack.wait_for("chat.postEphemeral", 2)
    assert slack.calls_to("views.open") == []
    notes = ephemerals(slack, "U0INTERN")
    assert len(notes) == 2 and all("approvers" in n.lower() for n in notes)
    restricted.interact(button(ui.APPROVE, posted, user="U0LEAD"))  # member of the group
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].decided_by == "U0LEAD"


@pytest.fixture
def stop_work(config, store, slack, clock, lazy):
    """A posted stop-work warning (overdue, stage 2: step 1 approved eight days before), and the
    app with TWO_PERSON_STOP_WORK on. Yields (record, nudge, ref, server)."""
    run(store, "add shop as late-payer in <#C0ACME|acme>", clock.now)
    run(store, "invoice shop £900 due 2026-11-10 #S1", clock.now)
    client = WebClient(base_url=slack.url, retry_handlers=[])
    engine = bot.build_engine(config, store, client=client, pace=lambda _c: None)
    week_ago = clock.now - timedelta(days=8)  # step 1: its day for an answer (Thu 26) has ended
    engine.scan(week_ago)
    cid = store.find(TEAM, "shop").client.client_id
    assert (
        bot.Decisions(store, UTC).approve(TEAM, cid, "overdue:inv-S1:1", "U0BOB", week_ago).result
        == "approved"
    )
    engine.scan(clock.now)
    record = store.find(TEAM, "shop")
    nudge = record.nudges["overdue:inv-S1:2"]
    ref = (record.client.client_id, nudge.key, nudge.thread_ts)
    app = bot.build_app(
        replace(config, two_person_stop_work=True), store, clock=clock, listener_executor=lazy
    )
    server = serve(app, lazy)
    yield record, nudge, ref, server
    server.close()


def test_stop_work_needs_two_approvers_when_configured(store, stop_work):
    record, nudge, ref, server = stop_work
    server.interact(button(ui.APPROVE, ref, user="U0BOB"))
    assert store.find(TEAM, "shop").nudges[nudge.key].status is NudgeStatus.POSTED
    server.interact(button(ui.APPROVE, ref, user="U0BOB"))  # the same person again
    assert store.find(TEAM, "shop").nudges[nudge.key].status is NudgeStatus.POSTED
    server.interact(button(ui.APPROVE, ref, user="U0CARA"))
    done = store.find(TEAM, "shop").nudges[nudge.key]
    assert done.status is NudgeStatus.APPROVED and done.approvals == ("U0BOB", "U0CARA")
    history = list(store.history(TEAM, record.client.client_id))
    # Approved is not sent: no shared channel here, so it waits for "Sent it".
    assert [e for e in history if e.kind is Kind.SENT] == []
    approvals = [e for e in history if e.kind is Kind.APPROVED and e.ref == nudge.key]
    approvals.sort(key=lambda e: e.seq)
    assert len(approvals) == 2 and approvals[-1].text == nudge.versions[-1].text


def test_a_failed_thread_update_does_not_lose_the_approval(server, store, slack, posted):
    from local_slack import Failure

    slack.fail("chat.update", Failure(status=500))
    res = server.interact(button(ui.APPROVE, posted))
    assert res.status == 200
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.APPROVED


def test_history_shows_the_audit_trail(server, store, slack, posted):
    server.interact(button(ui.APPROVE, posted))
    text = server.slash("history acme").text
    assert "nudge posted" in text and "message to client, quiet step 1" in text
    assert "approved by <@U0BOB>" in text


def test_an_edit_after_a_first_approval_needs_both_approvals_again(store, stop_work):
    record, nudge, ref, server = stop_work
    server.interact(button(ui.APPROVE, ref, user="U0BOB"))
    metadata = json.dumps(
        {
            "team": TEAM,
            "client_id": ref[0],
            "key": ref[1],
            "channel": "C0ACME",
            "thread_ts": ref[2],
        }
    )
    values = {
        ui.MESSAGE_BLOCK: {
            ui.MESSAGE_INPUT: {"type": "plain_text_input", "value": "Something else entirely."}
        }
    }
    server.interact(submission(ui.EDIT_VIEW, metadata, values, user="U0CARA"))
    server.interact(button(ui.APPROVE, ref, user="U0CARA"))
    # Bob approved other words: Cara's approval of her own edit is only the first of two.
    after = store.find(TEAM, "shop").nudges[nudge.key]
    assert after.status is NudgeStatus.POSTED and after.approvals == ("U0CARA",)


def test_a_shared_channel_that_refuses_the_post_is_said_plainly(server, store, slack, posted):
    from local_slack import Failure

    slack.fail(
        "chat.postMessage", Failure(status=200, body={"ok": False, "error": "not_in_channel"})
    )
    server.interact(button(ui.APPROVE, posted))
    update = json.dumps(slack.wait_for("chat.update")[-1].args["blocks"])
    assert "couldn't post it in the client's shared channel" in update
    assert "posted in the client's shared channel" not in update
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.APPROVED


def test_a_part_payment_makes_an_invoice_suggestion_stale(config, store, slack, clock, server):
    run(store, "add shop as late-payer in <#C0ACME|acme>", clock.now)
    run(store, "invoice shop £900 due 2026-11-24 #A", clock.now)
    run(store, "invoice shop £50 due 2026-11-25 #B", clock.now)
    client = WebClient(base_url=slack.url, retry_handlers=[])
    bot.build_engine(config, store, client=client, pace=lambda _c: None).scan(clock.now)
    record = store.find(TEAM, "shop")
    nudge = next(iter(record.nudges.values()))
    assert "£950.00" in nudge.versions[0].text
    run(store, "paid shop #B", clock.now)  # the suggestion's total is now wrong
    server.interact(button(ui.APPROVE, (record.client.client_id, nudge.key, nudge.thread_ts)))
    assert store.find(TEAM, "shop").nudges[nudge.key].status is NudgeStatus.STALE
    assert events_of(store, "shop", Kind.SENT) == []


def test_a_waiting_step_is_never_overtaken_and_can_still_be_approved(
    config, store, slack, clock, server
):
    run(store, "add shop as late-payer in <#C0ACME|acme>", clock.now)
    run(store, "invoice shop £900 due 2026-11-25 #A", clock.now)
    client = WebClient(base_url=slack.url, retry_handlers=[])
    engine = bot.build_engine(config, store, client=client, pace=lambda _c: None)
    engine.scan(clock.now)  # stage 1
    engine.scan(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))  # 7 days overdue: stage 2's age
    record = store.find(TEAM, "shop")
    first = record.nudges["overdue:inv-A:1"]
    # Step 2 never comes while step 1 waits for the team: it would chase "again".
    assert "overdue:inv-A:2" not in record.nudges
    clock.now = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    server.interact(button(ui.APPROVE, (record.client.client_id, first.key, first.thread_ts)))
    assert store.find(TEAM, "shop").nudges[first.key].status is NudgeStatus.APPROVED


def events_of(store, name: str, kind: Kind) -> list:
    record = store.find(TEAM, name)
    return [e for e in store.history(TEAM, record.client.client_id) if e.kind is kind]


def test_a_failed_delivery_is_retried_by_the_next_pass_exactly_once(
    server, store, slack, posted, config, clock
):
    from local_slack import Failure

    slack.fail("chat.postMessage", Failure(status=500))
    server.interact(button(ui.APPROVE, posted))
    slack.wait_for("chat.update")
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].delivery == "posting"
    engine = bot.build_engine(
        config, store, client=WebClient(base_url=slack.url, retry_handlers=[]), pace=lambda _c: None
    )
    engine.scan(clock.now + timedelta(minutes=15))
    engine.scan(clock.now + timedelta(minutes=30))
    delivered = store.find(TEAM, "acme").nudges["quiet:ask-2:1"].delivery
    assert [m["ts"] for m in slack.messages["C0SHARED"]] == [delivered]


def test_sent_it_then_the_delivery_logs_the_message_as_sent_once(
    server, store, slack, posted, config, clock
):
    from local_slack import Failure

    slack.fail("chat.postMessage", Failure(status=500))
    server.interact(button(ui.APPROVE, posted))
    slack.wait_for("chat.update")
    # Slack was down: someone sends the approved words by email and says so.
    server.interact(button(ui.SENT_IT, posted, user="U0CARA"))
    assert [e.logged_by for e in events_of(store, "acme", Kind.SENT)] == ["U0CARA"]
    engine = bot.build_engine(
        config, store, client=WebClient(base_url=slack.url, retry_handlers=[]), pace=lambda _c: None
    )
    engine.scan(clock.now + timedelta(minutes=15))  # the delivery goes through after all
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.delivery == slack.messages["C0SHARED"][0]["ts"] and nudge.sent_by == "U0CARA"
    assert [e.logged_by for e in events_of(store, "acme", Kind.SENT)] == ["U0CARA"]


def test_a_delivery_that_landed_unrecorded_is_found_not_posted_again(
    server, store, slack, posted, config, clock
):
    server.interact(button(ui.APPROVE, posted))
    slack.wait_for("chat.update")
    record = store.find(TEAM, "acme")
    landed = record.nudges["quiet:ask-2:1"].delivery
    assert landed and landed not in ("pending", "posting")
    # As if we had crashed after Slack took the post but before its ts was stored.
    store.update(
        TEAM,
        record.client.client_id,
        lambda r: (
            replace(r, nudges={k: replace(n, delivery="posting") for k, n in r.nudges.items()}),
            [],
        ),
    )
    engine = bot.build_engine(
        config, store, client=WebClient(base_url=slack.url, retry_handlers=[]), pace=lambda _c: None
    )
    engine.scan(clock.now + timedelta(minutes=15))
    assert len(slack.messages["C0SHARED"]) == 1
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].delivery == landed


# hostile or careless input ---------------------------------------------------------------------
def foreign(payload: dict, team: str = "T0EVIL") -> dict:
    """The same payload, sent from another workspace."""
    payload["team"] = {"id": team, "domain": "evil"}
    payload["user"] = {**payload["user"], "team_id": team}
    payload["view"]["team_id"] = team
    return payload


def test_a_modal_naming_another_workspace_cannot_edit_or_dismiss_its_nudge(
    server, store, slack, posted
):
    # The metadata names T0TEAM1's nudge, but the request comes from T0EVIL.
    metadata = json.dumps(
        {
            "team": TEAM,
            "client_id": posted[0],
            "key": posted[1],
            "channel": "C0ACME",
            "thread_ts": posted[2],
        }
    )
    text = {ui.MESSAGE_BLOCK: {ui.MESSAGE_INPUT: {"type": "plain_text_input", "value": "Pay us"}}}
    res = server.interact(foreign(submission(ui.EDIT_VIEW, metadata, text)))
    assert res.json()["response_action"] == "errors"
    reason = {ui.REASON_BLOCK: {ui.REASON_INPUT: {"type": "plain_text_input", "value": "no"}}}
    res = server.interact(foreign(submission(ui.DISMISS_VIEW, metadata, reason)))
    assert res.json()["response_action"] == "errors"
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.POSTED and len(nudge.versions) == 1
    assert events(store, Kind.EDITED) == [] and events(store, Kind.DISMISSED) == []
    assert slack.calls_to("chat.update") == []
    # The same submission from the nudge's own workspace goes through.
    server.interact(submission(ui.EDIT_VIEW, metadata, text))
    assert [v.text for v in store.find(TEAM, "acme").nudges["quiet:ask-2:1"].versions][-1] == (
        "Pay us"
    )


def test_unreadable_modal_metadata_changes_nothing(server, store, posted):
    text = {ui.MESSAGE_BLOCK: {ui.MESSAGE_INPUT: {"type": "plain_text_input", "value": "Pay us"}}}
    for metadata in ("", "not json", "[1, 2]", json.dumps({"client_id": posted[0]})):
        res = server.interact(submission(ui.EDIT_VIEW, metadata, text))
        assert res.json()["response_action"] == "errors"
    assert len(store.find(TEAM, "acme").nudges["quiet:ask-2:1"].versions) == 1


@pytest.mark.parametrize(
    ("picked", "why"),
    [
        ("9999-12-31", "too far ahead: pick a date within two years"),
        ("2028-11-28", "too far ahead"),  # today is 2026-11-27: two years and a day
        ("2026-11-27", "has already come"),
        ("2026-02-30", "is not a real date"),
        ("next year", "Pick a day from the calendar"),
        ("<!channel>", "Pick a day from the calendar"),
    ],
)
def test_a_date_picker_snooze_has_the_commands_limits(server, store, slack, posted, picked, why):
    server.interact(block_action(ui.SNOOZE_UNTIL, posted, type="datepicker", selected_date=picked))
    record = store.find(TEAM, "acme")
    assert record.nudges["quiet:ask-2:1"].status is NudgeStatus.POSTED
    assert "quiet" not in record.state.snoozed_until
    assert events(store, Kind.SNOOZED) == []
    assert slack.calls_to("chat.update") == []
    (note,) = ephemerals(slack, "U0BOB")
    assert note.startswith("Nothing was snoozed:") and why in note
    assert "<!channel>" not in note


def test_a_date_picker_snooze_two_years_ahead_is_the_limit(server, store, posted):
    server.interact(
        block_action(ui.SNOOZE_UNTIL, posted, type="datepicker", selected_date="2028-11-26")
    )
    assert store.find(TEAM, "acme").state.snoozed_until["quiet"].isoformat() == "2028-11-26"


def test_snoozing_is_open_to_everyone_like_the_command(restricted, store, slack, posted):
    # `/client snooze` needs no approver, so neither does the button; only the caps apply.
    restricted.interact(
        block_action(
            ui.SNOOZE_UNTIL, posted, user="U0INTERN", type="datepicker", selected_date="2026-12-10"
        )
    )
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.SNOOZED and nudge.decided_by == "U0INTERN"


# acks first ----------------------------------------------------------------------------------
def test_a_click_is_acked_before_the_approver_look_up(restricted, store, slack, posted, lazy):
    """Slack hears back at once; the look-up, the decision and the thread update follow."""
    answered = threading.Event()
    held: list[bool] = []

    def hold_the_look_up(call) -> None:
        if call.method == "usergroups.users.list":
            # Slack's answer to the look-up waits until the click's HTTP answer is back; if
            # that answer waited for the look-up instead, this gives up after 5 s (False).
            held.append(answered.wait(timeout=5))

    slack.on_call = hold_the_look_up
    res = restricted.interact(button(ui.APPROVE, posted, user="U0LEAD"), settle=False)
    assert res.status == 200 and res.body == ""
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.POSTED
    answered.set()
    lazy.settle()
    # One look-up, released by the answer: none held the answer up (nor timed out first).
    assert held == [True]
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].decided_by == "U0LEAD"
    assert "Approved by <@U0LEAD>" in json.dumps(slack.wait_for("chat.update")[-1].args["blocks"])


def test_a_slow_approver_look_up_is_given_up_within_its_budget(
    restricted, store, slack, posted, lazy
):
    from handlers.actions import Approvers
    from local_slack import Failure

    slow = Failure(status=200, body={"ok": True, "users": ["U0LEAD"]}, delay=3)
    slack.fail("usergroups.users.list", slow)
    started = time.monotonic()
    restricted.interact(button(ui.APPROVE, posted, user="U0LEAD"))
    # The look-up's 2 s timeout ends it; nothing is recorded, and the person is told.
    assert time.monotonic() - started < Approvers.BUDGET_SECONDS + 1
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.POSTED
    assert any("approvers" in n.lower() for n in ephemerals(slack, "U0LEAD"))
    # Asked again (Slack answering promptly now), the click counts.
    restricted.interact(button(ui.APPROVE, posted, user="U0LEAD"))
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].decided_by == "U0LEAD"


def test_approver_look_ups_share_one_time_budget(slack):
    from handlers.actions import Approvers

    for group in ("S0ONE", "S0TWO", "S0THREE"):
        slack.usergroups[group] = ["U0LEAD"] if group == "S0THREE" else []
    clock = [100.0]

    def slow(call) -> None:  # each look-up takes 2.5 s on the injected clock
        if call.method == "usergroups.users.list":
            clock[0] += 2.5

    slack.on_call = slow
    approvers = Approvers(("S0ONE", "S0TWO", "S0THREE"), monotonic=lambda: clock[0])
    client = WebClient(token="xoxb-test", base_url=slack.url)
    # 4 s of budget: the first two look-ups use it up; the third group is not asked, so
    # its member can't be confirmed (and is refused, and told so) this time.
    assert approvers.allows("U0LEAD", client) is False
    assert [c.args["usergroup"] for c in slack.calls_to("usergroups.users.list")] == [
        "S0ONE",
        "S0TWO",
    ]
    # The two groups read are cached for a minute; the next click asks only the third.
    assert approvers.allows("U0LEAD", client) is True
    assert len(slack.calls_to("usergroups.users.list")) == 3


def test_a_new_contact_refreshes_the_open_suggestion_in_slack(server, store, slack, posted):
    before = store.find(TEAM, "acme").nudges["quiet:ask-2:1"].versions[-1].text
    assert before.startswith("Hi there,")  # no contact yet
    reply = server.slash('set acme contact "Jo Bloggs"')
    assert ":warning:" not in reply.text
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    assert nudge.versions[-1].text == "Hi Jo," + before.removeprefix("Hi there,")
    assert len(nudge.versions) == 2  # the first text is kept in its history
    update = slack.wait_for("chat.update")[-1].args
    assert update["ts"] == posted[2] and "Hi Jo," in json.dumps(update["blocks"])
    # Approving sends the refreshed text.
    server.interact(button(ui.APPROVE, posted))
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].versions[-1].text.startswith("Hi Jo,")


def test_greet_and_pay_over_http_and_bad_input_stores_nothing(server, store, posted):
    bad = server.slash("set acme pay here")
    assert ":warning:" in bad.text and "/client set acme pay https://" in bad.text
    assert store.find(TEAM, "acme").client.pay == ""
    ok = server.slash("set acme greet as Jo pay <https://pay.example.com/acme>")
    assert ":warning:" not in ok.text
    client = store.find(TEAM, "acme").client
    assert (client.greet, client.pay) == ("Jo", "https://pay.example.com/acme")
    # The open suggestion now greets Jo.
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].versions[-1].text.startswith("Hi Jo,")
