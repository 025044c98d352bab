"""Reading what people type: dates, amounts, durations and free text. Pure functions.

Each parser returns a value or raises InputError with a message that says what to type
instead; nothing here reads the clock (the caller passes `today`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import dateparser

from domain.characters import BIDI_CONTROLS, has_visible, is_control
from domain.models import Money


class InputError(ValueError):
    """Bad input; the message is shown to the person as is."""


class DateOutOfRange(InputError):
    """Clearly meant as a date but can't be used: not a real day (`2026-02-30`), in the future
    for something that happened, too far ahead..."""


MAX_TEXT = 1000
# Logged events can't be in the future; plans (due dates, promises, snoozes) can't be absurd.
MAX_DAYS_AHEAD = 730
MIN_DATE = date(2000, 1, 1)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SETTINGS = {
    "DATE_ORDER": "DMY",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["relative-time", "absolute-time"],
}


def parse_date(text: str, today: date, *, future: bool = False) -> date:
    """A date from `2026-12-01`, `today`, `yesterday`, `fri`, `3 days ago`, `next monday`...

    Args:
        text: what the person typed.
        today: today's date in the workspace time zone.
        future: read a bare weekday as the next one (due dates) rather than the last one.
    """
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise InputError("A date is missing. Try `today`, `fri` or `2026-12-01`.")
    if _ISO.match(cleaned):
        try:
            value = date.fromisoformat(cleaned)
        except ValueError:
            # DateOutOfRange: `on 2026-02-30` is a typo for a date, never words of a note.
            raise DateOutOfRange(f"`{cleaned}` is not a real date. Try `2026-12-01`.") from None
        return _in_range(value, today, future)
    # A bare number ("on 5") is too ambiguous to guess at, and dateparser would.
    if cleaned.isdigit() or len(cleaned) > 40:
        raise InputError(_date_help(text))
    if cleaned in ("today", "now"):
        return today
    settings = {
        **_SETTINGS,
        "PREFER_DATES_FROM": "future" if future else "past",
        "RELATIVE_BASE": datetime.combine(today, time(12)),
    }
    try:
        parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; all mean "not a date"
        parsed = None
    if parsed is None:
        raise InputError(_date_help(text))
    return _in_range(parsed.date(), today, future)


def _date_help(text: str) -> str:
    return (
        f"I couldn't read `{shorten(text)}` as a date. Try `today`, `yesterday`, `fri`, "
        "`3 days ago`, `next monday` or `2026-12-01`."
    )


def _in_range(value: date, today: date, future: bool) -> date:
    if value < MIN_DATE:
        raise DateOutOfRange(f"{value.isoformat()} is too far in the past.")
    if not future and value > today:
        raise DateOutOfRange(
            f"{value.isoformat()} is in the future: log things once they have happened."
        )
    if value > today + timedelta(days=MAX_DAYS_AHEAD):
        raise DateOutOfRange(f"{value.isoformat()} is too far ahead: pick a date within two years.")
    return value


_DURATION = re.compile(r"^(\d{1,3})\s*(d|day|days|w|wk|week|weeks|m|month|months)$")


def parse_until(text: str, today: date) -> date:
    """`3 days`, `1 week`, `2w` or a date, as the day things resume."""
    cleaned = " ".join(text.strip().lower().split())
    m = _DURATION.match(cleaned)
    if m:
        n, unit = int(m.group(1)), m.group(2)[0]
        days = n * {"d": 1, "w": 7, "m": 30}[unit]
        if not 1 <= days <= MAX_DAYS_AHEAD:
            raise InputError("Pick a length between 1 day and two years.")
        return today + timedelta(days=days)
    until = parse_date(cleaned, today, future=True)
    if until <= today:
        raise InputError(f"{until.isoformat()} has already come: pick a later date.")
    return until


_SYMBOLS = {"£": "GBP", "€": "EUR", "$": "USD"}
_CODES = {"GBP", "EUR", "USD", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "JPY", "INR"}
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$")
MAX_AMOUNT = Decimal("1000000000")


def parse_amount(tokens: list[str]) -> Money:
    """`1200`, `1,200.50`, `£300`, `€99`, `300 USD` or `USD 300` as exact money."""
    currency = ""
    words = [t for t in tokens if t]
    if len(words) == 2:
        code = next((w.upper() for w in words if w.upper() in _CODES), "")
        if not code:
            raise InputError(_amount_help(" ".join(words)))
        currency = code
        words = [w for w in words if w.upper() != code]
    if len(words) != 1:
        raise InputError(_amount_help(" ".join(tokens)))
    number = words[0]
    if number[:1] in _SYMBOLS:
        if currency:
            raise InputError(_amount_help(" ".join(tokens)))
        currency, number = _SYMBOLS[number[0]], number[1:]
    if not _NUMBER.match(number):
        raise InputError(_amount_help(" ".join(tokens)))
    try:
        amount = Decimal(number.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        raise InputError(_amount_help(" ".join(tokens))) from None
    if not Decimal(0) < amount < MAX_AMOUNT:
        raise InputError("The amount must be more than zero and less than a billion.")
    return Money(amount, currency)


def _amount_help(text: str) -> str:
    return (
        f"I couldn't read `{shorten(text)}` as an amount. Try `1200`, `1,200.50`, `£300`, "
        "`€99` or `300 USD`."
    )


def totals(amounts: list[Money]) -> tuple[Money, ...]:
    """Amounts added up per currency (amounts in different currencies are never mixed)."""
    by: dict[str, Decimal] = {}
    for m in amounts:
        by[m.currency] = by.get(m.currency, Decimal(0)) + m.amount
    return tuple(Money(v, k) for k, v in sorted(by.items()))


def format_money(money: Money) -> str:
    symbol = {v: k for k, v in _SYMBOLS.items()}.get(money.currency, "")
    number = f"{money.amount:,.2f}"
    if symbol:
        return f"{symbol}{number}"
    return f"{number} {money.currency}".strip()


_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_MARKUP = re.compile(r"<[!@#][^>]*>")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def clean_text(
    text: str,
    *,
    what: str = "text",
    escaped: bool = True,
    limit: int = MAX_TEXT,
    required: bool = True,
    one_line: bool = False,
    name: bool = False,
) -> str:
    """Whatever a person typed (notes, names, contacts, edited messages, reasons), made safe to
    keep: what they typed, normalised, bounded, with nothing that hides or reorders text and
    nothing Slack would act on. The one cleaner for every place people type.

    Args:
        escaped: the text comes as Slack sends slash-command text, with typed `&`, `<`, `>` as
            `&amp;`, `&lt;`, `&gt;`, so a raw `<` is Slack markup (a link, a mention). Modal
            inputs (`plain_text_input`) arrive as typed: pass False, and `<` is just a character.
        limit: the most characters kept, counted as typed (`&amp;` is one character).
        required: refuse empty text (else "" is returned for it).
        one_line: every run of whitespace (line breaks too) becomes one space.
        name: a name (of a client, of a contact): one line, and NFKC rather than NFC, so that
            look-alikes (`ＡＣＭＥ`, `ﬁrm`) are stored as what they look like. Free text keeps
            NFC: NFKC would rewrite `m²` as `m2` and `Acme™` as `AcmeTM` in messages to clients.

    Returns the text as typed, never escaped: escape it wherever it is shown in mrkdwn.
    """
    one_line = one_line or name
    if len(text) > 20 * limit:
        # Far past any limit even before decoding: don't spend time on the rest.
        raise _too_long(what, len(text), limit, one_line)
    if escaped:
        if _MARKUP.search(text):
            raise _mentions(what)
        text = _LINK.sub(r"\1", text)
        if "<" in text or ">" in text:
            raise InputError(
                f"The {what} has Slack formatting I can't keep. Write it as plain words."
            )
        text = unescape(text)
    # Normalised first: in a name, fullwidth `＜` becomes `<`, so the checks below see it.
    text = unicodedata.normalize("NFKC" if name else "NFC", _NEWLINES.sub("\n", text))
    for ch in text:
        if _invisible(ch):
            raise InputError(
                f"The {what} contains invisible control characters. Retype it as plain text."
            )
    # Typed as characters (`<!channel>` in a modal, or `&lt;!channel&gt;` in a command): kept
    # out too, so no stored text is ever one missed escape away from pinging a channel.
    if _MARKUP.search(text):
        raise _mentions(what)
    text = _LINK.sub(r"\1", text)
    text = " ".join(text.split()) if one_line else text.strip()
    if len(text) > limit:
        raise _too_long(what, len(text), limit, one_line)
    if not text:
        if required:
            raise InputError(f"The {what} is empty.")
        return ""
    if not has_visible(text):
        raise InputError(
            f"The {what} has no visible characters (only spaces or invisible ones). "
            "Type it in plain letters or digits."
        )
    return text


def _mentions(what: str) -> InputError:
    return InputError(
        f"The {what} can't contain mentions (`@someone`, `@channel`, `#channel`): the record "
        "is shown to the team again later and must not ping anyone. Write names as plain "
        "words instead."
    )


def _too_long(what: str, length: int, limit: int, one_line: bool) -> InputError:
    hint = (
        "" if one_line else " Put long documents somewhere else and log a short note with a link."
    )
    return InputError(
        f"That {what} is {length:,} characters long; keep it to {limit:,} or fewer.{hint}"
    )


def _invisible(ch: str) -> bool:
    """Hides or reorders text: bidi controls, and control codes other than tab and newline."""
    return ch in BIDI_CONTROLS or (is_control(ch) and ch not in "\n\t")


# Slack markup for a mention: <@U123>, <@U123|sam>, <#C123|general>, <!here>, <!subteam^S1|@design>
_MENTION = re.compile(r"<([@#!])([^>|]*)(?:\|([^>]*))?>")
EXCERPT_CHARS = 140


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first words of a message someone else wrote, made safe to keep, by the rules of
    `clean_text`: plain, bounded, no live Slack markup. Nobody is there to retype it, so what
    `clean_text` would refuse is turned into plain words instead: a mention into `@name`, a
    channel into `#name`, invisible characters into spaces. Returns "" for a message with no
    words (a file alone)."""

    def plain(m: re.Match[str]) -> str:
        sign, target, label = m.group(1), m.group(2), m.group(3)
        if sign == "!":  # <!here>, <!channel>, <!subteam^S1|@design>
            return label or f"@{target.split('^')[0]}"
        name = (label or "").lstrip("@#") or ("someone" if sign == "@" else "a channel")
        return f"{sign}{name}"

    text = _LINK.sub(r"\1", text)
    text = _MENTION.sub(plain, text)
    text = text.replace("<", " ").replace(">", " ")  # any other markup: never live
    text = "".join(" " if _invisible(ch) else ch for ch in unescape(text))
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


def shorten(text: str, limit: int = 40) -> str:
    """Typed text quoted back in a message: as typed (replies escape messages once)."""
    text = " ".join(unescape(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Make a person's text inert in Slack mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What the person typed: Slack sends typed `<`, `>` and `&` as entities."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
