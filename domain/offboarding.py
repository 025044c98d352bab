"""Leaving a client well (difficult-clients.md section 4), as a checklist. Pure.

The items, in the order they are shown. Handing over the accounts is blocked while money is
owed: full access goes to a client who is paid up, never to one who isn't.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.models import ClientRecord, Offboarding, Tick

HANDOVER = "handover"
FINAL_REPORT = "final_report"
REASON = "reason"
EXPORTED = "exported"
ARCHIVED = "archived"
ITEMS = (HANDOVER, FINAL_REPORT, REASON, EXPORTED, ARCHIVED)


class Blocked(Exception):
    """This item can't be ticked yet; the message says why (shown to the person)."""


class AlreadyTicked(Exception):
    def __init__(self, tick: Tick) -> None:
        super().__init__(tick.by)
        self.tick = tick


class NotOffboarding(Exception):
    pass


@dataclass(frozen=True)
class Owed:
    """What stops the handover: the unpaid invoices' refs."""

    refs: tuple[str, ...]


def owed(record: ClientRecord) -> Owed | None:
    """Money the client still owes, by the record's summary of unpaid invoices."""
    unpaid = record.state.unpaid
    return Owed(tuple(i.ref for i in unpaid)) if unpaid else None


def start(record: ClientRecord, reason: str, by: str, at: datetime) -> ClientRecord:
    """A new checklist; starting again keeps the ticks already made (and the message), with
    the new reason."""
    old = record.offboarding
    if old is not None:
        return replace(record, offboarding=replace(old, reason=reason))
    return replace(record, offboarding=Offboarding(reason=reason, started_by=by, started_at=at))


def tick(record: ClientRecord, item: str, by: str, at: datetime) -> ClientRecord:
    """The record with `item` ticked by `by` at `at`.

    Raises:
        NotOffboarding: no checklist was started.
        AlreadyTicked: someone ticked it first (a double click, a retry, two people).
        Blocked: handover while money is owed.
        ValueError: not an item.
    """
    if item not in ITEMS:
        raise ValueError(item)
    checklist = record.offboarding
    if checklist is None:
        raise NotOffboarding()
    done = checklist.ticks.get(item)
    if done is not None:
        raise AlreadyTicked(done)
    if item == HANDOVER and (money := owed(record)) is not None:
        refs = ", ".join(f"#{r}" for r in money.refs)
        raise Blocked(
            f"Hold the handover: {record.client.name} still owes money ({refs}). Hand over "
            "full access once it is paid (`/client paid` logs it)."
        )
    ticks = {**checklist.ticks, item: Tick(by, at)}
    client = replace(record.client, archived=True) if item == ARCHIVED else record.client
    return replace(record, client=client, offboarding=replace(checklist, ticks=ticks))


def is_open(record: ClientRecord, item: str) -> bool:
    """A checklist is under way and `item` isn't ticked yet."""
    return record.offboarding is not None and item not in record.offboarding.ticks


def untick_archive(record: ClientRecord) -> ClientRecord:
    """`/client unarchive` undoes the archive step too."""
    checklist = record.offboarding
    if checklist is None or ARCHIVED not in checklist.ticks:
        return record
    ticks = {k: v for k, v in checklist.ticks.items() if k != ARCHIVED}
    return replace(record, offboarding=replace(checklist, ticks=ticks))
