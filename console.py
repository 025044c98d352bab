"""`python bot.py console`: Tactful with no Slack at all.

Each line you type goes through the same Bolt app and handlers as a real Slack request;
what the bot would answer or post is printed as text. The Web API is a stand-in on a loopback
port (local_slack.py) that prints each call instead of sending it.

    /client ...            a slash command, as in Slack
    scan [--now ISO]       one nudge pass (at that moment), posting into the stand-in Slack
    buttons                the buttons of every open suggestion, numbered
    click N [YYYY-MM-DD]   press button N (a date for "Snooze until"); Edit and Dismiss then
                           ask for the text on the next line
    quit
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any, TextIO
from urllib.parse import urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from config import Config
from local_slack import Call, LocalSlack
from storage.base import Store
from ui import nudges as ui
from ui.plaintext import render

TEAM, USER, CHANNEL = "TCONSOLE", "UCONSOLE", "CCONSOLE"
BANNER = """Tactful console: type /client commands as you would in Slack (try `/client help`).
`scan` runs a nudge pass, `buttons` lists what you can press, `click N` presses one.
`quit` or Ctrl-D leaves. Data is kept in {path}."""
FORM = {"content-type": ["application/x-www-form-urlencoded"]}


def printer(out: TextIO) -> Callable[[Call], None]:
    """Show what the app sends to Slack's Web API as readable text."""

    def show(call: Call) -> None:
        if call.method in (
            "auth.test",
            "conversations.history",
            "conversations.open",
            "conversations.replies",
            "usergroups.users.list",
        ):
            return
        body = call.args
        if body.get("view"):
            body = _loads(body["view"])
        where = call.args.get("channel", "")
        thread = " (in thread)" if call.args.get("thread_ts") else ""
        print(f"--- Slack {call.method} {where}{thread}", file=out)
        print(render(body), file=out)

    return show


def _loads(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else (value or {})


@dataclass
class ConsoleClock:
    """Real time, until `scan --now` pins it so later clicks happen at that moment too."""

    fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)


@dataclass(frozen=True)
class Button:
    label: str
    action: dict[str, Any]
    channel: str
    message_ts: str


