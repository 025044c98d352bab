"""The escalation record over signed HTTP: `/client agreed`, one round per revision line, and
"Sent it" logging an approved message as sent exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.models import Kind, NudgeStatus
from tests.checks import history_of, ok
from tests.handlers.test_actions import TEAM, button, ephemerals, events_of
from tests.nudge_pass import nudge_engine, nudge_pass
from ui import nudges as ui


def test_agreed_records_the_rhythm_in_the_summary_and_the_history(server, store, clock) -> None:
    ok(server.slash("add acme as controlling"))
    reply = ok(server.slash("agreed acme weekly batch reviews"))
    assert "weekly batch reviews" in reply
    state = store.find(TEAM, "acme").state
    assert (state.agreed, state.agreed_on) == ("weekly batch reviews", clock.now.date())
    assert Kind.AGREED in {e.kind for e in history_of(store, "acme")}
    text = ok(server.slash("history acme"))
    assert "agreed a rhythm" in text and "weekly batch reviews" in text


def test_agreed_without_a_rhythm_says_what_to_type_and_stores_nothing(server, store) -> None:
    ok(server.slash("add acme"))
    before = len(history_of(store, "acme"))
    res = server.slash("agreed acme")
    assert "/client agreed acme weekly batch reviews" in res.text
    assert len(history_of(store, "acme")) == before


def test_one_revision_line_with_several_changes_is_one_round(server, store, clock) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("revision acme logo; footer; colours"))
    assert store.find(TEAM, "acme").state.revisions == (clock.now.date(),)


def sent_it(ref: tuple[str, str, str], user: str = "U0BOB") -> dict:
    return button(ui.SENT_IT, ref, user=user)


def posted_without_shared_channel(config, store, slack, clock, server):
    """A quiet suggestion posted in the team channel (the client has no shared channel)."""
    ok(server.slash("add shop in <#C0SHOP|shop>"))
    ok(server.slash("asked shop the logo on 2026-11-20"))
    nudge_pass(config, store, slack, clock)
    record = store.find(TEAM, "shop")
    nudge = record.nudges["quiet:ask-2:1"]
    return (record.client.client_id, nudge.key, nudge.thread_ts)


def approved_without_shared_channel(config, store, slack, clock, server):
    """That suggestion approved: the team sends it."""
    ref = posted_without_shared_channel(config, store, slack, clock, server)
    server.interact(button(ui.APPROVE, ref))
    return ref


def test_approve_is_not_sent_and_offers_a_sent_it_button(
    config, store, slack, clock, server
) -> None:
    approved_without_shared_channel(config, store, slack, clock, server)
    assert events_of(store, "shop", Kind.SENT) == []
    update = slack.wait_for("chat.update")[-1].args
    actions = [b for b in update["blocks"] if b["type"] == "actions"]
    assert [[e["action_id"] for e in b["elements"]] for b in actions] == [[ui.SENT_IT]]
    assert "Sent it" in str(update["blocks"])


def test_sent_it_logs_the_message_as_sent_exactly_once(config, store, slack, clock, server) -> None:
    ref = approved_without_shared_channel(config, store, slack, clock, server)
    clock.now += timedelta(minutes=30)
    server.interact(sent_it(ref, "U0CARA"))
    server.interact(sent_it(ref, "U0CARA"))  # a double click
    server.interact(sent_it(ref, "U0BOB"))  # someone else, later
    sent = events_of(store, "shop", Kind.SENT)
    assert len(sent) == 1 and sent[0].logged_by == "U0CARA"
    assert sent[0].text.startswith("message to client, quiet step 1 (sent by hand): Hi")
    nudge = store.find(TEAM, "shop").nudges["quiet:ask-2:1"]
    assert (nudge.sent_by, nudge.sent_at) == ("U0CARA", clock.now)
    slack.wait_for("chat.postEphemeral", 2)
    assert any("already logged as sent by you" in t for t in ephemerals(slack, "U0CARA"))
    assert any("already logged as sent by <@U0CARA>" in t for t in ephemerals(slack, "U0BOB"))
    text = ok(server.slash("history shop"))
    # One entry for the message: approved and sent, with its words, never a "stop-work notice".
    assert text.count("message to client, quiet step 1") == 1
    assert "sent by <@U0CARA>" in text and "approved by <@U0BOB>" in text
    # Status's recent log reads the same: the message once, not an approved and a sent line.
    status = ok(server.slash("status shop"))
    assert status.count("message to client, quiet step 1: sent by <@U0CARA>") == 1
    assert "message approved" not in status and status.count("Hi ") == 1


def test_sent_it_on_a_suggestion_not_yet_approved_changes_nothing(
    config, store, slack, clock, server
) -> None:
    ref = posted_without_shared_channel(config, store, slack, clock, server)
    server.interact(sent_it(ref))
    assert events_of(store, "shop", Kind.SENT) == []
    assert store.find(TEAM, "shop").nudges["quiet:ask-2:1"].status is NudgeStatus.POSTED


def test_an_edited_gentler_message_is_filed_under_a_neutral_label(
    config, store, slack, clock, server
) -> None:
    from service.decisions import Decisions

    ok(server.slash("add shop as late-payer in <#C0SHOP|shop>"))
    ok(server.slash("invoice shop £900 due 2026-11-10 #S1"))
    engine = nudge_engine(config, store, slack)
    # Step 1 eight days ago: the day it gave the client (Thu 26) has ended.
    week_ago = clock.now - timedelta(days=8)
    engine.scan(week_ago)
    cid = store.find(TEAM, "shop").client.client_id
    decisions = Decisions(store, UTC)
    assert decisions.approve(TEAM, cid, "overdue:inv-S1:1", "U0BOB", week_ago).result == "approved"
    engine.scan(clock.now)
    key = "overdue:inv-S1:2"
    gentle = "Hi, a gentle nudge about #S1 when you get a moment. Thanks!"
    decisions.edit(TEAM, cid, key, "U0CARA", gentle, clock.now)
    decisions.approve(TEAM, cid, key, "U0BOB", clock.now + timedelta(minutes=1))
    decisions.sent(TEAM, cid, key, "U0BOB", clock.now + timedelta(minutes=2))
    text = ok(server.slash("history shop"))
    assert "stop-work" not in text.lower()
    assert "message to client, overdue step 2: sent by <@U0BOB>" in text
    assert "a gentle nudge about #S1" in text
    assert text.count("message to client") == 2  # step 1 and step 2, one entry each


def test_after_the_last_step_the_team_gets_a_reminder_with_options_and_nothing_to_approve(
    config, store, slack, clock, server
) -> None:
    from service.decisions import Decisions

    ok(server.slash("add shop as late-payer in <#C0SHOP|shop>"))
    ok(server.slash("invoice shop £900 due 2026-09-01 #S1"))
    engine = nudge_engine(config, store, slack)
    cid = store.find(TEAM, "shop").client.client_id
    decisions = Decisions(store, UTC)
    when = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)  # a Monday; weeks overdue
    # Each step approved the working day after the day the one before gave the client (the
    # gap is 5 working days): Mon 5, Tue 13 and Wed 21 October.
    for step in (1, 2, 3):
        engine.scan(when)
        key = f"overdue:inv-S1:{step}"
        assert decisions.approve(TEAM, cid, key, "U0BOB", when).result == "approved", step
        when += timedelta(days=8)
    report = engine.scan(datetime(2026, 11, 4, 10, 0, tzinfo=UTC))  # 10 working days later
    assert report.posted == ["overdue:inv-S1:3:repeat-1"]
    suggestion = slack.calls_to("chat.postMessage")[-1].args
    text = str(suggestion["blocks"])
    # Options that fit money, headed as a note for the team, not as a message to send.
    assert "hand it to a collections agency, make a small claim, or write it off" in text
    assert "Note for the team about shop" in text and "Suggested message" not in text
    actions = [b for b in suggestion["blocks"] if b["type"] == "actions"][0]
    assert {e["action_id"] for e in actions["elements"]} == {
        ui.SNOOZE,
        ui.SNOOZE_UNTIL,
        ui.DISMISS,
    }
    nudge = store.find(TEAM, "shop").nudges["overdue:inv-S1:3:repeat-1"]
    # Home and the digest don't call it a suggestion waiting for approval: nothing to approve.
    from domain.agenda import agenda
    from domain.attention import standing
    from ui import agenda as ag
    from ui.digest import digest

    day = date(2026, 11, 4)
    standings = [standing(store.find(TEAM, "shop"), day)]
    lines = [line for line, _w in ag.items(agenda(standings, day), day)]
    assert any(
        "reminder (overdue invoice, every step taken) waiting for your decision" in line
        for line in lines
    ), lines
    assert not any("waiting for approval" in line for line in lines), lines
    summary = str(digest(agenda(standings, day), standings, day, ag.Links()))
    assert "0 suggestions waiting for approval; 1 reminder after the last step;" in summary
    clock.now = datetime(2026, 11, 4, 11, 0, tzinfo=UTC)
    server.interact(button(ui.APPROVE, (cid, nudge.key, nudge.thread_ts)))  # a forged click
    assert store.find(TEAM, "shop").nudges[nudge.key].status is NudgeStatus.POSTED
    slack.wait_for("chat.postEphemeral")
    assert any("nothing to approve" in t for t in ephemerals(slack, "U0BOB"))
