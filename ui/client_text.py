"""The pieces of a message the client reads, in the client's language: dates as people write
them, counts with the right plural, the invoices named the way the client knows them, what is
owed with its currency, a dated deadline, the request as a tidy phrase. Pure.

Team-facing text never comes through here: it stays in the team's language (ui/wording.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import cache

from babel import Locale
from babel.lists import format_list

from domain.calendar import WEEKDAYS_ONLY, WorkCalendar, add_business_days
from domain.models import Invoice, Money
from domain.money import format_money, totals
from ui.dates import DATE_LOCALES, client_date

# A figure is followed by the singular in Welsh ("10 diwrnod", "4 rownd o newidiadau"), never
# the "o" construction with a plural ("10 o ddiwrnodau"), and a digit mutates nothing; English
# takes a plain plural.
_NOUNS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "invoice": ("invoice", "invoices"),
        "day": ("day", "days"),
        "working_day": ("working day", "working days"),
        "request": ("request", "requests"),
        "round": ("round of changes", "rounds of changes"),
    },
    "cy": {
        "invoice": ("anfoneb", "anfoneb"),
        "day": ("diwrnod", "diwrnod"),
        "working_day": ("diwrnod gwaith", "diwrnod gwaith"),
        "request": ("cais", "cais"),
        "round": ("rownd o newidiadau", "rownd o newidiadau"),
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
    """`1 invoice`, `3 invoices`; `1 anfoneb`, `3 anfoneb`."""
    one, many = _NOUNS[_lang(lang)][noun]
    return f"{n} {one if n == 1 else many}"


_VOWELS = "aeiouwyâêîôûŵŷáéíóúàèìòùäëïöü"
_FIGURE = re.compile(r"\d[\d,.\s]*")
_AMOUNT = re.compile(r"([A-Z]{0,3})([^\w\s\-/.,:])?\s?(?=\d)")


def _said_with_a_vowel(text: str) -> bool:
    """Whether `text` is said starting with a vowel in Welsh, as `ac` needs: past any quote
    mark, currency symbol or `#` (“adroddiad”, #A-1), and a figure as it is read (1 un,
    8 wyth, 11 un ar ddeg, 16 un ar bymtheg, 80 wyth deg, 800 wyth cant, 8,000 wyth mil; but
    18 deunaw, 100 cant, 1,000 mil)."""
    spoken = text.lstrip(" “”‘’\"'«»(#")
    # An amount is said from its figure: `£5`, `US$5`, `JP¥1,000`, `CHF 5`.
    money = _AMOUNT.match(spoken)
    if money and (money.group(2) or len(money.group(1)) == 3):
        spoken = spoken[money.end() :]
    figure = _FIGURE.match(spoken)
    if not figure:
        return spoken[:1].lower() in _VOWELS if spoken else False
    whole = re.split(r"\.\d", figure.group().replace(" ", ""), maxsplit=1)[0]
    groups = [g for g in whole.split(",") if g]
    if not groups or not groups[0].isdigit():
        return False
    lead = int(groups[0])
    if len(groups) == 1 and len(groups[0]) > 3:  # 8000 typed without a comma
        lead = int(groups[0][: len(groups[0]) % 3 or 3])
        groups = [str(lead), *["000"] * ((len(whole) - 1) // 3)]
    if lead == 1:
        return len(groups) == 1  # "un", but "mil" and "miliwn"
    return lead in (11, 16) or (str(lead)[0] == "8" and lead != 18)


def and_list(items: Sequence[str], lang: str) -> str:
    """`A, B and C`; in Welsh `A, B a C`, and `ac` where C is said with a vowel (even after a
    quote mark, `a` before a figure as it is read), never Babel's `a(c)`."""
    items = list(items)
    if _lang(lang) != "cy" or len(items) < 2:
        return format_list(items, locale="en_GB") if items else ""
    last, rest = items[-1], ", ".join(items[:-1])
    if last.startswith(("yr ", "y ")):
        return f"{rest} a'r {last.split(' ', 1)[1]}"  # a + yr anfoneb = a'r anfoneb
    joiner = "ac" if _said_with_a_vowel(last) else "a"
    return f"{rest} {joiner} {last}"


def money_total(amounts: Sequence[Money], lang: str) -> str:
    """What is owed, added up per currency and never mixed: `£1,700.00`, or
    `£1,200.00 and €300.00`. Every amount carries its currency, in the order the amounts
    come (the invoices' order), so it reads in step with the invoices named beside it."""
    first = list(dict.fromkeys(m.currency for m in amounts))
    ordered = sorted(totals(amounts), key=lambda m: first.index(m.currency))
    return and_list([format_money(m, lang) for m in ordered], lang)


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


