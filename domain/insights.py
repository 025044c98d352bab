"""Which kind of difficult is this client? Read from the record alone. Pure.

Three habits, each a number the team can check against the history:
- how long the client takes to answer what we ask (median business days, ask to reply);
- how late they pay (median days past due over paid invoices, and its trend in due-date
  order: a growing lateness is the "I'll pay you eventually" drift);
- how often they demand revisions (per 30 days, over the recent past).

When one of them passes its threshold and the client isn't marked with that type yet, the
insight suggests it, with the numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from domain.calendar import WEEKDAYS_ONLY, WorkCalendar, business_days_between
from domain.invoices import lateness
from domain.models import Away, ClientRecord, ClientType, Interaction, Kind

# What counts as the client answering an ask: the same kinds that stop the quiet clock.
_ANSWERS = frozenset({Kind.HEARD, Kind.REVISION, Kind.PAID, Kind.PROMISED})
# Revisions are counted over this many days before today, then scaled to 30.
REVISION_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Thresholds:
    """When a habit is strong enough to suggest a type (INSIGHT_* settings)."""

    reply_days: int = 3  # median business days to answer our asks
    late_days: int = 7  # median days an invoice is paid past due
    drift_days: int = 3  # days later per invoice, in due-date order
    revisions_per_month: int = 6
    min_evidence: int = 3  # answered asks / paid invoices / revisions before anything is said


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Insight:
    """The numbers, and the type they point at (None when they point nowhere new)."""

    reply_days: float | None = None  # median business days to reply; None without evidence
    replies: int = 0
    late_days: float | None = None  # median days paid past due
    late_trend: float | None = None  # days later per invoice, in due-date order
    paid: int = 0
    revisions_per_month: float | None = None
    revisions: int = 0
    suggested: ClientType | None = None
    because: str = ""


def reply_delays(
    history: Iterable[Interaction],
    calendar: WorkCalendar = WEEKDAYS_ONLY,
    away: Iterable[Away] = (),
) -> list[int]:
    """Business days from each ask to the client's first answer on or after it, counted as the
    quiet rule counts them (holidays, closures and the client's leave don't count); unanswered
    asks are left out (the quiet rule covers those)."""
    away = tuple(away)
    waiting: list[date] = []
    delays: list[int] = []
    for event in sorted(history, key=lambda e: (e.occurred_on, e.seq)):
        if event.kind is Kind.ASKED:
            waiting.append(event.occurred_on)
        elif event.kind in _ANSWERS and waiting:
            delays += [
                business_days_between(asked, event.occurred_on, calendar, away) for asked in waiting
            ]
            waiting = []
    return delays


def trend(values: list[int]) -> float | None:
    """The least-squares slope of `values` against their position: how much later each one
    is than the one before, on average. None with fewer than two."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread


def revision_rate(revisions: Iterable[date], today: date) -> tuple[float, int]:
    """Revision demands per 30 days over the last REVISION_WINDOW_DAYS, and how many."""
    since = today - timedelta(days=REVISION_WINDOW_DAYS)
    count = sum(1 for d in revisions if since < d <= today)
    return count * 30 / REVISION_WINDOW_DAYS, count


def _round(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def insight(
    record: ClientRecord,
    history: Iterable[Interaction],
    today: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    calendar: WorkCalendar = WEEKDAYS_ONLY,
) -> Insight:
    """The client's habits from its record (`history`: its interactions, any order) and the
    type they suggest, if the client hasn't got it already.

    Late payment is checked first (money lost is the costliest), then slow replies, then
    revision demands."""
    delays = reply_delays(history, calendar, record.state.away)
    late = lateness(record.state.invoices)
    rate, revisions = revision_rate(record.state.revisions, today)
    t = thresholds
    reply_days = _round(median(delays)) if delays else None
    late_days = _round(median(late)) if late else None
    drift = trend(late)
    late_trend = _round(drift) if drift is not None else None
    per_month = _round(rate) if revisions else None
    candidates: list[tuple[ClientType, str]] = []
    if len(late) >= t.min_evidence and (
        (late_days or 0) >= t.late_days or (late_trend or 0) >= t.drift_days
    ):
        candidates.append(
            (
                ClientType.LATE_PAYER,
                f"paid a median {late_days:g} days late over {len(late)} invoices, "
                f"{late_trend:+g} days per invoice",
            )
        )
    if len(delays) >= t.min_evidence and (reply_days or 0) >= t.reply_days:
        candidates.append(
            (
                ClientType.UNRESPONSIVE,
                f"a median {reply_days:g} business days to answer {len(delays)} requests",
            )
        )
    if revisions >= t.min_evidence and rate >= t.revisions_per_month:
        candidates.append(
            (
                ClientType.CONTROLLING,
                f"{per_month:g} revision demands a month "
                f"({revisions} in {REVISION_WINDOW_DAYS} days)",
            )
        )
    # The strongest habit the client isn't marked with yet; none if it already has that type.
    suggested, because = None, ""
    if candidates and candidates[0][0] is not record.client.client_type:
        suggested, because = candidates[0]
    return Insight(
        reply_days=reply_days,
        replies=len(delays),
        late_days=late_days,
        late_trend=late_trend,
        paid=len(late),
        revisions_per_month=per_month,
        revisions=revisions,
        suggested=suggested,
        because=because,
    )
