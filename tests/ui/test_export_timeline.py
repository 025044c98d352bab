"""The reader's CSV: one row per entry, in plain columns in a fixed order, in the order things
happened, dates and times in the workspace's time zone. Pure: no store, no Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.export import from_csv, to_csv
from domain.models import Interaction, Kind, Money
from ui.export_timeline import READER_COLUMNS, timeline

NEW_YORK = ZoneInfo("America/New_York")
# 03:30 UTC on 28 November is 22:30 on the 27th in New York.
LATE = datetime(2026, 11, 28, 3, 30, tzinfo=UTC)


def line(seq: int, kind: Kind, on: date = date(2026, 11, 27), **fields) -> Interaction:
    return Interaction(seq, kind, on, fields.pop("logged_by", "U0ALICE"), LATE, **fields)


HISTORY = [
    line(1, Kind.ADDED),
    line(
        2, Kind.INVOICE, amount=Money(Decimal("1200.5"), "GBP"), ref="A1", due_on=date(2026, 12, 1)
    ),
    line(3, Kind.HEARD, text="on it", ref="C0SHARED/1795773600.000100", logged_by="U0CLIENT"),
    line(4, Kind.PAID, amount=Money(Decimal("1000"), "JPY"), ref="A1"),
    line(5, Kind.ASKED, on=date(2026, 11, 2), text="the logo files"),
    line(6, Kind.VOIDED, text="wrong amount", ref="A1", target=2),
    line(7, Kind.DONE, text="the logo files", target=5),
    line(8, Kind.SENT, text="message to client, quiet step 1 (sent by hand): Hi", ref="quiet:x:1"),
    line(9, Kind.INVOICE, amount=Money(Decimal("90"), "EUR"), ref="B2", undated=True),
    line(10, Kind.SNOOZED, ref="overdue", due_on=date(2026, 12, 4)),
]


def test_the_columns_are_the_readers_in_a_fixed_order() -> None:
    assert READER_COLUMNS == ("date", "what", "who", "reference", "amount", "due", "text", "entry")
    rows = timeline(HISTORY, NEW_YORK)
    assert all(tuple(r) == READER_COLUMNS for r in rows), "every row has every column, in order"
    header = to_csv(rows, READER_COLUMNS).splitlines()[0]
    assert header == "date,what,who,reference,amount,due,text,entry"


def test_each_entry_in_plain_words_in_the_order_things_happened() -> None:
    rows = from_csv(to_csv(timeline(HISTORY, NEW_YORK), READER_COLUMNS))
    # The backdated request first (only its day is known), then the rest as logged; the
    # request, logged at 03:30 UTC on the 28th, happened on the 27th in New York, at 22:30.
    assert [r["entry"] for r in rows] == [f"e{n}" for n in (5, 1, 2, 3, 4, 6, 7, 8, 9, 10)]
    assert rows[0] == {
        "date": "2026-11-02",
        "what": "we asked for",
        "who": "U0ALICE",
        "text": "the logo files",
        "entry": "e5",
    }
    by = {r["entry"]: r for r in rows}
    assert by["e1"] == {
        "date": "2026-11-27 22:30",
        "what": "added to Tactful",
        "who": "U0ALICE",
        "entry": "e1",
    }
    # Voided later: said in the label, so a sum of "invoice sent" leaves it out.
    assert by["e2"] == {
        "date": "2026-11-27 22:30",
        "what": "invoice sent (voided)",
        "who": "U0ALICE",
        "reference": "A1",
        "amount": "GBP 1,200.50",
        "due": "2026-12-01",
        "entry": "e2",
    }
    # What the client did says "client", whoever logged it; a shared-channel message id is
    # not a reference.
    assert by["e3"]["who"] == "client" and by["e3"]["what"] == "they replied"
    assert "reference" not in by["e3"]
    assert (by["e4"]["who"], by["e4"]["what"], by["e4"]["amount"]) == (
        "client",
        "paid",
        "JPY 1,000",
    )
    # Corrections name what they correct: an invoice by its reference, anything else as `e5`.
    assert (by["e6"]["what"], by["e6"]["reference"]) == ("voided", "A1")
    assert (by["e7"]["what"], by["e7"]["reference"]) == ("request closed", "e5")
    # A nudge's key stays out; the message's words are the text.
    assert by["e8"] == {
        "date": "2026-11-27 22:30",
        "what": "message sent",
        "who": "U0ALICE",
        "text": "message to client, quiet step 1 (sent by hand): Hi",
        "entry": "e8",
    }
    assert "date" not in by["e9"], "logged after it fell due, without the day it was sent"
    assert (by["e10"]["text"], by["e10"]["due"]) == ("overdue", "2026-12-04")


def test_dates_are_the_workspaces() -> None:
    # In UTC the same request was logged on the 28th, a day after it happened: the day only.
    assert timeline(HISTORY[:1], UTC)[0]["date"] == "2026-11-27"
    assert timeline(HISTORY[:1], NEW_YORK)[0]["date"] == "2026-11-27 22:30"
