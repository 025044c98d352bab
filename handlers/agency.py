"""Only the agency acts: one global middleware in front of every listener.

In a Slack Connect channel the client's people see the suggestions and the offboarding
checklist and can press their buttons; Slack signs those clicks like any other. Every act (a
click, a form, a shortcut, a menu, a command) from someone outside the workspace that
installed Tactful (and its Enterprise org) is answered here, politely and only to them, and
never reaches a listener, so nothing is stored. Events (messages, Home opened) pass: they are
not acts, and handlers/messages.py decides who a message is from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.agency import actor, installation, is_agency
from ui.boundary import NOT_THE_AGENCY

logger = logging.getLogger(__name__)


def only_the_agency(
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    next: Callable[[], None],  # noqa: A002 - Bolt's name
) -> BoltResponse | None:
    """Bolt middleware (registered by handlers.register_all, after Bolt's authorisation, so
    the installation is known)."""
    person = actor(body)
    if person is None:
        next()
        return None
    # The installation Bolt authorised the request as (auth.test of the bot token, or the
    # workspace's stored installation), never the payload's own `enterprise` or `team`: those
    # say where the act came from, which is the question.
    authorized = context.authorize_result
    agency = installation(
        authorized.team_id if authorized else None,
        authorized.enterprise_id if authorized else None,
    )
    if is_agency(person, agency):
        next()
        return None
    logger.info(
        "Refused a %s from outside the agency (from %s, installed in %s)",
        body.get("type") or "command",
        person.team or person.enterprise or "no team",
        agency.team or agency.enterprise,
    )
    return refusal(body, client)


def refusal(body: dict[str, Any], client: WebClient) -> BoltResponse:
    """The answer to an outsider's act, in the shape each kind of act can show."""
    kind = body.get("type")
    if body.get("command"):
        return _json({"response_type": "ephemeral", "text": NOT_THE_AGENCY})
    if kind == "view_submission":
        block = _first_input(body.get("view") or {})
        if block:
            return _json({"response_action": "errors", "errors": {block: NOT_THE_AGENCY}})
        return BoltResponse(status=200, body="")
    if kind == "block_suggestion":
        return _json({"options": []})
    if kind in ("block_actions", "shortcut", "message_action"):
        _tell(body, client)
    return BoltResponse(status=200, body="")


def _tell(body: dict[str, Any], client: WebClient) -> None:
    """An ephemeral note where they clicked. Before the ack: one short call, no retries."""
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get(
        "id"
    )
    user = (body.get("user") or {}).get("id")
    if not channel or not user:
        return  # a modal or a global shortcut: there is nowhere to say it, and nothing was done
    quick_client = WebClient(
        token=client.token, base_url=client.base_url, timeout=2, retry_handlers=[]
    )
    try:
        quick_client.chat_postEphemeral(channel=channel, user=user, text=NOT_THE_AGENCY)
    except (SlackApiError, OSError) as err:
        logger.warning("Could not tell an outsider their click was refused: %s", err)


def _first_input(view: dict[str, Any]) -> str:
    """A field of the form to show the refusal under: the submitted values are keyed by their
    input blocks' ids."""
    submitted = ((view.get("state") or {}).get("values") or {}).keys()
    inputs = [b.get("block_id", "") for b in view.get("blocks") or [] if b.get("type") == "input"]
    return next(iter(submitted), "") or next(iter(inputs), "")


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=body)
