"""The internal file's rows and the CSV both files are written with. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.export import columns, from_csv, rows, to_csv
from domain.models import Client, ClientRecord, Interaction, Kind, Money, Nudge, TextVersion

AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_every_stored_fact_has_a_row_saying_what_and_which() -> None:
    client = Client("T0TEAM1", "c1", "acme", "U0ALICE", AT)
    nudge = Nudge("quiet:e2:1", "quiet", "e2", 1, AT, versions=(TextVersion("Hi", "tactful", AT),))
    record = ClientRecord(client, nudges={nudge.key: nudge}, next_seq=3)
    history = [
        Interaction(2, Kind.INVOICE, date(2026, 11, 27), "U0ALICE", AT, ref="A1",
                    amount=Money(Decimal("900"), "GBP")),
        Interaction(1, Kind.ADDED, date(2026, 11, 27), "U0ALICE", AT),
    ]  # fmt: skip
    table = rows(record, history)
    assert [(r["record"], r["id"]) for r in table] == [
        ("client", "c1"),
        ("entry", "1"),
        ("entry", "2"),
        ("nudge", "quiet:e2:1"),
        ("version", "quiet:e2:1#v1"),
    ]
    assert table[2]["amount.amount"] == "900" and table[2]["amount.currency"] == "GBP"
    assert columns(table)[:4] == ["record", "id", "team_id", "client_id"]
    assert to_csv(table).splitlines()[0].startswith("record,id,team_id,client_id,")


def test_the_first_columns_are_the_ones_given_and_cells_read_back_as_typed() -> None:
    table = [{"text": "=1+1", "what": "note"}, {"what": "note", "extra": "-2"}]
    text = to_csv(table, ("what", "text"))
    assert text.splitlines() == ["what,text,extra", "note,'=1+1,", "note,,'-2"]
    assert from_csv(text) == table
