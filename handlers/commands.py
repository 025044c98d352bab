"""The `/client` slash command: ack with the answer, ephemeral, within Slack's 3 seconds.

The work (one small durable write) happens before the ack, so an acknowledged command is
already on disk; it takes milliseconds, far inside the limit. What a command leaves to do in
Slack (opening the form, uploading an export, posting a shared report or an offboarding
checklist) happens after the ack, in a lazy listener: those calls can take longer than Slack
waits. Only those commands get one: Bolt copies the whole request for a lazy listener and
starts it on another thread, which the everyday `asked`/`heard`/`paid` would pay for with
nothing to do.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as NotYet
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.inputs import escape
from domain.models import NudgeStatus
from handlers import log
from handlers.deps import Deps, deps
from handlers.lazy import after_ack
from service.commands import TACTFUL_REGREET, FollowUp
from service.sharing import is_shared_outside
from ui import blocks as bk
from ui import offboarding as ui_offboarding
from ui.replies import error

COMMAND = "/client"
logger = logging.getLogger(__name__)


# The first words of commands that only read: nothing changed, so App Home stays as it is.
_READ_ONLY = frozenset({"status", "list", "history", "report", "help"})
# The first words of commands that may leave work in Slack for after the ack (see follow_up;
# the service decides, from the whole command, whether there is any).
_FOLLOWED = frozenset({"export", "offboard", "report", "set"})


def _verb(command: dict[str, Any]) -> str:
    words = command.get("text", "").split(None, 1)
    return words[0].lower() if words else ""


def leaves_work(command: dict[str, Any]) -> bool:
    """A bare /client (it opens the form) or a command that may leave work in Slack: these
    get the lazy listener."""
    verb = _verb(command)
    return not verb or verb in _FOLLOWED


# Slack waits 3 seconds for a command's answer. A command that only reads (a cold `/client
# list` over thousands of clients, a report over a long history) gets this long; past it, the
# ack says the answer follows, and the answer goes to the command's response_url when it is
# ready. Commands that write answer inline: the write is small, and their answer says it is
# saved (Deps.answer_within; threads are made as needed, a few at most, and reused).
_READERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tactful-read")
WORKING = ":hourglass_flowing_sand: Working on it: the answer follows here in a moment."


def on_client_command(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    d = deps(context)
    verb = _verb(command)
    if not verb:
        # A bare /client opens the form (after the ack, see follow_up).
        ack(response_type="ephemeral", text=OPENING)
        return
    if verb not in _READ_ONLY:
        ack(**_answer(d, verb, command, client).body())
        return
    answer = _READERS.submit(_answer, d, verb, command, client)
    try:
        reply = answer.result(timeout=d.answer_within)
    except NotYet:
        ack(response_type="ephemeral", text=WORKING)
        answer.add_done_callback(lambda done: _answer_late(done, respond, command))
        return
    ack(**reply.body())


def _answer_late(done: Future, respond: Respond, command: dict[str, Any]) -> None:
    try:
        respond(**done.result().body(), replace_original=False)
    except Exception:
        logger.exception("Could not send a late /client answer (team %s)", command.get("team_id"))


def _answer(d: Deps, verb: str, command: dict[str, Any], client: WebClient):
    """The command carried out and its reply (an error reply if it failed: nothing saved)."""
    try:
        reply = d.commands.run(
            command["team_id"],
            command["user_id"],
            command.get("text", ""),
            d.clock(),
            shared_outside=lambda channel: is_shared_outside(client, channel),
            here=command.get("channel_id", ""),
        )
    except Exception:
        logger.exception("/client failed (team %s)", command.get("team_id"))
        reply = error(
            "Something went wrong on my side and nothing was saved. Please try again in a moment."
        )
    if verb not in _READ_ONLY:
        # Only starts a timer, and only if someone has Home open: nothing here waits on Slack.
        # The command is saved whatever happens here: its answer must say so.
        try:
            d.home.changed(command["team_id"])
        except Exception:
            logger.exception(
                "Could not schedule the App Home refresh (team %s)", command["team_id"]
            )
    return reply


OPENING = "Opening the form to log an interaction… (`/client help` lists the typed commands.)"


def follow_up(command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Runs after the answer has gone back to Slack (the app processes before responding, so
    the ack function's write is on disk by then): the form, the upload, the shared report, the
    checklist's post."""
    d = deps(context)
    team, user = command["team_id"], command["user_id"]
    if not _verb(command):
        log.open_form(d, client, team, command["trigger_id"])
        return
    follow = d.commands.follow_up(team, command.get("text", ""), d.clock())
    if follow is None:
        return
    channel = command.get("channel_id", "")
    try:
        if follow.kind in ("share", "offboard") and is_shared_outside(client, channel):
            # Typed in a channel the client reads: the team's report or checklist goes to the
            # person's DM instead (the answer said so).
            channel = client.conversations_open(users=user)["channel"]["id"]
        _do(d, follow, user, channel, client)
    except Exception:
        # Slack has had its answer: say so loudly here, and tell the person.
        logger.exception("/client %s failed after the ack (team %s)", follow.kind, team)
        _tell(client, user, _FAILED[follow.kind])


