"""Which characters can't be seen, and which can fool a reader. Pure.

Names are compared by what a person sees, so `acme` followed by a zero-width space is the
client `acme`; text that reorders itself on screen (bidi overrides) or hides control codes is
refused wherever people type.
"""

from __future__ import annotations

import unicodedata

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): rendered as nothing
# unless a font chooses otherwise. Includes the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0)
# that pass for a blank name.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Characters that look like a space but are not whitespace to Python.
_BLANKS = frozenset("\u2800")
# The explicit bidi embeddings, overrides and isolates: they reorder what follows them, so
# text can read differently from what it is (CVE-2021-42574). The implicit marks (LRM, RLM,
# ALM) only nudge neutral characters and are normal in right-to-left writing: kept in text,
# ignored in names.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def is_ignorable(ch: str) -> bool:
    """Drawn as nothing: default-ignorable code points and every other format character."""
    if ch.isascii():
        return False
    cp = ord(ch)
    return unicodedata.category(ch) == "Cf" or any(lo <= cp <= hi for lo, hi in _IGNORABLE_RANGES)


def is_control(ch: str) -> bool:
    """C0 and C1 control codes and DEL (tab and newline are the caller's to allow)."""
    return unicodedata.category(ch) == "Cc"


def is_visible(ch: str) -> bool:
    """Leaves a mark on screen on its own: not whitespace, not a blank look-alike, not
    ignorable, not a combining mark with nothing to combine with."""
    if ch.isspace() or ch in _BLANKS or is_ignorable(ch):
        return False
    return unicodedata.category(ch) not in ("Mn", "Me", "Cc")


def has_visible(text: str) -> bool:
    return any(is_visible(ch) for ch in text)


def fold(name: str) -> str:
    """A name as a reader sees it: NFKC, case-folded, ignorable characters dropped, blank
    look-alikes and runs of whitespace made one space. Look-alikes fold to the same string."""
    if name.isascii():  # the common case, and exact: ASCII is unchanged by NFKC
        return " ".join(name.lower().split())
    text = unicodedata.normalize("NFKC", name)
    text = "".join(" " if ch in _BLANKS else ch for ch in text if not is_ignorable(ch))
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())
