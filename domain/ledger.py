"""How each logged interaction changes what is open with a client.

`apply` is a pure fold: state + interaction -> new state. Storage keeps its result beside the
history so the scheduler reads one small summary per client instead of every interaction.

Corrections are new lines too. A DONE line folds like any other; a VOIDED or FIXED line
changes how an earlier line counts, which a summary alone can't undo, so the state is then
rebuilt from the whole history by `replay`, skipping voided lines and applying fixes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from domain.invoices import balance, is_open, is_overdue
from domain.models import Answer, Ask, Away, ClientState, Interaction, Invoice, Kind, Money


@dataclass(frozen=True)
class Draft:
    """An interaction before storage numbers it (service.commands.log does)."""

    kind: Kind
    occurred_on: date
    text: str = ""
    amount: Money | None = None
    ref: str = ""
    due_on: date | None = None
    link: str = ""
    target: int = 0
    redated: date | None = None
    undated: bool = False


# Only recent revision demands matter to the controlling-pattern rule; keep the list bounded
# so a client's summary never grows with its history.
MAX_REVISIONS_KEPT = 50
# Unanswered asks kept in the summary. The oldest always stays (it runs the quiet clock); past
# the cap the ones in between drop out of the summary, never out of the history.
MAX_OPEN_ASKS = 50
# Paid invoices are kept a while for payment-drift context, then dropped from the summary
# (they stay in the full history).
MAX_PAID_INVOICES_KEPT = 12
# Requests answered one by one kept in the summary: enough to thank the client for what came.
MAX_ANSWERS_KEPT = 10
# Periods of leave kept in the summary: enough to pause any clock still running.
MAX_AWAY_KEPT = 24
# Replies logged from the shared channel whose message keys are kept to recognise a second
# delivery. Slack retries within minutes, so the newest few hundred are plenty.
MAX_REPLIES_KEPT = 200
# The text of an INVOICE line whose reference Tactful made up: the client has never seen it.
AUTO_REF_NOTE = "reference numbered by Tactful"


def _later(a: date | None, b: date) -> date:
    return b if a is None or b > a else a


def _bounded(asks: tuple[Ask, ...]) -> tuple[Ask, ...]:
    if len(asks) <= MAX_OPEN_ASKS:
        return asks
    return (asks[0], *asks[-(MAX_OPEN_ASKS - 1) :])


# The only kinds whose line changes an invoice (`apply`): a fold for invoices alone skips the
# rest (tests/domain/test_ledger.py checks it against the full fold).
INVOICE_KINDS = frozenset({Kind.INVOICE, Kind.PAID, Kind.PROMISED})
# Lines that correct others: folding them needs the whole history (see `replay`).
CORRECTIONS = (Kind.VOIDED, Kind.FIXED)


def apply(
    state: ClientState, event: Interaction, keep_paid: int = MAX_PAID_INVOICES_KEPT
) -> ClientState:
    """Return the state after `event`. Kinds that don't change what is open leave it as is
    (VOIDED and FIXED among them: `replay` gives them their effect)."""
    state = replace(state, interactions=state.interactions + 1)
    kind = event.kind
    if kind is Kind.ASKED:
        ask = Ask(
            seq=event.seq, what=event.text, asked_on=event.occurred_on, asked_by=event.logged_by
        )
        return replace(
            state,
            open_asks=_bounded((*state.open_asks, ask)),
            last_contact_on=_later(state.last_contact_on, event.occurred_on),
        )
    if kind is Kind.HEARD and event.target:
        # A reply to one request of several: it closes that one only.
        answered = next((a for a in state.open_asks if a.seq == event.target), None)
        answers = state.answers
        if answered is not None:
            answer = Answer(answered.seq, answered.what, event.occurred_on)
            answers = (*answers, answer)[-MAX_ANSWERS_KEPT:]
        return replace(
            state,
            open_asks=tuple(a for a in state.open_asks if a.seq != event.target),
            answers=answers,
            partly_heard_on=_later(state.partly_heard_on, event.occurred_on),
            last_heard_on=_later(state.last_heard_on, event.occurred_on),
            last_contact_on=_later(state.last_contact_on, event.occurred_on),
        )
    if kind is Kind.HEARD:
        replies = state.replies_logged
        if event.ref:
            replies = (*replies, event.ref)[-MAX_REPLIES_KEPT:]
        return replace(
            state,
            replies_logged=replies,
            open_asks=tuple(a for a in state.open_asks if a.asked_on > event.occurred_on),
            last_heard_on=_later(state.last_heard_on, event.occurred_on),
            last_contact_on=_later(state.last_contact_on, event.occurred_on),
        )
    if kind is Kind.REVISION:
        # The client was in touch, but a demand for changes answers none of our requests:
        # they stay open, each on its own quiet clock.
        return replace(
            state,
            last_heard_on=_later(state.last_heard_on, event.occurred_on),
            last_contact_on=_later(state.last_contact_on, event.occurred_on),
            revisions=(*state.revisions, event.occurred_on)[-MAX_REVISIONS_KEPT:],
        )
    if kind is Kind.DONE:
        return replace(state, open_asks=tuple(a for a in state.open_asks if a.seq != event.target))
    if kind is Kind.INVOICE:
        assert event.amount is not None and event.due_on is not None
        invoice = Invoice(
            ref=event.ref,
            amount=event.amount,
            due_on=event.due_on,
            sent_on=None if event.undated else event.occurred_on,
            seq=event.seq,
            auto_ref=event.text == AUTO_REF_NOTE,
        )
        return replace(state, invoices=(*state.invoices, invoice))
    if kind is Kind.PAID:
        invoices = tuple(
            _pay(i, event) if i.ref == event.ref and i.paid_on is None else i
            for i in state.invoices
        )
        return replace(
            state,
            invoices=_kept(invoices, keep_paid)[0],
            last_heard_on=_later(state.last_heard_on, event.occurred_on),
            last_contact_on=_later(state.last_contact_on, event.occurred_on),
        )
    if kind is Kind.PROMISED:
        assert event.due_on is not None
        # A promise without a ref covers what is overdue when it is made (or, if nothing is
        # yet, everything unpaid): not invoices that fall due later.
        unpaid = [i for i in state.invoices if is_open(i)]
        overdue = {i.ref for i in unpaid if is_overdue(i, event.occurred_on)}
        covered = {event.ref} if event.ref else (overdue or {i.ref for i in unpaid})
        invoices = tuple(
            replace(i, promised_by=event.due_on) if is_open(i) and i.ref in covered else i
            for i in state.invoices
        )
        return replace(
            state,
            invoices=invoices,
            last_heard_on=_later(state.last_heard_on, event.occurred_on),
            last_contact_on=_later(state.last_contact_on, event.occurred_on),
        )
    if kind is Kind.SNOOZED:
        assert event.due_on is not None
        return replace(state, snoozed_until={**state.snoozed_until, event.ref: event.due_on})
    if kind is Kind.AGREED:
        return replace(state, agreed=event.text, agreed_on=event.occurred_on)
    if kind is Kind.AWAY:
        assert event.due_on is not None
        return replace(state, away=on_leave(state.away, event.occurred_on, event.due_on))
    if kind is Kind.SENT:
        return replace(state, last_contact_on=_later(state.last_contact_on, event.occurred_on))
    return state


def _kept(
    invoices: tuple[Invoice, ...], keep_paid: int
) -> tuple[tuple[Invoice, ...], tuple[Invoice, ...]]:
    """The invoices a summary keeps (every open one and the newest `keep_paid` paid ones), and
    the paid ones it lets go."""
    paid = [n for n, i in enumerate(invoices) if i.paid_on is not None]
    if len(paid) <= keep_paid:
        return invoices, ()
    drop = set(paid[: len(paid) - keep_paid])
    return (
        tuple(i for n, i in enumerate(invoices) if n not in drop),
        tuple(invoices[n] for n in sorted(drop)),
    )


def on_leave(periods: tuple[Away, ...], start: date, until: date) -> tuple[Away, ...]:
    """The leave after "from `start` on, away until `until`": what was booked from `start` on
    is replaced, so a new date moves the return and `until == start` (back early) ends it."""
    kept = []
    for p in periods:
        if p.start >= start:
            continue
        kept.append(replace(p, until=min(p.until, start)))
    if until > start:
        kept.append(Away(start, until))
    return tuple(kept[-MAX_AWAY_KEPT:])


def _pay(invoice: Invoice, event: Interaction) -> Invoice:
    """A payment towards `invoice`: its amount, or (a line without one) whatever was owed."""
    owed = balance(invoice).amount
    paid = invoice.paid + (event.amount.amount if event.amount else owed)
    settled = paid >= invoice.amount.amount
    return replace(
        invoice,
        paid=paid,
        paid_on=event.occurred_on if settled else None,
        last_paid_on=_later(invoice.last_paid_on, event.occurred_on),
    )


def effective(events: Iterable[Interaction]) -> Iterator[Interaction]:
    """The lines that count, oldest first, as their corrections left them: voided lines and the
    correction lines themselves left out, each FIXED line's values put into its target."""
    ordered = sorted(events, key=lambda e: e.seq)
    voided = {e.target for e in ordered if e.kind is Kind.VOIDED}
    fixes: dict[int, list[Interaction]] = {}
    for e in ordered:
        if e.kind is Kind.FIXED and e.seq not in voided:
            fixes.setdefault(e.target, []).append(e)
    for e in ordered:
        if e.seq in voided or e.kind in CORRECTIONS:
            continue
        for fix in fixes.get(e.seq, ()):
            e = replace(
                e,
                due_on=fix.due_on or e.due_on,
                amount=fix.amount or e.amount,
                occurred_on=fix.redated or e.occurred_on,
                undated=e.undated and fix.redated is None,
            )
        yield e


