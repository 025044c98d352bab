"""When the weekly digest is due: DIGEST's day and time, the working calendar, ISO weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.digest import DigestTime, due, parse_digest, period

WEEKDAYS = lambda d: d.weekday() < 5  # noqa: E731


def test_digest_setting() -> None:
    assert parse_digest("mon 09:00") == DigestTime(0, time(9, 0))
    assert parse_digest("Friday 16:30") == DigestTime(4, time(16, 30))
    assert parse_digest("off") is None
    for bad in ("monday", "09:00", "mon 25:00", "someday 09:00", "mon 9:00 extra"):
        with pytest.raises(ValueError):
            parse_digest(bad)
    assert str(DigestTime()) == "mon 09:00"


def test_due_from_the_chosen_moment_for_the_rest_of_the_week() -> None:
    when = DigestTime()
    monday_early = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    assert due(monday_early, when, UTC, WEEKDAYS) is None
    p = due(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), when, UTC, WEEKDAYS)
    assert p is not None and p.key == "2026-W49"
    # Still the same period on Thursday (a pass after downtime posts it late, once).
    assert due(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), when, UTC, WEEKDAYS).key == "2026-W49"


def test_a_holiday_monday_moves_it_to_the_next_working_day() -> None:
    closed = {date(2026, 12, 28), date(2026, 12, 29)}  # the agency is closed Mon and Tue
    working = lambda d: d.weekday() < 5 and d not in closed  # noqa: E731
    when = DigestTime()
    assert due(datetime(2026, 12, 28, 10, 0, tzinfo=UTC), when, UTC, working) is None
    assert due(datetime(2026, 12, 29, 10, 0, tzinfo=UTC), when, UTC, working) is None
    p = period(datetime(2026, 12, 29, 10, 0, tzinfo=UTC), when, UTC, working)
    assert p is not None and p.due_at == datetime(2026, 12, 30, 9, 0, tzinfo=UTC)
    # A week with no working day from Monday on has no digest.
    assert period(datetime(2026, 12, 28, 10, 0, tzinfo=UTC), when, UTC, lambda d: False) is None


def test_in_the_workspace_time_zone() -> None:
    london = ZoneInfo("Europe/London")
    when = DigestTime()
    # 09:00 in London in summer is 08:00 UTC.
    assert due(datetime(2026, 6, 1, 8, 0, tzinfo=UTC), when, london, WEEKDAYS) is not None
    assert due(datetime(2026, 6, 1, 7, 59, tzinfo=UTC), when, london, WEEKDAYS) is None


def test_one_missed_before_a_holiday_waits_for_the_next_working_morning() -> None:
    # Due Monday 21 December and not posted by Thursday; Friday 25 is a holiday.
    holiday = {date(2026, 12, 25)}
    working = lambda d: d.weekday() < 5 and d not in holiday  # noqa: E731
    when = DigestTime()
    assert due(datetime(2026, 12, 25, 10, 0, tzinfo=UTC), when, UTC, working) is None
    # Not in the small hours of a working day either, and not at the weekend.
    assert due(datetime(2026, 12, 24, 3, 0, tzinfo=UTC), when, UTC, working) is None
    assert due(datetime(2026, 12, 26, 10, 0, tzinfo=UTC), when, UTC, working) is None
    late = due(datetime(2026, 12, 24, 9, 30, tzinfo=UTC), when, UTC, working)
    assert late is not None and late.key == "2026-W52"
