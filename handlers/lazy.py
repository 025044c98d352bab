"""Bolt's lazy-listener pattern: the ack function answers Slack at once; the work that talks
to Slack's Web API (or may wait on it) runs after, in a lazy listener.

    app.action(APPROVE)(ack=acknowledge, lazy=[after_ack(approve)])

The app runs with process_before_response, so an ack function's answer goes back as soon
as it returns, with no polling; Bolt then starts each lazy listener on its executor.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from handlers.deps import request_team

logger = logging.getLogger(__name__)


def acknowledge(ack: Ack) -> None:
    """The ack function of a listener whose work is all after the ack."""
    ack()


def after_ack(listener: Callable[..., None]) -> Callable[..., None]:
    """A lazy listener that logs its failure with a traceback: Bolt would log one line with
    neither. (Bolt reads the listener's argument names through functools.wraps.)"""

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except Exception:
            body = kwargs.get("body") or {}
            team = request_team(body)
            logger.exception("%s failed after the ack (team %s)", listener.__name__, team)

    return run
