"""Reading what people type: dates, durations and free text (amounts: domain/money.py). Pure.

Each parser returns a value or raises InputError with a message that says what to type
instead; nothing here reads the clock (the caller passes `today`).
"""

from __future__ import annotations

import calendar
import difflib
import re
import unicodedata
from datetime import date, datetime, time, timedelta

import dateparser

from domain.characters import BIDI_CONTROLS, has_visible, is_control


class InputError(ValueError):
    """Bad input; the message is shown to the person as is.

    `typed` and `instead`, when given, are words of the command and what to type in their
    place: the command's parser repeats the whole command with them swapped, ready to paste.
    """

    def __init__(self, message: str, *, typed: str = "", instead: str = "") -> None:
        super().__init__(message)
        self.typed = typed
        self.instead = instead


class DateOutOfRange(InputError):
    """Clearly meant as a date but can't be used: not a real day (`2026-02-30`), in the future
    for something that happened, too far ahead..."""


MAX_TEXT = 1000
# Logged events can't be in the future; plans (due dates, promises, snoozes) can't be absurd.
MAX_DAYS_AHEAD = 730
MIN_DATE = date(2000, 1, 1)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Day first, as written in the UK and Europe: `4/1` is 4 January; the year is optional.
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NEXT_LAST = re.compile(r"^(next|last|this) ([a-z]+)$")
_SETTINGS = {
    "DATE_ORDER": "DMY",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["relative-time", "absolute-time"],
}
# A date typed without its year is at most this far from today (the nearest occurrence).
NEAREST_WITHIN_DAYS = 184
# Further than this from today, a reply calls the date out so a misreading is seen at once.
FAR_DAYS = 90


def parse_date(text: str, today: date, *, future: bool = False) -> date:
    """A date from `2026-12-01`, `20/12`, `20 dec`, `today`, `fri`, `3 days ago`, `next wed`...

    A date without a year is the occurrence of that day nearest to today: never a year away
    when the day is near. Nothing is ever shifted to make it fit: a thing that happened dated
    in the future is refused, naming the date read.

    Args:
        text: what the person typed.
        today: today's date in the workspace time zone.
        future: a plan (due date, promise, snooze), which may be past or future, with a bare
            weekday read as the next one. Otherwise the date of something that happened: a
            bare weekday is the last one, and a date after today is refused.
    """
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise InputError(
            f"A date is missing. Try `today`, `fri`, `20/12` or `{example_date(today, future)}`."
        )
    value, yearless = _read_date(cleaned, text, today, future)
    if value < MIN_DATE:
        raise DateOutOfRange(f"{value.isoformat()} is too far in the past.")
    if not future and value > today:
        fix = "Log it once it has happened."
        if yearless:
            before = max(d for d in _occurrences(value.day, value.month, today) if d < today)
            fix = f"If you meant {before.year}, give the year: `{before.day}/{before.month}/{before.year}`."
        raise DateOutOfRange(
            f"{value:%-d %b} is {distance(value, today)}; things that happened can't be dated "
            f"ahead. {fix}"
        )
    if value > today + timedelta(days=MAX_DAYS_AHEAD):
        raise DateOutOfRange(f"{value.isoformat()} is too far ahead: pick a date within two years.")
    return value


def _read_date(cleaned: str, typed: str, today: date, future: bool) -> tuple[date, bool]:
    """The date, and whether it was typed without a year."""
    if _ISO.match(cleaned):
        try:
            return date.fromisoformat(cleaned), False
        except ValueError:
            # DateOutOfRange: `on 2026-02-30` is a typo for a date, never words of a note.
            y, mo, d = (int(part) for part in cleaned.split("-"))
            raise _not_real(cleaned, d, mo, y, today, future) from None
    m = _NUMERIC.match(cleaned)
    if m:
        day, month, year = int(m[1]), int(m[2]), m[3]
        if year:
            full = int(year) + (2000 if len(year) == 2 else 0)
            try:
                return date(full, month, day), False
            except ValueError:
                raise _not_real(cleaned, day, month, full, today, future) from None
        if not _occurrences(day, month, today):
            raise _not_real(cleaned, day, month, None, today, future)
        return nearest(day, month, today, future), True
    # A bare number ("on 5") is too ambiguous to guess at, and dateparser would.
    if cleaned.isdigit() or len(cleaned) > 40:
        raise InputError(
            _date_help(typed, today, future), typed=typed, instead=_meant(typed, today, future)
        )
    if cleaned in ("today", "now"):
        return today, False
    m = _NEXT_LAST.match(cleaned)
    if m:
        weekday = next((i for i, w in enumerate(_WEEKDAYS) if _is_weekday(m[2], w)), None)
        if weekday is not None:
            return _weekday(m[1], weekday, today), False
    past, ahead = (_dateparser(cleaned, today, prefer) for prefer in ("past", "future"))
    if past is None or ahead is None:
        raise InputError(
            _date_help(typed, today, future), typed=typed, instead=_meant(typed, today, future)
        )
    if past != ahead and (past.month, past.day) == (ahead.month, ahead.day):
        # Typed without a year (`20 dec`): dateparser would jump a whole year either way.
        return nearest(past.day, past.month, today, future), True
    return (ahead if future else past), False


