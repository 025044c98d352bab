"""Nudge messages: the top-level alert for the team and the suggestion in its thread.

Action ids are constants shared with handlers/actions.py, and tests check them against the
listeners; each button's value names the nudge (client id and nudge key).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import DatePickerElement, Option, StaticSelectElement

from domain.inputs import escape
from ui import blocks as bk
from ui.mrkdwn import escape_clipped, literal

if TYPE_CHECKING:
    from ui.wording import Wording

APPROVE = "nudge_approve"
EDIT = "nudge_edit"
SNOOZE = "nudge_snooze"
SNOOZE_UNTIL = "nudge_snooze_until"
DISMISS = "nudge_dismiss"
# After approval, for a message sent by email or another channel: log it as sent.
SENT_IT = "nudge_sent"
# After approval, with SMTP_URL and EMAIL_FROM set and a client with an address: Tactful sends
# it (service/email_out.py); after a send whose outcome is unknown, a person may send it again.
SEND_EMAIL = "nudge_email"
SEND_AGAIN = "nudge_email_again"
# The controls of a suggestion waiting for the team, in the order shown.
SUGGESTION_ACTIONS = (APPROVE, EDIT, SNOOZE, SNOOZE_UNTIL, DISMISS)
ACTION_IDS = (*SUGGESTION_ACTIONS, SENT_IT, SEND_EMAIL, SEND_AGAIN)
# What an approved message's buttons offer by email: nothing, Send by email, or Send again.
EMAIL_NONE, EMAIL_SEND, EMAIL_AGAIN = "", "send", "again"
SNOOZE_CHOICES = {"1d": "1 day", "3d": "3 days", "7d": "1 week"}
METADATA_EVENT = "tactful_nudge"


BLOCK_PREFIX = "nudge"
# nudge~<revision>|<client id>|<key>; messages posted before revisions: nudge|<client>|<key>.
_BLOCK_ID = re.compile(r"nudge(?:~[0-9a-f]{1,16})?\|")


def block_id(client_id: str, key: str, revision: str = "") -> str:
    """The actions block's id names the nudge, so every element in it (buttons, the snooze
    menu, the date picker, which has no value of its own) tells us which nudge it is for; the
    message's revision (bk.revision) makes it new on each update of the message."""
    return f"{BLOCK_PREFIX}{'~' + revision if revision else ''}|{client_id}|{key}"


def parse_block_id(value: str) -> tuple[str, str] | None:
    """(client id, nudge key) from an actions block's id, with or without a revision."""
    found = _BLOCK_ID.match(value)
    if found is None:
        return None
    client_id, _, key = value[found.end() :].partition("|")
    return (client_id, key) if client_id and key else None


def metadata(team_id: str, client_id: str, key: str, part: str) -> dict[str, Any]:
    """Message metadata that lets a retry find a post that landed although we never heard back."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"team_id": team_id, "client_id": client_id, "key": key, "part": part},
    }


def alert(headline: str, stage_line: str, late_line: str, why_you: str = "") -> dict[str, Any]:
    """The top-level message. `headline` and `why_you` are mrkdwn already escaped."""
    blocks = [bk.section(headline), bk.context(f"_{literal(stage_line)}_")]
    if late_line:
        blocks.append(bk.context(f":hourglass: {escape(late_line)}"))
    if why_you:
        blocks.append(bk.context(why_you))
    return bk.message(_plain(headline), blocks)


def creator_dm_line(client_name: str) -> str:
    """Why a nudge came by DM to whoever added the client, and how to send it elsewhere."""
    arg = escape(f'"{client_name}"' if " " in client_name else client_name)
    return (
        f":information_source: You get this because you added *{literal(client_name)}* and it "
        f"has no channel or owner: `/client set {arg} in #channel` or "
        f"`/client set {arg} owner @person` sends its nudges there instead."
    )


def actions_block(client_id: str, key: str, revision: str = "") -> dict[str, Any]:
    snooze = StaticSelectElement(
        action_id=SNOOZE,
        placeholder="Snooze…",
        options=[Option(value=k, label=label) for k, label in SNOOZE_CHOICES.items()],
    )
    until = DatePickerElement(action_id=SNOOZE_UNTIL, placeholder="Snooze until…")
    return bk.actions(
        block_id(client_id, key, revision),
        bk.button("Approve", APPROVE, "approve", style="primary"),
        bk.button("Edit", EDIT, "edit"),
        snooze,
        until,
        bk.button("Dismiss", DISMISS, "dismiss", style="danger"),
    )


def reminder_actions_block(client_id: str, key: str, revision: str = "") -> dict[str, Any]:
    """A team reminder after the last step: nothing to approve, only snooze or dismiss."""
    full = actions_block(client_id, key, revision)
    return {
        **full,
        "elements": [e for e in full["elements"] if e["action_id"] not in (APPROVE, EDIT)],
    }


def sent_block(
    client_id: str, key: str, email: str = EMAIL_NONE, email_id: str = "", revision: str = ""
) -> dict[str, Any]:
    """The buttons an approved message not posted by Tactful keeps: "Sent it", and "Send by
    email" (or, after a send whose outcome is unknown, "Send again", naming that send so an
    old click can't send twice)."""
    buttons = [bk.button("Sent it", SENT_IT, "sent")]
    if email == EMAIL_SEND:
        buttons.append(bk.button("Send by email", SEND_EMAIL, "email", style="primary"))
    elif email == EMAIL_AGAIN:
        buttons.append(bk.button("Send again", SEND_AGAIN, email_id or "again"))
    return bk.actions(block_id(client_id, key, revision), *buttons)