_FAILED = {
    "regreet": ":warning: The new contact is saved and open suggestions greet them, but I "
    "couldn't update the suggestions shown in Slack; Approve and Edit use the new text.",
    "export": ":warning: I couldn't send the export just now; nothing was lost. Please try "
    "`/client export` again in a moment.",
    "share": ":warning: I couldn't post the report in that channel. Invite me there "
    "(`/invite @Tactful`) and try again.",
    "offboard": ":warning: The offboarding checklist is saved, but I couldn't post it in that "
    "channel. Invite me there (`/invite @Tactful`) and run `/client offboard` again: the ticks "
    "already made are kept.",
}


def _do(d: Deps, follow: FollowUp, user: str, channel: str, client: WebClient) -> None:
    record, now = follow.record, d.clock()
    if follow.kind == "export":
        send_export(d, client, record, user)
    elif follow.kind == "share":
        today = now.astimezone(d.commands.tz).date()
        report = d.commands.report(record, today, shared_by=user)
        client.chat_postMessage(channel=channel, **bk.message(report.text, report.blocks))
    elif follow.kind == "regreet":
        # Suggestions in Slack show the text now stored (the new greeting).
        for nudge in record.nudges.values():
            if nudge.status is NudgeStatus.POSTED and nudge.thread_ts and nudge.versions:
                if nudge.versions[-1].by != TACTFUL_REGREET:
                    continue
                body = d.engine.thread_body(record, nudge, [], open_=True)
                client.chat_update(channel=nudge.channel, ts=nudge.thread_ts, **body)
    elif follow.kind == "offboard":
        body = ui_offboarding.checklist(record, d.commands.tz)
        posted = client.chat_postMessage(channel=channel, **body)
        d.offboardings.shown_at(
            record.client.team_id, record.client.client_id, posted["channel"], posted["ts"]
        )


def send_export(d: Deps, client: WebClient, record, user: str) -> None:
    """The record's CSVs and Markdown, uploaded to the person's DM with the app."""
    now = d.clock()
    files = d.exports.files(record, now)
    d.exports.upload(
        client,
        user,
        files,
        f"The full record of {escape(record.client.name)}, as of "
        f"{now.isoformat(timespec='minutes')}: every entry, invoice, payment, nudge, version, "
        "approval and decision, with who and when. The CSV is the timeline, to read or hand "
        "on; the internal CSV keeps every stored field (ids, keys, states). In both, a cell "
        "that would start a spreadsheet formula begins with an apostrophe.",
    )


def _tell(client: WebClient, user: str, text: str) -> None:
    try:
        dm = client.conversations_open(users=user)["channel"]["id"]
        client.chat_postMessage(channel=dm, text=text)
    except (SlackApiError, OSError) as err:
        logger.warning("Could not tell %s about a failure: %s", user, err)


def register(app: App) -> None:
    # Bolt gives a request to the first listener that matches: the commands that may leave
    # work in Slack, then every other.
    app.command(COMMAND, matchers=[leaves_work])(ack=on_client_command, lazy=[after_ack(follow_up)])
    app.command(COMMAND)(on_client_command)
