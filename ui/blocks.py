"""The one place that builds Block Kit. Every builder clips text to Slack's limits, so no
caller can produce a payload Slack would reject.

Limits (Slack's Block Kit reference): 50 blocks per message, 3,000 characters in a section's
text, 150 in a header, 75 in a button label, 2,000 in a button value, 10 context elements,
25 elements in an actions block.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # a Home tab or a modal
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_CONTEXT_ELEMENTS = 10
# chat.postMessage's top-level `text` (the notification fallback) is truncated by Slack past
# 40,000 characters; we keep it short because it shows in notifications.
MAX_FALLBACK_TEXT = 3000
# Slack refuses a message whose blocks hold more than about 12,000 characters of text in all
# (`msg_blocks_too_long`; slackapi/bolt-js#2509, #2867: the exact figure isn't documented and
# varies between 12,000 and 13,200). Messages built from the data keep well under it.
MAX_MESSAGE_TEXT = 10_000

Block = dict[str, Any]


_ENTITIES = ("&amp;", "&lt;", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, "…" marking a cut. A last resort for text that
    is already mrkdwn: callers clip what people typed before escaping it (`split_plain`,
    `inputs.shorten`), and this never cuts an escape (`&amp;`) in half either."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", max(0, len(cut) - 4))
    if amp != -1 and text.startswith(_ENTITIES, amp) and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def split_plain(text: str, limit: int, cost: Callable[[str], int] = len) -> list[str]:
    """Plain `text` cut into pieces whose `cost` (e.g. the length once escaped) is at most
    `limit`: whole lines where they fit, a long line at its spaces, a long word anywhere.
    Nothing is lost: the pieces, in order, hold every character of `text` but the breaks
    they were cut at. Cut before escaping, so no escape is ever cut in half."""
    pieces: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for part in _line_parts(line, limit, cost):
            joined = part if current is None else f"{current}\n{part}"
            if current is not None and cost(joined) > limit:
                pieces.append(current)
                joined = part
            current = joined
    if current is not None:
        pieces.append(current)
    return pieces


def _line_parts(line: str, limit: int, cost: Callable[[str], int]) -> list[str]:
    if cost(line) <= limit:
        return [line]
    parts: list[str] = []
    current = ""
    for word in line.split(" "):
        joined = f"{current} {word}" if current else word
        if cost(joined) <= limit:
            current = joined
            continue
        if current:
            parts.append(current)
        current = ""
        for ch in word:  # a word longer than a piece: cut anywhere
            if cost(current + ch) > limit:
                parts.append(current)
                current = ""
            current += ch
    if current:
        parts.append(current)
    return parts


def section(text: str) -> Block:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT))).to_dict()


def section_with(text: str, accessory: InteractiveElement) -> Block:
    """A section with one element beside its text (a button)."""
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)), accessory=accessory
    ).to_dict()


def link_button(label: str, action_id: str, url: str) -> ButtonElement:
    """A button that opens `url` (Slack still sends the click: its action is acked)."""
    return ButtonElement(text=clip(label, MAX_BUTTON_TEXT), action_id=action_id, url=url)


def header(text: str) -> Block:
    return HeaderBlock(text=PlainTextObject(text=clip(text, MAX_HEADER_TEXT))).to_dict()


def context(*texts: str) -> Block:
    elements = [MarkdownTextObject(text=clip(t, MAX_SECTION_TEXT)) for t in texts if t]
    return ContextBlock(elements=elements[:MAX_CONTEXT_ELEMENTS]).to_dict()


def text_size(blocks: list[Block]) -> int:
    """The characters of text in `blocks`: every text object's, labels and headers included
    (what Slack counts against a message's total)."""

    def size(node: Any) -> int:
        if isinstance(node, dict):
            own = len(node["text"]) if isinstance(node.get("text"), str) else 0
            return own + sum(size(v) for v in node.values() if isinstance(v, dict | list))
        if isinstance(node, list):
            return sum(size(v) for v in node)
        return 0

    return size(blocks)


class Budget:
    """What is left of a message's room: blocks and characters of text. Builders take blocks
    from it in order of importance and stop where the next doesn't fit, so a message built
    from the data is inside Slack's limits by construction, whatever the data's size."""

    def __init__(self, blocks: int = MAX_BLOCKS, chars: int = MAX_MESSAGE_TEXT) -> None:
        self.blocks, self.chars = blocks, chars

    def fits(self, *blocks: Block) -> bool:
        return len(blocks) <= self.blocks and text_size(list(blocks)) <= self.chars

    def take(self, *blocks: Block) -> bool:
        """Count `blocks` against the room if they all fit (True); else leave it as it was."""
        if not self.fits(*blocks):
            return False
        self.blocks -= len(blocks)
        self.chars -= text_size(list(blocks))
        return True


def pack(lines: list[str], room: Budget) -> tuple[list[Block], int]:
    """Lines (each under a section's limit) packed in order into as few sections as `room`
    holds, stopping at the first that doesn't fit; the sections (taken from `room`) and how
    many lines they hold."""
    done: list[Block] = []
    current = ""
    taken = 0
    for line in lines:
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= MAX_SECTION_TEXT and room.fits(*done, section(joined)):
            current = joined
        elif current and room.fits(*done, section(current), section(line)):
            done.append(section(current))
            current = line
        else:
            break
        taken += 1
    if current:
        done.append(section(current))
    room.take(*done)
    return done, taken


def divider() -> Block:
    return DividerBlock().to_dict()


def button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=clip(label, MAX_BUTTON_TEXT), action_id=action_id, value=value, style=style
    )


def actions(block_id: str, *elements: InteractiveElement) -> Block:
    return ActionsBlock(block_id=block_id, elements=list(elements)).to_dict()


def sections(lines: list[str], *, budget: int = MAX_BLOCKS) -> list[Block]:
    """Pack lines into as few section blocks as fit, using at most `budget` blocks; if the
    lines don't fit, the last block says how many were left out."""
    blocks: list[Block] = []
    current = ""
    for i, line in enumerate(lines):
        line = clip(line, MAX_SECTION_TEXT)
        if current and len(current) + 1 + len(line) > MAX_SECTION_TEXT:
            if len(blocks) == budget - 1:
                left = len(lines) - i
                blocks.append(
                    section(clip(current, MAX_SECTION_TEXT - 40) + f"\n_…and {left} more._")
                )
                return blocks
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def message(text: str, blocks: list[Block] | None = None) -> dict[str, Any]:
    """A message body: fallback text plus at most MAX_BLOCKS blocks."""
    body: dict[str, Any] = {"text": clip(text, MAX_FALLBACK_TEXT)}
    if blocks:
        body["blocks"] = blocks[:MAX_BLOCKS]
    return body


def revision(*content: object) -> str:
    """A short digest of what a message shows, for the ids of its blocks that name something
    (a nudge, a client): Slack asks for a new block_id on each chat.update of a message, and
    one derived from the content changes whenever the message does, with no counter to keep."""
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.blake2s(raw, digest_size=4).hexdigest()
