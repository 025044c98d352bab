"""The walk-away pack: what the record says about an engagement, for a final report and a
clean handover. Pure: a function of the client's record, its full history and today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.invoices import balance, is_open, lateness, paid_so_far
from domain.invoices import overdue as overdue_invoices
from domain.ledger import effective, every_invoice
from domain.models import ClientRecord, ClientType, Interaction, Kind, Money
from domain.money import totals
from domain.nudges import DEFAULT_LADDERS, HALF_APPROVAL, Ladders, is_controlling


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
    overdue: tuple[Money, ...]
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
    record: ClientRecord,
    history: list[Interaction],
    today: date,
    ladders: Ladders = DEFAULT_LADDERS,
) -> EngagementReport:
    """Summarise the whole record. `history` is every interaction, in any order. Voided lines
    don't count and fixes do, exactly as in the nudge rules (both fold the same history)."""
    events = list(effective(history))
    # Every invoice, paid long ago or not (the summary keeps only recent paid ones).
    invoices = every_invoice(history)
    outstanding = [i for i in invoices if is_open(i)]
    overdue = overdue_invoices(invoices, today, ladders.grace_days)
    # Drift: how late each settled invoice was, in due-date order, not the order they were
    # logged: an invoice entered late must not make the trend look better or worse than it is.
    days_late = tuple(lateness(invoices))
    asks = sum(1 for e in events if e.kind is Kind.ASKED)
    revisions = sum(1 for e in events if e.kind is Kind.REVISION)
    if overdue:
        reason = "pay on time"
    elif record.state.open_asks or record.client.client_type is ClientType.UNRESPONSIVE:
        reason = "respond to our questions in time"
    elif (
        is_controlling(record, today, ladders)
        or record.client.client_type is ClientType.CONTROLLING
    ):
        reason = "approve work in a way that lets us do the job"
    else:
        reason = "(fill in: respond, approve, pay)"
    return EngagementReport(
        since=min((e.occurred_on for e in events), default=None),
        interactions=len(history),
        asks=asks,
        asks_open=len(record.state.open_asks),
        revisions=revisions,
        invoiced=totals(i.amount for i in invoices),
        paid=totals(paid_so_far(i) for i in invoices),
        outstanding=totals(balance(i) for i in outstanding),
        overdue_refs=tuple(i.ref for i in overdue),
        overdue=totals(balance(i) for i in overdue),
        days_late=days_late,
        # From the history, not the summary: finished episodes' nudges leave the summary.
        # Each approved message once (a second approval, or its sending, is the same message).
        nudges_approved=len(
            {e.ref for e in events if e.kind is Kind.APPROVED and e.text != HALF_APPROVAL}
        ),
        nudges_dismissed=sum(1 for e in events if e.kind is Kind.DISMISSED),
        reason=reason,
    )
