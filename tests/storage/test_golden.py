"""The stored format is pinned: a data folder written by an earlier Tactful (the golden folder in
tests/fixtures/golden, made by make_golden.py on the commit before the money and corrections
work) must open with today's code and keep every record.

The expectations are read from the folder's raw JSON, not through the codec under test, so a
change to the codec or the models that drops or misreads anything stored fails here.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.models import ClientRecord, Kind, Money, NudgeStatus
from service.nudges import NudgeSchedule
from storage.tinydb_store import TinyDBStore

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "data"
TEAM = "TGOLDEN"


@pytest.fixture
def golden(tmp_path: Path) -> TinyDBStore:
    # A copy: opening may write (the checks index), and the golden folder must never change.
    shutil.copytree(GOLDEN, tmp_path / "data")
    now = datetime(2026, 11, 4, 10, tzinfo=UTC)
    return TinyDBStore(
        tmp_path / "data" / "tactful.json", schedule=NudgeSchedule(UTC, clock=lambda: now)
    )


def raw_files() -> dict[str, tuple[dict, list[dict]]]:
    """client id -> (record doc, every history doc oldest first), straight from the JSON."""
    team = GOLDEN / "tactful" / "teams" / TEAM
    out = {}
    for path in sorted((team / "clients").glob("*.json")):
        data = json.loads(path.read_text())
        docs = list(data["tail"].values())
        for segment in sorted((team / "log" / path.stem).glob("*.json")):
            docs += json.loads(segment.read_text())["log"].values()
        out[path.stem] = (data["record"]["1"], sorted(docs, key=lambda d: d["seq"]))
    return out


def by_name(store: TinyDBStore) -> dict[str, ClientRecord]:
    return {r.client.name: r for r in store.clients(TEAM)}


def test_every_client_and_every_history_line_is_read(golden: TinyDBStore) -> None:
    raw = raw_files()
    assert len(raw) == 4
    assert {r.client.client_id for r in golden.clients(TEAM)} == set(raw)
    for cid, (record_doc, docs) in raw.items():
        record = golden.get(TEAM, cid)
        assert record is not None
        assert record.client.name == record_doc["client"]["name"]
        assert record.next_seq == record_doc["next_seq"]
        history = list(reversed(list(golden.history(TEAM, cid))))
        assert [e.seq for e in history] == [d["seq"] for d in docs]
        assert [e.kind.value for e in history] == [d["kind"] for d in docs]
        assert [e.occurred_on.isoformat() for e in history] == [d["occurred_on"] for d in docs]
        assert [e.text for e in history] == [d["text"] for d in docs]
        for e, d in zip(history, docs, strict=True):
            if d["amount"] is not None:
                assert e.amount is not None
                assert str(e.amount.amount) == d["amount"]["amount"]
                # Amounts stored without a currency are read in the workspace currency (GBP).
                assert e.amount.currency == (d["amount"]["currency"] or "GBP")
            assert e.ref == d["ref"]
            assert (e.due_on.isoformat() if e.due_on else None) == d["due_on"]
        assert {k: n.status.value for k, n in record.nudges.items()} == {
            k: n["status"] for k, n in record_doc["nudges"].items()
        }
        assert [a.seq for a in record.state.open_asks] == [
            a["seq"] for a in record_doc["state"]["open_asks"]
        ]


def test_the_facts_in_the_golden_folder_survive(golden: TinyDBStore) -> None:
    clients = by_name(golden)
    assert set(clients) == {"acme", "Bramble Studio", "caffi", "dormant"}
    acme = clients["acme"]
    assert acme.client.quiet_days == 5 and acme.client.contact == "Jo"
    invoices = {i.ref: i for i in acme.state.invoices}
    assert set(invoices) == {"INV-7", "INV-2", "US-1"}
    assert invoices["INV-7"].paid_on == date(2026, 11, 2)
    assert invoices["INV-7"].promised_by == date(2026, 10, 28)
    assert invoices["INV-2"].amount.amount == Decimal("1200.50")
    assert invoices["INV-2"].amount.currency == "EUR"
    assert invoices["US-1"].amount.currency == "USD"
    assert [i.ref for i in acme.state.unpaid] == ["INV-2", "US-1"]
    assert [a.what for a in acme.state.open_asks] == ["the signed PO"]
    assert acme.nudges["overdue:inv-INV-7:1"].status is NudgeStatus.APPROVED
    assert acme.nudges["overdue:inv-INV-2:1"].status is NudgeStatus.POSTED
    bramble = clients["Bramble Studio"]
    assert bramble.client.lang == "cy" and bramble.client.quiet_days == 2
    assert [a.what for a in bramble.state.open_asks] == [
        "the logo files",
        "sign-off on the March posts",
    ]
    assert bramble.nudges["quiet:ask-2:3"].status is NudgeStatus.DISMISSED
    assert bramble.state.snoozed_until == {"quiet": date(2026, 10, 25)}
    caffi = clients["caffi"]
    assert caffi.client.client_type.value == "late-payer"
    assert caffi.nudges["controlling:since-2026-10-08:1"].status is NudgeStatus.SNOOZED
    assert len(caffi.state.revisions) == 4
    assert sum(1 for e in golden.history(TEAM, caffi.client.client_id) if e.kind is Kind.NOTE) == 18
    dormant = clients["dormant"]
    assert dormant.client.archived and not dormant.state.unpaid
    (d1,) = dormant.state.invoices
    assert d1.amount == Money(Decimal(450), "GBP")  # typed as a bare `450` before CURRENCY
    assert d1.paid_on == date(2026, 10, 19)


def test_the_golden_folder_replays_to_the_same_summary(golden: TinyDBStore) -> None:
    """Rebuilding a client's state from its whole history (as a void or a fix does) gives
    the summary the old code stored: old lines fold the same way under today's rules."""
    from domain.ledger import replay

    for record in golden.clients(TEAM):
        history = list(golden.history(TEAM, record.client.client_id))
        rebuilt = replay(history)
        stored = record.state
        assert [
            (i.ref, i.amount, i.due_on, i.paid_on, i.promised_by) for i in rebuilt.invoices
        ] == [(i.ref, i.amount, i.due_on, i.paid_on, i.promised_by) for i in stored.invoices]
        assert rebuilt.open_asks == stored.open_asks
        assert rebuilt.snoozed_until == stored.snoozed_until
        assert rebuilt.revisions == stored.revisions
        assert rebuilt.interactions == stored.interactions


def test_the_golden_folder_takes_new_entries(golden: TinyDBStore) -> None:
    """Opened with today's code, an old record is written back and read again whole."""
    from service.commands import Draft, log

    acme = by_name(golden)["acme"]
    at = datetime(2026, 11, 4, 10, tzinfo=UTC)
    golden.update(
        TEAM,
        acme.client.client_id,
        lambda r: log(r, "U1", at, Draft(Kind.NOTE, at.date(), text="after the upgrade")),
    )
    history = list(golden.history(TEAM, acme.client.client_id))
    assert history[0].text == "after the upgrade"
    assert len(history) == len(raw_files()[acme.client.client_id][1]) + 1


def test_a_suggestion_posted_before_the_upgrade_is_still_current(golden: TinyDBStore) -> None:
    """Nudges stored by the old code named their invoices without balances; the upgrade must
    not turn every posted suggestion stale."""
    from domain.nudges import outdated

    acme = by_name(golden)["acme"]
    posted = acme.nudges["overdue:inv-INV-2:1"]
    assert posted.facts_key == "INV-2"
    assert not outdated(acme, posted, date(2026, 11, 4))
