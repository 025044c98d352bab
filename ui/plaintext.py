"""Block Kit as readable terminal text, for the console."""

from __future__ import annotations

import re
from typing import Any

_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")


def mrkdwn_to_text(text: str) -> str:
    def mention(m: re.Match[str]) -> str:
        sigil, ident, label = m.group(1), m.group(2), m.group(3)
        return f"{'@' if sigil == '!' else sigil}{label or ident}"

    # The zero-width fences that keep typed `*_~` plain in Slack (ui/mrkdwn.py) show as nothing.
    text = _MENTION.sub(mention, text).replace("\u200b", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render(body: dict[str, Any]) -> str:
    """A message or view body as lines of text; buttons show as [action_id]."""
    blocks = body.get("blocks") or []
    if not blocks:
        return mrkdwn_to_text(str(body.get("text", "")))
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            lines += [title, "=" * min(len(title), 60)]
        elif kind == "section":
            button = block.get("accessory") or {}
            label = f"  [{_label(button)}]" if button.get("type") == "button" else ""
            lines.append(mrkdwn_to_text(block["text"]["text"]) + label)
        elif kind == "context":
            lines.append(
                "  " + " ".join(mrkdwn_to_text(e.get("text", "")) for e in block["elements"])
            )
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append("  ".join(f"[{_label(e)}]" for e in block["elements"]))
        elif kind == "input":
            element = block.get("element", {})
            lines.append(f"{block['label']['text']}: {element.get('initial_value', '')}")
        elif kind == "rich_text":
            lines.append(mrkdwn_to_text(_rich_text(block)))
    return "\n".join(lines)


def _label(element: dict[str, Any]) -> str:
    """A button's text, or a menu's or date picker's placeholder."""
    text = element.get("text") or element.get("placeholder") or {}
    return text.get("text", element.get("action_id", "?"))


def _rich_text(block: dict[str, Any]) -> str:
    out = []
    for element in block.get("elements", []):
        out.append("".join(e.get("text", "") for e in element.get("elements", [])))
    return "\n".join(out)
