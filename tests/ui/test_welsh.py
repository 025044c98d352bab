"""The Welsh a native editor corrected, each point checked in the message the app would
suggest (ui/client_message.py with the shipped wording), not in a helper alone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.facts import ControllingFacts, OverdueFacts, QuietFacts, SituationFacts
from domain.models import Ask, Client, ClientRecord, ClientState, ClientType, Invoice, Money
from domain.nudges import TOP_STAGE
from tests.ui.test_client_message import ladder as at
from ui.client_message import client_message
from ui.wording import Wording

TODAY = date(2026, 11, 27)  # a Friday
TYPES = tuple(ClientType)
STEPS = range(1, TOP_STAGE + 1)
POUNDS = Invoice("A-12", Money(Decimal("1200.50"), "GBP"), date(2026, 11, 1), date(2026, 10, 2))
DOLLARS = Invoice("U-8", Money(Decimal("800"), "USD"), date(2026, 11, 3), date(2026, 10, 4))


@pytest.fixture(scope="module")
def wording() -> Wording:
    return Wording.load()


def asks(*typed: tuple[str, date]) -> tuple[Ask, ...]:
    return tuple(Ask(i, what, on, "U1") for i, (what, on) in enumerate(typed, 1))


def quiet(step: int, *typed: tuple[str, date]) -> QuietFacts:
    found = asks(*typed)
    return QuietFacts(**at(step), asks=found, asked_on=found[0].asked_on, days=8)  # type: ignore[arg-type]


def overdue(step: int, *invoices: Invoice) -> OverdueFacts:
    return OverdueFacts(**at(step), invoices=invoices, days_overdue=26)  # type: ignore[arg-type]


def controlling(step: int, rounds: int = 4, window: int = 10) -> ControllingFacts:
    return ControllingFacts(**at(step), rounds=rounds, window_days=window)  # type: ignore[arg-type]


def message(
    wording: Wording, facts: SituationFacts, client_type: ClientType = ClientType.NONE, lang="cy"
) -> str:
    client = Client(
        "T1",
        "c1",
        "Acme",
        "U1",
        datetime(2026, 1, 5, tzinfo=UTC),
        client_type=client_type,
        contact="Siân",
        lang=lang,
    )
    return client_message(
        wording, ClientRecord(client, ClientState(invoices=(POUNDS,))), facts, TODAY
    )


LOGO = ("logo", date(2026, 11, 2))


@pytest.mark.parametrize("client_type", [ClientType.NONE, ClientType.LATE_PAYER])
def test_the_part_of_the_work_paused_is_feminine(wording: Wording, client_type: ClientType) -> None:
    text = message(wording, quiet(2, LOGO), client_type)
    assert "rhan hon o'r gwaith" in text
    assert "byddwn ni'n ei hoedi o'r diwrnod hwnnw" in text
    assert "ei oedi o'r diwrnod" not in text and "ynddo " not in text
    if client_type is ClientType.NONE:
        assert "ac yn ailgydio ynddi cyn gynted" in text


def test_ac_before_a_quoted_request_said_with_a_vowel(wording: Wording) -> None:
    text = message(wording, quiet(1, LOGO, ("adroddiad misol", date(2026, 11, 2))))
    assert "ynghylch “logo” ac “adroddiad misol”" in text
    text = message(wording, quiet(1, ("adroddiad misol", date(2026, 11, 2)), LOGO))
    assert "ynghylch “adroddiad misol” a “logo”" in text


def test_ac_before_a_date_and_an_amount_said_with_a_vowel(wording: Wording) -> None:
    # 8 is "wyth", 1 "un", 11 "un ar ddeg"; 18 is "deunaw" and keeps `a`.
    on = [date(2026, 11, d) for d in (2, 8)]
    text = message(wording, quiet(1, ("logo", on[0]), ("brand", on[1])))
    assert "fe holon ni ar 2 Tachwedd ac 8 Tachwedd" in text
    text = message(wording, quiet(1, ("logo", on[0]), ("brand", date(2026, 11, 18))))
    assert "ar 2 Tachwedd a 18 Tachwedd" in text
    text = message(wording, overdue(1, POUNDS, DOLLARS))
    assert "taliad o £1,200.50 ac US$800.00 am anfonebau #A-12 ac #U-8" in text


def test_welsh_months_and_place_names_in_a_request_keep_their_capital(wording: Wording) -> None:
    typed = ("Rhagfyr: postiadau", "Caerdydd, lluniau", "Cymru (ymgyrch)")
    text = message(wording, quiet(1, *((t, date(2026, 11, 2)) for t in typed)))
    assert "“Rhagfyr: postiadau”, “Caerdydd, lluniau” a “Cymru, ymgyrch”" in text
    # An English client's request keeps a Welsh month's capital too.
    english = message(wording, quiet(1, ("Rhagfyr posts", date(2026, 11, 2))), lang="en")
    assert "on Rhagfyr posts" in english


def test_requests_asked_on_several_days_were_several_messages(wording: Wording) -> None:
    days = [("logo", date(2026, 11, d)) for d in (2, 3, 4)]
    several = message(wording, quiet(1, *days), ClientType.UNRESPONSIVE)
    assert "nad yw ein negeseuon ar 2 Tachwedd, 3 Tachwedd a 4 Tachwedd ynghylch" in several
    assert "ein neges ar" not in several
    one = message(wording, quiet(1, LOGO, ("brand", LOGO[1])), ClientType.UNRESPONSIVE)
    assert "nad yw ein neges ar 2 Tachwedd ynghylch “logo” a “brand” wedi mynd ar goll" in one
    english = message(wording, quiet(1, *days), ClientType.UNRESPONSIVE, lang="en")
    assert "our notes from Mon 2 November, Tue 3 November and Wed 4 November about" in english
    # The work depends on their answer, however many requests are open.
    paused = message(wording, quiet(3, *days), ClientType.UNRESPONSIVE)
    assert "mae'r gwaith sy'n dibynnu ar eich ateb wedi'i oedi" in paused


@pytest.mark.parametrize("lang", ["cy", "en"])
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("client_type", TYPES)
def test_no_message_says_batch_twice(
    wording: Wording, lang: str, step: int, client_type: ClientType
) -> None:
    text = message(wording, controlling(step), client_type, lang)
    said = text.count("mewn un swp") if lang == "cy" else len(re.findall(r"batch", text))
    assert said <= 1, text


def test_the_batch_is_said_once_in_the_rhythm_in_both_languages(wording: Wording) -> None:
    cy = message(wording, controlling(2), ClientType.UNRESPONSIVE)
    assert "mae angen adborth prydlon arnon ni drwy un adolygiad yr wythnos, mewn un swp." in cy
    en = message(wording, controlling(2), ClientType.UNRESPONSIVE, lang="en")
    assert "we need prompt feedback through one review a week, in a single batch." in en


def test_a_figure_takes_the_singular(wording: Wording) -> None:
    text = message(wording, controlling(1), ClientType.UNRESPONSIVE)
    assert "rydyn ni wedi cael 4 rownd o newidiadau yn ystod y 10 diwrnod diwethaf" in text
    late = message(wording, overdue(2, POUNDS))
    assert "bellach 26 diwrnod yn hwyr" in late
    assert " o ddiwrnodau" not in text + late and " o rowndiau" not in text
    # Between long waits and the rounds: no `a` left before a figure said with a vowel.
    ended = message(wording, controlling(2, rounds=8), ClientType.UNRESPONSIVE)
    assert "rhwng 8 rownd o newidiadau mewn 10 diwrnod a chyfnodau hir o aros" in ended


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("client_type", TYPES)
def test_the_amount_is_unpaid_never_the_payment(
    wording: Wording, step: int, client_type: ClientType
) -> None:
    text = message(wording, overdue(step, POUNDS, DOLLARS), client_type)
    for sentence in re.split(r"(?<=[.?:])\s", text):
        if re.search(r"\b(?:ei|wedi'i) dalu\b", sentence):
            assert "taliad" not in sentence and ("swm" in sentence or "balans" in sentence), (
                sentence
            )
    english = message(wording, overdue(step, POUNDS), client_type, lang="en")
    assert not re.search(r"payment of [^.]* remains unpaid", english)


def test_what_is_still_unpaid_is_the_amount(wording: Wording) -> None:
    text = message(wording, overdue(3, POUNDS))
    assert "mae'r swm o £1,200.50 am anfoneb #A-12 yn dal heb ei dalu, 26 diwrnod ar ôl" in text
    firm = message(wording, overdue(3, POUNDS), ClientType.CONTROLLING)
    assert "gan fod y swm o £1,200.50 am anfoneb #A-12 yn dal heb ei dalu 26 diwrnod" in firm
