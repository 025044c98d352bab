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
        self._urls: dict[str, str] = {}  # each workspace's URL (auth.test), for permalinks
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
            links=self.links(team),
        )

    def links(self, team: str) -> Links:
        """The thread buttons' permalinks for Home and the digest, built from the workspace's
        URL: one auth.test per workspace and process, whatever the number of items (Slack
        allows a few hundred chat.getPermalink calls a minute, and Home shows ~15 items). If
        Slack can't say now, the items show without their button and the next open asks
        again."""
        with self._lock:
            url = self._urls.get(team)
        if url is not None:
            return Links(url)
        client = self.clients(team)
        if client is None:
            return Links()
        try:
            url = str(client.auth_test()["url"])
        except (SlackApiError, OSError, KeyError) as err:
            logger.warning("No workspace URL for the thread links of team %s: %s", team, err)
            return Links()
        if not url.startswith("https://"):
            logger.warning("Team %s's workspace URL %r is not https: no thread links", team, url)
            return Links()
        with self._lock:
            self._urls[team] = url
        return Links(url)

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
