"""Importing into a real store: what is added, with balances and real dates, who the history
says added it, and that importing again changes nothing at all."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.facts import OverdueFacts
from domain.importing import BadFile
from domain.invoices import balance, days_past_due
from domain.models import Kind, Money
from domain.nudges import OVERDUE, due_nudges
from service import importing as importing_service
from service.commands import ClientCommands
from service.importing import ACTOR, Importer
from storage.tinydb_store import TinyDBStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
TEAM = "T0TEAM1"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

# What each sample file leaves owed: (client, ref) -> balance.
EXPECTED = {
    "tactful.csv": {
        ("Acme Corp", "INV-101"): Money(Decimal("1000.00"), "GBP"),
        ("Acme Corp", "INV-102"): Money(Decimal(500), "GBP"),
        ("Globex", "G-7"): Money(Decimal(0), "EUR"),
    },
    "xero.csv": {
        ("Acme Corp", "INV-0001"): Money(Decimal("1200.00"), "GBP"),
        ("Wayne Ltd", "INV-0002"): Money(Decimal("950.00"), "EUR"),
        ("Stark Industries", "INV-0003"): Money(Decimal("0.00"), "USD"),
    },
    "quickbooks.csv": {
        ("Acme Corp", "1001"): Money(Decimal("1500.00"), "USD"),
        ("Umbrella Co", "1002"): Money(Decimal("300.00"), "USD"),
        ("Acme Corp", "1004"): Money(Decimal("0.00"), "USD"),
    },
}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "tactful.json"


def balances(store: TinyDBStore) -> dict[tuple[str, str], Money]:
    return {
        (r.client.name, i.ref): balance(i) for r in store.clients(TEAM) for i in r.state.invoices
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_import_then_import_again_changes_nothing(db: Path, name: str) -> None:
    store = TinyDBStore(db)
    importer = Importer(store, UTC, "GBP")
    before = snapshot(db.parent)
    parsed, plan = importer.read(FIXTURES / name, TEAM, NOW)
    # Reading (what --dry-run does) stores nothing.
    assert snapshot(db.parent) == before
    assert len(plan.invoices) == 3 and not plan.skipped

    done = importer.apply(plan, TEAM, name, NOW)
    assert len(done.invoices) == 3
    assert balances(store) == EXPECTED[name]
    # The history says where each line came from.
    for record in store.clients(TEAM):
        for e in store.history(TEAM, record.client.client_id):
            assert e.logged_by == ACTOR and e.text.endswith(f"imported from {name}"), e

    after = snapshot(db.parent)
    _, again = importer.read(FIXTURES / name, TEAM, NOW)
    assert again.empty and len(again.skipped) == 3
    assert importer.apply(again, TEAM, name, NOW).invoices == ()
    assert snapshot(db.parent) == after  # byte for byte


def test_invoice_and_payment_carry_their_real_dates(db: Path) -> None:
    store = TinyDBStore(db)
    importer = Importer(store, UTC, "GBP")
    importer.apply(importer.read(FIXTURES / "tactful.csv", TEAM, NOW)[1], TEAM, "t.csv", NOW)
    acme = store.find(TEAM, "acme corp")
    assert acme is not None
    assert (acme.client.contact, acme.client.client_type.value) == ("Jane Doe", "late-payer")
    lines = {(e.kind, e.ref): e for e in store.history(TEAM, acme.client.client_id)}
    invoice, paid = lines[(Kind.INVOICE, "INV-101")], lines[(Kind.PAID, "INV-101")]
    assert (invoice.occurred_on, invoice.due_on) == (date(2026, 9, 1), date(2026, 10, 1))
    assert invoice.amount == Money(Decimal("1200.00"), "GBP")
    assert (paid.occurred_on, paid.amount) == (date(2026, 10, 10), Money(Decimal(200), "GBP"))
    assert lines[(Kind.ADDED, "")].occurred_on == NOW.date()
    # No payment line for an invoice nothing was paid of.
    assert (Kind.PAID, "INV-102") not in lines
    # A fully paid invoice is settled on the day it was paid.
    globex = store.find(TEAM, "globex")
    assert globex is not None
    assert [i.paid_on for i in globex.state.invoices] == [date(2026, 9, 5)]


def test_existing_client_gets_the_new_invoices_and_keeps_its_own(db: Path) -> None:
    store = TinyDBStore(db)
    commands = ClientCommands(store, UTC)
    for line in ("add acme corp", "invoice acme corp 50 due 2026-12-20 #INV-101 on 2026-11-20"):
        assert ":warning:" not in commands.run(TEAM, "U0A", line, NOW).text
    importer = Importer(store, UTC, "GBP")
    parsed, plan = importer.read(FIXTURES / "tactful.csv", TEAM, NOW)
    assert [c.name for c in plan.clients] == ["Globex", "Initech"]
    assert [(s.client, s.ref) for s in plan.skipped] == [("Acme Corp", "INV-101")]
    importer.apply(plan, TEAM, "t.csv", NOW)
    assert len(store.clients(TEAM)) == 3
    assert balances(store)[("acme corp", "INV-101")] == Money(Decimal(50), "GBP")
    assert balances(store)[("acme corp", "INV-102")] == Money(Decimal(500), "GBP")


def test_a_paid_invoice_gone_from_the_summary_is_still_skipped(db: Path) -> None:
    """The summary keeps only the recent paid invoices; the history keeps every reference."""
    store = TinyDBStore(db)
    commands = ClientCommands(store, UTC)
    assert ":warning:" not in commands.run(TEAM, "U0A", "add globex", NOW).text
    for n in range(1, 16):
        for line in (
            f"invoice globex 10 due 2026-11-20 #G-{n} on 2026-11-01",
            f"paid globex #G-{n}",
        ):
            assert ":warning:" not in commands.run(TEAM, "U0A", line, NOW).text
    record = store.find(TEAM, "globex")
    assert record is not None and "G-2" not in {i.ref for i in record.state.invoices}
    text = "client,invoice,sent,due,total,paid\nGlobex,G-2,2026-08-01,2026-08-31,2400,2400\n"
    (db.parent / "g.csv").write_text(text, encoding="utf-8")
    _, plan = Importer(store, UTC, "GBP").read(db.parent / "g.csv", TEAM, NOW)
    assert plan.empty and [s.ref for s in plan.skipped] == ["G-2"]


def test_a_bad_file_stores_nothing(db: Path) -> None:
    store = TinyDBStore(db)
    before = snapshot(db.parent)
    with pytest.raises(BadFile):
        Importer(store, UTC, "GBP").read(FIXTURES / "bad.csv", TEAM, NOW)
    assert snapshot(db.parent) == before and store.clients(TEAM) == []


def test_an_imported_long_overdue_invoice_is_chased_by_its_real_age(db: Path) -> None:
    """Imported invoices are backfilled ones: they carry the dates they really have, so the
    rules see an invoice 40 days overdue, not one logged today; and like any backfilled
    invoice its first message is the first step of the ladder, never a stop-work notice."""
    store = TinyDBStore(db)
    importer = Importer(store, UTC, "GBP")
    importer.apply(importer.read(FIXTURES / "overdue.csv", TEAM, NOW)[1], TEAM, "o.csv", NOW)
    record = store.find(TEAM, "acme corp")
    assert record is not None
    (invoice,) = record.state.invoices
    assert days_past_due(invoice, NOW.date()) == 40
    (first,) = due_nudges(record, NOW.date())
    assert first.situation == OVERDUE and first.subject == "inv-INV-40"
    assert isinstance(first.facts, OverdueFacts) and first.facts.days_overdue == 40
    assert first.stage == 1 and not first.late


def test_an_invoice_logged_between_reading_and_writing_is_not_added_twice(db: Path) -> None:
    store = TinyDBStore(db)
    importer = Importer(store, UTC, "GBP")
    _, plan = importer.read(FIXTURES / "tactful.csv", TEAM, NOW)
    commands = ClientCommands(store, UTC)
    for line in ("add globex", "invoice globex 99 due 2026-12-20 #g-7 on 2026-11-20"):
        assert ":warning:" not in commands.run(TEAM, "U0A", line, NOW).text
    done = importer.apply(plan, TEAM, "t.csv", NOW)
    assert [i.ref for i in done.invoices] == ["INV-101", "INV-102"]
    globex = store.find(TEAM, "globex")
    assert globex is not None
    assert [(i.ref, i.amount.amount) for i in globex.state.invoices] == [("g-7", Decimal(99))]


def big_file(path: Path, invoices: int, clients: int) -> Path:
    lines = ["client,contact,type,invoice,sent,due,total,paid,paid on,currency"]
    for i in range(invoices):
        lines.append(
            f"Client {i % clients:04d},Pat,late-payer,INV-{i:05d},2026-09-01,2026-10-01,100,,,GBP"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_5000_rows_are_written_in_a_handful_of_durable_writes(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One durable write per batch of clients, not one (or several) per row: counted as the
    fsyncs and file-system syncs the import makes (each client file alone took two)."""
    store = TinyDBStore(db)
    importer = Importer(store, UTC, "GBP")
    _parsed, plan = importer.read(big_file(tmp_path / "big.csv", 5000, 1000), TEAM, NOW)
    syncs = {"fsync": 0, "sync": 0}
    real_fsync, real_sync = os.fsync, os.sync

    def fsync(fd: int) -> None:
        syncs["fsync"] += 1
        real_fsync(fd)

    def sync() -> None:
        syncs["sync"] += 1
        real_sync()

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "sync", sync)
    done = importer.apply(plan, TEAM, "big.csv", NOW)
    assert len(done.clients) == 1000 and len(done.invoices) == 5000
    batches = 2  # 1,000 clients, 500 a batch
    assert importing_service.BATCH == 500 and syncs["sync"] == batches
    # The redo file and its folder, the checks journal and its folder, the batch's removal.
    assert syncs["fsync"] <= 6 * batches, syncs
    assert len(store.clients(TEAM)) == 1000


