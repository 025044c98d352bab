"""Slack listeners, one module per surface. bot.py calls `register_all` once."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltContext

from handlers import actions, commands, home, installs, log, messages, offboarding
from handlers.agency import only_the_agency
from handlers.deps import CONTEXT_KEY, Deps


def register_all(app: App, deps: Deps) -> None:
    """Register every listener, and give each request's context the app's dependencies."""

    def provide(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
        context[CONTEXT_KEY] = deps
        next()

    app.middleware(provide)
    # Before any listener: someone outside the agency's organisation acts on nothing.
    app.middleware(only_the_agency)
    commands.register(app)
    home.register(app)
    log.register(app)
    actions.register(app)
    messages.register(app)
    offboarding.register(app)
    installs.register(app)
