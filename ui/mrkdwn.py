"""The one place where text people typed is made safe to show in mrkdwn: clipped while it is
still plain text, then escaped, and made inert inside bold, italic or strike-through.

Slack escapes only `&`, `<` and `>` (as `&amp;`, `&lt;`, `&gt;`); it has no escape for its
formatting characters. A client called `*Best* Ltd` or `Acme_Co_` shown as `*{name}*` would end
the bold early or start italics. Slack treats `*`, `_`, `~` and a backtick as formatting only at
a word's edge (after a space or punctuation, before one), so a zero-width space on each side of
the character makes it plain: the name reads as typed, and the invisible marks are ignored if
it is copied back into a command (names are compared without invisible characters,
domain/characters.py).
"""

from __future__ import annotations

import re

from domain.inputs import escape

ZERO_WIDTH_SPACE = "\u200b"
_FORMATTING = re.compile(r"([*_~`])")
_ESCAPED_LENGTH = {"&": 5, "<": 4, ">": 4}  # &amp; &lt; &gt;
_LITERAL_LENGTH = _ESCAPED_LENGTH | dict.fromkeys("*_~`", 3)  # fenced by zero-width spaces
ELLIPSIS = "…"


def escaped_length(text: str, *, inside: bool = False) -> int:
    """How long `text` is once escaped (by `literal` when `inside` formatting)."""
    length = len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))
    if inside:
        length += 2 * sum(text.count(ch) for ch in "*_~`")
    return length


def fit(text: str, limit: int, *, inside: bool = False) -> str:
    """Plain `text` cut so that, once escaped (by `literal` when `inside` formatting), it is at
    most `limit` characters, "…" marking a cut (at a space in its last quarter when there is
    one). Still plain: escape it after. A cut made here can never split an escape, which exists
    only once the text is escaped."""
    if escaped_length(text, inside=inside) <= limit:
        return text
    costs = _LITERAL_LENGTH if inside else _ESCAPED_LENGTH
    room = limit - len(ELLIPSIS)
    used = end = 0
    for end, ch in enumerate(text):  # noqa: B007 (end is the cut when the loop breaks)
        used += costs.get(ch, 1)
        if used > room:
            break
    cut = text[:end]
    space = cut.rfind(" ", len(cut) * 3 // 4)
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def escape_clipped(text: str, limit: int) -> str:
    """`text` clipped to `limit` characters of escaped mrkdwn: clipped first, then escaped,
    never the other way round (which could cut `&amp;` in half)."""
    return escape(fit(text, limit))


def literal(text: str) -> str:
    """A person's text as mrkdwn that shows exactly what they typed, also inside `*...*`,
    `_..._` or `~...~`: escaped, and each formatting character fenced by zero-width spaces."""
    return inert(escape(text))


def inert(mrkdwn: str) -> str:
    """Already escaped text with its formatting characters made plain (see the module)."""
    if not _FORMATTING.search(mrkdwn):
        return mrkdwn
    return _FORMATTING.sub(ZERO_WIDTH_SPACE + r"\1" + ZERO_WIDTH_SPACE, mrkdwn)


def visible(mrkdwn: str) -> str:
    """What a reader sees of `literal`'s fences: nothing (for text renderings and tests)."""
    return mrkdwn.replace(ZERO_WIDTH_SPACE, "")
