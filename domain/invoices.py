"""The facts about an invoice, each answered once: what is still owed, whether it is overdue and
by how many days, whether a promise holds it, and how late it was paid. The nudge rules, status,
list, the report, the insights and the ledger all ask these functions, so no two views can
disagree. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from domain.calendar import days_away
from domain.models import Away, Invoice, Money


def balance(invoice: Invoice) -> Money:
    """What is still owed on it."""
    if invoice.paid_on is not None:
        return Money(Decimal(0), invoice.amount.currency)
    return Money(invoice.amount.amount - invoice.paid, invoice.amount.currency)


def paid_so_far(invoice: Invoice) -> Money:
    owed = balance(invoice)
    return Money(invoice.amount.amount - owed.amount, owed.currency)


def sent_by(invoice: Invoice, day: date) -> bool:
    """It had been sent on `day`, as far as the record knows: an invoice whose sent date was
    never given can take a payment of any date."""
    return invoice.sent_on is None or invoice.sent_on <= day


def is_open(invoice: Invoice) -> bool:
    """Something is still owed on it (its balance is above 0)."""
    return invoice.paid_on is None and invoice.amount.amount > invoice.paid


def days_past_due(invoice: Invoice, today: date) -> int:
    """Days since the due date (0 before it): the invoice's true age, as everyone is told it."""
    return max(0, (today - invoice.due_on).days)


def days_paid_late(invoice: Invoice) -> int | None:
    """Days it was paid in full past its due date (0 on time or early); None while something
    is still owed (a part payment isn't lateness yet)."""
    if invoice.paid_on is None:
        return None
    return days_past_due(invoice, invoice.paid_on)


def paid_late(invoice: Invoice) -> bool:
    """Paid in full, after its due date."""
    return bool(days_paid_late(invoice))


def lateness(invoices: Iterable[Invoice]) -> list[int]:
    """How late each invoice paid in full was (`days_paid_late`), in due-date order (then the
    order they were logged), not the order they were paid: growing numbers are "drift"."""
    paid = sorted((i for i in invoices if i.paid_on is not None), key=lambda i: (i.due_on, i.seq))
    return [days_paid_late(i) or 0 for i in paid]


def overdue_clock(
    invoice: Invoice, today: date, grace_days: int = 0, away: Iterable[Away] = ()
) -> int:
    """Days that count towards chasing it harder: past the due date and the grace, less the
    days the client was on leave (their clock is paused; the invoice is still overdue)."""
    counted = days_past_due(invoice, today) - days_away(invoice.due_on, today, away)
    return max(0, counted - grace_days)


def is_overdue(invoice: Invoice, today: date, grace_days: int = 0) -> bool:
    """Something is still owed and the due date, plus the grace, has passed."""
    # (the date first: it is the cheap test, and most invoices in a record are paid)
    return today > invoice.due_on + timedelta(days=grace_days) and is_open(invoice)


def promise_holds(invoice: Invoice, today: date) -> bool:
    """They promised to pay this invoice by a date that hasn't passed yet."""
    return invoice.promised_by is not None and today <= invoice.promised_by


def promise_broken(invoice: Invoice, today: date) -> bool:
    return invoice.promised_by is not None and today > invoice.promised_by


def chased(invoices: Iterable[Invoice], today: date, grace_days: int = 0) -> list[Invoice]:
    """The overdue invoices to chase today, oldest due first: overdue, and not held by a
    promise (a promise covers only the invoices it was made for)."""
    return sorted(
        (i for i in invoices if is_overdue(i, today, grace_days) and not promise_holds(i, today)),
        key=lambda i: (i.due_on, i.ref),
    )


def overdue(invoices: Iterable[Invoice], today: date, grace_days: int = 0) -> list[Invoice]:
    """Every overdue invoice, promised or not, oldest due first."""
    return sorted(
        (i for i in invoices if is_overdue(i, today, grace_days)), key=lambda i: (i.due_on, i.ref)
    )


def owed(invoices: Iterable[Invoice]) -> list[Money]:
    return [balance(i) for i in invoices if is_open(i)]
