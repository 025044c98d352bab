"""Ticking the offboarding checklist, exactly once per item.

Each tick is one store change that checks the checklist on the freshest copy under the write
lock (as service/decisions.py does for approvals), so a double click, a Slack retry or two
people at once record one tick; the others learn who was first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from domain import offboarding as ob
from domain.models import ClientRecord, Interaction, Kind, Tick
from service.commands import Draft, log
from storage.base import NoChange, Store, UnknownClient

_LOGGED = {
    ob.HANDOVER: "handed over full access to every account",
    ob.FINAL_REPORT: "final report sent",
    ob.REASON: "reason stated",
    ob.EXPORTED: "record exported",
    ob.ARCHIVED: "archived",
}


@dataclass(frozen=True)
class TickOutcome:
    # ticked (stored) | already | blocked | missing (nothing stored)
    result: str
    record: ClientRecord | None = None
    first: Tick | None = None  # who ticked it, when `already`
    detail: str = ""


class Offboardings:
    def __init__(self, store: Store, tz: tzinfo) -> None:
        self.store, self.tz = store, tz

    def tick(self, team: str, client_id: str, item: str, user: str, now: datetime) -> TickOutcome:
        today = now.astimezone(self.tz).date()

        def change(record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
            try:
                ticked = ob.tick(record, item, user, now)
            except ob.AlreadyTicked as done:
                raise NoChange(TickOutcome("already", record, done.tick)) from None
            except ob.Blocked as blocked:
                raise NoChange(TickOutcome("blocked", record, detail=str(blocked))) from None
            except (ob.NotOffboarding, ValueError):
                raise NoChange(TickOutcome("missing", record)) from None
            drafts = [Draft(Kind.CHECKED, today, text=_LOGGED[item], ref=item)]
            if item == ob.ARCHIVED and not record.client.archived:
                drafts.append(Draft(Kind.ARCHIVED, today, text="archived"))
            return log(ticked, user, now, *drafts)

        try:
            record = self.store.update(team, client_id, change)
        except NoChange as stop:
            return stop.outcome
        except UnknownClient:
            return TickOutcome("missing")
        return TickOutcome("ticked", record)

    def shown_at(self, team: str, client_id: str, channel: str, ts: str) -> None:
        """Remember the message that shows the checklist, so ticks can update it."""

        def change(record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
            if record.offboarding is None:
                return record, []
            checklist = replace(record.offboarding, channel=channel, ts=ts)
            return replace(record, offboarding=checklist), []

        self.store.update(team, client_id, change)
