"""The nudge rules, walked day by day through weeks of simulated time.

Each walk logs the morning's interactions with `service.commands.log` (the same fold the app
uses), then runs one pass: `due_nudges(record, today)`, and records what it returns into the
record exactly as the engine does. So a stage that fired once is never returned again, and the
tests can pin the exact day each stage fires. Pure: no files, no clock, no network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import add_business_days, business_days_between
from domain.ledger import MAX_REVISIONS_KEPT
from domain.models import Client, ClientRecord, Kind, Money, Nudge, NudgeStatus
from domain.nudges import (
    CONTROLLING,
    DEFAULT_LADDERS,
    OVERDUE,
    QUIET,
    TOP_STAGE,
    Due,
    Ladders,
    answer_by,
    current,
    due_nudges,
)
from service.commands import Draft, log
from service.nudges import NudgeEngine, WorkingHours

TEAM = "T0TEAM1"
AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

# A few named days (2026). The weekday is in the name, and checked below.
MON_2_MAR = date(2026, 3, 2)
TUE_3_MAR = date(2026, 3, 3)
FRI_6_MAR = date(2026, 3, 6)
SUN_15_MAR = date(2026, 3, 15)


def test_named_days_are_the_weekdays_they_say() -> None:
    assert [d.strftime("%a") for d in (MON_2_MAR, TUE_3_MAR, FRI_6_MAR, SUN_15_MAR)] == [
        "Mon",
        "Tue",
        "Fri",
        "Sun",
    ]


# building records ---------------------------------------------------------------------------
def client_record(client_id: str = "c1", name: str = "Acme", **client: object) -> ClientRecord:
    return ClientRecord(
        client=Client(
            team_id=TEAM,
            client_id=client_id,
            name=name,
            created_by="U1",
            created_at=AT,
            **client,  # type: ignore[arg-type]
        )
    )


def logged(record: ClientRecord, *drafts: Draft) -> ClientRecord:
    return log(record, "U1", AT, *drafts)[0]


def asked(on: date, what: str = "sign-off on the March posts") -> Draft:
    return Draft(Kind.ASKED, on, text=what)


def heard(on: date) -> Draft:
    return Draft(Kind.HEARD, on, text="replied")


def revision(on: date) -> Draft:
    return Draft(Kind.REVISION, on, text="change the blue")


def invoice(on: date, due: date, ref: str = "INV-1", amount: str = "1200") -> Draft:
    return Draft(Kind.INVOICE, on, amount=Money(Decimal(amount), "GBP"), ref=ref, due_on=due)


def paid(on: date, ref: str = "INV-1") -> Draft:
    return Draft(Kind.PAID, on, ref=ref)


def promised(on: date, by: date, ref: str = "") -> Draft:
    return Draft(Kind.PROMISED, on, ref=ref, due_on=by)


def snooze(on: date, situation: str, until: date) -> Draft:
    return Draft(Kind.SNOOZED, on, ref=situation, due_on=until)


def archive(archived: bool) -> Callable[[ClientRecord], ClientRecord]:
    def change(record: ClientRecord) -> ClientRecord:
        return replace(record, client=replace(record.client, archived=archived))

    return change


# walking through time -------------------------------------------------------------------------
Event = Draft | Callable[[ClientRecord], ClientRecord]


@dataclass(frozen=True)
class Fired:
    on: date
    situation: str
    subject: str
    stage: int
    late: bool
    facts: Any
    variant: str = ""


def remember(record: ClientRecord, dues: Iterable[Due], now: datetime) -> ClientRecord:
    """Record due nudges into the client's record, as `NudgeEngine._record` does."""
    nudges = dict(record.nudges)
    for d in dues:
        nudges[d.key] = d.as_nudge(now)
    return replace(record, nudges=nudges)


def approved(record: ClientRecord, dues: Iterable[Due], at: datetime) -> ClientRecord:
    """The team approves these suggestions at `at`."""
    nudges = dict(record.nudges)
    for d in dues:
        nudges[d.key] = replace(nudges[d.key], status=NudgeStatus.APPROVED, decided_at=at)
    return replace(record, nudges=nudges)


# The thresholds alone (no gap between messages), for the walks that pin when each stage's
# threshold is reached; the gap has walks of its own.
THRESHOLDS = Ladders(min_gap_days=0)


def apply_events(record: ClientRecord, events: Iterable[Event]) -> ClientRecord:
    for e in events:
        record = logged(record, e) if isinstance(e, Draft) else e(record)
    return record


def walk(
    record: ClientRecord,
    start: date,
    end: date,
    events: dict[date, list[Event]] | None = None,
    *,
    ladders: Ladders = THRESHOLDS,
    running: Callable[[date], bool] = lambda _day: True,
    approve: bool = True,
    reminders: bool = False,
) -> tuple[ClientRecord, list[Fired]]:
    """Every day from `start` to `end` (inclusive): log that morning's events, then one pass
    (skipped on days when `running` says the app was down); the team approves what it suggests
    at 10:00 the same day unless `approve` is False (then it waits, posted, for ever). The team's
    reminders after the last step are recorded, and listed in what fired only if `reminders`."""
    events = events or {}
    fired: list[Fired] = []
    today = start
    while today <= end:
        record = apply_events(record, events.get(today, ()))
        if running(today):
            dues = due_nudges(record, today, ladders)
            assert len({d.situation for d in dues}) == len(dues), "one nudge per situation"
            for d in dues:
                assert d.key not in record.nudges, f"{d.key} returned again on {today}"
                if reminders or not d.facts.is_reminder:
                    fired.append(
                        Fired(today, d.situation, d.subject, d.stage, d.late, d.facts, d.variant)
                    )
            record = remember(record, dues, datetime.combine(today, time(9, 0), UTC))
            if approve:
                record = approved(record, dues, datetime.combine(today, time(10, 0), UTC))
        today += timedelta(days=1)
    return record, fired