def quote(text: str) -> str:
    """Person-visible text as an escaped mrkdwn block quote."""
    return "\n".join(f">{escape(line)}" if line else ">" for line in text.split("\n"))


def _plain(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "")


EDIT_VIEW = "nudge_edit_view"
DISMISS_VIEW = "nudge_dismiss_view"
VIEW_IDS = (EDIT_VIEW, DISMISS_VIEW)
MESSAGE_BLOCK, MESSAGE_INPUT = "message", "text"
REASON_BLOCK, REASON_INPUT = "reason", "text"


# Slack's plain_text_input holds at most 3,000 characters (its max_length): the longest text
# the Edit modal can show whole, and so the longest edit it takes.
MAX_EDIT = 3000
# The text of a nudge too long to show whole in its thread (only a stored text from before
# suggestions were bounded could be): shortened for display, said, never cut silently, and the
# whole text is in the client's export.
_TOO_LONG_TO_SHOW = (
    "_Shortened for display: the rest ({left:,} characters) is too long to show in one Slack "
    "message. The whole text is in_ `/client export {arg}`_._"
)
# Room for the sentence above, and for the text of the blocks around the suggestion's.
_SHORTENED_ROOM = 400


def thread_message(
    intro: str,
    why: str,
    text: str,
    client_id: str,
    key: str,
    footer: list[str],
    *,
    open_: bool,
    sent_button: bool = False,
    reminder: bool = False,
    email: str = EMAIL_NONE,
    email_id: str = "",
    client_name: str = "",
) -> dict[str, Any]:
    """The suggestion as it stands: with its buttons while undecided, and a footer saying what
    happened to it (edits, approvals so far, or the decision); once approved, a "Sent it"
    button if the team sends it themselves, with "Send by email" or "Send again" (`email`).

    The text is shown whole, over as many sections as it needs (each within Slack's 3,000
    characters), so the team approves exactly what it reads. A text too long for one message
    (only one stored before suggestions were bounded) is shown up to Slack's limit for the
    whole message, saying so and where the whole text is (`client_name`'s export)."""
    head = [bk.context(f":bulb: {escape(why)}")]
    tail = [bk.context(line) for line in footer]
    # Each update of the message (an edit, an approval, a decision) shows something new.
    revision = bk.revision(intro, why, text, footer, open_, sent_button, reminder)
    if open_:
        controls = reminder_actions_block if reminder else actions_block
        tail.append(controls(client_id, key, revision))
    elif sent_button:
        tail.append(sent_block(client_id, key, email, email_id, revision))
    room = bk.MAX_BLOCKS - len(head) - len(tail)
    chars = bk.MAX_MESSAGE_TEXT - bk.text_size([*head, *tail]) - _SHORTENED_ROOM
    title = f"*{literal(intro)}*"
    arg = escape(f'"{client_name}"' if " " in client_name else client_name or "<name>")
    if open_:
        body = quoted_sections(title, text, room, chars, arg)
    else:
        body = [bk.section(title), *preformatted_blocks(text, room - 1, chars - len(title), arg)]
    fallback = f"{escape(intro)} {escape_clipped(text, 500)}"
    return bk.message(fallback, [*head, *body, *tail])


def quoted_sections(
    title: str,
    text: str,
    room: int,
    chars: int = bk.MAX_MESSAGE_TEXT,
    arg: str = "&lt;name&gt;",
) -> list[dict[str, Any]]:
    """`title` and the text as an escaped block quote, in at most `room` sections of at most
    3,000 characters each and `chars` in all; a line too long for one section is cut at its
    spaces before escaping."""
    limit = bk.MAX_SECTION_TEXT - len(title) - 1
    pieces = bk.split_plain(text, limit, lambda piece: len(quote(piece)))
    blocks = [
        bk.section(f"{title}\n{quote(pieces[0])}" if i == 0 else quote(piece))
        for i, piece in enumerate(pieces)
    ]
    return _within(blocks, pieces, room, chars, arg)


