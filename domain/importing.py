"""Reading the clients and invoices an agency already has from a CSV file, and deciding what
importing it would add. Pure: the file's text in, rows or a plan out; service/importing.py
writes the plan.

A file is read in one of several layouts, told apart by its header row: Tactful's own, or the
invoice export of an accounting tool. Every row is checked before anything is planned, and a
file with one bad row is refused whole, each problem named with its line number, so a half
import never has to be untangled.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.commands import MAX_NAME, check_name, check_ref, client_type
from domain.inputs import MAX_DAYS_AHEAD, MIN_DATE, DateOutOfRange, InputError, clean_text, shorten
from domain.models import ClientType, Money, name_key
from domain.money import format_money, is_currency, parse_amount, unknown_currency

DATE_ORDERS = ("dmy", "mdy")
# More problems than this are not worth reading in one go: the file is the wrong kind.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Layout:
    """A CSV layout: for each field Tactful reads, the column headers that hold it."""

    name: str
    columns: Mapping[str, tuple[str, ...]]
    # The fields whose columns a file must have for it to be this layout.
    required: tuple[str, ...]
    # Invoices leave out `paid` or `due`: either gives the balance.
    invoices_required: bool = True


# Headers are compared folded (case, spaces, `*`, `.` and `_` ignored): `*ContactName`,
# `Due Date` and `due_date` all match.
TACTFUL = Layout(
    "Tactful",
    {
        "client": ("client",),
        "contact": ("contact",),
        "type": ("type",),
        "ref": ("invoice",),
        "sent": ("sent",),
        "due_on": ("due",),
        "total": ("total",),
        "paid": ("paid",),
        "paid_on": ("paidon",),
        "currency": ("currency",),
    },
    required=("client",),
    invoices_required=False,
)
XERO = Layout(
    "Xero",
    {
        "client": ("contactname",),
        "ref": ("invoicenumber",),
        "sent": ("invoicedate",),
        "due_on": ("duedate",),
        "total": ("total",),
        "paid": ("invoiceamountpaid", "amountpaid"),
        "due": ("invoiceamountdue", "amountdue"),
        "currency": ("currency",),
    },
    required=("client", "ref", "sent", "due_on", "total"),
)
QUICKBOOKS = Layout(
    "QuickBooks Online",
    {
        "client": ("customer", "customername"),
        "ref": ("num", "no", "invoiceno", "invoicenumber"),
        "sent": ("date", "invoicedate"),
        "due_on": ("duedate",),
        "total": ("amount", "total"),
        "due": ("openbalance", "balance"),
        "currency": ("currency",),
        "kind": ("transactiontype",),
    },
    required=("client", "ref", "sent", "due_on", "total", "due"),
)
# Most specific first: a Xero file has a `Total` too, which Tactful's layout also reads.
LAYOUTS = (XERO, QUICKBOOKS, TACTFUL)
# A report exported from QuickBooks starts with its title lines before the header row.
MAX_LINES_BEFORE_HEADER = 10


class BadFile(Exception):
    """The file can't be imported. `problems` are one line each, with line numbers."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Row:
    """One client, and perhaps one of their invoices, from a line of the file."""

    line: int
    client: str
    contact: str = ""
    client_type: ClientType | None = None
    ref: str = ""
    sent_on: date | None = None
    due_on: date | None = None
    total: Money | None = None
    paid: Decimal = Decimal(0)
    paid_on: date | None = None


@dataclass(frozen=True)
class Parsed:
    layout: Layout
    rows: tuple[Row, ...]
    # Lines left out on purpose (a QuickBooks credit memo, a total line), with why.
    ignored: tuple[str, ...] = ()


def _fold(header: str) -> str:
    return re.sub(r"[\s*._\-]", "", header).casefold()


