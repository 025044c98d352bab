"""`python bot.py console`: Tactful with no Slack at all.

Each line you type goes through the same Bolt app and handlers as a real Slack request;
what the bot would answer or post is printed as text. The Web API is a stand-in on a loopback
port (local_slack.py) that prints each call instead of sending it.

    /client ...            a slash command, as in Slack
    scan [--now ISO | --days N]   one nudge pass (at that moment), posting into the stand-in Slack
    buttons                every button you can press, numbered, with its client and step
    click N [YYYY-MM-DD]   press button N (a date for "Snooze until"); Edit then reads the
                           message from the next lines, until a line with a single `.`;
                           Dismiss reads its reason from the next line
    home [N]               App Home as you would see it (page N of the clients)
    digest [--now ISO]     the weekly digest, if one is due (at that moment)
    help                   this list, and how to type a channel or a person
    quit
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from time import monotonic
from typing import Any, TextIO
from urllib.parse import urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from clock import utc_now
from config import Config
from domain.inputs import InputError, parse_date
from local_slack import Call, LocalSlack
from storage.base import Store
from ui import home as home_ui
from ui import nudges as ui
from ui import offboarding as ui_offboarding
from ui.plaintext import mrkdwn_to_text, render

TEAM, USER, CHANNEL = "TCONSOLE", "UCONSOLE", "CCONSOLE"
BANNER = """Tactful console: type /client commands as you would in Slack (try `/client help`).
`scan` runs a nudge pass, `buttons` lists what you can press, `click N` presses one.
`help` says how to type a channel or a person. `quit` or Ctrl-D leaves.
Data is kept in {path}."""
HELP = """Console commands:
  /client ...            a slash command, as in Slack (`/client help` lists them)
  scan [--now ISO]       one nudge pass, e.g. `scan --now 2026-12-01T10:00` (a weekday morning)
  scan --days N          one nudge pass N days from today, in the working morning: `scan --days 1`
  buttons                every button you can press, numbered, with its client and step;
                         a button keeps its number after other clicks
  click N [YYYY-MM-DD]   press button N (a date for "Snooze until"); Edit reads the message
                         from the next lines, until a line with a single `.` (paragraphs
                         kept); Dismiss reads its reason from the next line
  home [N]               App Home as you would see it, on page N of the clients
  digest [--now ISO]     post the weekly digest if it is due, e.g. `digest --now 2026-11-30T09:30`
                         (into NUDGE_CHANNEL, or here when it isn't set); once a week
  mail FILE.eml          an email as if it came to the workspace's BCC address (README:
                         Email): a client's reply is logged as heard, the team's mail as sent
  help                   this
  quit                   leave (or Ctrl-D)
Channels and people: in Slack you pick them from a list and Slack sends their IDs. Here, type
what Slack would send: a channel as <#C0ACME|acme> (or just <#C0ACME>), a person as <@U0SAM>,
e.g. `/client add acme in <#C0ACME|acme> owner <@U0SAM>`. A plain #acme or @sam is refused,
as it would be in Slack if it weren't picked from the list. You are <@UCONSOLE>; what you post
goes to the channel CCONSOLE."""
FORM: dict[str, str | Sequence[str]] = {"content-type": ["application/x-www-form-urlencoded"]}
JSON: dict[str, str | Sequence[str]] = {"content-type": ["application/json"]}


def printer(out: TextIO) -> Callable[[Call], None]:
    """Show what the app sends to Slack's Web API as readable text."""

    def show(call: Call) -> None:
        if call.method in (
            "auth.test",
            "chat.getPermalink",
            "conversations.history",
            "conversations.open",
            "conversations.replies",
            "usergroups.users.list",
            "files.getUploadURLExternal",
        ):
            return
        if call.method == "files.completeUploadExternal":
            titles = [f.get("title", "") for f in _loads(call.args.get("files") or "[]")]
            print(
                f"--- Slack files.completeUploadExternal {call.args.get('channel_id', '')}",
                file=out,
            )
            print(mrkdwn_to_text(call.args.get("initial_comment", "")), file=out)
            print("\n".join(f"  [file] {t}" for t in titles), file=out)
            return
        body = call.args
        if body.get("view"):
            body = _loads(body["view"])
        where = call.args.get("channel", "")
        thread = " (in thread)" if call.args.get("thread_ts") else ""
        print(f"--- Slack {call.method} {where}{thread}", file=out)
        print(render(body), file=out)

    return show