def replay(events: Iterable[Interaction]) -> ClientState:
    """The state from the whole history: what `apply` gives line by line, with every correction
    taken into account."""
    events = list(events)
    state = ClientState()
    for e in effective(events):
        state = apply(state, e)
    # A shared-channel reply stays "seen" even once voided: Slack redelivering it must not log
    # it again.
    seen = tuple(
        e.ref for e in sorted(events, key=lambda e: e.seq) if e.kind is Kind.HEARD and e.ref
    )
    return replace(state, interactions=len(events), replies_logged=seen[-MAX_REPLIES_KEPT:])


def every_invoice(events: Iterable[Interaction]) -> tuple[Invoice, ...]:
    """Every invoice in the history, paid long ago or not, in the order they were logged, as
    `replay` folds them (corrections included). Linear in the history: the fold keeps its
    summary small and the paid invoices it lets go are collected on the way, where keeping
    them all in the summary would make every payment rescan every invoice ever sent."""
    state = ClientState()
    gone: list[Invoice] = []
    for e in effective(events):
        if e.kind not in INVOICE_KINDS:
            continue
        if e.kind is Kind.PAID:
            # Paid with no limit, then let go here, so nothing is lost between the two.
            state = apply(state, e, keep_paid=len(state.invoices) + 1)
            kept, dropped = _kept(state.invoices, MAX_PAID_INVOICES_KEPT)
            state = replace(state, invoices=kept)
            gone.extend(dropped)
        else:
            state = apply(state, e)
    return tuple(sorted((*gone, *state.invoices), key=lambda i: i.seq))