def read(text: str, today: date, currency: str, dates: str | None = None) -> Parsed:
    """Every row of the file, checked.

    Args:
        text: the file's text.
        today: today in the workspace time zone (nothing can have happened after it).
        currency: the workspace currency, for amounts given without one.
        dates: `dmy` or `mdy` for dates like 03/04/2026; None: worked out from the file.

    Raises:
        BadFile: with every problem found (up to MAX_PROBLEMS), each naming its line.
    """
    numbers, lines = _records(text.lstrip("\ufeff"))
    layout, header_at, columns = _find_header(lines)
    order = dates or _date_order(lines[header_at + 1 :], columns, numbers[header_at + 1 :])
    rows, problems, ignored = [], [], []
    for record, number in zip(lines[header_at + 1 :], numbers[header_at + 1 :], strict=True):
        cells = {f: record[i].strip() if i < len(record) else "" for f, i in columns.items()}
        if not any(c.strip() for c in record):
            continue
        skip = _not_an_invoice(layout, cells, record)
        if skip:
            ignored.append(f"line {number}: {skip}")
            continue
        try:
            rows.append(_row(layout, cells, number, today, currency, order))
        except InputError as err:
            problems.append(f"line {number}: {err}")
            if len(problems) >= MAX_PROBLEMS:
                problems.append("(stopped reading there: fix these first)")
                break
    if not problems:
        problems = _conflicts(rows)
    if problems:
        raise BadFile(problems)
    if not rows:
        raise BadFile(["The file has a header row but no clients or invoices under it."])
    return Parsed(layout, tuple(rows), tuple(ignored))


def _records(text: str) -> tuple[list[int], list[list[str]]]:
    """The file's records, each with the line it starts on as an editor counts them (from 1):
    a quoted cell may span several lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, records, previous = [], [], 0
    try:
        for record in reader:
            starts.append(previous + 1)
            records.append(record)
            previous = reader.line_num
    except csv.Error as err:
        raise BadFile(
            [f"line {previous + 1}: this is not a CSV file I can read ({err})."]
        ) from None
    return starts, records


def _find_header(lines: list[list[str]]) -> tuple[Layout, int, dict[str, int]]:
    for at, record in enumerate(lines[: MAX_LINES_BEFORE_HEADER + 1]):
        folded = [_fold(c) for c in record]
        for layout in LAYOUTS:
            columns = {}
            for name, headers in layout.columns.items():
                found = next((folded.index(h) for h in headers if h in folded), None)
                if found is not None:
                    columns[name] = found
            if all(f in columns for f in layout.required) and (
                layout is not XERO or "paid" in columns or "due" in columns
            ):
                return layout, at, columns
    raise BadFile(
        [
            "I don't recognise this file's columns. Use Tactful's own header row "
            "(client,contact,type,invoice,sent,due,total,paid,paid on,currency), or an invoice "
            "export from Xero (ContactName, InvoiceNumber, InvoiceDate, DueDate, Total, "
            "InvoiceAmountPaid or InvoiceAmountDue) or QuickBooks Online (Date, Num, Customer, "
            "Due Date, Amount, Open Balance). The README's 'Bringing your clients in' shows them."
        ]
    )


def _not_an_invoice(layout: Layout, cells: dict[str, str], record: list[str]) -> str:
    """Why a line of an accounting tool's report is not an invoice to import ("": it is)."""
    # QuickBooks ends its report with `TOTAL` and the sums, under no invoice number; a client
    # called "Total Fitness" is a client.
    first = next((c.strip() for c in record if c.strip()), "")
    if layout is QUICKBOOKS and first.casefold() == "total" and not cells.get("ref"):
        return "a total line"
    kind = cells.get("kind", "")
    if kind and kind.casefold() != "invoice":
        return f"a {shorten(kind)}, not an invoice"
    return ""


def _row(
    layout: Layout, cells: dict[str, str], line: int, today: date, currency: str, order: str
) -> Row:
    name = cells.get("client", "")
    if not name:
        raise InputError("the client's name is missing.")
    name = check_name(name, escaped=False)
    contact = cells.get("contact", "")
    contact = (
        clean_text(contact, what="contact name", escaped=False, name=True, limit=MAX_NAME)
        if contact
        else ""
    )
    kind = client_type(cells["type"]) if cells.get("type") else None
    ref = cells.get("ref", "")
    invoice_cells = ("total", "sent", "due_on", "paid", "due", "paid_on")
    if not ref:
        if layout.invoices_required or any(cells.get(f) for f in invoice_cells):
            raise InputError("the invoice number is missing.")
        return Row(line, name, contact, kind)
    ref = check_ref(ref.removeprefix("#"))
    code = cells.get("currency", "").upper()
    if code and not is_currency(code):
        raise InputError(
            unknown_currency(
                code,
                f"Put the currency the client pays in, like EUR, or leave the column empty "
                f"for {currency}.",
            )
        )
    code = code or currency
    sent = _date(cells.get("sent", ""), order, today, "invoice date")
    due = _date(cells.get("due_on", ""), order, today, "due date", future=True)
    if due < sent:
        raise InputError(
            f"the due date ({due.isoformat()}) is before the invoice date ({sent.isoformat()})."
        )
    total = _amount(cells.get("total", ""), code, "total")
    if total.currency != code:
        raise InputError(f"the total is in {total.currency} but the currency column says {code}.")
    if cells.get("paid"):
        paid = _amount(cells["paid"], code, "amount paid", zero=True).amount
    elif cells.get("due"):
        paid = total.amount - _amount(cells["due"], code, "amount due", zero=True).amount
    else:
        paid = Decimal(0)
    if not 0 <= paid <= total.amount:
        raise InputError(
            f"the amount paid ({format_money(Money(paid, code))}) is more than the total "
            f"({format_money(total)})."
        )
    paid_on = _date(cells["paid_on"], order, today, "paid date") if cells.get("paid_on") else None
    if paid_on is not None and paid_on < sent:
        raise InputError(f"the paid date ({paid_on.isoformat()}) is before the invoice date.")
    return Row(line, name, contact, kind, ref, sent, due, total, paid, paid_on)


