"""The buttons under each suggestion (Approve, Edit, Snooze, Dismiss) and their modals.

A click is acknowledged at once, before anything else; the rest runs after the ack, in a
lazy listener (handlers/lazy.py): looking up who may approve, storing the decision
(service/decisions.py), and only then talking to Slack: updating the thread message, telling
a late clicker who was first, and posting an approved message into the client's shared
channel. If those calls fail, the decision stands. A modal's submission is checked before the
ack (so a mistake is shown in the modal) and decided after it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.inputs import InputError, escape, parse_until
from domain.models import DeliveryState
from handlers.deps import Deps, deps, request_team
from handlers.lazy import acknowledge, after_ack
from service.decisions import Outcome, clean_edit, clean_reason, needs_two
from service.email_out import EmailOut
from service.nudges import NudgeEngine
from ui import nudges as ui
from ui.mrkdwn import literal
from ui.replies import day, who

# Every button and modal of a suggestion (tests/test_manifest.py checks they are registered).
ACTIONS = ui.ACTION_IDS
VIEWS = ui.VIEW_IDS

logger = logging.getLogger(__name__)
_USERGROUP = re.compile(r"^S[A-Z0-9]+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Approvers:
    """Who may approve or dismiss: anyone (the default), or the listed users and members of
    the listed user groups.

    Membership is looked up after the ack, but someone is waiting to see their click count,
    so the look-ups together get a time budget (each a short timeout, no retries), and each
    group's members are cached for a minute.
    """

    CACHE_SECONDS = 60.0
    BUDGET_SECONDS = 4.0
    # Opening a modal needs Slack's trigger_id, which expires 3 s after the click.
    QUICK_BUDGET_SECONDS = 1.0
    LOOKUP_TIMEOUT = 2

    def __init__(
        self, ids: tuple[str, ...] = (), monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.users = {i for i in ids if not _USERGROUP.match(i)}
        self.groups = [i for i in ids if _USERGROUP.match(i)]
        self.monotonic = monotonic
        self._members: dict[str, tuple[float, set[str]]] = {}

    def allows(self, user: str, client: WebClient, budget: float = BUDGET_SECONDS) -> bool:
        """Whether `user` may approve or dismiss; False when it can't be told within
        `budget` seconds (plus at most one look-up's rounding)."""
        if not self.users and not self.groups:
            return True
        if user in self.users:
            return True
        deadline = self.monotonic() + budget
        return any(user in self._group(group, client, deadline) for group in self.groups)

    def _group(self, group: str, client: WebClient, deadline: float) -> set[str]:
        cached = self._members.get(group)
        if cached and cached[0] > self.monotonic():
            return cached[1]
        left = deadline - self.monotonic()
        if left <= 0:
            logger.warning("No time left to read user group %s; not counted this time", group)
            return set()
        quick_client = WebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=max(1, min(self.LOOKUP_TIMEOUT, int(left))),
            retry_handlers=[],
        )
        try:
            answer = quick_client.usergroups_users_list(usergroup=group)
            members: set[str] = set(answer.get("users", []))
        except (SlackApiError, OSError) as err:
            # Can't tell: refuse (the person is told who may act), and ask again next time.
            logger.warning("Could not read user group %s: %s", group, err)
            return set()
        self._members[group] = (self.monotonic() + self.CACHE_SECONDS, members)
        return members


def _ref(body: dict[str, Any]) -> tuple[str, str, str] | None:
    """(team, client id, nudge key) from a block_actions payload."""
    action = (body.get("actions") or [{}])[0]
    parsed = ui.parse_block_id(action.get("block_id", ""))
    team = request_team(body)
    if not parsed or not team:
        return None
    return team, parsed[0], parsed[1]


def _modal_metadata(ref: tuple[str, str, str], channel: str, thread_ts: str) -> str:
    """What a modal must carry back on submit: which nudge, and where its thread is."""
    team, client_id, key = ref
    return json.dumps(
        {
            "team": team,
            "client_id": client_id,
            "key": key,
            "channel": channel,
            "thread_ts": thread_ts,
        }
    )


def _submitted(body: dict[str, Any], view: dict[str, Any]) -> tuple[tuple[str, str, str], str, str]:
    """(ref, channel, thread ts) of the nudge a submitted modal is about.

    The team is the request's own; metadata naming another workspace (or none) is refused:
    the metadata travels through the client and is only as trustworthy as its sender.

    Raises:
        InputError: the metadata is unreadable or names another workspace.
    """
    team = request_team(body)
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or not team or meta.get("team") != team:
        logger.warning("Refused a modal whose metadata does not match its workspace %s", team)
        raise InputError("This form doesn't match a suggestion in this workspace; nothing changed.")
    ref = (team, str(meta.get("client_id", "")), str(meta.get("key", "")))
    return ref, str(meta.get("channel", "")), str(meta.get("thread_ts", ""))


