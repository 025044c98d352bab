"""`python bot.py` as an operator runs it: HTTP mode, the scheduler beside it, clean shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from local_slack import LocalSlack
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.slack_http import SECRET, AppServer

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_PATH": str(db),
        "PORT": str(port),
        # Always inside working hours, so the first pass posts whatever the wall clock says.
        "WORKING_DAYS": "mon-sun",
        "WORKING_HOURS": "00:00-23:59",
        "MAX_BODY_BYTES": "4096",
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "shutting down" in err
    assert "xoxb-test" not in out + err and SECRET not in out + err
    assert "tactful-body-marker" not in out + err
