"""What the team should look at now, across every client: the one selection App Home and the
weekly digest both show, from the overview's standings. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.attention import Standing, Waiting


@dataclass(frozen=True)
class Agenda:
    quiet: tuple[Standing, ...]  # gone quiet, longest first
    overdue: tuple[Standing, ...]  # with overdue invoices, oldest first
    waiting: tuple[
        tuple[Standing, Waiting], ...
    ]  # suggestions waiting for a decision, oldest first
    retype: tuple[Standing, ...]  # whose record points at a type they haven't got

    @property
    def empty(self) -> bool:
        return not (self.quiet or self.overdue or self.waiting or self.retype)


def agenda(standings: list[Standing]) -> Agenda:
    """The active clients' items, most urgent first (archived clients are left out: nothing
    is chased for them)."""
    active = [s for s in standings if not s.archived]
    return Agenda(
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
