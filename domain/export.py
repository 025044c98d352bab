"""The full record of a client as rows, for the files the agency keeps or hands to an
accountant or a solicitor. Pure.

An export is two CSV files (and a Markdown document, ui/export_markdown.py):

- `<client>-record-<date>.csv`, the one to read or hand on: one row per entry, in the order
  things happened, in plain columns (ui/export_timeline.py);
- `<client>-record-<date>-internal.csv`, built here: every stored fact, the internals included
  (ids, keys, seq and logging order, Slack message ids, delivery states, every version of a
  suggested message), so the agency can show exactly what the app held and did.

Why a second file rather than internal columns at the end of the first: the reader's file can
be handed to a client or an accountant as it is, with nothing to delete first (a nudge's
internal note or a Slack channel id is not theirs to see), and its columns stay the same
whatever the app stores. The internal file is still written every time, from a fresh read of
the whole history, and each reader row names its entry (`e12`), which is the internal row
`entry,12`.

Rows here are built from the stored dataclasses field by field (through the storage codec, the
one place that knows how a value is written down), so a field or a kind of entry added later
is exported without changing this module. Each row says what it is (`record`) and which one
(`id`): an entry by its seq, a nudge by its key, a version or approval by its nudge and number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from domain.models import ClientRecord, Interaction
from storage.codec import to_doc

CLIENT, ENTRY, NUDGE, VERSION, APPROVAL, OFFBOARDING, TICK = (
    "client",
    "entry",
    "nudge",
    "version",
    "approval",
    "offboarding",
    "tick",
)
FIRST_COLUMNS = ("record", "id")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV
# injection"); tab and carriage return can hide one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = dict[str, str]


def _flat(doc: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested documents become dotted columns (`amount.currency`); lists are joined."""
    out: dict[str, str] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = "; ".join(str(v) for v in value)
        else:
            out[name] = "" if value is None else str(value)
    return out


def rows(record: ClientRecord, history: Iterable[Interaction]) -> list[Row]:
    """The internal file's rows: every stored fact about the client, one row each: the client's settings, every entry
    (oldest first), every nudge with each version of its text and each approval, and the
    offboarding checklist with each tick."""
    out: list[Row] = [_row(CLIENT, record.client.client_id, to_doc(record.client))]
    for event in sorted(history, key=lambda e: e.seq):
        out.append(_row(ENTRY, str(event.seq), to_doc(event)))
    for key, nudge in sorted(record.nudges.items(), key=lambda kv: kv[1].created_at):
        # Versions and approvals get rows of their own; the nudge row keeps the decision.
        doc = to_doc(replace(nudge, versions=(), approvals=()))
        doc.pop("versions")
        doc.pop("approvals")
        out.append(_row(NUDGE, key, doc))
        for n, version in enumerate(nudge.versions, 1):
            out.append(_row(VERSION, f"{key}#v{n}", {"nudge": key, **to_doc(version)}))
        for n, user in enumerate(nudge.approvals, 1):
            out.append(_row(APPROVAL, f"{key}#a{n}", {"nudge": key, "by": user}))
    if record.offboarding is not None:
        doc = to_doc(record.offboarding)
        ticks = doc.pop("ticks")
        out.append(_row(OFFBOARDING, record.client.client_id, doc))
        for item, tick in ticks.items():
            out.append(_row(TICK, item, tick))
    return out


def _row(kind: str, ident: str, doc: dict[str, Any]) -> Row:
    return {"record": kind, "id": ident, **_flat(doc)}


def columns(table: list[Row], first: tuple[str, ...] = FIRST_COLUMNS) -> list[str]:
    """`first`, then every other column any row has, in the order first seen."""
    seen = dict.fromkeys(first)
    for row in table:
        seen.update(dict.fromkeys(row))
    return list(seen)


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a `'` first."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def read_cell(value: str) -> str:
    """What `safe_cell` was given."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def to_csv(table: list[Row], first: tuple[str, ...] = FIRST_COLUMNS) -> str:
    """The rows as CSV, `first` as the first columns; every cell made safe for a spreadsheet."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns(table, first), lineterminator="\r\n")
    writer.writeheader()
    for row in table:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def from_csv(text: str) -> list[Row]:
    """The rows back from `to_csv` (cells unprefixed; empty cells left out)."""
    return [
        {k: read_cell(v) for k, v in row.items() if v}
        for row in csv.DictReader(io.StringIO(text, newline=""))
    ]
