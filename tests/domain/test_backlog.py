"""Which clients of a backlog are started first, and what the rest come to (pure)."""

from __future__ import annotations

from domain.backlog import split
from domain.facts import OverdueFacts
from domain.nudges import Due


def overdue(stage: int, days: int) -> Due:
    facts = OverdueFacts(invoices=(), days_overdue=days)
    return Due("overdue", f"inv-{stage}-{days}", stage, False, facts)


def test_further_up_the_ladder_first_then_the_longest_waiting_then_by_name() -> None:
    candidates = [
        ("a", "Acme", [overdue(1, 90)]),
        ("b", "Bolt", [overdue(2, 10)]),
        ("c", "Core", [overdue(1, 30)]),
        ("d", "Dune", [overdue(1, 90)]),
    ]
    found = split(candidates, started=0, cap=2)
    assert [c[0] for c in found.start] == ["b", "a"]
    assert [c[0] for c in found.held] == ["d", "c"]
    assert found.counts == {("overdue", 1): 2}


def test_clients_already_started_in_the_channel_take_their_room() -> None:
    candidates = [(str(i), f"n{i}", [overdue(1, i)]) for i in range(5)]
    assert len(split(candidates, started=3, cap=4).start) == 1
    assert split(candidates, started=9, cap=4).start == []
    assert len(split(candidates, started=0, cap=10).start) == 5
