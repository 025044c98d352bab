"""The nudge pass as bot.py builds it, pointed at the fake Slack (tests/conftest.py's `slack`):
no retried calls and no pause between posts, so a test sees exactly what one pass sent."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient

import bot
from config import Config
from service.nudges import NudgeEngine, ScanReport
from storage.tinydb_store import TinyDBStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from local_slack import LocalSlack


def nudge_engine(
    config: Config, store: TinyDBStore, slack: LocalSlack, timeout: float = 30
) -> NudgeEngine:
    """`timeout` is each Web API call's (WebClient's own default unless a test wants a
    slow answer from the fake Slack to count as a failure)."""
    client = WebClient(token="xoxb-test", base_url=slack.url, timeout=timeout, retry_handlers=[])
    return bot.build_engine(config, store, client=client, pace=lambda _channel: None)


def nudge_pass(
    config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    clock: Callable[[], datetime],
    timeout: float = 30,
) -> ScanReport:
    """One pass, at the test clock's time."""
    return nudge_engine(config, store, slack, timeout).scan(clock())
