"""`/client export` and `/client report ... share` over signed HTTP: the answer comes at once,
the upload (files.getUploadURLExternal, the POST to the upload URL, files.completeUploadExternal)
or the post reaches the fake Slack after it, and the exported files hold the whole record."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, timedelta

import pytest
from slack_sdk import WebClient

import bot
from domain.export import from_csv
from domain.models import Interaction, Kind
from local_slack import Failure
from service.commands import ClientCommands
from tests.checks import live_markup, ok

TEAM = "T0TEAM1"
INJECTION = '=HYPERLINK("http://evil.invalid") | *not bold* # not a heading'


def run(store, text: str, clock) -> None:
    reply = ClientCommands(store, UTC).run(TEAM, "U0ALICE", text, clock.now)
    assert ":warning:" not in reply.text, reply.text


@pytest.fixture
def full_record(config, store, slack, clock):
    """A client with every kind of entry a person logs, an invoice paid and one open, and a
    nudge edited and approved (so versions, approvals and decisions exist)."""
    for line in [
        "add acme as late-payer contact Jo lang cy",
        "asked acme the logo files on 2026-11-02",
        "heard acme sent them",
        "note acme -1 looks like a formula too",
        f"note acme {INJECTION}",
        "revision acme bigger logo",
        "invoice acme £900 due 2026-11-10 #A1",
        "invoice acme €50.50 due 2026-11-12 #A2",
        "paid acme #A2",
        "invoice acme £100 due 2026-11-16 #A3",
        "snooze acme quiet 3 days",
        "type acme controlling",
        "set acme quiet 5 days",
        "asked acme sign-off on the March posts",
    ]:
        run(store, line, clock)
    engine = bot.build_engine(
        config,
        store,
        client=WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[]),
        pace=lambda _c: None,
    )
    assert engine.scan(clock.now).posted
    record = store.find(TEAM, "acme")
    key = next(iter(record.nudges))
    decisions = bot.Decisions(store, UTC)
    assert decisions.edit(TEAM, record.client.client_id, key, "U0BOB", "Edited =1+1", clock.now)
    outcome = decisions.approve(
        TEAM, record.client.client_id, key, "U0CAROL", clock.now + timedelta(minutes=1)
    )
    assert outcome.result == "approved", outcome
    sent = decisions.sent(
        TEAM, record.client.client_id, key, "U0CAROL", clock.now + timedelta(minutes=2)
    )
    assert sent.result == "sent", sent
    run(store, "promised acme 2026-12-04 #A1", clock)
    return store.find(TEAM, "acme")


def stored_history(store, record) -> list[Interaction]:
    return list(store.history(TEAM, record.client.client_id))


def exported(slack) -> dict[str, str]:
    """The uploaded files by what they are: `csv` (the reader's), `internal` and `md`."""
    slack.wait_for("files.completeUploadExternal")
    out = {}
    for f in slack.files:
        name = f["filename"]
        what = "internal" if name.endswith("-internal.csv") else name.rsplit(".", 1)[1]
        out[what] = f["content"].decode("utf-8")
    return out


def test_export_uploads_the_files_to_the_persons_dm(server, slack, store, full_record) -> None:
    text = ok(server.slash("export acme"))
    assert "on their way to your DM" in text
    files = exported(slack)
    # The three steps of files_upload_v2, each file's bytes posted to the loopback upload URL.
    assert len(slack.calls_to("files.getUploadURLExternal")) == 3
    assert slack.calls_to("conversations.open")[-1].args["users"] == "U0ALICE"
    assert set(files) == {"csv", "internal", "md"}
    assert all(f["channel"] == "D0ALICE" for f in slack.files), "the DM with the app"
    assert all(f["title"].startswith("acme: full record") for f in slack.files)
    assert "every entry, invoice, payment, nudge" in slack.files[0]["initial_comment"]
    assert "internal CSV keeps every stored field" in slack.files[0]["initial_comment"]

    history = stored_history(store, full_record)
    kinds = {e.kind for e in history}
    assert {Kind.ASKED, Kind.HEARD, Kind.INVOICE, Kind.PAID, Kind.NUDGED, Kind.EDITED} <= kinds
    assert {Kind.APPROVED, Kind.SENT, Kind.PROMISED, Kind.SNOOZED, Kind.TYPE} <= kinds

    # Round trip: every stored entry is in the internal CSV exactly once, every field as stored.
    rows = from_csv(files["internal"])
    entries = [r for r in rows if r["record"] == "entry"]
    assert sorted(int(r["id"]) for r in entries) == sorted(e.seq for e in history)
    by_seq = {int(r["id"]): r for r in entries}
    for event in history:
        row = by_seq[event.seq]
        assert row["kind"] == event.kind.value
        assert row.get("text", "") == event.text
        assert row["logged_by"] == event.logged_by
        assert row["logged_at"] == event.logged_at.isoformat()
        if event.amount:
            assert row["amount.amount"] == str(event.amount.amount)
            assert row["amount.currency"] == event.amount.currency
    # The nudge, both versions of its text, the approval and the decision.
    nudge = next(iter(full_record.nudges.values()))
    assert [r["id"] for r in rows if r["record"] == "nudge"] == [nudge.key]
    versions = [r for r in rows if r["record"] == "version"]
    assert [v["text"] for v in versions] == [v.text for v in nudge.versions]
    assert versions[1]["by"] == "U0BOB"
    assert [r["by"] for r in rows if r["record"] == "approval"] == ["U0CAROL"]
    decided = next(r for r in rows if r["record"] == "nudge")
    assert decided["status"] == "approved" and decided["decided_by"] == "U0CAROL"

    # Markdown: the timeline first, one row per entry; typed text is escaped.
    markdown = files["md"]
    timeline = markdown.index("## Timeline (19 entries, oldest first)")
    assert timeline < markdown.index("## Suggested messages") < markdown.index("## Client settings")
    assert "| date | what | who | reference | amount | due | text | entry |" in markdown
    for event in history:
        assert re.search(rf"\| {event.short_id} \|$", markdown, re.M), event
    assert "\\| \\*not bold\\* # not a heading" in markdown
    assert "Edited =1+1" in markdown
    assert "| date not given | invoice sent | U0ALICE | A1 | GBP 900.00 | 2026-11-10 |" in markdown
    assert markdown.index(nudge.key) > markdown.index("## Suggested messages"), "keys come last"
    assert "### message to client, overdue step 1" in markdown


def test_the_csv_is_the_timeline_and_the_internals_are_in_their_own_file(
    server, slack, store, full_record
) -> None:
    ok(server.slash("export acme"))
    files = exported(slack)
    header, *_ = files["csv"].splitlines()
    assert header == "date,what,who,reference,amount,due,text,entry"
    rows = from_csv(files["csv"])
    history = stored_history(store, full_record)
    assert len(rows) == len(history), "one row per entry"
    # In the order things happened: by the day (the asked line was backdated to 2 November),
    # then as logged; a line whose day wasn't given has no date.
    assert rows[0] == {
        "date": "2026-11-02",
        "what": "we asked for",
        "who": "U0ALICE",
        "text": "the logo files",
        "entry": "e2",
    }
    assert [r["entry"] for r in rows[1:4]] == ["e1", "e3", "e4"]
    assert rows[1]["date"] == "2026-11-27 10:00" and rows[1]["what"] == "added to Tactful"
    by_entry = {r["entry"]: r for r in rows}
    assert by_entry["e3"] == {
        "date": "2026-11-27 10:00",
        "what": "they replied",
        "who": "client",
        "text": "sent them",
        "entry": "e3",
    }
    assert by_entry["e7"] == {
        "what": "invoice sent",
        "who": "U0ALICE",
        "reference": "A1",
        "amount": "GBP 900.00",
        "due": "2026-11-10",
        "entry": "e7",
    }
    assert by_entry["e9"]["who"] == "client" and by_entry["e9"]["amount"] == "EUR 50.50"
    assert by_entry["e9"]["what"] == "paid" and by_entry["e9"]["reference"] == "A2"
    assert by_entry["e11"]["what"] == "snoozed" and by_entry["e11"]["text"] == "quiet"
    assert by_entry["e19"]["what"] == "promised to pay" and by_entry["e19"]["due"] == "2026-12-04"
    assert by_entry["e18"]["what"] == "message sent" and by_entry["e18"]["who"] == "U0CAROL"
    assert by_entry["e18"]["text"].endswith("(sent by hand): Edited =1+1")

    # Internals (the nudge's key, Slack ids, seq, the logging order) are only in the other file.
    nudge = next(iter(full_record.nudges.values()))
    assert nudge.key not in files["csv"] and nudge.key in files["internal"]
    assert nudge.ts not in files["csv"] and nudge.ts in files["internal"]
    assert str(history[0].order) not in files["csv"]
    assert files["internal"].splitlines()[0].startswith("record,id,")


def test_the_csv_is_safe_to_open_in_a_spreadsheet(server, slack, full_record) -> None:
    ok(server.slash("export acme"))
    files = exported(slack)
    for raw in (files["csv"], files["internal"]):
        # Cells that would start a formula begin with an apostrophe; read back, they are as typed.
        assert "'=HYPERLINK(" in raw and ",=HYPERLINK(" not in raw
        assert "'-1 looks like a formula" in raw
        assert "'Edited =1+1" not in raw  # only a cell's first character matters
        texts = [r.get("text", "") for r in from_csv(raw)]
        assert 'HYPERLINK("http://evil.invalid") | *not bold*' in " ".join(texts)


def test_every_stored_field_is_a_column(server, slack, full_record) -> None:
    """The internal file is generic over the stored dataclasses: a field added later is in it."""
    ok(server.slash("export acme"))
    header = exported(slack)["internal"].splitlines()[0]
    columns = set(header.split(","))
    for f in dataclasses.fields(Interaction):
        assert f.name in columns or f"{f.name}.amount" in columns, f.name


def test_export_of_an_unknown_client_is_refused_and_nothing_is_uploaded(server, slack) -> None:
    res = server.slash("export nobody")
    assert res.json()["text"].startswith(":warning:")
    assert "I don't know a client called nobody" in res.text
    server.slash("list")  # a later request, so any stray upload would have started by now
    assert slack.calls_to("files.getUploadURLExternal") == []


def test_export_of_another_workspaces_client_is_refused(team2_server, slack, full_record) -> None:
    res = team2_server.slash("export acme", team="T0TEAM2")
    assert "I don't know a client called acme" in res.text
    assert slack.calls_to("files.getUploadURLExternal") == []


# report share --------------------------------------------------------------------------------
def test_report_share_posts_the_report_with_a_welsh_draft_in_the_channel(
    server, slack, full_record
) -> None:
    before = len(slack.calls_to("chat.postMessage"))
    text = ok(server.slash("report acme share", channel="C0TEAM"))
    assert "Posting the report on *acme* in this channel" in text
    post = slack.wait_for("chat.postMessage", before + 1)[-1].args
    assert post["channel"] == "C0TEAM"
    assert live_markup(post) == [], "typed text in a shared report pings no one"
    shown = str(post["blocks"])
    assert "Walking away from acme" in shown
    assert "Shared with the team by <@U0ALICE>" in shown
    # The client's language is Welsh (lang cy): the draft is in Welsh, with the record's facts.
    assert "Helo Jo," in shown
    assert "Mae'r canlynol yn dal yn ddyledus: #A1 £900.00; #A3 £100.00" in shown
    # Handing over what is theirs never waits for payment.
    assert "Byddwn ni'n trosglwyddo eich cyfrifon a'r mynediad atyn nhw i chi beth bynnag" in shown
    assert "sign-off on the March posts" in shown
    assert len(post["blocks"]) <= 50


def test_report_without_share_is_only_for_the_person(server, slack, full_record) -> None:
    text = ok(server.slash("report acme"))
    assert "Only you can see this" in text and "report acme share" in text
    assert "Draft final report for acme" in text
    server.slash("list")
    assert all(c.args.get("channel") != "C0WORK" for c in slack.calls_to("chat.postMessage"))


def test_a_share_slack_refuses_is_explained_to_the_person(server, slack, full_record) -> None:
    before = len(slack.calls_to("chat.postMessage"))
    slack.fail(
        "chat.postMessage", Failure(status=200, body={"ok": False, "error": "not_in_channel"})
    )
    ok(server.slash("report acme share", channel="C0TEAM"))
    calls = slack.wait_for("chat.postMessage", before + 2)[before:]
    assert calls[0].args["channel"] == "C0TEAM"  # refused: Tactful isn't in the channel
    assert calls[1].args["channel"] == "D0ALICE"
    assert "couldn't post the report in that channel. Invite me there" in calls[1].args["text"]


def test_an_upload_that_fails_is_explained_and_shares_nothing(server, slack, full_record) -> None:
    slack.fail(
        "files.completeUploadExternal",
        Failure(status=200, body={"ok": False, "error": "not_allowed"}),
    )
    before = len(slack.calls_to("chat.postMessage"))
    ok(server.slash("export acme"))
    note = slack.wait_for("chat.postMessage", before + 1)[-1].args
    assert note["channel"] == "D0ALICE" and "couldn't send the export" in note["text"]
    assert slack.files == []