class Inline(Executor):
    """Runs each of Bolt's lazy listeners at once, in the dispatching thread, so what a
    click posts is printed before the next prompt."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the future, as a pool would
            future.set_exception(err)
        return future


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else (value or {})


@dataclass
class ConsoleClock:
    """Real time, until `scan --now` pins it so later clicks happen at that moment too.

    From the pinned moment the clock runs on as real time does: each line logged after it is
    later than the one before, as in Slack, so `/client undo` finds the entry logged last."""

    fixed: datetime | None = None
    # The machine's clock (clock.utc_now), read only until a moment is pinned.
    real: Callable[[], datetime] = field(default=utc_now, repr=False)
    _pinned_at: float = field(default=0.0, init=False, repr=False)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "fixed":
            object.__setattr__(self, "_pinned_at", monotonic())
        object.__setattr__(self, name, value)

    def __call__(self) -> datetime:
        if self.fixed is None:
            return self.real()
        return self.fixed + timedelta(seconds=monotonic() - self._pinned_at)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _picked_date(typed: str, today: date) -> str:
    """What a date picker would send for a typed date (`2026-12-25` for `25/12`), "" when
    it can't be read: the console takes other forms only to say which to type."""
    try:
        return parse_date(typed, today, future=True).isoformat()
    except InputError:
        return ""


def working_morning(
    day: date, is_working_day: Callable[[date], bool], work_start: time, tz: tzinfo
) -> datetime:
    """An hour into `day`'s working hours, or the first working day's after it: where
    `scan --days` pins the clock, so a try-out reads true whatever day it is run."""
    for _ in range(366):
        if is_working_day(day):
            break
        day += timedelta(days=1)
    return datetime.combine(day, work_start, tzinfo=tz) + timedelta(hours=1)


