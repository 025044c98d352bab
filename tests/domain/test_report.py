"""The walk-away pack, from a record and its full history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from domain.models import Client, ClientRecord, ClientType, Kind, Money
from domain.report import engagement_report
from service.commands import Draft, log

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def record_with(*drafts: Draft, client_type: ClientType = ClientType.NONE):
    client = Client("T1", "c1", "Acme", "U1", NOW, client_type=client_type)
    return log(ClientRecord(client), "U1", NOW, *drafts)


def gbp(n: str) -> Money:
    return Money(Decimal(n), "GBP")


def test_money_drift_and_the_reason_come_from_the_history() -> None:
    record, events = record_with(
        Draft(Kind.INVOICE, date(2026, 9, 1), amount=gbp("900"), ref="A", due_on=date(2026, 10, 1)),
        Draft(Kind.PAID, date(2026, 10, 5), ref="A"),
        Draft(
            Kind.INVOICE, date(2026, 10, 1), amount=gbp("900"), ref="B", due_on=date(2026, 11, 1)
        ),
        Draft(Kind.PAID, date(2026, 11, 12), ref="B"),
        Draft(
            Kind.INVOICE,
            date(2026, 11, 1),
            amount=gbp("500.50"),
            ref="C",
            due_on=date(2026, 11, 20),
        ),
    )
    report = engagement_report(record, events, TODAY)
    assert report.invoiced == (gbp("2300.50"),)
    assert report.paid == (gbp("1800"),) and report.outstanding == (gbp("500.50"),)
    assert report.overdue_refs == ("C",) and not report.paid_up
    assert report.days_late == (4, 11)  # drifting later
    assert report.reason == "pay on time"


def test_unanswered_asks_and_revision_floods_give_their_own_reasons() -> None:
    record, events = record_with(Draft(Kind.ASKED, TODAY, text="logo"))
    assert engagement_report(record, events, TODAY).reason == "respond to our questions in time"
    record, events = record_with(*[Draft(Kind.REVISION, TODAY, text="again")] * 5)
    report = engagement_report(record, events, TODAY)
    assert report.revisions == 5 and report.reason.startswith("approve work")
    assert report.paid_up


def test_nudge_decisions_are_counted_from_the_history() -> None:
    # The summary forgets finished episodes' nudges; the history keeps every decision.
    record, events = record_with(
        Draft(Kind.NOTE, TODAY, text="kick-off"),
        Draft(Kind.APPROVED, TODAY, text="Hi", ref="quiet:ask-1:1"),
        Draft(Kind.SENT, TODAY, text="follow-up sent: Hi", ref="quiet:ask-1:1"),
        Draft(Kind.DISMISSED, TODAY, text="quiet stage 2", ref="quiet:ask-1:2"),
    )
    report = engagement_report(replace(record, nudges={}), events, TODAY)
    assert (report.nudges_approved, report.nudges_dismissed) == (1, 1)


def test_drift_compares_invoices_in_due_date_order_not_the_order_they_were_logged() -> None:
    # The oldest invoice is entered last (found in a drawer): it must not hide the drift.
    record, events = record_with(
        Draft(
            Kind.INVOICE, date(2026, 10, 1), amount=gbp("100"), ref="B", due_on=date(2026, 11, 1)
        ),
        Draft(Kind.PAID, date(2026, 11, 21), ref="B"),  # 20 days late
        Draft(
            Kind.INVOICE, date(2026, 11, 1), amount=gbp("100"), ref="C", due_on=date(2026, 11, 10)
        ),
        Draft(Kind.PAID, date(2026, 12, 10), ref="C"),  # 30 days late
        Draft(Kind.INVOICE, date(2026, 9, 1), amount=gbp("100"), ref="A", due_on=date(2026, 10, 1)),
        Draft(Kind.PAID, date(2026, 10, 3), ref="A"),  # 2 days late
    )
    assert engagement_report(record, events, date(2026, 12, 17)).days_late == (2, 20, 30)
