"""The `/client` slash command: ack with the answer, ephemeral, within Slack's 3 seconds.

The work (one small durable write) happens before the ack, so an acknowledged command is
already on disk; it takes milliseconds, far inside the limit.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from handlers.deps import deps
from ui.replies import error

COMMAND = "/client"
logger = logging.getLogger(__name__)


def on_client_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
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


def register(app: App) -> None:
    app.command(COMMAND)(on_client_command)
