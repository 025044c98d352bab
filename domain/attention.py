"""What needs the team's attention on a client today, for `status` and `list`. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import business_days_between
from domain.models import Ask, ClientRecord, Invoice

CONTROLLING_WINDOW_DAYS = 14
CONTROLLING_THRESHOLD = 4


@dataclass(frozen=True)
class Attention:
    quiet_ask: Ask | None  # the oldest ask past the client's quiet threshold
    quiet_days: int  # business days since that ask
    overdue: tuple[Invoice, ...]
    days_overdue: int  # of the oldest overdue invoice
    recent_revisions: int

    @property
    def score(self) -> int:
        """Bigger means more urgent; 0 means nothing needs doing."""
        return (
            (1000 + self.days_overdue if self.overdue else 0)
            + (100 + self.quiet_days if self.quiet_ask else 0)
            + (10 + self.recent_revisions if self.recent_revisions >= CONTROLLING_THRESHOLD else 0)
        )


def attention(record: ClientRecord, today: date, grace_days: int = 0) -> Attention:
    state = record.state
    quiet_ask, quiet_for = None, 0
    if state.open_asks:
        oldest = min(state.open_asks, key=lambda a: a.asked_on)
        waited = business_days_between(oldest.asked_on, today)
        if waited >= record.client.quiet_days:
            quiet_ask, quiet_for = oldest, waited
    overdue = tuple(
        sorted(
            (i for i in state.unpaid if today > i.due_on + timedelta(days=grace_days)),
            key=lambda i: i.due_on,
        )
    )
    since = today - timedelta(days=CONTROLLING_WINDOW_DAYS)
    recent = sum(1 for d in state.revisions if d > since)
    return Attention(
        quiet_ask=quiet_ask,
        quiet_days=quiet_for,
        overdue=overdue,
        days_overdue=(today - overdue[0].due_on).days if overdue else 0,
        recent_revisions=recent,
    )
