"""LOG_LEVEL=DEBUG shows Tactful's own DEBUG lines, never a message's text: Bolt and slack_sdk
log request and response bodies at DEBUG (python bot.py, as an operator runs it)."""

from __future__ import annotations

from pathlib import Path

from local_slack import LocalSlack
from tests.running import bot_env, start_bot, stop_bot, wait_until_serving
from tests.slack_http import SECRET, AppServer

NOTE = "tactful-note-marker-7f3a the client cried on the call"


def test_debug_logging_never_carries_what_people_typed(tmp_path: Path, slack: LocalSlack) -> None:
    env = bot_env(tmp_path, slack.url, LOG_LEVEL="DEBUG")
    proc = start_bot(tmp_path, env)
    try:
        server = AppServer.at(f"http://127.0.0.1:{env['PORT']}")
        wait_until_serving(server.url, proc)
        assert server.slash("add acme").status == 200
        reply = server.slash(f"note acme {NOTE}")
        assert reply.status == 200
        assert "tactful-note-marker-7f3a" in reply.text, "the note went through Bolt's answer"
    finally:
        out, err = stop_bot(proc)
    assert proc.returncode == 0, err
    assert "tactful-note-marker-7f3a" not in out + err
    assert SECRET not in out + err
