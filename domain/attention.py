"""What needs the team's attention on a client today, for `status` and `list`. Pure.

Read off the nudge rules themselves (domain/nudges.py), so the overview and the nudges can't
disagree about who is quiet, overdue or controlling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.invoices import balance, overdue, promise_holds
from domain.models import ClientRecord, Invoice, Money
from domain.money import totals
from domain.nudges import CONTROLLING, DEFAULT_LADDERS, OVERDUE, QUIET, Ladders, current


@dataclass(frozen=True)
class Attention:
    quiet_days: int  # business days the oldest open ask has waited, once past the threshold
    overdue: tuple[Invoice, ...]
    days_overdue: int  # of the oldest overdue invoice
    recent_revisions: int  # revision demands within the controlling window
    controlling: bool  # enough of them to count as a pattern
    window_days: int
    # Overdue but held by a promise that hasn't come due yet: not chased, still owed.
    promised: tuple[Invoice, ...] = ()

    @property
    def overdue_owed(self) -> tuple[Money, ...]:
        """What is still owed on every overdue invoice, promised or not, per currency."""
        return totals(balance(i) for i in (*self.overdue, *self.promised))

    @property
    def score(self) -> int:
        """Bigger means more urgent; 0 means nothing needs doing."""
        return (
            (1000 + self.days_overdue if self.overdue else 0)
            + (100 + self.quiet_days if self.quiet_days else 0)
            + (10 + self.recent_revisions if self.controlling else 0)
        )


def attention(record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS) -> Attention:
    now = current(record, today, ladders)
    quiet, overdue, controlling = now.get(QUIET), now.get(OVERDUE), now.get(CONTROLLING)
    since = today - timedelta(days=ladders.controlling_window_days)
    return Attention(
        quiet_days=int(quiet.facts["days"]) if quiet else 0,  # type: ignore[call-overload]
        overdue=tuple(overdue.facts["invoices"]) if overdue else (),  # type: ignore[arg-type]
        days_overdue=int(overdue.facts["days_overdue"]) if overdue else 0,  # type: ignore[call-overload]
        recent_revisions=sum(1 for d in record.state.revisions if d > since),
        controlling=controlling is not None,
        window_days=ladders.controlling_window_days,
        promised=tuple(
            i for i in overdue_invoices(record, today, ladders) if promise_holds(i, today)
        ),
    )


def overdue_invoices(
    record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> list[Invoice]:
    """Every overdue invoice of the client, promised or not, oldest due first."""
    return overdue(record.state.invoices, today, ladders.grace_days)
