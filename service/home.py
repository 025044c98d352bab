"""App Home for the people who have it open: publish it, and publish it again when the data
changes.

Who opened Home recently is kept in this process's memory (at most `most` people per
workspace, for `recent`): after a restart, a person's Home refreshes again from the moment they
next open it. With several processes, each refreshes the people whose Home it served, which is
enough for a view that is also rebuilt on every open.

A change (a command, a decision, a nudge pass, an auto-logged reply) marks its workspace; the
republish runs `delay` seconds later on a timer thread, so a burst of changes costs one
overview and one views.publish per viewer, and never delays the answer to Slack.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.attention import Standing
from service.commands import ClientCommands
from ui import home as ui
from ui.agenda import Links

logger = logging.getLogger(__name__)
PERMALINKS_KEPT = 5000  # a message's permalink never changes: asked once per process


@dataclass
class _Viewer:
    opened_at: datetime
    page: int = 1


class HomeViews:
    def __init__(
        self,
        commands: ClientCommands,
        clients: Callable[[str], WebClient | None],
        clock: Callable[[], datetime],
        *,
        recent: timedelta = timedelta(hours=1),
        most: int = 50,
        delay: float = 2.0,
    ) -> None:
        # Each workspace's Web API client (its own token), or None where Tactful isn't
        # installed (any more): nothing is published there.
        self.commands, self.clients, self.clock = commands, clients, clock
        self.recent, self.most, self.delay = recent, most, delay
        self._viewers: dict[str, OrderedDict[str, _Viewer]] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._links: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    # building ------------------------------------------------------------------------------
    def view(self, team: str, user: str, page: int = 1) -> dict[str, Any]:
        now = self.clock()
        today = now.astimezone(self.commands.tz).date()
        found = self.commands.overview(team, today)
        return self._view(team, found.summaries, found.unreadable, user, page, today)

    def _view(
        self, team: str, standings: list[Standing], unreadable: int, user: str, page: int, today
    ):
        return ui.home(
            standings,
            viewer=user,
            today=today,
            page=page,
            unreadable=unreadable,
            links=self.links(team, standings),
        )

    def links(self, team: str, standings: list[Standing]) -> Links:
        """Permalinks of the suggestion threads Home and the digest show (chat.getPermalink
        needs no scope). One that Slack can't give now is left out: the item shows without
        its button."""
        wanted = [(w.channel, w.ts) for s in standings for w in s.waiting if w.channel and w.ts]
        found: Links = {}
        client = self.clients(team) if wanted else None
        for key in wanted:
            with self._lock:
                link = self._links.get(key)
            if link is None:
                if client is None:
                    continue
                try:
                    link = client.chat_getPermalink(channel=key[0], message_ts=key[1])["permalink"]
                except (SlackApiError, OSError, KeyError) as err:
                    logger.warning("No permalink for a suggestion thread in %s: %s", key[0], err)
                    continue
                with self._lock:
                    self._links[key] = link
                    while len(self._links) > PERMALINKS_KEPT:
                        self._links.popitem(last=False)
            found[key] = link
        return found

    # publishing ----------------------------------------------------------------------------
    def opened(self, team: str, user: str, page: int | None = None) -> None:
        """`user` looks at Home (opened it, or turned a page): remember them and publish."""
        with self._lock:
            viewers = self._viewers.setdefault(team, OrderedDict())
            viewer = viewers.pop(user, None) or _Viewer(self.clock())
            viewer.opened_at = self.clock()
            if page is not None:
                viewer.page = page
            viewers[user] = viewer
            while len(viewers) > self.most:
                viewers.popitem(last=False)
            page = viewer.page
        client = self.clients(team)
        if client is not None:
            client.views_publish(user_id=user, view=self.view(team, user, page))

    def viewers(self, team: str) -> list[tuple[str, int]]:
        """The people of `team` who opened Home within `recent`, with the page they are on."""
        cutoff = self.clock() - self.recent
        with self._lock:
            viewers = self._viewers.get(team, OrderedDict())
            for user in [u for u, v in viewers.items() if v.opened_at < cutoff]:
                del viewers[user]
            return [(u, v.page) for u, v in viewers.items()]

    def changed(self, team: str) -> None:
        """The data of `team` changed: republish its viewers' Home after `delay`, once for
        however many changes come meanwhile."""
        if not self.viewers(team):
            return
        with self._lock:
            if team in self._timers:
                return
            timer = threading.Timer(self.delay, self._fire, args=(team,))
            timer.daemon = True
            self._timers[team] = timer
        timer.start()

    def pending(self, team: str) -> bool:
        with self._lock:
            return team in self._timers

    def flush(self, team: str) -> None:
        """Republish now what a timer would (tests, and shutting down)."""
        with self._lock:
            timer = self._timers.pop(team, None)
        if timer is not None:
            timer.cancel()
            self.refresh(team)

    def _fire(self, team: str) -> None:
        with self._lock:
            self._timers.pop(team, None)
        try:
            self.refresh(team)
        except Exception:
            logger.exception("Refreshing App Home for team %s failed", team)

    def refresh(self, team: str) -> None:
        """Publish Home again for each recent viewer: one overview for all of them."""
        viewers = self.viewers(team)
        client = self.clients(team) if viewers else None
        if client is None:
            return
        today = self.clock().astimezone(self.commands.tz).date()
        found = self.commands.overview(team, today)
        for user, page in viewers:
            try:
                view = self._view(team, found.summaries, found.unreadable, user, page, today)
                client.views_publish(user_id=user, view=view)
            except (SlackApiError, OSError) as err:
                logger.warning("Could not refresh App Home of %s (team %s): %s", user, team, err)