def days_of(fired: list[Fired]) -> list[tuple[date, str, int, bool]]:
    return [(f.on, f.situation, f.stage, f.late) for f in fired]


def nth_weekday_after(start: date, n: int) -> date:
    """Test oracle: the day the n-th weekday after `start` falls on."""
    day = start
    while n:
        day += timedelta(days=1)
        if day.strftime("%a") not in ("Sat", "Sun"):
            n -= 1
    return day


# gone quiet -------------------------------------------------------------------------------------
def test_quiet_ask_on_a_friday_counts_business_days_only() -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    _, fired = walk(record, FRI_6_MAR, date(2026, 4, 30))
    # Mon 9 (1), Tue 10 (2), Wed 11 (3) | Thu 12, Fri 13, Mon 16 (6) | Tue 17, Wed 18, Thu 19 (9)
    assert days_of(fired) == [
        (date(2026, 3, 11), QUIET, 1, False),
        (date(2026, 3, 16), QUIET, 2, False),
        (date(2026, 3, 19), QUIET, 3, False),
    ]
    assert [f.facts.days for f in fired] == [3, 6, 9]
    assert {f.subject for f in fired} == {"ask-1"}
    assert all(f.on.weekday() < 5 for f in fired)
    assert fired[0].facts.asks[0].what == "sign-off on the March posts"
    assert fired[0].facts.asked_on == FRI_6_MAR


def test_quiet_on_a_weekend_day_nothing_changes_until_monday() -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    _, fired = walk(record, FRI_6_MAR, date(2026, 3, 15))
    assert [f.on for f in fired] == [date(2026, 3, 11)]
    # The first weekend adds no business day to Friday's ask: still nothing due on Monday's eve.
    for day in (FRI_6_MAR, date(2026, 3, 7), date(2026, 3, 8)):
        assert QUIET not in current(record, day)
    # Nor does the second: Friday 13, Saturday 14 and Sunday 15 all count 5 business days.
    for day in (date(2026, 3, 13), date(2026, 3, 14), SUN_15_MAR):
        assert current(record, day)[QUIET].facts.days == 5
    assert current(record, date(2026, 3, 16))[QUIET].facts.days == 6


@pytest.mark.parametrize("quiet_days", [1, 2, 3, 5, 10])
@pytest.mark.parametrize("ask_on", [MON_2_MAR + timedelta(days=i) for i in range(7)])
def test_quiet_stages_fire_at_quiet_days_times_1_2_3_business_days(
    quiet_days: int, ask_on: date
) -> None:
    record = logged(client_record(quiet_days=quiet_days), asked(ask_on))
    _, fired = walk(record, ask_on, ask_on + timedelta(days=70))
    assert days_of(fired) == [
        (nth_weekday_after(ask_on, quiet_days * m), QUIET, m, False) for m in (1, 2, 3)
    ]


def test_quiet_custom_threshold_of_five_days() -> None:
    record = logged(client_record(quiet_days=5), asked(MON_2_MAR))
    _, fired = walk(record, MON_2_MAR, date(2026, 5, 1))
    assert [(f.on, f.stage) for f in fired] == [
        (date(2026, 3, 9), 1),
        (date(2026, 3, 16), 2),
        (date(2026, 3, 23), 3),
    ]


def test_a_reply_between_stages_stops_the_quiet_ladder() -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    record, fired = walk(
        record, FRI_6_MAR, date(2026, 5, 29), {date(2026, 3, 12): [heard(date(2026, 3, 12))]}
    )
    assert days_of(fired) == [(date(2026, 3, 11), QUIET, 1, False)]
    assert record.state.open_asks == ()


def test_a_revision_demand_is_not_a_reply_to_an_open_request() -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    record, fired = walk(
        record, FRI_6_MAR, date(2026, 3, 20), {date(2026, 3, 12): [revision(date(2026, 3, 12))]}
    )
    assert [(f.on, f.stage) for f in fired if f.situation == QUIET] == [
        (date(2026, 3, 11), 1),
        (date(2026, 3, 16), 2),
        (date(2026, 3, 19), 3),
    ]
    assert [a.asked_on for a in record.state.open_asks] == [FRI_6_MAR]


def test_a_reply_on_the_morning_a_stage_is_due_means_it_never_fires() -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    _, fired = walk(
        record, FRI_6_MAR, date(2026, 4, 30), {date(2026, 3, 16): [heard(date(2026, 3, 16))]}
    )
    assert [f.stage for f in fired] == [1]


def test_a_new_ask_after_a_reply_is_a_new_episode_from_stage_1() -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    events: dict[date, list[Event]] = {
        date(2026, 3, 12): [heard(date(2026, 3, 12))],
        date(2026, 3, 13): [asked(date(2026, 3, 13), "the new logo")],  # a Friday again
    }
    _, fired = walk(record, FRI_6_MAR, date(2026, 4, 30), events)
    assert [(f.on, f.subject, f.stage) for f in fired] == [
        (date(2026, 3, 11), "ask-1", 1),
        (date(2026, 3, 18), "ask-3", 1),
        (date(2026, 3, 23), "ask-3", 2),
        (date(2026, 3, 26), "ask-3", 3),
    ]
    assert fired[1].facts.asks[0].what == "the new logo"