def _dateparser(cleaned: str, today: date, prefer: str) -> date | None:
    settings = {
        **_SETTINGS,
        "PREFER_DATES_FROM": prefer,
        "RELATIVE_BASE": datetime.combine(today, time(12)),
    }
    try:
        parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; all mean "not a date"
        return None
    return parsed.date() if parsed is not None else None


def nearest(day: int, month: int, today: date, future: bool = False) -> date:
    """The `day`/`month` nearest to today, last year, this year or next (ties: the earlier one,
    or the later one for plans). 29/2 is the nearest leap day."""
    candidates = _occurrences(day, month, today)
    if not candidates:
        raise DateOutOfRange(
            f"{day}/{month} is not a real date: the day comes first, then the month."
        )
    return min(
        candidates, key=lambda d: (abs((d - today).days), d < today if future else d > today)
    )


def _is_weekday(word: str, name: str) -> bool:
    """`wed`, `weds`, `wednesday` name Wednesday; `tues`, `thur`, `thurs` are common too."""
    return len(word) >= 3 and (name.startswith(word) or word in (name[:3] + "s", name[:4] + "s"))


def _occurrences(day: int, month: int, today: date) -> list[date]:
    """`day`/`month` in the years around today's (a leap day every four years)."""
    out = []
    for year in range(today.year - 4, today.year + 5):
        try:
            out.append(date(year, month, day))
        except ValueError:
            continue
    return out


def _weekday(which: str, weekday: int, today: date) -> date:
    """`next wed`: the first Wednesday after today; `last wed`: the last one before today;
    `this wed`: the one in this Monday-to-Sunday week."""
    if which == "next":
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if which == "last":
        return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    return today + timedelta(days=weekday - today.weekday())


def distance(d: date, today: date) -> str:
    """How far `d` is from today, in words: `today`, `3 days ago`, `in 2 weeks`..."""
    days = (d - today).days
    if days == 0:
        return "today"
    if days == -1:
        return "yesterday"
    if days == 1:
        return "tomorrow"
    n = abs(days)
    if n < 14:
        amount = f"{n} days"
    elif n < 60:
        amount = f"{n // 7} weeks"
    elif n < 730:
        amount = f"{round(n / 30.44)} months"
    else:
        amount = f"{n // 365} years"
    return f"in {amount}" if days > 0 else f"{amount} ago"


def _date_help(text: str, today: date, future: bool = False) -> str:
    return (
        f"I couldn't read `{shorten(text)}` as a date. Try `today`, `yesterday`, `fri`, "
        f"`3 days ago`, `next wed`, `20/12` (day first) or `{example_date(today, future)}`."
    )


# The words of dates people type, to put a misspelt one right (`next fridy`).
_DATE_WORDS = (
    *_WEEKDAYS,
    *(w[:3] for w in _WEEKDAYS),
    *(calendar.month_name[m].lower() for m in range(1, 13)),
    *(calendar.month_abbr[m].lower() for m in range(1, 13)),
    *(
        [
            "next",
            "last",
            "this",
            "today",
            "yesterday",
            "tomorrow",
            "day",
            "days",
            "week",
            "weeks",
            "month",
            "months",
            "ago",
            "in",
        ]
    ),
)


def _meant(typed: str, today: date, future: bool) -> str:
    """What to type instead of a date that can't be read, keeping what was meant: the date
    without words before it (`date 2027-01-15`), or its words spelt right (`next fridy`);
    else an example."""
    words = typed.split()
    candidates = [" ".join(words[n:]) for n in range(1, len(words))]
    spelt = [
        (difflib.get_close_matches(w.lower(), _DATE_WORDS, n=1, cutoff=0.75) or [w])[0]
        for w in words
    ]
    candidates.append(" ".join(spelt))
    refused = ""
    for candidate in candidates:
        if candidate.lower() == typed.lower():
            continue
        try:
            parse_date(candidate, today, future=future)
        except DateOutOfRange:
            # Read, but not a day this can take (`next friday` for a payment): its own
            # refusal says why, where another date would change what was meant.
            refused = refused or candidate
            continue
        except InputError:
            continue
        return candidate
    return refused or example_date(today, future)


