"""How each logged interaction changes what is open with a client.

`apply` is a pure fold: state + interaction -> new state. Storage keeps its result beside the
history so the scheduler reads one small summary per client instead of every interaction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain.models import Ask, Away, ClientState, Interaction, Invoice, Kind

# Only recent revision demands matter to the controlling-pattern rule; keep the list bounded
# so a client's summary never grows with its history.
MAX_REVISIONS_KEPT = 50
# Unanswered asks kept in the summary. The oldest always stays (it runs the quiet clock); past
# the cap the ones in between drop out of the summary, never out of the history.
MAX_OPEN_ASKS = 50
# Paid invoices are kept a while for payment-drift context, then dropped from the summary
# (they stay in the full history).
MAX_PAID_INVOICES_KEPT = 12
# Periods of leave kept in the summary: enough to pause any clock still running.
MAX_AWAY_KEPT = 24
# Replies logged from the shared channel whose message keys are kept to recognise a second
# delivery. Slack retries within minutes, so the newest few hundred are plenty.
MAX_REPLIES_KEPT = 200


def _later(a: date | None, b: date) -> date:
    return b if a is None or b > a else a


def _bounded(asks: tuple[Ask, ...]) -> tuple[Ask, ...]:
    if len(asks) <= MAX_OPEN_ASKS:
        return asks
    return (asks[0], *asks[-(MAX_OPEN_ASKS - 1) :])


def apply(state: ClientState, event: Interaction) -> ClientState:
    """Return the state after `event`. Kinds that don't change what is open leave it as is."""
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
    if kind in (Kind.HEARD, Kind.REVISION):
        # A revision demand is still the client answering: it stops the quiet clock.
        revisions = state.revisions
        if kind is Kind.REVISION:
            revisions = (*revisions, event.occurred_on)[-MAX_REVISIONS_KEPT:]
        replies = state.replies_logged
        if kind is Kind.HEARD and event.ref:
            replies = (*replies, event.ref)[-MAX_REPLIES_KEPT:]
        return replace(
            state,
            replies_logged=replies,
            open_asks=tuple(a for a in state.open_asks if a.asked_on > event.occurred_on),
            last_heard_on=_later(state.last_heard_on, event.occurred_on),
            last_contact_on=_later(state.last_contact_on, event.occurred_on),
            revisions=revisions,
        )
    if kind is Kind.INVOICE:
        assert event.amount is not None and event.due_on is not None
        invoice = Invoice(
            ref=event.ref, amount=event.amount, due_on=event.due_on, sent_on=event.occurred_on
        )
        return replace(state, invoices=(*state.invoices, invoice))
    if kind is Kind.PAID:
        invoices = tuple(
            replace(i, paid_on=event.occurred_on) if i.ref == event.ref and i.paid_on is None else i
            for i in state.invoices
        )
        paid = [i for i in invoices if i.paid_on is not None]
        drop = (
            {id(i) for i in paid[:-MAX_PAID_INVOICES_KEPT]}
            if len(paid) > MAX_PAID_INVOICES_KEPT
            else set()
        )
        return replace(
            state,
            invoices=tuple(i for i in invoices if id(i) not in drop),
            last_heard_on=_later(state.last_heard_on, event.occurred_on),
            last_contact_on=_later(state.last_contact_on, event.occurred_on),
        )
    if kind is Kind.PROMISED:
        assert event.due_on is not None
        # A promise without a ref covers what is overdue when it is made (or, if nothing is
        # yet, everything unpaid): not invoices that fall due later.
        unpaid = [i for i in state.invoices if i.paid_on is None]
        overdue = {i.ref for i in unpaid if i.due_on < event.occurred_on}
        covered = {event.ref} if event.ref else (overdue or {i.ref for i in unpaid})
        invoices = tuple(
            replace(i, promised_by=event.due_on) if i.paid_on is None and i.ref in covered else i
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
    if kind is Kind.AWAY:
        assert event.due_on is not None
        return replace(state, away=on_leave(state.away, event.occurred_on, event.due_on))
    if kind is Kind.SENT:
        return replace(state, last_contact_on=_later(state.last_contact_on, event.occurred_on))
    return state


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
