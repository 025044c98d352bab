"""Slack listeners, one module per surface. bot.py calls `register_all` once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_bolt import App

from handlers import actions, commands, home
from handlers.actions import Approvers
from service.commands import ClientCommands
from service.decisions import Decisions
from service.nudges import NudgeEngine


def register_all(
    app: App,
    client_commands: ClientCommands,
    decisions: Decisions,
    engine: NudgeEngine,
    approvers: Approvers,
    clock: Callable[[], datetime],
) -> None:
    commands.register(app, client_commands, clock)
    home.register(app, client_commands, clock)
    actions.register(app, decisions, engine, approvers, clock)
