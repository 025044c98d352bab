"""Bringing in last quarter by hand, over signed HTTP: an invoice logged after its due date
without the day it was sent is not "sent today", payments before the day it was logged are
taken, and the record then reads as what happened: paid late, nothing overdue."""

from __future__ import annotations

from config import Config
from domain.models import Kind
from storage.tinydb_store import TinyDBStore
from tests.checks import history_of, ok, refused
from tests.conftest import Clock
from tests.handlers.test_home_http import opened, texts
from tests.nudge_pass import nudge_pass
from tests.slack_http import TEAM1, AppServer


def test_three_invoices_paid_late_months_ago_are_taken_and_read_as_paid_late(
    server: AppServer, slack, store: TinyDBStore
) -> None:
    # Today is Fri 27 Nov 2026; the invoices fell due in August and were paid 4, 12 and 21
    # days late, three months ago.
    ok(server.slash("add driftco as late-payer owner <@U0ALICE|alice>"))
    for ref, due, paid in (
        ("DR-0", "2026-08-14", "2026-08-18"),
        ("DR-1", "2026-08-10", "2026-08-22"),
        ("DR-2", "2026-08-03", "2026-08-24"),
    ):
        logged = ok(server.slash(f"invoice driftco £100 due {due} #{ref}"))
        assert "sent date not given" in logged and "sent Fri 27 Nov" not in logged
        assert "`/client fix driftco e" in logged  # how to give the day it went out
        assert "Logged £100.00 from *driftco*" in ok(server.slash(f"paid driftco #{ref} on {paid}"))
    invoices = store.find(TEAM1, "driftco").state.invoices
    assert [i.sent_on for i in invoices] == [None, None, None]
    status = ok(server.slash("status driftco"))
    assert "pays a median 12 days late (3 invoices" in status
    assert "overdue" not in status.split("*Habits:*")[0]
    history = ok(server.slash("history driftco"))
    assert "*date not given* · invoice sent #DR-0" in history
    assert "Fri 27 Nov 2026* · invoice sent" not in history
    # Home's overdue total leaves them out: they are paid.
    assert "*Overdue:* nothing." in texts(opened(server, slack))


def test_a_typed_sent_date_still_guards_payments_and_due_dates(server: AppServer) -> None:
    ok(server.slash("add acme"))
    after_due = refused(server.slash("invoice acme £100 due 2026-11-01 on 2026-11-10"))
    assert "Sun 1 Nov 2026" in after_due and "Tue 10 Nov 2026" in after_due
    ok(server.slash("invoice acme £100 due 2026-12-10 on 2026-11-10 #A-1"))
    early = refused(server.slash("paid acme #A-1 on 2026-11-02"))
    assert "was sent on Tue 10 Nov 2026" in early and "Mon 2 Nov 2026" in early


def test_an_undated_invoice_is_named_to_the_client_without_a_sent_day(
    server: AppServer, store: TinyDBStore, slack, clock: Clock, config: Config
) -> None:
    ok(server.slash("add acme as late-payer contact Jo in <#C0ACME|acme>"))
    ok(server.slash("invoice acme £900 due 2026-11-17"))  # ten days ago, numbered by Tactful
    nudge_pass(config, store, slack, clock)
    (nudge,) = store.find(TEAM1, "acme").nudges.values()
    text = nudge.versions[0].text
    assert "payment of £900.00 for our invoice was due on" in text
    assert "sent on" not in text and "27 November" not in text
    # Once the day is given, it is the invoice's sent date.
    (invoice,) = [e for e in history_of(store, "acme") if e.kind is Kind.INVOICE]
    assert invoice.undated
    fixed = ok(server.slash(f"fix acme {invoice.short_id} on 2026-10-18"))
    assert "date not given → 2026-10-18" in fixed
    assert store.find(TEAM1, "acme").state.invoices[0].sent_on.isoformat() == "2026-10-18"


def test_one_day_overdue_is_said_in_the_singular_everywhere(
    server: AppServer, store: TinyDBStore, slack, clock: Clock, config: Config
) -> None:
    ok(server.slash("add acme in <#C0ACME|acme>"))
    ok(server.slash("invoice acme £100 due 2026-11-26 on 2026-11-01"))  # yesterday
    status = ok(server.slash("status acme"))
    assert "*1 day overdue*" in status and "oldest 1 day" in status
    assert "1 days" not in status and "1 days" not in ok(server.slash("list"))
    nudge_pass(config, store, slack, clock)
    alert = slack.messages["C0ACME"][0]["text"]
    assert ", 1 day overdue since" in alert