def test_a_reply_clears_only_asks_made_up_to_its_date() -> None:
    # Asked A on Monday and B on Tuesday; on Wednesday we log that they answered A on Monday.
    events: dict[date, list[Event]] = {
        MON_2_MAR: [asked(MON_2_MAR, "A")],
        TUE_3_MAR: [asked(TUE_3_MAR, "B")],
        date(2026, 3, 4): [heard(MON_2_MAR)],
    }
    _, fired = walk(client_record(), MON_2_MAR, date(2026, 4, 30), events)
    # B alone is open: Tue + 3, 6, 9 business days = Fri 6, Wed 11, Mon 16.
    assert [(f.on, f.subject, f.stage, f.facts.asks[0].what) for f in fired] == [
        (date(2026, 3, 6), "ask-2", 1, "B"),
        (date(2026, 3, 11), "ask-2", 2, "B"),
        (date(2026, 3, 16), "ask-2", 3, "B"),
    ]


def test_the_oldest_open_ask_sets_the_pace_and_counts_the_others() -> None:
    events: dict[date, list[Event]] = {
        MON_2_MAR: [asked(MON_2_MAR, "A")],
        date(2026, 3, 4): [asked(date(2026, 3, 4), "B")],
    }
    _, fired = walk(client_record(), MON_2_MAR, date(2026, 4, 30), events)
    assert [(f.on, f.subject, f.stage) for f in fired] == [
        (date(2026, 3, 5), "ask-1", 1),
        (date(2026, 3, 10), "ask-1", 2),
        (date(2026, 3, 13), "ask-1", 3),
    ]
    # The younger request, a day old, is mentioned apart, not chased with the oldest.
    assert [a.what for a in fired[0].facts.asks] == ["A"]
    assert [a.what for a in fired[0].facts.fresh] == ["B"]


# invoice overdue --------------------------------------------------------------------------------
def test_overdue_stages_fire_1_7_21_calendar_days_after_the_due_date() -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    _, fired = walk(record, MON_2_MAR, date(2026, 6, 30))
    assert days_of(fired) == [
        (date(2026, 3, 16), OVERDUE, 1, False),
        (date(2026, 3, 22), OVERDUE, 2, False),
        (date(2026, 4, 5), OVERDUE, 3, False),
    ]
    assert [f.facts.days_overdue for f in fired] == [1, 7, 21]
    assert {f.subject for f in fired} == {"inv-INV-1"}


def test_nothing_on_the_due_date_itself() -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    assert due_nudges(record, SUN_15_MAR) == []
    assert [d.stage for d in due_nudges(record, date(2026, 3, 16))] == [1]


@pytest.mark.parametrize(
    ("pay_on", "stages"),
    [
        (date(2026, 3, 15), []),  # paid on the due date
        (date(2026, 3, 18), [1]),
        (date(2026, 3, 22), [1]),  # paid the morning stage 2 was due
        (date(2026, 4, 4), [1, 2]),
    ],
)
def test_payment_stops_the_overdue_ladder(pay_on: date, stages: list[int]) -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    record, fired = walk(record, MON_2_MAR, date(2026, 6, 30), {pay_on: [paid(pay_on)]})
    assert [f.stage for f in fired] == stages
    assert record.state.unpaid == ()


def test_several_overdue_invoices_make_one_nudge_about_the_oldest() -> None:
    record = logged(
        client_record(),
        invoice(date(2026, 2, 1), due=date(2026, 3, 1), ref="INV-1", amount="100"),
        invoice(date(2026, 2, 5), due=date(2026, 3, 5), ref="INV-2", amount="200"),
        invoice(date(2026, 2, 10), due=date(2026, 3, 10), ref="INV-3", amount="300"),
    )
    _, fired = walk(record, date(2026, 2, 20), date(2026, 5, 31))
    assert days_of(fired) == [
        (date(2026, 3, 2), OVERDUE, 1, False),
        (date(2026, 3, 8), OVERDUE, 2, False),
        (date(2026, 3, 22), OVERDUE, 3, False),
    ]
    assert {f.subject for f in fired} == {"inv-INV-1"}
    refs = [[i.ref for i in f.facts.invoices] for f in fired]  # type: ignore[attr-defined]
    assert refs == [["INV-1"], ["INV-1", "INV-2"], ["INV-1", "INV-2", "INV-3"]]


def test_paying_the_oldest_of_several_moves_the_nudge_to_the_next_oldest() -> None:
    # The next invoice is its own episode: like every episode it opens at step 1, whatever its
    # age, and climbs one step each working day (no gap in these walks: the day a message gives
    # the client is the day it was approved) to the step its age calls for.
    record = logged(
        client_record(),
        invoice(date(2026, 2, 1), due=date(2026, 3, 1), ref="INV-1"),
        invoice(date(2026, 2, 5), due=date(2026, 3, 5), ref="INV-2"),
    )
    events: dict[date, list[Event]] = {date(2026, 3, 13): [paid(date(2026, 3, 13), "INV-1")]}
    _, fired = walk(record, date(2026, 2, 20), date(2026, 5, 31), events)
    assert [(f.on, f.subject, f.stage, f.late) for f in fired] == [
        (date(2026, 3, 2), "inv-INV-1", 1, False),
        (date(2026, 3, 8), "inv-INV-1", 2, False),
        (date(2026, 3, 13), "inv-INV-2", 1, False),
        (date(2026, 3, 16), "inv-INV-2", 2, False),
        (date(2026, 3, 26), "inv-INV-2", 3, False),
    ]