@cache
def _keep_capital() -> frozenset[str]:
    """Month and weekday names in every client language (Babel's, so none is missed): they
    keep their capital at the start of an English request ("March posts", "Rhagfyr")."""
    names: set[str] = set()
    for locale in DATE_LOCALES.values():
        for kind in ("months", "days"):
            for width in ("wide", "abbreviated"):
                names |= {
                    n.lower() for n in getattr(Locale.parse(locale), kind)["format"][width].values()
                }
    return frozenset(names)


_BRACKETS = re.compile(r"[\(\)\[\]\{\}]")
_SPACES = re.compile(r"\s+")


def tidy_request(what: str, lang: str) -> str:
    """A logged request as a phrase that reads well inside a sentence: one line, no brackets,
    quotes or trailing punctuation.

    English lower-cases an ordinary capitalised first word (`Sign-off` -> `sign-off`), but not
    an acronym (`ACME`, `Q3`, `iPhone`), a single letter, nor a month or weekday in any client
    language (`March posts`, `Rhagfyr`). Welsh never changes a capital: the request is quoted
    there, as a title, so its capital reads right, while lower-casing would wrongly lower
    every proper noun no list can hold (`Caerdydd`, `Cymru`, a client's brand)."""
    # "Sign-off (March posts)." reads "sign-off, March posts" inside a sentence.
    text = _BRACKETS.sub(",", what)
    text = re.sub(r"\s*,[\s,]*", ", ", text)
    text = text.replace("“", "").replace("”", "").replace('"', "")
    text = _SPACES.sub(" ", text).strip(" .,;:!?-–—'")
    text = re.sub(r"[,;:]+$", "", text)
    if not text:
        return "your reply" if _lang(lang) == "en" else "eich ateb"
    if _lang(lang) == "cy":
        return text
    # The team's note-taking is not how the client should read it: "chasing the logo" asks
    # for "the logo", and "access to their CMS" is "access to your CMS" when said to them.
    text = _FILLER.sub("", text) or text
    text = _THIRD_PERSON.sub(lambda m: _SECOND_PERSON[m[0].lower()], text)
    first = text.split(" ", 1)[0]
    if (
        first[:1].isupper()
        and first[1:].islower()
        and len(first) > 1
        and first.lower().rstrip(",") not in _keep_capital()
    ):
        text = text[0].lower() + text[1:]
    return text


# How a team note often starts, which is about the chasing, not the thing asked for.
_FILLER = re.compile(
    r"^(?:(?:just\s+)?(?:checking\s+in|following\s+up|follow\s+up|chasing\s+up|chase\s+up)"
    r"\s+(?:on|about|re)\s+|chasing\s+|re:?\s+|(?:still\s+)?waiting\s+(?:for|on)\s+)",
    re.IGNORECASE,
)
# The client spoken of, as the team writes it, and as the client reads it.
_SECOND_PERSON = {
    "their": "your",
    "theirs": "yours",
    "them": "you",
    "they": "you",
    "they're": "you're",
    "they've": "you've",
    "themselves": "yourselves",
}
_THIRD_PERSON = re.compile(
    r"\b(?:" + "|".join(sorted(_SECOND_PERSON, key=len, reverse=True)) + r")\b", re.I
)


# A client message names a handful of requests, each in at most a sentence's length: the
# rest are counted ("and 7 more"), so the message stays short enough to read, to edit in
# Slack's 3,000-character edit box, and to send, however many requests are open.
MAX_NAMED_REQUESTS = 5
MAX_REQUEST_CHARS = 100


def short_request(what: str, lang: str) -> str:
    """A tidy request, shortened at a word to MAX_REQUEST_CHARS with a visible "…"."""
    text = tidy_request(what, lang)
    if len(text) <= MAX_REQUEST_CHARS:
        return text
    cut = text[: MAX_REQUEST_CHARS - 1]
    if " " in cut[MAX_REQUEST_CHARS // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


def requests_phrase(asks: Sequence[str], lang: str, more: str = "") -> str:
    """The requests as one phrase; in Welsh each is quoted, so a mutating `a` never meets a
    word the team typed. `more` ("7 more"), if given, ends the list unquoted: the caller names
    at most MAX_NAMED_REQUESTS and counts the rest there."""
    tidy = [short_request(a, lang) for a in asks]
    if _lang(lang) == "cy":
        tidy = [f"“{t}”" for t in tidy]
    return and_list([*tidy, more] if more else tidy, lang)


def first_name(contact: str, greet: str = "") -> str:
    """Whom to greet: the `greet as` name if set, else the first word of the contact."""
    if greet.strip():
        return greet.strip()
    words = contact.split()
    return words[0] if words else ""
