"""The weekly digest message (Block Kit), inside a message's limits by construction: at most
50 blocks and `bk.MAX_MESSAGE_TEXT` characters of text however many clients need attention,
the most urgent first, and a last line counting what was left out and pointing to App Home."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.agenda import Agenda
from domain.attention import Standing
from ui import agenda as ag
from ui import blocks as bk
from ui.replies import day

METADATA_EVENT = "tactful_digest"
ITEMS_SHOWN = 30
RETYPES_SHOWN = 8
PROMISES_SHOWN = 10
# Kept for the last line (one context block, a count and a pointer: well under this).
LAST_LINE_ROOM = 300


def metadata(team: str, period: str) -> dict[str, Any]:
    """What identifies the digest of a period in the channel, to find it before posting again."""
    return {"event_type": METADATA_EVENT, "event_payload": {"team": team, "period": period}}


def summary_line(a: Agenda) -> str:
    reminders = sum(1 for _s, w in a.waiting if w.reminder)
    suggestions = len(a.waiting) - reminders
    after_last = (
        f"{reminders} reminder{'' if reminders == 1 else 's'} after the last step; "
        if reminders
        else ""
    )
    return (
        f"{ag.overdue_line(a)} {len(a.quiet)} gone quiet; "
        f"{suggestions} suggestion{'' if suggestions == 1 else 's'} waiting for approval; "
        f"{after_last}"
        f"{len(a.promises)} promise{'' if len(a.promises) == 1 else 's'} to pay due this week."
    )


def last_line(left: int) -> str:
    """The digest's last line: how many items it left out, and where all of them are."""
    if not left:
        return "App Home shows all of it, and every client; `/client list` ranks them."
    return (
        f"*…and {left:,} more* not shown here: open Tactful's *Home* tab (App Home) for all "
        "of it; `/client list` ranks every client."
    )


def digest(a: Agenda, standings: list[Standing], today: date, links: ag.Links) -> dict[str, Any]:
    title = f"Weekly digest, {day(today)}"
    summary = summary_line(a)
    room = bk.Budget(bk.MAX_BLOCKS - 1, bk.MAX_MESSAGE_TEXT - LAST_LINE_ROOM)
    blocks = [bk.header(title), bk.section(summary)]
    room.take(*blocks)  # at most 150 + 3,000 characters: always fits
    left = 0

    lines = ag.items(a, today)
    shown = 0
    for text, thread in lines[:ITEMS_SHOWN]:
        block = ag.item_block(text, thread, links)
        if not room.take(block):
            break
        blocks.append(block)
        shown += 1
    left += len(lines) - shown

    promises = ag.promise_lines(a)
    packed, shown = bk.pack(promises[:PROMISES_SHOWN], room)
    blocks += packed
    left += len(promises) - shown

    retypes = [
        ag.retype_block(s.name, s.client_id, s.insight.suggested, s.insight.because)
        for s in a.retype[:RETYPES_SHOWN]
        if s.insight is not None and s.insight.suggested is not None
    ]
    shown = 0
    heading = bk.context("*What the record suggests*")
    if retypes and room.take(heading, retypes[0]):
        blocks += [heading, retypes[0]]
        shown = 1
        for block in retypes[1:]:
            if not room.take(block):
                break
            blocks.append(block)
            shown += 1
    left += len(a.retype) - shown

    blocks.append(bk.context(last_line(left)))
    return bk.message(f"{title}: {summary}", blocks)