def test_overdue_days_starting_later_than_one_day_fire_nothing_before_their_first_step() -> None:
    # OVERDUE_DAYS=3,10,30: an invoice 1 or 2 days past due is overdue, but not yet nudged.
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    ladders = Ladders(overdue_days=(3, 10, 30), min_gap_days=0)
    assert due_nudges(record, date(2026, 3, 17), ladders) == []
    _, fired = walk(record, MON_2_MAR, date(2026, 6, 30), ladders=ladders)
    assert [(f.on, f.stage) for f in fired] == [
        (SUN_15_MAR + timedelta(days=n), stage) for stage, n in ((1, 3), (2, 10), (3, 30))
    ]


@pytest.mark.parametrize("grace", [0, 1, 3, 10])
def test_grace_days_shift_every_overdue_stage(grace: int) -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    _, fired = walk(
        record, MON_2_MAR, date(2026, 7, 31), ladders=Ladders(grace_days=grace, min_gap_days=0)
    )
    assert [(f.on, f.stage) for f in fired] == [
        (SUN_15_MAR + timedelta(days=grace + n), stage) for stage, n in ((1, 1), (2, 7), (3, 21))
    ]
    # What the team and the client are told is the true age of the invoice, grace or not.
    assert [f.facts.days_overdue for f in fired] == [grace + 1, grace + 7, grace + 21]


def test_promise_kept_paid_before_the_date_nothing_more() -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    events: dict[date, list[Event]] = {
        date(2026, 3, 17): [promised(date(2026, 3, 17), by=date(2026, 3, 27), ref="INV-1")],
        date(2026, 3, 26): [paid(date(2026, 3, 26))],
    }
    _, fired = walk(record, MON_2_MAR, date(2026, 6, 30), events)
    assert days_of(fired) == [(date(2026, 3, 16), OVERDUE, 1, False)]


def test_promise_kept_on_the_promised_day_itself() -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    events: dict[date, list[Event]] = {
        date(2026, 3, 17): [promised(date(2026, 3, 17), by=date(2026, 3, 27))],
        date(2026, 3, 27): [paid(date(2026, 3, 27))],
    }
    _, fired = walk(record, MON_2_MAR, date(2026, 6, 30), events)
    assert [f.stage for f in fired] == [1]


def test_a_broken_promise_is_said_at_the_next_step_one_step_higher() -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    by = date(2026, 3, 19)
    events: dict[date, list[Event]] = {date(2026, 3, 17): [promised(date(2026, 3, 17), by=by)]}
    _, fired = walk(record, MON_2_MAR, date(2026, 6, 30), events)
    # Step 1 on the 16th; quiet up to and including the promised day; on the 20th the next
    # step ("you told us you'd pay by Thu 19 March"), never step 1 again and never two steps.
    # The consequence then comes on its own day, at 21 days.
    assert [(f.on, f.stage, f.variant) for f in fired] == [
        (date(2026, 3, 16), 1, ""),
        (date(2026, 3, 20), 2, "promise-2026-03-19"),
        (date(2026, 4, 5), 3, ""),
    ]
    assert fired[1].facts.promise_broken_on == by
    assert fired[1].facts.previous_on == date(2026, 3, 16)


def test_promise_pauses_over_a_stage_that_would_have_fired() -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    events: dict[date, list[Event]] = {
        date(2026, 3, 17): [promised(date(2026, 3, 17), by=date(2026, 3, 27))]
    }
    _, fired = walk(record, MON_2_MAR, date(2026, 6, 30), events)
    # Step 2 (the 22nd) falls inside the promise; on the 28th the next step, 2, names the
    # broken promise (one message, not two); step 3 follows on its own day.
    assert [(f.on, f.stage, f.variant) for f in fired] == [
        (date(2026, 3, 16), 1, ""),
        (date(2026, 3, 28), 2, "promise-2026-03-27"),
        (date(2026, 4, 5), 3, ""),
    ]
    assert fired[1].facts.promise_broken_on == date(2026, 3, 27)


def test_a_promise_without_a_reference_covers_every_unpaid_invoice() -> None:
    record = logged(
        client_record(),
        invoice(date(2026, 2, 1), due=date(2026, 3, 1), ref="INV-1"),
        invoice(date(2026, 2, 5), due=date(2026, 3, 5), ref="INV-2"),
    )
    events: dict[date, list[Event]] = {
        date(2026, 2, 20): [promised(date(2026, 2, 20), by=date(2026, 3, 10))],
        date(2026, 3, 9): [paid(date(2026, 3, 9), "INV-1"), paid(date(2026, 3, 9), "INV-2")],
    }
    _, fired = walk(record, date(2026, 2, 20), date(2026, 5, 31), events)
    assert fired == []


# controlling ------------------------------------------------------------------------------------
def test_controlling_stages_fire_on_the_4th_6th_and_8th_demand_in_the_window() -> None:
    events: dict[date, list[Event]] = {
        MON_2_MAR + timedelta(days=i): [revision(MON_2_MAR + timedelta(days=i))] for i in range(21)
    }
    _, fired = walk(client_record(), MON_2_MAR, date(2026, 5, 31), events)
    assert days_of(fired) == [
        (date(2026, 3, 5), CONTROLLING, 1, False),
        (date(2026, 3, 7), CONTROLLING, 2, False),
        (date(2026, 3, 9), CONTROLLING, 3, False),
    ]
    assert [f.facts.rounds for f in fired] == [4, 6, 8]
    assert {f.subject for f in fired} == {"since-2026-03-02"}


@pytest.mark.parametrize(
    ("fourth_on", "fires"),
    [
        (date(2026, 3, 15), True),  # Mar 2..15 is 14 days: all four count
        (date(2026, 3, 16), False),  # Mar 2 has left the window: three count
    ],
)
def test_controlling_window_is_the_last_14_days(fourth_on: date, fires: bool) -> None:
    days = [MON_2_MAR, TUE_3_MAR, date(2026, 3, 4), fourth_on]
    events: dict[date, list[Event]] = {d: [revision(d)] for d in days}
    _, fired = walk(client_record(), MON_2_MAR, date(2026, 5, 31), events)
    assert [(f.on, f.stage) for f in fired] == ([(fourth_on, 1)] if fires else [])


