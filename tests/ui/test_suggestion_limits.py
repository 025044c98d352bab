"""A suggestion that fits: however many requests are open and however long they are, the client
message names a handful and counts the rest, stays within what Slack's edit box holds, is shown
to the team whole in its thread, and is never cut silently on its way into the Edit modal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest

from domain.facts import QuietFacts
from domain.models import Answer, Ask, Client, ClientRecord, ClientState, ClientType
from domain.nudges import TOP_STAGE
from tests.slack_limits import problems, text_size
from ui import blocks as bk
from ui import nudges as ui
from ui.client_message import Letterhead, client_message
from ui.wording import Wording

TODAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def wording() -> Wording:
    return Wording.load()


def record(lang: str, client_type: ClientType = ClientType.UNRESPONSIVE) -> ClientRecord:
    client = Client(
        "T1",
        "c1",
        "Acme",
        "U1",
        datetime(2026, 1, 5, tzinfo=UTC),
        client_type=client_type,
        contact="Jo",
        lang=lang,
    )
    return ClientRecord(client, ClientState())


def asks(n: int, length: int = 20, first: int = 1) -> tuple[Ask, ...]:
    """`n` requests, each on its own day, oldest first, each `length` characters long."""
    return tuple(
        Ask(
            i, f"request{i:02d} " + "word & <b> " * (length // 11), TODAY - timedelta(200 - i), "U1"
        )
        for i in range(first, first + n)
    )


def quiet(step: int, open_asks: tuple[Ask, ...], **more: object) -> QuietFacts:
    at: dict[str, object] = {"step": step}
    if step > 1:
        at |= {
            "previous_on": date(2026, 11, 20),
            "previous_step": step - 1,
            "consequence_on": date(2026, 12, 4) if step == 2 else date(2026, 11, 25),
        }
    return QuietFacts(**at, asks=open_asks, asked_on=open_asks[0].asked_on, days=40, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "more", "days"),
    [("en", "and 7 more", "and 8 other days"), ("cy", "a 7 cais arall", "ac 8 diwrnod arall")],
)
def test_the_five_oldest_requests_are_named_and_the_rest_counted(
    wording: Wording, lang: str, more: str, days: str
) -> None:
    text = client_message(wording, record(lang), quiet(1, asks(12)), TODAY)
    named = [f"request{i:02d}" for i in range(1, 6)]
    assert all(n in text for n in named), text
    assert not any(f"request{i:02d}" in text for i in range(6, 13)), text
    assert more in text
    # Twelve days asked on: the first four named, the other eight counted.
    assert days in text


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_handful_of_requests_are_all_named_with_their_days(wording: Wording, lang: str) -> None:
    text = client_message(wording, record(lang), quiet(1, asks(5)), TODAY)
    assert all(f"request{i:02d}" in text for i in range(1, 6))
    assert "more" not in text and "arall" not in text


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("client_type", list(ClientType))
@pytest.mark.parametrize("step", range(1, TOP_STAGE + 1))
def test_the_message_fits_the_edit_box_whatever_is_open(
    wording: Wording, lang: str, client_type: ClientType, step: int
) -> None:
    # Fifty open requests of 1,000 characters, fifty new ones, fifty answered: the worst case.
    thanks = tuple(Answer(i, "answered " + "x" * 990, TODAY - timedelta(3)) for i in range(50))
    facts = quiet(step, asks(50, 1000), fresh=asks(50, 1000, first=60), thanks=thanks)
    letterhead = Letterhead(sign_off="Sam at Bright Agency, the long-named agency of record")
    text = client_message(wording, record(lang, client_type), facts, TODAY, letterhead)
    assert len(text) <= ui.MAX_EDIT < 4000
    assert "…" in text  # each long request shortened visibly, never silently


def test_the_thread_shows_a_long_suggestion_whole_within_slacks_limits() -> None:
    # 2,999 characters typed, most of them escaped to five: the escaped quote passes 3,000.
    text = "Hi Jo & team,\n\n" + "\n".join(f"line {i}: fish & chips <3 " * 6 for i in range(18))
    text = text[: ui.MAX_EDIT]
    for open_ in (True, False):
        body = ui.thread_message(
            "Suggested message for Acme & Co",
            "why",
            text,
            "c1",
            "k",
            ["edited by Sam"],
            open_=open_,
        )
        blocks = [b for b in body["blocks"] if b["type"] != "rich_text"]  # checked below
        assert problems({**body, "blocks": blocks}, "message") == []
        if open_:
            quoted = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
            assert len(quoted) > 1
            assert quoted[0].startswith("*Suggested message for Acme &amp; Co*\n")
            lines = "\n".join(quoted).split("\n")[1:]
            assert all(line.startswith(">") for line in lines)
            assert unescape("\n".join(line[1:] for line in lines)) == text
        else:
            boxes = [b for b in body["blocks"] if b["type"] == "rich_text"]
            shown = [e["elements"][0]["text"] for b in boxes for e in b["elements"]]
            assert len(shown) == 1 and shown[0] == text  # raw text: 3,000 fits one box


def test_a_line_longer_than_a_section_is_cut_at_its_spaces_and_kept_whole() -> None:
    text = "word&word " * 600  # one line of 6,000 characters, 14,400 once escaped
    body = ui.thread_message("Intro", "why", text, "c1", "k", [], open_=True)
    assert problems(body, "message") == []
    sections = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert "…" not in "".join(sections)
    words = unescape(
        " ".join(
            line[1:] for s in sections for line in s.split("\n")[1 if s is sections[0] else 0 :]
        )
    )
    assert words.split() == text.split()


def test_a_stored_text_too_long_for_one_message_says_how_much_is_not_shown() -> None:
    text = "x & y " * 30000  # 180,000 characters, stored before suggestions were bounded
    for open_ in (True, False):
        body = ui.thread_message(
            "Intro", "why", text, "c1", "k", ["a", "b"], open_=open_, client_name="Acme & Co"
        )
        # Within every limit, the total text of the message included (~12,000 at most).
        plain = [b for b in body["blocks"] if b["type"] != "rich_text"]  # not known to problems
        assert problems({**body, "blocks": plain}, "message", text_total=False) == []
        assert text_size(body["blocks"]) <= bk.MAX_MESSAGE_TEXT
        last = str(body["blocks"][-4 if open_ else -3])
        assert "Shortened for display" in last and "too long to show" in last
        assert '/client export "Acme &amp; Co"' in last  # where the whole text is
        shown = sum(
            len(e["text"]) if b["type"] == "rich_text" else len(unescape(b["text"]["text"]))
            for b in body["blocks"][1 : -4 if open_ else -3]
            for e in (b["elements"][0]["elements"] if b["type"] == "rich_text" else [b])
        )
        said = int(last.split("the rest (")[1].split(" characters")[0].replace(",", ""))
        assert shown > 5000 and said > 150_000  # shown as far as fits, the rest counted


def test_the_edit_modal_starts_from_the_whole_text_and_refuses_what_it_would_cut() -> None:
    whole = "Hi & hello " * 272  # 2,992 characters
    field = ui.edit_modal(whole, "{}")["blocks"][0]["element"]
    assert field["initial_value"] == whole and field["max_length"] == ui.MAX_EDIT == 3000
    with pytest.raises(ValueError):
        ui.edit_modal("x" * 3001, "{}")


def test_clip_never_cuts_an_escape_in_half() -> None:
    for limit in range(2, 12):
        clipped = bk.clip("ab &amp; &lt;&gt; cd efgh", limit)
        assert len(clipped) <= limit
        assert clipped.rstrip("…").count("&") == clipped.count(";"), clipped


def test_split_plain_keeps_every_word_within_the_limit() -> None:
    text = "short line\n" + "x" * 25 + " tail\n\nlast"
    pieces = bk.split_plain(text, 10)
    assert all(len(p) <= 10 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


def test_requests_asked_since_are_named_and_counted_the_same_way(wording: Wording) -> None:
    facts = quiet(2, asks(2), fresh=asks(12, first=20))
    text = client_message(wording, record("en"), facts, TODAY)
    also = text.split("Since then we've also asked you about", 1)[1]
    assert "and 7 more" in also and "and 8 other days" in also