def preformatted_blocks(
    text: str, room: int, chars: int = bk.MAX_MESSAGE_TEXT, arg: str = "&lt;name&gt;"
) -> list[dict[str, Any]]:
    """The text exactly as written, in copyable boxes of at most 3,000 characters each and
    `chars` in all."""
    pieces = bk.split_plain(text, bk.MAX_SECTION_TEXT)
    return _within([preformatted(piece) for piece in pieces], pieces, room, chars, arg)


def _within(
    blocks: list[dict[str, Any]], pieces: list[str], room: int, chars: int, arg: str
) -> list[dict[str, Any]]:
    """`blocks` if they fit in `room` blocks and `chars` characters of text; else as many of
    the first ones as fit and a last one saying how much more there is and where it is whole (a
    text this long can only be one stored before suggestions were bounded)."""
    if len(blocks) <= room and bk.text_size(blocks) <= chars:
        return blocks
    shown, used = 0, 0
    for block in blocks[: room - 1]:
        used += bk.text_size([block])
        if used > chars:
            break
        shown += 1
    left = sum(len(p) for p in pieces[shown:])
    return [*blocks[:shown], bk.context(_TOO_LONG_TO_SHOW.format(left=left, arg=arg))]


def preformatted(text: str) -> dict[str, Any]:
    """Text shown exactly as written, in a box that is easy to copy; nothing in it is markup.
    Callers split longer text (`preformatted_blocks`): this clips only as a last resort."""
    return {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_preformatted",
                "elements": [{"type": "text", "text": bk.clip(text, bk.MAX_SECTION_TEXT)}],
            }
        ],
    }


def modal(
    callback_id: str, title: str, submit: str, metadata: str, block: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [block],
    }


def too_long_to_edit(length: int, client_name: str = "") -> str:
    """Why Edit didn't open: Slack's edit box would have to cut the text."""
    arg = escape(f'"{client_name}"' if " " in client_name else client_name or "<name>")
    return (
        f":warning: This message is {length:,} characters long, and Slack's edit box holds "
        f"{MAX_EDIT:,}: editing it here would cut it. Copy it from the thread (or from "
        f"`/client export {arg}`, which has the whole text if the thread shows it shortened), "
        "shorten it, and send it yourself, or dismiss it."
    )


def edit_modal(text: str, metadata: str) -> dict[str, Any]:
    """The Edit modal, starting from the whole text. A text longer than the box holds is
    refused (ValueError): it would be cut, and saving would store the cut text."""
    if len(text) > MAX_EDIT:
        raise ValueError(f"{len(text)} characters don't fit the edit box ({MAX_EDIT})")
    field = {
        "type": "input",
        "block_id": MESSAGE_BLOCK,
        "label": {"type": "plain_text", "text": "Message for the client"},
        "element": {
            "type": "plain_text_input",
            "action_id": MESSAGE_INPUT,
            "multiline": True,
            "initial_value": text,
            "max_length": MAX_EDIT,
        },
    }
    return modal(EDIT_VIEW, "Edit message", "Save", metadata, field)


def dismiss_modal(metadata: str) -> dict[str, Any]:
    field = {
        "type": "input",
        "block_id": REASON_BLOCK,
        "optional": True,
        "label": {"type": "plain_text", "text": "Why dismiss it? (optional, kept in the record)"},
        "element": {"type": "plain_text_input", "action_id": REASON_INPUT, "max_length": 500},
    }
    return modal(DISMISS_VIEW, "Dismiss suggestion", "Dismiss", metadata, field)


def backlog(wording: Wording, counts: Mapping[tuple[str, int], int], cap: int) -> dict[str, Any]:
    """The one message for a channel's backlog: how many more clients wait, by step and
    situation (most first), and where to start them. Counts only: no names, nobody pinged."""

    def group(key: str, situation: str, stage: int, n: int) -> str:
        return wording.team(
            key,
            {
                "count": str(n),
                "clients": "client" if n == 1 else "clients",
                "step": wording.team(f"backlog_step_{min(stage, 3)}", {}),
                "situation": wording.team(f"backlog_{situation}", {}),
            },
        )

    ranked = sorted(counts.items(), key=lambda c: (-c[1], c[0]))
    if len(ranked) == 1:
        ((situation, stage), n), *_ = ranked
        text = group("backlog_one", situation, stage, n)
    else:
        groups = "; ".join(group("backlog_group", s, st, n) for (s, st), n in ranked)
        text = wording.team("backlog_many", {"count": str(sum(counts.values())), "groups": groups})
    how = wording.team("backlog_how", {"cap": str(cap)})
    return {
        "text": f"{text} {how}",
        "blocks": [bk.section(escape(text)), bk.context(escape(how))],
    }