def test_several_rounds_on_one_day_each_count_but_open_at_step_1() -> None:
    record = logged(client_record(), *[revision(MON_2_MAR) for _ in range(6)])
    _, fired = walk(record, MON_2_MAR, date(2026, 4, 30))
    assert days_of(fired) == [
        (MON_2_MAR, CONTROLLING, 1, False),
        (TUE_3_MAR, CONTROLLING, 2, False),
    ]
    assert fired[0].facts.rounds == 6


def test_controlling_new_episode_after_a_long_gap() -> None:
    first = [MON_2_MAR + timedelta(days=i) for i in range(4)]  # Mar 2-5
    second = [date(2026, 4, 1) + timedelta(days=i) for i in range(6)]  # Apr 1-6
    events: dict[date, list[Event]] = {d: [revision(d)] for d in first + second}
    _, fired = walk(client_record(), MON_2_MAR, date(2026, 6, 30), events)
    assert [(f.on, f.subject, f.stage) for f in fired] == [
        (date(2026, 3, 5), "since-2026-03-02", 1),
        (date(2026, 4, 4), "since-2026-04-01", 1),
        (date(2026, 4, 6), "since-2026-04-01", 2),
    ]


def test_controlling_short_gap_continues_the_same_episode() -> None:
    first = [MON_2_MAR + timedelta(days=i) for i in range(4)]  # Mar 2-5
    second = [date(2026, 3, 15) + timedelta(days=i) for i in range(6)]  # Mar 15-20: gap of 10
    events: dict[date, list[Event]] = {d: [revision(d)] for d in first + second}
    _, fired = walk(client_record(), MON_2_MAR, date(2026, 6, 30), events)
    # Stage 1 is not repeated for the same run; stage 2 comes on the 20th when six are in the
    # window (Mar 15-20; Mar 5 left it on the 19th).
    assert [(f.on, f.subject, f.stage) for f in fired] == [
        (date(2026, 3, 5), "since-2026-03-02", 1),
        (date(2026, 3, 20), "since-2026-03-02", 2),
    ]


def test_a_long_run_of_demands_is_one_episode_even_past_the_kept_dates() -> None:
    # More demands in a row than the summary keeps: the episode must not turn into a "new"
    # one every time the oldest kept date drops out (it did: a late stage-3 nudge every day).
    n = MAX_REVISIONS_KEPT * 3
    events: dict[date, list[Event]] = {
        MON_2_MAR + timedelta(days=i): [revision(MON_2_MAR + timedelta(days=i))] for i in range(n)
    }
    _, fired = walk(client_record(), MON_2_MAR, MON_2_MAR + timedelta(days=n + 30), events)
    assert [(f.on, f.stage, f.late) for f in fired] == [
        (date(2026, 3, 5), 1, False),
        (date(2026, 3, 7), 2, False),
        (date(2026, 3, 9), 3, False),
    ]


def test_after_a_long_run_a_gap_still_starts_a_new_episode() -> None:
    n = MAX_REVISIONS_KEPT + 10
    run = [MON_2_MAR + timedelta(days=i) for i in range(n)]
    later = run[-1] + timedelta(days=30)
    burst = [later + timedelta(days=i) for i in range(4)]
    events: dict[date, list[Event]] = {d: [revision(d)] for d in run + burst}
    _, fired = walk(client_record(), MON_2_MAR, later + timedelta(days=30), events)
    assert [(f.on, f.subject, f.stage) for f in fired] == [
        (date(2026, 3, 5), "since-2026-03-02", 1),
        (date(2026, 3, 7), "since-2026-03-02", 2),
        (date(2026, 3, 9), "since-2026-03-02", 3),
        (burst[3], f"since-{later.isoformat()}", 1),
    ]


# snooze and archive -----------------------------------------------------------------------------
def test_snooze_holds_a_situation_until_the_date_then_resumes() -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    until = date(2026, 3, 18)
    events: dict[date, list[Event]] = {date(2026, 3, 12): [snooze(date(2026, 3, 12), QUIET, until)]}
    _, fired = walk(record, FRI_6_MAR, date(2026, 4, 30), events)
    # Stage 2 (Mon 16) is held; it comes on the 18th; stage 3 keeps its own day (Thu 19).
    assert days_of(fired) == [
        (date(2026, 3, 11), QUIET, 1, False),
        (until, QUIET, 2, False),
        (date(2026, 3, 19), QUIET, 3, False),
    ]


def test_snooze_past_several_stages_resumes_at_the_next_step_never_skipping() -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    until = date(2026, 3, 25)
    events: dict[date, list[Event]] = {date(2026, 3, 12): [snooze(date(2026, 3, 12), QUIET, until)]}
    _, fired = walk(record, FRI_6_MAR, date(2026, 4, 30), events)
    assert days_of(fired) == [
        (date(2026, 3, 11), QUIET, 1, False),
        (until, QUIET, 2, False),
        (date(2026, 3, 26), QUIET, 3, False),
    ]


