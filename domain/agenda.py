"""What the team should look at now, across every client: the one selection App Home and the
weekly digest both show, from the overview's standings. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from domain.attention import Standing, Waiting
from domain.models import Money
from domain.money import totals


@dataclass(frozen=True)
class OverdueTotal:
    """Every overdue invoice's balance, per currency: the one total App Home, the digest and
    `/client list` show. Archived clients count (archiving stops the nudges, not the debt), and
    so do invoices held by a promise to pay (still past their due date)."""

    owed: tuple[Money, ...] = ()
    invoices: int = 0
    clients: int = 0
    # The part of `owed` that archived clients owe, per currency.
    archived: tuple[Money, ...] = ()


def overdue_in_all(standings: Iterable[Standing]) -> OverdueTotal:
    """What is overdue across `standings` (see OverdueTotal)."""
    owing = [s for s in standings if s.overdue_count or s.promised_count]
    return OverdueTotal(
        owed=totals(m for s in owing for m in (*s.overdue_owed, *s.promised_owed)),
        invoices=sum(s.overdue_count + s.promised_count for s in owing),
        clients=len(owing),
        archived=totals(
            m for s in owing if s.archived for m in (*s.overdue_owed, *s.promised_owed)
        ),
    )


@dataclass(frozen=True)
class Agenda:
    quiet: tuple[Standing, ...]  # gone quiet, longest first
    overdue: tuple[Standing, ...]  # with overdue invoices, oldest first
    waiting: tuple[
        tuple[Standing, Waiting], ...
    ]  # suggestions waiting for a decision, oldest first
    retype: tuple[Standing, ...]  # whose record points at a type they haven't got
    # Whose promise to pay falls due from today to the end of the week, soonest first. Only
    # the client's: the record keeps what they promised, not what we did.
    promises: tuple[Standing, ...] = ()
    # Overdue across every client, archived ones too: the headline.
    overdue_total: OverdueTotal = OverdueTotal()

    @property
    def empty(self) -> bool:
        return not (self.quiet or self.overdue or self.waiting or self.retype or self.promises)


def agenda(standings: list[Standing], today: date) -> Agenda:
    """The active clients' items, most urgent first (archived clients are left out: nothing
    is chased for them)."""
    active = [s for s in standings if not s.archived]
    sunday = today + timedelta(days=6 - today.weekday())
    return Agenda(
        overdue_total=overdue_in_all(standings),
        promises=tuple(
            sorted(
                (s for s in active if s.promised_by and today <= s.promised_by <= sunday),
                key=lambda s: (s.promised_by, s.name_key),
            )
        ),
        quiet=tuple(sorted((s for s in active if s.quiet_days), key=lambda s: -s.quiet_days)),
        overdue=tuple(
            sorted((s for s in active if s.overdue_count), key=lambda s: -s.days_overdue)
        ),
        waiting=tuple(
            sorted(((s, w) for s in active for w in s.waiting), key=lambda sw: sw[1].since)
        ),
        retype=tuple(
            sorted(
                (s for s in active if s.insight and s.insight.suggested),
                key=lambda s: s.name_key,
            )
        ),
    )


def age(since: date, today: date) -> int:
    """Whole days from `since` to `today` (0 the same day)."""
    return max(0, (today - since).days)
