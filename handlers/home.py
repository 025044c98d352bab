"""App Home: the team's morning view, published on open and again when the data changes
(service/home.py), paged with buttons, with the record's type suggestions one click away."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.deps import deps, request_team
from handlers.lazy import acknowledge, after_ack
from ui import agenda as ag
from ui import home as ui

logger = logging.getLogger(__name__)
# The Events API subscriptions this module listens to; manifest.yml must subscribe to exactly
# these (tests/test_manifest.py checks).
EVENTS = ("app_home_opened",)
HOME_OPENED = EVENTS[0]
ACTIONS = (*ui.ACTION_IDS, *ag.ACTION_IDS)


def on_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    deps(context).home.opened(context.team_id or "", event["user"])


def on_page(body: dict[str, Any], context: BoltContext) -> None:
    value = body["actions"][0].get("value", "")
    if not value.isdigit():
        return
    deps(context).home.opened(request_team(body), body["user"]["id"], page=int(value))


def on_accept_type(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """ "Mark as ..." on a type suggestion: `/client type <name> <type>`, with its rules."""
    d = deps(context)
    team, user = request_team(body), body["user"]["id"]
    picked = ag.accepted(body["actions"][0].get("value", ""))
    record = d.commands.store.get(team, picked[0]) if picked else None
    if picked is None or record is None:
        return
    reply = d.commands.run(team, user, ag.type_command(record.client.name, picked[1]), d.clock())
    channel = (body.get("channel") or {}).get("id")
    if channel:  # a button in a message (the digest): tell the clicker
        try:
            client.chat_postEphemeral(channel=channel, user=user, **reply.message())
        except SlackApiError as err:
            logger.warning("Could not tell %s the type was set: %s", user, err)
    elif reply.error:
        logger.info("Type suggestion not taken for client %s: %s", picked[0], reply.text)
    d.home.changed(team)


def on_post_reminder(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """ "Post reminder" beside a client in App Home: start its due reminder now (one a pass
    held back from a backlog). Exactly once however many click (service/nudges.py `start`);
    the clicker is told by DM only when there was nothing for them to post."""
    d = deps(context)
    team, user = request_team(body), body["user"]["id"]
    client_id = body["actions"][0].get("value", "")
    record = d.engine.store.get(team, client_id) if client_id else None
    if record is None:
        return
    outcome = d.engine.start(team, client_id, d.clock())
    logger.info("Post reminder for client %s by %s: %s", client_id, user, outcome)
    if outcome in ("already", "nothing"):
        try:
            client.chat_postMessage(
                channel=user, text=ui.post_reminder_reply(record.client.name, outcome)
            )
        except SlackApiError as err:
            logger.warning("Could not tell %s about client %s: %s", user, client_id, err)
    d.home.changed(team)


def register(app: App) -> None:
    # views.publish is a Web API call: after the ack.
    app.event(HOME_OPENED)(ack=acknowledge, lazy=[after_ack(on_home_opened)])
    app.action(ui.PAGE_PREV)(ack=acknowledge, lazy=[after_ack(on_page)])
    app.action(ui.PAGE_NEXT)(ack=acknowledge, lazy=[after_ack(on_page)])
    app.action(ag.ACCEPT_TYPE)(ack=acknowledge, lazy=[after_ack(on_accept_type)])
    app.action(ag.POST_REMINDER)(ack=acknowledge, lazy=[after_ack(on_post_reminder)])
    # A link button opens its URL in Slack; the click still arrives and is acknowledged.
    app.action(ag.OPEN_THREAD)(acknowledge)
