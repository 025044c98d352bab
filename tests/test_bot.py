"""`python bot.py` as an operator runs it: HTTP mode, the scheduler beside it, clean shutdown."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from local_slack import LocalSlack
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.installs import install
from tests.running import free_port, operator_env, run_bot, start_bot, stop_bot, wait_until_serving
from tests.slack_http import SECRET, AppServer


def test_serves_http_runs_the_scheduler_and_stops_cleanly_on_sigterm(
    tmp_path: Path, slack: LocalSlack
) -> None:
    db = tmp_path / "data" / "tactful.json"
    store = TinyDBStore(db)
    now = datetime.now(UTC)
    asked_on = (now - timedelta(days=30)).date().isoformat()
    commands = ClientCommands(store, UTC)
    assert ":warning:" not in commands.run("T0TEAM1", "U0A", "add acme in <#C0ACME|acme>", now).text
    assert (
        ":warning:"
        not in commands.run("T0TEAM1", "U0A", f"asked acme the logo on {asked_on}", now).text
    )
    port = free_port()
    env = operator_env(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        DATABASE_PATH=str(db),
        PORT=str(port),
        # Always inside working hours, so the first pass posts whatever the wall clock says.
        WORKING_DAYS="mon-sun",
        WORKING_HOURS="00:00-23:59",
        MAX_BODY_BYTES="4096",
    )
    proc = start_bot(tmp_path, env)
    try:
        # The scheduler's first pass runs at start-up and posts the quiet client's nudge.
        alert = slack.wait_for("chat.postMessage", 2, timeout=30)[0].args
        assert alert["channel"] == "C0ACME"
        server = AppServer.at(f"http://127.0.0.1:{port}")
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as res:
            assert res.status == 200
        reply = server.slash("status acme")
        assert reply.status == 200 and "acme" in reply.text
        assert server.slash("status acme", secret="wrong-secret").status == 401
        # MAX_BODY_BYTES reaches waitress too: a larger body is refused before it is read.
        big = server.request("/slack/events", "text=tactful-body-marker&pad=" + "x" * 8192)
        assert big.status == 413
        assert "Request Entity Too Large" in big.body  # waitress's own answer, not the app's
    finally:
        out, err = stop_bot(proc)
    assert proc.returncode == 0, err
    assert "shutting down" in err
    assert "xoxb-test" not in out + err and SECRET not in out + err
    assert "tactful-body-marker" not in out + err


def test_installable_by_many_workspaces_serve_and_scan_use_each_installation(
    tmp_path: Path, slack: LocalSlack
) -> None:
    """`python bot.py` with a client id and secret and no bot token: workspaces install it over
    HTTP, and `python bot.py scan` (another process, same database) posts with each one's own
    token, skipping a workspace with a record but no installation."""
    db = tmp_path / "data" / "tactful.json"
    store = TinyDBStore(db)
    now = datetime.now(UTC)
    asked_on = (now - timedelta(days=30)).date().isoformat()
    commands = ClientCommands(store, UTC)
    for team in ("T0AAA", "T0BBB"):
        assert ":warning:" not in commands.run(team, "U0A", "add acme in <#C0ACME|acme>", now).text
        reply = commands.run(team, "U0A", f"asked acme the logo on {asked_on}", now)
        assert ":warning:" not in reply.text
    port = free_port()
    env = operator_env(
        SLACK_CLIENT_ID="1111.2222",
        SLACK_CLIENT_SECRET="client-secret-never-print",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        DATABASE_PATH=str(db),
        PORT=str(port),
        WORKING_DAYS="mon-sun",
        WORKING_HOURS="00:00-23:59",
    )
    proc = start_bot(tmp_path, env)
    try:
        server = AppServer.at(f"http://127.0.0.1:{port}")
        wait_until_serving(server.url, proc)
        assert install(server, slack, "T0AAA").status == 200
        reply = server.slash("status acme", team="T0AAA")
        assert reply.status == 200 and "acme" in reply.text
        scan = run_bot(tmp_path, env, "scan")
        assert scan.returncode == 0, scan.stderr
        assert "1 workspace(s) not installed skipped" in scan.stdout
    finally:
        out, err = stop_bot(proc)
    assert proc.returncode == 0, err
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 2  # T0AAA's alert and suggestion; nothing for T0BBB
    assert {slack.team_of(p.token) for p in posts} == {"T0AAA"}
    assert "/slack/install" in err
    everything = out + err + scan.stdout + scan.stderr
    assert "client-secret-never-print" not in everything and SECRET not in everything
