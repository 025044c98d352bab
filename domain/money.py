"""Money as agencies write it: read exactly, shown with the locale library (Babel). Pure.

Every amount has a currency. A bare amount is in the workspace currency (CURRENCY). Reading is
strict: a number is accepted only when it has one reading. Tactful's own display (`£1,200.50`,
`¥1,000`) always reads back as the same amount.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.core import get_global
from babel.numbers import (
    format_currency,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    list_currencies,
)

from domain.inputs import InputError, shorten
from domain.models import Money

DEFAULT_CURRENCY = "GBP"
MAX_AMOUNT = Decimal("1000000000")
# The languages Tactful speaks (Client.lang) and the Babel locale each shows money in: `en` is
# Babel's own English (`$`, `¥`), `cy` shows its own symbols (`US$`, `JP¥`).
LOCALES = {"en": "en", "cy": "cy"}
# A symbol several currencies could use means the workspace's currency if it is one of them,
# else the first here.
_PREFERRED = {"$": "USD", "¥": "JPY", "£": "GBP", "kr": "SEK"}
ACCEPTED = "`1200`, `1,200.50`, `1.200,50`, `1 200,50`, `£300`, `€2 400`, `1.2k` or `300 USD`"


@cache
def _codes() -> frozenset[str]:
    """The currencies money is paid in: each one that is, or was, legal tender somewhere
    (CLDR's currencies of each territory, through Babel; whatever the date, so an old invoice
    in a retired currency still reads). Not ISO 4217's other codes: no currency (XXX), testing
    (XTS), metals (XAU, XAG, XPD, XPT), units of account (XDR, XBA-XBD, XSU, XUA) and funds
    (USN, CLF...)."""
    return frozenset(
        code
        for currencies in get_global("territory_currencies").values()
        for code, _start, _end, tender in currencies
        if tender
    )


def is_currency(code: str) -> bool:
    """Whether `code` (any case) is the ISO code of a currency money is paid in."""
    return code.isalpha() and code.upper() in _codes()


def not_money(code: str) -> str | None:
    """What an ISO 4217 code that isn't a currency money is paid in stands for (`Gold`,
    `Unknown Currency`), for the refusal; None for a currency, or a code that isn't ISO's."""
    upper = code.upper()
    if not code.isalpha() or upper in _codes() or upper not in list_currencies():
        return None
    return get_currency_name(upper, locale="en")


def unknown_currency(code: str, instead: str) -> str:
    """Why `code` is refused as a currency, then `instead`: what to type."""
    meaning = not_money(code)
    if meaning is not None:
        return (
            f"`{code.upper()}` ({meaning}) is an ISO code, but not of a currency anyone pays "
            f"in. {instead}"
        )
    return f"I don't know the currency `{shorten(code)}`. {instead}"


def format_money(money: Money, lang: str = "en") -> str:
    """The one way an amount is shown: its currency's symbol and decimals, per language."""
    return format_currency(
        money.amount, money.currency, locale=LOCALES.get(lang, "en"), currency_digits=True
    )


def format_money_code(money: Money) -> str:
    """An amount with its ISO code before it (`GBP 1,200.50`, `JPY 1,000`), for files read
    outside Tactful, where `$` or `kr` could be any of several currencies."""
    shown = format_currency(
        money.amount, money.currency, format="¤¤ #,##0.00", locale="en", currency_digits=True
    )
    return shown.strip()


def format_totals(amounts: Iterable[Money], lang: str = "en", none: str = "nothing") -> str:
    """Amounts added up per currency, never mixed: `£1,200.00 + €300.00`."""
    return " + ".join(format_money(m, lang) for m in totals(amounts)) or none


def totals(amounts: Iterable[Money]) -> tuple[Money, ...]:
    """Amounts added up per currency (amounts in different currencies are never mixed)."""
    by: dict[str, Decimal] = {}
    for m in amounts:
        by[m.currency] = by.get(m.currency, Decimal(0)) + m.amount
    return tuple(Money(v, k) for k, v in sorted(by.items()) if v)


@cache
def _symbols() -> dict[str, tuple[str, ...]]:
    """symbol -> the currencies shown with it in any of our languages."""
    found: dict[str, set[str]] = {}
    for locale in LOCALES.values():
        for code in _codes():
            symbol = get_currency_symbol(code, locale=locale)
            if symbol != code:
                found.setdefault(symbol, set()).add(code)
    found.setdefault("kr", set()).update({"SEK", "NOK", "DKK", "ISK"})
    return {
        s: tuple(sorted(codes, key=lambda c: (c != _PREFERRED.get(s), c)))
        for s, codes in found.items()
    }


