"""Importing a CSV of clients and invoices into one workspace (`python bot.py import`).

The file is read and checked whole (domain/importing.py) before anything is written. It is
then written BATCH clients at a time, each batch one durable write that a crash leaves whole
or not at all (Store.write_batch): a new client with all its invoices, an existing client's new
invoices. If the process stops, importing the file again adds exactly what is missing, as
every invoice already there (same client, same reference) is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from pathlib import Path

from domain import importing
from domain.importing import NewClient, NewInvoice, Plan
from domain.ledger import Draft
from domain.models import (
    DEFAULT_QUIET_DAYS,
    Client,
    ClientRecord,
    ClientType,
    Interaction,
    Kind,
    Money,
    name_key,
)
from domain.money import format_money
from service.commands import log
from storage.base import Change, DuplicateClient, Store
from storage.tinydb_store import new_client_id

# Who the history says logged the imported lines ("logged by import").
ACTOR = "import"
# Clients written per durable write (Store.write_batch): a kill leaves whole batches only.
BATCH = 500


class Importer:
    def __init__(self, store: Store, tz: tzinfo, currency: str) -> None:
        self.store = store
        self.tz = tz
        self.currency = currency

    def read(
        self, path: Path, team: str, now: datetime, dates: str | None = None
    ) -> tuple[importing.Parsed, Plan]:
        """The file checked, and what importing it into `team` would add. Raises BadFile."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise importing.BadFile(
                [f"{path.name} is not UTF-8 text: export it again as CSV (UTF-8)."]
            ) from None
        parsed = importing.read(text, now.astimezone(self.tz).date(), self.currency, dates)
        return parsed, importing.plan(parsed.rows, self.known(team))

    def known(self, team: str) -> dict[str, set[str]]:
        """Each of the team's clients (by name key) with every invoice reference it ever had:
        the summary keeps only recent paid invoices, the history all of them."""
        return {
            record.client.name_key: _refs(self.store.history(team, record.client.client_id))
            for record in self.store.clients(team)
        }

    def apply(self, plan: Plan, team: str, source: str, now: datetime, owner: str = "") -> Plan:
        """Write the plan, BATCH clients at a time, each batch one durable write
        (Store.write_batch): a new client arrives with its invoices, an existing one gets its
        new invoices. Returns what was added (anything found there meanwhile is left).

        Args:
            owner: the Slack user id whose DM gets new clients' nudges when they have no
                channel and there is no NUDGE_CHANNEL (nobody typed `/client add` for them).
        """
        today = now.astimezone(self.tz).date()
        note = f"imported from {source}"
        by_client: dict[str, list[NewInvoice]] = defaultdict(list)
        for invoice in plan.invoices:
            by_client[name_key(invoice.client)].append(invoice)
        new = {name_key(c.name): c for c in plan.clients}
        names = self.store.names(team)
        # Each client once, in the file's order: the new ones, then the others with invoices.
        keys = list(dict.fromkeys([*new, *by_client]))
        added: list[NewInvoice] = []
        for start in range(0, len(keys), BATCH):
            batch = keys[start : start + BATCH]
            while True:
                try:
                    added += self._write(
                        team, batch, new, by_client, names, note, today, now, owner
                    )
                    break
                except DuplicateClient as err:
                    # Added by someone meanwhile: its invoices go to that client.
                    existing = err.existing.client
                    names = {**names, existing.name_key: existing.client_id}
                    new = {k: c for k, c in new.items() if k != existing.name_key}
        return Plan(plan.clients, tuple(added), plan.skipped)

    def _write(
        self,
        team: str,
        keys: list[str],
        new: dict[str, NewClient],
        by_client: dict[str, list[NewInvoice]],
        names: dict[str, str],
        note: str,
        today: date,
        now: datetime,
        owner: str,
    ) -> list[NewInvoice]:
        """One batch, in one write; what it added."""
        fresh: list[tuple[ClientRecord, list[Interaction]]] = []
        changes: dict[str, Change] = {}
        # What each change adds, worked out on the freshest record under the write lock (a
        # retried batch works it out again).
        adds: dict[str, list[NewInvoice]] = {}
        for key in keys:
            invoices = by_client.get(key, [])
            if key in new and key not in names:
                spec = new[key]
                client = Client(
                    team_id=team,
                    client_id=new_client_id(),
                    name=spec.name,
                    created_by=ACTOR,
                    created_at=now,
                    client_type=spec.client_type or ClientType.NONE,
                    quiet_days=DEFAULT_QUIET_DAYS,
                    contact=spec.contact,
                    owner=owner,
                )
                drafted = [Draft(Kind.ADDED, today, text=note)]
                drafted += [d for i in invoices for d in drafts(i, note)]
                fresh.append(log(ClientRecord(client=client), ACTOR, now, *drafted))
                adds[client.client_id] = invoices
            elif invoices:
                client_id = names[key]

                def change(
                    record: ClientRecord, invoices: list[NewInvoice] = invoices
                ) -> tuple[ClientRecord, list[Interaction]]:
                    have = _refs(self.store.history(team, record.client.client_id))
                    kept = [i for i in invoices if i.ref.casefold() not in have]
                    adds[record.client.client_id] = kept
                    return log(record, ACTOR, now, *(d for i in kept for d in drafts(i, note)))

                changes[client_id] = change
        if fresh or changes:
            self.store.write_batch(team, fresh, changes)
        return [i for invoices in adds.values() for i in invoices]


def drafts(invoice: NewInvoice, note: str) -> list[Draft]:
    """The invoice as sent, with its real dates, and what was paid of it as a payment, so the
    ledger shows the balance the accounting tool shows."""
    lines = [
        Draft(
            Kind.INVOICE,
            invoice.sent_on,
            text=note,
            amount=invoice.total,
            ref=invoice.ref,
            due_on=invoice.due_on,
        )
    ]
    if invoice.paid:
        left = invoice.balance
        text = "paid in full" if not left.amount else f"{format_money(left)} still owed"
        lines.append(
            Draft(
                Kind.PAID,
                invoice.paid_on,
                text=f"{text}; {note}",
                amount=Money(invoice.paid, invoice.total.currency),
                ref=invoice.ref,
            )
        )
    return lines


def _refs(history: Iterable[Interaction]) -> set[str]:
    return {e.ref.casefold() for e in history if e.kind is Kind.INVOICE}
