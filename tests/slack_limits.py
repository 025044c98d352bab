"""Slack's Block Kit limits and payload shapes, checked on what the app sends.

From Slack's reference: 50 blocks in a message, 100 in a modal or Home tab; 3,000 characters
in a section's text, 150 in a header, 75 in a button's label and an option's text, 150 in an
option's value, 2,000 in a button's value, 3,000 in a button's URL; 10 elements in a context
block, 25 in an actions block, 100 options in a static menu; a modal's title and its submit and
close labels at most 24 characters; private_metadata at most 3,000 characters; action ids
unique within a block and block ids unique within a view.
"""

from __future__ import annotations

from typing import Any

LIMITS = {"message": 50, "home": 100, "modal": 100}


def problems(body: dict[str, Any], kind: str) -> list[str]:
    """Every way `body` (a message, or a Home or modal view) breaks Slack's limits."""
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
