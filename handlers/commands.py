"""The `/client` slash command: ack with the answer, ephemeral, within Slack's 3 seconds.

The work (one small durable write) happens before the ack, so an acknowledged command is
already on disk; it takes milliseconds, far inside the limit.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from handlers import log
from handlers.deps import deps
from handlers.lazy import after_ack
from ui.replies import error

COMMAND = "/client"
logger = logging.getLogger(__name__)


# The first words of commands that only read: nothing changed, so App Home stays as it is.
_READ_ONLY = frozenset({"status", "list", "history", "report", "help"})


def on_client_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
    if not command.get("text", "").strip():
        # A bare /client opens the form (after the ack, see open_form_or_refresh).
        ack(response_type="ephemeral", text=OPENING)
        return
    try:
        reply = d.commands.run(
            command["team_id"], command["user_id"], command.get("text", ""), d.clock()
        )
    except Exception:
        logger.exception("/client failed (team %s)", command.get("team_id"))
        reply = error(
            "Something went wrong on my side and nothing was saved. Please try again in a moment."
        )
    ack(**reply.body())


OPENING = "Opening the form to log an interaction… (`/client help` lists the typed commands.)"


def open_form_or_refresh(command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """After the ack: a bare /client opens the form; a change refreshes App Home for the people
    who have it open."""
    d = deps(context)
    words = command.get("text", "").split()
    if not words:
        log.open_form(d, client, command["team_id"], command["trigger_id"])
    elif words[0].lower() not in _READ_ONLY:
        d.home.changed(command["team_id"])


def register(app: App) -> None:
    app.command(COMMAND)(ack=on_client_command, lazy=[after_ack(open_form_or_refresh)])
