"""The App Home tab: the team's morning view, within Slack's 100 blocks however many clients."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.agenda import agenda
from domain.attention import Standing
from ui import agenda as ag
from ui import blocks as bk
from ui.mrkdwn import literal
from ui.replies import TYPE_LABEL, day, unreadable_notice, who

LOG_OPEN = "home_log_interaction"
PAGE_PREV = "home_page_prev"
PAGE_NEXT = "home_page_next"
ACTION_IDS = (LOG_OPEN, PAGE_PREV, PAGE_NEXT)
# Clients listed per page: one line each, a few sections, whatever the names.
CLIENTS_PER_PAGE = 40
ATTENTION_SHOWN = 15  # items (one block each, with its thread button)
RETYPES_SHOWN = 5
PROMISES_SHOWN = 3  # blocks of lines


def pages(standings: list[Standing]) -> int:
    active = sum(1 for s in standings if not s.archived)
    return max(1, -(-active // CLIENTS_PER_PAGE))


def ordered(standings: list[Standing], viewer: str) -> list[Standing]:
    """The active clients: the viewer's own first, then those needing attention, by name."""
    active = [s for s in standings if not s.archived]
    return sorted(active, key=lambda s: (s.owner != viewer, -s.score, s.name_key))


def client_line(s: Standing) -> str:
    parts = [f"*{literal(s.name)}*", TYPE_LABEL[s.client_type]]
    parts.append(f"owner {who(s.owner)}" if s.owner else "no owner")
    parts.append(
        f"last contact {day(s.last_contact_on)}" if s.last_contact_on else "no contact yet"
    )
    if s.owed:
        parts.append(f"balance {ag.money(s.owed)}")
    if s.overdue_count:
        parts.append(f":red_circle: {s.overdue_count} overdue")
    if s.undeliverable:
        parts.append(":no_entry: nudges can't be delivered: `/client status` says why")
    return " · ".join(parts)


def home(
    standings: list[Standing],
    *,
    viewer: str,
    today: date,
    page: int = 1,
    unreadable: int = 0,
    links: ag.Links | None = None,
) -> dict[str, Any]:
    """The Home view for `viewer`, showing page `page` of the client list."""
    links = links or ag.Links()
    a = agenda(standings, today)
    blocks: list[bk.Block] = [
        bk.header(f"Your clients today, {day(today)}"),
        bk.actions("home_top", bk.button("Log interaction", LOG_OPEN, "log", style="primary")),
    ]
    if unreadable:
        blocks.append(bk.context(unreadable_notice(unreadable)))
    blocks.append(bk.section(ag.overdue_line(a)))
    lines = ag.items(a, today)
    blocks.append(bk.header("Needs attention now"))
    starts = ag.startable(a, today)
    blocks += ag.item_blocks(lines, links, budget=ATTENTION_SHOWN, starts=starts) or [
        bk.context("Nothing needs attention right now.")
    ]
    blocks.append(bk.header("Promises due this week"))
    blocks += ag.promise_blocks(a, budget=PROMISES_SHOWN)
    if a.retype:
        blocks.append(bk.header("What the record suggests"))
        blocks += ag.retype_blocks(a, budget=RETYPES_SHOWN)
    blocks += client_pages(standings, viewer, page)
    blocks += [
        bk.divider(),
        bk.context(
            "Log with `/client ...` in any channel (or the button above); "
            "`/client help` lists every command."
        ),
    ]
    assert len(blocks) <= bk.MAX_VIEW_BLOCKS, len(blocks)
    return {"type": "home", "blocks": blocks}


def client_pages(standings: list[Standing], viewer: str, page: int) -> list[bk.Block]:
    """One page of the active clients (the viewer's first), and the archived ones that still
    owe money."""
    everyone = ordered(standings, viewer)
    total = pages(standings)
    page = min(max(1, page), total)
    shown = everyone[(page - 1) * CLIENTS_PER_PAGE : page * CLIENTS_PER_PAGE]
    mine = [s for s in shown if s.owner == viewer]
    others = [s for s in shown if s.owner != viewer]
    mine_total = sum(1 for s in everyone if s.owner == viewer)
    blocks: list[bk.Block] = [
        bk.header(
            f"Active clients ({len(everyone)})" + (f", page {page} of {total}" if total > 1 else "")
        )
    ]
    if not everyone:
        blocks.append(bk.context("No clients yet. Add one with `/client add acme as late-payer`."))
    if mine:
        blocks.append(bk.context(f"*Yours* ({mine_total})"))
        blocks += bk.sections([client_line(s) for s in mine], budget=4)
    if others:
        if mine:
            blocks.append(bk.context("*Everyone else's*"))
        blocks += bk.sections([client_line(s) for s in others], budget=4)
    if total > 1:
        buttons = []
        if page > 1:
            buttons.append(bk.button(f"← Page {page - 1}", PAGE_PREV, str(page - 1)))
        if page < total:
            buttons.append(bk.button(f"Page {page + 1} →", PAGE_NEXT, str(page + 1)))
        blocks.append(bk.actions("home_pages", *buttons))
    archived = [s for s in standings if s.archived and s.owed]
    if archived:
        blocks.append(bk.header("Archived, still owing"))
        blocks += bk.sections(
            [client_line(s) for s in sorted(archived, key=lambda s: s.name_key)], budget=3
        )
    return blocks


def post_reminder_reply(name: str, outcome: str) -> str:
    """What the person who clicked Post reminder in App Home is told when nothing was posted
    for them (the name escaped)."""
    if outcome == "already":
        return (
            f"The reminder about *{literal(name)}* was already started (someone else clicked, or "
            "the regular check took it): its thread shows up in the channel."
        )
    return (
        f"No reminder is due for *{literal(name)}* today: `/client status` with its name says "
        "what is waiting and when the next step comes."
    )
