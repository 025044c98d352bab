"""Corrections as new lines, never rewrites: void an entry, undo your last one, fix an invoice's
due date or amount, redate an entry, close one open request. Pure: each takes the client's
record and its whole history (oldest first) and returns the lines to log, or raises InputError
saying why not and what to do instead."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain import commands as cmd
from domain.inputs import InputError
from domain.invoices import paid_so_far
from domain.ledger import Draft, effective
from domain.models import ClientRecord, Interaction, Kind
from domain.money import format_money
from domain.payments import quote

# Lines the team logs with `/client` that can be voided or fixed. The others are changed another
# way (settings with `/client set`, a client with `/client archive`) or are the nudge workflow's
# own record of what was posted and decided.
CORRECTABLE = (
    Kind.ASKED,
    Kind.HEARD,
    Kind.NOTE,
    Kind.REVISION,
    Kind.AGREED,
    Kind.INVOICE,
    Kind.PAID,
    Kind.PROMISED,
    Kind.SNOOZED,
    Kind.DONE,
    Kind.FIXED,
)
# What `/client undo` looks back over: the nudge workflow's lines are not commands you typed.
WORKFLOW = (Kind.NUDGED, Kind.APPROVED, Kind.EDITED, Kind.DISMISSED, Kind.SENT, Kind.CHECKED)
UNDO_WINDOW = timedelta(hours=24)


def voided_by(lines: list[Interaction]) -> dict[int, Interaction]:
    """seq of each voided line -> the VOIDED line that voided it."""
    return {e.target: e for e in lines if e.kind is Kind.VOIDED}


def superseded_by(lines: list[Interaction]) -> dict[int, list[Interaction]]:
    """seq of each fixed line -> the FIXED lines still counting for it, oldest first."""
    voided = voided_by(lines)
    out: dict[int, list[Interaction]] = {}
    for e in sorted(lines, key=lambda e: e.seq):
        if e.kind is Kind.FIXED and e.seq not in voided:
            out.setdefault(e.target, []).append(e)
    return out


def find_entry(record: ClientRecord, lines: list[Interaction], entry: cmd.Entry) -> Interaction:
    name = record.client.name
    voided = voided_by(lines)
    if entry.ref:
        invoices = [
            e for e in lines if e.kind is Kind.INVOICE and e.ref.casefold() == entry.ref.casefold()
        ]
        live = [e for e in invoices if e.seq not in voided]
        if live:
            return live[-1]
        if invoices:
            return invoices[-1]  # voided: the caller says so
        raise InputError(
            f"{name} has no invoice #{entry.ref}. `/client status {quote(name)}` lists them."
        )
    for e in lines:
        if e.seq == entry.seq:
            return e
    raise InputError(
        f"{name} has no entry e{entry.seq}. `/client history {quote(name)}` shows each entry's id."
    )


def describe(e: Interaction) -> str:
    """A line named back in a reply: `e12 (invoice #INV-7, £900.00)`."""
    bits = [e.kind.value]
    if e.ref and e.kind in (Kind.INVOICE, Kind.PAID, Kind.PROMISED):
        bits.append(f"#{e.ref}")
    if e.amount:
        bits.append(format_money(e.amount))
    if e.text and e.kind not in (Kind.PAID,):
        text = e.text if len(e.text) <= 40 else e.text[:39] + "…"
        bits.append(f"“{text}”")
    when = "date not given" if e.undated else e.occurred_on.isoformat()
    return f"{e.short_id} ({' '.join(bits)}, {when})"


def _check_voidable(record: ClientRecord, lines: list[Interaction], target: Interaction) -> None:
    voided = voided_by(lines)
    if target.seq in voided:
        raise InputError(
            f"{describe(target)} is already voided (by {voided[target.seq].short_id})."
        )
    if target.kind is Kind.VOIDED:
        raise InputError(
            f"{target.short_id} is itself a void, which can't be voided: log the entry again "
            "if it should count."
        )
    if target.kind is Kind.ARCHIVED:
        # Archiving is taken back by its opposite, named with the client: ready to paste.
        back = "archive" if target.text == "unarchived" else "unarchive"
        raise InputError(
            f"{describe(target)} can't be voided: `/client {back} "
            f"{quote(record.client.name)}` takes it back."
        )
    if target.kind not in CORRECTABLE:
        raise InputError(
            f"{describe(target)} can't be voided: change settings with `/client set`, the type "
            "with `/client type`, and stop a client's nudges with `/client archive`."
        )
    if target.kind is Kind.INVOICE:
        payments = [
            e
            for e in effective(lines)
            if e.kind is Kind.PAID and e.ref.casefold() == target.ref.casefold()
        ]
        if payments:
            ids = ", ".join(e.short_id for e in payments)
            raise InputError(
                f"#{target.ref} has payments logged ({ids}). Void them first "
                f"(`/client void {quote(record.client.name)} {payments[0].short_id} <reason>`), "
                "then the invoice."
            )


def void_drafts(
    record: ClientRecord, lines: list[Interaction], target: Interaction, reason: str, today: date
) -> list[Draft]:
    _check_voidable(record, lines, target)
    return [Draft(Kind.VOIDED, today, text=reason, ref=target.ref, target=target.seq)]


def logged_later(a: Interaction, b: Interaction) -> bool:
    """Whether `a` was logged after `b` (two clients' lines: within one, seq says it).

    By the order of logging, not by `logged_at`: a pinned or corrected clock can give a later
    line an earlier time. Lines from before the order was kept (0) fall back on the time."""
    if a.order and b.order:
        return a.order > b.order
    return (a.order, a.logged_at) > (b.order, b.logged_at)


def last_command(lines: list[Interaction], user: str, now: datetime) -> list[Interaction]:
    """The lines of the last command `user` logged in this history within UNDO_WINDOW."""
    mine = [
        e
        for e in lines
        if e.logged_by == user and e.kind not in WORKFLOW and now - e.logged_at <= UNDO_WINDOW
    ]
    if not mine:
        return []
    last = max(mine, key=lambda e: e.seq)
    # One command may log several lines at once (a payment over several invoices, a snooze of
    # every situation): consecutive, of one kind, with the same author and moment.
    command = [last]
    by_seq = {e.seq: e for e in mine}
    while (e := by_seq.get(command[-1].seq - 1)) is not None and (
        e.kind is last.kind and e.logged_at == last.logged_at
    ):
        command.append(e)
    return command


def undo_drafts(
    record: ClientRecord, lines: list[Interaction], command: list[Interaction], today: date
) -> list[Draft]:
    if any(e.kind is Kind.VOIDED for e in command):
        undone = ", ".join(f"e{e.target}" for e in command if e.kind is Kind.VOIDED)
        raise InputError(
            f"Your last entry was already an undo (it voided {undone}). To void something "
            f"else, name it: `/client void {quote(record.client.name)} e12 <reason>` "
            "(`/client history` shows the ids)."
        )
    # A payment over several invoices is several lines: undo voids them all, payments first.
    ordered = sorted(command, key=lambda e: (e.kind is Kind.INVOICE, -e.seq))
    drafts: list[Draft] = []
    for target in ordered:
        _check_voidable(record, [*lines, *_as_lines(drafts, lines)], target)
        drafts.append(Draft(Kind.VOIDED, today, text="undo", ref=target.ref, target=target.seq))
    return drafts


def _as_lines(drafts: list[Draft], lines: list[Interaction]) -> list[Interaction]:
    """Drafts as provisional lines, so checks see the voids already planned."""
    last = lines[-1] if lines else None
    return [
        Interaction(
            seq=(last.seq if last else 0) + 1 + i,
            kind=d.kind,
            occurred_on=d.occurred_on,
            logged_by="",
            logged_at=last.logged_at if last else datetime.min,
            ref=d.ref,
            target=d.target,
        )
        for i, d in enumerate(drafts)
    ]


def fix_drafts(
    record: ClientRecord, lines: list[Interaction], target: Interaction, c: cmd.Fix, today: date
) -> list[Draft]:
    voided = voided_by(lines)
    if target.seq in voided:
        raise InputError(f"{describe(target)} is voided: there is nothing left to fix.")
    if target.kind not in CORRECTABLE or target.kind in (Kind.FIXED, Kind.DONE):
        raise InputError(
            f"{describe(target)} can't be fixed. Fix the entry it is about, or void it with "
            f"`/client void {quote(record.client.name)} {target.short_id} <reason>`."
        )
    now = next((e for e in effective(lines) if e.seq == target.seq), target)
    changes = []
    if c.due is not None:
        if target.kind not in (Kind.INVOICE, Kind.PROMISED):
            raise InputError(f"Only an invoice or a promise has a due date; {describe(target)}.")
        if c.due == now.due_on:
            raise InputError(f"{describe(target)} is already due {c.due.isoformat()}.")
        if c.due < now.occurred_on and not now.undated:
            raise InputError(
                f"{c.due.isoformat()} is before {target.short_id} was sent "
                f"({now.occurred_on.isoformat()})."
            )
        changes.append(f"due {_iso(now.due_on)} → {c.due.isoformat()}")
    if c.amount is not None:
        if target.kind is not Kind.INVOICE:
            raise InputError(
                f"Only an invoice's amount can be fixed; void {target.short_id} and log it again."
            )
        invoice = next(
            (i for i in record.state.invoices if i.seq == target.seq or i.ref == target.ref), None
        )
        assert now.amount is not None
        if c.amount.currency != now.amount.currency:
            raise InputError(
                f"#{target.ref} is in {now.amount.currency}: write the amount in it, "
                f"e.g. `{format_money(now.amount)}`."
            )
        if c.amount == now.amount:
            raise InputError(f"#{target.ref} is already {format_money(now.amount)}.")
        if invoice is not None and c.amount.amount < paid_so_far(invoice).amount:
            raise InputError(
                f"{format_money(paid_so_far(invoice))} has already been paid towards "
                f"#{target.ref}: the amount can't be less. Void a payment first if it was wrong."
            )
        changes.append(f"amount {format_money(now.amount)} → {format_money(c.amount)}")
    if c.on is not None:
        if c.on == now.occurred_on and not now.undated:
            raise InputError(f"{describe(target)} is already dated {c.on.isoformat()}.")
        if target.kind is Kind.INVOICE and now.due_on and c.on > now.due_on:
            raise InputError(
                f"#{target.ref} is due {now.due_on.isoformat()}: it can't have been sent after. "
                "Fix the due date first."
            )
        if target.kind is Kind.PAID and target.ref:
            # As `paid` refuses it: a payment can't be for an invoice not yet sent.
            sent = [
                e.occurred_on
                for e in effective(lines)
                if e.kind is Kind.INVOICE and e.ref == target.ref and not e.undated
            ]
            if sent and c.on < min(sent):
                first = min(sent)
                raise InputError(
                    f"Invoice #{target.ref} was sent on {first:%a %-d %b %Y}: a payment dated "
                    f"{c.on:%a %-d %b %Y} can't be for it. Give the day it was paid, on or "
                    f"after that, e.g. `/client fix {quote(record.client.name)} "
                    f"{target.short_id} on {first.isoformat()}`."
                )
        was = "not given" if now.undated else now.occurred_on.isoformat()
        changes.append(f"date {was} → {c.on.isoformat()}")
    return [
        Draft(
            Kind.FIXED,
            today,
            text="; ".join(changes),
            ref=target.ref,
            amount=c.amount,
            due_on=c.due,
            target=target.seq,
            redated=c.on,
        )
    ]


def _iso(d: date | None) -> str:
    return d.isoformat() if d else "none"


def done_drafts(record: ClientRecord, words: str, today: date) -> list[Draft]:
    """Close the one open request named by its id or by words from it."""
    asks = record.state.open_asks
    name = record.client.name
    listing = "; ".join(f"e{a.seq} “{a.what}”" for a in asks[:10])
    if not asks:
        raise InputError(f"Nothing is open with {name}: no request is waiting on them.")
    key = words.strip().casefold()
    if key[:1] == "e" and key[1:].isdigit():
        found = [a for a in asks if a.seq == int(key[1:])]
        if not found:
            raise InputError(f"e{key[1:]} is not an open request of {name}. Open: {listing}.")
    else:
        terms = key.split()
        found = [a for a in asks if all(t in a.what.casefold() for t in terms)]
        if not found:
            raise InputError(f"No open request of {name} mentions “{words}”. Open: {listing}.")
        if len(found) > 1:
            which = "; ".join(f"e{a.seq} “{a.what}”" for a in found[:10])
            raise InputError(
                f"“{words}” matches {len(found)} open requests: {which}. "
                f"Say which by its id, e.g. `/client done {quote(name)} e{found[0].seq}`."
            )
    ask = found[0]
    return [Draft(Kind.DONE, today, text=ask.what, target=ask.seq)]