@dataclass(frozen=True)
class Button:
    label: str
    action: dict[str, Any]
    channel: str
    message_ts: str

    @property
    def key(self) -> tuple[str, ...]:
        """The same button in the same message, however the messages around it change."""
        option = (self.action.get("selected_option") or {}).get("value", "")
        a = self.action
        # A block's id changes with each update of its message; what it names does not.
        block = a["block_id"]
        named = ui.parse_block_id(block) or ui_offboarding.parse_block_id(block) or block
        return (self.channel, self.message_ts, str(named), a["action_id"], option)


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
        describe: Callable[[str], str] = lambda _block_id: "",
        post_digest: Callable[[datetime], dict[str, str]] | None = None,
        save: Callable[[], None] = lambda: None,
        is_working_day: Callable[[date], bool] = lambda d: d.weekday() < 5,
        work_start: time = time(9),
        receive_mail: Callable[[bytes], str] | None = None,
    ) -> None:
        self.receive_mail = receive_mail
        self.is_working_day, self.work_start = is_working_day, work_start
        self.app, self.out, self.slack, self.scan_at = app, out, slack, scan
        self.post_digest, self.save = post_digest, save
        self.clock, self.tz, self.team, self.user = clock, tz, team, user
        # What a button is about (client and step), from its block id.
        self.describe = describe
        # Numbers handed out, by button: a number never moves to another button.
        self._numbers: dict[tuple[str, ...], int] = {}

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
                return f"Use `scan --now {self._example()}` or `scan --days 1`."
            self.clock.fixed = when if when.tzinfo else when.replace(tzinfo=self.tz)
        elif args[:1] == ["--days"] and len(args) == 2:
            if not args[1].isdigit() or int(args[1]) > 3660:
                return "Use `scan --days 1`: a number of days from today, 0 to 3660."
            self.clock.fixed = self._working_morning(int(args[1]))
        elif args:
            return "Use `scan`, `scan --days 1` or `scan --now " + self._example() + "`."
        report = self.scan_at(self.clock())
        if report is None:
            return "Another scheduler is running a pass; try again in a moment."
        hint = ""
        if report.outside_hours:
            hint = "\nTo see them now, pretend it's the next working morning: `scan --days 1`."
        listing = self.buttons_text() if self.buttons() else ""
        return "\n".join(filter(None, [report.summary() + hint, listing]))

    def _working_morning(self, days: int) -> datetime:
        today = self.clock().astimezone(self.tz).date()
        return working_morning(
            today + timedelta(days=days), self.is_working_day, self.work_start, self.tz
        )

    def _example(self) -> str:
        """A `--now` value near the console's today, for the hints."""
        return f"{self._working_morning(1):%Y-%m-%dT%H:%M}"

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

    def numbered(self) -> dict[int, Button]:
        """The buttons there are now, by number. A button keeps its number for the whole
        session, so `click 3` means the same button before and after other clicks."""
        found = {}
        for button in self.buttons():
            number = self._numbers.setdefault(button.key, len(self._numbers) + 1)
            found[number] = button
        return found

    def buttons_text(self) -> str:
        rows = []
        for n, b in self.numbered().items():
            about = self.describe(b.action["block_id"])
            rows.append(f"  [{n}] {about}: {b.label}" if about else f"  [{n}] {b.label}")
        return "Buttons:\n" + "\n".join(rows) if rows else "No buttons to press."

    def click(self, args: list[str], lines: Iterable[str]) -> str:
        buttons = self.numbered()
        if not args or not args[0].isdigit():
            return (
                "Use `click N` with a number from `buttons`." if buttons else "No buttons to press."
            )
        if int(args[0]) not in buttons:
            return f"There is no button {args[0]} now (it was used, or never was): `buttons` lists them."
        button = buttons[int(args[0])]
        action = dict(button.action)
        if action["type"] == "datepicker":
            if len(args) != 2:
                return f"Give the date: `click {args[0]} {self._working_morning(7):%Y-%m-%d}`."
            picked = _picked_date(args[1], self.clock().astimezone(self.tz).date())
            if picked != args[1] and not _ISO_DAY.fullmatch(args[1]):
                # Slack's date picker sends a full date: say the one meant, ready to type.
                return (
                    f"The date picker takes a full date, year first: `click {args[0]} {picked}`."
                    if picked
                    else f"I couldn't read `{args[1]}` as a date: e.g. "
                    f"`click {args[0]} {self._working_morning(7):%Y-%m-%d}`."
                )
            action["selected_date"] = args[1]
        elif len(args) > 1:
            # A date for a button that takes none was meant for another one (Snooze until):
            # nothing is pressed, so nothing happens that wasn't meant.
            until = [n for n, b in buttons.items() if b.action["type"] == "datepicker"]
            hint = f" Snooze until takes one: `click {until[0]} {args[1]}`." if until else ""
            return (
                f"Button {args[0]} takes no date, so I didn't press it.{hint} "
                f"To press {args[0]}: `click {args[0]}`."
            )
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
        """Answer a modal from the next typed line, as a view_submission. A box of several
        lines in Slack (the Edit message) takes lines until one with a single `.`, so an
        edited message keeps its paragraphs."""
        field = view["blocks"][0]
        empty = "cancel" if not field.get("optional") else "skip"
        multiline = bool(field["element"].get("multiline"))
        how = "lines until a line with a single `.`" if multiline else "one line"
        print(f"{field['label']['text']} ({how}; empty to {empty}):", file=self.out, flush=True)
        typed = iter(lines)
        text = next(typed, "").rstrip("\n")
        if multiline and text.strip() == ".":
            text = ""  # the closing line with nothing before it: nothing typed
        elif multiline and text.strip():
            more, closed = [text], False
            for line in typed:
                if line.rstrip("\n").strip() == ".":
                    closed = True
                    break
                more.append(line.rstrip("\n"))
            if not closed:
                # The input ended before the closing `.`: what was read may be the commands
                # that followed, not the message. Nothing is saved.
                return "Cancelled: the text had no closing line with a single `.`."
            text = "\n".join(more)
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

    def home(self, args: list[str]) -> str:
        """Open App Home (or turn to page N): the published view is printed as text."""
        if args and args[0].isdigit():
            payload = {
                **self._envelope("block_actions"),
                "view": {"id": "VHOME", "type": "home"},
                "actions": [{"action_id": home_ui.PAGE_NEXT, "value": args[0], "type": "button"}],
            }
            self._dispatch(urlencode({"payload": json.dumps(payload)}))
            return ""
        if args:
            return "Use `home` or `home 2` (a page of the client list)."
        body = {
            "type": "event_callback",
            "team_id": self.team,
            "api_app_id": "ACONSOLE",
            "event_id": f"EvConsole{uuid.uuid4().hex}",
            "event": {"type": "app_home_opened", "user": self.user, "tab": "home"},
        }
        self.app.dispatch(BoltRequest(body=json.dumps(body), headers=JSON))
        return ""

    def digest(self, args: list[str]) -> str:
        if self.post_digest is None:
            return "The weekly digest is off (DIGEST=off)."
        now = self.clock()
        if args[:1] == ["--now"] and len(args) == 2:
            try:
                now = datetime.fromisoformat(args[1])
            except ValueError:
                return f"Use `digest --now {self._example()}`."
            now = now if now.tzinfo else now.replace(tzinfo=self.tz)
        elif args:
            return f"Use `digest` or `digest --now {self._example()}`."
        result = self.post_digest(now).get(self.team)
        return {
            None: "No digest is due yet: it comes once a week at DIGEST's day and time.",
            "posted": "",
            "already": "This week's digest is already posted.",
            "empty": "Nothing is pending this week, so there is no digest.",
            "busy": "Another process is posting this week's digest.",
            "withheld": "NUDGE_CHANNEL is shared with an outside organisation, so this week's "
            "digest is not posted there: set NUDGE_CHANNEL to a channel only your team is in.",
        }.get(result, "The digest could not be posted now; it is tried again on the next pass.")

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
        if word == "home":
            return self.home(args)
        if word == "digest":
            return self.digest(args)
        if word == "mail":
            return self.mail(args)
        if word == "help":
            return HELP
        return (
            "Type a /client command (try `/client help`), `scan`, `buttons`, `click N`, "
            "`home`, `digest`, `mail FILE.eml`, `help` or `quit`."
        )

    def mail(self, args: list[str]) -> str:
        """`mail FILE.eml`: the email through the same path as one to the BCC address."""
        if len(args) != 1 or self.receive_mail is None:
            return "Give one file: `mail reply.eml` (an email saved from your mail program)."
        try:
            raw = Path(args[0]).expanduser().read_bytes()
        except OSError as err:
            return f"Can't read {args[0]}: {err.strerror or err}."
        return self.receive_mail(raw)

    def loop(self, lines: Iterable[str], prompt: Callable[[], None]) -> None:
        lines = iter(lines)
        prompt()
        for line in lines:
            answer = self.handle(line, lines)
            self.save()
            if answer is None:
                return
            if answer:
                print(answer, file=self.out)
            prompt()


