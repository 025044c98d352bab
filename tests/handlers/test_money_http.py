"""Money as agencies handle it, end to end over signed HTTP: part payments, what is still owed
in every view and in the suggested wording, the workspace currency, sent dates, overpayment,
promises per invoice, and overdue totals per currency in the list and the report."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from config import Config
from config import load as load_config
from domain.models import Kind, Money
from storage.tinydb_store import TinyDBStore
from tests.checks import history_of, ok, refused
from tests.conftest import Clock
from tests.nudge_pass import nudge_pass
from tests.slack_http import TEAM1, AppServer


def test_a_part_payment_leaves_the_balance_owed_everywhere(
    server: AppServer, store: TinyDBStore, clock: Clock, config: Config, slack
) -> None:
    ok(server.slash("add acme as late-payer in <#C0ACME|acme>"))
    ok(server.slash("invoice acme £1,500 due 2026-11-20 on 2026-11-06 #INV-7"))
    text = ok(server.slash("paid acme £1,000 #INV-7"))
    assert "Logged £1,000.00 from *acme*" in text
    assert "£1,000.00 to #INV-7 (£500.00 still owed)" in text
    assert "Still unpaid: #INV-7 (£500.00, due Fri 20 Nov 2026)" in text

    status = ok(server.slash("status acme"))
    assert "#INV-7: £500.00 owed (of £1,500.00, £1,000.00 paid), due Fri 20 Nov 2026" in status
    assert "*7 days overdue*" in status
    assert ":red_circle: 1 overdue (£500.00), oldest 7 days" in status
    listing = ok(server.slash("list"))
    assert ":red_circle: 1 overdue (£500.00)" in listing
    assert "Overdue: £500.00" in listing
    report = ok(server.slash("report acme"))
    assert "*Invoiced:* £1,500.00 · *paid:* £1,000.00 · *outstanding:* £500.00" in report
    assert "*Overdue:* £500.00." in report

    # The suggested wording asks for what is still owed, never the original total.
    nudge_pass(config, store, slack, clock)
    record = store.find(TEAM1, "acme")
    (nudge,) = record.nudges.values()
    assert "£500.00" in nudge.versions[0].text
    assert "£1,500.00" not in nudge.versions[0].text
    alert = slack.messages["C0ACME"][0]["text"]
    assert "£500.00" in alert and "£1,500.00" not in alert

    # Paying the rest (no amount: whatever is still owed) settles it, as a new line.
    text = ok(server.slash("paid acme #INV-7"))
    assert "£500.00 to #INV-7 (paid in full). Nothing is outstanding." in text
    paid = [e.kind for e in history_of(store, "acme") if e.kind is Kind.PAID]
    assert paid == [Kind.PAID, Kind.PAID]
    assert store.find(TEAM1, "acme").state.unpaid == ()


def test_a_payment_without_a_ref_settles_the_oldest_due_first_and_says_so(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("invoice acme £300 due 2026-12-20 #NEW"))
    ok(server.slash("invoice acme £200 due 2026-11-20 #OLD"))
    ok(server.slash("invoice acme €900 due 2026-11-01 #EUR"))
    text = ok(server.slash("paid acme £350"))
    assert "Logged £350.00 from *acme* (oldest due first)" in text
    assert "£200.00 to #OLD (paid in full); £150.00 to #NEW (£150.00 still owed)" in text
    record = store.find(TEAM1, "acme")
    owed = {i.ref: i.amount.amount - i.paid for i in record.state.unpaid}
    # The euro invoice is older, but a payment in pounds never touches it.
    assert owed == {"NEW": Decimal(150), "EUR": Decimal(900)}


def test_overpayment_is_refused_and_nothing_is_stored(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("invoice acme £900 due 2026-12-20 #INV-7"))
    before = [e.kind for e in history_of(store, "acme")]
    text = refused(server.slash("paid acme £1,000 #INV-7"))
    assert "£1,000.00 is more than the £900.00 still owed on #INV-7" in text
    text = refused(server.slash("paid acme £1,000"))
    assert "£1,000.00 is more than the £900.00 acme owes in GBP" in text
    text = refused(server.slash("paid acme €100 #INV-7"))
    assert "#INV-7 is in GBP" in text
    # No ref, another currency: said once, with the command to type instead.
    text = refused(server.slash("paid acme €100"))
    assert "acme owes nothing in EUR. Unpaid: #INV-7 (£900.00)." in text
    assert "e.g. `/client paid acme £100.00`" in text
    assert "unpaid are" not in text
    assert [e.kind for e in history_of(store, "acme")] == before


class TestAWorkspaceInEuros:
    """CURRENCY=EUR: a bare amount is in euros."""

    @pytest.fixture
    def config(self, config: Config) -> Config:
        return replace(config, currency="EUR")

    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("£1.2k", Money(Decimal("1200"), "GBP")),
            ("1 200,50", Money(Decimal("1200.50"), "EUR")),
            ("€2 400", Money(Decimal("2400"), "EUR")),
            ("1.200,50 €", Money(Decimal("1200.50"), "EUR")),
            ("¥1,000", Money(Decimal("1000"), "JPY")),
        ],
    )
    def test_amounts_as_agencies_type_them(
        self, server: AppServer, store: TinyDBStore, typed: str, stored: Money
    ) -> None:
        ok(server.slash("add acme"))
        text = ok(server.slash(f"invoice acme {typed} due 2026-12-20"))
        (invoice,) = store.find(TEAM1, "acme").state.invoices
        assert invoice.amount == stored
        if stored.currency == "JPY":
            assert "¥1,000," in text  # a currency's own decimals: none for yen


def test_an_ambiguous_amount_is_refused_with_the_accepted_forms(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    text = refused(server.slash("invoice acme 1.200 due 2026-12-20"))
    assert "could be read two ways" in text
    # Each reading as the whole command, ready to paste.
    assert "For 1,200, type `/client invoice acme 1,200 due 2026-12-20`." in text
    assert "For 1.20, type `/client invoice acme 1.20 due 2026-12-20`." in text
    assert store.find(TEAM1, "acme").state.invoices == ()


def test_an_invoice_has_a_sent_date_as_well_as_a_due_date(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    text = ok(server.slash("invoice acme £900 due 2026-12-20 on 2026-11-20"))
    assert "£900.00, sent Fri 20 Nov 2026, due Sun 20 Dec 2026" in text
    (invoice,) = store.find(TEAM1, "acme").state.invoices
    assert invoice.sent_on.isoformat() == "2026-11-20"
    (line,) = [e for e in history_of(store, "acme") if e.kind is Kind.INVOICE]
    assert line.occurred_on.isoformat() == "2026-11-20"
    # Without `on`, it was sent today; a due date before a typed sent date is refused.
    assert "sent Fri 27 Nov 2026" in ok(server.slash("invoice acme £5 due 2026-12-20"))
    assert "before the invoice was sent" in refused(
        server.slash("invoice acme £5 due 2026-11-10 on 2026-11-20")
    )


def test_a_promise_on_one_invoice_does_not_silence_another(
    server: AppServer, store: TinyDBStore, clock: Clock, config: Config, slack
) -> None:
    ok(server.slash("add acme as late-payer in <#C0ACME|acme>"))
    ok(server.slash("invoice acme £900 due 2026-11-10 #A"))
    ok(server.slash("invoice acme £400 due 2026-11-12 #B"))
    ok(server.slash("promised acme 2026-12-10 #A"))
    listing = ok(server.slash("list"))
    assert "nothing pending" not in listing
    assert ":red_circle: 1 overdue (£400.00), oldest 15 days" in listing
    assert ":handshake: £900.00 overdue, promised by Thu 10 Dec 2026" in listing
    report = nudge_pass(config, store, slack, clock)
    assert report.recorded == ["acme: overdue:inv-B:1"]  # a first chase is step 1
    (nudge,) = store.find(TEAM1, "acme").nudges.values()
    assert "#B" in nudge.versions[0].text and "#A" not in nudge.versions[0].text


def test_list_and_report_total_overdue_per_currency_and_archived_debts_stay_visible(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("add halcyon"))
    ok(server.slash("invoice acme £900 due 2026-11-20"))
    ok(server.slash("invoice halcyon €2400 due 2026-11-20"))
    ok(server.slash("invoice halcyon £100 due 2026-11-21"))
    ok(server.slash("archive halcyon"))
    listing = ok(server.slash("list"))
    assert "Overdue: €2,400.00 + £1,000.00" in listing
    assert "*halcyon* (archived): €2,400.00 + £100.00 still owed" in listing
    report = ok(server.slash("report halcyon"))
    assert "*outstanding:* €2,400.00 + £100.00" in report


@pytest.mark.parametrize("typed", ["100 XXX", "XAU 100", "XTS100", "100 xdr"])
def test_an_iso_code_that_isnt_money_is_refused_saying_what_to_type(
    server: AppServer, store: TinyDBStore, typed: str
) -> None:
    ok(server.slash("add acme"))
    text = refused(server.slash(f"invoice acme {typed} due 2026-12-20"))
    assert "is an ISO code, but not of a currency anyone pays in" in text
    assert "Use the client's currency, like `EUR`, or leave the code out for GBP" in text
    assert store.find(TEAM1, "acme").state.invoices == ()


def test_each_client_is_asked_to_pay_into_the_account_of_its_currency_and_signed_in_its_language(
    server: AppServer, store: TinyDBStore, clock: Clock, config: Config, slack
) -> None:
    """The settings as bot.py reads and hands them on (config.load, then build_engine)."""
    read = load_config(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "PAYMENT_DETAILS": "Sort code 12-34-56",
            "PAYMENT_DETAILS_EUR": "IBAN IE29 AIBK",
            "PAYMENT_DETAILS_CY": "Cod didoli 12-34-56",
            "SIGN_OFF": "Sam at Bright Agency",
            "SIGN_OFF_CY": "Sam yn Bright Agency",
        }
    )
    names = ("payment_details", "payment_details_by_currency", "payment_details_cy")
    settings = {n: getattr(read, n) for n in (*names, "sign_off", "sign_off_cy")}
    ok(server.slash("add pounds-en in <#C0PEN|p>"))
    ok(server.slash("invoice pounds-en £900 due 2026-11-02 #P1"))
    ok(server.slash("add euros-cy lang cy in <#C0ECY|e>"))
    ok(server.slash("invoice euros-cy €900 due 2026-11-02 #E1"))
    ok(server.slash("add pounds-cy lang cy in <#C0PCY|c>"))
    ok(server.slash("invoice pounds-cy £900 due 2026-11-02 #P2"))
    nudge_pass(replace(config, **settings), store, slack, clock)

    def text(name: str) -> str:
        (nudge,) = store.find(TEAM1, name).nudges.values()
        return nudge.versions[0].text

    # Each payment line is a paragraph of its own; the sign-off ends the message.
    en, cy = "\n\nBest wishes,\nSam at Bright Agency", "\n\nCofion gorau,\nSam yn Bright Agency"
    assert "\n\nPayment details: Sort code 12-34-56\n\n" in text("pounds-en")
    assert text("pounds-en").endswith(en)
    assert "\n\nManylion talu: IBAN IE29 AIBK\n\n" in text("euros-cy")
    assert text("euros-cy").endswith(cy)
    assert "\n\nManylion talu: Cod didoli 12-34-56\n\n" in text("pounds-cy")
    assert text("pounds-cy").endswith(cy)
