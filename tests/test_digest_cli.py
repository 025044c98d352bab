"""`python bot.py digest [--now ...]`, as cron or a try-out runs it: the week's digest posted
once, on a working morning, into NUDGE_CHANNEL of the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from local_slack import LocalSlack
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.running import bot_env, run_bot

TEAM = "T0TEAM1"


def test_the_digest_mode_posts_the_weeks_digest_once_on_a_working_morning(
    tmp_path: Path, slack: LocalSlack
) -> None:
    env = bot_env(tmp_path, slack.url, NUDGE_CHANNEL="C0TEAM")
    store = TinyDBStore(Path(env["DATABASE_PATH"]))
    commands = ClientCommands(store, UTC)
    at = datetime(2026, 11, 27, 10, tzinfo=UTC)
    for text in ("add acme as late-payer", "invoice acme £900 due 2026-11-20 on 2026-11-01"):
        assert ":warning:" not in commands.run(TEAM, "U0A", text, at).text
    # Sunday: not a working day, nothing posted; Monday morning, the W49 digest, once.
    sunday = run_bot(tmp_path, env, "digest", "--now", "2026-11-29T10:00")
    assert sunday.returncode == 0, sunday.stderr
    assert "none is due now" in sunday.stdout
    monday = run_bot(tmp_path, env, "digest", "--now", "2026-11-30T09:30")
    assert monday.returncode == 0, monday.stderr
    assert f"{TEAM}: posted" in monday.stdout
    again = run_bot(tmp_path, env, "digest", "--now", "2026-11-30T11:00")
    assert f"{TEAM}: already" in again.stdout
    posts = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "C0TEAM"]
    assert len(posts) == 1 and "Weekly digest" in str(posts[0].args)
    bad = run_bot(tmp_path, env, "digest", "--now", "monday")
    assert bad.returncode == 2 and "--now 'monday' is not an ISO date-time" in bad.stderr
