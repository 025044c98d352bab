"""Typed text in mrkdwn: clipped while plain, then escaped (never an escape cut in half), and
shown literally inside bold, italic or strike-through."""

from __future__ import annotations

import re
from html import unescape

from hypothesis import given
from hypothesis import strategies as st

from domain.models import name_key
from ui.mrkdwn import ZERO_WIDTH_SPACE, escape_clipped, fit, literal, visible
from ui.plaintext import mrkdwn_to_text

NASTY = "*Best* _Acme_Co_ ~tilde~ `tick` & <b> >"
# An opening or closing formatting character as Slack reads one: at a word's edge.
_OPENS = re.compile(r"(?:^|[\s(])[*_~`](?=\S)")
_CLOSES = re.compile(r"(?<=\S)[*_~`](?:$|[\s.,:;!?)])")


def test_a_name_full_of_formatting_characters_shows_as_typed_inside_bold() -> None:
    shown = literal(NASTY)
    bold = f"*{shown}*"
    # Only the outer pair can open or close anything: every inner one is fenced.
    assert [m.start() for m in _OPENS.finditer(bold)] == [0]
    assert [m.end() for m in _CLOSES.finditer(bold)] == [len(bold)]
    for ch in "*_~`":
        assert ch not in shown.replace(f"{ZERO_WIDTH_SPACE}{ch}{ZERO_WIDTH_SPACE}", "")
    assert "<" not in shown and ">" not in shown  # still escaped
    assert unescape(visible(shown)) == NASTY
    assert mrkdwn_to_text(shown) == NASTY  # the console shows it as typed
    # Copied back into a command, it is the same client.
    assert name_key(unescape(shown)) == name_key(NASTY)


def test_text_without_formatting_characters_is_only_escaped() -> None:
    assert literal("Acme & Co") == "Acme &amp; Co"


_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")
typed = st.text(alphabet=st.sampled_from("&<>*_~` ab\n"), max_size=200)


@given(typed, st.integers(min_value=1, max_value=120))
def test_clipped_then_escaped_fits_and_never_ends_in_part_of_an_escape(
    text: str, limit: int
) -> None:
    shown = escape_clipped(text, limit)
    assert len(shown) <= limit
    body = shown.removesuffix("…")
    assert not _ENTITY_TAIL.search(body), shown
    assert body.count("&") == body.count(";")  # every escape whole
    if shown == body:  # not cut: all of it
        assert unescape(shown) == text
    else:  # cut: a beginning of the text, marked
        assert text.startswith(unescape(body).rstrip())


@given(typed, st.integers(min_value=1, max_value=120))
def test_fit_inside_formatting_counts_the_fences(text: str, limit: int) -> None:
    assert len(literal(fit(text, limit, inside=True))) <= limit


def test_names_in_bold_in_replies_and_alerts_are_fenced() -> None:
    from ui.nudges import creator_dm_line
    from ui.replies import shared_nudge_channel

    for text in (creator_dm_line(NASTY), shared_nudge_channel(NASTY, "C0TEAM", add=True)):
        assert f"*{literal(NASTY)}*" in text


def test_typed_text_in_a_struck_through_history_line_is_fenced() -> None:
    from datetime import UTC, date, datetime

    from domain.models import Interaction, Kind
    from ui.replies import entry_lines

    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    note = Interaction(1, Kind.NOTE, date(2026, 11, 2), "U1", at, "see ~/docs and *all* of it")
    void = Interaction(2, Kind.VOIDED, date(2026, 11, 2), "U1", at, "typo", target=1)
    line = next(x for x in entry_lines([void, note]) if x.startswith("~"))
    struck = line[: line.index("~ *VOIDED*") + 1]
    assert literal("see ~/docs and *all* of it") in struck
    # The only bare tildes are the two that strike the line through.
    assert struck.replace(f"{ZERO_WIDTH_SPACE}~{ZERO_WIDTH_SPACE}", "").count("~") == 2
