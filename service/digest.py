"""The weekly digest in NUDGE_CHANNEL: one message per week, exactly once.

Exactly once across restarts and several processes, as the nudges are (service/nudges.py):
1. The week's digest is claimed in the store before anything is posted: one store change,
   under the write lock, turns "no digest yet" into "posting", and only the process whose
   change did that posts. Another process sees the claim and stands by.
2. A claim whose post never confirmed (a crash, a timeout) is taken again only once it is
   `lease` old, and then the channel is searched for the post (by its metadata) before posting
   again.
3. A week with nothing pending is recorded as empty: nothing is posted for it.
4. A NUDGE_CHANNEL shared with an outside organisation (Slack Connect) gets no digest: the
   client would read the team's list of who owes what. The week is recorded as withheld for
   that channel, with one warning in the log naming it; App Home keeps showing the same items.
   A NUDGE_CHANNEL changed since (a restart with another one) is tried again that week.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.agenda import agenda
from domain.digest import DigestTime, Period, due
from service.commands import ClientCommands
from service.posting import CLOCK_SKEW, LANDING_WINDOW, LOOKUP_LIMIT, MAX_LOOKUP_PAGES
from service.sharing import is_shared_outside
from storage.base import DamagedRecord
from ui import digest as ui
from ui.agenda import Links

logger = logging.getLogger(__name__)


class _Busy(Exception):
    """Another process holds a fresh claim on this week's digest."""


class WeeklyDigest:
    def __init__(
        self,
        commands: ClientCommands,
        clients: Callable[[str], WebClient | None],
        *,
        when: DigestTime | None,
        channel: str,
        is_working_day: Callable[[date], bool],
        links: Callable[[str], Links] = lambda team: Links(),
        lease: timedelta = timedelta(minutes=10),
        shared_outside: Callable[[WebClient, str], bool] = is_shared_outside,
    ) -> None:
        # Each workspace's Web API client (its own token), or None where it isn't installed.
        self.commands, self.clients = commands, clients
        self.when, self.channel, self.is_working_day = when, channel, is_working_day
        self.links, self.lease = links, lease
        self.shared_outside = shared_outside

    @property
    def store(self):
        return self.commands.store

    def run(self, now: datetime) -> dict[str, str]:
        """Post each workspace's digest if it is due; what became of each."""
        if self.when is None or not self.channel:
            return {}
        period = due(now, self.when, self.commands.tz, self.is_working_day)
        if period is None:
            return {}
        results = {}
        for team in self.store.teams():
            client = self.clients(team)
            if client is None:
                continue  # not installed there (any more)
            try:
                results[team] = self.run_team(team, period, now, client)
            except Exception:
                logger.exception("The weekly digest of team %s failed; it is tried again", team)
                results[team] = "failed"
        return results

    def run_team(self, team: str, period: Period, now: datetime, client: WebClient) -> str:
        name = f"digest-{period.key}"
        note = self.store.note(team, name)
        if note is not None and note.get("status") in ("posted", "empty"):
            return "already"
        if self._withheld_here(note):
            return "withheld"  # already said once this week
        today = now.astimezone(self.commands.tz).date()
        try:
            found = self.commands.overview(team, today)
        except DamagedRecord:
            return "failed"
        items = agenda(found.summaries, today)
        if note is None and items.empty:
            self.store.change_note(team, name, lambda current: current or {"status": "empty"})
            return "empty"
        if self.shared_outside(client, self.channel):
            return self._withhold(team, name)
        try:
            claim = self.store.change_note(team, name, lambda current: self._claim(current, now))
        except _Busy:
            return "busy"
        ts = None
        if claim["attempts"] > 1:
            try:
                ts = self._find(client, team, period, claim.get("sent_at"))
            except _Busy:
                return "busy"
            except (SlackApiError, OSError) as err:
                # Rate limited (Retry-After is well within the claim's lease) or unreachable:
                # nothing is posted blindly; the look-up is tried again after the lease.
                logger.warning("Could not look for an earlier weekly digest (%s)", err)
                return "failed"
        if ts is None:
            body = ui.digest(items, found.summaries, today, self.links(team))
            # The moment of sending, for a later look-up's window (a claim that only looked
            # keeps the last one).
            self.store.change_note(
                team, name, lambda current: {**(current or {}), "sent_at": now.isoformat()}
            )
            try:
                ts = client.chat_postMessage(
                    channel=self.channel,
                    metadata=ui.metadata(team, period.key),
                    unfurl_links=False,
                    unfurl_media=False,
                    **body,
                )["ts"]
            except (SlackApiError, OSError) as err:
                logger.warning("The weekly digest was not posted (%s); it is tried again", err)
                return "failed"
        self.store.change_note(
            team, name, lambda current: {**(current or {}), "status": "posted", "ts": ts}
        )
        return "posted"

    def _withheld_here(self, note: dict[str, Any] | None) -> bool:
        return (
            note is not None
            and note.get("status") == "withheld"
            and note.get("channel") == self.channel
        )

    def _withhold(self, team: str, name: str) -> str:
        """Records the week as not posted because NUDGE_CHANNEL is shared outside; warns once."""

        def withhold(current: dict[str, Any] | None) -> dict[str, Any]:
            if current is not None and current.get("status") in ("posted", "empty"):
                raise _Busy  # another process finished the week since we looked
            if self._withheld_here(current):
                raise _Busy  # and another one said so already
            return {"status": "withheld", "channel": self.channel}

        try:
            self.store.change_note(team, name, withhold)
        except _Busy:
            return "busy"
        logger.warning(
            "The weekly digest was not posted: NUDGE_CHANNEL %s is shared with an outside "
            "organisation (Slack Connect), where the client would read it. Set NUDGE_CHANNEL "
            "to a channel only your team is in; App Home shows the same items meanwhile",
            self.channel,
        )
        return "withheld"

    def _claim(self, current: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
        if current is None or (
            current.get("status") == "withheld" and not self._withheld_here(current)
        ):
            return {"status": "posting", "attempt_at": now.isoformat(), "attempts": 1}
        if current.get("status") != "posting":
            raise _Busy  # posted, or recorded empty, since we looked
        if datetime.fromisoformat(current["attempt_at"]) + self.lease > now:
            raise _Busy
        return {**current, "attempt_at": now.isoformat(), "attempts": current["attempts"] + 1}

    def _find(
        self, client: WebClient, team: str, period: Period, sent_at: str | None
    ) -> str | None:
        """The ts of this period's digest if an unconfirmed attempt did post it: read around
        the moment it was sent only, within the history limits of apps outside the Marketplace (see
        service/posting.py's `Poster.find`)."""
        if sent_at:
            at = datetime.fromisoformat(sent_at)
            args: dict[str, Any] = {
                "oldest": f"{(at - CLOCK_SKEW).timestamp():.6f}",
                "latest": f"{(at + LANDING_WINDOW).timestamp():.6f}",
            }
        else:
            args = {"oldest": f"{(period.due_at - timedelta(minutes=10)).timestamp():.6f}"}
        for _page in range(MAX_LOOKUP_PAGES):
            response = client.conversations_history(
                channel=self.channel, include_all_metadata=True, limit=LOOKUP_LIMIT, **args
            )
            messages: list[dict[str, Any]] = response.get("messages", [])
            for message in messages:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == ui.METADATA_EVENT and payload == {
                    "team": team,
                    "period": period.key,
                }:
                    return message["ts"]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
            args["cursor"] = cursor
        raise _Busy  # not ruled out: don't risk a second copy; tried again next pass
