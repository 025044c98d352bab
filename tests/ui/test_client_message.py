"""Every client message, rendered with real values: each (situation x step x client type x
language) over several shapes of facts (one invoice or several, a reference the client never
saw, two currencies, a broken promise, earlier late payments, one request or several, an
agreed rhythm), checked for what a client must never see."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.commands import Set, parse
from domain.facts import ControllingFacts, OverdueFacts, QuietFacts, SituationFacts
from domain.inputs import InputError
from domain.models import Ask, Client, ClientRecord, ClientState, ClientType, Invoice, Money
from domain.nudges import TOP_STAGE
from ui.client_message import Letterhead, client_message, situation_of
from ui.client_text import count, invoices_phrase, requests_phrase, tidy_request
from ui.dates import client_date
from ui.wording import MAX_SUGGESTION, Wording

TODAY = date(2026, 11, 27)  # a Friday
LANGUAGES = ("en", "cy")
TYPES = tuple(ClientType)


def gbp(amount: str, currency: str = "GBP") -> Money:
    return Money(Decimal(amount), currency)


A12 = Invoice("A-12", gbp("1200.50"), date(2026, 11, 1), date(2026, 10, 2))
A13 = Invoice("A-13", gbp("500"), date(2026, 11, 8), date(2026, 10, 9), paid=Decimal("100"))
# Numbered by Tactful: the client has never seen "INV-3".
AUTO = Invoice("INV-3", gbp("300"), date(2026, 11, 10), date(2025, 12, 30), auto_ref=True)
EURO = Invoice("E-1", gbp("250", "EUR"), date(2026, 11, 2), date(2026, 10, 3))
KNOWN_REFS = {"#A-12", "#A-13", "#E-1"}

ASK1 = Ask(1, "Sign-off (March posts).", date(2026, 11, 2), "U1")
ASK2 = Ask(2, "  the new logo files ", date(2026, 11, 4), "U1")


def ladder(step: int) -> dict[str, object]:
    """What the record shows at each step: an approved message before every step after the
    first, and (from step 2) the consequence date."""
    if step == 1:
        return {"step": 1}
    return {
        "step": step,
        "previous_on": date(2026, 11, 20),
        "previous_step": step - 1,
        "consequence_on": date(2026, 12, 4) if step == 2 else date(2026, 11, 25),
        "warned_on": None if step == 2 else date(2026, 11, 25),
    }


def shapes(step: int) -> list[SituationFacts]:
    at = ladder(step)
    return [
        QuietFacts(**at, asks=(ASK1,), asked_on=ASK1.asked_on, days=19),  # type: ignore[arg-type]
        QuietFacts(**at, asks=(ASK1, ASK2), asked_on=ASK1.asked_on, days=1),  # type: ignore[arg-type]
        OverdueFacts(**at, invoices=(A12,), days_overdue=1),  # type: ignore[arg-type]
        OverdueFacts(  # type: ignore[arg-type]
            **at,
            invoices=(A12, A13, AUTO),
            days_overdue=26,
            paid_late_before=True,
            promise_broken_on=date(2026, 11, 25),
        ),
        OverdueFacts(**at, invoices=(AUTO,), days_overdue=17),  # type: ignore[arg-type]
        OverdueFacts(**at, invoices=(A12, EURO), days_overdue=26),  # type: ignore[arg-type]
        ControllingFacts(**at, rounds=6, window_days=14),  # type: ignore[arg-type]
        ControllingFacts(  # type: ignore[arg-type]
            **at, rounds=1, window_days=1, agreed="Weekly batch reviews (Mondays)"
        ),
        ControllingFacts(  # type: ignore[arg-type]
            **at,
            rounds=5,
            window_days=14,
            agreed="Weekly batch reviews (Mondays)",
            agreed_on=date(2026, 11, 2),
        ),
    ]


def record(lang: str, client_type: ClientType, contact: str = "Siân Jones") -> ClientRecord:
    client = Client(
        "T1",
        "c1",
        "Acme Corp",
        "U1",
        datetime(2026, 1, 5, tzinfo=UTC),
        client_type=client_type,
        contact=contact,
        lang=lang,
    )
    return ClientRecord(client, ClientState(invoices=(A12,)))


CELLS = [
    (lang, client_type, step, i)
    for lang in LANGUAGES
    for client_type in TYPES
    for step in range(1, TOP_STAGE + 1)
    for i in range(len(shapes(1)))
]

MONEY = re.compile(r"(?<![\d,.])(\d{1,3}(?:,\d{3})*\.\d{2})(?![\d])")
CURRENCY = re.compile(r"[£€$]\s?$|(?:GBP|EUR|USD)\s?$")
ENGLISH_DATE_WORDS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"
)
# English: a figure before a singular noun, or 1 before a plural: the plural disagrees.
BAD_PLURALS = {
    "en": re.compile(
        r"\b(?:[02-9]|\d{2,}) (?:day|invoice|working day|round of changes)\b(?!s)"
        r"|\b1 (?:days|invoices|working days|rounds)\b"
    ),
    # Welsh: a figure takes the singular, never the "o" construction ("10 o ddiwrnodau").
    "cy": re.compile(r"\b\d+ o \w|\b\d+ (?:d?diwrnodau|anfonebau|[cg]eisiadau|rowndiau)\b"),
}


@pytest.fixture(scope="module")
def wording() -> Wording:
    return Wording.load()


# Every setting of the letterhead: details per currency (euros) and in Welsh, and a sign-off
# per language. Pounds have no details of their own: PAYMENT_DETAILS, or its Welsh wording.
SORT_CODE = "Sort code 12-34-56, account 12345678"
COD_DIDOLI = "Cod didoli 12-34-56, cyfrif 12345678"
IBAN = "IBAN IE29 AIBK 9311 5212 3456 78"
LETTERHEAD = Letterhead(
    payment_details=SORT_CODE,
    payment_details_by_currency=(("EUR", IBAN),),
    payment_details_cy=COD_DIDOLI,
    sign_off="Sam at Bright Agency",
    sign_off_cy="Sam yn Bright Agency",
)
SIGNED = {"en": "Best wishes,\nSam at Bright Agency", "cy": "Cofion gorau,\nSam yn Bright Agency"}


def render(wording: Wording, lang: str, client_type: ClientType, step: int, i: int) -> str:
    facts = shapes(step)[i]
    return client_message(wording, record(lang, client_type), facts, TODAY, LETTERHEAD)


@pytest.mark.parametrize(("lang", "client_type", "step", "shape"), CELLS)
def test_every_cell_is_fit_to_send(
    wording: Wording, lang: str, client_type: ClientType, step: int, shape: int
) -> None:
    facts = shapes(step)[shape]
    text = render(wording, lang, client_type, step, shape)
    # Slack's limit for a section, with room for the framing around it.
    assert 0 < len(text) <= MAX_SUGGESTION
    assert "$" not in text and "{" not in text and "None" not in text, text
    assert "  " not in text and " ." not in text and " ," not in text, text
    # Greeted by first name, and signed.
    assert text.startswith("Hi Siân," if lang == "en" else "Helo Siân,")
    assert "Jones" not in text
    # Signed in the client's language.
    assert text.endswith(SIGNED[lang])
    assert text.count("Sam ") == 1
    # Every amount carries its currency.
    for m in MONEY.finditer(text):
        assert CURRENCY.search(text[: m.start()]), f"{m.group(1)} has no currency: {text}"
    # Only references the client has seen; never Tactful's own numbering.
    assert "INV-" not in text
    assert set(re.findall(r"#[\w-]+", text)) <= KNOWN_REFS
    # This year's dates carry no year; last year's (the auto invoice, sent in 2025) do.
    assert "2026" not in text
    if AUTO in getattr(facts, "invoices", ()):
        assert "2025" in text
    # Plurals agree.
    assert not BAD_PLURALS[lang].search(text), text
    if lang == "cy":
        # What the team typed is quoted as they typed it; everything else is ours.
        ours = re.sub(r"“[^”]*”", "“…”", text)
        assert not ENGLISH_DATE_WORDS.search(ours), text
        # The wording's own words: no English sentence leaked in.
        assert "Hi " not in ours and " the " not in ours and "Best wishes" not in ours
    else:
        assert "Helo" not in text and "Cofion" not in text
    # Only what the record shows.
    late_before = (
        "the first invoice of yours to be paid late" if lang == "en" else "i gael ei thalu'n hwyr"
    )
    promise = {
        ("en", 1): "You'd let us know to expect it by Wed 25 November, so",
        ("cy", 1): "Roeddech chi wedi dweud wrthon ni y byddai'n cyrraedd erbyn 25 Tachwedd",
        ("en", 2): "You told us you'd pay by Wed 25 November, and it still",
        ("cy", 2): "Fe ddywedoch chi y byddech chi'n talu erbyn 25 Tachwedd",
    }[(lang, min(step, 2))]
    flagged = bool(getattr(facts, "paid_late_before", False))
    assert flagged or late_before not in text
    # Step 1 saves face and leaves history out; the firm step 2 states it whenever it's true.
    assert (late_before in text) == (flagged and step == 2) or step == 3
    assert (promise in text) == bool(getattr(facts, "promise_broken_on", None))
    # After an agreed rhythm, step 2 may be the first message of all (proposing was done by the
    # agreement): it names the day they agreed instead of an earlier message.
    agreed_first = getattr(facts, "agreed_on", None) is not None and step == 2
    if step > 1 and not agreed_first:
        assert client_date(date(2026, 11, 20), lang, TODAY) in text  # the earlier message
    if agreed_first:
        assert client_date(date(2026, 11, 2), lang, TODAY) in text  # the day they agreed
    if step == 2:
        assert client_date(date(2026, 12, 4), lang, TODAY, deadline=True) in text
    # Several invoices read as several, with what is owed in total.
    if situation_of(facts) == "overdue":
        # The payment line: bank details follow the money, their words the client's language.
        pay, pay_for = {
            "en": ("Payment details: ", "Payment details for "),
            "cy": ("Manylion talu: ", "Manylion talu ar gyfer "),
        }[lang]
        pounds = SORT_CODE if lang == "en" else COD_DIDOLI
        if EURO in facts.invoices:  # type: ignore[union-attr]
            assert f"{pay_for}€250.00: {IBAN}\n{pay_for}£1,200.50: {pounds}\n\n" in text, text
            assert pay not in text
        else:
            assert f"\n\n{pay}{pounds}\n\n" in text, text
            assert IBAN not in text
        assert (SORT_CODE if lang == "cy" else COD_DIDOLI) not in text
        if len(facts.invoices) > 1 and lang == "en":  # type: ignore[union-attr]
            assert "invoices #A-12" in text or "and the invoice we sent" in text
    else:
        assert "IBAN" not in text and "12-34-56" not in text
    if step == TOP_STAGE and situation_of(facts) != "quiet":
        # A final message: the date it takes effect, and the handover of what is theirs, which
        # never waits for payment (no "once it's paid, we'll hand over").
        assert client_date(date(2026, 11, 25), lang, TODAY) in text
        assert (
            "your accounts and the access" if lang == "en" else "eich cyfrifon a'r mynediad"
        ) in text
        assert "once the balance is paid" not in text.lower() and "Unwaith y bydd" not in text
    if step == TOP_STAGE and situation_of(facts) == "overdue":
        # A pause says what follows it, and when: its last day, in full.
        last = client_date(date(2026, 12, 4), lang, TODAY, deadline=True)
        assert last in text and ("end our work together" in text or "i ben" in text)
    if step == TOP_STAGE and situation_of(facts) == "controlling":
        # An exit names the work still to be invoiced, up to the day it ends.
        assert ("will be invoiced as agreed" if lang == "en" else "fel y cytunwyd") in text
    if situation_of(facts) == "overdue":
        # A payment may cross a reminder or a warning; a pause is past that.
        paid = "If you've paid in the last few days" if lang == "en" else "Os ydych chi wedi talu"
        assert (paid in text) == (step < TOP_STAGE)


def test_what_is_owed_is_the_balance_added_up_per_currency(wording: Wording) -> None:
    facts = replace(shapes(1)[3], step=1)
    text = client_message(wording, record("en", ClientType.NONE), facts, TODAY)
    # 1,200.50 + (500 - 100 paid) + 300: still owed, not the invoices' totals.
    # Part of it was paid: the figure is called what remains, never read as the whole.
    assert (
        "payment of the remaining £1,900.50 for invoice #A-12, invoice #A-13 and the invoice we"
        in text
    )
    two = client_message(wording, record("en", ClientType.NONE), shapes(1)[5], TODAY)
    # In the invoices' order: the first amount is the first invoice's.
    assert "payment of £1,200.50 and €250.00 for invoices #A-12 and #E-1" in two


def test_a_promise_for_some_of_the_invoices_names_them(wording: Wording) -> None:
    """Found in a console walk: a promise to pay one invoice of three was told back as a
    promise for all of them ("you'd let us know to expect it")."""
    broken = date(2026, 11, 25)
    promised = replace(A13, promised_by=broken)
    for step, key in ((1, "expect payment of invoice #A-13 by"), (2, "you'd pay invoice #A-13")):
        facts = replace(shapes(step)[3], invoices=(A12, promised, AUTO))
        text = client_message(wording, record("en", ClientType.LATE_PAYER), facts, TODAY)
        assert key in text.replace("You", "you"), text
    # All of them promised: "it" is all of them, and no invoice is named twice.
    every = tuple(replace(i, promised_by=broken) for i in (A12, A13, AUTO))
    facts = replace(shapes(1)[3], invoices=every)
    text = client_message(wording, record("en", ClientType.LATE_PAYER), facts, TODAY)
    assert "You'd let us know to expect it by" in text
    welsh = client_message(
        wording,
        record("cy", ClientType.LATE_PAYER),
        replace(shapes(1)[3], invoices=(A12, promised, AUTO)),
        TODAY,
    )
    assert "taliad am anfoneb #A-13 yn cyrraedd erbyn" in welsh


def test_welsh_lists_counts_and_dates(wording: Wording) -> None:
    assert client_date(date(2026, 11, 2), "cy", TODAY) == "2 Tachwedd"
    assert client_date(date(2026, 12, 4), "cy", TODAY, deadline=True) == "dydd Gwener 4 Rhagfyr"
    assert client_date(date(2026, 12, 2), "en", TODAY) == "Wed 2 December"
    assert client_date(date(2026, 12, 4), "en", TODAY, deadline=True) == "Friday 4 December"
    assert client_date(date(2025, 12, 2), "en", TODAY) == "Tue 2 December 2025"
    assert count(6, "request", "cy") == "6 cais"
    assert count(3, "invoice", "cy") == "3 anfoneb"
    assert count(1, "invoice", "cy") == "1 anfoneb"
    # `ac` before a reference said with a vowel ("A").
    assert invoices_phrase((A12, A13), "cy", TODAY) == "anfonebau #A-12 ac #A-13"
    assert invoices_phrase((A12, AUTO), "cy", TODAY) == (
        "anfoneb #A-12 a'r anfoneb a anfonwyd gennym ar 30 Rhagfyr 2025"
    )
    assert requests_phrase(["logo", "Q3 plan"], "cy") == "“logo” a “Q3 plan”"
    cy = client_message(wording, record("cy", ClientType.NONE, contact=""), shapes(1)[0], TODAY)
    assert cy.startswith("Helo bawb,")  # soft mutation after the greeting


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("Sign-off (March posts).", "sign-off, March posts"),
        ('  "New logo"  (v2) ;', "new logo, v2"),
        ("ACME brand book", "ACME brand book"),
        ("March posts sign-off!!", "March posts sign-off"),
    ],
)
def test_a_logged_request_reads_as_a_tidy_phrase(typed: str, phrase: str) -> None:
    assert tidy_request(typed, "en") == phrase


def test_the_payment_line_comes_from_the_client_then_the_setting(wording: Wording) -> None:
    facts = shapes(1)[2]
    rec = record("en", ClientType.NONE)
    details = Letterhead(payment_details="Sort code 12-34-56, account 12345678")
    assert "Payment details: Sort code 12-34-56" in client_message(
        wording, rec, facts, TODAY, details
    )
    own = replace(rec, client=replace(rec.client, pay="https://pay.example.com/acme"))
    text = client_message(wording, own, facts, TODAY, details)
    assert "You can pay online here: https://pay.example.com/acme" in text
    assert "Sort code" not in text
    # Never in a message that isn't about money.
    assert "pay" not in client_message(wording, own, shapes(1)[0], TODAY, details).lower()


def test_greet_as_and_pay_are_client_options() -> None:
    got = parse("set acme greet as Jo pay <https://pay.example.com/acme|pay>", TODAY, set())
    assert isinstance(got, Set)
    assert got.options.greet == "Jo" and got.options.pay == "https://pay.example.com/acme"
    for bad in ("set acme greet Jo", "set acme pay here"):
        with pytest.raises(InputError, match="e.g. `/client set acme"):
            parse(bad, TODAY, set())


def test_a_deadline_skips_the_agencys_holidays_and_closures(wording: Wording) -> None:
    from domain.calendar import WorkCalendar

    # Five working days from Mon 21 December 2026, with Christmas and Boxing Day (Monday 28th,
    # observed) off in Wales and the agency closed on the 24th.
    calendar = WorkCalendar("GB-WLS", frozenset({date(2026, 12, 24)}))
    facts = replace(shapes(1)[0], step=1)
    text = client_message(
        wording,
        record("en", ClientType.UNRESPONSIVE),
        facts,
        date(2026, 12, 21),
        Letterhead(calendar=calendar),
    )
    assert "by Thursday 31 December" in text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("client_type", TYPES)
def test_each_request_and_invoice_is_dated_on_its_own_day(
    wording: Wording, lang: str, client_type: ClientType
) -> None:
    """Several requests or invoices are never all dated on the first one's day: a blind
    reviewer read "£950 was due on 6 November" when one of the two fell due on the 13th."""
    quiet, overdue = shapes(1)[1], shapes(1)[3]
    asked = client_message(wording, record(lang, client_type), quiet, TODAY)
    for ask in (ASK1, ASK2):
        assert client_date(ask.asked_on, lang, TODAY) in asked, (ask, asked)
    owed_text = client_message(wording, record(lang, client_type), overdue, TODAY)
    for invoice in (A12, A13, AUTO):
        assert client_date(invoice.due_on, lang, TODAY) in owed_text, (invoice, owed_text)


DOLLARS = Invoice("U-1", gbp("400", "USD"), date(2026, 11, 2), date(2026, 10, 3))


@pytest.mark.parametrize(
    ("lang", "invoices", "line"),
    [
        # English, pounds: PAYMENT_DETAILS (no GBP details of their own).
        ("en", (A12,), f"Payment details: {SORT_CODE}"),
        # English, euros: the euro account.
        ("en", (EURO,), f"Payment details: {IBAN}"),
        # Welsh, pounds: the Welsh wording of PAYMENT_DETAILS.
        ("cy", (A12,), f"Manylion talu: {COD_DIDOLI}"),
        # Welsh, euros: the money decides, so the euro account beats the Welsh details.
        ("cy", (EURO,), f"Manylion talu: {IBAN}"),
        # Dollars have no details of their own: the general ones, in the client's language.
        ("en", (DOLLARS,), f"Payment details: {SORT_CODE}"),
        ("cy", (DOLLARS,), f"Manylion talu: {COD_DIDOLI}"),
    ],
)
def test_payment_details_follow_the_currency_then_the_language(
    wording: Wording, lang: str, invoices: tuple[Invoice, ...], line: str
) -> None:
    facts = OverdueFacts(step=1, invoices=invoices, days_overdue=25)
    text = client_message(wording, record(lang, ClientType.NONE), facts, TODAY, LETTERHEAD)
    # The payment line is a paragraph of its own (the "already paid?" line follows it).
    assert f"\n\n{line}\n\n" in text and text.endswith(SIGNED[lang]), text


def test_two_currencies_paid_the_same_way_get_one_line(wording: Wording) -> None:
    facts = OverdueFacts(step=1, invoices=(A12, DOLLARS), days_overdue=25)
    text = client_message(wording, record("en", ClientType.NONE), facts, TODAY, LETTERHEAD)
    assert f"\n\nPayment details: {SORT_CODE}\n\n" in text
    assert text.count(SORT_CODE) == 1


def test_a_currency_with_no_details_anywhere_gets_the_offer_to_resend(wording: Wording) -> None:
    euros_only = Letterhead(payment_details_by_currency=(("EUR", IBAN),))
    facts = OverdueFacts(step=1, invoices=(A12, EURO), days_overdue=25)
    text = client_message(wording, record("en", ClientType.NONE), facts, TODAY, euros_only)
    assert (
        f"\n\nPayment details for €250.00: {IBAN}\n"
        "If you need the invoice or our bank details again, just reply to this message.\n\n"
    ) in text
    # Pounds alone: nothing to give, so only the offer.
    alone = client_message(
        wording, record("en", ClientType.NONE), replace(facts, invoices=(A12,)), TODAY, euros_only
    )
    assert "IBAN" not in alone and "just reply to this message" in alone


def test_a_welsh_sign_off_falls_back_to_sign_off(wording: Wording) -> None:
    facts = shapes(1)[0]
    english_only = Letterhead(sign_off="Sam")
    cy = client_message(wording, record("cy", ClientType.NONE), facts, TODAY, english_only)
    assert cy.endswith("Cofion gorau,\nSam")
    en = client_message(wording, record("en", ClientType.NONE), facts, TODAY, LETTERHEAD)
    assert "Sam yn" not in en
