"""One fact, one answer: what `/client status`, `/client list`, App Home and the walk-away report
show agrees with what the nudge rules count, for each fact the two could once disagree on
(working days waited, controlling, paid late, overdue). Pure: records built with the ledger's
own fold, views rendered from them, no clock, no files."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from domain.agenda import overdue_in_all
from domain.attention import standing
from domain.calendar import WorkCalendar
from domain.facts import QuietFacts
from domain.insights import insight
from domain.invoices import is_overdue, lateness
from domain.models import Client, ClientRecord, ClientType, Kind, Money
from domain.nudges import (
    CONTROLLING,
    OVERDUE,
    QUIET,
    Ladders,
    current,
    due_nudges,
    is_controlling,
    paid_late_before,
)
from domain.report import engagement_report
from service.commands import Draft, log
from ui import replies
from ui.home import home

AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
# England's bank holidays (Christmas Day, Boxing Day observed on Mon 28 Dec 2026, New Year's
# Day) and the agency closed on Christmas Eve and between the holidays.
CLOSED = frozenset({date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)})
CHRISTMAS = Ladders(calendar=WorkCalendar("GB-ENG", CLOSED))


def gbp(n: str) -> Money:
    return Money(Decimal(n), "GBP")


def record_with(*drafts: Draft, name: str = "Acme", **client: object):
    """The record and its full history after logging `drafts`."""
    c = Client("T1", name.lower(), name, "U1", AT, **client)  # type: ignore[arg-type]
    return log(ClientRecord(c), "U1", AT, *drafts)


def status_text(record: ClientRecord, today: date, ladders: Ladders) -> str:
    return json.dumps(replies.status(record, [], today, ladders).blocks, ensure_ascii=False)


def waited_in_status(record: ClientRecord, today: date, ladders: Ladders) -> dict[int, int]:
    """Each open request's business days, as `/client status` shows them: {seq: days}."""
    shown = status_text(record, today, ladders)
    return {int(seq): int(n) for seq, n in re.findall(r"e(\d+) .*? \((\d+) business days\)", shown)}


# working days -------------------------------------------------------------------------------
def test_status_counts_a_wait_across_christmas_and_a_leave_as_the_quiet_rule_does() -> None:
    record, _ = record_with(
        Draft(Kind.ASKED, date(2026, 12, 18), text="the logo files"),  # a Friday
        # On leave the first week of January, back on Monday 11th.
        Draft(Kind.AWAY, date(2027, 1, 4), due_on=date(2027, 1, 11)),
    )
    today = date(2027, 1, 13)
    facts = current(record, today, CHRISTMAS)[QUIET].facts
    assert isinstance(facts, QuietFacts)
    # Mon 21 to Wed 23 Dec, then Mon 11 to Wed 13 Jan: Christmas Eve and the days between the
    # holidays closed, the bank holidays off, and the week away paused.
    assert facts.days == 6
    assert waited_in_status(record, today, CHRISTMAS) == {1: 6}
    # The overview's quiet count is the rule's too.
    assert standing(record, today, CHRISTMAS).quiet_days == 6


def test_a_request_made_just_before_a_leave_is_not_chased_as_if_the_leave_were_working_days() -> (
    None
):
    record, _ = record_with(
        Draft(Kind.ASKED, date(2026, 12, 18), text="the logo files"),
        Draft(Kind.ASKED, date(2026, 12, 31), text="the footer text"),
        Draft(Kind.AWAY, date(2027, 1, 4), due_on=date(2027, 1, 11)),
    )
    today = date(2027, 1, 12)
    waited = waited_in_status(record, today, CHRISTMAS)
    assert waited == {1: 5, 2: 2}  # the second has waited Mon 11 and Tue 12 only
    (due,) = due_nudges(record, today, CHRISTMAS)
    assert isinstance(due.facts, QuietFacts)
    # Its quiet days (3) are not up: it is mentioned apart, not chased as gone quiet.
    assert [a.seq for a in due.facts.asks] == [1]
    assert [a.seq for a in due.facts.fresh] == [2]


# controlling --------------------------------------------------------------------------------
def test_the_report_calls_a_client_controlling_exactly_when_the_rule_does() -> None:
    today = date(2026, 11, 27)
    spread = [Draft(Kind.REVISION, date(2026, 9, d), text="again") for d in (1, 8, 15, 22, 29)]
    recent = [Draft(Kind.REVISION, date(2026, 11, d), text="again") for d in (20, 26)]
    strict = Ladders(controlling_counts=(2, 3, 5))
    cases = [
        # Five rounds, but weeks apart: no pattern inside the window, so no reason given.
        (spread, Ladders(), False),
        # Two rounds in the window: a pattern with CONTROLLING_REVISIONS=2,3,5, not with 4.
        (recent, Ladders(), False),
        (recent, strict, True),
        (spread + recent, strict, True),
    ]
    for drafts, ladders, expected in cases:
        record, history = record_with(*drafts)
        rule = CONTROLLING in current(record, today, ladders)
        report = engagement_report(record, history, today, ladders)
        assert rule is is_controlling(record, today, ladders) is expected
        assert report.reason.startswith("approve work") is expected
        assert replies.status(record, [], today, ladders).text  # renders
        assert standing(record, today, ladders).controlling is expected


