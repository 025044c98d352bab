"""Which invoices a payment settles: the exact balance is accepted, a penny more is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.inputs import InputError
from domain.invoices import balance
from domain.models import Client, ClientRecord, Kind, Money
from domain.payments import payment_drafts
from service.commands import Draft, log

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PAID_ON = date(2026, 11, 20)


def gbp(n: str) -> Money:
    return Money(Decimal(n), "GBP")


def part_paid() -> ClientRecord:
    """#A for £900, £400 of it paid: £500 still owed. #B for £300, untouched."""
    record = ClientRecord(Client("T1", "c1", "Acme", "U1", AT))
    return log(
        record,
        "U1",
        AT,
        Draft(
            Kind.INVOICE, date(2026, 10, 1), amount=gbp("900"), ref="A", due_on=date(2026, 11, 1)
        ),
        Draft(
            Kind.INVOICE, date(2026, 10, 5), amount=gbp("300"), ref="B", due_on=date(2026, 11, 5)
        ),
        Draft(Kind.PAID, date(2026, 11, 10), ref="A", amount=gbp("400")),
    )[0]


def test_paying_exactly_the_balance_of_a_named_invoice_settles_it() -> None:
    record = part_paid()
    (line,) = payment_drafts(record, "A", gbp("500"), PAID_ON)
    assert (line.ref, line.amount, line.text) == ("A", gbp("500"), "paid in full")
    after = log(record, "U1", AT, line)[0]
    assert [i.ref for i in after.state.unpaid] == ["B"]


def test_a_penny_more_than_a_named_invoices_balance_is_refused_with_what_is_owed() -> None:
    with pytest.raises(InputError, match=r"more than the £500.00 still owed on #A"):
        payment_drafts(part_paid(), "A", gbp("500.01"), PAID_ON)


def test_paying_exactly_everything_owed_without_a_ref_settles_every_invoice_oldest_first() -> None:
    record = part_paid()
    lines = payment_drafts(record, "", gbp("800"), PAID_ON)
    assert [(d.ref, d.amount, d.text) for d in lines] == [
        ("A", gbp("500"), "paid in full"),
        ("B", gbp("300"), "paid in full"),
    ]
    after = log(record, "U1", AT, *lines)[0]
    assert not after.state.unpaid and all(balance(i).amount == 0 for i in after.state.invoices)
    with pytest.raises(InputError, match=r"more than the £800.00 Acme owes in GBP"):
        payment_drafts(record, "", gbp("800.01"), PAID_ON)
