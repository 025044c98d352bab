"""Which invoices a payment settles, and by how much. Pure.

A payment is never lost and never silently turned into something else: it goes to the invoice
named, or without one to the oldest due first, and an amount above what is owed is refused
(Tactful keeps no credit balance: the agency refunds or re-invoices, and logs what was paid).
"""

from __future__ import annotations

from datetime import date

from domain.inputs import InputError
from domain.invoices import balance, sent_by
from domain.ledger import Draft
from domain.models import ClientRecord, Invoice, Kind, Money
from domain.money import format_money


def payment_drafts(
    record: ClientRecord,
    ref: str,
    amount: Money | None,
    on: date,
    *,
    typed: str = "",
    date_typed: str = "",
) -> list[Draft]:
    """One PAID line per invoice the payment goes to, each with the amount it takes.

    Args:
        typed: the amount as typed, and date_typed the date: a refusal names what to type in
            their place (InputError.typed / instead), so the whole command can be repeated.
    """
    name = record.client.name
    unpaid = list(record.state.unpaid)
    if ref:
        invoice = _named(record, ref, unpaid)
        _not_before_sent(record, invoice, on, date_typed)
        return [_line(invoice, _towards(invoice, amount, typed), on)]
    _some_unpaid(record, unpaid)
    # A payment can only go to invoices already sent on the day it was paid.
    sent = [i for i in unpaid if sent_by(i, on)]
    if not sent:
        first = min(unpaid, key=lambda i: (i.sent_on or on, i.seq))
        _not_before_sent(record, first, on, date_typed)
    unpaid = sent
    if amount is None:
        if len(unpaid) > 1:
            raise InputError(
                f"{name} has {len(unpaid)} unpaid invoices; say which one was paid, e.g. "
                f"`/client paid {quote(name)} #{unpaid[0].ref}`, or give the amount and I'll "
                f"settle the oldest due first.{unpaid_hint(unpaid)}"
            )
        return [_line(unpaid[0], balance(unpaid[0]), on)]
    same = sorted(
        (i for i in unpaid if i.amount.currency == amount.currency),
        key=lambda i: (i.due_on, i.seq, i.ref),
    )
    owed = sum((balance(i).amount for i in same), start=amount.amount * 0)
    if not same:
        raise InputError(
            f"{name} owes nothing in {amount.currency}.{unpaid_hint(unpaid)} Write the amount "
            f"in that invoice's currency, e.g. `/client paid {quote(name)} "
            f"{format_money(Money(amount.amount, unpaid[0].amount.currency))}`."
        )
    if amount.amount > owed:
        raise InputError(
            f"{format_money(amount)} is more than the {format_money(Money(owed, amount.currency))} "
            f"{name} owes in {amount.currency}, so part of it would go nowhere. Log what was owed, "
            "and note the refund or invoice the difference.",
            typed=typed,
            instead=_typed_money(Money(owed, amount.currency)),
        )
    lines, left = [], amount.amount
    for invoice in same:
        if not left:
            break
        take = min(left, balance(invoice).amount)
        lines.append(_line(invoice, Money(take, amount.currency), on))
        left -= take
    return lines


def promised_invoice(record: ClientRecord, ref: str) -> Invoice | None:
    """The unpaid invoice a promise to pay names, or None when it names none. Refused as a
    payment would be: a promise is to pay something still owed."""
    unpaid = list(record.state.unpaid)
    if ref:
        return _named(record, ref, unpaid)
    _some_unpaid(record, unpaid)
    return None


def _some_unpaid(record: ClientRecord, unpaid: list[Invoice]) -> None:
    if not unpaid:
        name = record.client.name
        raise InputError(
            f"{name} has no unpaid invoices. Log one with "
            f"`/client invoice {quote(name)} 1200 due in 30 days #INV-1`."
        )


def _named(record: ClientRecord, ref: str, unpaid: list[Invoice]) -> Invoice:
    for invoice in unpaid:
        if invoice.ref.casefold() == ref.casefold():
            return invoice
    name = record.client.name
    if any(i.ref.casefold() == ref.casefold() for i in record.state.invoices):
        raise InputError(f"Invoice #{ref} of {name} is already paid in full.")
    raise InputError(f"{name} has no unpaid invoice #{ref}.{unpaid_hint(unpaid)}")


def _not_before_sent(record: ClientRecord, invoice: Invoice, on: date, date_typed: str) -> None:
    if invoice.sent_on is not None and on < invoice.sent_on:
        sent = f"{invoice.sent_on:%a %-d %b %Y}"
        if date_typed:  # the whole command follows, with `today` for the date
            raise InputError(
                f"Invoice #{invoice.ref} was sent on {sent}: a payment dated {on:%a %-d %b %Y} "
                f"can't be for it. Give the day it was paid, on or after {sent}.",
                typed=date_typed,
                instead="today",
            )
        raise InputError(
            f"Invoice #{invoice.ref} was sent on {sent}: a payment dated {on:%a %-d %b %Y} "
            f"can't be for it. Give the day it was paid, "
            f"e.g. `/client paid {quote(record.client.name)} #{invoice.ref} on today`."
        )


def _typed_money(money: Money) -> str:
    """An amount as it can be typed back: `€1,500`, `£1,200.50`."""
    shown = format_money(money)
    return shown.removesuffix(".00")


def _towards(invoice: Invoice, amount: Money | None, typed: str = "") -> Money:
    owed = balance(invoice)
    if amount is None:
        return owed
    if amount.currency != owed.currency:
        raise InputError(
            f"#{invoice.ref} is in {owed.currency}, and {format_money(amount)} is not. "
            f"Write the amount in {owed.currency}, e.g. `{format_money(owed)}`."
        )
    if amount.amount > owed.amount:
        raise InputError(
            f"{format_money(amount)} is more than the {format_money(owed)} still owed on "
            f"#{invoice.ref}. If they paid it all, log what was owed (and a note for any "
            "refund); for part of it, log what was paid towards it.",
            typed=typed,
            instead=_typed_money(owed),
        )
    return amount


def _line(invoice: Invoice, amount: Money, on: date) -> Draft:
    left = Money(balance(invoice).amount - amount.amount, amount.currency)
    text = "paid in full" if not left.amount else f"{format_money(left)} still owed"
    return Draft(Kind.PAID, on, ref=invoice.ref, amount=amount, text=text)


def unpaid_hint(unpaid: list[Invoice]) -> str:
    if not unpaid:
        return ""
    return (
        " Unpaid: " + ", ".join(f"#{i.ref} ({format_money(balance(i))})" for i in unpaid[:10]) + "."
    )


def quote(name: str) -> str:
    return f'"{name}"' if " " in name else name
