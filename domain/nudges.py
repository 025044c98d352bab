"""Which nudges are due: pure functions of a client's stored record and `now`.

Three situations climb a ladder of steps (1: gentle and face-saving, 2: firm, 3: walk away
or stop work). A nudge is identified by (situation, subject, step): the subject pins down the
episode (which ask, which invoice, which burst of revision demands), so one episode gets each
step at most once, and a new episode starts again at the step its facts call for.

"Step" is the one name for that number. The stored nudge field (`Nudge.stage`, and `Due.stage`
that becomes it), the overview's `Waiting.stage`, the `stages:` key of the wording files and the
QUIET_STAGES setting keep the older name: documents on disk and deployments' settings use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from domain.calendar import (
    WEEKDAYS_ONLY,
    WorkCalendar,
    add_business_days,
    business_days_between,
)
from domain.facts import ControllingFacts, OverdueFacts, QuietFacts, SituationFacts
from domain.invoices import chased, days_past_due, overdue_clock, paid_late, promise_broken
from domain.ledger import MAX_REVISIONS_KEPT
from domain.models import Answer, Ask, ClientRecord, Invoice, Nudge, NudgeStatus

QUIET, OVERDUE, CONTROLLING = "quiet", "overdue", "controlling"
SITUATIONS = (QUIET, OVERDUE, CONTROLLING)
TOP_STAGE = 3


@dataclass(frozen=True)
class Ladders:
    """When each step is reached. Every number is configurable per deployment."""

    # Quiet: step n once the ask has waited quiet_days * multiplier business days.
    quiet_multipliers: tuple[int, int, int] = (1, 2, 3)
    # Overdue: step n once the oldest unpaid invoice is this many days past due (+ grace).
    overdue_days: tuple[int, int, int] = (1, 7, 21)
    grace_days: int = 0
    # Controlling: step n once this many revision demands fall within the window.
    controlling_counts: tuple[int, int, int] = (4, 6, 8)
    controlling_window_days: int = 14
    # Working days after the last approved client message before the next step is due.
    min_gap_days: int = 5
    # Working days between the team's reminders once the last step has been taken.
    final_repeat_days: int = 10
    # Which days are business days (holidays, closures): the quiet clock counts only those.
    calendar: WorkCalendar = field(default=WEEKDAYS_ONLY)


DEFAULT_LADDERS = Ladders()


@dataclass(frozen=True)
class Hours:
    """When nudges may be posted, in the workspace time zone: the defaults of WORKING_DAYS
    and WORKING_HOURS, written here once."""

    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: time = time(9, 0)
    end: time = time(17, 30)


DEFAULT_HOURS = Hours()


@dataclass(frozen=True)
class Due:
    """A nudge the facts call for now."""

    situation: str
    subject: str
    stage: int
    # Kept for stored nudges: the ladder never skips a step now, so a new one is never late.
    late: bool
    facts: SituationFacts
    # "" for a step of the ladder; "promise-<date>" for the message about a broken promise at
    # the current step; "repeat-<n>" for the nth team reminder after the last step.
    variant: str = ""

    @property
    def key(self) -> str:
        return nudge_key(self.situation, self.subject, self.stage, self.variant)

    def as_nudge(self, now: datetime) -> Nudge:
        """The nudge to record for this, waiting to be posted."""
        return Nudge(
            key=self.key,
            situation=self.situation,
            subject=self.subject,
            stage=self.stage,
            created_at=now,
            late=self.late,
            variant=self.variant,
            consequence_on=self.facts.consequence_on,
            covers=tuple(a.seq for a in getattr(self.facts, "asks", ())),
        )

    @property
    def facts_key(self) -> str:
        """What a suggestion for this is specific to beyond its episode: the invoices it names
        and what is still owed on each (a part payment changes the amount it asks for)."""
        return self.facts.key


# The text of the APPROVED line of the first of two approvals (TWO_PERSON_STOP_WORK).
HALF_APPROVAL = "first of two approvals"


def label(nudge: Nudge) -> str:
    """How the history names a message: neutral, by situation and step, never by what the
    first suggestion said (an edited, gentler message is never filed as a "stop-work notice")."""
    return f"message to client, {nudge.situation} step {nudge.stage}"


def nudge_key(situation: str, subject: str, stage: int, variant: str = "") -> str:
    return f"{situation}:{subject}:{stage}" + (f":{variant}" if variant else "")


def _step_reached(value: int, thresholds: tuple[int, ...]) -> int:
    return sum(1 for t in thresholds if value >= t)


@dataclass(frozen=True)
class _Reached:
    """How far a situation's facts reach on their own (its age, its count), before the ladder's
    own rules (never skip, the gap, warnings) say which step comes next."""

    situation: str
    subject: str
    step: int
    facts: SituationFacts


def _reached(record: ClientRecord, today: date, ladders: Ladders) -> list[_Reached]:
    found = (
        _quiet(record, today, ladders),
        _overdue(record, today, ladders),
        _controlling(record, today, ladders),
    )
    return [r for r in found if r is not None]


@dataclass(frozen=True)
class _Said:
    """What the team already did in one episode."""

    nudges: tuple[Nudge, ...]
    # The highest step approved or dismissed (a dismissed step was handled: the team chose not
    # to send it), 1 once a controlling client agreed a rhythm.
    handled: int
    last_approved: Nudge | None
    warned_on: date | None
    paused_since: date | None
    warned: bool  # a step-2 message was approved

    @property
    def at_end(self) -> bool:
        """No further client step may be offered: the last one was handled, or the next would be
        the consequence and it was never announced (its warning was dismissed, not sent)."""
        return self.handled >= TOP_STAGE or (self.handled == TOP_STAGE - 1 and not self.warned)


def _said(record: ClientRecord, situation: str, subject: str) -> _Said:
    mine = tuple(
        n for n in record.nudges.values() if n.situation == situation and n.subject == subject
    )
    # Every message to the client is a step, the one about a broken promise too; the team's
    # reminders after the last step are not.
    steps = [n for n in mine if not is_reminder(n)]
    approved = sorted(
        (n for n in steps if n.status is NudgeStatus.APPROVED),
        key=lambda n: n.decided_at or n.created_at,
    )
    handled = max(
        (n.stage for n in steps if n.status in (NudgeStatus.APPROVED, NudgeStatus.DISMISSED)),
        default=0,
    )
    if situation == CONTROLLING and record.state.agreed:
        handled = max(handled, 1)  # the rhythm is agreed: proposing it was done
    warnings = [n for n in approved if n.stage == 2]
    pauses = [n for n in approved if n.stage == TOP_STAGE]
    warned_on = max((_named(n) for n in warnings), default=None)
    paused = max((_named(n) for n in pauses), default=None)
    return _Said(
        mine, handled, approved[-1] if approved else None, warned_on, paused, bool(warnings)
    )


_REPEAT_VARIANT = "repeat"  # prefix of a team reminder's variant


def is_reminder(nudge: Nudge) -> bool:
    """A team-only reminder after the last step: nothing in it goes to the client."""
    return nudge.variant.startswith(_REPEAT_VARIANT)


def _named(nudge: Nudge) -> date:
    """The consequence date a message named; for one stored before messages named it, the day
    it was approved."""
    if nudge.consequence_on is not None:
        return nudge.consequence_on
    return (nudge.decided_at or nudge.created_at).date()


def _on_ladder(
    record: ClientRecord, found: _Reached, today: date, ladders: Ladders
) -> tuple[int, _Said]:
    """The step the episode is on today: one past the last handled, never past what its facts
    reach (the ladder never skips a step, whatever the age)."""
    said = _said(record, found.situation, found.subject)
    if said.at_end:
        return min(said.handled, TOP_STAGE), said
    return min(found.step, said.handled + 1), said


def _with_ladder(
    record: ClientRecord,
    facts: SituationFacts,
    step: int,
    said: _Said,
    ladders: Ladders,
    today: date,
    repeat: int = 0,
) -> SituationFacts:
    last = said.last_approved
    if isinstance(facts, QuietFacts):
        facts = _split_fresh(facts, last, step, ladders, today, record)
    consequence: date | None
    if step == 2:
        # The warning names the day the consequence takes effect: the earliest day the next
        # step can come (the gap), so the date is never in the past when it is read.
        consequence = add_business_days(today, ladders.min_gap_days, ladders.calendar)
    elif step == TOP_STAGE:
        consequence = said.warned_on
    else:
        consequence = None
    return replace(
        facts,
        step=step,
        previous_on=(last.decided_at or last.created_at).date() if last else None,
        previous_step=last.stage if last else 0,
        warned_on=said.warned_on,
        paused_since=said.paused_since,
        consequence_on=None if repeat else consequence,
        repeat=repeat,
    )


def _split_fresh(
    facts: QuietFacts,
    last: Nudge | None,
    step: int,
    ladders: Ladders,
    today: date,
    record: ClientRecord,
) -> QuietFacts:
    """Each request at its own step. A step after the first is about the requests the last
    approved message named; the first, about those that have waited their quiet days. Any
    other is at its own first step, so it is only mentioned ("since then we've also asked"),
    never chased as lost the day after it was asked, nor folded into a warning it was never
    given."""
    if step >= 2 and last is not None and last.covers:
        named = tuple(a for a in facts.asks if a.seq in last.covers)
    elif step >= 2 and last is not None:  # recorded before messages kept what they named
        named = tuple(a for a in facts.asks if a.asked_on <= last.created_at.date())
    else:
        quiet_days = record.client.quiet_days
        named = tuple(a for a in facts.asks if days_waited(record, a, today, ladders) >= quiet_days)
    if not named:
        return facts
    fresh = tuple(a for a in facts.asks if a not in named)
    # Thanked once: not again after a message that came since their partial reply.
    thanks = facts.thanks
    if thanks and last is not None and last.created_at.date() >= thanks[0].answered_on:
        thanks = ()
    return replace(facts, asks=named, fresh=fresh, thanks=thanks)


def reached(
    record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> dict[str, int]:
    """How far each situation's facts reach on their own (its age, its count), before the
    ladder's rules say which step comes next: the thresholds, for the calendar and its tests."""
    return {r.situation: r.step for r in _reached(record, today, ladders)}


