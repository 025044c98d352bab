"""Reading a CSV of clients and invoices: the layouts, dates, amounts, bad rows, and the plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from domain import importing
from domain.importing import BadFile, plan, read
from domain.models import ClientType, Money

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
TODAY = date(2026, 11, 27)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def invoices(parsed: importing.Parsed) -> dict[str, tuple]:
    return {r.ref: (r.client, r.sent_on, r.due_on, r.total, r.paid) for r in parsed.rows if r.ref}


def test_tactfuls_own_layout() -> None:
    parsed = read(fixture("tactful.csv"), TODAY, "GBP")
    assert parsed.layout is importing.TACTFUL
    assert invoices(parsed) == {
        "INV-101": (
            "Acme Corp",
            date(2026, 9, 1),
            date(2026, 10, 1),
            Money(Decimal("1200.00"), "GBP"),
            Decimal(200),
        ),
        "INV-102": (
            "Acme Corp",
            date(2026, 10, 15),
            date(2026, 11, 14),
            Money(Decimal(500), "GBP"),
            0,
        ),
        "G-7": ("Globex", date(2026, 8, 1), date(2026, 8, 31), Money(Decimal(2400), "EUR"), 2400),
    }
    first, initech = parsed.rows[0], parsed.rows[-1]
    assert (first.contact, first.client_type, first.paid_on) == (
        "Jane Doe",
        ClientType.LATE_PAYER,
        date(2026, 10, 10),
    )
    # A row without an invoice is a client alone.
    assert (initech.client, initech.ref, initech.client_type) == (
        "Initech",
        "",
        ClientType.UNRESPONSIVE,
    )


def test_xero_export_day_first_one_line_per_item() -> None:
    parsed = read(fixture("xero.csv"), TODAY, "GBP")
    assert parsed.layout is importing.XERO
    got = invoices(parsed)
    # Listed twice (two items), read once; paid from InvoiceAmountPaid; 15/08 is day first.
    assert got["INV-0001"] == (
        "Acme Corp",
        date(2026, 8, 15),
        date(2026, 9, 14),
        Money(Decimal("1800.00"), "GBP"),
        Decimal("600.00"),
    )
    assert got["INV-0002"][3] == Money(Decimal("950.00"), "EUR")
    assert got["INV-0003"][3:] == (Money(Decimal("2500.00"), "USD"), Decimal("2500.00"))


def test_quickbooks_report_month_first_title_lines_credit_memo_and_total() -> None:
    parsed = read(fixture("quickbooks.csv"), TODAY, "GBP")
    assert parsed.layout is importing.QUICKBOOKS
    got = invoices(parsed)
    assert set(got) == {"1001", "1002", "1004"}
    # 09/15/2026 can only be month first: so is 09/03/2026.
    assert got["1001"][1:3] == (date(2026, 9, 3), date(2026, 10, 3))
    # Paid is the amount less the open balance.
    assert got["1002"][3:] == (Money(Decimal("800.00"), "USD"), Decimal("500.00"))
    assert got["1004"][4] == Decimal("400.00")
    assert parsed.ignored == ("line 8: a Credit Memo, not an invoice", "line 10: a total line")


def test_a_bad_row_is_named_by_its_line_and_nothing_is_read() -> None:
    with pytest.raises(BadFile) as err:
        read(fixture("bad.csv"), TODAY, "GBP")
    problems = err.value.problems
    assert len(problems) == 3, problems
    assert problems[0].startswith("line 3: I couldn't read the invoice date `2026-13-45`")
    assert problems[1] == "line 4: the client's name is missing."
    assert problems[2].startswith("line 5: the total: I couldn't read `lots` as an amount")


def test_line_numbers_count_lines_inside_quoted_cells() -> None:
    text = 'client,contact\n"Acme\nCorp",Jane\n,Bob\n'
    with pytest.raises(BadFile) as err:
        read(text, TODAY, "GBP")
    assert err.value.problems == ["line 4: the client's name is missing."]


def test_dates_that_read_both_ways_need_dates_option() -> None:
    with pytest.raises(BadFile) as err:
        read(fixture("ambiguous.csv"), TODAY, "GBP")
    assert "--dates dmy" in err.value.problems[0] and "--dates mdy" in err.value.problems[0]
    assert read(fixture("ambiguous.csv"), TODAY, "GBP", "dmy").rows[0].sent_on == date(2026, 4, 3)
    assert read(fixture("ambiguous.csv"), TODAY, "GBP", "mdy").rows[0].sent_on == date(2026, 3, 4)


def test_twelve_is_a_month_so_12_05_2026_still_reads_both_ways() -> None:
    # 12 May or 5 December (and the other way round): no date here is past 12 on either side, so the file can't tell.
    text = (
        "ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,InvoiceAmountPaid,Currency\n"
        "Acme Corp,INV-1,12/05/2026,05/12/2026,100.00,0.00,GBP\n"
        "Acme Corp,INV-2,03/04/2026,05/06/2026,100.00,0.00,GBP\n"
    )
    with pytest.raises(BadFile) as err:
        read(text, TODAY, "GBP")
    assert "--dates dmy" in err.value.problems[0] and "--dates mdy" in err.value.problems[0]
    first = read(text, TODAY, "GBP", "dmy").rows[0]
    assert (first.sent_on, first.due_on) == (date(2026, 5, 12), date(2026, 12, 5))


def test_day_first_and_month_first_in_one_file_is_refused() -> None:
    text = (
        "ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,InvoiceAmountDue\n"
        "Acme,1,25/03/2026,30/04/2026,10,10\n"
        "Acme,2,03/25/2026,04/30/2026,10,10\n"
    )
    with pytest.raises(BadFile) as err:
        read(text, TODAY, "GBP")
    assert "day first on line 2 and month first on line 3" in err.value.problems[0]


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ("Acme,1,2026-03-01,2026-02-01,10,0", "the due date (2026-02-01) is before"),
        ("Acme,1,2026-03-01,2026-04-01,10,11", "is more than the total"),
        ("Acme,1,2026-03-01,2026-04-01,-10,0", "is negative"),
        ("Acme,1,2027-03-01,2027-04-01,10,0", "in the future"),
        ("Acme,bad ref,2026-03-01,2026-04-01,10,0", "Invoice references use"),
        ("Acme,,2026-03-01,2026-04-01,10,0", "the invoice number is missing"),
        ("help,1,2026-03-01,2026-04-01,10,0", "one of my command words"),
        ("Acme,1,2026-03-01,,10,0", "the due date is missing"),
    ],
)
def test_each_bad_cell_is_refused_with_why(cells: str, problem: str) -> None:
    text = f"ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,InvoiceAmountPaid\n{cells}\n"
    with pytest.raises(BadFile) as err:
        read(text, TODAY, "GBP")
    assert err.value.problems[0].startswith("line 2: ")
    assert problem in err.value.problems[0]


def test_one_invoice_listed_twice_with_other_amounts_is_refused() -> None:
    text = (
        "client,invoice,sent,due,total\n"
        "Acme,INV-1,2026-03-01,2026-04-01,100\n"
        "ACME,inv-1,2026-03-01,2026-04-01,120\n"
    )
    with pytest.raises(BadFile) as err:
        read(text, TODAY, "GBP")
    assert err.value.problems == [
        "line 3: invoice inv-1 of ACME is also on line 2, with other dates or amounts. Keep one."
    ]


def test_unknown_columns_are_refused_naming_the_layouts() -> None:
    with pytest.raises(BadFile) as err:
        read("name,amount\nAcme,10\n", TODAY, "GBP")
    assert "Xero" in err.value.problems[0] and "QuickBooks" in err.value.problems[0]


def test_plan_adds_what_is_missing_and_skips_what_is_there() -> None:
    parsed = read(fixture("tactful.csv"), TODAY, "GBP")
    # Acme exists with INV-101 (any case); Globex and Initech don't.
    p = plan(parsed.rows, {"acme corp": {"inv-101"}})
    assert [c.name for c in p.clients] == ["Globex", "Initech"]
    assert [(i.client, i.ref) for i in p.invoices] == [("Acme Corp", "INV-102"), ("Globex", "G-7")]
    assert [(s.client, s.ref, s.line) for s in p.skipped] == [("Acme Corp", "INV-101", 2)]
    globex = p.invoices[1]
    assert globex.balance == Money(Decimal(0), "EUR") and globex.paid_on == date(2026, 9, 5)
    # Paid with no paid date: the payment is dated the invoice's date.
    assert p.invoices[0].paid_on == date(2026, 10, 15)
    everything = plan(
        parsed.rows, {"acme corp": {"inv-101", "inv-102"}, "globex": {"g-7"}, "initech": set()}
    )
    assert everything.empty and len(everything.skipped) == 3


def test_a_client_whose_name_starts_with_total_is_a_client() -> None:
    text = (
        "ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,InvoiceAmountDue\n"
        "Total Fitness,1,2026-03-01,2026-04-01,10,10\n"
        "TOTAL,2,2026-03-01,2026-04-01,10,10\n"
    )
    assert [r.client for r in read(text, TODAY, "GBP").rows] == ["Total Fitness", "TOTAL"]


def test_a_file_that_is_not_csv_is_refused_with_its_line() -> None:
    with pytest.raises(BadFile) as err:
        read("client\nAcme\n" + "x" * 200_000 + "\n", TODAY, "GBP")
    assert err.value.problems[0].startswith("line 3: this is not a CSV file I can read")


def test_the_plan_counts_one_of_a_thing_in_the_singular() -> None:
    text = "client,invoice,sent,due,total\nGlobex,G-1,2026-10-01,2026-10-31,800\n"
    parsed = read(text, TODAY, "GBP")
    said = importing.describe(plan(parsed.rows, {}), parsed, done=True)
    assert "file: 1 row." in said
    assert "Added 1 new client:" in said
    assert "Added 1 invoice:" in said
    skipped = importing.describe(plan(parsed.rows, {"globex": {"g-1"}}), parsed, done=False)
    assert "Skipped 1 invoice already in Tactful:" in skipped


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "XDR", "XBA", "XSU", "XUA"])
def test_a_currency_column_naming_what_isnt_money_is_refused(code: str) -> None:
    text = (
        "client,contact,type,invoice,sent,due,total,paid,paid on,currency\n"
        f"Acme,,,1,2026-03-01,2026-04-01,100,0,,{code}\n"
    )
    with pytest.raises(BadFile) as err:
        read(text, TODAY, "GBP")
    problem = err.value.problems[0]
    assert problem.startswith(f"line 2: `{code}` (")
    assert "is an ISO code, but not of a currency anyone pays in" in problem
    assert "Put the currency the client pays in, like EUR, or leave the column empty for GBP" in (
        problem
    )
