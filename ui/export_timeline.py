"""A client's record as a reader sees it: one row per entry, in the order things happened, in
plain columns, for the CSV an agency hands to a client or an accountant. Pure.

Only what a reader needs is here. Every stored field (seq numbers, the logging order, nudge
keys, Slack message ids, delivery states, versions...) is in the internal file exported beside
it (domain/export.py), so nothing is lost by leaving it out of this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo

from domain.corrections import voided_by
from domain.export import Row
from domain.models import Interaction, Kind
from domain.money import format_money_code
from ui.replies import ENTRY_VERBS

# The reader's columns, in this order. `entry` comes last: it is how /client history,
# /client void and /client fix name an entry (`e12`), and it finds the entry's stored fields
# in the internal file (the `entry` row whose id is 12).
READER_COLUMNS = ("date", "what", "who", "reference", "amount", "due", "text", "entry")
CLIENT = "client"
# What the client did (replied, paid, promised, asked for a revision, agreed a rhythm, went on
# leave), whoever at the agency logged it: `who` says "client" for these.
BY_CLIENT = frozenset({Kind.HEARD, Kind.REVISION, Kind.AGREED, Kind.PAID, Kind.PROMISED, Kind.AWAY})
# Lines whose `ref` is an invoice's reference; a correction's `ref` is its target's.
ABOUT_AN_INVOICE = frozenset({Kind.INVOICE, Kind.PAID, Kind.PROMISED})


def timeline(history: Iterable[Interaction], tz: tzinfo) -> list[Row]:
    """Every entry, by the day it happened and then in the order it was logged, each with
    every reader column (empty where it says nothing)."""
    lines = sorted(history, key=lambda e: e.seq)
    by_seq = {e.seq: e for e in lines}
    voided = voided_by(lines)
    return [
        _row(e, by_seq, e.seq in voided, tz)
        for e in sorted(lines, key=lambda e: (e.occurred_on, e.seq))
    ]


def _row(e: Interaction, by_seq: dict[int, Interaction], voided: bool, tz: tzinfo) -> Row:
    what = ENTRY_VERBS[e.kind] + (" (voided)" if voided else "")
    return {
        "date": _when(e, tz),
        "what": what,
        "who": CLIENT if e.kind in BY_CLIENT else e.logged_by,
        "reference": _reference(e, by_seq),
        "amount": format_money_code(e.amount) if e.amount else "",
        "due": e.due_on.isoformat() if e.due_on else "",
        # A snooze says what it holds back in its ref (`quiet`, `overdue`...), not its text.
        "text": e.text or (e.ref if e.kind is Kind.SNOOZED else ""),
        "entry": e.short_id,
    }


def _when(e: Interaction, tz: tzinfo) -> str:
    """The day it happened, with the time when it was logged that same day (in the workspace's
    time zone); empty when the day wasn't given (an invoice logged after its due date)."""
    if e.undated:
        return ""
    logged = e.logged_at.astimezone(tz)
    if logged.date() == e.occurred_on:
        return logged.strftime("%Y-%m-%d %H:%M")
    return e.occurred_on.isoformat()


def _reference(e: Interaction, by_seq: dict[int, Interaction]) -> str:
    """The invoice a line is about (`A1`); for any other line about an earlier entry (a void,
    a fix, a closed request, an answer to one request), that entry (`e12`)."""
    if e.kind in ABOUT_AN_INVOICE:
        return e.ref
    if not e.target:
        return ""
    target = by_seq.get(e.target)
    if target is not None and target.kind in ABOUT_AN_INVOICE and e.ref:
        return e.ref
    return f"e{e.target}"
