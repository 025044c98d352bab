"""The nudge pass end to end: a real store, the real WebClient, the fake Slack on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient

import bot
from config import Config
from domain.models import NudgeStatus
from local_slack import Failure, LocalSlack
from scheduler import jobs
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from ui import nudges as ui

ROOT = Path(__file__).resolve().parents[2]
TEAM = "T0TEAM1"
# Friday 27 November 2026, 10:00 UTC: inside working hours (UTC workspace).
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


class Paces:
    """Records pacing instead of sleeping."""

    def __init__(self) -> None:
        self.channels: list[str] = []

    def __call__(self, channel: str) -> None:
        self.channels.append(channel)


def run(store: TinyDBStore, text: str, when: datetime = FRIDAY, user: str = "U0ALICE") -> str:
    reply = ClientCommands(store, UTC).run(TEAM, user, text, when)
    assert ":warning:" not in reply.text, reply.text
    return reply.text


def engine(config: Config, store: TinyDBStore, slack: LocalSlack, timeout: float = 5):
    client = WebClient(token="xoxb-test", base_url=slack.url, timeout=timeout, retry_handlers=[])
    return bot.build_engine(config, store, client=client, pace=Paces())


def posts(slack: LocalSlack) -> list[dict]:
    return [c.args for c in slack.calls_to("chat.postMessage")]


def stored_posts(slack: LocalSlack) -> list[dict]:
    """What Slack actually holds, per (nudge key, part): proves nothing landed twice."""
    out = []
    for messages in slack.messages.values():
        for m in messages:
            payload = (m.get("metadata") or {}).get("event_payload") or {}
            out.append((payload.get("client_id"), payload.get("key"), payload.get("part")))
    return out


@pytest.fixture
def quiet_client(store: TinyDBStore) -> None:
    run(store, "add acme as unresponsive in <#C0ACME|acme> owner <@U0OWNER|olly>")
    run(store, "asked acme sign-off on the &lt;b&gt;launch&lt;/b&gt; &amp; posts on 2026-11-23")


def test_quiet_client_gets_one_alert_and_a_threaded_suggestion(config, store, slack, quiet_client):
    report = engine(config, store, slack).scan(FRIDAY)
    assert report.posted == ["quiet:ask-2:1"]
    alert, suggestion = posts(slack)
    assert alert["channel"] == "C0ACME" and "thread_ts" not in alert
    assert "<@U0OWNER>" in alert["blocks"][0]["text"]["text"]
    assert "4 working days" in alert["text"]
    # The person's text is escaped in mrkdwn: no live markup reaches Slack.
    assert "&lt;b&gt;launch&lt;/b&gt; &amp;amp; posts" not in alert["text"]
    assert "&lt;b&gt;launch&lt;/b&gt; &amp; posts" in alert["text"]
    assert suggestion["thread_ts"] == slack.messages["C0ACME"][0]["ts"]
    texts = " ".join(b.get("text", {}).get("text", "") for b in suggestion["blocks"])
    assert "sign-off on the &lt;b&gt;launch&lt;/b&gt; &amp; posts" in texts
    actions = suggestion["blocks"][-1]
    assert ui.parse_block_id(actions["block_id"]) == (
        store.find(TEAM, "acme").client.client_id,
        "quiet:ask-2:1",
    )
    assert [e["action_id"] for e in actions["elements"]] == list(ui.SUGGESTION_ACTIONS)
    for body in (alert, suggestion):
        assert len(body["blocks"]) <= 50
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in body["blocks"])
    record = store.find(TEAM, "acme")
    nudge = record.nudges["quiet:ask-2:1"]
    assert nudge.status is NudgeStatus.POSTED and nudge.ts and nudge.thread_ts
    assert "sign-off on the <b>launch</b> & posts" in nudge.versions[0].text
    assert next(store.history(TEAM, record.client.client_id)).kind.value == "nudged"


def test_scanning_twice_posts_nothing_more(config, store, slack, quiet_client):
    engine(config, store, slack).scan(FRIDAY)
    again = engine(config, store, slack).scan(FRIDAY + timedelta(minutes=15))
    assert again.posted == [] and again.recorded == []
    assert len(posts(slack)) == 2


def test_two_scans_at_once_post_each_nudge_once(config, store, slack, db_path):
    for name in ("a1", "a2", "a3", "a4"):
        run(store, f"add {name} in <#C0WORK|work>")
        run(store, f"asked {name} copy on 2026-11-20")
    barrier = threading.Barrier(2)

    def one_pass() -> None:
        # As a second scheduler would: its own store object and its own handle on the lock.
        own_store = TinyDBStore(db_path)
        barrier.wait()
        jobs.run_pass(
            engine(config, own_store, slack), bot.scheduler_lock(config), FRIDAY, wait=True
        )

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = stored_posts(slack)
    assert len(keys) == 8 and len(set(keys)) == 8


def test_slack_500_keeps_the_nudge_pending_and_the_next_pass_posts_it(
    config, store, slack, quiet_client
):
    slack.fail("chat.postMessage", Failure(status=500))
    first = engine(config, store, slack).scan(FRIDAY)
    assert first.posted == [] and first.failed == ["quiet:ask-2:1"]
    assert store.find(TEAM, "acme").nudges["quiet:ask-2:1"].status is NudgeStatus.PENDING
    second = engine(config, store, slack).scan(FRIDAY + timedelta(minutes=15))
    assert second.posted == ["quiet:ask-2:1"]
    assert sorted(k[1:] for k in stored_posts(slack)) == [
        ("quiet:ask-2:1", "alert"),
        ("quiet:ask-2:1", "suggestion"),
    ]


def test_ok_false_is_retried_too(config, store, slack, quiet_client):
    slack.fail(
        "chat.postMessage", Failure(status=200, body={"ok": False, "error": "internal_error"})
    )
    assert engine(config, store, slack).scan(FRIDAY).posted == []
    assert engine(config, store, slack).scan(FRIDAY + timedelta(minutes=15)).posted == [
        "quiet:ask-2:1"
    ]
    assert len(stored_posts(slack)) == 2


def test_rate_limit_waits_for_retry_after(config, store, slack, quiet_client):
    slack.fail("chat.postMessage", Failure(status=429, retry_after=120))
    assert engine(config, store, slack).scan(FRIDAY).failed == ["quiet:ask-2:1"]
    early = engine(config, store, slack).scan(FRIDAY + timedelta(seconds=60))
    assert early.posted == []
    assert len(slack.calls_to("chat.postMessage")) == 1, "no call before Retry-After has passed"
    later = engine(config, store, slack).scan(FRIDAY + timedelta(seconds=121))
    assert later.posted == ["quiet:ask-2:1"]
    assert len(stored_posts(slack)) == 2


def test_a_timeout_after_slack_accepted_the_post_does_not_double_it(
    config, store, slack, quiet_client
):
    # Slack takes the message but answers too late: we never learn its ts.
    slack.fail("chat.postMessage", Failure(delay=1.0, then_succeed=True))
    first = engine(config, store, slack, timeout=0.3).scan(FRIDAY)
    assert first.posted == []
    second = engine(config, store, slack).scan(FRIDAY + timedelta(minutes=15))
    assert second.posted == ["quiet:ask-2:1"]
    assert sorted(k[1:] for k in stored_posts(slack)) == [
        ("quiet:ask-2:1", "alert"),
        ("quiet:ask-2:1", "suggestion"),
    ]
    assert slack.calls_to("conversations.history"), "the retry looked before posting again"


def test_outside_working_hours_nothing_is_posted_until_the_next_opening(
    config, store, slack, quiet_client
):
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    report = engine(config, store, slack).scan(saturday)
    assert report.outside_hours and posts(slack) == []
    monday_early = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    assert engine(config, store, slack).scan(monday_early).posted == []
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert engine(config, store, slack).scan(monday).posted


def test_a_reply_before_the_next_opening_cancels_the_waiting_nudge(
    config, store, slack, quiet_client
):
    engine(config, store, slack).scan(datetime(2026, 11, 28, 11, 0, tzinfo=UTC))
    run(store, "heard acme all approved", when=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    report = engine(config, store, slack).scan(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    assert report.posted == [] and report.stale == ["quiet:ask-2:1"]
    assert posts(slack) == []


def test_a_reply_logged_during_the_pass_stops_the_nudge_it_would_have_recorded(
    config, store, slack, quiet_client, monkeypatch
):
    """The pass reads acme (quiet since Monday) and decides a nudge is due; the reply is logged
    before it writes. Its write re-checks the rules under the store's write lock, so nothing is
    recorded and nothing posted."""
    update = store.update
    replied: list[str] = []

    def reply_first(team, client_id, change):
        if not replied:
            replied.append("heard")  # once: logging the reply updates the store too
            run(store, "heard acme all approved")
        return update(team, client_id, change)

    monkeypatch.setattr(store, "update", reply_first)
    report = engine(config, store, slack).scan(FRIDAY)
    assert replied, "the reply came while the pass was recording"
    assert report.recorded == [] and report.posted == [] and posts(slack) == []
    assert store.find(TEAM, "acme").nudges == {}


def test_after_downtime_one_nudge_at_step_1_never_a_skipped_step(
    config, store, slack, quiet_client
):
    much_later = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # 15 business days after the ask
    report = engine(config, store, slack).scan(much_later)
    assert report.posted == ["quiet:ask-2:1"]
    alert = posts(slack)[0]
    # Nothing was skipped, so the header never says earlier ones were never posted.
    assert not any("never posted" in str(b).lower() for b in alert["blocks"])


def test_overdue_invoices_of_one_client_make_one_nudge(config, store, slack):
    run(store, "add shop as late-payer in <#C0SHOP|shop>")
    run(store, "invoice shop £500 due 2026-11-10 #A1")
    run(store, "invoice shop 250.50 GBP due 2026-11-20 #A2")
    report = engine(config, store, slack).scan(FRIDAY)
    assert report.posted == ["overdue:inv-A1:1"]  # the first chase is step 1, whatever the age
    alert = posts(slack)[0]["text"]
    assert "£750.50" in alert and "#A1" in alert and "#A2" in alert


def test_no_channel_falls_back_to_nudge_channel_then_the_owner_dm(config, store, slack):
    from dataclasses import replace

    run(store, "add dm owner <@U0OWNER|olly>")
    run(store, "asked dm logo on 2026-11-20")
    engine(config, store, slack).scan(FRIDAY)
    assert slack.calls_to("conversations.open")[0].args["users"] == "U0OWNER"
    assert posts(slack)[0]["channel"].startswith("D")
    run(store, "add other")
    run(store, "asked other logo on 2026-11-20")
    engine(replace(config, nudge_channel="C0NUDGES"), store, slack).scan(
        FRIDAY + timedelta(minutes=15)
    )
    assert posts(slack)[-1]["channel"] == "C0NUDGES"


def test_dry_run_posts_and_stores_nothing(config, store, slack, quiet_client):
    before = {p: p.read_bytes() for p in store.root.rglob("*.json")}
    report = engine(config, store, slack).scan(FRIDAY, dry_run=True)
    assert len(report.preview) == 1 and "sign-off" in report.preview[0]
    assert slack.calls == [] or all(c.method == "auth.test" for c in slack.calls)
    assert {p: p.read_bytes() for p in store.root.rglob("*.json")} == before


def _scan_cmd(db_path: Path, slack: LocalSlack, *extra: str) -> tuple[list[str], dict[str, str]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": slack.url,
        "DATABASE_PATH": str(db_path),
        "TIMEZONE": "UTC",
    }
    return [sys.executable, str(ROOT / "bot.py"), "scan", "--now", "2026-11-27T10:00", *extra], env


def test_scan_command_killed_mid_pass_then_rerun_posts_once(store, slack, db_path, tmp_path):
    for name in ("k1", "k2", "k3"):
        run(store, f"add {name} in <#C0WORK|work>")
        run(store, f"asked {name} copy on 2026-11-20")
    landed = threading.Event()
    # The second post hangs long enough for us to kill the process while Slack has taken it.
    slack.fail("chat.postMessage", Failure(), Failure(delay=1.5, then_succeed=True))
    slack.on_call = lambda call: (
        landed.set() if len(slack.calls_to("chat.postMessage")) >= 2 else None
    )
    cmd, env = _scan_cmd(db_path, slack)
    proc = subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert landed.wait(30)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    keys = stored_posts(slack)
    assert len(keys) == 6 and len(set(keys)) == 6  # 3 nudges x (alert + suggestion), none twice


def test_two_scan_commands_at_once_post_once_and_one_waits(store, slack, db_path, tmp_path):
    for name in ("p1", "p2", "p3"):
        run(store, f"add {name} in <#C0WORK|work>")
        run(store, f"asked {name} copy on 2026-11-20")
    # Slow Slack down so the two passes overlap.
    slack.fail("chat.postMessage", *[Failure(delay=0.2, then_succeed=True)] * 6)
    cmd, env = _scan_cmd(db_path, slack)
    procs = [
        subprocess.Popen(
            cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    keys = stored_posts(slack)
    assert len(keys) == 6 and len(set(keys)) == 6
    assert any("waiting for it to finish" in err for _, err in outputs)


def test_scan_dry_run_command_prints_the_suggestion(store, slack, db_path, tmp_path, quiet_client):
    cmd, env = _scan_cmd(db_path, slack, "--dry-run")
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "acme" in done.stdout and "sign-off on the <b>launch</b> & posts" in done.stdout
    assert posts(slack) == []


def test_suggestion_greets_the_contact_in_the_clients_language(config, store, slack):
    run(store, 'add siop as late-payer in <#C0SHOP|siop> contact "Jo Bloggs" lang cy')
    run(store, "invoice siop £500 due 2026-11-20 #C1")
    engine(config, store, slack).scan(FRIDAY)
    suggestion = posts(slack)[1]
    text = " ".join(b.get("text", {}).get("text", "") for b in suggestion["blocks"])
    assert "Helo Jo," in text and "Bloggs" not in text  # the first name
    assert "#C1" in text and "£500.00" in text
    # The team's lines stay in the team's language; the client's text is Welsh throughout.
    why = json.dumps(suggestion["blocks"][0])
    assert "is marked as a late payer" in why and "Step 1 of 3" in why
    assert "Cofion gorau," in text and "Best wishes" not in text
    alert = json.dumps(posts(slack)[0])
    assert "siop" in alert and "Cymraeg" not in alert


def test_greet_as_and_a_new_contact_change_the_greeting(config, store, slack):
    run(store, 'add siop as late-payer in <#C0SHOP|siop> contact "Dr Jo Bloggs"')
    run(store, "set siop greet as Joanna pay <https://pay.example.com/siop>")
    run(store, "invoice siop £500 due 2026-11-20 #C1")
    engine(config, store, slack).scan(FRIDAY)
    text = " ".join(b.get("text", {}).get("text", "") for b in posts(slack)[1]["blocks"])
    assert "Hi Joanna," in text and "Dr" not in text
    assert "You can pay online here: https://pay.example.com/siop" in text


def test_one_clients_failure_does_not_stop_the_others(config, store, slack, monkeypatch):
    for name in ("good1", "bad", "good2"):
        run(store, f"add {name} in <#C0WORK|work>")
        run(store, f"asked {name} copy on 2026-11-20")
    nudger = engine(config, store, slack)
    bad_id = store.find(TEAM, "bad").client.client_id
    real = nudger._post_nudge

    def flaky(team, record, *args, **kwargs):
        if record.client.client_id == bad_id:
            raise RuntimeError("boom")
        return real(team, record, *args, **kwargs)

    monkeypatch.setattr(nudger, "_post_nudge", flaky)
    report = nudger.scan(FRIDAY)
    assert len(report.posted) == 2
    assert store.find(TEAM, "bad").nudges["quiet:ask-2:1"].status is NudgeStatus.PENDING


def test_the_lookup_reads_only_around_the_sending_in_a_busy_channel(
    config, store, slack, quiet_client
):
    slack.fail("chat.postMessage", Failure(delay=1.0, then_succeed=True))
    assert engine(config, store, slack, timeout=0.3).scan(FRIDAY).posted == []
    # 450 messages arrive after ours: read from the newest, it would be on the 31st page of 15.
    chatter = [{"ts": f"{1900000000 + i}.000100", "text": f"msg {i}"} for i in range(450)]
    slack.messages["C0ACME"].extend(chatter)
    assert engine(config, store, slack).scan(FRIDAY + timedelta(minutes=15)).posted
    alerts = [k for k in stored_posts(slack) if k[2] == "alert"]
    assert len(alerts) == 1
    assert len(slack.calls_to("conversations.history")) == 1
