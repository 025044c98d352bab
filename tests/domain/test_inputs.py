"""Dates, durations and free text, read relative to an injected `today` (amounts: test_money)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.inputs import (
    EXCERPT_CHARS,
    MAX_TEXT,
    DateOutOfRange,
    InputError,
    clean_text,
    escape,
    excerpt,
    parse_date,
    parse_until,
)

WED = date(2026, 11, 25)  # a Wednesday, so "fri" and "mon" are unambiguous


# dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "future", "expected"),
    [
        ("today", False, date(2026, 11, 25)),
        ("  TODAY ", False, date(2026, 11, 25)),
        ("yesterday", False, date(2026, 11, 24)),
        ("3 days ago", False, date(2026, 11, 22)),
        ("2026-11-01", False, date(2026, 11, 1)),
        # A bare weekday: the last one for things that happened, the next one for plans.
        ("fri", False, date(2026, 11, 20)),
        ("fri", True, date(2026, 11, 27)),
        ("mon", False, date(2026, 11, 23)),
        ("mon", True, date(2026, 11, 30)),
        ("next monday", True, date(2026, 11, 30)),
        ("tomorrow", True, date(2026, 11, 26)),
        # Day before month.
        ("5/12", True, date(2026, 12, 5)),
        ("2027-06-30", True, date(2027, 6, 30)),
    ],
)
def test_parse_date_reads_relative_to_the_given_today(
    text: str, future: bool, expected: date
) -> None:
    assert parse_date(text, WED, future=future) == expected


def test_parse_date_follows_the_injected_today_not_the_clock() -> None:
    assert parse_date("yesterday", date(2020, 3, 1)) == date(2020, 2, 29)
    assert parse_date("fri", date(2021, 1, 4), future=True) == date(2021, 1, 8)


@pytest.mark.parametrize(
    ("text", "future", "hint"),
    [
        ("", False, "A date is missing"),
        ("   ", True, "A date is missing"),
        ("someday", False, "Try `today`"),
        ("5", False, "Try `today`"),
        (
            "2026-02-30",
            False,
            "not a real date: February has 28 days in 2026. Did you mean `2026-02-28`?",
        ),
        ("2026-13-01", True, "not a real date"),
        ("x" * 41, False, "Try `today`"),
    ],
)
def test_unreadable_dates_say_what_to_type(text: str, future: bool, hint: str) -> None:
    with pytest.raises(InputError) as err:
        parse_date(text, WED, future=future)
    assert hint in str(err.value)


@pytest.mark.parametrize(
    ("text", "future", "hint"),
    [
        ("next monday", False, "30 Nov is in 5 days; things that happened can't be dated ahead"),
        ("2026-11-26", False, "26 Nov is tomorrow; things that happened"),
        ("2030-01-01", True, "too far ahead: pick a date within two years"),
        ("1999-12-31", False, "too far in the past"),
    ],
)
def test_dates_out_of_range_are_refused_with_the_reason(text: str, future: bool, hint: str) -> None:
    with pytest.raises(DateOutOfRange) as err:
        parse_date(text, WED, future=future)
    assert hint in str(err.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 days", date(2026, 11, 28)),
        ("1 day", date(2026, 11, 26)),
        ("1 week", date(2026, 12, 2)),
        ("2w", date(2026, 12, 9)),
        ("1 month", date(2026, 12, 25)),
        ("fri", date(2026, 11, 27)),
        ("2026-12-24", date(2026, 12, 24)),
    ],
)
def test_parse_until(text: str, expected: date) -> None:
    assert parse_until(text, WED) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("0 days", "between 1 day and two years"),
        ("800 days", "between 1 day and two years"),
        ("today", "has already come: pick a later date"),
        ("2026-11-01", "has already come"),
        ("forever", "Try `today`"),
    ],
)
def test_parse_until_refuses_the_past_and_absurd_lengths(text: str, hint: str) -> None:
    with pytest.raises(InputError) as err:
        parse_until(text, WED)
    assert hint in str(err.value)


# free text -----------------------------------------------------------------------------------
def test_clean_text_decodes_slack_entities_once() -> None:
    # Slack sends typed <, > and & as entities; the record keeps what the person typed.
    assert clean_text("a &amp; b &lt;x&gt;") == "a & b <x>"
    assert clean_text("&amp;lt;") == "&lt;"


def test_clean_text_keeps_links_as_plain_urls() -> None:
    assert (
        clean_text("see <https://example.com/brief|the brief>") == "see https://example.com/brief"
    )
    assert clean_text("<mailto:a@b.example>") == "mailto:a@b.example"


@pytest.mark.parametrize(
    "text",
    [
        "hi <!channel>",
        "<!here> now",
        "ask <@U0123ABC>",
        "ask <@U0123ABC|sam>",
        "see <#C0123|general>",
        "<!subteam^S0123|@design>",
    ],
)
def test_clean_text_refuses_mentions(text: str) -> None:
    with pytest.raises(InputError) as err:
        clean_text(text, what="note")
    assert "can't contain mentions" in str(err.value)
    assert "Write names as plain words" in str(err.value)


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\u202e", "\u2066"])
def test_clean_text_refuses_control_characters(bad: str) -> None:
    with pytest.raises(InputError) as err:
        clean_text(f"logo{bad}files")
    assert "invisible control characters. Retype it as plain text" in str(err.value)


def test_clean_text_keeps_newlines_and_tabs() -> None:
    assert clean_text("line one\n\tline two") == "line one\n\tline two"


def test_clean_text_bounds_length() -> None:
    assert clean_text("x" * MAX_TEXT) == "x" * MAX_TEXT
    with pytest.raises(InputError) as err:
        clean_text("x" * 10_240, what="note")
    assert "10,240 characters long; keep it to 1,000 or fewer" in str(err.value)


def test_clean_text_refuses_stray_markup_and_empty_text() -> None:
    with pytest.raises(InputError, match="plain words"):
        clean_text("a <b")
    with pytest.raises(InputError, match="is empty"):
        clean_text("   ", what="note")


def test_escape_makes_text_inert() -> None:
    assert escape("a & b <!channel> >") == "a &amp; b &lt;!channel&gt; &gt;"


# one cleaner for everything people type --------------------------------------------------------
@pytest.mark.parametrize("bad", ["\x7f", "\x85x\x9b", "\x9b31m", "\u202d", "\u2069"])
@pytest.mark.parametrize("escaped", [True, False])
def test_del_c1_and_bidi_are_refused_wherever_the_text_was_typed(bad: str, escaped: bool) -> None:
    with pytest.raises(InputError, match="invisible control characters"):
        clean_text(f"pay{bad}now", escaped=escaped)


@pytest.mark.parametrize("text", ["<!channel>", "hi <!here|here>", "<@U0BOSS>", "<#C0GENERAL>"])
def test_mentions_typed_as_characters_are_refused_too(text: str) -> None:
    # A modal sends what was typed; a command sends it escaped. Same answer either way.
    with pytest.raises(InputError, match="can't contain mentions"):
        clean_text(text, escaped=False)
    with pytest.raises(InputError, match="can't contain mentions"):
        clean_text(escape(text), escaped=True)


@pytest.mark.parametrize("text", ["＜!channel＞", "﹤!everyone﹥"])
def test_look_alike_brackets_are_harmless_in_text_and_refused_in_names(text: str) -> None:
    # Slack reads only `<`: in text these stay as typed; a name folds them to `<`.
    assert clean_text(text, escaped=False) == text
    with pytest.raises(InputError, match="can't contain mentions"):
        clean_text(text, escaped=False, name=True)


def test_modal_text_keeps_angle_brackets_and_ampersands_as_typed() -> None:
    # plain_text_input values are not entity-escaped by Slack: `&amp;` typed is `&amp;` kept.
    assert clean_text("a < b & c > d &amp;", escaped=False) == "a < b & c > d &amp;"
    # The same words typed in a command arrive escaped and come out the same.
    assert clean_text("a &lt; b &amp; c &gt; d &amp;amp;") == "a < b & c > d &amp;"


def test_names_are_nfkc_and_text_nfc_normalised() -> None:
    assert clean_text("Ｐａｙ ﬁve ①", name=True) == "Pay five 1"
    # Text keeps what it means: `m²` and `™` survive; composed and decomposed `é` agree.
    assert clean_text("300 cm² for Acme™, café") == "300 cm² for Acme™, café"


@pytest.mark.parametrize("escaped", [True, False])
def test_newlines_of_any_kind_become_one_kind(escaped: bool) -> None:
    assert clean_text("a\r\nb\rc\u2028d", escaped=escaped) == "a\nb\nc\nd"


def test_limits_count_characters_as_typed() -> None:
    # `&` arrives as `&amp;` (5 characters) but is one character typed.
    assert clean_text("&amp;" * MAX_TEXT) == "&" * MAX_TEXT
    with pytest.raises(InputError, match="1,001 characters long; keep it to 1,000"):
        clean_text("&amp;" * (MAX_TEXT + 1))
    assert clean_text("&lt;" * 80, limit=80, one_line=True) == "<" * 80
    with pytest.raises(InputError, match="81 characters long; keep it to 80 or fewer."):
        clean_text("&gt;" * 81, what="client name", limit=80, one_line=True)


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",
        "\u3164",
        "\u2800",
        "\u115f",
        "\uffa0",
        "\u200b\u2800 \u3164",
        "\u2060\ufeff\u00ad",
        "\U000e0041",
        "\u0301",
        " \u3000 ",
    ],
)
def test_text_with_nothing_visible_is_refused(invisible: str) -> None:
    with pytest.raises(InputError, match="no visible characters|is empty"):
        clean_text(invisible, what="client name", one_line=True)
    with pytest.raises(InputError, match="no visible characters|is empty"):
        clean_text(invisible, what="note", escaped=False)


def test_visible_text_keeps_its_zero_width_joiners() -> None:
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one emoji, joined by ZWJ
    assert clean_text(f"team {family}") == f"team {family}"


def test_names_are_one_line() -> None:
    assert clean_text("  Acme\n\tCorp  ", name=True) == "Acme Corp"
    assert clean_text("  done\nby phone ", one_line=True) == "done by phone"


# excerpt: someone else's words, kept safe ---------------------------------------------------
def test_excerpt_turns_markup_into_plain_words() -> None:
    text = (
        "Hi <@U0ALICE> and <@U0SAM|sam> <!here> <!subteam^S0D|@design> in <#C0GEN|general>: "
        "<https://x.example/a|the brief> &amp; &lt;b&gt;"
    )
    assert excerpt(text) == (
        "Hi @someone and @sam @here @design in #general: https://x.example/a & <b>"
    )


def test_excerpt_replaces_invisible_characters_and_folds_whitespace() -> None:
    assert excerpt("a\u202eb\x07c\n\n\td") == "a b c d"
    assert excerpt("") == "" and excerpt("  \n ") == ""


def test_excerpt_keeps_the_first_words_within_the_limit() -> None:
    text = "word " * 100
    short = excerpt(text, limit=40)
    assert len(short) <= 40 and short.endswith("word…")
    assert excerpt("x" * 300, limit=40) == "x" * 39 + "…"  # one long word is cut


def test_excerpt_turns_markup_typed_as_characters_into_plain_words_too() -> None:
    """Slack sends typed `<` and `>` as entities: read back as typed, they must not be markup."""
    text = (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;&lt;!here&gt;&gt; &lt;https://x.example|y&gt; a &lt; b"
    )
    assert excerpt(text) == "@channel @someone @someone https://x.example a < b"


@given(st.text(max_size=400))
def test_excerpt_is_always_inert_and_bounded(text: str) -> None:
    short = excerpt(text)
    assert len(short) <= EXCERPT_CHARS
    assert not re.search(r"<[!@#][^>]*>", short), "no markup, even unescaped"
    assert "<" not in escape(short) and ">" not in escape(short)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\u202a-\u202e\u2066-\u2069]", short)
