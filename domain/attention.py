"""What needs the team's attention on a client today, for `status` and `list`. Pure.

Read off the nudge rules themselves (domain/nudges.py), so the overview and the nudges can't
disagree about who is quiet, overdue or controlling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.facts import OverdueFacts, QuietFacts
from domain.insights import Insight
from domain.invoices import balance, owed, promise_holds
from domain.invoices import overdue as overdue_invoices
from domain.models import ClientRecord, ClientType, Invoice, Money, NudgeStatus
from domain.money import totals
from domain.nudges import (
    CONTROLLING,
    DEFAULT_LADDERS,
    OVERDUE,
    QUIET,
    Ladders,
    current,
    is_reminder,
    outdated,
)
from domain.routing import Route, Via, undeliverable


@dataclass(frozen=True)
class Attention:
    quiet_days: int  # business days the oldest open ask has waited, once past the threshold
    overdue: tuple[Invoice, ...]
    days_overdue: int  # of the oldest overdue invoice
    recent_revisions: int  # revision demands within the controlling window
    controlling: bool  # enough of them to count as a pattern
    window_days: int
    # Overdue but held by a promise that hasn't come due yet: not chased, still owed.
    promised: tuple[Invoice, ...] = ()
    # Everything still owed, overdue or not, per currency.
    owed: tuple[Money, ...] = ()

    @property
    def overdue_count(self) -> int:
        return len(self.overdue)

    @property
    def overdue_owed(self) -> tuple[Money, ...]:
        """What is still owed on the overdue invoices being chased, per currency."""
        return totals(balance(i) for i in self.overdue)

    @property
    def promised_owed(self) -> tuple[Money, ...]:
        return totals(balance(i) for i in self.promised)

    @property
    def promised_by(self) -> date | None:
        return max((i.promised_by for i in self.promised if i.promised_by), default=None)

    @property
    def score(self) -> int:
        """Bigger means more urgent; 0 means nothing needs doing."""
        return (
            (1000 + self.days_overdue if self.overdue else 0)
            + (100 + self.quiet_days if self.quiet_days else 0)
            + (10 + self.recent_revisions if self.controlling else 0)
        )


def attention(record: ClientRecord, today: date, ladders: Ladders = DEFAULT_LADDERS) -> Attention:
    now = current(record, today, ladders)
    quiet, overdue, controlling = now.get(QUIET), now.get(OVERDUE), now.get(CONTROLLING)
    quiet_facts = quiet.facts if quiet and isinstance(quiet.facts, QuietFacts) else None
    owing = overdue.facts if overdue and isinstance(overdue.facts, OverdueFacts) else None
    since = today - timedelta(days=ladders.controlling_window_days)
    return Attention(
        quiet_days=quiet_facts.days if quiet_facts else 0,
        overdue=owing.invoices if owing else (),
        days_overdue=owing.days_overdue if owing else 0,
        recent_revisions=sum(1 for d in record.state.revisions if d > since),
        controlling=controlling is not None,
        window_days=ladders.controlling_window_days,
        promised=tuple(
            i
            for i in overdue_invoices(record.state.invoices, today, ladders.grace_days)
            if promise_holds(i, today)
        ),
        owed=totals(owed(record.state.invoices)),
    )


@dataclass(frozen=True)
class Waiting:
    """A suggestion posted and waiting for the team's decision, and where its thread is."""

    situation: str
    stage: int
    since: date
    channel: str = ""
    ts: str = ""
    # A team reminder after the last step: it has nothing to approve, only Snooze and Dismiss.
    reminder: bool = False


@dataclass(frozen=True)
class Standing:
    """One client in the overview (`/client list`, App Home): its attention on one day, in
    plain values so the store can keep it and the overview need not read every record."""

    name: str
    name_key: str
    client_type: ClientType
    archived: bool
    score: int
    overdue_count: int
    days_overdue: int
    quiet_days: int
    recent_revisions: int
    controlling: bool
    window_days: int
    undeliverable: bool = False  # its nudges can't reach anyone: `/client status` says why
    # For App Home and the digest.
    client_id: str = ""
    owner: str = ""
    last_contact_on: date | None = None
    quiet_since: date | None = None  # the oldest ask still unanswered
    waiting: tuple[Waiting, ...] = ()
    insight: Insight | None = None
    # Money, per currency: still owed on the overdue invoices chased, on those held by a
    # promise (until `promised_by`), and on every unpaid invoice.
    overdue_owed: tuple[Money, ...] = ()
    promised_owed: tuple[Money, ...] = ()
    promised_by: date | None = None
    owed: tuple[Money, ...] = ()
    promised_count: int = 0  # overdue invoices held by a promise
    away_until: date | None = None  # on leave today, back that day: its clocks are paused


def standing(
    record: ClientRecord,
    today: date,
    ladders: Ladders = DEFAULT_LADDERS,
    route: Route | None = None,
    insight: Insight | None = None,
) -> Standing:
    """The client's line in the overview; `route` is where its nudges go, if known;
    `insight` what its history says about it (domain/insights.py), if read."""
    a = attention(record, today, ladders)
    c = record.client
    return Standing(
        name=c.name,
        name_key=c.name_key,
        client_type=c.client_type,
        archived=c.archived,
        score=a.score,
        overdue_count=a.overdue_count,
        days_overdue=a.days_overdue,
        quiet_days=a.quiet_days,
        recent_revisions=a.recent_revisions,
        controlling=a.controlling,
        window_days=a.window_days,
        undeliverable=bool(undeliverable(record))
        or (route is not None and route.via is Via.NOWHERE),
        client_id=c.client_id,
        owner=c.owner,
        last_contact_on=record.state.last_contact_on,
        quiet_since=min((a.asked_on for a in record.state.open_asks), default=None),
        waiting=tuple(
            Waiting(n.situation, n.stage, n.created_at.date(), n.channel, n.ts, is_reminder(n))
            for n in sorted(record.nudges.values(), key=lambda n: n.created_at)
            # One the client has made needless (they replied or paid since) waits for nobody:
            # its Approve would refuse it.
            if n.status is NudgeStatus.POSTED and not outdated(record, n, today, ladders)
        ),
        insight=insight,
        overdue_owed=a.overdue_owed,
        promised_owed=a.promised_owed,
        promised_by=a.promised_by,
        owed=a.owed,
        promised_count=len(a.promised),
        away_until=leave.until if (leave := record.state.away_on(today)) else None,
    )
