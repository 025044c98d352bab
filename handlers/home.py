"""App Home: the same overview as `/client list`, plus how to start."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.deps import deps
from handlers.lazy import acknowledge, after_ack
from service.commands import ClientCommands
from ui import blocks as bk
from ui import replies

logger = logging.getLogger(__name__)
# The Events API subscriptions this module listens to; manifest.yml must subscribe to exactly
# these (tests/test_manifest.py checks).
EVENTS = ("app_home_opened",)
HOME_OPENED = EVENTS[0]


def home_view(commands: ClientCommands, team_id: str, now: datetime) -> dict[str, Any]:
    today = now.astimezone(commands.tz).date()
    found = commands.overview(team_id, today)
    overview = replies.client_list(found.summaries, unreadable=found.unreadable)
    intro = bk.context("Log with `/client ...` in any channel; `/client help` lists every command.")
    return {"type": "home", "blocks": [*overview.blocks[: bk.MAX_BLOCKS - 2], bk.divider(), intro]}


def on_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    if event.get("tab") != "home":
        return
    d = deps(context)
    client.views_publish(
        user_id=event["user"], view=home_view(d.commands, context.team_id, d.clock())
    )


def register(app: App) -> None:
    # views.publish is a Web API call: after the ack.
    app.event(HOME_OPENED)(ack=acknowledge, lazy=[after_ack(on_home_opened)])