def describe(store: Store, team: str, block_id: str) -> str:
    """ "acme, overdue step 2" for a nudge's buttons; "acme, offboarding" for a checklist's."""
    nudge_ref = ui.parse_block_id(block_id)
    client_id = nudge_ref[0] if nudge_ref else ui_offboarding.parse_block_id(block_id)
    record = store.get(team, client_id) if client_id else None
    if record is None:
        return ""
    if nudge_ref is None:
        return f"{record.client.name}, offboarding"
    nudge = record.nudges.get(nudge_ref[1])
    if nudge is None:
        return record.client.name
    return f"{record.client.name}, {nudge.situation} step {nudge.stage}"


def _digest(config: Config, store: Store, slack: LocalSlack, build: Callable[..., Any] | None):
    """The weekly digest, posted into the stand-in Slack: NUDGE_CHANNEL, or the console's
    channel when it isn't set."""
    if build is None or config.digest is None:
        return None
    config = replace(config, nudge_channel=config.nudge_channel or CHANNEL)
    client = WebClient(base_url=slack.url, retry_handlers=[])
    return build(config, store, lambda _team: client).run


def _keep(path: Path, data: Any) -> None:
    """Write `data` (the channels, the pinned clock) aside, then rename: a run stopped
    mid-write leaves the last copy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.tmp")
    aside.write_text(json.dumps(data), encoding="utf-8")
    os.replace(aside, path)


def _mailbox(config: Config, store: Store, team: str, clock: ConsoleClock):
    """What `mail FILE.eml` does: the BCC address's own reading and logging (handlers/email.py),
    for the console's workspace."""
    from domain.email_in import BadMail, read_mail
    from handlers.email import BccInbox
    from service.email_in import MailLog
    from service.heard import SharedChannelReplies

    replies = SharedChannelReplies(store, config.timezone, auto_heard=config.auto_heard)
    inbox = BccInbox(MailLog(store, config.timezone, replies), "", clock)
    names = {r.client.client_id: r.client.name for r in store.clients(team)}

    def receive(raw: bytes) -> str:
        try:
            mail = read_mail(raw)
        except BadMail as err:
            return f"The listener would refuse this mail (550): {err}."
        logged = inbox.deliver([team], mail)
        if not logged:
            return "From or to none of your clients: accepted and left out (nothing logged)."
        names.update({r.client.client_id: r.client.name for r in store.clients(team)})
        said = {
            "heard": "logged as their reply",
            "sent": "logged as sent to them",
            "sent nudge": "the approved message it carries is marked sent",
            "already": "already logged: nothing changed",
        }
        return "\n".join(
            f"{names.get(item.client_id, item.client_id)}: {said[item.result]}" for item in logged
        )

    return receive


