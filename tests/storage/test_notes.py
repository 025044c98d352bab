"""Workspace notes (how the weekly digest claims its week) on every backend: read back as
written, changed atomically, one writer at a time, kept apart per workspace."""

from __future__ import annotations

import threading

import pytest

from storage.base import Store


def test_a_note_is_none_until_written_then_reads_back(any_store: Store) -> None:
    assert any_store.note("T0TEAM1", "digest-2026-W49") is None
    written = any_store.change_note("T0TEAM1", "digest-2026-W49", lambda _: {"state": "claimed"})
    assert written == {"state": "claimed"}
    assert any_store.note("T0TEAM1", "digest-2026-W49") == {"state": "claimed"}
    assert any_store.note("T0OTHER", "digest-2026-W49") is None


def test_a_change_that_raises_leaves_the_note_as_it_was(any_store: Store) -> None:
    any_store.change_note("T0TEAM1", "claim", lambda _: {"by": "first"})

    def refuse(current):
        raise RuntimeError("already claimed")

    with pytest.raises(RuntimeError):
        any_store.change_note("T0TEAM1", "claim", refuse)
    assert any_store.note("T0TEAM1", "claim") == {"by": "first"}


def test_concurrent_changes_each_see_the_one_before(any_store: Store) -> None:
    def bump(current):
        return {"n": (current or {"n": 0})["n"] + 1}

    threads = [
        threading.Thread(
            target=lambda: [any_store.change_note("T0TEAM1", "counter", bump) for _ in range(10)]
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert any_store.note("T0TEAM1", "counter") == {"n": 40}


def test_note_names_are_checked(any_store: Store) -> None:
    with pytest.raises(ValueError):
        any_store.note("T0TEAM1", "../escape")
    with pytest.raises(ValueError):
        any_store.change_note("T0TEAM1", "a b", lambda _: {})


def test_purging_a_workspace_takes_its_notes(any_store: Store) -> None:
    any_store.change_note("T0GONE", "claim", lambda _: {"x": 1})
    any_store.change_note("T0STAY", "claim", lambda _: {"x": 2})
    any_store.purge_team("T0GONE")
    assert any_store.note("T0GONE", "claim") is None
    assert any_store.note("T0STAY", "claim") == {"x": 2}
