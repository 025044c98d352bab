"""Insights from crafted histories: the numbers, and the type they suggest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.insights import Thresholds, insight, reply_delays, trend
from domain.invoices import lateness
from domain.models import Client, ClientRecord, ClientType, Kind, Money
from service.commands import Draft, log

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday
TODAY = NOW.date()


def record_with(*drafts: Draft, client_type: ClientType = ClientType.NONE):
    client = Client("T1", "c1", "Acme", "U1", NOW, client_type=client_type)
    return log(ClientRecord(client), "U1", NOW, *drafts)


def invoices_paid(*days_late: int) -> list[Draft]:
    drafts = []
    for n, late in enumerate(days_late):
        due = date(2026, 1, 1) + timedelta(days=30 * n)
        ref = f"INV-{n + 1}"
        amount = Money(Decimal("500"), "GBP")
        drafts += [
            Draft(Kind.INVOICE, due - timedelta(days=30), amount=amount, ref=ref, due_on=due),
            Draft(Kind.PAID, due + timedelta(days=late), ref=ref),
        ]
    return drafts


def test_reply_delays_count_business_days_from_each_ask_to_the_first_answer() -> None:
    _, events = record_with(
        Draft(Kind.ASKED, date(2026, 11, 6), text="logo"),  # Friday
        Draft(Kind.HEARD, date(2026, 11, 10)),  # Tuesday: 2 business days
        Draft(Kind.ASKED, date(2026, 11, 16), text="copy"),
        Draft(Kind.ASKED, date(2026, 11, 17), text="photos"),
        Draft(Kind.REVISION, date(2026, 11, 20), text="bigger"),  # answers both
        Draft(Kind.ASKED, date(2026, 11, 24), text="never answered"),
    )
    assert reply_delays(events) == [2, 4, 3]


def test_a_slow_replier_is_suggested_unresponsive_with_the_numbers() -> None:
    drafts = []
    for week in range(4):
        monday = date(2026, 10, 5) + timedelta(weeks=week)
        drafts += [
            Draft(Kind.ASKED, monday, text="sign-off"),
            Draft(Kind.HEARD, monday + timedelta(days=4)),  # Friday: 4 business days
        ]
    record, events = record_with(*drafts)
    found = insight(record, events, TODAY)
    assert found.reply_days == 4 and found.replies == 4
    assert found.suggested is ClientType.UNRESPONSIVE
    assert "4 business days" in found.because and "4 requests" in found.because


def test_too_little_evidence_suggests_nothing() -> None:
    record, events = record_with(
        Draft(Kind.ASKED, date(2026, 10, 5)), Draft(Kind.HEARD, date(2026, 10, 20))
    )
    found = insight(record, events, TODAY)
    assert found.reply_days == 11 and found.suggested is None


def test_lateness_is_in_due_date_order_and_its_trend_is_the_drift() -> None:
    record, events = record_with(*invoices_paid(0, 2, 5, 9))
    assert lateness(record.state.invoices) == [0, 2, 5, 9]
    assert trend([0, 2, 5, 9]) == 3.0
    found = insight(record, events, TODAY)
    # The median (3.5 days) is under the 7-day threshold, but they pay 3 days later each time.
    assert found.late_days == 3.5 and found.late_trend == 3.0 and found.paid == 4
    assert found.suggested is ClientType.LATE_PAYER
    assert "+3 days per invoice" in found.because


def test_steady_small_lateness_is_not_a_late_payer() -> None:
    record, events = record_with(*invoices_paid(2, 1, 2, 1))
    found = insight(record, events, TODAY)
    assert found.late_days == 1.5 and found.suggested is None


def test_a_client_already_of_that_type_gets_no_suggestion() -> None:
    record, events = record_with(*invoices_paid(10, 12, 14), client_type=ClientType.LATE_PAYER)
    found = insight(record, events, TODAY)
    assert found.late_days == 12 and found.suggested is None


def test_many_revisions_a_month_suggest_controlling_and_thresholds_are_settings() -> None:
    drafts = [Draft(Kind.REVISION, TODAY - timedelta(days=3 * n), text="again") for n in range(20)]
    record, events = record_with(*drafts)
    found = insight(record, events, TODAY)
    assert found.revisions == 20 and found.revisions_per_month == 6.7
    assert found.suggested is ClientType.CONTROLLING
    stricter = Thresholds(revisions_per_month=10)
    assert insight(record, events, TODAY, stricter).suggested is None


def test_reply_days_skip_holidays_as_the_quiet_rule_does() -> None:
    from domain.calendar import WorkCalendar

    _, events = record_with(
        Draft(Kind.ASKED, date(2026, 12, 23)),  # Wednesday
        Draft(Kind.HEARD, date(2026, 12, 29)),  # Tuesday after Christmas
    )
    assert reply_delays(events) == [4]
    closed = WorkCalendar("", frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    assert reply_delays(events, closed) == [2]