class Console:
    """Turns typed lines into Slack-shaped payloads and dispatches them to the app."""

    def __init__(
        self,
        app: App,
        out: TextIO,
        slack: LocalSlack,
        scan: Callable[[datetime], Any],
        clock: ConsoleClock,
        tz: tzinfo = UTC,
        team: str = TEAM,
        user: str = USER,
    ) -> None:
        self.app, self.out, self.slack, self.scan_at = app, out, slack, scan
        self.clock, self.tz, self.team, self.user = clock, tz, team, user

    def _envelope(self, kind: str) -> dict[str, Any]:
        """What every interaction payload from Slack carries."""
        return {
            "type": kind,
            "team": {"id": self.team, "domain": "console"},
            "user": {"id": self.user, "username": "console", "team_id": self.team},
            "api_app_id": "ACONSOLE",
            "token": "console",
            "trigger_id": "console.trigger",
        }

    def _dispatch(self, body: str) -> dict[str, Any]:
        response = self.app.dispatch(BoltRequest(body=body, headers=FORM))
        return json.loads(response.body) if response.body else {}

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
        body = self._dispatch(urlencode(form))
        return render(body) if body else "(no reply)"

    def scan(self, args: list[str]) -> str:
        if args[:1] == ["--now"] and len(args) == 2:
            try:
                when = datetime.fromisoformat(args[1])
            except ValueError:
                return "Use `scan --now 2026-12-01T10:00`."
            self.clock.fixed = when if when.tzinfo else when.replace(tzinfo=self.tz)
        elif args:
            return "Use `scan` or `scan --now 2026-12-01T10:00`."
        report = self.scan_at(self.clock())
        if report is None:
            return "Another scheduler is running a pass; try again in a moment."
        hint = ""
        if report.outside_hours:
            hint = (
                "\nTo see them now, pretend it's a weekday morning: `scan --now 2026-12-01T10:00`."
            )
        listing = self.buttons_text() if self.buttons() else ""
        return "\n".join(filter(None, [report.summary() + hint, listing]))

    def buttons(self) -> list[Button]:
        found = []
        for channel, messages in self.slack.messages.items():
            for message in messages:
                for block in message.get("blocks") or []:
                    if block.get("type") != "actions":
                        continue
                    for element in block["elements"]:
                        action = {
                            "action_id": element["action_id"],
                            "block_id": block["block_id"],
                            "type": element["type"],
                        }
                        if element["type"] == "static_select":
                            for option in element["options"]:
                                found.append(
                                    Button(
                                        f"Snooze {option['text']['text']}",
                                        {**action, "selected_option": option},
                                        channel,
                                        message["ts"],
                                    )
                                )
                        elif element["type"] == "datepicker":
                            found.append(
                                Button(
                                    "Snooze until a date (click N YYYY-MM-DD)",
                                    action,
                                    channel,
                                    message["ts"],
                                )
                            )
                        else:
                            found.append(
                                Button(
                                    element["text"]["text"],
                                    {**action, "value": element.get("value", "")},
                                    channel,
                                    message["ts"],
                                )
                            )
        return found

    def buttons_text(self) -> str:
        rows = []
        for i, b in enumerate(self.buttons(), 1):
            parsed = ui.parse_block_id(b.action["block_id"]) or ("", "")
            rows.append(f"  [{i}] {b.label}  ({parsed[1]})")
        return "Buttons:\n" + "\n".join(rows) if rows else "No open suggestions."

    def click(self, args: list[str], lines: Iterable[str]) -> str:
        buttons = self.buttons()
        if not args or not args[0].isdigit() or not 1 <= int(args[0]) <= len(buttons):
            return (
                f"Use `click N` with N from 1 to {len(buttons)} (`buttons` lists them)."
                if buttons
                else "No open suggestions."
            )
        button = buttons[int(args[0]) - 1]
        action = dict(button.action)
        if action["type"] == "datepicker":
            if len(args) != 2:
                return "Give the date: `click N 2026-12-10`."
            action["selected_date"] = args[1]
        payload = {
            **self._envelope("block_actions"),
            "container": {
                "type": "message",
                "message_ts": button.message_ts,
                "channel_id": button.channel,
            },
            "channel": {"id": button.channel},
            "actions": [action],
        }
        opened = len(self.slack.calls_to("views.open"))
        self._dispatch(urlencode({"payload": json.dumps(payload)}))
        views = self.slack.calls_to("views.open")
        if len(views) > opened:
            return self._submit(_loads(views[-1].args["view"]), lines)
        return ""

    def _submit(self, view: dict[str, Any], lines: Iterable[str]) -> str:
        """Answer a modal from the next typed line, as a view_submission."""
        field = view["blocks"][0]
        print(
            f"{field['label']['text']} (one line; empty to {'cancel' if not field.get('optional') else 'skip'}):",
            file=self.out,
            flush=True,
        )
        text = next(iter(lines), "").rstrip("\n")
        if not text and not field.get("optional"):
            return "Cancelled."
        values = {
            field["block_id"]: {
                field["element"]["action_id"]: {"type": "plain_text_input", "value": text}
            }
        }
        payload = {
            **self._envelope("view_submission"),
            "view": {**view, "id": "VCONSOLE", "state": {"values": values}},
        }
        answer = self._dispatch(urlencode({"payload": json.dumps(payload)}))
        errors = answer.get("errors")
        return "Not saved: " + "; ".join(errors.values()) if errors else ""

    def handle(self, line: str, lines: Iterable[str]) -> str | None:
        line = line.strip()
        if not line or line.startswith("#"):
            return ""
        if line in ("quit", "exit"):
            return None
        if line.startswith("/client"):
            return self.slash(line[len("/client") :].strip())
        word, *args = line.split()
        if word == "scan":
            return self.scan(args)
        if word == "buttons":
            return self.buttons_text()
        if word == "click":
            return self.click(args, lines)
        return (
            "Type a /client command (try `/client help`), `scan`, `buttons`, `click N` or `quit`."
        )

    def loop(self, lines: Iterable[str], prompt: Callable[[], None]) -> None:
        lines = iter(lines)
        prompt()
        for line in lines:
            answer = self.handle(line, lines)
            if answer is None:
                return
            if answer:
                print(answer, file=self.out)
            prompt()


def run(
    config: Config,
    store: Store,
    args: list[str],
    *,
    build_app: Callable[..., App],
    build_engine: Callable[..., Any],
    run_pass: Callable[..., Any],
    lock: Any,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:
    """Run the console until end of input. `--team T123` picks the workspace to act in."""
    opts = shlex.split(" ".join(args))
    team = opts[opts.index("--team") + 1] if "--team" in opts[:-1] else TEAM
    clock = ConsoleClock()
    # On the console's clock, so a post's ts falls inside the look-up window of a `scan --now`.
    slack = LocalSlack(team_id=team, on_call=printer(out), clock=clock).start()
    # Nudges go where they would in Slack: with no channel, owner or NUDGE_CHANNEL, by DM to
    # whoever added the client (you).
    config = replace(config, bot_token="xoxb-console", slack_api_url=slack.url)
    app = build_app(config, store, verify_requests=False, clock=clock, process_before_response=True)
    engine = build_engine(
        config,
        store,
        client=WebClient(base_url=slack.url, retry_handlers=[]),
        pace=lambda _channel: None,
    )
    console = Console(
        app,
        out,
        slack,
        lambda now: run_pass(engine, lock, now, wait=False),
        clock,
        tz=config.timezone,
        team=team,
    )
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
