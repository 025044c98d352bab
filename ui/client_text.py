"""The pieces of a message the client reads, in the client's language: dates as people write
them, counts with the right plural, the invoices named the way the client knows them, what is
owed with its currency, a dated deadline, the request as a tidy phrase. Pure.

Team-facing text never comes through here: it stays in the team's language (ui/wording.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from babel.lists import format_list

from domain.calendar import WEEKDAYS_ONLY, WorkCalendar, add_business_days
from domain.models import Invoice, Money
from domain.money import format_money, totals
from ui.dates import DATE_LOCALES, client_date

# The "o" construction after a figure ("3 o anfonebau", soft-mutated where it must be), which
# reads naturally with digits in Welsh; English takes a plain plural.
_NOUNS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "invoice": ("invoice", "invoices"),
        "day": ("day", "days"),
        "working_day": ("working day", "working days"),
        "request": ("request", "requests"),
        "round": ("round of changes", "rounds of changes"),
    },
    "cy": {
        "invoice": ("anfoneb", "o anfonebau"),
        "day": ("diwrnod", "o ddiwrnodau"),
        "working_day": ("diwrnod gwaith", "o ddiwrnodau gwaith"),
        "request": ("cais", "o geisiadau"),
        "round": ("rownd o newidiadau", "o rowndiau o newidiadau"),
    },
}


def _lang(lang: str) -> str:
    return lang if lang in DATE_LOCALES else "en"


def deadline(
    today: date, working_days: int, lang: str, calendar: WorkCalendar = WEEKDAYS_ONLY
) -> str:
    """`Friday 4 December`: `working_days` working days after today, on the agency's calendar
    (holidays and closures don't count, and the deadline never falls on one)."""
    due = add_business_days(today, working_days, calendar)
    return client_date(due, lang, today, deadline=True)


def count(n: int, noun: str, lang: str) -> str:
    """`1 invoice`, `3 invoices`; `1 anfoneb`, `3 o anfonebau`."""
    one, many = _NOUNS[_lang(lang)][noun]
    return f"{n} {one if n == 1 else many}"


def and_list(items: Sequence[str], lang: str) -> str:
    """`A, B and C`; in Welsh `A, B a C` (`ac` before a vowel), never Babel's `a(c)`."""
    items = list(items)
    if _lang(lang) != "cy" or len(items) < 2:
        return format_list(items, locale="en_GB") if items else ""
    last, rest = items[-1], ", ".join(items[:-1])
    if last.startswith(("yr ", "y ")):
        return f"{rest} a'r {last.split(' ', 1)[1]}"  # a + yr anfoneb = a'r anfoneb
    joiner = "ac" if last[:1].lower() in "aeiouwyâêîôûŵŷ" else "a"
    return f"{rest} {joiner} {last}"


def money_total(amounts: Sequence[Money], lang: str) -> str:
    """What is owed, added up per currency and never mixed: `£1,700.00`, or
    `£1,200.00 and €300.00`. Every amount carries its currency."""
    return and_list([format_money(m, lang) for m in totals(amounts)], lang)


AUTO_REF = re.compile(r"INV-\d+", re.IGNORECASE)


def invoices_phrase(invoices: Sequence[Invoice], lang: str, today: date) -> str:
    """The invoices as the client knows them.

    A reference the team gave (`#A`) is shown; one Tactful numbered itself (`auto_ref`) never
    is, since the client has never seen it: `the invoice we sent on Sun 1 November`. Several
    read as several: `invoices #A and #B`.
    """
    lang = _lang(lang)
    if all(not i.auto_ref for i in invoices):
        refs = and_list([f"#{i.ref}" for i in invoices], lang)
        if lang == "cy":
            return f"anfoneb {refs}" if len(invoices) == 1 else f"anfonebau {refs}"
        return f"invoice {refs}" if len(invoices) == 1 else f"invoices {refs}"
    if len(invoices) == 1 and invoices[0].sent_on is None:
        # Its due date follows in every sentence that names it: naming it by that too repeats.
        return "ein hanfoneb" if lang == "cy" else "our invoice"
    names = [_one_invoice(i, lang, today) for i in invoices]
    return and_list(names, lang)


def _one_invoice(invoice: Invoice, lang: str, today: date) -> str:
    if not invoice.auto_ref:
        return f"anfoneb #{invoice.ref}" if lang == "cy" else f"invoice #{invoice.ref}"
    if invoice.sent_on is None:
        # Logged after it fell due, without the day it went out: named by its due date.
        due = client_date(invoice.due_on, lang, today, weekday=False)
        if lang == "cy":
            return f"yr anfoneb oedd yn ddyledus ar {due}"
        return f"the invoice due on {due}"
    sent = client_date(invoice.sent_on, lang, today, weekday=False)
    if lang == "cy":
        return f"yr anfoneb a anfonwyd gennym ar {sent}"
    return f"the invoice we sent on {sent}"


_KEEP_CAPITAL = {
    *(
        m.lower()
        for m in [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ]
    ),
}
_BRACKETS = re.compile(r"[\(\)\[\]\{\}]")
_SPACES = re.compile(r"\s+")


def tidy_request(what: str, lang: str) -> str:
    """A logged request as a phrase that reads well inside a sentence: one line, no brackets,
    quotes or trailing punctuation, and a lower-case first letter unless it starts a name or
    an acronym (`Q3 plan`, `March posts` keep theirs)."""
    # "Sign-off (March posts)." reads "sign-off, March posts" inside a sentence.
    text = _BRACKETS.sub(",", what)
    text = re.sub(r"\s*,[\s,]*", ", ", text)
    text = text.replace("“", "").replace("”", "").replace('"', "")
    text = _SPACES.sub(" ", text).strip(" .,;:!?-–—'")
    text = re.sub(r"[,;:]+$", "", text)
    if not text:
        return "your reply" if _lang(lang) == "en" else "eich ateb"
    first = text.split(" ", 1)[0]
    # Lower-case an ordinary capitalised first word (Sign-off -> sign-off), not "ACME", "Q3",
    # "iPhone", a single capital letter, nor a month or weekday ("March posts").
    if (
        first[:1].isupper()
        and first[1:].islower()
        and len(first) > 1
        and first.lower() not in _KEEP_CAPITAL
    ):
        text = text[0].lower() + text[1:]
    return text


def requests_phrase(asks: Sequence[str], lang: str) -> str:
    """Every open request as one phrase; in Welsh each is quoted, so a mutating `a` never
    meets a word the team typed."""
    tidy = [tidy_request(a, lang) for a in asks]
    if _lang(lang) == "cy":
        tidy = [f"“{t}”" for t in tidy]
    return and_list(tidy, lang)


def first_name(contact: str, greet: str = "") -> str:
    """Whom to greet: the `greet as` name if set, else the first word of the contact."""
    if greet.strip():
        return greet.strip()
    words = contact.split()
    return words[0] if words else ""
