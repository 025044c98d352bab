"""Slack telling us a workspace removed Tactful: its nudges stop, its record stays."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from handlers.deps import deps

EVENTS = ("app_uninstalled", "tokens_revoked")


def on_removed(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    # One quick database write, done before the ack: once Slack hears back, no pass posts there.
    if context.team_id:
        deps(context).uninstalled(context.team_id, event)
    ack()


def register(app: App) -> None:
    for name in EVENTS:
        app.event(name)(on_removed)
