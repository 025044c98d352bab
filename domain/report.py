"""The walk-away pack: what the record says about an engagement, for a final report and a
clean handover. Pure: a function of the client's record, its full history and today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.inputs import totals
from domain.models import ClientRecord, Interaction, Kind, Money


@dataclass(frozen=True)
class EngagementReport:
    since: date | None
    interactions: int
    asks: int
    asks_open: int
    revisions: int
    invoiced: tuple[Money, ...]
    paid: tuple[Money, ...]
    outstanding: tuple[Money, ...]
    overdue_refs: tuple[str, ...]
    # Days late of each paid invoice, in due-date order: growing numbers are "drift".
    days_late: tuple[int, ...]
    nudges_approved: int
    nudges_dismissed: int
    # What the client failed to do, for "we can't meet your needs because you didn't ...".
    reason: str

    @property
    def paid_up(self) -> bool:
        return not self.outstanding


def engagement_report(
    record: ClientRecord, history: list[Interaction], today: date
) -> EngagementReport:
    """Summarise the whole record. `history` is every interaction, in any order."""
    events = sorted(history, key=lambda e: e.seq)
    invoices = {e.ref: e for e in events if e.kind is Kind.INVOICE}
    paid_refs = {e.ref: e for e in events if e.kind is Kind.PAID}
    outstanding = [i for ref, i in invoices.items() if ref not in paid_refs]
    # In due-date order, not the order they were logged: an invoice entered late must not
    # make the trend look better or worse than it is.
    paid_invoices = sorted(
        (inv for ref, inv in invoices.items() if ref in paid_refs and inv.due_on is not None),
        key=lambda inv: (inv.due_on, inv.seq),
    )
    days_late = tuple(
        max(0, (paid_refs[inv.ref].occurred_on - inv.due_on).days)  # type: ignore[operator]
        for inv in paid_invoices
    )
    overdue = tuple(sorted(i.ref for i in outstanding if i.due_on and i.due_on < today))
    asks = sum(1 for e in events if e.kind is Kind.ASKED)
    revisions = sum(1 for e in events if e.kind is Kind.REVISION)
    if overdue:
        reason = "pay on time"
    elif record.state.open_asks or record.client.client_type.value == "unresponsive":
        reason = "respond to our questions in time"
    elif revisions >= 4 or record.client.client_type.value == "controlling":
        reason = "approve work in a way that lets us do the job"
    else:
        reason = "(fill in: respond, approve, pay)"
    return EngagementReport(
        since=min((e.occurred_on for e in events), default=None),
        interactions=len(events),
        asks=asks,
        asks_open=len(record.state.open_asks),
        revisions=revisions,
        invoiced=totals([i.amount for i in invoices.values() if i.amount]),
        paid=totals(
            [invoices[r].amount for r in paid_refs if r in invoices and invoices[r].amount]
        ),
        outstanding=totals([i.amount for i in outstanding if i.amount]),
        overdue_refs=overdue,
        days_late=days_late,
        # From the history, not the summary: finished episodes' nudges leave the summary.
        nudges_approved=sum(1 for e in events if e.kind is Kind.SENT),
        nudges_dismissed=sum(1 for e in events if e.kind is Kind.DISMISSED),
        reason=reason,
    )