def test_a_client_marked_controlling_is_given_that_reason_whatever_the_count() -> None:
    record, history = record_with(client_type=ClientType.CONTROLLING)
    report = engagement_report(record, history, date(2026, 11, 27))
    assert report.reason.startswith("approve work")


# paid late ----------------------------------------------------------------------------------
def test_paid_late_is_the_same_in_the_report_the_insight_and_the_wording() -> None:
    drafts = []
    for n, (due, paid) in enumerate([(3, 3), (10, 12), (17, 16), (24, 30)]):
        ref = f"A{n}"
        drafts += [
            Draft(
                Kind.INVOICE,
                date(2026, 9, 1),
                amount=gbp("100"),
                ref=ref,
                due_on=date(2026, 10, due),
            ),
            Draft(Kind.PAID, date(2026, 10, paid), ref=ref),
        ]
    # Part paid, after its due date: not late yet, nothing to count until it is paid in full.
    drafts += [
        Draft(Kind.INVOICE, date(2026, 9, 1), amount=gbp("100"), ref="B", due_on=date(2026, 10, 1)),
        Draft(Kind.PAID, date(2026, 10, 20), ref="B", amount=gbp("40")),
    ]
    record, history = record_with(*drafts)
    today = date(2026, 11, 27)
    report = engagement_report(record, history, today)
    assert report.days_late == (0, 2, 0, 6)
    assert tuple(lateness(record.state.invoices)) == report.days_late
    assert insight(record, history, today).late_days == 1.0  # the median of the same numbers
    assert paid_late_before(record.state.invoices) is True
    on_time, _ = record_with(*drafts[:2], *drafts[4:6])
    assert paid_late_before(on_time.state.invoices) is False
    assert engagement_report(on_time, _, today).days_late == (0, 0)


# overdue and owed ---------------------------------------------------------------------------
def test_home_and_the_list_show_the_same_overdue_total_archived_and_promised_included() -> None:
    today = date(2026, 11, 27)
    acme, _ = record_with(
        Draft(
            Kind.INVOICE, date(2026, 10, 1), amount=gbp("1850"), ref="A", due_on=date(2026, 11, 1)
        )
    )
    globex, _ = record_with(
        Draft(
            Kind.INVOICE, date(2026, 10, 1), amount=gbp("1200"), ref="G", due_on=date(2026, 11, 2)
        ),
        name="Globex",
    )
    globex = replace(globex, client=replace(globex.client, archived=True))
    initech, _ = record_with(
        Draft(
            Kind.INVOICE, date(2026, 10, 1), amount=gbp("400"), ref="I", due_on=date(2026, 11, 3)
        ),
        Draft(Kind.PROMISED, today, ref="I", due_on=date(2026, 12, 4)),
        name="Initech",
    )
    standings = [standing(r, today) for r in (acme, globex, initech)]
    total = overdue_in_all(standings)
    assert total.owed == (gbp("3450"),) and total.invoices == 3 and total.clients == 3
    assert total.archived == (gbp("1200"),)
    listing = replies.client_list(standings)
    assert listing.text.endswith("Overdue: £3,450.00")
    shown = json.dumps(home(standings, viewer="U1", today=today), ensure_ascii=False)
    assert (
        "*Overdue:* £3,450.00, on 3 invoices of 3 clients "
        "(£1,200.00 of it owed by archived clients)." in shown
    )


def test_an_invoice_on_its_due_date_is_overdue_nowhere() -> None:
    due = date(2026, 11, 27)
    record, history = record_with(
        Draft(Kind.INVOICE, date(2026, 11, 1), amount=gbp("500"), ref="A", due_on=due)
    )
    (invoice,) = record.state.invoices
    assert not is_overdue(invoice, due)
    assert OVERDUE not in current(record, due)
    assert not due_nudges(record, due)
    s = standing(record, due)
    assert s.overdue_count == 0 and s.overdue_owed == () and s.owed == (gbp("500"),)
    assert "overdue" not in status_text(record, due, Ladders()).lower()
    report = engagement_report(record, history, due)
    assert report.overdue == () and report.overdue_refs == ()
    assert "Overdue" not in replies.client_list([s]).text
    # The day after, every view says so.
    after = date(2026, 11, 28)
    assert OVERDUE in current(record, after)
    assert standing(record, after).overdue_count == 1
    assert engagement_report(record, history, after).overdue_refs == ("A",)
