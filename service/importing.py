"""Importing a CSV of clients and invoices into one workspace (`python bot.py import`).

The file is read and checked whole (domain/importing.py) before anything is written. Each new
client is one write and each client's new invoices another; if the process stops in between,
importing the file again adds exactly what is missing, as every invoice already there (same
client, same reference) is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime, tzinfo
from pathlib import Path

from domain import importing
from domain.importing import NewInvoice, Plan
from domain.ledger import Draft
from domain.models import (
    DEFAULT_QUIET_DAYS,
    Client,
    ClientRecord,
    ClientType,
    Interaction,
    Kind,
    Money,
)
from domain.money import format_money
from service.commands import log
from storage.base import DuplicateClient, Store
from storage.tinydb_store import new_client_id

# Who the history says logged the imported lines ("logged by import").
ACTOR = "import"


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
        """Write the plan; returns what was added (anything found there meanwhile is left).

        Args:
            owner: the Slack user id whose DM gets new clients' nudges when they have no
                channel and there is no NUDGE_CHANNEL (nobody typed `/client add` for them).
        """
        today = now.astimezone(self.tz).date()
        note = f"imported from {source}"
        for new in plan.clients:
            client = Client(
                team_id=team,
                client_id=new_client_id(),
                name=new.name,
                created_by=ACTOR,
                created_at=now,
                client_type=new.client_type or ClientType.NONE,
                quiet_days=DEFAULT_QUIET_DAYS,
                contact=new.contact,
                owner=owner,
            )
            record, events = log(
                ClientRecord(client=client), ACTOR, now, Draft(Kind.ADDED, today, text=note)
            )
            # Added by someone meanwhile: its invoices go to that client.
            with suppress(DuplicateClient):
                self.store.add_client(record, events)
        by_client: dict[str, list[NewInvoice]] = defaultdict(list)
        for invoice in plan.invoices:
            by_client[invoice.client].append(invoice)
        added: list[NewInvoice] = []
        for name, invoices in by_client.items():
            found = self.store.find(team, name)
            assert found is not None, name
            record = found

            def change(
                record: ClientRecord, invoices: list[NewInvoice] = invoices
            ) -> tuple[ClientRecord, list[Interaction]]:
                # Checked again on the freshest copy, under the write lock.
                have = _refs(self.store.history(team, record.client.client_id))
                fresh = [i for i in invoices if i.ref.casefold() not in have]
                added.extend(fresh)
                return log(record, ACTOR, now, *(d for i in fresh for d in drafts(i, note)))

            self.store.update(team, record.client.client_id, change)
        return Plan(plan.clients, tuple(added), plan.skipped)


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