def test_an_import_killed_between_batches_is_finished_once_by_running_it_again(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStore(db)
    monkeypatch.setattr(importing_service, "BATCH", 7)
    commands = ClientCommands(store, UTC)
    # Some clients exist already, one with an invoice of the file.
    assert ":warning:" not in commands.run(TEAM, "U0A", "add client 0003", NOW).text
    line = "invoice client 0003 100 due 2026-10-01 #INV-00003 on 2026-09-01"
    assert ":warning:" not in commands.run(TEAM, "U0A", line, NOW).text
    csv = big_file(tmp_path / "big.csv", 60, 20)
    importer = Importer(store, UTC, "GBP")
    real = store.write_batch
    calls = []

    def killed_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "write_batch", killed_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        importer.apply(importer.read(csv, TEAM, NOW)[1], TEAM, "big.csv", NOW)
    monkeypatch.setattr(store, "write_batch", real)
    # The one already there, and two whole batches of 7 new clients: nothing of the third.
    assert len(store.clients(TEAM)) == 1 + 14

    _parsed, rest = importer.read(csv, TEAM, NOW)
    importer.apply(rest, TEAM, "big.csv", NOW)
    refs = [
        e.ref
        for r in store.clients(TEAM)
        for e in store.history(TEAM, r.client.client_id)
        if e.kind is Kind.INVOICE
    ]
    assert sorted(refs) == sorted(f"INV-{i:05d}" for i in range(60)), "each invoice once"
    assert len(store.clients(TEAM)) == 20
