"""The offboarding checklist message: each item, who ticked it and when, and a button for each
item still open. Action ids are constants shared with handlers/offboarding.py (registered
there; tests/test_manifest.py checks they are), and the actions block's id names the client.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from domain import offboarding as ob
from domain.inputs import escape
from domain.models import ClientRecord
from ui import blocks as bk
from ui.replies import day, who

ACTION_IDS = {item: f"offboard_{item}" for item in ob.ITEMS}
BLOCK_PREFIX = "offboard|"

# (what the item is, the button that ticks it)
ITEMS = {
    ob.HANDOVER: ("Full access to every account handed over", "Accounts handed over"),
    ob.FINAL_REPORT: ("Final report sent to them", "Final report sent"),
    ob.REASON: ("Reason stated to them", "Reason stated"),
    ob.EXPORTED: ("Record exported", "Export the record"),
    ob.ARCHIVED: ("Archived: no more nudges", "Archive"),
}


def block_id(client_id: str, revision: str = "") -> str:
    """offboard|<client id>, then |<revision> (bk.revision) so that each update of the
    checklist has a new id; each button's value names the client as well."""
    return f"{BLOCK_PREFIX}{client_id}" + (f"|{revision}" if revision else "")


def parse_block_id(value: str) -> str | None:
    client_id = value.removeprefix(BLOCK_PREFIX).partition("|")[0]
    return client_id if value.startswith(BLOCK_PREFIX) and client_id else None


def item_for(action_id: str) -> str | None:
    return next((item for item, a in ACTION_IDS.items() if a == action_id), None)


def at(when: datetime, tz: tzinfo) -> str:
    local = when.astimezone(tz)
    return f"{day(local.date())} {local:%H:%M}"


def checklist(record: ClientRecord, tz: tzinfo) -> dict[str, Any]:
    """The message body (text and blocks) showing the checklist as it stands."""
    c, o = record.client, record.offboarding
    assert o is not None
    name = escape(c.name)
    owed = ob.owed(record)
    lines = []
    for item, (label, _button) in ITEMS.items():
        tick = o.ticks.get(item)
        if tick is not None:
            lines.append(f":white_check_mark: {label}: {who(tick.by)}, {at(tick.at, tz)}")
        elif item == ob.HANDOVER and owed is not None:
            lines.append(f":no_entry: {label}: on hold while money is owed")
        else:
            lines.append(f":white_square: {label}")
    blocks = [
        bk.header(f"Offboarding {c.name}"),
        bk.section(
            f"*Reason:* {escape(o.reason)}\n_Started by {who(o.started_by)}, "
            f"{at(o.started_at, tz)}. Each step is kept in the record with who and when._"
        ),
    ]
    if owed is not None:
        refs = ", ".join(f"#{escape(r)}" for r in owed.refs)
        blocks.append(
            bk.context(
                f":warning: {name} still owes money ({refs}): hold the handover of accounts "
                "until it is paid."
            )
        )
    blocks.append(bk.section("\n".join(lines)))
    open_items = [item for item in ITEMS if item not in o.ticks]
    if open_items:
        blocks.append(
            bk.actions(
                block_id(c.client_id, bk.revision(blocks, open_items)),
                *(bk.button(ITEMS[i][1], ACTION_IDS[i], c.client_id) for i in open_items),
            )
        )
    else:
        blocks.append(
            bk.context(f"All done. The record stays; `/client unarchive` brings {name} back.")
        )
    done = len(ITEMS) - len(open_items)
    return bk.message(f"Offboarding {name}: {done} of {len(ITEMS)} steps done", blocks)