# A symbol or an ISO code, before or after the number, with or without a space.
_CURRENCY_WORD = re.compile(r"^[A-Za-z]{3}$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_NUMBER_CHARS = re.compile(r"^[0-9][0-9., ]*$")
_GROUPED = {
    ",": re.compile(r"^[1-9]\d{0,2}(?:,\d{3})+$"),
    ".": re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+$"),
    " ": re.compile(r"^[1-9]\d{0,2}(?: \d{3})+$"),
}


def parse_amount(tokens: list[str], currency: str = DEFAULT_CURRENCY) -> Money:
    """Exact money from what a person typed.

    Args:
        tokens: the words of the amount (`["£1,200.50"]`, `["1", "200,50", "€"]`).
        currency: the workspace currency, for a bare amount.

    Raises:
        InputError: the amount can't be read, or could be read two ways, with the accepted forms.
    """
    typed = " ".join(t for t in tokens if t)
    text = _SPACES.sub(" ", typed).strip()
    if not text:
        raise InputError(f"The amount is missing. Write it like {ACCEPTED}.")
    negative = text.startswith(_MINUS)
    code, number = _split_currency(text.lstrip("".join(_MINUS)).strip(), currency, typed)
    negative = negative or number.startswith(_MINUS)
    value = _read_number(number.lstrip("".join(_MINUS)).strip(), typed)
    if negative:
        at = min(typed.find(m) for m in _MINUS if m in typed)
        raise InputError(
            f"Amounts are positive: `{shorten(typed)}` can't be logged. Money going back to "
            "the client (a refund, a credit) is a note, e.g. `/client note acme refunded "
            f"{shorten(typed[:at] + typed[at + 1 :])}`. Otherwise, type it without the minus.",
            typed=typed,
            instead=typed[:at] + typed[at + 1 :],
        )
    if not Decimal(0) < value < MAX_AMOUNT:
        raise InputError("The amount must be more than zero and less than a billion.")
    places = get_currency_precision(code)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        unit = "whole amounts" if places == 0 else f"at most {places} decimal places"
        raise InputError(f"{code} amounts have {unit}: `{shorten(typed)}` has more.")
    return Money(value, code)


_MINUS = ("-", "\u2212")


class AmbiguousAmount(InputError):
    """`1.200`: 1200 or 1.2? `kr 500`: which crown? `readings` are each way to read it
    (`1,200`, `NOK`) with the amount as typed rewritten that way (`£1,200`, `NOK 500`), to put
    in place of `typed`."""

    def __init__(self, message: str, *, typed: str, readings: tuple[tuple[str, str], ...]) -> None:
        super().__init__(message, typed=typed)
        self.readings = readings
        # Without its last sentence (the forms to write), for a reply that gives the
        # whole command each way instead.
        self.reason = message.rsplit(". ", 1)[0] + "."


def _split_currency(text: str, workspace: str, typed: str) -> tuple[str, str]:
    found: list[str] = []
    words = text.split(" ")
    # An ISO code as a word of its own, first or last: `300 USD`, `usd 300`.
    for i in (0, -1):
        if len(words) > 1 and _CURRENCY_WORD.match(words[i]):
            if not is_currency(words[i]):
                raise InputError(
                    unknown_currency(
                        words[i],
                        f"Use the client's currency, like `EUR`, or leave the code out for "
                        f"{workspace}; write the amount like {ACCEPTED}.",
                    )
                )
            found.append(words[i].upper())
            words = words[1:] if i == 0 else words[:-1]
    text = " ".join(words)
    # An ISO code stuck to the number, as Babel shows currencies without a symbol: `CHF300.00`.
    stuck = not found and len(text) > 3
    for code in (text[:3], text[-3:]) if stuck else ():
        if not_money(code):  # `XXX300`: say what XXX is, not that the amount is unreadable
            raise InputError(
                unknown_currency(
                    code,
                    f"Use the client's currency, like `EUR`, or leave the code out for {workspace}.",
                )
            )
    if stuck and text[3].isdigit() and is_currency(text[:3]):
        found.append(text[:3].upper())
        text = text[3:]
    elif stuck and text[-4].isdigit() and is_currency(text[-3:]):
        found.append(text[-3:].upper())
        text = text[:-3]
    # A symbol stuck to the number or beside it: `£300`, `€ 2 400`, `1.200,50 €`, `US$5`.
    symbols = sorted(_symbols(), key=len, reverse=True)
    for symbol in symbols:
        if text.startswith(symbol):
            found.append(_symbol_currency(symbol, workspace, typed))
            text = text[len(symbol) :].strip()
            break
    for symbol in symbols:
        if text.endswith(symbol) and text[: -len(symbol)].strip():
            found.append(_symbol_currency(symbol, workspace, typed))
            text = text[: -len(symbol)].strip()
            break
    # `£900 GBP`: the symbol and the code saying the same currency is one currency.
    found = list(dict.fromkeys(found))
    if len(found) > 1:
        raise InputError(
            f"`{shorten(typed)}` names more than one currency. Write it like {ACCEPTED}."
        )
    return (found[0] if found else workspace), text


def _symbol_currency(symbol: str, workspace: str, typed: str) -> str:
    codes = _symbols()[symbol]
    if workspace in codes:
        return workspace
    if symbol == "kr":
        # Swedish, Norwegian, Danish and Icelandic crowns are all `kr`: outside a workspace
        # that uses one, which is meant can't be told, and a guess is a wrong amount.
        raise AmbiguousAmount(
            f"`{shorten(typed)}`: `kr` is the crown of Sweden (SEK), Norway (NOK), Denmark (DKK) "
            "and Iceland (ISK). Write the code instead, like `500 NOK`.",
            typed=typed,
            readings=tuple((code, typed.replace("kr", code, 1)) for code in sorted(codes)),
        )
    return codes[0]


def _read_number(text: str, typed: str) -> Decimal:
    """Digits with thousands separators and a decimal mark, and an optional `k`, read only when
    there is one reading: `1.200` (1.2 or 1200?) is refused; `1,200` is 1200, as Tactful shows
    thousands in English and Welsh."""
    thousand = text[-1:] in ("k", "K")
    if thousand:
        text = text[:-1].rstrip()
    if not _NUMBER_CHARS.match(text) or text.endswith((",", ".", " ")):
        raise _unreadable(typed)
    marks = [c for c in ",." if c in text]
    whole, decimals = text, ""
    if len(marks) == 2:
        # Both: the last one is the decimal mark (`1,200.50`, `1.200,50`).
        point = max(text.rfind(","), text.rfind("."))
        whole, decimals = text[:point], text[point + 1 :]
        if marks[0] in decimals or marks[1] in decimals or " " in whole:
            raise _unreadable(typed)
        group = "," if text[point] == "." else "."
        if group not in whole or not _GROUPED[group].match(whole):
            raise _unreadable(typed)
    elif len(marks) == 1:
        mark = marks[0]
        head, _, tail = text.rpartition(mark)
        if text.count(mark) > 1:
            # Several of one mark can only group thousands: `1.200.000`, `1,200,000`.
            if " " in text or not _GROUPED[mark].match(text):
                raise _unreadable(typed)
        elif len(tail) == 3 and " " not in text and head != "0":
            if mark == "." or not _GROUPED[","].match(text):
                # `1.200`: a thousand and two hundred, or one point two? Never guess.
                readings = [f"{head},{tail}"] if mark == "." else []
                if readings and tail.endswith("0"):
                    readings.append(f"{head}.{tail[:2]}")
                raise AmbiguousAmount(
                    f"`{shorten(typed)}` could be read two ways (`1.200` is 1200 in some "
                    "countries and 1.2 in others). Write it as `1200`, `1,200` or `1.20`.",
                    typed=typed,
                    readings=tuple((r, typed.replace(text, r, 1)) for r in readings),
                )
        else:
            # One mark, not followed by three digits: the decimal mark (`1200.50`, `1 200,50`).
            whole, decimals = head, tail
            if " " in tail or not 1 <= len(tail) <= 3:
                raise _unreadable(typed)
    if " " in whole and not _GROUPED[" "].match(whole):
        raise _unreadable(typed)
    digits = re.sub(r"[ ,.]", "", whole)
    if not digits or (len(digits) > 1 and digits[0] == "0"):
        raise _unreadable(typed)
    try:
        value = Decimal(f"{digits}.{decimals}" if decimals else digits)
    except InvalidOperation:  # pragma: no cover - only digits get here
        raise _unreadable(typed) from None
    if thousand:
        value *= 1000
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
    return value


def _unreadable(typed: str) -> InputError:
    return InputError(f"I couldn't read `{shorten(typed)}` as an amount. Write it like {ACCEPTED}.")
