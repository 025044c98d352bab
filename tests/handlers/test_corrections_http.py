"""Corrections are new lines, never rewrites, over signed HTTP: void by ref or entry id, undo
your last entry, fix a due date, an amount or a date, close one open request; voided lines stay
in the history, marked, and stop counting in every rule, index and report."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from config import Config
from domain.models import Kind
from storage.tinydb_store import TinyDBStore
from tests.checks import history_of, ok, refused
from tests.conftest import Clock
from tests.nudge_pass import nudge_pass
from tests.slack_http import TEAM1, AppServer


def test_voiding_a_mistyped_invoice_removes_the_phantom_debt_everywhere(
    server: AppServer, store: TinyDBStore, clock: Clock, config: Config, slack
) -> None:
    ok(server.slash("add acme as late-payer in <#C0ACME|acme>"))
    ok(server.slash("invoice acme £9,000 due 2026-11-20 #INV-7"))  # meant £900
    assert ":red_circle: 1 overdue" in ok(server.slash("list"))
    before = len(history_of(store, "acme"))

    text = ok(server.slash("void acme #INV-7 typed £9,000 for £900"))
    assert "Voided e2 of *acme*: “typed £9,000 for £900”" in text
    assert "Nothing is outstanding." in text
    # A new line; the invoice line is still there.
    history = history_of(store, "acme")
    assert len(history) == before + 1
    assert history[0].kind is Kind.VOIDED and history[0].target == 2
    assert any(e.kind is Kind.INVOICE and e.ref == "INV-7" for e in history)

    assert "nothing pending" in ok(server.slash("list"))
    assert "*Unpaid invoices:*\nnone" in ok(server.slash("status acme"))
    report = ok(server.slash("report acme"))
    assert "*Invoiced:* nothing" in report and "*outstanding:* nothing" in report
    # No rule fires, and the checks index no longer sends the pass to this client.
    assert nudge_pass(config, store, slack, clock).recorded == []
    client_id = store.find(TEAM1, "acme").client.client_id
    assert client_id not in store.due_for_check(TEAM1, clock.now.date())

    shown = ok(server.slash("history acme"))
    voided_line = next(line for line in shown.splitlines() if "invoice sent #INV-7" in line)
    assert voided_line.startswith("~`e2`") and "*VOIDED* by e3" in voided_line
    assert "`e3` *Fri 27 Nov 2026* · voided e2 #INV-7 “typed £9,000 for £900”" in shown

    # Voided twice, or a void voided: refused, nothing stored.
    assert "already voided (by e3)" in refused(server.slash("void acme #INV-7 again"))
    assert "itself a void" in refused(server.slash("void acme e3 oops"))
    assert len(history_of(store, "acme")) == before + 1


def test_void_by_entry_id_and_the_refusals(server: AppServer, store: TinyDBStore) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("invoice acme £900 due 2026-12-20 #INV-7"))
    ok(server.slash("paid acme £100 #INV-7"))
    text = refused(server.slash("void acme #INV-7 wrong client"))
    assert "#INV-7 has payments logged (e3). Void them first" in text
    assert "needs a reason" not in text
    assert "Say why it is voided" in refused(server.slash("void acme e3"))
    assert "has no entry e99" in refused(server.slash("void acme e99 typo"))
    assert "can't be voided" in refused(server.slash("void acme e1 typo"))

    text = ok(server.slash("void acme e3 the bank reversed it"))
    assert "Still unpaid: #INV-7 (£900.00" in text
    (invoice,) = store.find(TEAM1, "acme").state.invoices
    assert invoice.paid == 0 and invoice.paid_on is None


def test_undo_voids_the_last_entry_you_logged_and_only_yours(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("add bramble"))
    ok(server.slash("invoice acme £900 due 2026-12-20"))
    clock.now += timedelta(minutes=1)
    ok(server.slash("asked bramble the logo files"))
    clock.now += timedelta(minutes=5)
    ok(server.slash("note acme Bob's call notes", user="U0BOB"))

    text = ok(server.slash("undo"))
    # Alice's last entry was the ask to bramble, not Bob's later note.
    assert "Voided e2 of *bramble*." in text
    assert store.find(TEAM1, "bramble").state.open_asks == ()
    text = refused(server.slash("undo"))
    assert "already an undo (it voided e2)" in text

    text = ok(server.slash("undo acme"))
    assert "Voided e2 of *acme*" in text and "Nothing is outstanding." in text
    assert store.find(TEAM1, "acme").state.invoices == ()
    assert any(e.kind is Kind.NOTE for e in history_of(store, "acme"))

    clock.now += timedelta(days=2)
    text = refused(server.slash("undo", user="U0BOB"))
    assert "Nothing you logged in the last 24 hours to undo" in text


def test_undo_of_a_payment_over_several_invoices_voids_every_line(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("invoice acme £200 due 2026-11-20 #A"))
    ok(server.slash("invoice acme £300 due 2026-11-21 #B"))
    ok(server.slash("paid acme £400"))
    text = ok(server.slash("undo"))
    assert "Voided e5, e4 of *acme*" in text
    owed = {i.ref: i.amount.amount - i.paid for i in store.find(TEAM1, "acme").state.unpaid}
    assert owed == {"A": Decimal(200), "B": Decimal(300)}


def test_fix_an_invoice_due_date_amount_and_sent_date_as_new_lines(
    server: AppServer, store: TinyDBStore, clock: Clock, config: Config, slack
) -> None:
    ok(server.slash("add acme as late-payer in <#C0ACME|acme>"))
    # Logged after it fell due, without `on`: its sent date is not known until it is fixed.
    ok(server.slash("invoice acme £900 due 2026-11-20 #INV-7"))
    text = ok(server.slash("fix acme #INV-7 due 2026-12-31"))
    assert "Fixed e2 of *acme*: due 2026-11-20 → 2026-12-31" in text
    assert "superseded by e3" in text
    assert "nothing pending" in ok(server.slash("list"))
    assert nudge_pass(config, store, slack, clock).recorded == []

    ok(server.slash("fix acme #INV-7 amount £800"))
    ok(server.slash("fix acme #INV-7 on 2026-11-02"))
    (invoice,) = store.find(TEAM1, "acme").state.invoices
    assert (invoice.amount.amount, invoice.due_on.isoformat(), invoice.sent_on.isoformat()) == (
        Decimal(800),
        "2026-12-31",
        "2026-11-02",
    )
    shown = ok(server.slash("history acme"))
    assert (
        "*(superseded by e3: due 2026-11-20 → 2026-12-31; e4: amount £900.00 → £800.00; "
        "e5: date not given → 2026-11-02)*" in shown
    )
    assert "`e4` *Fri 27 Nov 2026* · fixed e2 #INV-7 £800.00" in shown

    assert "already due 2026-12-31" in refused(server.slash("fix acme #INV-7 due 2026-12-31"))
    ok(server.slash("paid acme £500 #INV-7"))
    assert "can't be less" in refused(server.slash("fix acme #INV-7 amount £400"))
    assert "`due &lt;date&gt;`, `amount &lt;amount&gt;` or `on &lt;date&gt;`" in refused(
        server.slash("fix acme #INV-7 ref X")
    )


def test_each_open_request_has_its_own_clock_and_closes_on_its_own(
    server: AppServer, store: TinyDBStore, clock: Clock, config: Config, slack
) -> None:
    ok(server.slash("add bramble as unresponsive in <#C0ACME|acme>"))
    ok(server.slash("asked bramble the logo files on 2026-11-20"))
    ok(server.slash("asked bramble sign-off on the March posts on 2026-11-24"))
    status = ok(server.slash("status bramble"))
    assert "• e2 “the logo files” since Fri 20 Nov 2026 (5 business days)" in status
    assert "• e3 “sign-off on the March posts” since Tue 24 Nov 2026 (3 business days)" in status

    # A revision demand answers neither request.
    ok(server.slash("revision bramble make it pop"))
    assert len(store.find(TEAM1, "bramble").state.open_asks) == 2

    # The nudge lists every open request.
    nudge_pass(config, store, slack, clock)
    (nudge,) = store.find(TEAM1, "bramble").nudges.values()
    assert "the logo files and sign-off on the March posts" in nudge.versions[0].text

    assert "matches 0" not in refused(server.slash("done bramble invoices"))
    text = ok(server.slash("done bramble logo"))
    assert "Closed e2 of *bramble*: “the logo files”. 1 other request still open." in text
    (ask,) = store.find(TEAM1, "bramble").state.open_asks
    assert ask.seq == 3
    assert "not an open request" in refused(server.slash("done bramble e2"))
    assert "Nothing else is open." in ok(server.slash("done bramble e3"))


def test_voided_entries_change_no_rule_output(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    """Logging anything and voiding it leaves every view as if it had never been logged."""
    ok(server.slash("add acme as late-payer"))
    ok(server.slash("invoice acme £900 due 2026-11-20 #A"))
    ok(server.slash("asked acme the PO on 2026-11-23"))
    baseline = store.find(TEAM1, "acme").state
    views = (ok(server.slash("status acme")), ok(server.slash("list")))
    for n, command in enumerate(
        (
            "heard acme all sorted",
            "paid acme #A",
            "promised acme 2026-12-20",
            "revision acme bigger",
            "invoice acme £5 due 2026-11-01 #B",
            "snooze acme 1 week",
            "done acme PO",
        )
    ):
        clock.now += timedelta(minutes=n + 1)  # each command its own moment
        ok(server.slash(command))
        ok(server.slash("undo"))
        state = store.find(TEAM1, "acme").state
        assert (state.invoices, state.open_asks, state.snoozed_until) == (
            baseline.invoices,
            baseline.open_asks,
            baseline.snoozed_until,
        ), command
        status = ok(server.slash("status acme"))
        # Only the "Recent" lines differ (they now show the entry and its void).
        assert status.split("*Recent:*")[0] == views[0].split("*Recent:*")[0], command
        assert ok(server.slash("list")) == views[1], command
