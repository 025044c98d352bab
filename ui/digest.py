"""The weekly digest message (Block Kit, within a message's 50 blocks)."""

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
PROMISES_SHOWN = 3


def metadata(team: str, period: str) -> dict[str, Any]:
    """What identifies the digest of a period in the channel, to find it before posting again."""
    return {"event_type": METADATA_EVENT, "event_payload": {"team": team, "period": period}}


def digest(a: Agenda, standings: list[Standing], today: date, links: ag.Links) -> dict[str, Any]:
    title = f"Weekly digest, {day(today)}"
    reminders = sum(1 for _s, w in a.waiting if w.reminder)
    suggestions = len(a.waiting) - reminders
    after_last = (
        f"{reminders} reminder{'' if reminders == 1 else 's'} after the last step; "
        if reminders
        else ""
    )
    summary = (
        f"{ag.overdue_line(a)} {len(a.quiet)} gone quiet; "
        f"{suggestions} suggestion{'' if suggestions == 1 else 's'} waiting for approval; "
        f"{after_last}"
        f"{len(a.promises)} promise{'' if len(a.promises) == 1 else 's'} to pay due this week."
    )
    blocks = [bk.header(title), bk.section(summary)]
    blocks += ag.item_blocks(ag.items(a, today), links, budget=ITEMS_SHOWN)
    if a.promises:
        blocks += ag.promise_blocks(a, budget=PROMISES_SHOWN)
    if a.retype:
        blocks.append(bk.context("*What the record suggests*"))
        blocks += ag.retype_blocks(a, budget=RETYPES_SHOWN)
    blocks.append(
        bk.context("App Home shows all of it, and every client; `/client list` ranks them.")
    )
    assert len(blocks) <= bk.MAX_BLOCKS
    return bk.message(f"{title}: {summary}", blocks)