def current(
    record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> dict[str, Due]:
    """The step each situation is on today (the next step the ladder allows), whatever has been
    nudged already and however long ago."""
    out = {}
    for found in _reached(record, today, ladders):
        if found.step < 1:
            # Overdue while its clock is paused (their leave): still overdue, no step yet.
            out[found.situation] = Due(found.situation, found.subject, 0, False, found.facts)
            continue
        step, said = _on_ladder(record, found, today, ladders)
        facts = _with_ladder(record, found.facts, step, said, ladders, today)
        out[found.situation] = Due(found.situation, found.subject, step, False, facts)
    return out


def as_recorded(
    record: ClientRecord, nudge: Nudge, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> Due | None:
    """The facts for a recorded nudge at its own step and variant, as they stand today: what its
    suggestion is written from. None once its episode is over (the client replied or paid)."""
    for found in _reached(record, today, ladders):
        if (found.situation, found.subject) != (nudge.situation, nudge.subject):
            continue
        said = _said(record, nudge.situation, nudge.subject)
        repeat = 0
        if nudge.variant.startswith(_REPEAT_VARIANT):
            repeat = int(nudge.variant.rpartition("-")[2] or 1)
        facts = _with_ladder(record, found.facts, nudge.stage, said, ladders, today, repeat)
        if nudge.consequence_on is not None:
            # The date named is the one worked out when it was recorded, not a later one.
            facts = replace(facts, consequence_on=nudge.consequence_on)
        return Due(nudge.situation, nudge.subject, nudge.stage, nudge.late, facts, nudge.variant)
    return None


def snoozed(record: ClientRecord, situation: str, today: date) -> bool:
    until = record.state.snoozed_until.get(situation)
    return until is not None and today < until


def _offered(said: _Said, key: str) -> bool:
    """Already recorded, and not snoozed (a snoozed step comes back once the snooze is over)."""
    return any(n.key == key and n.status is not NudgeStatus.SNOOZED for n in said.nudges)


def _waiting(said: _Said, step: int) -> bool:
    """A message at `step` is already waiting for the team (in its thread, or about to be
    posted), whatever its variant: the step is offered once, never a second time beside it."""
    return any(
        n.stage == step
        and not is_reminder(n)
        and n.status in (NudgeStatus.PENDING, NudgeStatus.POSTED)
        for n in said.nudges
    )


def due_nudges(record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS) -> list[Due]:
    """Every nudge the client's facts call for today, at most one per situation.

    Archived clients and snoozed situations get none. The rules (README, "Escalation"):
    - the first message of an episode is step 1 whatever its age, and each step comes only
      after the one before it was handled (approved or dismissed), so catching up after
      downtime sends one message, at the right step;
    - a new step comes only once the day the last approved message gave the client to answer
      (MIN_GAP_DAYS working days after it) has ended;
    - the consequence (step 3) comes only after an approved warning (step 2), and for money or an
      unanswered request, as soon as the day the warning named is over;
    - a snoozed step comes back as the same step;
    - a broken promise brings the next step at once, saying so (never the consequence
      without its warning);
    - after the last step the team is reminded every FINAL_REPEAT_DAYS working days.
    """
    if record.client.archived:
        return []
    out = []
    for found in _reached(record, today, ladders):
        if found.step < 1 or snoozed(record, found.situation, today):
            continue
        due = _next(record, found, today, ladders)
        if due is not None:
            out.append(due)
    return out


def answer_by(approved_on: date, ladders: Ladders) -> date:
    """The last day a client message approved on `approved_on` leaves the client to answer:
    MIN_GAP_DAYS working days on. Its deadline (`by Thursday 11 February`) is worked out the
    same way from the day it was written, which is never later, so it is never after this."""
    return add_business_days(approved_on, ladders.min_gap_days, ladders.calendar)


def _next(record: ClientRecord, found: _Reached, today: date, ladders: Ladders) -> Due | None:
    said = _said(record, found.situation, found.subject)
    last = said.last_approved
    # The next step waits for the first working day after the day the last message gave the
    # client: never on the morning of the deadline it named.
    gap_kept = last is None or today >= add_business_days(
        answer_by((last.decided_at or last.created_at).date(), ladders), 1, ladders.calendar
    )

    def due(step: int, variant: str = "", repeat: int = 0) -> Due | None:
        facts = _with_ladder(record, found.facts, step, said, ladders, today, repeat)
        made = Due(found.situation, found.subject, step, False, facts, variant)
        if _offered(said, made.key) or (not repeat and _waiting(said, step)):
            return None
        return made

    promise = getattr(found.facts, "promise_broken_on", None)
    if promise is not None and not any(n.created_at.date() > promise for n in said.nudges):
        # The client named a day and let it pass: that was their deadline, so the ladder moves
        # on a step at once (never two: no consequence without its warning) and says so.
        variant = f"promise-{promise.isoformat()}"
        if said.at_end:
            return due(min(max(said.handled, 1), TOP_STAGE), variant)
        if said.handled + 1 < TOP_STAGE or gap_kept:
            return due(said.handled + 1, variant)
        # The consequence keeps the day its warning named, promise or not: until then the
        # broken promise is said at the warning's step.
        return due(said.handled, variant)
    if not said.at_end:
        step = min(found.step, said.handled + 1)
        if (
            said.warned
            and said.handled == TOP_STAGE - 1
            and found.situation != CONTROLLING
            and ladders.min_gap_days > 0
        ):
            # The warning named its day and the money or the answer still hasn't come: the
            # consequence follows once that day is over, not at some later age. (A controlling
            # client who stops the rounds drops below the thresholds instead: no evidence, no
            # consequence. With MIN_GAP_DAYS=0 a warning names no day of its own: its
            # threshold decides.)
            step = TOP_STAGE
        if step > said.handled and gap_kept and (made := due(step)) is not None:
            return made
    if said.at_end:
        return _reminder(said, today, ladders, due)
    return None


def _reminder(said: _Said, today: date, ladders: Ladders, due) -> Due | None:
    """The team's reminder after the last step, every FINAL_REPEAT_DAYS working days while the
    situation lasts: the episode never goes silent."""
    reminders = [
        n
        for n in said.nudges
        if n.variant.startswith(_REPEAT_VARIANT) and n.status is not NudgeStatus.SNOOZED
    ]
    ends = [
        n.decided_at
        for n in said.nudges
        if not is_reminder(n) and n.stage == said.handled and n.decided_at is not None
    ]
    since = [n.created_at for n in reminders] + ends
    if not since:
        return None
    if (
        business_days_between(max(since).date(), today, ladders.calendar)
        < ladders.final_repeat_days
    ):
        return None
    n = len(reminders) + 1
    return due(min(said.handled, TOP_STAGE), f"{_REPEAT_VARIANT}-{n}", n)


def days_waited(record: ClientRecord, ask: Ask, today: date, ladders: Ladders) -> int:
    """Working days an open request has waited for the client: on the agency's calendar, less
    the client's leave. The quiet rule, status and every count shown ask this, so none differ."""
    return business_days_between(ask.asked_on, today, ladders.calendar, record.state.away)


def _quiet(record: ClientRecord, today: date, ladders: Ladders) -> _Reached | None:
    if not record.state.open_asks:
        return None
    asks = tuple(sorted(record.state.open_asks, key=lambda a: (a.asked_on, a.seq)))
    ask: Ask = asks[0]
    waited = days_waited(record, ask, today, ladders)
    subject, clock = f"ask-{ask.seq}", waited
    partly = record.state.partly_heard_on
    thanks: tuple[Answer, ...] = ()
    if partly is not None and partly >= ask.asked_on:
        # They answered part of what we asked that day: they are in touch, so the clock of
        # what is still open runs again from then. The episode and its step go on (what was
        # said stays said, the day a message gave them stays theirs); its next message thanks
        # them for what came.
        clock = business_days_between(partly, today, ladders.calendar, record.state.away)
        thanks = tuple(a for a in record.state.answers if a.answered_on == partly)
    # A request an approved message already named goes on in that message's episode, even once
    # the older one it was chased with is answered: it keeps its step.
    named_in = [
        n
        for n in record.nudges.values()
        if n.situation == QUIET and ask.seq in n.covers and n.status is NudgeStatus.APPROVED
    ]
    if named_in:
        subject = max(named_in, key=lambda n: n.created_at).subject
    thresholds = tuple(record.client.quiet_days * m for m in ladders.quiet_multipliers)
    step = _step_reached(clock, thresholds)
    if not step:
        return None
    # `days` stays each request's true age: nothing claims a shorter wait than there was.
    facts = QuietFacts(asks=asks, asked_on=ask.asked_on, days=waited, thanks=thanks)
    return _Reached(QUIET, subject, step, facts)


def _overdue(record: ClientRecord, today: date, ladders: Ladders) -> _Reached | None:
    # A promise holds only the invoices it was made for; the others are chased as usual.
    overdue = chased(record.state.invoices, today, ladders.grace_days)
    if not overdue:
        return None
    oldest = overdue[0]
    # The steps count from the end of the grace period, without the days the client was away;
    # what the team and the client are told is the invoice's true age (as `/client status`
    # shows it).
    days = days_past_due(oldest, today)
    step = _step_reached(
        overdue_clock(oldest, today, ladders.grace_days, record.state.away), ladders.overdue_days
    )
    broken = [i.promised_by for i in overdue if i.promised_by and promise_broken(i, today)]
    facts = OverdueFacts(
        invoices=tuple(overdue),
        days_overdue=days,
        promise_broken_on=max(broken) if broken else None,
        paid_late_before=paid_late_before(record.state.invoices),
    )
    # A broken promise is said at the step the episode is on: never a jump of a step.
    return _Reached(OVERDUE, f"inv-{oldest.ref}", step, facts)


def paid_late_before(invoices: Iterable[Invoice]) -> bool:
    """True only if the record shows an invoice of theirs paid after its due date."""
    return any(paid_late(i) for i in invoices)


def rounds(record: ClientRecord, today: date, ladders: Ladders) -> int:
    """Rounds of changes in the window: one logged line is one round however many items it
    lists; once a rhythm is agreed, only rounds after the agreement count."""
    window_start = today - timedelta(days=ladders.controlling_window_days)
    after = record.state.agreed_on
    return sum(
        1 for d in record.state.revisions if d > window_start and (after is None or d > after)
    )


def is_controlling(record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS) -> bool:
    """Enough rounds of changes inside the window (CONTROLLING_REVISIONS, CONTROLLING_WINDOW_DAYS)
    for the first controlling step: the rule, status, list and the walk-away report ask this."""
    return _step_reached(rounds(record, today, ladders), ladders.controlling_counts) > 0


def _controlling(record: ClientRecord, today: date, ladders: Ladders) -> _Reached | None:
    if not is_controlling(record, today, ladders):
        return None
    count = rounds(record, today, ladders)
    step = _step_reached(count, ladders.controlling_counts)
    revisions = sorted(record.state.revisions)
    facts = ControllingFacts(
        rounds=count,
        window_days=ladders.controlling_window_days,
        agreed=record.state.agreed,
        agreed_on=record.state.agreed_on,
    )
    start = _episode_start(record, revisions, ladders)
    return _Reached(CONTROLLING, f"since-{start.isoformat()}", step, facts)


def _episode_start(record: ClientRecord, revisions: list[date], ladders: Ladders) -> date:
    """The first revision of the current run of demands (no gap longer than the window).

    It stays the same while the run goes on, so the episode keeps one identity as days pass.
    The summary keeps only the last MAX_REVISIONS_KEPT dates: when the run reaches back to the
    oldest one kept, it may have begun earlier, and its start would otherwise move every time
    the oldest date drops out (a "new" episode, and a repeated nudge, with each new demand). Then
    the episode already being nudged, if it began no later, is taken to be this run.
    """
    start = revisions[-1]
    for earlier in reversed(revisions[:-1]):
        if (start - earlier).days > ladders.controlling_window_days:
            return start
        start = earlier
    if len(revisions) < MAX_REVISIONS_KEPT:
        return start  # the whole history of demands is here: the run starts with it
    known = [
        since
        for n in record.nudges.values()
        if n.situation == CONTROLLING and (since := _since(n.subject)) is not None
    ]
    return max((d for d in known if d <= start), default=start)


def _since(subject: str) -> date | None:
    try:
        return date.fromisoformat(subject.removeprefix("since-"))
    except ValueError:
        return None


# How far ahead `next_check` looks. Beyond it a client is simply looked at again then, so the
# answer stays safe whatever the thresholds are.
CHECK_HORIZON_DAYS = 31


def next_check(
    record: ClientRecord,
    today: date,
    ladders: Ladders = DEFAULT_LADDERS,
    by: date | None = None,
) -> date:
    """The first day, from `today`, on which the pass must look at this client again, if nothing
    is logged in between: the first day a nudge is due, today if one is waiting to be posted,
    and never later than CHECK_HORIZON_DAYS ahead.

    It is found by asking `due_nudges` day by day rather than by a second copy of the rules, so
    it can't disagree with them: a pass that skips a client until then misses nothing.

    `by`: only days before it matter to the caller (it takes the earlier of this and `by`),
    so the search stops there and answers `by`.
    """
    if any(n.status is NudgeStatus.PENDING or n.undelivered for n in record.nudges.values()):
        return today
    horizon = today + timedelta(days=CHECK_HORIZON_DAYS)
    last = horizon if by is None else max(today, min(by, horizon))
    day = today
    while day < last:
        if due_nudges(record, day, ladders):
            return day
        day += timedelta(days=1)
    return last


# Nudges of episodes that are over (the ask answered, the invoice paid) stay in the client's
# summary this long, then live on only in the history, so the summary doesn't grow for ever.
KEEP_FINISHED_DAYS = 30


def prune(
    record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> dict[str, Nudge]:
    """The nudges worth keeping in the summary: waiting ones, those of a running episode (they
    stop its steps repeating), and recent ones (their buttons may still be pressed)."""
    live = {d.situation: d.subject for d in current(record, today, ladders).values()}

    def keep(n: Nudge) -> bool:
        return (
            n.status is NudgeStatus.PENDING
            or n.undelivered
            or live.get(n.situation) == n.subject
            or (today - n.created_at.date()).days <= KEEP_FINISHED_DAYS
        )

    return {k: n for k, n in record.nudges.items() if keep(n)}


def _comparable(facts_key: str, stored: str) -> str:
    """`facts_key` as a nudge stored before part payments wrote it (refs only, no balances),
    so upgrading doesn't make every posted suggestion look out of date."""
    if "=" in stored or "=" not in facts_key:
        return facts_key
    return ",".join(part.split("=")[0] for part in facts_key.split(","))


def outdated(
    record: ClientRecord, nudge: Nudge, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> bool:
    """True if a posted suggestion no longer fits (`why_outdated` says how)."""
    return bool(why_outdated(record, nudge, today, ladders))


# How a posted suggestion stopped fitting, for the words that tell the team (service/decisions).
OVER, OTHER_SUBJECT, CHANGED, OVERTAKEN = "over", "other_subject", "changed", "overtaken"


def why_outdated(
    record: ClientRecord, nudge: Nudge, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> str:
    """ "" if a posted suggestion still fits; else how it stopped: its episode is over (the
    client replied or paid), the episode is now about something else (another request is the
    oldest, other invoices are overdue), what it names has changed (an invoice of several was
    paid), or a later step of the same episode has been posted since."""
    due = current(record, today, ladders).get(nudge.situation)
    if due is None:
        return OVER
    if due.subject != nudge.subject:
        return OTHER_SUBJECT
    if nudge.facts_key and _comparable(due.facts_key, nudge.facts_key) != nudge.facts_key:
        return CHANGED
    overtaken = any(
        other.situation == nudge.situation
        and other.subject == nudge.subject
        and other.stage > nudge.stage
        and other.status is not NudgeStatus.STALE
        for other in record.nudges.values()
    )
    return OVERTAKEN if overtaken else ""