def test_snooze_holds_only_its_own_situation() -> None:
    record = logged(client_record(), asked(FRI_6_MAR), invoice(FRI_6_MAR, due=date(2026, 3, 8)))
    events: dict[date, list[Event]] = {
        FRI_6_MAR: [snooze(FRI_6_MAR, QUIET, date(2026, 4, 1))],
    }
    _, fired = walk(record, FRI_6_MAR, date(2026, 4, 30), events)
    assert days_of(fired) == [
        (date(2026, 3, 9), OVERDUE, 1, False),
        (date(2026, 3, 15), OVERDUE, 2, False),
        (date(2026, 3, 29), OVERDUE, 3, False),
        (date(2026, 4, 1), QUIET, 1, False),
        (date(2026, 4, 2), QUIET, 2, False),
        (date(2026, 4, 3), QUIET, 3, False),
    ]


def test_snooze_everything_before_any_stage() -> None:
    record = logged(client_record(), asked(FRI_6_MAR), invoice(FRI_6_MAR, due=date(2026, 3, 8)))
    until = date(2026, 3, 12)
    events: dict[date, list[Event]] = {
        FRI_6_MAR: [snooze(FRI_6_MAR, s, until) for s in (QUIET, OVERDUE, CONTROLLING)]
    }
    _, fired = walk(record, FRI_6_MAR, date(2026, 4, 30), events)
    assert {(f.situation, f.stage, f.late) for f in fired if f.on == until} == {
        (OVERDUE, 1, False),
        (QUIET, 1, False),
    }
    assert all(f.on >= until for f in fired)


def busy_record() -> ClientRecord:
    """A client with every situation under way in early March: four demands by Monday 2 (the
    fourth brings stage 1 of controlling), an ask on Tuesday 3, an invoice due that day."""
    return logged(
        client_record(),
        *[revision(date(2026, 3, 1)) for _ in range(3)],
        revision(MON_2_MAR),
        asked(TUE_3_MAR),
        invoice(MON_2_MAR, due=TUE_3_MAR),
    )


def test_an_archived_client_gets_nothing() -> None:
    record = archive(True)(busy_record())
    assert current(record, date(2026, 3, 20)).keys() == {QUIET, OVERDUE}  # the facts are there
    _, fired = walk(record, MON_2_MAR, date(2026, 6, 30))
    assert fired == []


def test_archive_midway_then_unarchive() -> None:
    events: dict[date, list[Event]] = {
        date(2026, 3, 4): [archive(True)],
        date(2026, 4, 1): [archive(False)],
    }
    _, fired = walk(busy_record(), MON_2_MAR, date(2026, 6, 30), events)
    assert days_of(fired) == [
        (MON_2_MAR, CONTROLLING, 1, False),
        (date(2026, 4, 1), QUIET, 1, False),
        (date(2026, 4, 1), OVERDUE, 1, False),
        (date(2026, 4, 2), QUIET, 2, False),
        (date(2026, 4, 2), OVERDUE, 2, False),
        (date(2026, 4, 3), QUIET, 3, False),
        (date(2026, 4, 3), OVERDUE, 3, False),
    ]


# downtime ---------------------------------------------------------------------------------------
def test_after_30_days_down_one_message_a_day_from_step_1() -> None:
    record = logged(client_record(), asked(FRI_6_MAR), invoice(FRI_6_MAR, due=FRI_6_MAR))
    back = FRI_6_MAR + timedelta(days=30)
    _, fired = walk(record, FRI_6_MAR, date(2026, 6, 30), running=lambda d: d >= back)
    # Catching up sends one message per situation, at step 1 (never a stop-work notice as the
    # first chase), then the ladder climbs a step at a time.
    assert [(f.on, f.situation, f.stage) for f in fired if f.on == back] == [
        (back, QUIET, 1),
        (back, OVERDUE, 1),
    ]
    assert [f.stage for f in fired if f.situation == OVERDUE] == [1, 2, 3]


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        (date(2026, 3, 16), [(date(2026, 3, 16), 2, False), (date(2026, 3, 19), 3, False)]),
        (date(2026, 3, 17), [(date(2026, 3, 17), 2, False), (date(2026, 3, 19), 3, False)]),
        # Back after stage 3's day: stage 2 first, never skipped, then stage 3 on the next
        # working day.
        (date(2026, 3, 20), [(date(2026, 3, 20), 2, False), (date(2026, 3, 23), 3, False)]),
    ],
)
def test_downtime_after_stage_1(back: date, expected: list[tuple[date, int, bool]]) -> None:
    record = logged(client_record(), asked(FRI_6_MAR))
    down = date(2026, 3, 12)
    _, fired = walk(record, FRI_6_MAR, date(2026, 4, 30), running=lambda d: d < down or d >= back)
    assert [(f.on, f.stage, f.late) for f in fired] == [(date(2026, 3, 11), 1, False), *expected]


def test_downtime_over_stage_1_still_opens_at_stage_1() -> None:
    record = logged(client_record(), invoice(MON_2_MAR, due=SUN_15_MAR))
    back = date(2026, 3, 23)
    _, fired = walk(record, MON_2_MAR, date(2026, 6, 30), running=lambda d: d >= back)
    assert days_of(fired) == [
        (back, OVERDUE, 1, False),
        (date(2026, 3, 24), OVERDUE, 2, False),
        (date(2026, 4, 5), OVERDUE, 3, False),
    ]


# time zones ---------------------------------------------------------------------------------------
AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")


def local_day(now: datetime, tz: tzinfo) -> date:
    """The workspace's date at `now`, computed as the engine does."""
    return now.astimezone(tz).date()


