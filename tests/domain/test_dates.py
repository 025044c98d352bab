"""Dates never move silently: a date without a year is the nearest occurrence, things that
happened are never in the future, and nothing is shifted a year to make it fit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.commands import Log, Paid, parse
from domain.inputs import (
    NEAREST_WITHIN_DAYS,
    DateOutOfRange,
    InputError,
    distance,
    parse_date,
    parse_when,
)
from ui.dates import dated, when

MON_30_NOV = date(2026, 11, 30)
THU_17_DEC = date(2026, 12, 17)


def test_the_issue_examples_read_the_nearest_occurrence() -> None:
    # `invoice halcyon €2400 due 20/11` on Mon 30 Nov: ten days ago, not next year.
    assert parse_date("20/11", MON_30_NOV, future=True) == date(2026, 11, 20)
    assert parse("invoice halcyon €2400 due 20/11", MON_30_NOV).due == date(2026, 11, 20)
    # `asked caffi ... on 20/12` on Thu 17 Dec: three days ahead, refused, never last year.
    with pytest.raises(DateOutOfRange) as err:
        parse("asked caffi the brand guide on 20/12", THU_17_DEC)
    assert str(err.value).startswith(
        "20 Dec is in 3 days; things that happened can't be dated ahead."
    )
    assert "`20/12/2025`" in str(err.value)  # the fix, if last year was meant
    assert parse_date("20/12/2025", THU_17_DEC) == date(2025, 12, 20)


@pytest.mark.parametrize(
    ("text", "today", "future", "expected"),
    [
        ("4/1", THU_17_DEC, True, date(2027, 1, 4)),  # day first: 4 January
        ("4/1", date(2027, 1, 20), False, date(2027, 1, 4)),
        ("4/1", date(2026, 6, 1), False, date(2026, 1, 4)),
        ("20 dec", date(2027, 1, 3), False, date(2026, 12, 20)),  # over the year end, back
        ("dec 20", THU_17_DEC, True, date(2026, 12, 20)),
        ("2 jan", date(2026, 12, 30), True, date(2027, 1, 2)),  # over the year end, ahead
        ("31/12", date(2027, 1, 1), False, date(2026, 12, 31)),
        ("next wed", THU_17_DEC, True, date(2026, 12, 23)),
        ("next wednesday", date(2026, 12, 16), True, date(2026, 12, 23)),  # not today
        ("last fri", THU_17_DEC, False, date(2026, 12, 11)),
        ("next mon", date(2026, 12, 28), True, date(2027, 1, 4)),
        ("29/2", date(2028, 1, 10), True, date(2028, 2, 29)),  # the nearest leap day
        ("29/2", date(2028, 3, 10), False, date(2028, 2, 29)),
        ("1/3", date(2028, 2, 29), True, date(2028, 3, 1)),
        ("yesterday", date(2028, 3, 1), False, date(2028, 2, 29)),
        ("27/3/27", date(2027, 3, 29), False, date(2027, 3, 27)),  # DST weekend: dates only
    ],
)
def test_dates_without_a_year(text: str, today: date, future: bool, expected: date) -> None:
    assert parse_date(text, today, future=future) == expected


def test_a_promise_or_due_date_may_be_past_or_future() -> None:
    assert parse_when("4/1", THU_17_DEC) == date(2027, 1, 4)
    assert parse_when("10/12", THU_17_DEC) == date(2026, 12, 10)
    assert parse_when("1 week", THU_17_DEC) == date(2026, 12, 24)


def test_the_date_words_are_kept_and_quoted_text_is_literal() -> None:
    said = parse('heard bramble "will send notes on monday"', THU_17_DEC)
    assert said == Log("heard", "bramble", "will send notes on monday", THU_17_DEC)
    assert said.date_words == ""
    dated_quote = parse('heard bramble "will send notes on monday" on 15/12', THU_17_DEC)
    assert dated_quote == Log("heard", "bramble", "will send notes on monday", date(2026, 12, 15))
    assert dated_quote.date_words == "15/12"
    unquoted = parse("heard bramble will send notes on monday", THU_17_DEC)
    assert unquoted.on == date(2026, 12, 14) and unquoted.date_words == "monday"
    assert parse("paid acme #INV-7 on 2 days ago", THU_17_DEC) == Paid(
        "acme", "INV-7", date(2026, 12, 15)
    )
    # An unclosed quote is just a character of the note.
    assert parse('note acme he said "fine on fri', THU_17_DEC).text == 'he said "fine'


def test_replies_show_weekday_and_distance_and_call_out_far_dates() -> None:
    assert when(THU_17_DEC, date(2026, 12, 20)) == "Thu 17 Dec, 3 days ago"
    assert when(date(2027, 1, 4), THU_17_DEC) == "Mon 4 Jan 2027, in 2 weeks"
    assert when(THU_17_DEC, THU_17_DEC) == "Thu 17 Dec, today"
    assert distance(date(2026, 6, 1), THU_17_DEC) == "7 months ago"
    line = dated(date(2026, 12, 15), THU_17_DEC, "15/12")
    assert line == "Dated *Tue 15 Dec, 2 days ago* (read from “15/12”)."
    assert "check it's the date you meant" not in line
    assert "more than 90 days from today" in dated(date(2026, 9, 1), THU_17_DEC)
    assert "more than 90 days" not in dated(date(2026, 9, 18), THU_17_DEC)


days_and_months = st.tuples(st.integers(1, 31), st.integers(1, 12)).filter(
    lambda dm: dm != (29, 2) and _real(*dm)
)


def _real(day: int, month: int) -> bool:
    try:
        date(2001, month, day)
    except ValueError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 12, 31)),
    dm=days_and_months,
    form=st.sampled_from(["{d}/{m}", "{d}.{m}", "{d} {mon}", "{mon} {d}", "{d} {month}"]),
    future=st.booleans(),
)
def test_a_date_typed_without_a_year_is_never_more_than_half_a_year_away(
    today: date, dm: tuple[int, int], form: str, future: bool
) -> None:
    d, m = dm
    named = date(2001, m, 1)
    text = form.format(d=d, m=m, mon=f"{named:%b}", month=f"{named:%B}")
    try:
        got = parse_date(text, today, future=future)
    except DateOutOfRange as err:
        # Only a thing that happened, read as ahead of today, is refused, and it says so.
        assert not future
        assert "things that happened can't be dated ahead" in str(err)
        ahead = min(
            (date(y, m, d) for y in (today.year, today.year + 1) if date(y, m, d) > today),
            key=lambda x: x - today,
        )
        assert (ahead - today).days <= NEAREST_WITHIN_DAYS
        return
    assert (got.day, got.month) == (d, m), text
    assert abs((got - today).days) <= NEAREST_WITHIN_DAYS, (text, today, got)
    if not future:
        assert got <= today


@settings(max_examples=200, deadline=None)
@given(
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 12, 31)),
    n=st.integers(0, 60),
)
def test_relative_dates_are_exactly_as_far_as_typed(today: date, n: int) -> None:
    assert parse_date(f"{n} days ago", today) == today - timedelta(days=n)
    assert parse_date("yesterday", today) == today - timedelta(days=1)
    wed = parse_date("next wed", today, future=True)
    assert wed.weekday() == 2 and 1 <= (wed - today).days <= 7


def test_a_happened_date_is_never_shifted_into_last_year() -> None:
    for offset in range(1, 120):
        day = THU_17_DEC + timedelta(days=offset)
        text = f"{day.day}/{day.month}"
        with pytest.raises(InputError):
            parse_date(text, THU_17_DEC)


def test_a_near_miss_situation_is_named() -> None:
    with pytest.raises(InputError) as err:
        parse("snooze acme qiet 3 days", THU_17_DEC)
    assert "Did you mean `quiet`? e.g. `/client snooze acme quiet 3 days`." in str(err.value)