def example_date(today: date, future: bool = True) -> str:
    """A date to show in a hint, built from today so it is never stale: a week ahead for
    plans, yesterday for things that happened."""
    return (today + timedelta(days=7 if future else -1)).isoformat()


def _accepted(text: str, today: date, future: bool) -> bool:
    """Whether a date offered in place of a typed one would itself be taken."""
    try:
        parse_date(text, today, future=future)
    except InputError:
        return False
    return True


def _not_real(
    typed: str, day: int, month: int, year: int | None, today: date, future: bool
) -> DateOutOfRange:
    """`31/02` and its like: say why, and what to type instead (the month's last day, or the
    day and month swapped when they were typed month first)."""
    if not 1 <= month <= 12:
        if 1 <= day <= 12 and 1 <= month <= 31:
            # Day and month swapped: `12/20`, `2026-13-01` (the 13th of January).
            if _ISO.match(typed):
                instead = f"{typed[:5]}{day:02d}-{month:02d}"
                order = "the month comes first, then the day"
            else:
                instead = re.sub(r"^(\d{1,2})([/.])(\d{1,2})", r"\3\2\1", typed)
                order = "the day comes first, then the month"
            if _accepted(instead, today, future):
                return DateOutOfRange(
                    f"`{typed}` is not a real date: {order}. Did you mean `{instead}`?",
                    typed=typed,
                    instead=instead,
                )
        instead = example_date(today, future)
        return DateOutOfRange(
            f"`{typed}` is not a real date: there are 12 months. Try `{instead}`.",
            typed=typed,
            instead=instead,
        )
    # Without a year, February's last day is the 28th (the 29th, most years, isn't a day).
    last = calendar.monthrange(year if year is not None else 2001, month)[1]
    if _ISO.match(typed):
        instead = f"{typed[:8]}{last:02d}"
    else:
        instead = re.sub(r"^\d{1,2}", str(last), typed)
        if year is None and not _accepted(instead, today, future):
            # `28/02` would be ahead, and a thing that happened can't be: the year it was.
            past = max(d for d in _occurrences(last, month, today) if d <= today)
            instead = f"{instead}{typed[2] if typed[2] in '/.' else typed[1]}{past.year}"
    month_name = date(2000, month, 1).strftime("%B")
    return DateOutOfRange(
        f"`{typed}` is not a real date: {month_name} has {last} days"
        f"{f' in {year}' if year is not None else ''}. Did you mean `{instead}`?",
        typed=typed,
        instead=instead,
    )


_DURATION = re.compile(r"^(\d{1,3})\s*(d|day|days|w|wk|week|weeks|m|month|months)$")


def parse_when(text: str, today: date) -> date:
    """A planned day (a promise, a return from leave): `3 days`, `1 week`, `2w` from today, or
    a date, past or future."""
    cleaned = " ".join(text.strip().lower().split())
    m = _DURATION.match(cleaned)
    if m:
        n, unit = int(m.group(1)), m.group(2)[0]
        days = n * {"d": 1, "w": 7, "m": 30}[unit]
        if not 1 <= days <= MAX_DAYS_AHEAD:
            raise InputError("Pick a length between 1 day and two years.")
        return today + timedelta(days=days)
    return parse_date(cleaned, today, future=True)


def parse_until(text: str, today: date) -> date:
    """`3 days`, `1 week`, `2w` or a date, as the day things resume: after today."""
    until = parse_when(text, today)
    if until <= today:
        # The whole command follows (domain/commands.parse), with a week from today.
        raise InputError(
            f"{until.isoformat()} has already come: pick a later date.",
            typed=text,
            instead=example_date(today, future=True),
        )
    return until


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
    channel into `#name` (live, or typed as characters), invisible characters into spaces. Returns "" for a message with no
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
    # Markup typed as characters (`&lt;!channel&gt;` as Slack sends it) is plain words too, as
    # `clean_text` keeps it out: no stored text is one missed escape away from pinging anyone.
    # Again until none is left, since `<<!here>>` leaves `<@here>`.
    while _MARKUP.search(text) or _LINK.search(text):
        text = _MENTION.sub(plain, _LINK.sub(r"\1", text))
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
