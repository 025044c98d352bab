"""The escalation rules (README, "Escalation"), one crafted history each, walked day by day with
the real gap (MIN_GAP_DAYS, 5 working days) unless a test says otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.facts import ControllingFacts, OverdueFacts
from domain.models import ClientRecord, Kind, Money, NudgeStatus
from domain.nudges import CONTROLLING, DEFAULT_LADDERS, OVERDUE, QUIET, Ladders, due_nudges
from service.commands import Draft
from tests.domain.test_nudges import (
    Event,
    approved,
    asked,
    client_record,
    invoice,
    logged,
    paid,
    promised,
    remember,
    revision,
    snooze,
    walk,
)
from ui.client_message import client_message, client_values
from ui.wording import Wording

GAP = DEFAULT_LADDERS
WED_25_NOV, THU_26_NOV = date(2026, 11, 25), date(2026, 11, 26)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def suggest_and_approve(record: ClientRecord, day: date, ladders: Ladders = GAP):
    """One pass on `day` at 09:00, the team approving what it suggests at 10:00."""
    dues = due_nudges(record, day, ladders)
    return approved(remember(record, dues, at(day, 9)), dues, at(day, 10)), dues


def test_named_days() -> None:
    assert (WED_25_NOV.strftime("%a"), THU_26_NOV.strftime("%a")) == ("Wed", "Thu")


# 1. never skip a step ---------------------------------------------------------------------------
def test_a_backfilled_invoice_ten_days_overdue_opens_at_step_1() -> None:
    # Logged today for the first time: its age calls for step 2, but nothing was ever said.
    today = date(2026, 11, 27)
    record = logged(client_record(), invoice(date(2026, 11, 1), due=today - timedelta(days=10)))
    (due,) = due_nudges(record, today)
    assert (due.situation, due.stage, due.late) == (OVERDUE, 1, False)
    assert isinstance(due.facts, OverdueFacts)
    assert due.facts.days_overdue == 10  # the true age is still told
    assert due.facts.previous_on is None and due.facts.consequence_on is None


def test_catch_up_after_downtime_sends_one_message_per_situation() -> None:
    start = date(2026, 3, 2)
    record = logged(client_record(), asked(start), invoice(start, due=start))
    back = start + timedelta(days=40)
    _, fired = walk(record, start, back, ladders=GAP, running=lambda d: d >= back)
    assert sorted((f.situation, f.stage) for f in fired) == [(OVERDUE, 1), (QUIET, 1)]


# 2. the gap ------------------------------------------------------------------------------------
def test_step_2_waits_until_the_day_step_1_gave_the_client_has_ended() -> None:
    # Step 1 written and approved Wed 25; it asks for an answer by Wed 2 December (5 working
    # days); the invoice is old enough for step 2 on Thursday 26 already.
    record = logged(client_record(), invoice(date(2026, 10, 1), due=date(2026, 11, 17)))
    record, dues = suggest_and_approve(record, WED_25_NOV)
    assert [d.stage for d in dues] == [1]
    given = client_values(Wording.load(None), record, dues[0].facts, WED_25_NOV)["deadline"]
    assert given == "Wednesday 2 December"
    assert due_nudges(record, THU_26_NOV) == []  # 1 working day later: too soon
    assert due_nudges(record, date(2026, 12, 2)) == []  # the day named: still theirs
    (step2,) = due_nudges(record, date(2026, 12, 3))  # the next day
    assert step2.stage == 2
    assert step2.facts.previous_on == WED_25_NOV and step2.facts.previous_step == 1


def test_without_the_gap_step_2_would_come_the_next_day() -> None:
    """The same history with MIN_GAP_DAYS=0: proves the test above is about the gap."""
    record = logged(client_record(), invoice(date(2026, 10, 1), due=date(2026, 11, 17)))
    record, _ = suggest_and_approve(record, WED_25_NOV, Ladders(min_gap_days=0))
    assert [d.stage for d in due_nudges(record, THU_26_NOV, Ladders(min_gap_days=0))] == [2]


def test_a_step_waiting_for_the_team_holds_the_next_one() -> None:
    record = logged(client_record(), invoice(date(2026, 10, 1), due=date(2026, 10, 2)))
    dues = due_nudges(record, WED_25_NOV)
    record = remember(record, dues, at(WED_25_NOV, 9))  # posted, nobody acted
    assert due_nudges(record, date(2026, 12, 30)) == []


# 3. no consequence without warning ------------------------------------------------------------
def test_the_warning_names_its_date_and_step_3_says_it_happened_since_then() -> None:
    record = logged(client_record(), invoice(date(2026, 9, 1), due=date(2026, 10, 1)))
    record, (one,) = suggest_and_approve(record, date(2026, 11, 2))
    assert due_nudges(record, date(2026, 11, 9)) == []  # step 1's day for an answer
    record, (two,) = suggest_and_approve(record, date(2026, 11, 10))
    warned = two.facts.consequence_on
    assert two.stage == 2 and warned == date(2026, 11, 17)  # 5 working days after the 10th
    assert record.nudges[two.key].consequence_on == warned  # kept with the approved message
    assert due_nudges(record, date(2026, 11, 17)) == []  # never on the morning of that day
    # The day after it: "paused since Tuesday 17" names a day that has ended.
    record, (three,) = suggest_and_approve(record, date(2026, 11, 18))
    assert three.stage == 3
    assert three.facts.consequence_on == warned == three.facts.warned_on
    assert three.facts.previous_step == 2 and three.facts.previous_on == date(2026, 11, 10)
    assert one.facts.warned_on is None and two.facts.paused_since is None


def test_no_step_3_after_a_dismissed_warning_only_the_team_is_reminded() -> None:
    record = logged(client_record(), invoice(date(2026, 9, 1), due=date(2026, 10, 1)))
    record, _ = suggest_and_approve(record, date(2026, 11, 2))
    dues = due_nudges(record, date(2026, 11, 10))
    record = remember(record, dues, at(date(2026, 11, 10), 9))
    key = dues[0].key
    record = replace(
        record,
        nudges={
            **record.nudges,
            key: replace(
                record.nudges[key],
                status=NudgeStatus.DISMISSED,
                decided_at=at(date(2026, 11, 10), 10),
            ),
        },
    )
    later = [
        d for day in range(10, 40) for d in due_nudges(record, date(2026, 11, 1) + timedelta(day))
    ]
    assert later and all(d.facts.is_reminder and d.facts.warned_on is None for d in later)
    assert all(not d.facts.paused_since for d in later)


# 4. a snooze brings back the same step --------------------------------------------------------
def test_a_snoozed_step_comes_back_as_the_same_step() -> None:
    record = logged(client_record(), invoice(date(2026, 9, 1), due=date(2026, 10, 1)))
    record, _ = suggest_and_approve(record, date(2026, 11, 2))
    dues = due_nudges(record, date(2026, 11, 10))
    assert [d.stage for d in dues] == [2]
    record = remember(record, dues, at(date(2026, 11, 10), 9))
    record = replace(
        record,
        nudges={
            **record.nudges,
            dues[0].key: replace(record.nudges[dues[0].key], status=NudgeStatus.SNOOZED),
        },
    )
    until = date(2026, 12, 7)  # long past step 3's day
    record = logged(record, snooze(date(2026, 11, 10), OVERDUE, until))
    assert due_nudges(record, until - timedelta(days=1)) == []
    (back,) = due_nudges(record, until)
    assert (back.stage, back.key, back.late) == (2, dues[0].key, False)


# 5. a broken promise --------------------------------------------------------------------------
def test_a_broken_promise_brings_a_message_at_the_current_step() -> None:
    record = logged(client_record(), invoice(date(2026, 10, 1), due=date(2026, 11, 1)))
    record, _ = suggest_and_approve(record, date(2026, 11, 2))
    friday = date(2026, 12, 4)
    record = logged(record, promised(date(2026, 11, 3), by=friday))
    assert due_nudges(record, friday) == []  # the promise holds until the end of Friday
    (due,) = due_nudges(record, date(2026, 12, 7))
    # Step 2 is past its threshold and the gap, so it is the message: it names the promise.
    assert due.stage == 2 and due.facts.promise_broken_on == friday


def test_a_broken_promise_moves_the_ladder_on_at_once_and_never_stops_it() -> None:
    record = logged(client_record(), invoice(date(2026, 11, 1), due=date(2026, 11, 20)))
    record, _ = suggest_and_approve(record, date(2026, 11, 23))  # step 1, Monday
    record = logged(record, promised(date(2026, 11, 24), by=date(2026, 11, 25)))
    assert due_nudges(record, WED_25_NOV) == []  # their day: still theirs
    # The day they named has passed: that was their deadline, so the next step, saying so.
    (due,) = due_nudges(record, THU_26_NOV)
    assert (due.stage, due.variant) == (2, "promise-2026-11-25")
    assert due.facts.promise_broken_on == WED_25_NOV
    assert due.facts.consequence_on == date(2026, 12, 3)  # the warning names its day
    record, _ = suggest_and_approve(record, THU_26_NOV)
    assert due_nudges(record, date(2026, 11, 27)) == []  # said once
    # The ladder runs on from there: the consequence the working day after the day the
    # warning named (Thu 3 December), never before it.
    assert due_nudges(record, date(2026, 12, 3)) == []
    (three,) = due_nudges(record, date(2026, 12, 4))
    assert three.stage == 3 and three.facts.warned_on == date(2026, 12, 3)


def test_a_broken_promise_message_waiting_for_the_team_is_not_posted_again_as_a_plain_step() -> (
    None
):
    """Found in a console walk: the promise message (step 1) was posted, and the next pass
    posted step 1 again under its plain key, word for word, because the promise was already
    said. A step waiting in its thread holds the step, whatever its variant."""
    record = logged(client_record(), invoice(date(2026, 11, 2), due=date(2026, 11, 20)))
    record = logged(record, promised(date(2026, 11, 21), by=WED_25_NOV))
    (due,) = due_nudges(record, THU_26_NOV)
    assert (due.stage, due.variant) == (1, "promise-2026-11-25")
    record = remember(record, [due], at(THU_26_NOV, 9))
    for later in (THU_26_NOV, date(2026, 11, 27), date(2026, 12, 7)):
        assert due_nudges(record, later) == []
    # Once the team handles it, the ladder goes on from that step, not from step 1 again.
    record = approved(record, [due], at(THU_26_NOV, 10))
    (two,) = due_nudges(record, date(2026, 12, 4))
    assert (two.stage, two.variant) == (2, "")


def test_a_promise_broken_on_a_day_a_message_was_written_is_still_said() -> None:
    # Step 1 is written and approved on Wednesday morning; later that day they promise to pay
    # by the end of the day. That message came before the promise was broken, not after it:
    # on Thursday the promise is broken and the next message says so.
    record = logged(client_record(), invoice(date(2026, 11, 1), due=date(2026, 11, 20)))
    record, dues = suggest_and_approve(record, WED_25_NOV)
    assert [d.stage for d in dues] == [1]
    record = logged(record, promised(WED_25_NOV, by=WED_25_NOV))
    (due,) = due_nudges(record, THU_26_NOV)
    assert (due.stage, due.variant) == (2, "promise-2026-11-25")
    assert isinstance(due.facts, OverdueFacts) and due.facts.promise_broken_on == WED_25_NOV


# 6. after the last step ------------------------------------------------------------------------
def test_after_the_last_step_the_team_is_reminded_every_final_repeat_days() -> None:
    ladders = Ladders(min_gap_days=0, final_repeat_days=10)
    record = logged(client_record(), invoice(date(2026, 9, 1), due=date(2026, 9, 2)))
    record, fired = walk(
        record, date(2026, 9, 1), date(2026, 11, 30), ladders=ladders, reminders=True
    )
    steps = [(f.on, f.stage) for f in fired if not f.facts.is_reminder]
    reminders = [f for f in fired if f.facts.is_reminder]
    assert [s for _, s in steps] == [1, 2, 3]
    assert len(reminders) >= 4
    assert [f.facts.repeat for f in reminders] == list(range(1, len(reminders) + 1))
    assert reminders[0].on == date(2026, 10, 7)  # 10 working days after step 3 (23 Sep)
    paused = [f for f in fired if f.stage == 3 and not f.facts.is_reminder][0].facts.consequence_on
    assert paused is not None
    assert all(f.stage == 3 and f.facts.paused_since == paused for f in reminders)


def test_reminders_stop_once_paid() -> None:
    ladders = Ladders(min_gap_days=0, final_repeat_days=10)
    record = logged(client_record(), invoice(date(2026, 9, 1), due=date(2026, 9, 2)))
    events: dict[date, list[Event]] = {date(2026, 10, 8): [paid(date(2026, 10, 8))]}
    _, fired = walk(
        record, date(2026, 9, 1), date(2026, 12, 31), events, ladders=ladders, reminders=True
    )
    assert max(f.on for f in fired) < date(2026, 10, 8)


# 7. controlling: the agreed rhythm and rounds -------------------------------------------------
def agreed(on: date, rhythm: str = "weekly batch reviews") -> Draft:
    return Draft(Kind.AGREED, on, text=rhythm)


def test_once_a_rhythm_is_agreed_step_1_is_not_proposed_again() -> None:
    start = date(2026, 3, 2)
    record = logged(client_record(), agreed(start))
    assert record.state.agreed == "weekly batch reviews" and record.state.agreed_on == start
    events: dict[date, list[Event]] = {
        start + timedelta(days=i): [revision(start + timedelta(days=i))] for i in range(1, 9)
    }
    _, fired = walk(record, start, date(2026, 4, 30), events)
    assert [f.stage for f in fired if f.situation == CONTROLLING] == [2, 3]
    first = fired[0].facts
    assert isinstance(first, ControllingFacts) and first.agreed == "weekly batch reviews"
    # What the client reads holds them to what they agreed, dated; it never asks them to agree
    # the rhythm again, and rounds count only from the agreement.
    wording = Wording.load(None)
    step2 = client_message(wording, record, first, fired[0].on)
    assert "on Mon 2 March we agreed weekly batch reviews" in step2
    assert "If the agreed rhythm isn't being kept by" in step2
    # Rounds since the agreement, without a window longer than the time since it.
    assert "Since then we've had" in step2 and "rounds of changes in" not in step2
    assert "could we agree" not in step2.lower() and "If we can't agree" not in step2
    step3 = client_message(wording, record, fired[1].facts, fired[1].on)
    assert "the rhythm we agreed on Mon 2 March hasn't been kept" in step3


def test_one_line_with_several_changes_is_one_round() -> None:
    day = date(2026, 3, 2)
    record = logged(
        client_record(),
        *[revision(day) for _ in range(3)],
        Draft(Kind.REVISION, day, text="logo; footer; colours"),
    )
    (due,) = due_nudges(record, day)
    assert due.facts.rounds == 4  # the fourth round, not the sixth item


# 8. only true facts ----------------------------------------------------------------------------
def test_late_payments_are_claimed_only_when_an_earlier_invoice_was_paid_late() -> None:
    on_time = logged(
        client_record(),
        invoice(date(2026, 8, 1), due=date(2026, 9, 1), ref="A"),
        paid(date(2026, 9, 1), "A"),
        invoice(date(2026, 10, 1), due=date(2026, 11, 1), ref="B"),
    )
    (due,) = due_nudges(on_time, date(2026, 11, 2))
    assert due.facts.paid_late_before is False
    assert "paid_late_before" not in dict(due.facts.cited())
    late = logged(
        client_record(),
        invoice(date(2026, 8, 1), due=date(2026, 9, 1), ref="A"),
        paid(date(2026, 9, 9), "A"),
        invoice(date(2026, 10, 1), due=date(2026, 11, 1), ref="B"),
    )
    (due,) = due_nudges(late, date(2026, 11, 2))
    assert due.facts.paid_late_before is True
    assert dict(due.facts.cited())["paid_late_before"] is True


def test_paused_since_only_once_a_pause_message_was_approved() -> None:
    ladders = Ladders(min_gap_days=0, final_repeat_days=10)
    record = logged(client_record(), invoice(date(2026, 9, 1), due=date(2026, 9, 2)))
    # Step 3 posted but never approved: no reminder may say work is paused.
    record, fired = walk(record, date(2026, 9, 1), date(2026, 9, 22), ladders=ladders)
    dues = due_nudges(record, date(2026, 9, 23), ladders)
    assert [d.stage for d in dues] == [3]
    assert dues[0].facts.paused_since is None
    record = remember(record, dues, at(date(2026, 9, 23), 9))
    assert due_nudges(record, date(2026, 12, 1), ladders) == []
    record = approved(record, dues, at(date(2026, 9, 24), 10))
    (reminder,) = due_nudges(record, date(2026, 10, 8), ladders)
    assert reminder.facts.paused_since == dues[0].facts.consequence_on
    assert QUIET not in {f.situation for f in fired}


def test_after_the_last_step_the_teams_options_fit_the_situation() -> None:
    from domain.nudges import TOP_STAGE, Due
    from ui.suggestions import Suggestions

    wording = Wording.load(None)
    suggestions = Suggestions(wording, route=lambda _r: None)  # type: ignore[arg-type,return-value]
    ladders = Ladders(min_gap_days=0, final_repeat_days=10)
    quiet = logged(client_record(), asked(date(2026, 9, 1)))
    owing = logged(client_record(), invoice(date(2026, 9, 1), due=date(2026, 9, 2)))
    texts = {}
    for name, record in (("quiet", quiet), ("overdue", owing)):
        record, fired = walk(
            record, date(2026, 9, 1), date(2026, 11, 30), ladders=ladders, reminders=True
        )
        reminder = next(f for f in fired if f.facts.is_reminder)
        assert reminder.stage == TOP_STAGE
        due = Due(reminder.situation, reminder.subject, reminder.stage, False, reminder.facts)
        texts[name] = suggestions.text(record, due, reminder.on)
    # A request can't go to collections; money can't be rung for an answer.
    assert "ring them" in texts["quiet"] and "collections" not in texts["quiet"]
    assert "collections agency" in texts["overdue"] and "ring them" not in texts["overdue"]


# 7. each request at its own step -----------------------------------------------------------------
def test_a_request_asked_after_step_1_is_only_mentioned_never_warned_about() -> None:
    from domain.facts import QuietFacts

    record = logged(
        client_record(quiet_days=3),
        asked(date(2026, 11, 2), "the brand guidelines"),
        asked(date(2026, 11, 4), "the logo files"),
    )
    # Step 1 on Thu 5 chases the request that has waited its 3 working days; the one asked
    # the day before is only mentioned, never chased as lost.
    record, (one,) = suggest_and_approve(record, date(2026, 11, 5))
    assert one.stage == 1 and record.nudges[one.key].covers == (1,)
    assert [a.what for a in one.facts.fresh] == ["the logo files"]
    record = logged(record, asked(date(2026, 11, 10), "admin access to the site"))
    # Step 2 comes the working day after the day step 1 gave them (Thu 12): Fri 13.
    assert due_nudges(record, date(2026, 11, 12)) == []
    (two,) = due_nudges(record, date(2026, 11, 13))
    assert two.stage == 2 and isinstance(two.facts, QuietFacts)
    assert [a.what for a in two.facts.asks] == ["the brand guidelines"]
    assert [a.what for a in two.facts.fresh] == ["the logo files", "admin access to the site"]
    text = client_message(Wording.load(None), record, two.facts, date(2026, 11, 13))
    body, _, rest = text.partition("Since then we've also asked you about")
    # The warning is about the two it followed up; the new one is mentioned, dated, apart.
    assert "brand guidelines" in body
    assert "admin access" not in body and "logo files" not in body
    assert rest.startswith(" the logo files and admin access to the site (on Wed 4")
    # Step 3 still follows up only what step 2 named.
    record, _ = suggest_and_approve(record, date(2026, 11, 13))
    three = next(d for day in range(16, 31) for d in due_nudges(record, date(2026, 11, day)))
    assert three.stage == 3
    assert [a.what for a in three.facts.fresh] == ["the logo files", "admin access to the site"]


# 9. never silent ---------------------------------------------------------------------------------
# The longest a debt or a request may go without the team hearing of it, in calendar days, when
# nothing holds it (no promise, no snooze, no suggestion waiting in its thread): FINAL_REPEAT_DAYS
# working days (10: two weeks) after the last step; less between steps.
NEVER_SILENT_FOR = 14

decision = st.tuples(
    st.sampled_from(["approve", "dismiss", "snooze"]),
    st.integers(0, 3),  # days it waits in its thread first
    st.sampled_from([1, 3, 7]),  # how long a snooze lasts
)


@settings(max_examples=150)
@given(
    decisions=st.lists(decision, min_size=1, max_size=12),
    promises=st.lists(st.tuples(st.integers(0, 80), st.integers(1, 10)), max_size=3),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    situation=st.sampled_from([OVERDUE, QUIET]),
)
def test_an_open_debt_or_request_is_never_silent_longer_than_the_ladder_allows(
    decisions: list[tuple[str, int, int]],
    promises: list[tuple[int, int]],
    start: date,
    situation: str,
) -> None:
    """Whatever the team does with each suggestion (approve, dismiss or snooze it, at once or
    days later) and whatever the client promises and breaks, an unpaid invoice or an
    unanswered request is never silent for longer than NEVER_SILENT_FOR days while nothing
    holds it."""
    opened = (
        invoice(start - timedelta(days=30), due=start)
        if situation == OVERDUE
        else asked(start, "the signed-off copy")
    )
    record = logged(client_record(), opened)
    if situation == QUIET:
        promises = []  # a promise to pay holds money, not a request
    promised_on = {start + timedelta(days=d): by for d, by in promises}
    queue = list(decisions)
    waiting: dict[str, tuple[date, str, int]] = {}  # key -> (decide on, what, snooze days)
    silent = longest = 0
    for i in range(120):
        today = start + timedelta(days=i)
        if today in promised_on:
            record = logged(record, promised(today, by=today + timedelta(days=promised_on[today])))
        dues = due_nudges(record, today)
        record = remember(record, dues, datetime.combine(today, time(9), UTC))
        for d in dues:
            what, delay, days = queue.pop(0) if queue else ("approve", 0, 1)
            waiting[d.key] = (today + timedelta(days=delay), what, days)
        for key, (on, what, days) in list(waiting.items()):
            if on > today:
                continue
            del waiting[key]
            nudge = record.nudges[key]
            at = datetime.combine(today, time(10), UTC)
            if what == "snooze":
                record = logged(record, snooze(today, situation, today + timedelta(days=days)))
                status = NudgeStatus.SNOOZED
            else:
                status = NudgeStatus.APPROVED if what == "approve" else NudgeStatus.DISMISSED
            nudges = {**record.nudges, key: replace(nudge, status=status, decided_at=at)}
            record = replace(record, nudges=nudges)
        promised_by = record.state.invoices[0].promised_by if record.state.invoices else None
        held = (
            bool(dues)
            or bool(waiting)
            or (promised_by is not None and today <= promised_by)
            or (record.state.snoozed_until.get(situation) or date.min) > today
        )
        silent = 0 if held else silent + 1
        longest = max(longest, silent)
    assert longest <= NEVER_SILENT_FOR


def test_a_part_payment_since_the_last_message_is_thanked_for_and_never_denied() -> None:
    record = logged(client_record(), invoice(date(2026, 10, 1), due=date(2026, 11, 2)))
    record, _ = suggest_and_approve(record, date(2026, 11, 3))  # step 1
    record = logged(record, promised(date(2026, 11, 4), by=date(2026, 11, 6)))
    record, (two,) = suggest_and_approve(record, date(2026, 11, 9))  # promise broken: step 2
    # Half of it comes on Mon 16, the day the warning named.
    half = Money(Decimal("600"), "GBP")
    record = logged(record, Draft(Kind.PAID, date(2026, 11, 16), amount=half, ref="INV-1"))
    (three,) = due_nudges(record, date(2026, 11, 17))
    assert three.stage == 3
    text = client_message(Wording.load(None), record, three.facts, date(2026, 11, 17))
    # Thanks first, for what came; the promise is not said to have come to nothing.
    assert text.startswith(
        "Hi there, thank you for the £600.00 you've paid so far (received by Mon 16 November)."
    )
    assert "the remaining £600.00" in text
    # At a warning, thanks for a payment and "paid already? ignore this" would contradict.
    warning = client_message(
        Wording.load(None), record, replace(three.facts, step=2), date(2026, 11, 17)
    )
    assert "thank you for the £600.00" in warning and "please ignore this" not in warning
    assert "it still hasn't arrived" not in text
    assert "part of it has come, and the rest hasn't yet" in text
    assert "£600.00" in text.split("\n\n", 1)[1]  # what is still owed: the other half
