"""Slack's Block Kit limits and payload shapes, checked on what the app sends.

From Slack's reference: 50 blocks in a message, 100 in a modal or Home tab; 3,000 characters
in a section's text, 150 in a header, 75 in a button's label and an option's text, 150 in an
option's value, 2,000 in a button's value, 3,000 in a button's URL; 10 elements in a context
block, 25 in an actions block, 100 options in a static menu; a modal's title and its submit and
close labels at most 24 characters; private_metadata at most 3,000 characters; action ids
unique within a block and block ids unique within a view. And, not in the reference but enforced
(`msg_blocks_too_long`, slackapi/bolt-js#2509 and #2867): a message's blocks hold at most about
12,000 characters of text in all.
"""

from __future__ import annotations

from typing import Any

LIMITS = {"message": 50, "home": 100, "modal": 100}
MESSAGE_TEXT = 12_000  # the lowest figure reported for msg_blocks_too_long


def text_size(blocks: list[dict[str, Any]]) -> int:
    """Every text object's characters in `blocks` (counted here, not by the app's own helper,
    so a mistake there can't hide one here)."""
    total = 0
    stack: list[Any] = list(blocks)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
        elif isinstance(node, dict):
            if isinstance(node.get("text"), str):
                total += len(node["text"])
            stack += [v for v in node.values() if isinstance(v, dict | list)]
    return total


def problems(body: dict[str, Any], kind: str, *, text_total: bool = True) -> list[str]:
    """Every way `body` (a message, or a Home or modal view) breaks Slack's limits.
    `text_total=False` leaves out a message's total text, for a known exception only."""
    found: list[str] = []
    blocks = body.get("blocks", [])
    if len(blocks) > LIMITS[kind]:
        found.append(f"{len(blocks)} blocks (at most {LIMITS[kind]} in a {kind})")
    if kind in ("home", "modal") and body.get("type") != kind:
        found.append(f"type {body.get('type')!r}, not {kind!r}")
    if kind == "modal":
        for part in ("title", "submit", "close"):
            if part in body and len(body[part]["text"]) > 24:
                found.append(f"{part} over 24 characters")
        if len(body.get("private_metadata", "")) > 3000:
            found.append("private_metadata over 3000 characters")
    if kind == "message" and not body.get("text"):
        found.append("a message needs its fallback text")
    if kind == "message" and text_total and text_size(blocks) > MESSAGE_TEXT:
        found.append(f"{text_size(blocks)} characters of text in blocks (about {MESSAGE_TEXT})")
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        found.append("block ids repeat")
    for block in blocks:
        found += _block(block)
    return found


def _text(obj: dict[str, Any] | None, limit: int, what: str) -> list[str]:
    if not obj:
        return []
    if obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{what}: not a text object"]
    return [f"{what} over {limit} characters"] if len(obj.get("text", "")) > limit else []


def _element(e: dict[str, Any]) -> list[str]:
    found: list[str] = []
    kind = e.get("type")
    if kind == "button":
        found += _text(e.get("text"), 75, "button label")
        if len(e.get("value", "")) > 2000:
            found.append("button value over 2000 characters")
        if len(e.get("url", "")) > 3000:
            found.append("button url over 3000 characters")
        if not e.get("action_id"):
            found.append("a button without an action id")
    if kind == "static_select":
        options = e.get("options", [])
        if not 1 <= len(options) <= 100:
            found.append(f"static_select with {len(options)} options (1 to 100)")
        for o in options:
            found += _text(o["text"], 75, "option text")
            if len(o["value"]) > 150:
                found.append("option value over 150 characters")
    return found


def _block(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    found: list[str] = []
    if kind == "section":
        found += _text(block.get("text"), 3000, "section text")
        if "accessory" in block:
            found += _element(block["accessory"])
    elif kind == "header":
        found += _text(block.get("text"), 150, "header")
        if block["text"]["type"] != "plain_text":
            found.append("a header must be plain_text")
    elif kind == "context":
        if len(block["elements"]) > 10:
            found.append("context with more than 10 elements")
    elif kind == "actions":
        elements = block["elements"]
        if not 1 <= len(elements) <= 25:
            found.append(f"actions with {len(elements)} elements")
        ids = [e.get("action_id") for e in elements]
        if len(ids) != len(set(ids)):
            found.append("action ids repeat within a block")
        for e in elements:
            found += _element(e)
    elif kind == "input":
        found += _text(block.get("label"), 2000, "input label")
        found += _element(block["element"])
    elif kind != "divider":
        found.append(f"unexpected block type {kind!r}")
    return found
