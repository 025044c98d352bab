"""When the weekly digest is due. Pure.

`DIGEST=mon 09:00` means: once a week, on that day at that time in TIMEZONE, or on the next
working day of the same week when that day isn't one (a holiday or a closure). A period is an
ISO week, named like `2026-W49`, so every process agrees on which digest is which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DigestTime:
    weekday: int = 0  # Monday
    at: time = time(9, 0)

    def __str__(self) -> str:
        return f"{DAYS[self.weekday]} {self.at:%H:%M}"


def parse_digest(text: str) -> DigestTime | None:
    """`mon 09:00` -> DigestTime; `off` -> None; anything else raises ValueError."""
    words = text.strip().lower().split()
    if words == ["off"]:
        return None
    if len(words) != 2 or words[0][:3] not in DAYS:
        raise ValueError(text)
    at = time.fromisoformat(words[1] if len(words[1]) > 2 else f"{int(words[1]):02d}:00")
    return DigestTime(DAYS.index(words[0][:3]), at.replace(second=0, microsecond=0))


@dataclass(frozen=True)
class Period:
    key: str  # the ISO week, e.g. "2026-W49"
    due_at: datetime  # when this week's digest is due (aware)


def period(
    now: datetime, when: DigestTime, tz: tzinfo, is_working_day: Callable[[date], bool]
) -> Period | None:
    """This week's digest: its key and when it is due. None if no day from the chosen one
    to the end of the week is a working day (nothing is posted that week)."""
    today = now.astimezone(tz).date()
    year, week, _ = today.isocalendar()
    day = today - timedelta(days=today.weekday() - when.weekday)
    while not is_working_day(day):
        day += timedelta(days=1)
        if day.isocalendar()[1] != week:
            return None
    return Period(f"{year}-W{week:02d}", datetime.combine(day, when.at, tzinfo=tz))


def due(now: datetime, when: DigestTime, tz: tzinfo, is_working_day: Callable[[date], bool]):
    """This week's period if its digest is due at `now`, else None. It stays due all week, so a
    pass after downtime still posts it, but only on a working day from its time of day on: one
    missed before a holiday waits for the next working morning, never lands on the holiday."""
    p = period(now, when, tz, is_working_day)
    local = now.astimezone(tz)
    if p is None or now < p.due_at or not is_working_day(local.date()):
        return None
    return p if local.time() >= when.at else None