def _tell(client: WebClient, channel: str, user: str, thread_ts: str, text: str) -> None:
    client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts or None)


# Results after which the thread is drawn again: the stored ones, and a send by email whose
# outcome turned out unknown (the thread asks a person to check).
_REDRAW = ("emailed", "email_refused", "email_unknown")


def email_offer(d: Deps, outcome: Outcome) -> str:
    """Which email button an approved message gets: Send by email (SMTP set up, the client has
    an address, nothing sent or under way), Send again (after an unknown outcome), or none."""
    record, nudge = outcome.record, outcome.nudge
    if d.mailer is None or record is None or nudge is None or nudge.sent_at is not None:
        return ui.EMAIL_NONE
    if nudge.email == "sending":
        return ui.EMAIL_AGAIN if outcome.result == "email_unknown" else ui.EMAIL_NONE
    return ui.EMAIL_SEND if d.mailer.address(record) else ui.EMAIL_NONE


def _show(
    d: Deps, client: WebClient, outcome: Outcome, user: str, channel: str, thread_ts: str
) -> None:
    """Update the thread message after a stored decision; tell the clicker if nothing changed."""
    record, nudge, tz = outcome.record, outcome.nudge, d.decisions.tz
    redraw = outcome.changed or outcome.result in _REDRAW
    if redraw and record is not None:
        d.home.changed(record.client.team_id)
    try:
        if redraw and record is not None and nudge is not None:
            email = email_offer(d, outcome)
            body = d.engine.thread_body(
                record,
                nudge,
                footer(
                    outcome, tz, email_to=d.mailer.address(record) if d.mailer and email else ""
                ),
                open_=outcome.result in ("edited", "half_approved"),
                # Sent by email or another channel: the team says so, and it is logged then.
                sent_button=outcome.result in ("approved", "email_refused", "email_unknown")
                and nudge.delivery == DeliveryState.NONE
                and nudge.sent_at is None,
                email=email,
            )
            client.chat_update(
                channel=nudge.channel or channel, ts=nudge.thread_ts or thread_ts, **body
            )
        note = ephemeral_note(outcome, user, tz)
        if note:
            _tell(client, channel, user, thread_ts, note)
    except SlackApiError as err:
        # The decision is already stored; the message just doesn't show it yet.
        logger.warning(
            "Stored decision %s but could not update Slack: %s",
            outcome.result,
            err.response.get("error"),
        )


