"""`python bot.py` in Socket Mode, the README's recommended set-up, end to end.

The app runs as a subprocess with SLACK_APP_TOKEN set. LocalSlack answers its Web API calls
and hands out, from apps.connections.open, the URL of a loopback stand-in for Slack's Socket
Mode endpoint (tests/socket_mode.py). Slack's requests then arrive as envelopes over that
WebSocket, and the app's answers come back as acks.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.models import Kind, NudgeStatus
from local_slack import LocalSlack
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.handlers.test_actions import button
from tests.running import operator_env, start_bot, stop_bot
from tests.slack_http import slash_command
from tests.socket_mode import SocketModeEndpoint
from ui import nudges as ui

TEAM = "T0TEAM1"
APP_TOKEN = "xapp-1-A0TACTFUL-1-localtoken"


def eventually(check: Callable[[], Any], timeout: float = 20) -> Any:
    """Wait, up to `timeout`, for `check()` to return something true (the app works in another
    process, so there is no event to wait on); returns it, or fails."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("the app did not get there in time")
        pause.wait(0.05)


@pytest.fixture
def endpoint() -> Iterator[SocketModeEndpoint]:
    running = SocketModeEndpoint().start()
    yield running
    running.stop()


def test_socket_mode_answers_commands_buttons_and_events(
    tmp_path: Path, slack: LocalSlack, endpoint: SocketModeEndpoint
) -> None:
    db = tmp_path / "data" / "tactful.json"
    store = TinyDBStore(db)
    now = datetime.now(UTC)
    asked_on = (now - timedelta(days=30)).date().isoformat()
    commands = ClientCommands(store, UTC)
    for text in (
        "add acme as unresponsive in <#C0ACME|acme> shared <#C0SHARED|acme-shared>",
        f"asked acme the logo files on {asked_on}",
    ):
        assert ":warning:" not in commands.run(TEAM, "U0ALICE", text, now).text
    slack.socket_url = endpoint.url
    env = operator_env(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=slack.url,
        DATABASE_PATH=str(db),
        WORKING_DAYS="mon-sun",
        WORKING_HOURS="00:00-23:59",
    )
    proc = start_bot(tmp_path, env)
    try:
        endpoint.wait_connected()
        (opened,) = slack.calls_to("apps.connections.open")
        assert opened.token == APP_TOKEN  # the app-level token opens the connection

        # A slash command: the ack carries the ephemeral reply, written before it is sent.
        envelope = endpoint.send("slash_commands", slash_command("note acme called Jo", TEAM), True)
        ack = endpoint.ack(envelope)
        assert ack["envelope_id"] == envelope
        assert ack["payload"]["response_type"] == "ephemeral"
        assert ack["payload"]["text"].startswith(":memo: Noted for *acme*: “called Jo”.\nDated *")
        client_id = store.find(TEAM, "acme").client.client_id
        notes = [e for e in store.history(TEAM, client_id) if e.kind is Kind.NOTE]
        assert [n.text for n in notes] == ["called Jo"]

        # The scheduler's first pass posts the quiet client's nudge and its suggestion.
        def posted_nudge():
            nudges = store.find(TEAM, "acme").nudges.values()
            return next((n for n in nudges if n.status is NudgeStatus.POSTED), None)

        nudge = eventually(posted_nudge)

        # An interactive envelope: Approve. Acked at once; the approval is recorded, the
        # thread updated and the approved text delivered in the shared channel.
        click = button(ui.APPROVE, (client_id, nudge.key, nudge.thread_ts), user="U0BOB")
        envelope = endpoint.send("interactive", click, False)
        assert endpoint.ack(envelope) == {"envelope_id": envelope}
        update = slack.wait_for("chat.update", timeout=20)[-1].args
        assert update["ts"] == nudge.thread_ts and "Approved by <@U0BOB>" in json.dumps(
            update["blocks"]
        )
        approved = store.find(TEAM, "acme").nudges[nudge.key]
        assert approved.status is NudgeStatus.APPROVED and approved.decided_by == "U0BOB"
        delivered = eventually(lambda: slack.messages.get("C0SHARED"))
        assert delivered[0]["text"] == approved.versions[-1].text

        # An events_api envelope: the client answers in the shared channel; logged as heard.
        event = {
            "type": "message",
            "channel": "C0SHARED",
            "user": "U0JO",
            "user_team": "T0CLIENT",
            "team": "T0CLIENT",
            "text": "Thanks, files on their way",
            "ts": f"{now.timestamp():.6f}",
        }
        callback = {
            "token": "legacy-unused",
            "team_id": TEAM,
            "api_app_id": "A0TACTFUL",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev0SOCKET",
            "event_time": int(now.timestamp()),
            "authorizations": [{"team_id": TEAM, "user_id": "UTACTFUL", "is_bot": True}],
        }
        envelope = endpoint.send("events_api", callback, False)
        assert endpoint.ack(envelope) == {"envelope_id": envelope}
        replies = eventually(
            lambda: [e for e in store.history(TEAM, client_id) if e.kind is Kind.HEARD]
        )
        assert replies[0].text == "Thanks, files on their way"
        assert store.find(TEAM, "acme").state.open_asks == ()
    finally:
        out, err = stop_bot(proc)
    assert proc.returncode == 0, err
    assert "Socket Mode" in err
    for secret in (APP_TOKEN, "xoxb-test"):
        assert secret not in out + err
