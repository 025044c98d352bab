"""An approved message as an email: subject, threading headers and body, with no network."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.email_in import read_mail
from domain.email_out import MAX_SUBJECT, OutgoingMail, build, new_message_id, reply_subject

TEXT = "Hi Jo, could you send the logo files?\n\nPayment details: 12-34-56\n\nBest wishes,\nSam"


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        ("", "Following up"),
        ("   ", "Following up"),
        ("Brand refresh", "Re: Brand refresh"),
        ("Re: Brand refresh", "Re: Brand refresh"),
        ("RE: re:  AW: Brand\n refresh", "Re: Brand refresh"),
        ("Ateb: Adnewyddu", "Re: Adnewyddu"),
        ("Re:", "Following up"),
        ("Regarding the logo", "Re: Regarding the logo"),
    ],
)
def test_reply_subject_answers_their_last_subject_once(last: str, expected: str) -> None:
    assert reply_subject(last, "Following up") == expected


def test_a_very_long_subject_is_cut_on_one_line() -> None:
    subject = reply_subject("word " * 200, "x")
    assert len(subject) <= MAX_SUBJECT + len("Re: ") and subject.endswith("…")
    assert "\n" not in subject


def mail(**changes: str) -> OutgoingMail:
    values = {
        "sender": "Sam at Bright <sam@bright.test>",
        "to": "jo@acme.com",
        "subject": "Re: Brand refresh",
        "text": TEXT,
        "nudge": "c123/quiet:ask-2:1",
        "message_id": "<new.1@bright.test>",
        "in_reply_to": "<abc.1@acme.com>",
        **changes,
    }
    return OutgoingMail(written_at=datetime(2026, 11, 27, 10, 2, tzinfo=UTC), **values)


def test_the_email_carries_the_approved_text_and_threads_under_their_last_email() -> None:
    msg = build(mail())
    assert msg["From"] == "Sam at Bright <sam@bright.test>" and msg["To"] == "jo@acme.com"
    assert msg["Subject"] == "Re: Brand refresh"
    assert msg["Message-ID"] == "<new.1@bright.test>"
    assert msg["In-Reply-To"] == msg["References"] == "<abc.1@acme.com>"
    assert msg["X-Tactful-Nudge"] == "c123/quiet:ask-2:1"
    assert msg["Date"] == "Fri, 27 Nov 2026 10:02:00 +0000"
    assert msg.get_content_type() == "text/plain" and msg.get_content() == TEXT + "\n"
    # Email in reads it back as Tactful's own (its BCC copy is recognised by the header).
    back = read_mail(bytes(msg))
    assert back.nudge == "c123/quiet:ask-2:1" and back.message_id == "<new.1@bright.test>"
    assert back.text.strip() == TEXT


def test_without_an_earlier_email_there_is_no_threading_and_welsh_survives() -> None:
    text = "Helo Jo, a allech chi anfon y ffeiliau? Diolch yn fawr, ŵyr ŷd"
    msg = build(mail(in_reply_to="", subject="Dilyn i fyny", text=text))
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert read_mail(bytes(msg)).text.strip() == text


def test_a_message_id_is_new_each_time_at_the_senders_domain() -> None:
    a, b = new_message_id("Sam <sam@bright.test>"), new_message_id("sam@bright.test")
    assert a != b and a.startswith("<") and a.endswith("@bright.test>")
