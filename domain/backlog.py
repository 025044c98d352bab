"""A backlog that doesn't flood a channel: which of the clients due a first message in one pass
are started now, and what the rest come to (pure: no clock, no I/O).

After an import, a return from holidays or a long outage, hundreds of clients can come due in
one pass, each a message and a thread in the same channel. A pass starts at most BACKLOG_CAP
clients per channel (counting those already started and waiting to post), the most urgent
first, and says in one summary how many more wait; the rest are not recorded at all, so their
ladder doesn't move (nobody warned them) and they come up again on the next pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.nudges import Due

# Clients started per channel in one pass, at most.
BACKLOG_CAP = 10


def days_waiting(due: Due) -> int:
    """How long the situation behind `due` has waited: days overdue, working days quiet, or
    for revision demands the rounds in the window."""
    facts = due.facts
    for name in ("days_overdue", "days", "rounds"):
        value = getattr(facts, name, None)
        if isinstance(value, int):
            return value
    return 0


def urgency(name: str, dues: Sequence[Due]) -> tuple[int, int, str]:
    """Sort key, most urgent first. A client already further up the ladder comes first: it was
    told a next step would follow, and leaving it waiting breaks what the team said. Then the
    one waiting longest (most days overdue or quiet), then by name, so the order is stable."""
    return (-max(d.stage for d in dues), -max(days_waiting(d) for d in dues), name)


@dataclass
class Split:
    """The clients to start now, those held back, and what those are due, counted by
    (situation, stage)."""

    start: list[tuple[str, str, Sequence[Due]]] = field(default_factory=list)
    held: list[tuple[str, str, Sequence[Due]]] = field(default_factory=list)
    counts: Counter[tuple[str, int]] = field(default_factory=Counter)


def split(
    candidates: Sequence[tuple[str, str, Sequence[Due]]], started: int, cap: int = BACKLOG_CAP
) -> Split:
    """Of one channel's `candidates` (client id, name, what is newly due), the ones to start
    now: as many of the most urgent as leave the channel at `cap`, `started` being how many of
    its clients are already started and waiting to post."""
    ranked = sorted(candidates, key=lambda c: urgency(c[1], c[2]))
    room = max(0, cap - started)
    found = Split(start=list(ranked[:room]), held=list(ranked[room:]))
    for _cid, _name, dues in found.held:
        # One count per client, at its furthest step (a client due two things is one reminder
        # to start from Home).
        top = max(dues, key=lambda d: d.stage)
        found.counts[top.situation, top.stage] += 1
    return found
