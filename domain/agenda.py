"""What the team should look at now, across every client: the one selection App Home and the
weekly digest both show, from the overview's standings. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.attention import Standing, Waiting


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

    @property
    def empty(self) -> bool:
        return not (self.quiet or self.overdue or self.waiting or self.retype or self.promises)


def agenda(standings: list[Standing], today: date) -> Agenda:
    """The active clients' items, most urgent first (archived clients are left out: nothing
    is chased for them)."""
    active = [s for s in standings if not s.archived]
    sunday = today + timedelta(days=6 - today.weekday())
    return Agenda(
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
