"""The client's messages in their shared Slack Connect channel, logged as `heard`.

Slack wants every event acknowledged within 3 seconds, and redelivers it when it isn't: the
listener acks at once and does the work afterwards, in a lazy listener, whether the app
answers before or after processing (`process_before_response`). A redelivery (`X-Slack-Retry-
Num`, or the same `event_id` twice) is dropped by its event id when this process has handled
it, and by the message's channel and ts in the client's record whatever happened in between.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.client_messages import ClientMessage, client_message
from handlers.deps import Deps, deps

logger = logging.getLogger(__name__)
# The Events API event this module listens to, and the subscriptions that deliver it: messages
# in public and in private channels (a Slack Connect channel is one or the other).
# manifest.yml must subscribe to exactly these (tests/test_manifest.py checks).
EVENTS = ("message",)
SUBSCRIPTIONS = ("message.channels", "message.groups")


def ack_at_once(ack: Ack) -> None:
    ack()


def log_client_reply(
    body: dict[str, Any],
    event: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    request: BoltRequest,
) -> None:
    """Runs after the ack. Anything that is not a client's new message is ignored."""
    d = deps(context)
    event_id = body.get("event_id") or ""
    if d.replies.seen(event_id):
        logger.debug("Event %s again (retry %s): already handled", event_id, _retry(request))
        return
    team = context.team_id
    message = client_message(event, team) if team else None
    if team and message is not None:
        try:
            _log(d, team, message, client)
        except Exception:
            # Slack has its answer already and won't send this again: say so loudly.
            logger.exception("Could not log a client's reply (team %s)", context.team_id)
            return
    d.replies.done(event_id)


def _log(d: Deps, team: str, message: ClientMessage, client: WebClient) -> None:
    record = d.replies.listening(team, message.channel)
    if record is None or message.key in record.state.replies_logged:
        return  # not a client's shared channel, auto-logging off, or logged already
    heard = d.replies.log(
        team, record.client.client_id, message, permalink(client, message), d.clock()
    )
    if heard.result == "logged":
        logger.info("Logged a reply from client %s (team %s)", record.client.client_id, team)
        d.home.changed(team)
    elif heard.result == "other org":
        # Ids only: the message's words never reach the log.
        logger.info(
            "Not logged as client %s's reply (team %s): its author's org %s isn't theirs (%s); "
            "`/client set <name> org %s` if it is",
            record.client.client_id,
            team,
            message.author_team,
            record.client.org,
            message.author_team,
        )


def permalink(client: WebClient, message: ClientMessage) -> str:
    """Slack's link to the message (threads included), or "" if Slack can't say now: the reply
    is still logged, since stopping the quiet clock matters more than the link."""
    try:
        return client.chat_getPermalink(channel=message.channel, message_ts=message.ts).get(
            "permalink", ""
        )
    except (SlackApiError, OSError) as err:
        logger.warning("No permalink for a client's message in %s: %s", message.channel, err)
        return ""


def _retry(request: BoltRequest) -> str:
    values = request.headers.get("x-slack-retry-num") or ["0"]
    return values[0]


def register(app: App) -> None:
    app.event(EVENTS[0])(ack=ack_at_once, lazy=[log_client_reply])
