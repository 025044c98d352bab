"""Logging a client's reply in their shared channel as `heard`, once per message.

The entry is the same `heard` a person types (`service.commands.log`, folded by the ledger),
so it stops the quiet clock and makes open suggestions stale in exactly the same way. Its
`ref` is the message's "channel/ts". The client's summary keeps the newest of those, so the
check that a message is not logged yet and the logging happen in one store change, under the
write lock: a message delivered twice at once is logged once. A redelivery after a restart and
more newer replies than the summary keeps is found in the history (`logged_before`): exact,
however late it comes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from domain.client_messages import ClientMessage
from domain.inputs import excerpt
from domain.ledger import MAX_REPLIES_KEPT
from domain.models import Client, ClientRecord, Kind
from service.commands import Draft, log
from storage.base import NoChange, Store

# Event ids remembered to drop a redelivery before doing any work for it.
RECENT_EVENTS = 1000


def is_the_client(client: Client, message: ClientMessage) -> bool:
    """Whether the message is from the client's own org: anyone outside the agency until
    their org is known, then only that org's people (not a subcontractor's, nor another
    workspace of the agency's Enterprise org)."""
    return not client.org or not message.author_team or message.author_team == client.org


@dataclass(frozen=True)
class Heard:
    """What became of a client's message: `logged`, `already` (logged before), `off`, or
    `other org` (someone in the channel from an org that isn't the client's)."""

    result: str
    record: ClientRecord | None = None


class SharedChannelReplies:
    """The clients' replies in their shared channels, over a store.

    Args:
        store: the store.
        tz: the workspace time zone (the day a message counts for).
        auto_heard: AUTO_HEARD, the workspace's switch.
    """

    def __init__(self, store: Store, tz: tzinfo, *, auto_heard: bool = True) -> None:
        self.store, self.tz, self.auto_heard = store, tz, auto_heard
        self._events: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def listening(self, team: str, channel: str) -> ClientRecord | None:
        """The client whose shared channel this is, if their replies there are to be logged."""
        if not self.auto_heard:
            return None
        records = [r for r in self.store.clients(team) if r.client.shared_channel == channel]
        # An active client wins over an archived one that had the channel before.
        records.sort(key=lambda r: r.client.archived)
        record = records[0] if records else None
        return record if record is not None and record.client.auto_heard else None

    def log(
        self, team: str, client_id: str, message: ClientMessage, link: str, now: datetime
    ) -> Heard:
        """Log `message` as heard from the client, unless it is logged already or the client
        has turned auto-logging off since it was looked up."""
        today = now.astimezone(self.tz).date()
        # The day it was written, not the day it arrived; never "in the future".
        on = min(message.sent_on(self.tz), today)
        draft = Draft(Kind.HEARD, on, text=excerpt(message.text), ref=message.key, link=link)

        def admit(record: ClientRecord) -> ClientRecord:
            client = record.client
            if not (
                self.auto_heard and client.auto_heard and client.shared_channel == message.channel
            ):
                raise NoChange("off")
            if not is_the_client(client, message):
                raise NoChange("other org")
            if not client.org and message.author_team:
                # The first reply logged tells us which org is theirs: from then on only its
                # people count (`/client set acme org T...` corrects it).
                record = replace(record, client=replace(client, org=message.author_team))
            return record

        return self.log_once(team, client_id, draft, message.author, now, admit)

    def log_once(
        self,
        team: str,
        client_id: str,
        draft: Draft,
        by: str,
        now: datetime,
        admit: Callable[[ClientRecord], ClientRecord] = lambda record: record,
    ) -> Heard:
        """Log `draft` (a `heard` whose `ref` identifies the message, a shared channel's or an
        email's) unless that message is logged already: one store change that checks the
        freshest copy, so two deliveries at once log it once. `admit` may change the record
        with it, or raise NoChange(outcome) to write nothing."""
        if self.logged_before(team, client_id, draft.ref):
            return Heard("already")

        def change(record: ClientRecord):
            if draft.ref in record.state.replies_logged:
                raise NoChange("already")
            return log(admit(record), by, now, draft)

        try:
            record = self.store.update(team, client_id, change)
        except NoChange as skip:
            return Heard(skip.outcome)
        return Heard("logged", record)

    def logged_before(self, team: str, client_id: str, key: str) -> bool:
        """Whether the message `key` ("channel/ts") is logged already, however long ago and
        whatever came since: a retry may come after a restart and any number of newer replies.

        The record keeps the newest MAX_REPLIES_KEPT refs; while it holds fewer, it holds them
        all and is the answer. Past that, the history is read for the ref (that is rare, and
        exact). `log` checks the record again inside its store change, for two deliveries at
        once."""
        record = self.store.get(team, client_id)
        if record is None:
            return False
        logged = record.state.replies_logged
        if key in logged:
            return True
        if len(logged) < MAX_REPLIES_KEPT:
            return False
        return any(
            e.kind is Kind.HEARD and e.ref == key for e in self.store.history(team, client_id)
        )

    # Slack's event ids: a cheap first check, in memory, before any work for a redelivery.
    def seen(self, event_id: str) -> bool:
        with self._lock:
            return bool(event_id) and event_id in self._events

    def done(self, event_id: str) -> None:
        if not event_id:
            return
        with self._lock:
            self._events[event_id] = None
            while len(self._events) > RECENT_EVENTS:
                self._events.popitem(last=False)
