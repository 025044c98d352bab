"""Business-day arithmetic (Monday to Friday). Pure."""

from __future__ import annotations

from datetime import date, timedelta


def business_days_between(start: date, end: date) -> int:
    """Weekdays after `start` up to and including `end` (0 if end <= start).

    Asked on a Friday, heard nothing by Monday evening: 1 business day has passed.
    """
    if end <= start:
        return 0
    days = (end - start).days
    weeks, extra = divmod(days, 7)
    count = weeks * 5
    for i in range(1, extra + 1):
        if (start + timedelta(days=i)).weekday() < 5:
            count += 1
    return count


def add_business_days(start: date, n: int) -> date:
    """The date `n` business days after `start`."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day
