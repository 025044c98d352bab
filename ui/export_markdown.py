"""The full record of a client as a Markdown document, for people to read (the CSVs beside it
are for spreadsheets). The timeline comes first, built from the same rows as the reader's CSV
(ui/export_timeline.py); then, from the internal file's rows (domain/export.py), each suggested
message with its versions and approvals, the offboarding checklist and the client's settings.
Every piece of text a person typed is escaped, so it reads as typed and can't turn into a link,
a heading or a table cell of its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from domain.export import APPROVAL, CLIENT, ENTRY, NUDGE, OFFBOARDING, TICK, VERSION, Row
from domain.models import Money
from domain.money import format_money
from ui.export_timeline import READER_COLUMNS
from ui.replies import message_label

# Everything is inline (table cells, list items after their marker, a heading's text), so only
# what Markdown reads inline needs escaping: emphasis, code, links, HTML, entities, pipes.
_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")


def md(text: str) -> str:
    """Text made inert in Markdown: punctuation Markdown reads inline is backslash-escaped,
    and line breaks become `<br>` so a cell stays one table row."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    return "<br>".join(escaped.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out


def _details(row: Row, skip: tuple[str, ...]) -> str:
    shown = {k: v for k, v in row.items() if k not in ("record", *skip) and v != ""}
    # An amount reads as money (the CSV keeps the exact number and the currency apart).
    if "amount.amount" in shown:
        money = Money(Decimal(shown.pop("amount.amount")), shown.pop("amount.currency", ""))
        shown = {"amount": format_money(money), **shown}
    return "; ".join(f"{md(k)}: {md(v)}" for k, v in shown.items())


def markdown(timeline: list[Row], stored: list[Row], exported_at: datetime, team_id: str) -> str:
    """The document for one client: its timeline (ui.export_timeline.timeline), then what is
    stored about its suggested messages, offboarding and settings (domain.export.rows)."""
    by_kind: dict[str, list[Row]] = {}
    for row in stored:
        by_kind.setdefault(row["record"], []).append(row)
    client = by_kind[CLIENT][0]
    out = [
        f"# {md(client.get('name', ''))}: the full record",
        "",
        f"Exported from Tactful at {exported_at.isoformat(timespec='seconds')}, workspace "
        f"{md(team_id)}. First every entry, in the order things happened (times in the "
        "workspace's time zone); then each suggested message with its versions and approvals, "
        "the offboarding checklist and the client's settings. Every stored field, ids included, "
        "is in the internal CSV beside this file. Text typed by people is escaped.",
        "",
        f"## Timeline ({len(timeline)} entries, oldest first)",
        "",
        *_table(
            READER_COLUMNS,
            [
                (md(r["date"]) or "date not given", *(md(r[c]) for c in READER_COLUMNS[1:]))
                for r in timeline
            ],
        ),
    ]
    nudges = by_kind.get(NUDGE, [])
    out += ["", f"## Suggested messages ({len(nudges)})"]
    for nudge in nudges:
        key = nudge["id"]
        out += ["", f"### {md(message_label(key))}", "", _details(nudge, ("id",))]
        versions = [v for v in by_kind.get(VERSION, []) if v.get("nudge") == key]
        if versions:
            out += ["", "Versions of the suggested message:", ""]
            out += [
                f"{n}. by {md(v.get('by', ''))} at {md(v.get('at', ''))}: {md(v.get('text', ''))}"
                for n, v in enumerate(versions, 1)
            ]
        approvals = [a for a in by_kind.get(APPROVAL, []) if a.get("nudge") == key]
        if approvals:
            out += ["", "Approved by: " + ", ".join(md(a.get("by", "")) for a in approvals)]
    if OFFBOARDING in by_kind:
        out += ["", "## Offboarding", "", _details(by_kind[OFFBOARDING][0], ("id",)), ""]
        ticks = by_kind.get(TICK, [])
        out += [
            f"- {md(t['id'])}: done by {md(t.get('by', ''))} at {md(t.get('at', ''))}"
            for t in ticks
        ]
        if not ticks:
            out.append("- nothing ticked yet")
    out += [
        "",
        "## Client settings",
        "",
        *_table(
            ("setting", "value"),
            [(md(k), md(v)) for k, v in client.items() if k not in ("record", "id")],
        ),
    ]
    # Anything a later version stores that this document has no section for still appears
    # (entries are the timeline).
    known = {CLIENT, ENTRY, NUDGE, VERSION, APPROVAL, OFFBOARDING, TICK}
    for kind, extra in by_kind.items():
        if kind not in known:
            out += ["", f"## {md(kind)}", ""]
            out += [f"- {md(r['id'])}: {_details(r, ('id',))}" for r in extra]
    return "\n".join(out) + "\n"