def run(
    config: Config,
    store: Store,
    args: list[str],
    *,
    build_app: Callable[..., App],
    build_engine: Callable[..., Any],
    run_pass: Callable[..., Any],
    build_digest: Callable[..., Any] | None = None,
    lock: Any,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    clock: ConsoleClock | None = None,
) -> int:
    """Run the console until end of input. `--team T123` picks the workspace to act in."""
    opts = shlex.split(" ".join(args))
    team = opts[opts.index("--team") + 1] if "--team" in opts[:-1] else TEAM
    # The store's checks index keeps the same pretend days (bot.py opens it on this clock).
    clock = clock or ConsoleClock()
    # On the console's clock, so a post's ts falls inside the look-up window of a `scan --now`.
    slack = LocalSlack(team_id=team, on_call=printer(out), clock=clock).start()
    # The stand-in Slack's channels are kept beside the data, so a suggestion posted in one run
    # can still be approved in the next, as its buttons stay in Slack.
    channels = Path(config.database_path).with_name(f"console-slack-{team}.json")
    if channels.is_file():
        slack.restore(json.loads(channels.read_text(encoding="utf-8")))
    # A moment pinned by `scan --now` carries on in the next run: time in the record never
    # goes back (a decision stamped before the nudge it decides would read as nonsense).
    pinned = Path(config.database_path).with_name(f"console-clock-{team}.json")
    carried = _carried_clock(pinned, clock)
    if carried is not None:
        print(
            f"Clock: carrying on from {carried.astimezone(config.timezone):%a %-d %b %Y %H:%M} "
            "(pinned by `scan` in an earlier run); `scan --now` or `scan --days` moves it.",
            file=out,
        )
    # Nudges go where they would in Slack: with no channel, owner or NUDGE_CHANNEL, by DM to
    # whoever added the client (you).
    # One local workspace, whatever .env says about installing into many. Bolt reads the
    # client id and secret from the environment by itself, and would then want installations.
    config = replace(
        config, bot_token="xoxb-console", slack_api_url=slack.url, client_id="", client_secret=""
    )
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        os.environ.pop(name, None)
    app = build_app(config, store, verify_requests=False, clock=clock, listener_executor=Inline())
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
        describe=lambda block_id: describe(store, team, block_id),
        post_digest=_digest(config, store, slack, build_digest),
        save=lambda: _keep(channels, slack.messages),
        is_working_day=config.is_working_day,
        work_start=config.work_start,
        receive_mail=_mailbox(config, store, team, clock),
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
        if clock.fixed is not None:
            _keep(pinned, {"now": clock().isoformat()})
    return 0


def _carried_clock(path: Path, clock: ConsoleClock) -> datetime | None:
    """Pin `clock` to the moment an earlier run left off, if that is later than now."""
    try:
        saved = datetime.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["now"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if saved <= clock():
        return None
    clock.fixed = saved
    return saved
