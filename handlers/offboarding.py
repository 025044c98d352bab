"""The offboarding checklist's buttons: each ticks its item, once, with who and when.

A click is acknowledged at once; the rest runs after the ack, in a lazy listener (as the
suggestion buttons do, handlers/actions.py): the tick, one store change that checks the
checklist (so a double click, a retry or two people make one tick), then the message updated
and a late clicker told who was first. "Export the record" also sends the export to the
clicker's DM.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain import offboarding as ob
from domain.inputs import escape
from handlers.commands import send_export
from handlers.deps import deps, request_team
from handlers.lazy import acknowledge, after_ack
from service.offboarding import TickOutcome
from ui import offboarding as ui
from ui.replies import who

logger = logging.getLogger(__name__)
# Registered below; tests/test_manifest.py checks they are.
ACTIONS = tuple(ui.ACTION_IDS.values())


def _target(body: dict[str, Any]) -> tuple[str, str, str] | None:
    """(team, client id, item) from a block_actions payload."""
    action = (body.get("actions") or [{}])[0]
    # The button's value names the client (and the block's id, for checklists posted before).
    client_id = action.get("value") or ui.parse_block_id(action.get("block_id", ""))
    item = ui.item_for(action.get("action_id", ""))
    team = request_team(body)
    if not client_id or not item or not team:
        return None
    return team, client_id, item


def on_tick(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    d = deps(context)
    target = _target(body)
    if target is None:
        return
    team, client_id, item = target
    user = body["user"]["id"]
    outcome = d.offboardings.tick(team, client_id, item, user, d.clock())
    record = outcome.record
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    try:
        if outcome.result == "ticked" and record is not None and record.offboarding is not None:
            o = record.offboarding
            client.chat_update(
                channel=o.channel or channel,
                ts=o.ts or container.get("message_ts", ""),
                **ui.checklist(record, d.offboardings.tz),
            )
        note = _note(outcome, user)
        if note and channel:
            client.chat_postEphemeral(channel=channel, user=user, text=note)
    except SlackApiError as err:
        logger.warning("Stored the %s tick but could not update Slack: %s", item, err)
    if item == ob.EXPORTED and outcome.result == "ticked" and record is not None:
        try:
            send_export(d, client, record, user)
        except Exception:
            logger.exception("Could not send the export after its tick (team %s)", team)


def _note(outcome: TickOutcome, user: str) -> str:
    if outcome.result == "already" and outcome.first is not None:
        by = "you" if outcome.first.by == user else who(outcome.first.by)
        return f"That step was already ticked by {by}; nothing more was recorded."
    if outcome.result == "blocked":
        return f":warning: {escape(outcome.detail)}"
    if outcome.result == "missing":
        return "That checklist is no longer in Tactful's records; nothing was changed."
    return ""


def register(app: App) -> None:
    for action in ACTIONS:
        app.action(action)(ack=acknowledge, lazy=[after_ack(on_tick)])
