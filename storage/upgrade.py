"""Reading records written by earlier versions of Tactful. Pure.

Before CURRENCY existed an amount typed without a currency was stored with currency "". Such
amounts were always meant in the workspace's own currency, so they are read as that: every
amount in the app then has a currency and totals never split "" from "GBP". The stored lines
are not rewritten (the history is append-only); a client's summary is written back upgraded
the next time anything is logged for it.
"""

from __future__ import annotations

from dataclasses import replace

from domain.models import ClientRecord, Interaction, Money


def upgrade_record(record: ClientRecord, currency: str) -> ClientRecord:
    invoices = record.state.invoices
    if all(i.amount.currency for i in invoices):
        return record
    upgraded = tuple(
        i if i.amount.currency else replace(i, amount=Money(i.amount.amount, currency))
        for i in invoices
    )
    return replace(record, state=replace(record.state, invoices=upgraded))


def upgrade_interaction(event: Interaction, currency: str) -> Interaction:
    if event.amount is None or event.amount.currency:
        return event
    return replace(event, amount=Money(event.amount.amount, currency))