def test_the_same_instant_is_a_different_day_in_auckland_and_los_angeles() -> None:
    record = logged(client_record(quiet_days=1), asked(MON_2_MAR))  # stage 1 due Tuesday
    now = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    assert local_day(now, AUCKLAND) == TUE_3_MAR  # 09:00 NZDT, Tuesday
    assert local_day(now, LOS_ANGELES) == MON_2_MAR  # 12:00 PST, Monday
    assert [d.stage for d in due_nudges(record, local_day(now, AUCKLAND))] == [1]
    assert due_nudges(record, local_day(now, LOS_ANGELES)) == []
    # Twenty-one hours later it is Tuesday in Los Angeles too.
    later = now + timedelta(hours=21)
    assert local_day(later, LOS_ANGELES) == TUE_3_MAR
    assert [d.stage for d in due_nudges(record, local_day(later, LOS_ANGELES))] == [1]


class MemoryStore:
    """Just enough of the Store for a recording pass, in memory."""

    def __init__(self, *records: ClientRecord) -> None:
        self.records = {(r.client.team_id, r.client.client_id): r for r in records}

    def teams(self) -> list[str]:
        return sorted({team for team, _ in self.records})

    def names(self, team_id: str) -> dict[str, str]:
        return {r.client.name_key: cid for (t, cid), r in self.records.items() if t == team_id}

    def get(self, team_id: str, client_id: str) -> ClientRecord | None:
        return self.records.get((team_id, client_id))

    def clients(self, team_id: str) -> list[ClientRecord]:
        return [r for (t, _), r in self.records.items() if t == team_id]

    def read_many(self, team_id: str, client_ids: list[str]):  # noqa: ANN201
        return ((cid, self.get(team_id, cid)) for cid in client_ids)

    def update(self, team_id: str, client_id: str, change):  # noqa: ANN001, ANN201
        record, _events = change(self.records[(team_id, client_id)])
        self.records[(team_id, client_id)] = record
        return record

    def due_for_check(self, team_id: str, today: date) -> list[str]:
        return list(self.names(team_id).values())  # no index: every client is looked at

    def refresh_checks(self, team_id: str, client_ids) -> None:  # noqa: ANN001
        pass


@pytest.mark.parametrize(("tz", "recorded"), [(AUCKLAND, True), (LOS_ANGELES, False)])
def test_the_engine_uses_the_workspace_date(tz: ZoneInfo, recorded: bool) -> None:
    store = MemoryStore(logged(client_record(quiet_days=1), asked(MON_2_MAR)))
    engine = NudgeEngine(
        store,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]  # wording: only needed for posting
        None,
        tz=tz,
        hours=WorkingHours(tz, days=()),  # never open: the pass records and posts nothing
    )
    report = engine.scan(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    assert report.recorded == (["Acme: quiet:ask-1:1"] if recorded else [])
    nudges = store.records[(TEAM, "c1")].nudges
    assert [(n.key, n.status) for n in nudges.values()] == (
        [("quiet:ask-1:1", NudgeStatus.PENDING)] if recorded else []
    )


def hourly_walk(
    record: ClientRecord, tz: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, str, int]]:
    """A pass every hour (UTC instants), each judged on the workspace's local date."""
    fired = []
    now = start
    while now <= end:
        dues = [d for d in due_nudges(record, local_day(now, tz), THRESHOLDS) if not d.variant]
        fired += [(now, d.situation, d.stage) for d in dues]
        record = approved(remember(record, dues, now), dues, now)
        now += timedelta(hours=1)
    return fired


def london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON).astimezone(UTC)


