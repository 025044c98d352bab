"""Dates as replies show them: weekday, day and distance from today, so a misread is seen at
once. The one place that formats a date for a person."""

from __future__ import annotations

from datetime import date

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
