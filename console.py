"""`python bot.py console`: Tactful with no Slack at all.

Each line you type goes through the same Bolt app and handlers as a real Slack request;
what the bot would answer or post is printed as text. The Web API is replaced by a client
on a loopback port (local_slack.py) that prints each call instead of sending it.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest

from config import Config
from local_slack import Call, LocalSlack
from storage.tinydb_store import TinyDBStore
from ui.plaintext import render

TEAM, USER, CHANNEL = "TCONSOLE", "UCONSOLE", "CCONSOLE"
BANNER = """Tactful console: type /client commands as you would in Slack (try `/client help`).
`quit` or Ctrl-D leaves. Data is kept in {path}."""


def printer(out: TextIO) -> Callable[[Call], None]:
    """Show what the app sends to Slack's Web API as readable text."""

    def show(call: Call) -> None:
        if call.method in ("auth.test", "conversations.history", "usergroups.users.list"):
            return
        body = call.args
        if isinstance(body.get("view"), str | dict):
            body = _loads(body["view"])
        where = call.args.get("channel", "")
        thread = f" (thread {call.args['thread_ts']})" if call.args.get("thread_ts") else ""
        print(f"--- Slack {call.method} {where}{thread}", file=out)
        print(render(body), file=out)

    return show


def _loads(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else (value or {})


class Console:
    """Turns typed lines into signed-shape Slack payloads and dispatches them to the app."""

    def __init__(self, app: App, out: TextIO, team: str = TEAM, user: str = USER) -> None:
        self.app, self.out, self.team, self.user = app, out, team, user

    def slash(self, text: str) -> str:
        form = {
            "command": "/client",
            "text": text,
            "team_id": self.team,
            "user_id": self.user,
            "user_name": "console",
            "channel_id": CHANNEL,
            "channel_name": "console",
            "response_url": "http://console.invalid/response",
            "trigger_id": "console.trigger",
            "api_app_id": "ACONSOLE",
            "token": "console",
        }
        response = self.app.dispatch(
            BoltRequest(
                body=urlencode(form),
                headers={"content-type": ["application/x-www-form-urlencoded"]},
            )
        )
        body = json.loads(response.body) if response.body else {}
        return render(body) if body else f"(HTTP {response.status}, no reply)"

    def handle(self, line: str) -> str | None:
        line = line.strip()
        if not line or line.startswith("#"):
            return ""
        if line in ("quit", "exit"):
            return None
        if line.startswith("/client"):
            return self.slash(line[len("/client") :].strip())
        return "Type a /client command (try `/client help`), or `quit`."

    def loop(self, lines: Iterable[str], prompt: Callable[[], None]) -> None:
        prompt()
        for line in lines:
            answer = self.handle(line)
            if answer is None:
                return
            if answer:
                print(answer, file=self.out)
            prompt()


def run(
    config: Config,
    store: TinyDBStore,
    args: list[str],
    *,
    build_app: Callable[..., App],
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:
    """Run the console until end of input. `--team T123` picks the workspace to act in."""
    opts = shlex.split(" ".join(args))
    team = opts[opts.index("--team") + 1] if "--team" in opts[:-1] else TEAM
    slack = LocalSlack(team_id=team, on_call=printer(out)).start()
    config = replace(config, bot_token="xoxb-console", slack_api_url=slack.url)
    app = build_app(config, store, verify_requests=False, clock=lambda: datetime.now(UTC))
    console = Console(app, out, team=team)
    interactive = stdin.isatty()
    if interactive:
        print(BANNER.format(path=config.database_path), file=out)

    def prompt() -> None:
        if interactive:
            print("tactful> ", end="", file=out, flush=True)

    try:
        console.loop(stdin, prompt)
    finally:
        slack.stop()
    return 0