_ZERO = re.compile(r"^\D*0+(?:[.,]0+)?\D*$")


def _amount(text: str, currency: str, what: str, zero: bool = False) -> Money:
    if not text:
        if zero:
            return Money(Decimal(0), currency)
        raise InputError(f"the {what} is missing.")
    if text.startswith("-") or text.startswith("(") or "-" in text[:2]:
        raise InputError(f"the {what} `{shorten(text)}` is negative: import invoices, not credits.")
    if zero and _ZERO.match(text):
        return Money(Decimal(0), currency)
    try:
        return parse_amount([text], currency)
    except InputError as err:
        raise InputError(f"the {what}: {err}") from None


# Dates as the exports write them: ISO, or day, month and year in some order with / . or -.
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_WORDY = re.compile(r"^(\d{1,2})[ \-]([A-Za-z]{3})[a-z]*\.?[ \-,]+(\d{4})$")


def _date(text: str, order: str, today: date, what: str, future: bool = False) -> date:
    if not text:
        raise InputError(f"the {what} is missing.")
    cleaned = text.strip()
    try:
        if m := _ISO.match(cleaned):
            value = date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _NUMERIC.match(cleaned):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            day, month = (first, second) if order == "dmy" else (second, first)
            value = date(year, month, day)
        elif (m := _WORDY.match(cleaned)) and m[2].casefold() in _MONTHS:
            value = date(int(m[3]), _MONTHS[m[2].casefold()], int(m[1]))
        else:
            raise ValueError
    except ValueError:
        raise InputError(
            f"I couldn't read the {what} `{shorten(text)}`: write it like 2026-03-31, "
            "31/03/2026 or 31 Mar 2026."
        ) from None
    # The bounds parse_date keeps for typed dates.
    if value < MIN_DATE:
        raise DateOutOfRange(f"the {what} {value.isoformat()} is too far in the past.")
    if not future and value > today:
        raise DateOutOfRange(f"the {what} {value.isoformat()} is in the future.")
    if value > today + timedelta(days=MAX_DAYS_AHEAD):
        raise DateOutOfRange(f"the {what} {value.isoformat()} is more than two years ahead.")
    return value


def _date_order(records: list[list[str]], columns: dict[str, int], numbers: list[int]) -> str:
    """Day first or month first, from the file: a date like 25/03/2026 can only be day first,
    and 03/25/2026 only month first. A file whose every such date fits both is refused."""
    firsts: list[int] = []
    seconds: list[int] = []
    for record, number in zip(records, numbers, strict=True):
        for name in ("sent", "due_on", "paid_on"):
            i = columns.get(name)
            if i is None or i >= len(record):
                continue
            if m := _NUMERIC.match(record[i].strip()):
                (firsts if int(m[1]) > 12 else seconds if int(m[2]) > 12 else []).append(number)
    if firsts and seconds:
        raise BadFile(
            [
                f"Dates are day first on line {firsts[0]} and month first on line {seconds[0]}. "
                "Export the file again with one date format."
            ]
        )
    if firsts:
        return "dmy"
    if seconds:
        return "mdy"
    ambiguous = any(
        _NUMERIC.match(record[i].strip())
        for record in records
        for i in (columns.get(n) for n in ("sent", "due_on", "paid_on"))
        if i is not None and i < len(record)
    )
    if ambiguous:
        raise BadFile(
            [
                "Every date in this file reads both ways (is 03/04/2026 the 3rd of April or "
                "March 4th?). Say which: add `--dates dmy` (day first, as in the UK) or "
                "`--dates mdy` (month first, as in the US)."
            ]
        )
    return "dmy"  # no numeric dates at all: the order is never used