def _where(body: dict[str, Any]) -> tuple[str, str]:
    """The channel and the suggestion's ts of the message a button was pressed in."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    return channel, container.get("thread_ts") or container.get("message_ts") or ""


# After the ack of a click ----------------------------------------------------------------------
def on_approve(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    d = deps(context)
    ref = _ref(body)
    if ref is None:
        return
    user = body["user"]["id"]
    outcome = d.decisions.approve(*ref, user, d.clock(), allowed=d.approvers.allows(user, client))
    channel, thread_ts = _where(body)
    if outcome.result == "approved" and outcome.nudge and outcome.nudge.delivery:
        d.engine.deliver(*ref, d.clock())
        delivered = d.engine.store.get(ref[0], ref[1])
        if delivered is not None:  # (archived or removed meanwhile: show what was decided)
            outcome = replace(outcome, nudge=delivered.nudges[ref[2]])
    _show(d, client, outcome, user, channel, thread_ts)


def on_sent(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """ "Sent it": the approved message went out by email or another channel. Anyone may say
    so (like a snooze); it is logged once however often it is clicked."""
    d = deps(context)
    ref = _ref(body)
    if ref is None:
        return
    user = body["user"]["id"]
    outcome = d.decisions.sent(*ref, user, d.clock())
    channel, thread_ts = _where(body)
    _show(d, client, outcome, user, channel, thread_ts)


def on_send_email(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """*Send by email* (or *Send again* after an unknown outcome): Tactful sends the approved
    message to the client's address, once (service/email_out.py). Anyone may press it, as
    anyone may say it was sent."""
    d = deps(context)
    ref = _ref(body)
    if ref is None:
        return
    user = body["user"]["id"]
    channel, thread_ts = _where(body)
    if d.mailer is None:
        _tell(client, channel, user, thread_ts, EMAIL_OFF)
        return
    action = body["actions"][0]
    if action.get("action_id") == ui.SEND_AGAIN:
        # The button names the send it follows: only that one may be replaced.
        again = str(action.get("value") or "")
        if not again.startswith("<"):
            _tell(
                client,
                channel,
                user,
                thread_ts,
                ephemeral_note(Outcome("email_moved"), user, d.decisions.tz),
            )
            return
        outcome = d.mailer.send(*ref, user, d.clock(), again=again)
    else:
        outcome = d.mailer.send(*ref, user, d.clock())
    _show(d, client, outcome, user, channel, thread_ts)


def show_unknown_sends(
    engine: NudgeEngine,
    mailer: EmailOut,
    tz: tzinfo,
    now: datetime,
    shown: set[tuple[str, str, str]],
) -> int:
    """After a restart (the nudge pass calls this): each send by email left at "sending" past
    the time one can take gets its thread redrawn to ask a person to check, with *Sent it* and
    *Send again*, once per process (`shown`). Nothing is sent. Returns how many were shown."""
    count = 0
    for team in mailer.store.teams():
        for record, nudge in mailer.unknown(team, now):
            ref = (team, record.client.client_id, nudge.key)
            if ref in shown or not (nudge.channel and nudge.thread_ts):
                continue
            outcome = Outcome("email_unknown", record, nudge)
            body = engine.thread_body(
                record,
                nudge,
                footer(outcome, tz),
                open_=False,
                sent_button=True,
                email=ui.EMAIL_AGAIN,
            )
            client = engine.clients(team)
            if client is None:  # (uninstalled meanwhile)
                continue
            try:
                client.chat_update(channel=nudge.channel, ts=nudge.thread_ts, **body)
            except SlackApiError as err:
                logger.warning(
                    "Could not show the unknown outcome of sending %s by email: %s",
                    nudge.key,
                    err.response.get("error"),
                )
                continue
            shown.add(ref)
            count += 1
    return count


EMAIL_OFF = (
    "Sending by email isn't set up (SMTP_URL and EMAIL_FROM), so nothing was sent. Send it "
    "from your mail program and press *Sent it*."
)


def on_edit(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    d = deps(context)
    ref = _ref(body)
    if ref is None:
        return
    record = d.engine.store.get(ref[0], ref[1])
    nudge = record.nudges.get(ref[2]) if record else None
    if record is None or nudge is None:
        return
    channel, thread_ts = _where(body)
    text = nudge.versions[-1].text
    if len(text) > ui.MAX_EDIT:
        # Slack's edit box would cut it, and saving would store the cut text: say why instead.
        _tell(
            client,
            channel,
            body["user"]["id"],
            thread_ts,
            ui.too_long_to_edit(len(text), record.client.name),
        )
        return
    metadata = _modal_metadata(ref, channel, thread_ts)
    client.views_open(trigger_id=body["trigger_id"], view=ui.edit_modal(text, metadata))


def on_dismiss(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    d = deps(context)
    ref = _ref(body)
    if ref is None:
        return
    user = body["user"]["id"]
    channel, thread_ts = _where(body)
    if not d.approvers.allows(user, client, budget=Approvers.QUICK_BUDGET_SECONDS):
        _show(d, client, Outcome("refused", detail="dismiss"), user, channel, thread_ts)
        return
    metadata = _modal_metadata(ref, channel, thread_ts)
    client.views_open(trigger_id=body["trigger_id"], view=ui.dismiss_modal(metadata))


def on_snooze(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Snooze from the menu or the date picker, with `/client snooze`'s rules: open to
    everyone (APPROVERS gate only Approve and Dismiss), a day after today at the earliest and
    two years ahead at most (domain.inputs.parse_until)."""
    d = deps(context)
    ref = _ref(body)
    if ref is None:
        return
    action = body["actions"][0]
    user = body["user"]["id"]
    channel, thread_ts = _where(body)
    now = d.clock()
    today = now.astimezone(d.decisions.tz).date()
    if action.get("type") == "datepicker":
        picked = action.get("selected_date") or ""
        try:
            if not _ISO_DATE.match(picked):
                raise InputError("Pick a day from the calendar.")
            until = parse_until(picked, today)
        except InputError as err:
            _tell(client, channel, user, thread_ts, f"Nothing was snoozed: {err}")
            return
    else:
        choice = (action.get("selected_option") or {}).get("value", "")
        if choice not in ui.SNOOZE_CHOICES:
            return
        until = today + timedelta(days=int(choice.removesuffix("d")))
    outcome = d.decisions.snooze(*ref, user, until, now)
    _show(d, client, outcome, user, channel, thread_ts)


