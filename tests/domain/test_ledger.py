"""The ledger fold and its corrections: part payments keep a balance, and a voided line changes
no rule's output (property), a fixed one counts with its new values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.invoices import balance, chased, is_overdue
from domain.ledger import (
    MAX_PAID_INVOICES_KEPT,
    Draft,
    apply,
    effective,
    every_invoice,
    replay,
)
from domain.models import Client, ClientRecord, ClientState, Interaction, Kind, Money
from domain.nudges import current
from service.commands import log

AT = datetime(2026, 11, 27, 10, tzinfo=UTC)
START = date(2026, 10, 1)


def record() -> ClientRecord:
    return ClientRecord(Client("T1", "c1", "acme", "U1", AT))


def lines(*drafts: Draft) -> list[Interaction]:
    return log(record(), "U1", AT, *drafts)[1]


def gbp(n: str) -> Money:
    return Money(Decimal(n), "GBP")


def test_part_payments_keep_a_balance_and_settle_at_zero() -> None:
    events = lines(
        Draft(Kind.INVOICE, START, amount=gbp("900"), ref="A", due_on=START),
        Draft(Kind.PAID, START, amount=gbp("400"), ref="A"),
    )
    (invoice,) = replay(events).invoices
    assert balance(invoice) == gbp("500") and invoice.paid_on is None
    assert is_overdue(invoice, START + timedelta(days=1))
    events += lines(Draft(Kind.PAID, START + timedelta(days=3), amount=gbp("500"), ref="A"))
    (invoice,) = replay([replace(e, seq=i + 1) for i, e in enumerate(events)]).invoices
    assert balance(invoice) == gbp("0") and invoice.paid_on == START + timedelta(days=3)
    assert not is_overdue(invoice, START + timedelta(days=10))


def test_a_legacy_payment_line_without_an_amount_settles_in_full() -> None:
    (invoice,) = replay(
        lines(
            Draft(Kind.INVOICE, START, amount=gbp("900"), ref="A", due_on=START),
            Draft(Kind.PAID, START, ref="A", text="£900.00, due 2026-10-01"),
        )
    ).invoices
    assert invoice.paid_on == START and balance(invoice).amount == 0


def test_a_promise_with_a_ref_holds_only_that_invoice() -> None:
    state = replay(
        lines(
            Draft(Kind.INVOICE, START, amount=gbp("900"), ref="A", due_on=START),
            Draft(Kind.INVOICE, START, amount=gbp("400"), ref="B", due_on=START),
            Draft(Kind.PROMISED, START + timedelta(days=5), ref="A", due_on=date(2026, 12, 1)),
        )
    )
    assert [i.ref for i in chased(state.invoices, START + timedelta(days=10))] == ["B"]


# A client's life in lines: any of these, in any order, on days from START.
DRAFTS = st.sampled_from(
    [
        lambda d: Draft(Kind.ASKED, d, text="the logo"),
        lambda d: Draft(Kind.HEARD, d),
        lambda d: Draft(Kind.REVISION, d, text="bigger"),
        lambda d: Draft(Kind.INVOICE, d, amount=gbp("900"), ref=f"I{d.day}", due_on=d),
        lambda d: Draft(Kind.PROMISED, d, due_on=d + timedelta(days=7)),
        lambda d: Draft(Kind.SNOOZED, d, ref="quiet", due_on=d + timedelta(days=3)),
        lambda d: Draft(Kind.NOTE, d, text="call"),
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(DRAFTS, st.integers(0, 40)), min_size=1, max_size=25),
    st.data(),
)
def test_a_voided_line_changes_no_rules_output(steps, data) -> None:
    """Voiding any line gives the state, and every nudge the rules call for on any day, that
    never logging it gives."""
    drafts = [make(START + timedelta(days=day)) for make, day in steps]
    events = lines(*drafts)
    victim = data.draw(st.sampled_from(events))
    voided = replay([*events, *lines_after(events, Draft(Kind.VOIDED, START, target=victim.seq))])
    without = replay([e for e in events if e.seq != victim.seq])
    assert (voided.invoices, voided.open_asks, voided.snoozed_until, voided.revisions) == (
        without.invoices,
        without.open_asks,
        without.snoozed_until,
        without.revisions,
    )
    for ahead in (0, 10, 30, 60):
        day = START + timedelta(days=ahead)
        a = current(replace(record(), state=voided), day)
        b = current(replace(record(), state=without), day)
        assert {k: (d.subject, d.stage) for k, d in a.items()} == {
            k: (d.subject, d.stage) for k, d in b.items()
        }


def lines_after(events: list[Interaction], *drafts: Draft) -> list[Interaction]:
    """Drafts numbered after `events`, as the store would number them."""
    start = replace(record(), next_seq=events[-1].seq + 1)
    return log(start, "U1", AT, *drafts)[1]


def test_a_fix_counts_with_its_new_values_and_a_voided_fix_does_not() -> None:
    events = lines(Draft(Kind.INVOICE, START, amount=gbp("900"), ref="A", due_on=START))
    fix = lines_after(events, Draft(Kind.FIXED, START, target=1, due_on=date(2026, 12, 31)))
    (invoice,) = replay([*events, *fix]).invoices
    assert invoice.due_on == date(2026, 12, 31)
    undo = lines_after([*events, *fix], Draft(Kind.VOIDED, START, target=fix[0].seq))
    (invoice,) = replay([*events, *fix, *undo]).invoices
    assert invoice.due_on == START


PAYMENTS = st.sampled_from(
    [
        lambda d: Draft(Kind.INVOICE, d, amount=gbp("900"), ref=f"I{d.day % 9}", due_on=d),
        lambda d: Draft(Kind.PAID, d, amount=gbp("300"), ref=f"I{d.day % 9}"),
        lambda d: Draft(Kind.PAID, d, ref=f"I{d.day % 9}"),
        lambda d: Draft(Kind.PROMISED, d, due_on=d + timedelta(days=7)),
        lambda d: Draft(Kind.ASKED, d, text="the logo"),
        lambda d: Draft(Kind.NOTE, d, text="call"),
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(PAYMENTS, st.integers(0, 60)), min_size=1, max_size=60))
def test_every_invoice_is_the_full_fold_that_forgets_no_paid_invoice(steps) -> None:
    """The report's invoices (a fold that lets paid ones go as it runs) are exactly those of
    a fold that keeps every paid invoice, with more paid invoices than the summary keeps."""
    events = lines(*(make(START + timedelta(days=day)) for make, day in steps))
    state = ClientState()
    for e in effective(events):
        state = apply(state, e, keep_paid=len(events) + 1)
    assert every_invoice(events) == state.invoices


def test_every_invoice_keeps_paid_invoices_the_summary_lets_go() -> None:
    drafts = []
    for n in range(MAX_PAID_INVOICES_KEPT + 5):
        on = START + timedelta(days=n)
        drafts += [
            Draft(Kind.INVOICE, on, amount=gbp("100"), ref=f"R{n}", due_on=on),
            Draft(Kind.PAID, on, ref=f"R{n}"),
        ]
    events = lines(*drafts)
    assert len(replay(events).invoices) == MAX_PAID_INVOICES_KEPT
    assert [i.ref for i in every_invoice(events)] == [f"R{n}" for n in range(len(drafts) // 2)]