def test_clocks_going_back_in_london_do_not_shift_business_days() -> None:
    # British Summer Time ends at 01:00 UTC on Sunday 25 October 2026.
    assert datetime(2026, 10, 24, 12, tzinfo=LONDON).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 10, 26, 12, tzinfo=LONDON).utcoffset() == timedelta(0)
    wed, fri, sat = date(2026, 10, 21), date(2026, 10, 23), date(2026, 10, 24)
    assert (wed.strftime("%a"), fri.strftime("%a"), sat.strftime("%a")) == ("Wed", "Fri", "Sat")
    assert business_days_between(fri, date(2026, 10, 30)) == 5

    start, end = datetime(2026, 10, 19, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
    fast = logged(client_record(quiet_days=1), asked(wed))
    usual = logged(client_record(), asked(fri), invoice(fri, due=sat))

    # Each stage fires at the first hour of its local day: 23:00 UTC while on BST, 00:00 after.
    assert hourly_walk(fast, LONDON, start, end) == [
        (datetime(2026, 10, 21, 23, tzinfo=UTC), QUIET, 1),  # Thu 22, BST
        (datetime(2026, 10, 22, 23, tzinfo=UTC), QUIET, 2),  # Fri 23, BST
        (datetime(2026, 10, 26, 0, tzinfo=UTC), QUIET, 3),  # Mon 26, GMT
    ]
    assert hourly_walk(usual, LONDON, start, end) == [
        (london_midnight(date(2026, 10, 25)), OVERDUE, 1),  # the changeover day itself
        (london_midnight(date(2026, 10, 28)), QUIET, 1),  # Fri + 3 business days
        (london_midnight(date(2026, 10, 31)), OVERDUE, 2),
        (london_midnight(date(2026, 11, 2)), QUIET, 2),
        (london_midnight(date(2026, 11, 5)), QUIET, 3),
        (london_midnight(date(2026, 11, 14)), OVERDUE, 3),
    ]
    assert london_midnight(date(2026, 10, 25)) == datetime(2026, 10, 24, 23, tzinfo=UTC)


# properties over random histories ---------------------------------------------------------------
ACTIONS = ["none", "none", "ask", "heard", "revision", "revision", "invoice", "pay", "promise"]
# Mostly demands: long unbroken runs, longer than the summary keeps dates for.
DEMANDING = ["revision"] * 7 + ["none", "ask", "heard", "invoice", "pay"]


@settings(max_examples=150, deadline=None)
@given(
    actions=st.lists(st.sampled_from(ACTIONS), min_size=30, max_size=200)
    | st.lists(st.sampled_from(DEMANDING), min_size=2 * MAX_REVISIONS_KEPT, max_size=200),
    quiet_days=st.integers(1, 6),
    due_in=st.integers(0, 30),
    start=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
)
def test_daily_passes_fire_each_stage_once_in_order(
    actions: list[str], quiet_days: int, due_in: int, start: date
) -> None:
    """With a pass every day and everything logged on the day it happened, every episode
    climbs its ladder one stage at a time (never late), quiet nudges fire only on weekdays, and
    nothing about a situation fires the day the client answered or paid."""
    events: dict[date, list[Event]] = {}
    invoices = 0
    for i, action in enumerate(actions):
        day = start + timedelta(days=i)
        if action == "ask":
            events[day] = [asked(day)]
        elif action == "heard":
            events[day] = [heard(day)]
        elif action == "revision":
            events[day] = [revision(day)]
        elif action == "invoice":
            invoices += 1
            events[day] = [invoice(day, day + timedelta(days=due_in), ref=f"INV-{invoices}")]
        elif action == "promise" and invoices:
            events[day] = [promised(day, day + timedelta(days=due_in // 3))]

    pays = {start + timedelta(days=i) for i, a in enumerate(actions) if a == "pay"}
    record = client_record(quiet_days=quiet_days)
    fired: list[Fired] = []
    for i in range(len(actions) + 40):
        today = start + timedelta(days=i)
        record = apply_events(record, events.get(today, ()))
        if today in pays:
            record = logged(record, *[paid(today, inv.ref) for inv in record.state.unpaid])
        dues = due_nudges(record, today)
        for d in dues:
            assert d.key not in record.nudges
            fired.append(Fired(today, d.situation, d.subject, d.stage, d.late, d.facts, d.variant))
        record = remember(record, dues, datetime.combine(today, time(9), UTC))
        record = approved(record, dues, datetime.combine(today, time(10), UTC))

    by_subject: dict[tuple[str, str], list[Fired]] = {}
    for f in fired:
        by_subject.setdefault((f.situation, f.subject), []).append(f)
    for episode in by_subject.values():
        # Every episode's client messages climb from 1, one step at a time (a broken promise
        # is a step too; after the last step it is said at the last step), each only after the
        # day the one before gave the client; a team reminder repeats the step reached.
        steps = [f for f in episode if not f.facts.is_reminder]
        assert steps[0].stage == 1
        for before, after in zip(steps, steps[1:], strict=False):
            if after.variant.startswith("promise") and before.stage == TOP_STAGE:
                assert after.stage == TOP_STAGE
            elif after.variant.startswith("promise") and after.stage == before.stage:
                # Broken before the day the warning named: said at the warning's step, since
                # the consequence keeps its day.
                assert after.stage == TOP_STAGE - 1
                assert after.on < add_business_days(answer_by(before.on, DEFAULT_LADDERS), 1)
            else:
                assert after.stage == before.stage + 1
            if not after.variant:
                assert after.on > answer_by(before.on, DEFAULT_LADDERS)
        assert not any(f.late for f in episode)
        for f in episode:
            if f.facts.is_reminder:
                assert f.stage == max(s.stage for s in steps if s.on <= f.on)
    for f in fired:
        kinds = {e.kind for e in events.get(f.on, ()) if isinstance(e, Draft)}
        if f.situation == QUIET:
            assert f.on.weekday() < 5
            assert Kind.HEARD not in kinds
        if f.situation == OVERDUE:
            assert f.on not in pays


def test_finished_episodes_leave_the_summary_after_a_month() -> None:
    from domain.nudges import KEEP_FINISHED_DAYS, prune

    record = client_record()
    old = Nudge(
        "quiet:ask-9:1",
        "quiet",
        "ask-9",
        1,
        datetime(2026, 1, 5, tzinfo=UTC),
        status=NudgeStatus.APPROVED,
    )
    recent = Nudge(
        "quiet:ask-8:1",
        "quiet",
        "ask-8",
        1,
        datetime(2026, 3, 1, tzinfo=UTC),
        status=NudgeStatus.DISMISSED,
    )
    waiting = Nudge("overdue:inv-1:1", "overdue", "inv-1", 1, datetime(2026, 1, 5, tzinfo=UTC))
    record = replace(record, nudges={n.key: n for n in (old, recent, waiting)})
    kept = prune(record, date(2026, 3, 1) + timedelta(days=KEEP_FINISHED_DAYS - 1))
    assert set(kept) == {recent.key, waiting.key}


def test_a_promise_without_a_ref_does_not_cover_invoices_not_yet_due() -> None:
    from service.commands import Draft, log

    record, _ = log(
        client_record(),
        "U1",
        datetime(2026, 12, 1, tzinfo=UTC),
        Draft(
            Kind.INVOICE,
            date(2026, 11, 1),
            amount=Money(Decimal(900)),
            ref="A",
            due_on=date(2026, 11, 20),
        ),
        Draft(
            Kind.INVOICE,
            date(2026, 11, 1),
            amount=Money(Decimal(50)),
            ref="B",
            due_on=date(2026, 12, 31),
        ),
        Draft(Kind.PROMISED, date(2026, 12, 1), due_on=date(2026, 12, 5)),
        Draft(Kind.PAID, date(2026, 12, 4), ref="A"),
    )
    assert [i.promised_by for i in record.state.invoices if i.ref == "B"] == [None]
    # B's first late day is a gentle stage 1, not a stop-work notice for a broken promise.
    assert [d.stage for d in due_nudges(record, date(2027, 1, 1))] == [1]