# Modals: checked before the ack, decided after it -----------------------------------------------
def _edit_text(view: dict[str, Any]) -> str:
    return view["state"]["values"][ui.MESSAGE_BLOCK][ui.MESSAGE_INPUT].get("value") or ""


def _reason(view: dict[str, Any]) -> str:
    values = view["state"]["values"]
    return values.get(ui.REASON_BLOCK, {}).get(ui.REASON_INPUT, {}).get("value") or ""


def check_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        _submitted(body, view)
        clean_edit(_edit_text(view))
    except InputError as err:
        ack(response_action="errors", errors={ui.MESSAGE_BLOCK: str(err)})
        return
    ack()


def on_edit_submit(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    d = deps(context)
    user = body["user"]["id"]
    try:
        ref, channel, thread_ts = _submitted(body, view)
        outcome = d.decisions.edit(*ref, user, _edit_text(view), d.clock())
    except InputError:
        return  # refused in the modal by check_edit (Bolt starts lazy listeners regardless)
    _show(d, client, outcome, user, channel, thread_ts)


def check_dismiss(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        _submitted(body, view)
        clean_reason(_reason(view))
    except InputError as err:
        ack(response_action="errors", errors={ui.REASON_BLOCK: str(err)})
        return
    ack()


def on_dismiss_submit(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    d = deps(context)
    user = body["user"]["id"]
    try:
        ref, channel, thread_ts = _submitted(body, view)
        outcome = d.decisions.dismiss(
            *ref, user, _reason(view), d.clock(), allowed=d.approvers.allows(user, client)
        )
    except InputError:
        return  # refused in the modal by check_dismiss
    _show(d, client, outcome, user, channel, thread_ts)


def register(app: App) -> None:
    for action, listener in (
        (ui.APPROVE, on_approve),
        (ui.EDIT, on_edit),
        (ui.SNOOZE, on_snooze),
        (ui.SNOOZE_UNTIL, on_snooze),
        (ui.DISMISS, on_dismiss),
        (ui.SENT_IT, on_sent),
        (ui.SEND_EMAIL, on_send_email),
        (ui.SEND_AGAIN, on_send_email),
    ):
        app.action(action)(ack=acknowledge, lazy=[after_ack(listener)])
    app.view(ui.EDIT_VIEW)(ack=check_edit, lazy=[after_ack(on_edit_submit)])
    app.view(ui.DISMISS_VIEW)(ack=check_dismiss, lazy=[after_ack(on_dismiss_submit)])


def _at(when: datetime | None, tz) -> str:
    return when.astimezone(tz).strftime("%-d %b %Y %H:%M") if when else ""


def footer(outcome: Outcome, tz, *, email_to: str = "") -> list[str]:
    """What happened to a suggestion, under it. `email_to`: the address *Send by email*
    sends to, when the thread offers it."""
    nudge = outcome.nudge
    assert nudge is not None
    lines = []
    if len(nudge.versions) > 1:
        last = nudge.versions[-1]
        lines.append(
            f":pencil2: Edited by {who(last.by)} at {_at(last.at, tz)} (version {len(nudge.versions)}; every version is kept)"
        )
    result = outcome.result
    if result == "half_approved":
        lines.append(
            f":ballot_box_with_check: Approved by {who(nudge.approvals[0])}. This step needs a second person to approve it."
        )
    elif result == "approved":
        by = " and ".join(who(u) for u in nudge.approvals)
        where = " and posted in the client's shared channel" if nudge.delivered_ts else ""
        lines.append(f":white_check_mark: Approved by {by} at {_at(nudge.decided_at, tz)}{where}.")
        if nudge.undelivered:
            lines.append(
                ":warning: I couldn't post it in the client's shared channel yet (am I invited?); "
                "I'll keep trying. To send it now, copy it from above."
            )
        elif nudge.delivery == DeliveryState.NONE and email_to:
            lines.append(
                f"Press *Send by email* to send it to {escape(email_to)}, or copy it, send it "
                "the usual way and press *Sent it* so the record shows when it went."
            )
        elif nudge.delivery == DeliveryState.NONE:
            lines.append(
                "Copy the message above and send it to the client the usual way, then press "
                "*Sent it* so the record shows when it went."
            )
    elif result == "sent":
        by = " and ".join(who(u) for u in nudge.approvals)
        lines.append(f":white_check_mark: Approved by {by} at {_at(nudge.decided_at, tz)}.")
        lines.append(
            f":outbox_tray: Sent to the client by {who(nudge.sent_by)} at {_at(nudge.sent_at, tz)} "
            "(logged in the history)."
        )
    elif result in _REDRAW:
        by = " and ".join(who(u) for u in nudge.approvals)
        lines.append(f":white_check_mark: Approved by {by} at {_at(nudge.decided_at, tz)}.")
        lines.append(email_line(outcome, tz))
    elif result == "snoozed":
        lines.append(
            f":zzz: Snoozed by {who(nudge.decided_by)} until {day(date.fromisoformat(nudge.note))}."
        )
    elif result == "dismissed":
        reason = f": {escape(nudge.note)}" if nudge.note else "."
        lines.append(f":no_entry_sign: Dismissed by {who(nudge.decided_by)}{reason}")
    elif result == "stale":
        lines.append(
            f":information_source: {escape(outcome.detail)} since this was posted, so nothing was sent or logged as sent."
        )
    return lines


def email_line(outcome: Outcome, tz) -> str:
    """Where a send by email stands, for the thread's footer."""
    nudge = outcome.nudge
    assert nudge is not None
    to = escape(nudge.email_to)
    if outcome.result == "emailed":
        return (
            f":email: Sent by email to {to} by {who(nudge.email_by)} at "
            f"{_at(nudge.sent_at, tz)} (logged in the history)."
        )
    if outcome.result == "email_refused":
        return (
            f":warning: Not sent by email to {to}: {escape(nudge.email_error)}. Nothing was "
            "logged as sent. Put it right and press *Send by email* again, or send it yourself "
            "and press *Sent it*."
        )
    return (
        f":warning: Sending by email to {to} (pressed by {who(nudge.email_by)} at "
        f"{_at(nudge.email_at, tz)}, Message-ID {escape(nudge.email_id)}): sending, outcome "
        "unknown. Nothing is sent again by itself: check your sent mail (or the client's "
        "inbox), then press *Sent it* if it went, or *Send again* if it didn't."
    )


def ephemeral_note(outcome: Outcome, user: str, tz) -> str:
    nudge = outcome.nudge
    if outcome.result == "email_busy" and nudge is not None:
        by = "you" if nudge.email_by == user else who(nudge.email_by)
        return (
            f"This message is being sent by email right now (pressed by {by} at "
            f"{_at(nudge.email_at, tz)}); nothing more was sent."
        )
    if outcome.result == "email_stale":
        return f"{escape(outcome.detail)} since this was approved, so nothing was sent."
    if outcome.result == "email_moved":
        return "Someone already acted on that send, so nothing was sent: the thread shows where it stands."
    if outcome.result == "no_address" and outcome.record is not None:
        name = outcome.record.client.name
        arg = escape(f'"{name}"' if " " in name else name)
        return (
            f"*{literal(name)}* has no email address, so nothing was sent: "
            f"`/client set {arg} email jo@example.com`, then press *Send by email* again."
        )
    if outcome.result == "already_sent" and nudge is not None:
        by = "you" if nudge.sent_by == user else who(nudge.sent_by)
        return f"This message was already logged as sent by {by} at {_at(nudge.sent_at, tz)}; nothing more was recorded."
    if outcome.result == "already" and nudge is not None:
        status = nudge.status.value
        if nudge.decided_by:
            by = "you" if nudge.decided_by == user else who(nudge.decided_by)
            return f"This suggestion was already {status} by {by} at {_at(nudge.decided_at, tz)}; nothing more was recorded."
        return f"This suggestion is {status}; nothing more was recorded."
    if outcome.result == "refused":
        if outcome.detail == "second":
            return "You've already approved this step; it needs a second, different person to approve it too."
        if outcome.detail == "reminder":
            return "This is a reminder for the team: nothing goes to the client, so there is nothing to approve. Snooze or dismiss it."
        if outcome.detail == "past":
            return "Pick a date after today to snooze until."
        return "Only this workspace's approvers (APPROVERS) can approve or dismiss suggestions. Nothing was changed."
    if outcome.result == "missing":
        return "That suggestion is no longer in Tactful's records; nothing was changed."
    if outcome.result == "half_approved" and nudge is not None and needs_two(nudge):
        return (
            "Recorded your approval. A second person needs to approve this step before it counts."
        )
    return ""