def _conflicts(rows: list[Row]) -> list[str]:
    """An invoice listed twice must say the same both times (Xero lists an invoice once per
    item on it, each line with the invoice's total)."""
    seen: dict[tuple[str, str], Row] = {}
    problems = []
    for row in rows:
        if not row.ref:
            continue
        key = (name_key(row.client), row.ref.casefold())
        first = seen.setdefault(key, row)
        facts = (row.sent_on, row.due_on, row.total, row.paid, row.paid_on)
        if facts != (first.sent_on, first.due_on, first.total, first.paid, first.paid_on):
            problems.append(
                f"line {row.line}: invoice {row.ref} of {row.client} is also on line "
                f"{first.line}, with other dates or amounts. Keep one."
            )
    return problems


# Planning ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewClient:
    name: str
    contact: str = ""
    client_type: ClientType | None = None
    line: int = 0


@dataclass(frozen=True)
class NewInvoice:
    client: str
    ref: str
    sent_on: date
    due_on: date
    total: Money
    paid: Decimal
    paid_on: date
    line: int

    @property
    def balance(self) -> Money:
        return Money(self.total.amount - self.paid, self.total.currency)


@dataclass(frozen=True)
class Skipped:
    client: str
    ref: str
    line: int


@dataclass(frozen=True)
class Plan:
    """What importing a file would add to a workspace, and what is there already."""

    clients: tuple[NewClient, ...] = ()
    invoices: tuple[NewInvoice, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.clients and not self.invoices


def plan(rows: Collection[Row], known: Mapping[str, Collection[str]]) -> Plan:
    """What to add, given what the workspace has.

    Args:
        rows: the file's rows (from `read`).
        known: for each client the workspace has, by name key, the references of every
            invoice ever logged for it (casefolded), paid and voided ones too.
    """
    clients: dict[str, NewClient] = {}
    invoices: list[NewInvoice] = []
    skipped: list[Skipped] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = name_key(row.client)
        if key not in known and key not in clients:
            clients[key] = NewClient(row.client, row.contact, row.client_type, row.line)
        if not row.ref or (key, row.ref.casefold()) in seen:
            continue  # an invoice listed again (one line per item): counted once
        seen.add((key, row.ref.casefold()))
        if row.ref.casefold() in known.get(key, ()):
            skipped.append(Skipped(row.client, row.ref, row.line))
            continue
        assert row.total and row.sent_on and row.due_on
        invoices.append(
            NewInvoice(
                client=clients[key].name if key in clients else row.client,
                ref=row.ref,
                sent_on=row.sent_on,
                due_on=row.due_on,
                total=row.total,
                paid=row.paid,
                paid_on=row.paid_on or row.sent_on,
                line=row.line,
            )
        )
    return Plan(tuple(clients.values()), tuple(invoices), tuple(skipped))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def describe(p: Plan, parsed: Parsed, *, done: bool) -> str:
    """The plan in words, for the person at the terminal: before (`done` False) or after."""
    verb = "Added" if done else "Would add"
    out = [f"Read as a {parsed.layout.name} file: {_count(len(parsed.rows), 'row')}."]
    clients = f"{verb} {_count(len(p.clients), 'new client')}:"
    out.append(clients if p.clients else f"{verb} no new clients.")
    for c in p.clients:
        extra = ", ".join(
            x
            for x in (c.contact and f"contact {c.contact}", c.client_type and c.client_type.value)
            if x
        )
        out.append(f"  + {c.name}" + (f" ({extra})" if extra else ""))
    if p.invoices:
        out.append(f"{verb} {_count(len(p.invoices), 'invoice')}:")
        for i in p.invoices:
            owed = "paid in full" if not i.balance.amount else f"{format_money(i.balance)} owed"
            out.append(
                f"  + {i.client} #{i.ref}: {format_money(i.total)}, sent {i.sent_on.isoformat()}, "
                f"due {i.due_on.isoformat()}, {owed}"
            )
    else:
        out.append(f"{verb} no invoices.")
    if p.skipped:
        out.append(f"Skipped {_count(len(p.skipped), 'invoice')} already in Tactful:")
        out.extend(f"  = {s.client} #{s.ref} (line {s.line})" for s in p.skipped)
    out.extend(f"Ignored {why}" for why in parsed.ignored)
    return "\n".join(out)
