"""The agency's working calendar: which days count as business days. Pure.

A business day is a Monday to Friday that is not a public holiday (the `holidays` library, for
the country or subdivision in `HOLIDAYS`) nor a day the agency is closed (`CLOSED`). A client
on leave has, for that client alone, no business days while away: their clocks are paused.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib

from domain.models import Away


class UnknownHolidays(ValueError):
    """A `HOLIDAYS` code the holidays library doesn't have."""


def check_holidays(code: str) -> None:
    """Raise UnknownHolidays unless `code` (`GB`, `GB-WLS`) names a calendar we can load."""
    country, _, subdiv = code.partition("-")
    try:
        holidays_lib.country_holidays(country, subdiv=subdiv or None, years=2026)
    except (NotImplementedError, KeyError, ValueError) as err:
        raise UnknownHolidays(str(err)) from None


@lru_cache(maxsize=256)
def _holidays_in(code: str, year: int) -> frozenset[date]:
    country, _, subdiv = code.partition("-")
    # Observed (substitute) days are included: Boxing Day on a Saturday is off on Monday.
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdiv or None, years=year))


@dataclass(frozen=True)
class WorkCalendar:
    """Public holidays (`holidays`, e.g. "GB-WLS"; "" for none) and agency closure days."""

    holidays: str = ""
    closed: frozenset[date] = frozenset()

    def __repr__(self) -> str:
        # Part of the nudge schedule's fingerprint: short, and the same for the same calendar.
        days = ",".join(d.isoformat() for d in sorted(self.closed))
        return f"WorkCalendar({self.holidays!r}, closed={days!r})"

    def is_holiday(self, day: date) -> bool:
        return bool(self.holidays) and day in _holidays_in(self.holidays, day.year)

    def is_off(self, day: date) -> bool:
        """A public holiday or closure day: nothing counts and nothing is posted."""
        return day in self.closed or self.is_holiday(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_off(day)

    def off_weekdays(self, start: date, end: date) -> list[date]:
        """Sorted weekday holidays and closures in start < day <= end."""
        days = {d for d in self.closed if start < d <= end}
        if self.holidays:
            for year in range(start.year, end.year + 1):
                days |= {d for d in _holidays_in(self.holidays, year) if start < d <= end}
        return sorted(d for d in days if d.weekday() < 5)


WEEKDAYS_ONLY = WorkCalendar()


def _weekdays(start: date, end: date) -> int:
    """Mondays to Fridays after `start` up to and including `end`."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    for i in range(1, extra + 1):
        if (start + timedelta(days=i)).weekday() < 5:
            count += 1
    return count


def business_days_between(
    start: date,
    end: date,
    calendar: WorkCalendar = WEEKDAYS_ONLY,
    away: Iterable[Away] = (),
) -> int:
    """Business days after `start` up to and including `end` (0 if end <= start).

    Asked on a Friday, heard nothing by Monday evening: 1 business day has passed. Holidays,
    closures and the client's days away don't count.
    """
    if end <= start:
        return 0
    offs = calendar.off_weekdays(start, end)
    count = _weekdays(start, end) - len(offs)
    for period in away:
        # The part of the leave inside (start, end], as a half-open (lo, hi] range.
        lo, hi = max(start, period.start - timedelta(days=1)), min(end, period.until - timedelta(1))
        if hi > lo:
            already_off = bisect_right(offs, hi) - bisect_left(offs, lo + timedelta(days=1))
            count -= _weekdays(lo, hi) - already_off
    return count


def days_away(start: date, end: date, away: Iterable[Away]) -> int:
    """Calendar days after `start` up to and including `end` that the client was away."""
    total = 0
    for period in away:
        lo, hi = max(start, period.start - timedelta(days=1)), min(end, period.until - timedelta(1))
        total += max(0, (hi - lo).days)
    return total


def add_business_days(start: date, n: int, calendar: WorkCalendar = WEEKDAYS_ONLY) -> date:
    """The date `n` business days after `start`."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if calendar.is_business_day(day):
            n -= 1
    return day
