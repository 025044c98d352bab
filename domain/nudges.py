"""Which nudges are due: pure functions of a client's stored record and `now`.

Three situations climb a ladder of stages (1: gentle and face-saving, 2: firm, 3: walk away
or stop work). A nudge is identified by (situation, subject, stage): the subject pins down the
episode (which ask, which invoice, which burst of revision demands), so one episode gets each
stage at most once, and a new episode starts again at the stage its facts call for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from domain.calendar import WEEKDAYS_ONLY, WorkCalendar, business_days_between
from domain.invoices import balance, chased, days_past_due, overdue_clock, promise_broken
from domain.ledger import MAX_REVISIONS_KEPT
from domain.models import Ask, ClientRecord, Nudge, NudgeStatus

QUIET, OVERDUE, CONTROLLING = "quiet", "overdue", "controlling"
# Nudge.delivery values of an approved message still to be posted in a shared channel.
UNDELIVERED = ("pending", "posting")
SITUATIONS = (QUIET, OVERDUE, CONTROLLING)
TOP_STAGE = 3


@dataclass(frozen=True)
class Ladders:
    """When each stage is reached. Every number is configurable per deployment."""

    # Quiet: stage n once the ask has waited quiet_days * multiplier business days.
    quiet_multipliers: tuple[int, int, int] = (1, 2, 3)
    # Overdue: stage n once the oldest unpaid invoice is this many days past due (+ grace).
    overdue_days: tuple[int, int, int] = (1, 7, 21)
    grace_days: int = 0
    # Controlling: stage n once this many revision demands fall within the window.
    controlling_counts: tuple[int, int, int] = (4, 6, 8)
    controlling_window_days: int = 14
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
    late: bool  # earlier stages of this episode were never nudged (e.g. after downtime)
    facts: dict[str, object]

    @property
    def key(self) -> str:
        return nudge_key(self.situation, self.subject, self.stage)

    def as_nudge(self, now: datetime) -> Nudge:
        """The nudge to record for this, waiting to be posted."""
        return Nudge(
            key=self.key,
            situation=self.situation,
            subject=self.subject,
            stage=self.stage,
            created_at=now,
            late=self.late,
        )

    @property
    def facts_key(self) -> str:
        """What a suggestion for this is specific to beyond its episode: the invoices it names
        and what is still owed on each (a part payment changes the amount it asks for)."""
        invoices = self.facts.get("invoices") or ()
        return ",".join(
            sorted(f"{i.ref}={balance(i).amount}" for i in invoices)  # type: ignore[attr-defined]
        )


def nudge_key(situation: str, subject: str, stage: int) -> str:
    return f"{situation}:{subject}:{stage}"


def _stage(value: int, thresholds: tuple[int, ...]) -> int:
    return sum(1 for t in thresholds if value >= t)


def current(
    record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> dict[str, Due]:
    """The stage each situation has reached today, whatever has been nudged already."""
    found = (
        _quiet(record, today, ladders),
        _overdue(record, today, ladders),
        _controlling(record, today, ladders),
    )
    return {d.situation: d for d in found if d is not None}


def snoozed(record: ClientRecord, situation: str, today: date) -> bool:
    until = record.state.snoozed_until.get(situation)
    return until is not None and today < until


def due_nudges(record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS) -> list[Due]:
    """Every nudge the client's facts call for today, at most one per situation.

    Archived clients and snoozed situations get none. Stages already nudged (or dismissed,
    or superseded by a higher stage) for the same episode are not returned again.
    """
    if record.client.archived:
        return []
    out = []
    for due in current(record, today, ladders).values():
        # Past due but short of OVERDUE_DAYS' first step: overdue, with nothing to nudge yet.
        if due.stage < 1 or snoozed(record, due.situation, today):
            continue
        # A snoozed stage comes back once the snooze is over; every other stage is done.
        done = [
            n.stage
            for n in record.nudges.values()
            if n.situation == due.situation
            and n.subject == due.subject
            and n.status is not NudgeStatus.SNOOZED
        ]
        if done and max(done) >= due.stage:
            continue
        late = due.stage > 1 and (due.stage - 1) not in done
        out.append(Due(due.situation, due.subject, due.stage, late, due.facts))
    return out


def _quiet(record: ClientRecord, today: date, ladders: Ladders) -> Due | None:
    if not record.state.open_asks:
        return None
    ask: Ask = min(record.state.open_asks, key=lambda a: (a.asked_on, a.seq))
    waited = business_days_between(ask.asked_on, today, ladders.calendar, record.state.away)
    thresholds = tuple(record.client.quiet_days * m for m in ladders.quiet_multipliers)
    stage = _stage(waited, thresholds)
    if not stage:
        return None
    facts = {
        "asked_what": ask.what,
        "asked_on": ask.asked_on,
        "days": waited,
        "open_asks": len(record.state.open_asks),
        "asks": tuple(sorted(record.state.open_asks, key=lambda a: (a.asked_on, a.seq))),
    }
    return Due(QUIET, f"ask-{ask.seq}", stage, False, facts)


def _overdue(record: ClientRecord, today: date, ladders: Ladders) -> Due | None:
    # A promise holds only the invoices it was made for; the others are chased as usual.
    overdue = chased(record.state.invoices, today, ladders.grace_days)
    if not overdue:
        return None
    oldest = overdue[0]
    # The stages count from the end of the grace period, without the days the client was away;
    # what the team and the client are told is the invoice's true age (as `/client status`
    # shows it).
    days = days_past_due(oldest, today)
    stage = _stage(
        overdue_clock(oldest, today, ladders.grace_days, record.state.away), ladders.overdue_days
    )
    broken = [i.promised_by for i in overdue if promise_broken(i, today)]
    if broken:
        stage = min(TOP_STAGE, stage + 1)  # a broken promise moves things a step firmer
    facts = {
        "invoices": tuple(overdue),
        "days_overdue": days,
        "promised_by": max(broken) if broken else None,
    }
    return Due(OVERDUE, f"inv-{oldest.ref}", stage, False, facts)


def _controlling(record: ClientRecord, today: date, ladders: Ladders) -> Due | None:
    revisions = sorted(record.state.revisions)
    if not revisions:
        return None
    window_start = today - timedelta(days=ladders.controlling_window_days)
    count = sum(1 for d in revisions if d > window_start)
    stage = _stage(count, ladders.controlling_counts)
    if not stage:
        return None
    facts = {"revisions": count, "window_days": ladders.controlling_window_days}
    start = _episode_start(record, revisions, ladders)
    return Due(CONTROLLING, f"since-{start.isoformat()}", stage, False, facts)


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


def next_check(record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS) -> date:
    """The first day, from `today`, on which the pass must look at this client again, if nothing
    is logged in between: the first day a nudge is due, today if one is waiting to be posted,
    and never later than CHECK_HORIZON_DAYS ahead.

    It is found by asking `due_nudges` day by day rather than by a second copy of the rules, so
    it can't disagree with them: a pass that skips a client until then misses nothing.
    """
    if any(
        n.status is NudgeStatus.PENDING or n.delivery in UNDELIVERED for n in record.nudges.values()
    ):
        return today
    for ahead in range(CHECK_HORIZON_DAYS):
        day = today + timedelta(days=ahead)
        if due_nudges(record, day, ladders):
            return day
    return today + timedelta(days=CHECK_HORIZON_DAYS)


# Nudges of episodes that are over (the ask answered, the invoice paid) stay in the client's
# summary this long, then live on only in the history, so the summary doesn't grow for ever.
KEEP_FINISHED_DAYS = 30


def prune(
    record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS
) -> dict[str, Nudge]:
    """The nudges worth keeping in the summary: waiting ones, those of a running episode (they
    stop its stages repeating), and recent ones (their buttons may still be pressed)."""
    live = {d.situation: d.subject for d in current(record, today, ladders).values()}

    def keep(n: Nudge) -> bool:
        return (
            n.status is NudgeStatus.PENDING
            or n.delivery in UNDELIVERED
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
    """True if a posted suggestion no longer fits: the client replied or paid (its episode is
    over), what it names has changed (an invoice of several was paid), or a later stage of the
    same episode has been posted since."""
    due = current(record, today, ladders).get(nudge.situation)
    if due is None or due.subject != nudge.subject:
        return True
    if nudge.facts_key and _comparable(due.facts_key, nudge.facts_key) != nudge.facts_key:
        return True
    return any(
        other.situation == nudge.situation
        and other.subject == nudge.subject
        and other.stage > nudge.stage
        and other.status is not NudgeStatus.STALE
        for other in record.nudges.values()
    )
