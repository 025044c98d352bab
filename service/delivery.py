"""Posting an approved message in the client's shared Slack Connect channel, exactly once, and
logging it as sent when it lands (the other way a message is logged as sent is "Sent it",
service/decisions.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.inputs import escape
from domain.models import ClientRecord, DeliveryState, Nudge
from service.commands import log
from service.decisions import mark_sent
from service.posting import NotRuledOut, Poster
from storage.base import Store
from ui import nudges as ui

logger = logging.getLogger(__name__)
TACTFUL = "tactful"  # who wrote the first version of a suggestion, and who posts


def update_nudge(store: Store, team: str, client_id: str, key: str, **changes: Any) -> Nudge:
    """One nudge's fields changed, in one store change; the nudge as stored."""

    def change(record: ClientRecord):
        nudge = replace(record.nudges[key], **changes)
        return replace(record, nudges={**record.nudges, key: nudge}), []

    return store.update(team, client_id, change).nudges[key]


class Delivery:
    def __init__(
        self,
        store: Store,
        poster: Poster,
        tz: tzinfo,
        clients: Callable[[str], WebClient | None],
    ) -> None:
        self.store, self.poster, self.tz, self.clients = store, poster, tz, clients

    def deliver(
        self, team: str, client_id: str, key: str, now: datetime, *, client: WebClient | None = None
    ) -> bool:
        """Post an approved message in the client's shared channel, exactly once: the attempt
        is written down first, and a retried attempt looks for the post before posting again.
        True once it is there; False if it must wait for the next pass (or for the workspace
        to install Tactful again)."""
        record = self.store.get(team, client_id)
        nudge = record.nudges.get(key) if record else None
        if record is None or nudge is None or not nudge.undelivered:
            return bool(nudge and nudge.delivery)
        client = client or self.clients(team)
        if client is None:
            return False
        channel = record.client.shared_channel
        try:
            # The moment of sending is written down only when sending (a look-up alone
            # keeps the last one): the next look-up reads around it.
            retrying, since = nudge.delivery == DeliveryState.POSTING, nudge.attempted_at
            nudge = update_nudge(
                self.store,
                team,
                client_id,
                key,
                delivery=DeliveryState.POSTING,
                **({} if retrying else {"attempted_at": now}),
            )
            found = (
                self.poster.find(client, channel, client_id, nudge, "delivered", since)
                if retrying
                else None
            )
            if retrying and not found:
                nudge = update_nudge(self.store, team, client_id, key, attempted_at=now)
            ts = found or self.poster.send(
                client,
                channel,
                # Escaped: what the client sees is exactly the approved words, nothing live.
                {"text": escape(nudge.versions[-1].text)},
                ui.metadata(team, client_id, key, "delivered"),
            )
        except (SlackApiError, NotRuledOut, OSError) as err:
            logger.warning(
                "Approved message %s for client %s not yet in its shared channel (%s); will retry",
                key,
                client_id,
                err,
            )
            return False
        self._delivered(team, client_id, key, ts, now)
        return True

    def _delivered(self, team: str, client_id: str, key: str, ts: str, now: datetime) -> None:
        """Posted in the shared channel: stored with the post's ts, and logged as sent, in one
        change (so a retried delivery that finds its post is not logged twice)."""
        today = now.astimezone(self.tz).date()

        def change(record: ClientRecord):
            nudge = replace(record.nudges[key], delivery=ts)
            record = replace(record, nudges={**record.nudges, key: nudge})
            if nudge.sent_at is not None:
                return record, []
            record, drafts = mark_sent(
                record, nudge, TACTFUL, now, today, how="posted in the shared channel"
            )
            return log(record, TACTFUL, now, *drafts)

        self.store.update(team, client_id, change)
