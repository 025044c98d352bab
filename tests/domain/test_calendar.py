"""The working calendar walked over real dates: year ends, leap day, DST, Christmas and New
Year with public holidays and a closure, and a client's leave."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

import config
from domain.calendar import (
    WEEKDAYS_ONLY,
    WorkCalendar,
    add_business_days,
    business_days_between,
    days_away,
)
from domain.invoices import days_past_due, is_overdue, overdue_clock
from domain.ledger import on_leave
from domain.models import Away, Client, ClientRecord, Kind, Money
from domain.nudges import OVERDUE, QUIET, Ladders, current, due_nudges, reached
from service.commands import Draft, log
from service.nudges import WorkingHours

LONDON = ZoneInfo("Europe/London")
CLOSED = frozenset(date(2026, 12, 24) + timedelta(days=i) for i in range(9))  # 24 Dec..1 Jan
GB = WorkCalendar("GB")
GB_CLOSED = WorkCalendar("GB", CLOSED)


def walk(calendar: WorkCalendar, start: date, end: date) -> list[date]:
    """The business days after `start` up to `end`, one day at a time: the slow, obvious way."""
    days, day = [], start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_business_day(day):
            days.append(day)
    return days


@pytest.mark.parametrize("calendar", [WEEKDAYS_ONLY, GB, GB_CLOSED, WorkCalendar("GB-SCT")])
def test_counting_agrees_with_walking_every_day_across_two_year_ends(calendar) -> None:
    start = date(2025, 12, 1)
    for offset in range(0, 420, 3):
        for length in (0, 1, 4, 9, 30, 400):
            a = start + timedelta(days=offset)
            b = a + timedelta(days=length)
            assert business_days_between(a, b, calendar) == len(walk(calendar, a, b)), (a, b)


def test_christmas_and_new_year_in_england_with_the_agency_closed() -> None:
    # Asked on Wed 23 Dec 2026. Christmas (Fri 25), Boxing Day observed (Mon 28) and New Year's
    # Day (Fri 1) are public holidays; the agency is closed 24 Dec to 1 Jan besides.
    asked = date(2026, 12, 23)
    assert walk(GB, asked, date(2027, 1, 5)) == [
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 4),
        date(2027, 1, 5),
    ]
    assert business_days_between(asked, date(2027, 1, 5), GB) == 6
    assert business_days_between(asked, date(2027, 1, 5), GB_CLOSED) == 2  # Mon 4, Tue 5
    assert business_days_between(asked, date(2027, 1, 5)) == 9  # weekdays only
    assert add_business_days(asked, 1, GB_CLOSED) == date(2027, 1, 4)
    # Scotland has 2 January too (Mon 4 Jan 2027, observed).
    assert not WorkCalendar("GB-SCT").is_business_day(date(2027, 1, 4))


def test_leap_day_is_a_business_day_like_any_other() -> None:
    assert date(2028, 2, 29).weekday() == 1  # a Tuesday
    assert business_days_between(date(2028, 2, 28), date(2028, 3, 1), GB) == 2
    assert walk(GB, date(2028, 2, 25), date(2028, 3, 2)) == [
        date(2028, 2, 28),
        date(2028, 2, 29),
        date(2028, 3, 1),
        date(2028, 3, 2),
    ]
    # A year of business days over a leap year: 261 weekdays minus 8 English holidays.
    assert (
        business_days_between(date(2027, 12, 31), date(2028, 12, 31), WorkCalendar("GB-ENG")) == 252
    )


def test_leave_pauses_the_clock_only_for_the_days_away() -> None:
    away = (Away(date(2026, 12, 16), date(2027, 1, 5)),)
    # Asked Mon 14 Dec; away Wed 16 Dec until Tue 5 Jan (back that day).
    asked = date(2026, 12, 14)
    assert business_days_between(asked, date(2027, 1, 5), GB_CLOSED, away) == 2  # Tue 15, Tue 5
    assert business_days_between(asked, date(2027, 1, 5), WEEKDAYS_ONLY, away) == 2
    assert business_days_between(asked, date(2027, 1, 8), GB, away) == 5
    assert days_away(date(2026, 12, 10), date(2027, 1, 10), away) == 20
    assert days_away(date(2026, 12, 20), date(2026, 12, 22), away) == 2
    # A leave that started before the ask and ends after today.
    assert business_days_between(date(2026, 12, 21), date(2026, 12, 23), GB, away) == 0


def test_a_new_leave_replaces_what_was_booked_from_its_start_and_off_ends_it() -> None:
    booked = on_leave((), date(2026, 12, 16), date(2027, 1, 5))
    assert booked == (Away(date(2026, 12, 16), date(2027, 1, 5)),)
    # Back early on 22 Dec: the leave ends that day.
    assert on_leave(booked, date(2026, 12, 22), date(2026, 12, 22)) == (
        Away(date(2026, 12, 16), date(2026, 12, 22)),
    )
    # The return moved: one period, the new date.
    assert on_leave(booked, date(2026, 12, 20), date(2027, 1, 12)) == (
        Away(date(2026, 12, 16), date(2026, 12, 20)),
        Away(date(2026, 12, 20), date(2027, 1, 12)),
    )
    # Cancelled before it began: nothing left.
    assert on_leave(booked, date(2026, 12, 10), date(2026, 12, 10)) == ()


def _record(*drafts: Draft, quiet_days: int = 3) -> ClientRecord:
    client = Client(
        "T1", "c1", "Caffi", "U1", datetime(2026, 1, 1, tzinfo=UTC), quiet_days=quiet_days
    )
    record, _ = log(ClientRecord(client), "U1", datetime(2026, 12, 1, tzinfo=UTC), *drafts)
    return record


def test_the_quiet_clock_walks_over_christmas_with_holidays_a_closure_and_leave() -> None:
    record = _record(Draft(Kind.ASKED, date(2026, 12, 22), text="sign-off"))
    weekdays, holidays = Ladders(), Ladders(calendar=GB_CLOSED)
    # Weekdays only: stage 1 (3 business days) on Fri 25 Dec, Christmas Day.
    assert current(record, date(2026, 12, 25), weekdays)[QUIET].stage == 1
    # With the holidays and the closure, Tue 22 Dec's ask has waited only Wed 23 by then.
    assert QUIET not in current(record, date(2026, 12, 31), holidays)
    assert QUIET not in current(record, date(2027, 1, 4), holidays)  # Wed 23, Mon 4
    assert current(record, date(2027, 1, 5), holidays)[QUIET].facts.days == 3
    assert current(record, date(2027, 1, 5), holidays)[QUIET].stage == 1
    # And if the client is away until 7 Jan, their clock is paused until then too.
    away = _record(
        Draft(Kind.ASKED, date(2026, 12, 22), text="sign-off"),
        Draft(Kind.AWAY, date(2026, 12, 23), due_on=date(2027, 1, 7)),
    )
    assert QUIET not in current(away, date(2027, 1, 8), holidays)  # Thu 7, Fri 8
    assert current(away, date(2027, 1, 11), holidays)[QUIET].facts.days == 3
    assert current(away, date(2027, 1, 11), holidays)[QUIET].stage == 1


def test_the_overdue_clock_is_paused_while_the_client_is_away() -> None:
    invoice = Draft(
        Kind.INVOICE,
        date(2026, 11, 1),
        amount=Money(Decimal(900), "GBP"),
        ref="INV-1",
        due_on=date(2026, 12, 1),
    )
    plain = _record(invoice)
    assert reached(plain, date(2026, 12, 8), Ladders())[OVERDUE] == 2  # 7 days
    away = _record(invoice, Draft(Kind.AWAY, date(2026, 12, 3), due_on=date(2026, 12, 10)))
    # Due 1 Dec; away 3..9 Dec: only 2 Dec and 10 Dec count by 10 Dec.
    assert reached(away, date(2026, 12, 8), Ladders())[OVERDUE] == 1
    assert reached(away, date(2026, 12, 14), Ladders())[OVERDUE] == 1
    assert reached(away, date(2026, 12, 15), Ladders())[OVERDUE] == 2
    # The client is still told the invoice's true age.
    assert current(away, date(2026, 12, 15), Ladders())[OVERDUE].facts.days_overdue == 14
    assert [d.key for d in due_nudges(away, date(2026, 12, 2))] == ["overdue:inv-INV-1:1"]
    # The nudge rule asks the one definition in domain/invoices.py, leave included.
    held = away.state.invoices[0]
    assert overdue_clock(held, date(2026, 12, 15), 0, away.state.away) == 7
    assert overdue_clock(held, date(2026, 12, 15), 2, away.state.away) == 5
    assert overdue_clock(held, date(2026, 12, 15)) == days_past_due(held, date(2026, 12, 15)) == 14
    assert is_overdue(held, date(2026, 12, 8))  # paused, still overdue: only the clock stops


def test_nothing_is_posted_on_a_holiday_or_closure_day_whatever_the_hour() -> None:
    hours = WorkingHours(LONDON, calendar=GB_CLOSED)
    at_ten = [datetime(2026, 12, d, 10, tzinfo=UTC) for d in range(21, 32)]
    open_days = [t.day for t in at_ten if hours.open_at(t)]
    assert open_days == [21, 22, 23]  # then closed for Christmas
    assert hours.open_at(datetime(2027, 1, 4, 10, tzinfo=UTC))
    assert not WorkingHours(LONDON, calendar=GB).open_at(datetime(2026, 12, 25, 10, tzinfo=UTC))
    assert WorkingHours(LONDON).open_at(datetime(2026, 12, 25, 10, tzinfo=UTC))


def test_working_hours_follow_the_clocks_in_london_across_both_dst_changes() -> None:
    hours = WorkingHours(LONDON, calendar=GB)
    # Clocks go forward on Sun 28 Mar 2027: 08:00 UTC is 08:00 on Fri, 09:00 on Mon.
    assert not hours.open_at(datetime(2027, 3, 26, 8, 0, tzinfo=UTC))
    assert hours.open_at(datetime(2027, 3, 29, 8, 0, tzinfo=UTC))
    # Clocks go back on Sun 25 Oct 2026: 08:00 UTC is 09:00 on Fri, 08:00 on Mon.
    assert hours.open_at(datetime(2026, 10, 23, 8, 0, tzinfo=UTC))
    assert not hours.open_at(datetime(2026, 10, 26, 8, 0, tzinfo=UTC))
    # A late-evening UTC time is already the next (holiday) day in London in summer.
    easter_monday = datetime(2027, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 BST on Mon 29 Mar
    assert easter_monday.astimezone(LONDON).date() == date(2027, 3, 29)
    assert business_days_between(date(2027, 3, 26), date(2027, 3, 29), GB) == 1
    assert business_days_between(date(2026, 10, 23), date(2026, 10, 26), GB) == 1


def test_holidays_and_closures_are_read_from_the_settings() -> None:
    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    cfg = config.load(
        {**base, "HOLIDAYS": "gb-wls", "CLOSED": "2026-12-24..2027-01-01, 2027-04-02"}
    )
    calendar = cfg.ladders.calendar
    assert calendar == WorkCalendar("GB-WLS", CLOSED | {date(2027, 4, 2)})
    assert not calendar.is_business_day(date(2027, 4, 2))
    assert config.load(base).ladders.calendar == WEEKDAYS_ONLY
    for name, value, says in [
        ("HOLIDAYS", "XX", "HOLIDAYS='XX' is not a calendar the holidays library knows"),
        ("HOLIDAYS", "GB-ZZZ", "like GB-WLS"),
        ("CLOSED", "24/12/2026", "CLOSED='24/12/2026' should list days or ranges"),
        ("CLOSED", "2027-01-01..2026-12-24", "2026-12-24..2027-01-01"),
        ("CLOSED", "2026-01-01..2028-01-01", "at most a year long"),
    ]:
        with pytest.raises(config.ConfigError) as err:
            config.load({**base, name: value})
        assert says in str(err.value), (name, value)
