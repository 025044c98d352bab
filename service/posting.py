"""Talking to Slack for the nudge pass: where a client's nudges go, posting at Slack's pace,
and finding a post that landed although we never heard back (so nothing is posted twice).

Nothing here touches the store: the pass (service/nudges.py) writes each attempt down first.
Each call takes the Web API client of the workspace concerned (its own token).
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from domain.models import ClientRecord, Nudge
from domain.routing import Route, nudge_route, private_route
from service.sharing import is_shared_outside

logger = logging.getLogger(__name__)
# Looking for a post that landed unacknowledged, within the limits Slack sets apps outside the
# Marketplace on conversations.history/replies (15 messages a page, one request a minute): pages
# read at most, and messages asked for per page.
MAX_LOOKUP_PAGES = 2
LOOKUP_LIMIT = 15
# The look-up's window around the moment an attempt was written down: our clock may be a little
# off Slack's, and a post is stamped when it lands (a request can take up to its timeout).
CLOCK_SKEW = timedelta(minutes=1)
LANDING_WINDOW = timedelta(minutes=5)
# Slack errors that retrying won't cure: a setting must change (or the bot be invited).
REFUSED_FOR_GOOD = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_not_visible",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
    }
)


class Pacer:
    """About one message per second per channel, as Slack asks of chat.postMessage."""

    def __init__(
        self,
        sleep: Callable[[float], None] = _time.sleep,
        monotonic: Callable[[], float] = _time.monotonic,
        gap: float = 1.0,
    ) -> None:
        self.sleep, self.monotonic, self.gap = sleep, monotonic, gap
        self.last: dict[str, float] = {}

    def __call__(self, channel: str) -> None:
        since = self.monotonic() - self.last.get(channel, float("-inf"))
        if since < self.gap:
            self.sleep(self.gap - since)
        self.last[channel] = self.monotonic()


class RateLimited(Exception):
    pass


class NotRuledOut(Exception):
    """An earlier attempt may have landed, and the look-up could not find it or rule it out.

    Its own type, not LookupError: a KeyError or IndexError is a bug, and must not pass for
    this expected, retry-next-pass condition."""


class Poster:
    """Posts for the pass, and looks posts up."""

    def __init__(
        self,
        pace: Callable[[str], None] | None = None,
        nudge_channel: str = "",
        shared_outside: Callable[[WebClient, str], bool] = is_shared_outside,
    ) -> None:
        self.nudge_channel = nudge_channel
        self.pace = pace or Pacer()
        self.shared_outside = shared_outside
        # Per (token, channel), whether it is shared outside: kept for one pass only, so a pass
        # posting 1,000 nudges in one channel asks Slack once (`conversations.info` is rate
        # limited), and a channel shared since the last pass is seen at the next.
        self._shared: dict[tuple[str, str], bool] | None = None

    @contextmanager
    def one_pass(self) -> Iterator[None]:
        """Within it, each channel is asked about once (see `channel`)."""
        self._shared = {}
        try:
            yield
        finally:
            self._shared = None

    def _shared_outside(self, client: WebClient, channel: str) -> bool:
        cache = self._shared
        if cache is None:
            return self.shared_outside(client, channel)
        key = (client.token or "", channel)
        if key not in cache:
            cache[key] = self.shared_outside(client, channel)
        return cache[key]

    def route(self, record: ClientRecord) -> Route:
        return nudge_route(record.client, self.nudge_channel)

    def channel(self, client: WebClient, record: ClientRecord) -> str:
        """The channel to post in ("" if there is none), opening the DM when it is one.

        A channel that is shared with an outside organisation (it became a Slack Connect
        channel after it was set, or NUDGE_CHANNEL is one) is never posted in: the team's
        nudge would be read by the client. It goes where a client with no channel's would, by
        DM to its owner or whoever added it, so it still reaches the team and nothing waits
        on a setting; `/client status` keeps showing the channel, so the team can change it.
        """
        route = self.route(record)
        if not route.is_dm and route.target and self._shared_outside(client, route.target):
            logger.warning(
                "%s is shared with an outside organisation: client %s's nudge goes by DM",
                route.target,
                record.client.client_id,
            )
            route = private_route(record.client)
        if route.is_dm:
            return client.conversations_open(users=route.target)["channel"]["id"]
        return route.target

    def send(
        self,
        client: WebClient,
        channel: str,
        body: dict[str, Any],
        metadata: dict[str, Any],
        thread_ts: str | None = None,
    ) -> str:
        self.pace(channel)
        response = client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
            **body,
        )
        return response["ts"]

    def find(
        self,
        client: WebClient,
        channel: str,
        client_id: str,
        nudge: Nudge,
        part: str,
        attempted_at: datetime | None = None,
    ) -> str | None:
        """The ts of a post of ours for this nudge that Slack has although we never stored it.

        Apps outside the Slack Marketplace may read 15 messages a page and one page a minute,
        so the look-up reads only around `attempted_at`, when the earlier attempt was written
        down (just before it was sent): a few minutes of the channel, LOOKUP_LIMIT messages a
        page, at most MAX_LOOKUP_PAGES pages, stopping at the first post whose metadata names
        this nudge. If that can't rule a post out, NotRuledOut: nothing is posted, the pass
        tries again later. A 429 is raised as SlackApiError, and the pass waits Retry-After.
        A record written before `attempted_at` existed is looked for since it was recorded."""
        wanted = (client_id, nudge.key, part)  # keys are per client: the client is in the match
        args: dict[str, Any] = {}
        if attempted_at is not None:
            args["oldest"] = f"{(attempted_at - CLOCK_SKEW).timestamp():.6f}"
            args["latest"] = f"{(attempted_at + LANDING_WINDOW).timestamp():.6f}"
        elif part in ("alert", "delivered"):
            # Posting only starts once the nudge is recorded (or approved); a little slack for
            # clock skew.
            since = (
                nudge.decided_at if part == "delivered" and nudge.decided_at else nudge.created_at
            )
            args["oldest"] = f"{(since - timedelta(minutes=10)).timestamp():.6f}"
        call: Callable[..., SlackResponse] = client.conversations_history
        if part == "suggestion":
            call, args["ts"] = client.conversations_replies, nudge.ts
        for _page in range(MAX_LOOKUP_PAGES):
            response = call(channel=channel, include_all_metadata=True, limit=LOOKUP_LIMIT, **args)
            message: dict[str, Any]
            for message in response.get("messages", []):
                payload: dict[str, Any] = (message.get("metadata") or {}).get("event_payload") or {}
                if (payload.get("client_id"), payload.get("key"), payload.get("part")) == wanted:
                    logger.info(
                        "Nudge %s was already in Slack (ts %s): not posting it again",
                        nudge.key,
                        message["ts"],
                    )
                    return message["ts"]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
            args["cursor"] = cursor
        # Not found in MAX_LOOKUP_PAGES pages: don't risk a second copy; retry next pass.
        raise NotRuledOut(f"could not rule out an earlier post of {nudge.key} in {channel}")


def retry_after(headers: Any) -> int:
    """Seconds Slack asked us to wait (1 to 3600), or 60 if it didn't say."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(1, min(int(raw), 3600))
            except (TypeError, ValueError):
                return 60
    return 60
