"""Slack listeners, one module per surface. bot.py calls `register_all` once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_bolt import App

from handlers import commands, home
from service.commands import ClientCommands


def register_all(app: App, client_commands: ClientCommands, clock: Callable[[], datetime]) -> None:
    commands.register(app, client_commands, clock)
    home.register(app, client_commands, clock)
