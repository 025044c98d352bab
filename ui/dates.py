"""Dates as people are shown them, the one place that formats a date for a person: to the team
in replies (weekday, day and distance from today, so a misread is seen at once), and to a
client in their own language (`client_date`, with Babel)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from domain.inputs import FAR_DAYS, distance, escape, shorten


def when(d: date, today: date) -> str:
    """`Thu 17 Dec, 3 days ago`; the year is shown when it isn't this year's."""
    shown = f"{d:%a %-d %b}" if d.year == today.year else f"{d:%a %-d %b %Y}"
    return f"{shown}, {distance(d, today)}"


def far(d: date, today: date) -> bool:
    return abs((d - today).days) > FAR_DAYS


def dated(d: date, today: date, words: str = "", what: str = "Dated") -> str:
    """The line a logging reply ends with: the date used, the words it was read from, and a
    warning when it is far from today."""
    line = f"{what} *{when(d, today)}*"
    if words:
        line += f" (read from “{escape(shorten(words))}”)"
    line += "."
    if far(d, today):
        line += f" :warning: That is more than {FAR_DAYS} days from today: check it's the date you meant."
    return line


# Babel locales for client text: en_GB writes "2 December", not "December 2".
DATE_LOCALES = {"en": "en_GB", "cy": "cy"}


def client_date(
    d: date, lang: str, today: date, *, deadline: bool = False, weekday: bool = True
) -> str:
    """A date as a person writes it to a client: the one function for dates in client text.

    English: `Wed 2 December`; a deadline in full, `Friday 4 December`. Welsh: `2 Tachwedd`,
    which needs no mutation after `ar`, `ers` or `erbyn`; a deadline (only ever after
    `erbyn`, which doesn't mutate) as `dydd Gwener 4 Rhagfyr`. The year only when it isn't
    this year's.
    """
    lang = lang if lang in DATE_LOCALES else "en"
    year = " y" if d.year != today.year else ""
    if lang == "cy":
        pattern = ("EEEE d MMMM" if deadline else "d MMMM") + year
    elif deadline:
        pattern = "EEEE d MMMM" + year
    else:
        pattern = ("EEE d MMMM" if weekday else "d MMMM") + year
    text = format_date(d, pattern, locale=DATE_LOCALES[lang])
    # Babel capitalises "Dydd": mid-sentence it is lower case.
    return text[0].lower() + text[1:] if lang == "cy" and deadline else text
